"""Readers for each raw file family, in its published format.

Each reader checks the file exists, parses, and has the columns we rely on;
anything else raises `DataFileError` naming the file and what was expected.
Readers return plain frames with our own snake_case column names and record
their row counts in the `QualityReport`.
"""
from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from data.config import BNG
from data.errors import DataFileError
from data.quality import QualityReport
from data.sources import SOURCES

EPRACCUR_COLUMNS = {
    0: "practice_code", 1: "practice_name", 2: "national_grouping", 3: "high_level_health_geography",
    9: "postcode", 10: "open_date", 11: "close_date", 12: "status_code", 14: "commissioner_code",
    25: "prescribing_setting",
}
EPRACCUR_WIDTH = 27
GP_PRESCRIBING_SETTING = 4

AGE_BANDS = ("0-4", "5-14", "15-44", "45-64", "65-74", "75-84", "85+")


def normalise_postcode(postcodes: pd.Series) -> pd.Series:
    """Upper case, no spaces: 'n20  0dh' -> 'N200DH' (Code-Point and NHS files space differently)."""
    return postcodes.astype("string").str.upper().str.replace(r"\s+", "", regex=True)


def postcode_area(postcodes: pd.Series) -> pd.Series:
    """Leading letters of a normalised postcode: 'N200DH' -> 'N', 'B94EY' -> 'B'."""
    return postcodes.astype("string").str.extract(r"^([A-Z]{1,2})", expand=False)


def _require_file(path: Path, expected: str) -> None:
    if not path.is_file():
        raise DataFileError(path, f"file not found; expected {expected}")
    if path.stat().st_size == 0:
        raise DataFileError(path, f"file is empty; expected {expected}")


def _require_columns(frame: pd.DataFrame, path: Path, columns: list[str] | tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {missing}; expected {what} with columns {list(columns)}")
    if frame.empty:
        raise DataFileError(path, f"no data rows; expected {what}")


def read_csv_checked(path: Path, columns: list[str] | tuple[str, ...], what: str, **kwargs) -> pd.DataFrame:
    """Read a CSV and check the named columns are present."""
    _require_file(path, what)
    try:
        frame = pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError, ValueError) as exc:
        raise DataFileError(path, f"could not be parsed as CSV ({exc.__class__.__name__}: {exc}); "
                                  f"expected {what}") from exc
    _require_columns(frame, path, columns, what)
    return frame


def _dates(values: pd.Series, fmt: str) -> pd.Series:
    cleaned = values.astype("string").str.strip().replace({"": pd.NA, "-": pd.NA})
    return pd.to_datetime(cleaned, format=fmt, errors="coerce")


# --------------------------------------------------------------------------- practices

def read_epraccur(path: Path, report: QualityReport) -> pd.DataFrame:
    """ODS epraccur: header-less, 27 quoted columns; London rows (national grouping Y56)."""
    what = f"ODS epraccur extract (no header row, {EPRACCUR_WIDTH} columns)"
    _require_file(path, what)
    try:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataFileError(path, f"could not be parsed as CSV ({exc}); expected {what}") from exc
    if raw.shape[1] != EPRACCUR_WIDTH:
        raise DataFileError(path, f"has {raw.shape[1]} columns; expected {what}")
    if raw.iloc[0, 0].strip().lower().startswith("organisation"):
        raise DataFileError(path, f"first row looks like a header; expected {what}")
    frame = raw[list(EPRACCUR_COLUMNS)].rename(columns=EPRACCUR_COLUMNS)
    frame["postcode"] = normalise_postcode(frame["postcode"])
    frame["open_date"] = _dates(frame["open_date"], "%Y%m%d")
    frame["close_date"] = _dates(frame["close_date"], "%Y%m%d")
    frame["prescribing_setting"] = pd.to_numeric(frame["prescribing_setting"], errors="coerce").astype("Int64")
    london = frame["national_grouping"] == "Y56"
    report.file(path.name, len(frame), int(london.sum()),
                {"national grouping not Y56 (not London)": int((~london).sum())},
                detail=f"{int((frame.loc[london, 'prescribing_setting'] == GP_PRESCRIBING_SETTING).sum()):,} "
                       "GP practices (setting 4), "
                       f"{int(((frame['status_code'] == 'A') & london & (frame['prescribing_setting'] == 4)).sum()):,}"
                       " active")
    return frame[london].reset_index(drop=True)


def read_codepoint(path: Path, report: QualityReport, release: str | None = None) -> pd.DataFrame:
    """OS Code-Point Open (London subset): postcode -> easting/northing (EPSG:27700)."""
    columns = SOURCES["codepoint"].columns
    what = f"Code-Point Open CSV with {', '.join(columns)} columns"
    frame = read_csv_checked(path, columns, what, dtype={"PC": str, "DC": str})
    out = pd.DataFrame({
        "postcode": normalise_postcode(frame["PC"]),
        "easting": pd.to_numeric(frame["EA"], errors="coerce"),
        "northing": pd.to_numeric(frame["NO"], errors="coerce"),
        "positional_quality": pd.to_numeric(frame["PQ"], errors="coerce"),
        "release": frame["source_release"].astype(str) if "source_release" in frame else release,
    })
    # PQ 90 = no coordinates; (0, 0) also means unlocated in Code-Point.
    bad = out["easting"].isna() | out["northing"].isna() | (out["positional_quality"] == 90) | (
        (out["easting"] == 0) & (out["northing"] == 0))
    # Duplicates are judged among usable records only (an unusable first record must not hide a
    # good second one); where releases are stacked, the newest release's record is kept.
    usable = out[~bad].sort_values("release", ascending=False, kind="stable")
    dup = usable["postcode"].duplicated(keep="first")
    report.file(path.name, len(out), int((~dup).sum()),
                {"no coordinates (PQ 90 or 0,0)": int(bad.sum()), "duplicate postcode": int(dup.sum())})
    return usable[~dup].sort_index().reset_index(drop=True)


def read_payments(path: Path, year: int, report: QualityReport) -> pd.DataFrame:
    """NHS Payments to General Practice: one row per practice, list and Carr-Hill weighted list."""
    code, postcode, registered, weighted = SOURCES["payments"].columns
    what = "NHS Payments to General Practice CSV"
    frame = read_csv_checked(path, SOURCES["payments"].columns, what, dtype=str)
    out = pd.DataFrame({
        "practice_code": frame[code].str.strip(),
        "year": year,
        "payments_postcode": normalise_postcode(frame[postcode]),
        "payments_registered": pd.to_numeric(frame[registered], errors="coerce"),
        "payments_weighted": pd.to_numeric(frame[weighted], errors="coerce"),
    })
    dup = out["practice_code"].duplicated()
    report.file(path.name, len(out), int((~dup).sum()), {"duplicate practice code": int(dup.sum())},
                detail=f"FY label {year}; {int((out['payments_registered'] == 0).sum())} practices with a zero list")
    return out[~dup].reset_index(drop=True)


WORKFORCE_COLUMNS = dict(zip(SOURCES["workforce"].columns,
                             ("practice_code", "year", "list_size", "gp_fte", "gp_headcount"), strict=True))
WORKFORCE_OPTIONAL = {"TOTAL_NURSES_FTE": "nurse_fte", "TOTAL_ADMIN_FTE": "admin_fte", "TOTAL_DPC_FTE": "dpc_fte"}


def read_workforce(path: Path, report: QualityReport) -> pd.DataFrame:
    """HEEC annual GP workforce series: FY-mean GP FTE (fully qualified, excl. registrars/locums)."""
    what = "HEEC workforce_year CSV"
    frame = read_csv_checked(path, list(WORKFORCE_COLUMNS), what, dtype={SOURCES["workforce"].columns[0]: str})
    keep = {**WORKFORCE_COLUMNS, **{k: v for k, v in WORKFORCE_OPTIONAL.items() if k in frame.columns}}
    out = frame[list(keep)].rename(columns=keep)
    out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
    for column in out.columns.drop(["practice_code", "year"]):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    bad_year = out["year"].isna()
    if bad_year.all():
        raise DataFileError(path, f"no row has a numeric Year; expected {what}")
    dup = out.duplicated(["practice_code", "year"]) & ~bad_year
    negative = (out["gp_fte"] < 0).fillna(False) & ~bad_year & ~dup
    out.loc[negative, "gp_fte"] = np.nan
    report.file(path.name, len(out), int((~bad_year & ~dup).sum()),
                {"no year": int(bad_year.sum()), "duplicate practice-year": int(dup.sum())},
                detail=f"years {int(out['year'].min())}-{int(out['year'].max())}; GP FTE missing in "
                       f"{int(out['gp_fte'].isna().sum())} rows ({int(negative.sum())} negative set missing)")
    out = out[~bad_year & ~dup].copy()
    out["workforce_source"] = path.name
    return out.reset_index(drop=True)


def read_registered_totals(path: Path, report: QualityReport) -> pd.DataFrame:
    """NHS Digital 'Patients Registered at a GP Practice' totals file (gp-reg-pat-prac-all)."""
    columns = SOURCES["registered"].columns
    extract_date, code, sex, age, patients = columns
    what = f"gp-reg-pat-prac-all CSV ({', '.join(columns)})"
    frame = read_csv_checked(path, columns, what, dtype=str)
    totals = (frame[sex].str.upper() == "ALL") & (frame[age].str.upper() == "ALL")
    extract = pd.to_datetime(frame[extract_date].str.title(), format="%d%b%Y", errors="coerce")
    if extract.isna().all():
        raise DataFileError(path, f"{extract_date} not in the published ddMonyyyy form; expected {what}")
    kept = totals & extract.notna()
    out = pd.DataFrame({"practice_code": frame[code], "extract_date": extract,
                        "registered": pd.to_numeric(frame[patients], errors="coerce")})[kept]
    report.file(path.name, len(frame), len(out), {"not an all-persons total": int((~totals).sum()),
                                                  "EXTRACT_DATE not a date": int((totals & extract.isna()).sum())},
                detail=f"extract {extract.dropna().iloc[0]:%Y-%m-%d}, national")
    return out.reset_index(drop=True)


def read_flows(path: Path, report: QualityReport) -> pd.DataFrame:
    """Patients registered at a GP practice by LSOA of residence (practice x LSOA11 counts)."""
    columns = SOURCES["flows"].columns
    practice, lsoa, patients = columns
    what = f"gp-reg-pat-prac-lsoa-all CSV ({', '.join(columns)})"
    frame = read_csv_checked(path, columns, what, dtype={practice: str, lsoa: str})
    out = pd.DataFrame({"practice_code": frame[practice], "lsoa11_code": frame[lsoa],
                        "patients": pd.to_numeric(frame[patients], errors="coerce")})
    bad = out["patients"].isna() | (out["patients"] < 0)
    report.file(path.name, len(out), int((~bad).sum()), {"patient count missing or negative": int(bad.sum())})
    return out[~bad].reset_index(drop=True)


def _clean_header(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


# What a damaged workbook raises: not a zip, a truncated or corrupt member, an unknown zip version or
# compression method (NotImplementedError), a member flagged as encrypted (RuntimeError), broken XML.
UNREADABLE_WORKBOOK = (ValueError, KeyError, OSError, EOFError, NotImplementedError, RuntimeError, zipfile.BadZipFile,
                       zlib.error, ParseError)
EPCN_PARTNER_COLUMNS = dict(zip(SOURCES["epcn"].columns,
                                ("practice_code", "pcn_code", "pcn_name", "start_date", "end_date"), strict=True))


def read_epcn(path: Path, snapshot: str, report: QualityReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ODS ePCN workbook: practice -> PCN relationships (headers may hold embedded newlines)."""
    what = "ODS ePCN workbook with a 'PCN Core Partner Details' sheet"
    _require_file(path, what)
    try:
        with warnings.catch_warnings():  # openpyxl's notes on styles it ignores are not data problems
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    except UNREADABLE_WORKBOOK as exc:
        raise DataFileError(path, f"could not be read as an Excel workbook ({type(exc).__name__}: {exc}); "
                                  f"expected {what}") from exc
    partner_sheet = next((s for s in sheets if _clean_header(s).lower() == "pcn core partner details"), None)
    if partner_sheet is None:
        raise DataFileError(path, f"sheets are {list(sheets)}; expected {what}")
    partners = sheets[partner_sheet].rename(columns=lambda header: _clean_header(header).lower())
    missing = [name for name in EPCN_PARTNER_COLUMNS if name.lower() not in partners.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {missing} in sheet '{partner_sheet}' (line breaks and case "
                                  f"ignored; found {list(partners.columns)}); expected {what}")
    partners = partners.rename(columns={name.lower(): ours for name, ours in EPCN_PARTNER_COLUMNS.items()})
    partners = partners[list(EPCN_PARTNER_COLUMNS.values())]
    partners["start_date"] = _dates(partners["start_date"], "%Y%m%d")
    partners["end_date"] = _dates(partners["end_date"], "%Y%m%d")
    partners["snapshot"] = snapshot
    details_sheet = next((s for s in sheets if s != partner_sheet), None)
    details = pd.DataFrame(columns=["pcn_code", "pcn_name"])
    if details_sheet is not None:
        raw = sheets[details_sheet].rename(columns=_clean_header)
        if {"PCN Code", "PCN Name"} <= set(raw.columns):
            details = raw[["PCN Code", "PCN Name"]].set_axis(["pcn_code", "pcn_name"], axis=1)
    details = details.assign(snapshot=snapshot)
    no_start = partners["start_date"].isna()
    report.file(path.name, len(partners), int((~no_start).sum()),
                {"relationship without a start date": int(no_start.sum())},
                detail=f"snapshot {snapshot}, national; {details['pcn_code'].nunique():,} PCNs")
    return partners[~no_start].reset_index(drop=True), details


# --------------------------------------------------------------------------- geography

def read_boundaries(path: Path, columns: dict[str, str], what: str, report: QualityReport,
                    layer: str | None = None) -> gpd.GeoDataFrame:
    """Polygons in British National Grid, made valid; `columns` maps source -> our names.

    The GLA shapefiles carry an ESRI 'British_National_Grid' WKT that pyproj
    does not resolve to EPSG:27700, so the CRS is asserted, not inferred: the
    coordinates are checked to lie in the BNG range first (a missing or
    unreadable .prj is therefore not an error).
    """
    _require_file(path, what)
    if path.suffix.lower() == ".shp":  # GDAL would read a shapefile without its table as if it had no columns
        for sidecar in (".shx", ".dbf"):
            _require_file(path.with_suffix(sidecar), f"the {sidecar} part of {path.name} ({what})")
    try:
        frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise DataFileError(path, f"could not be read as a vector layer{f' {layer!r}' if layer else ''} "
                                  f"({exc}); expected {what}") from exc
    _require_columns(frame, path, list(columns), what)
    minx, miny, maxx, maxy = frame.total_bounds
    if not (0 <= minx and maxx <= 700_000 and 0 <= miny and maxy <= 1_300_000):
        raise DataFileError(path, f"coordinates {frame.total_bounds.round()} are not British National Grid metres; "
                                  f"expected {what}")
    frame = frame.set_crs(BNG, allow_override=True)
    invalid = ~frame.geometry.is_valid
    cleaned, slivers = clean_polygons(frame.geometry.to_numpy())
    no_area = shapely.is_missing(cleaned) | shapely.is_empty(cleaned)
    if no_area.any():
        codes = frame.loc[no_area, next(iter(columns))].astype(str).tolist()
        raise DataFileError(path, f"{len(codes)} feature(s) have no polygon area after repair "
                                  f"({', '.join(codes[:5])}); expected {what}")
    frame = frame.set_geometry(gpd.GeoSeries(cleaned, index=frame.index, crs=BNG))
    out = frame[list(columns) + ["geometry"]].rename(columns=columns)
    label = f"{path.name}{':' + layer if layer else ''}"
    report.file(label, len(frame), len(out), detail=f"{int(invalid.sum())} invalid polygons repaired with make_valid; "
                                                    f"{slivers:,} sliver holes under {SLIVER_HOLE_M2:g} m2 removed")
    return out


SLIVER_HOLE_M2 = 1.0  # holes this small are dissolve artefacts (the derived CCG/ICB layers hold ~29,000)


def clean_polygons(geometries: np.ndarray) -> tuple[np.ndarray, int]:
    """Valid MultiPolygons without sliver holes (vectorised over all rings).

    make_valid can return collections with stray lines, and such a collection
    can itself hold a MultiPolygon: parts are flattened twice and only polygons
    kept. A feature left with no polygon at all comes back as None (the caller
    decides whether that is an error). Returns the cleaned geometries and the
    number of holes removed.
    """
    repaired = shapely.make_valid(np.asarray(geometries, dtype=object))
    parts, owner = shapely.get_parts(repaired, return_index=True)
    parts, nested_owner = shapely.get_parts(parts, return_index=True)
    owner = owner[nested_owner]
    polygonal = shapely.get_type_id(parts) == 3  # Polygon
    parts, owner = parts[polygonal], owner[polygonal]
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    first_ring = np.r_[True, ring_owner[1:] != ring_owner[:-1]]
    sliver = ~first_ring & (shapely.area(shapely.polygons(rings)) < SLIVER_HOLE_M2)
    rebuilt = shapely.polygons(rings[~sliver], indices=ring_owner[~sliver])
    with_area = np.unique(owner)
    cleaned = np.full(len(repaired), None, dtype=object)
    cleaned[with_area] = shapely.multipolygons(rebuilt, indices=np.searchsorted(with_area, owner))
    return cleaned, int(sliver.sum())


def read_population_syoa(path: Path, mid_year: int, report: QualityReport) -> pd.DataFrame:
    """ONS LSOA mid-year population by single year of age -> counts in workload age bands."""
    code, total, *ages = SOURCES["population"].columns
    what = f"ONS SAPE LSOA single-year-of-age CSV ({code}, {total}, {ages[0]}..{ages[-2]}, {ages[-1]})"
    frame = read_csv_checked(path, SOURCES["population"].columns, what, dtype={code: str})
    counts = frame[ages].apply(pd.to_numeric, errors="coerce")
    if counts.isna().any().any():
        raise DataFileError(path, f"non-numeric population counts in {int(counts.isna().any(axis=1).sum())} rows; "
                                  f"expected {what}")
    single = counts.to_numpy()
    bands = {"0-4": single[:, 0:5], "5-14": single[:, 5:15], "15-44": single[:, 15:45], "45-64": single[:, 45:65],
             "65-74": single[:, 65:75], "75-84": single[:, 75:85], "85+": single[:, 85:]}
    out = pd.DataFrame({f"pop_{band}": values.sum(axis=1) for band, values in bands.items()})
    out.insert(0, "lsoa11_code", frame[code])
    out.insert(1, "mid_year", mid_year)
    out["population"] = single.sum(axis=1)
    mismatch = out["population"] != pd.to_numeric(frame[total], errors="coerce")
    report.file(path.name, len(frame), len(frame),
                detail=f"mid-{mid_year}; London total {int(out['population'].sum()):,}; "
                       f"{int(mismatch.sum())} rows where ages do not sum to {total}")
    return out
