"""The source manifest: one declaration per raw file family, and discovery of the files in the bundle.

A family says where its files live, the name to save a release under (`save_as`, with YYYY / MM / YY
standing for the digits of its vintage), the columns the build needs, who publishes it under which
licence, and the plausibility rules its releases must pass (thresholds below; `data/checks.py`
applies them). Nothing else in the code names a raw file: a newer release saved under its family's
pattern is picked up by the next build, and the years the atlas covers follow from the files found.

Releases combine as each family's note says: every release is read (yearly files, register
snapshots), or the newest is the current one (patient flows; Code-Point, whose earlier releases
still locate retired postcodes).
"""
from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from data.errors import DataFileError
from data.licences import OGL

ONS_ATTRIBUTION = "Source: Office for National Statistics licensed under the Open Government Licence v3.0"
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right {year}"
CODEPOINT_ATTRIBUTION = (OS_ATTRIBUTION + "; Contains Royal Mail data © Royal Mail copyright and database right "
                         "{year}; Contains National Statistics data © Crown copyright and database right {year}")
PLACEHOLDER = re.compile(r"YYYY|MM|YY")
DIGITS = {"YYYY": r"\d{4}", "MM": r"\d{2}", "YY": r"\d{2}"}
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class Threshold:
    """Relative deviation that makes a check warn, and the larger one that fails the build."""
    warn: float
    fail: float


# Plausibility rules (names used in reports and in `--accept FILE:RULE`). Thresholds are relative: 0.15 = 15 %.
ROWS = "rows-vs-siblings"  # rows of each release against the median of the family's other releases
YEARS = "years-present"  # no year missing inside the family's span, none lost since the previous build
GP_FTE = "london-gp-fte"  # London GP FTE (aligned practices) against adjacent years
LIST_SIZE = "london-list-size"  # London registered patients against adjacent years
POPULATION = "london-population"  # London resident population against adjacent mid-years
BOROUGH_PRACTICES = "borough-practices"  # share of a borough's practices lost from one year to the next
ROWS_THRESHOLD = Threshold(warn=0.2, fail=0.35)
TOTAL_THRESHOLD = Threshold(warn=0.075, fail=0.15)
BOROUGH_THRESHOLD = Threshold(warn=0.25, fail=0.5)
BOROUGH_MIN_PRACTICES = 5  # a borough with fewer practices (the City of London has one) is not judged
# Small numbers swing by chance: a release compared with fewer than this many rows, or a London total made of
# fewer practices (LSOAs for population), is not judged. London has ~1,200 practices and 4,835 LSOAs.
MIN_JUDGED = 100


@dataclass(frozen=True)
class Source:
    key: str
    title: str  # what the file holds, as the About page names it
    folders: tuple[str, ...]  # relative to the data directory
    save_as: str  # file name; YYYY, MM, YY stand for the vintage's digits
    columns: tuple[str, ...]  # source columns the build needs (checked by the reader)
    publisher: str
    page: str  # title of the official publication page
    licence: str = OGL
    attribution: str = ""  # may hold {year}: the vintage's first four digits
    yearly: bool = False  # one year label per release or per row: a year missing inside the span is an error
    layer: str = ""  # GeoPackage layer, where the file holds several
    rules: dict[str, Threshold | None] = field(default_factory=dict)
    note: str = ""  # how the saved file differs from the published one, for the refresh guide

    @property
    def pattern(self) -> re.Pattern:
        """`save_as` as a regular expression; the vintage is the span from the first placeholder to the last."""
        marks = list(PLACEHOLDER.finditer(self.save_as))
        if not marks:
            return re.compile(re.escape(self.save_as))
        start, end = marks[0].start(), marks[-1].end()
        literal = PLACEHOLDER.split(self.save_as[start:end])
        vintage = "".join(re.escape(text) + (DIGITS[mark.group()] if i < len(marks) else "")
                          for i, (text, mark) in enumerate(zip(literal, [*marks, None], strict=True)))
        return re.compile(re.escape(self.save_as[:start]) + f"(?P<vintage>{vintage})" + re.escape(self.save_as[end:]))

    @property
    def glob(self) -> str:
        """A loose shell pattern for the family: a file it matches that `pattern` does not is misnamed."""
        marks = list(PLACEHOLDER.finditer(self.save_as))
        return self.save_as if not marks else self.save_as[:marks[0].start()] + "*" + self.save_as[marks[-1].end():]


GLA_FOLDER = ("geography/london_datastore_statistical_gis_boundaries",)
GLA = dict(publisher="Greater London Authority (London Datastore), from ONS/OS 2011 Census geography",
           page="Statistical GIS Boundary Files for London", attribution=OS_ATTRIBUTION.format(year=2011),
           note="the ESRI/ folder of statistical-gis-boundaries-london.zip (.shp with its .shx, .dbf and .prj)")
ONS = dict(publisher="Office for National Statistics", attribution=ONS_ATTRIBUTION)
ODS = dict(publisher="NHS England, Organisation Data Service (ODS)")
NHS_DIGITAL = dict(publisher="NHS England (formerly NHS Digital)")
IOD = dict(publisher="Ministry of Housing, Communities and Local Government",
           page="English indices of deprivation 2019")
POPULATION_AGES = tuple(str(age) for age in range(90)) + ("90+",)

SOURCES: dict[str, Source] = {source.key: source for source in (
    Source("lsoa11_boundaries", "LSOA 2011 boundaries", GLA_FOLDER, "LSOA_2011_London_gen_MHW.shp",
           ("LSOA11CD", "LSOA11NM", "MSOA11CD", "LAD11CD"), **GLA),
    Source("msoa11_boundaries", "MSOA 2011 boundaries", GLA_FOLDER, "MSOA_2011_London_gen_MHW.shp",
           ("MSOA11CD", "MSOA11NM", "LAD11CD"), **GLA),
    Source("ward_boundaries", "Ward boundaries (2014, City merged)", GLA_FOLDER, "London_Ward_CityMerged.shp",
           ("GSS_CODE", "NAME", "LB_GSS_CD"), **GLA),
    Source("borough_boundaries", "Borough boundaries", GLA_FOLDER, "London_Borough_Excluding_MHW.shp",
           ("GSS_CODE", "NAME"), **GLA),
    Source("ccg19_areas", "CCG 2019 areas", ("geography",), "london_geography.gpkg", ("CCG19CD", "CCG19NM", "CCG19CDH"),
           page="LSOA (2011) to CCG to STP (April 2019) Lookup in England", layer="ccg19_derived_dissolve_lsoa",
           note="derived: the LSOA 2011 polygons dissolved by the lookup's CCG19CD", **ONS),
    Source("icb22_areas", "ICB 2022 areas", ("geography",), "london_geography.gpkg",
           ("icb22_code", "icb22_name", "icb22_code_h"),
           page="LSOA (2011) to Sub ICB Location to ICB to LAD (July 2022) Lookup in England",
           layer="icb22_derived_dissolve_lsoa", note="derived: the LSOA 2011 polygons dissolved by ICB22CD", **ONS),
    Source("ccg19_lookup", "LSOA 2011 to CCG 2019 lookup", ("geography/lookups",),
           "lsoa11_ccg19_stp19_lad19_london.csv", ("LSOA11CD", "CCG19CD"),
           page="LSOA (2011) to CCG to STP (April 2019) Lookup in England", note="London rows", **ONS),
    Source("icb22_lookup", "LSOA 2011 to ICB 2022 lookup", ("geography/lookups",),
           "lsoa11_sicbl22_icb22_ltla22_london.csv", ("lsoa11_code", "icb22_code"),
           page="LSOA (2011) to Sub ICB Location to ICB to LAD (July 2022) Lookup in England",
           note="London rows; columns lsoa11_code, icb22_code", **ONS),
    Source("population", "Resident population by LSOA and single year of age", ("geography/population",),
           "lsoa11_population_syoa_midYYYY_london.csv", ("lsoa11_code", "total_population", *POPULATION_AGES),
           page="Lower layer Super Output Area population estimates (persons, single year of age)",
           note="London LSOAs; columns lsoa11_code, lsoa11_name, total_population, 0 ... 89, 90+",
           rules={ROWS: ROWS_THRESHOLD, YEARS: None, POPULATION: Threshold(warn=0.05, fail=0.1)}, **ONS),
    Source("imd2019", "English Indices of Deprivation 2019: ranks and deciles", ("geography/deprivation",),
           "imd2019_london_lsoa11.csv", ("lsoa11_code", "IMD_decile", "IMD_rank"),
           note="File 7, London LSOAs; columns lsoa11_code, IMD_decile, IMD_rank", **IOD),
    Source("imd2019_indicators", "English Indices of Deprivation 2019: underlying indicators",
           ("geography/deprivation",), "imd2019_london_lsoa11_indicators.csv",
           ("lsoa11_code", "road_distance_to_a_gp_surgery_indicator_km",
            "comparative_illness_and_disability_ratio_indicator"),
           note="File 8, London LSOAs, snake_case names", **IOD),
    Source("ptal", "Public Transport Accessibility Levels (average PTAI 2015 by LSOA 2011)", ("geography/transport",),
           "LSOA2011_AvPTAI2015.csv", ("LSOA2011", "AvPTAI2015", "PTAL"),
           publisher="Transport for London (London Datastore)", page="Public Transport Accessibility Levels",
           note="the LSOA 2011 average PTAI file, as published"),
    Source("epraccur", "GP practice register (epraccur)", ("practices",), "epraccur_london_YYYY-MM.csv",
           ("Organisation Code", "Name", "National Grouping", "High Level Health Geography", "Postcode", "Open Date",
            "Close Date", "Status Code", "Commissioner", "Prescribing Setting"),
           page="GP and GP practice related data (epraccur)",
           note="as published: no header row, 27 columns (the national file may be saved whole: the build keeps "
                "national grouping Y56); YYYY-MM = the month of the extract",
           rules={ROWS: ROWS_THRESHOLD, YEARS: None}, **ODS),
    Source("epcn", "PCN membership (ePCN)", ("practices", "registrations"), "ePCN_YYYY-MM.xlsx",
           ("Partner Organisation Code", "PCN Code", "PCN Name", "Practice to PCN Relationship Start Date",
            "Practice to PCN Relationship End Date"),
           page="GP and GP practice related data (ePCN, Primary Care Networks)",
           note="the national workbook as published ('PCN Core Partner Details' sheet)",
           rules={ROWS: ROWS_THRESHOLD, YEARS: None}, **ODS),
    Source("payments", "NHS Payments to General Practice (list sizes, Carr-Hill weighted lists)", ("practices",),
           "nhs_payments_to_general_practice_london_YYYY-YY.csv",
           ("Practice Code", "Practice Postcode", "Number of Registered Patients (Last Known Figure)",
            "Number of Weighted Patients (Last Known Figure)"),
           page="NHS Payments to General Practice, England",
           note="London rows (NHS England region Q71 / Y56); YYYY-YY = the financial year", yearly=True,
           rules={ROWS: ROWS_THRESHOLD, YEARS: None, LIST_SIZE: TOTAL_THRESHOLD, BOROUGH_PRACTICES: BOROUGH_THRESHOLD},
           **NHS_DIGITAL),
    Source("workforce", "GP workforce: list size and fully qualified GP FTE (annual means)", ("practices",),
           "heec_workforce_year_london_fyYYYY-YYYY.csv",
           ("Practice.Code", "Year", "TOTAL_PATIENTS", "TOTAL_GP_EXTGL_FTE", "TOTAL_GP_EXTGL_HC"),
           publisher="NHS England (formerly NHS Digital); financial-year means derived by the Health Equity "
                     "Evidence Centre", page="General Practice Workforce (practice-level CSVs)",
           licence=f"{OGL} (NHS source data)",
           note="HEEC's data/workforce/workforce_year.csv, London practices; fyYYYY-YYYY = first and last Year; "
                "where two files cover a practice-year the later file wins",
           yearly=True, rules={ROWS: ROWS_THRESHOLD, YEARS: None, GP_FTE: TOTAL_THRESHOLD, LIST_SIZE: TOTAL_THRESHOLD,
                  BOROUGH_PRACTICES: BOROUGH_THRESHOLD}),
    Source("registered", "Patients Registered at a GP Practice (monthly totals)", ("practices",),
           "gp-reg-pat-prac-all_YYYY-MM.csv", ("EXTRACT_DATE", "CODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"),
           page="Patients Registered at a GP Practice", note="the national totals file gp-reg-pat-prac-all.csv; "
           "YYYY-MM = the extract month", rules={ROWS: ROWS_THRESHOLD, YEARS: None}, **NHS_DIGITAL),
    Source("flows", "Patients registered by LSOA of residence (patient flows)", ("registrations",),
           "gp-reg-pat-prac-lsoa-all_london_YYYY-MM.csv.gz", ("PRACTICE_CODE", "LSOA_CODE", "NUMBER_OF_PATIENTS"),
           page="Patients Registered at a GP Practice (LSOA file, all persons)",
           note="gp-reg-pat-prac-lsoa-all.csv, rows of London practices or London LSOAs, gzipped",
           rules={ROWS: ROWS_THRESHOLD}, **NHS_DIGITAL),
    Source("codepoint", "Code-Point Open (postcode locations)", ("practices",), "codepoint_open_london_YYYY-MM.csv.gz",
           ("PC", "PQ", "EA", "NO", "DC"), publisher="Ordnance Survey", page="OS Code-Point Open",
           licence="OS OpenData licence (OGL v3.0 compatible)", attribution=CODEPOINT_ATTRIBUTION,
           note="London postcodes (admin district E09...) of all area files, with the header row "
                "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC; gzipped; earlier releases left beside it locate retired postcodes",
           rules={ROWS: ROWS_THRESHOLD}),
    Source("codepoint_older", "Code-Point Open, older releases (retired postcodes)", ("practices",),
           "codepoint_open_london_older_releases_not_in_YYYY.csv.gz", ("PC", "PQ", "EA", "NO", "DC"),
           publisher="Ordnance Survey", page="OS Code-Point Open (earlier releases)",
           licence="OS OpenData licence (OGL v3.0 compatible)",
           attribution=CODEPOINT_ATTRIBUTION.replace(" {year}", "") + " (the year of each release)",
           note="London postcodes of earlier releases that are not in release YYYY, with a source_release column"),
)}


@dataclass(frozen=True)
class Release:
    """One file of a family: where it is, its path relative to the data directory, and its vintage."""
    source: Source
    path: Path
    relative: str
    vintage: str


class Inventory:
    """The bundle's files by family. Records what the build reads, so the report can list each file used."""

    def __init__(self, root: Path):
        self.root = root
        self.used: dict[tuple[str, str], Release] = {}  # (relative path, family) -> release
        self.superseded: dict[str, str] = {}  # relative path -> the release that replaced it

    def _names(self, folder: str) -> list[str]:
        directory = self.root / folder
        return sorted(p.name for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []

    def _claimed(self, folder: str, name: str) -> bool:
        return any(folder in other.folders and other.pattern.fullmatch(name) for other in SOURCES.values())

    def releases(self, key: str) -> list[Release]:
        """Every release of a family, oldest first. A file that looks like the family's but does not follow
        its name pattern is an error (a silently ignored release would be a silent gap)."""
        source = SOURCES[key]
        found = []
        for folder in source.folders:
            for name in self._names(folder):
                match = source.pattern.fullmatch(name)
                if match:
                    found.append(Release(source, self.root / folder / name, f"{folder}/{name}",
                                         match.groupdict().get("vintage", "")))
                elif fnmatch.fnmatchcase(name, source.glob) and not self._claimed(folder, name):
                    raise DataFileError(self.root / folder / name, f"file name does not follow the pattern "
                                        f"{source.save_as}; expected {source.title} saved as {source.save_as}")
        if not found:
            raise DataFileError(self.root / source.folders[0] / source.glob,
                                f"no file matches; expected {source.title} saved as {source.save_as}")
        return sorted(found, key=lambda release: release.vintage)

    def every(self, key: str) -> list[Release]:
        """All releases of a family, marked as read."""
        releases = self.releases(key)
        self.used.update({(release.relative, key): release for release in releases})
        return releases

    def latest(self, key: str) -> Release:
        """The newest release; the older ones are recorded as superseded by it."""
        *older, newest = self.releases(key)
        self.used[(newest.relative, key)] = newest
        self.superseded.update({release.relative: newest.relative for release in older})
        return newest

    def fixed(self, key: str) -> Path:
        """The one file of a single-edition family (its reader says so if it is missing)."""
        source = SOURCES[key]
        relative = f"{source.folders[0]}/{source.save_as}"
        self.used[(relative, key)] = Release(source, self.root / relative, relative, "")
        return self.root / relative

    def records(self) -> list[dict]:
        """Every file read (shapefile parts included) with its size and sha256, then the superseded ones.
        A file read for two families (the GeoPackage's two layers) is listed once, naming both."""
        families: dict[str, list[str]] = {}
        for relative, key in sorted(self.used):
            families.setdefault(relative, []).append(key)
        rows = []
        for relative, keys in families.items():
            release = self.used[(relative, keys[0])]
            parts = [release.path]
            if release.path.suffix == ".shp":
                parts += [release.path.with_suffix(s) for s in (".shx", ".dbf", ".prj", ".cpg")]
            rows += [{"file": str(part.relative_to(self.root)), "family": ", ".join(keys), "vintage": release.vintage,
                      "status": "used", **file_fingerprint(part)} for part in parts if part.is_file()]
        for relative, newest in sorted(self.superseded.items()):
            family = next(key for used, key in self.used if used == newest)
            rows.append({"file": relative, "family": family, "vintage": "",
                         "status": f"not used: superseded by {newest}", **file_fingerprint(self.root / relative)})
        return rows


def file_fingerprint(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def vintage_span(vintages: list[str]) -> str:
    """'2019-12, 2023-02' for a few releases; 'first to last (n releases)' for a long series."""
    vintages = sorted(v for v in vintages if v)
    if len(vintages) <= 4:
        return ", ".join(vintages)
    return f"{vintages[0]} to {vintages[-1]} ({len(vintages)} releases)"


def source_table(records: list[dict]) -> list[dict]:
    """One row per family read: dataset, publisher, page, vintages used, licence and attribution (the About
    page's sources table, computed from the files the build actually used)."""
    used = [r for r in records if r["status"] == "used"]
    rows = []
    for source in SOURCES.values():
        vintages = sorted({r["vintage"] for r in used if source.key in r["family"].split(", ")})
        if not vintages:
            continue
        latest_year = next((v[:4] for v in reversed(vintages) if v[:4].isdigit()), "")
        rows.append({"dataset": source.title, "publisher": source.publisher, "page": source.page,
                     "vintage": vintage_span(vintages) or "single edition", "licence": source.licence,
                     "attribution": source.attribution.format(year=latest_year)})
    return rows
