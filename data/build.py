"""Build the tidy model from the raw bundle: `python -m data.build [--force] [--accept FILE:RULE ...]`.

Reads every input, validates and joins it, runs the plausibility checks, writes
the cache atomically and prints the data-quality report. Which files are read
comes from the source manifest (data/sources.py); the years covered run from the
first payments year to the last workforce year found. The tidy model
(docs/ARCHITECTURE.md, "The tidy model"):

practices      GeoDataFrame, EPSG:27700, one row per London practice code
               (latest register record and latest location; is_gp = setting 4)
practice_years practice x year: open flag, location and areas that year,
               list size and GP FTE (workforce), payments lists, NHSD totals, PCN
pcns           pcn_code, pcn_name
areas          one GeoDataFrame per level, EPSG:27700, valid polygons
areas_web      the same, simplified, EPSG:4326, 5-decimal coordinates
lsoa_years     LSOA x year: resident population in workload age bands and the
               mid-year estimate standing in for that year
flows          practice x LSOA registered patients of the latest extract (its FY label in `year`)
postcodes      every London postcode in Code-Point Open (current and older
               releases): postcode, easting, northing, release, live
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data import cache
from data.checks import BuildFacts, run_checks, settle
from data.config import BNG, cache_dir, data_dir
from data.errors import DataFileError, PlausibilityError
from data.geography import (
    COARSE_LEVELS,
    LEVELS,
    attach_lsoa_attributes,
    attach_lsoa_memberships,
    read_area_layers,
    web_copy,
)
from data.model import AtlasData
from data.postcodes import postcode_table
from data.practices import (
    assign_areas,
    combine_workforce,
    geocode,
    latest_register,
    location_candidates,
    open_in_year,
    pcn_membership,
    registered_by_year,
)
from data.quality import QualityReport
from data.readers import (
    read_codepoint,
    read_epcn,
    read_epraccur,
    read_flows,
    read_payments,
    read_population_syoa,
    read_registered_totals,
    read_workforce,
)
from data.sources import GP_FTE, LIST_SIZE, POPULATION, Inventory
from data.summaries import report_flows, report_practices
from data.years import PCN_FIRST_YEAR, extract_year, fy_label, payments_year, population_year_for

log = logging.getLogger(__name__)
SNAPSHOT_DAY = 15  # epraccur carries no date: a snapshot counts as taken mid-month of the month in its name


def build_model(root: Path, previous: QualityReport | None = None,
                accept: Iterable[tuple[str, str]] = ()) -> AtlasData:
    """The tidy model from the bundle at `root`, checked for plausibility.

    `previous` is the last build's report (its coverage and row counts are compared with this
    build's); `accept` holds (file, rule) pairs overriding failed checks. Raises DataFileError
    naming the file relative to `root`, or PlausibilityError for a failed check.
    """
    report, files, facts = QualityReport(), Inventory(root), BuildFacts()
    try:
        model = _assemble(files, report, facts)
    except DataFileError as exc:
        exc.within(root)
        raise
    report.sources = files.records()
    report.coverage, report.release_rows = facts.coverage, facts.release_rows
    checks, findings = run_checks(facts, previous, report.sources)
    asked = {tuple(pair) for pair in accept}
    fingerprints = {record["file"]: record["sha256"] for record in report.sources}
    remembered = {(a["file"], a["rule"], a["detail"]) for a in (previous.accepted if previous else [])
                  if fingerprints.get(a["file"]) == a["sha256"]}
    for finding in findings:  # accepted before, same bytes, same finding: accepted again
        finding.accepted = (finding.file, finding.rule, finding.detail) in remembered
    failures = settle(checks, findings, asked)
    report.checks = checks
    report.accepted = [{"file": f.file, "rule": f.rule, "detail": f.detail, "sha256": fingerprints.get(f.file),
                        "how": "accepted in an earlier build" if (f.file, f.rule, f.detail) in remembered
                        else "--accept"}
                       for f in findings if f.accepted]
    unmatched = asked - {(f.file, f.rule) for f in findings} - {(f.file.rsplit("/", 1)[-1], f.rule)
                                                                    for f in findings}
    for file, rule in sorted(unmatched):
        report.note(f"--accept {file}:{rule} matched no finding of this build.")
    if failures:
        first = failures[0]
        more = sorted({f"{f.rule} ({f.file.rsplit('/', 1)[-1]})" for f in failures
                       if (f.file, f.rule) != (first.file, first.rule)})
        others = f"; also failing: {', '.join(more)}" if more else ""
        raise PlausibilityError(root / first.file, first.rule,
                                f"plausibility check {first.rule} failed: {first.detail}; to accept it, run "
                                f"python -m data.build --accept {first.file}:{first.rule}{others}").within(root)
    return model


def _assemble(files: Inventory, report: QualityReport, facts: BuildFacts) -> AtlasData:
    layers = _areas(files, report)
    lsoa = layers["lsoa11"]
    facts.borough_names = dict(zip(layers["borough"]["area_code"], layers["borough"]["area_name"], strict=True))

    # ---- practice register and postcodes
    epraccur, snapshot_dates = {}, {}
    for release in files.every("epraccur"):
        epraccur[release.vintage] = read_epraccur(release.path, report)
        snapshot_dates[release.vintage] = pd.Timestamp(f"{release.vintage}-{SNAPSHOT_DAY}")
        facts.release("epraccur", release.vintage, len(epraccur[release.vintage]), release.relative)
        facts.covers("epraccur", release.vintage, release.relative)
    register = latest_register(epraccur)
    codepoint_current, codepoint_older = _codepoint(files, report, facts)
    london_codes = set(register["practice_code"])

    # ---- per-year practice data
    payments_files = {}
    for release in files.every("payments"):
        try:
            payments_files[payments_year(release.vintage)] = release
        except ValueError as exc:
            raise DataFileError(release.path, f"{release.vintage} is not a financial year; expected "
                                              f"{release.source.save_as}, e.g. _2019-20") from exc
    payments = pd.concat([read_payments(r.path, year, report) for year, r in payments_files.items()],
                         ignore_index=True)
    for year, release in payments_files.items():
        facts.release("payments", fy_label(year), int((payments["year"] == year).sum()), release.relative)
        facts.covers("payments", year, release.relative)
    workforce_files = {r.path.name: r for r in files.every("workforce")}
    workforce_series = [read_workforce(r.path, report) for r in workforce_files.values()]
    for release, frame in zip(workforce_files.values(), workforce_series, strict=True):
        for year, rows in frame.groupby("year").size().items():
            facts.release("workforce", f"{fy_label(year)} in {release.path.name}", rows, release.relative)
    workforce = combine_workforce(workforce_series, report)
    extracts = []
    for release in files.every("registered"):
        extracts.append(read_registered_totals(release.path, report))
        facts.release("registered", release.vintage, len(extracts[-1]), release.relative)
        facts.covers("registered", release.vintage, release.relative)
    monthly = pd.concat(extracts, ignore_index=True)
    monthly = monthly[monthly["practice_code"].isin(london_codes)]
    registered = registered_by_year(monthly)
    years = list(range(int(min(payments["year"].min(), workforce["year"].min())),
                       int(max(payments["year"].max(), workforce["year"].max())) + 1))

    lsoa_years = _population(files, report, facts, lsoa, years)
    for name, frame in (("payments", payments), ("workforce", workforce)):
        unknown = sorted(set(frame["practice_code"]) - london_codes)
        report.join(f"{name} practice codes -> London register (epraccur)", frame["practice_code"].nunique(),
                    frame["practice_code"].nunique() - len(unknown),
                    [{"practice_code": c, "reason": "not in any London epraccur snapshot"} for c in unknown])

    opened = open_in_year(register, years)
    keys = pd.concat([
        opened.loc[opened["open_in_year"]
                   & opened["practice_code"].isin(register.loc[register["is_gp"], "practice_code"]),
                   ["practice_code", "year"]],
        workforce[["practice_code", "year"]], payments[["practice_code", "year"]],
        registered[["practice_code", "year"]],
    ]).drop_duplicates()
    keys = keys[keys["practice_code"].isin(london_codes) & keys["year"].isin(years)].astype({"year": int})
    practice_years = keys.merge(opened, on=["practice_code", "year"], how="left")

    # ---- locate every postcode once, then each practice-year
    candidates = location_candidates(practice_years, payments, epraccur, register, snapshot_dates)
    postcodes = geocode(pd.concat([candidates["postcode"], register["postcode"]]), codepoint_current, codepoint_older)
    candidates = candidates.merge(postcodes, on="postcode", how="left")
    chosen = (candidates[candidates["easting"].notna()].sort_values("priority")
              .drop_duplicates(["practice_code", "year"])
              [["practice_code", "year", "postcode", "easting", "northing", "source"]]
              .rename(columns={"source": "location_source"}))
    practice_years = practice_years.merge(chosen, on=["practice_code", "year"], how="left")

    register = register.merge(postcodes[["postcode", "easting", "northing", "release", "unlocated_reason"]],
                              on="postcode", how="left").rename(columns={"release": "codepoint_release"})
    register.loc[register["postcode"].isna(), "unlocated_reason"] = "no postcode in register"

    # ---- areas of every distinct location
    sites = (pd.concat([practice_years[["easting", "northing"]], register[["easting", "northing"]]])
             .dropna().drop_duplicates())
    site_points = gpd.GeoDataFrame(sites.reset_index(drop=True),
                                   geometry=gpd.points_from_xy(sites["easting"], sites["northing"]), crs=BNG)
    site_areas = pd.concat([site_points[["easting", "northing"]],
                            assign_areas(site_points, layers, report, "practice sites")], axis=1)
    practice_years = practice_years.merge(site_areas, on=["easting", "northing"], how="left")
    register = register.merge(site_areas, on=["easting", "northing"], how="left")

    # ---- list sizes, FTE, PCN
    workforce_columns = [c for c in workforce.columns if c not in ("practice_code", "year")]
    practice_years = (practice_years
                      .merge(workforce, on=["practice_code", "year"], how="left")
                      .merge(payments.drop(columns="payments_postcode"), on=["practice_code", "year"], how="left")
                      .merge(registered, on=["practice_code", "year"], how="left"))
    epcn = []
    for release in files.every("epcn"):
        epcn.append(read_epcn(release.path, release.vintage, report))
        facts.release("epcn", release.vintage, len(epcn[-1][0]), release.relative)
        facts.covers("epcn", release.vintage, release.relative)
    relationships = pd.concat([partners for partners, _ in epcn], ignore_index=True)
    relationships = relationships[relationships["practice_code"].isin(london_codes)]
    membership = pcn_membership(relationships, [y for y in years if y >= PCN_FIRST_YEAR])
    practice_years = practice_years.merge(membership, on=["practice_code", "year"], how="left")
    # A PCN's name: from the newest snapshot that names it, the details sheet before the
    # partner sheet (whose 2019 name cells are VLOOKUP formulas that may hold no value).
    names = pd.concat([relationships[["pcn_code", "pcn_name", "snapshot"]]] + [details for _, details in epcn],
                      ignore_index=True).dropna(subset=["pcn_code"])
    pcns = (names.assign(named=names["pcn_name"].notna()).sort_values(["named", "snapshot"], kind="stable")
            .drop_duplicates("pcn_code", keep="last")[["pcn_code", "pcn_name"]].reset_index(drop=True))
    practice_years = practice_years.merge(register[["practice_code", "is_gp"]], on="practice_code", how="left")
    practice_years["fte_status"] = np.select(
        [practice_years["gp_fte"].notna(), practice_years["workforce_source"].notna()],
        ["reported", "return without GP FTE"], "no workforce return")
    practice_years = practice_years.sort_values(["practice_code", "year"]).reset_index(drop=True)
    report_practices(report, register, practice_years, workforce_columns)
    _yearly_series(facts, practice_years, payments, payments_files, workforce_files)

    practices = gpd.GeoDataFrame(
        register.drop(columns=["national_grouping"]),
        geometry=gpd.points_from_xy(register["easting"], register["northing"]), crs=BNG)
    practices.loc[practices["easting"].isna(), "geometry"] = None

    # ---- flows
    release = files.latest("flows")
    flows = read_flows(release.path, report)
    facts.release("flows", release.vintage, len(flows), release.relative)
    flows["year"] = extract_year(release.vintage)
    flows["practice_in_london"] = flows["practice_code"].isin(london_codes)
    flows["lsoa_in_london"] = flows["lsoa11_code"].isin(set(lsoa["area_code"]))
    report_flows(report, flows, f"{pd.Timestamp(f'{release.vintage}-01'):%B %Y}")

    areas = {level: layers[level] for level in LEVELS}
    return AtlasData(
        practices=practices, practice_years=practice_years, pcns=pcns, areas=areas,
        areas_web={level: web_copy(layer, level) for level, layer in areas.items()},
        lsoa_years=lsoa_years, flows=flows, postcodes=postcode_table(codepoint_current, codepoint_older),
        quality=report,
    )


def _areas(files: Inventory, report: QualityReport) -> dict[str, gpd.GeoDataFrame]:
    layers = read_area_layers(files, report)
    lsoa = attach_lsoa_memberships(layers, files, report)
    layers["lsoa11"] = attach_lsoa_attributes(lsoa, files, report)
    for level in COARSE_LEVELS:
        layers[level]["n_lsoa"] = (layers[level]["area_code"].map(layers["lsoa11"].groupby(f"{level}_code").size())
                                   .fillna(0).astype(int))
    report.total("London LSOAs (2011)", len(lsoa))
    return layers


def _population(files: Inventory, report: QualityReport, facts: BuildFacts, lsoa: pd.DataFrame,
                years: list[int]) -> pd.DataFrame:
    """LSOA x year population: each year takes the mid-year estimate that stands in for it."""
    estimates = []
    for release in files.every("population"):
        mid = int(release.vintage)
        estimate = read_population_syoa(release.path, mid, report)
        codes = set(estimate["lsoa11_code"])
        missing = lsoa.loc[~lsoa["area_code"].isin(codes), "area_code"]
        report.join(f"LSOA -> population mid-{mid}", len(lsoa), len(lsoa) - len(missing),
                    [{"lsoa11_code": c, "reason": "no population row"} for c in missing])
        total = int(estimate["population"].sum())
        report.total(f"London resident population mid-{mid}", total)
        facts.release("population", f"mid-{mid}", len(estimate), release.relative)
        facts.covers("population", mid, release.relative)
        facts.totals.setdefault(("population", POPULATION), []).append(
            (f"mid-{mid}", total, release.relative, len(estimate)))
        estimates.append(estimate)
    population = pd.concat(estimates, ignore_index=True)
    available = tuple(sorted(population["mid_year"].unique()))
    lsoa_years = pd.concat([
        population[population["mid_year"] == population_year_for(year, available)].assign(year=year)
        for year in years], ignore_index=True).rename(columns={"mid_year": "population_mid_year"})
    return lsoa_years[lsoa_years["lsoa11_code"].isin(lsoa["area_code"])].reset_index(drop=True)


def _codepoint(files: Inventory, report: QualityReport, facts: BuildFacts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The newest Code-Point release, and every older London record (earlier full releases and the
    retired-postcode files) to place postcodes the newest release no longer holds."""
    *earlier, current = files.every("codepoint")
    newest = read_codepoint(current.path, report, release=current.vintage)
    facts.release("codepoint", current.vintage, len(newest), current.relative)
    older = [read_codepoint(r.path, report, release=r.vintage) for r in earlier]
    older += [read_codepoint(r.path, report) for r in files.every("codepoint_older")]
    return newest, pd.concat(older, ignore_index=True)


def _yearly_series(facts: BuildFacts, practice_years: pd.DataFrame, payments: pd.DataFrame, payments_files: dict,
                   workforce_files: dict) -> None:
    """London totals and practices per borough and year, each year tied to the file that supplied it."""
    reported = practice_years[practice_years["is_gp"] & practice_years["gp_fte"].notna()]
    source = reported.groupby("year")["workforce_source"].agg(lambda names: names.mode().iat[0])
    workforce_file = source.map(lambda name: workforce_files[name].relative)
    payments_file = {year: release.relative for year, release in payments_files.items()}
    for year, file in workforce_file.items():
        facts.covers("workforce", int(year), file)
    for family, rule, rows, column, file_of in (
            ("workforce", GP_FTE, reported, "gp_fte", workforce_file),
            ("workforce", LIST_SIZE, reported, "list_size", workforce_file),
            ("payments", LIST_SIZE, payments, "payments_registered", payments_file)):
        by_year = rows.groupby("year")[column].agg(["sum", "size"])
        facts.totals[(family, rule)] = [(fy_label(year), float(total), file_of[year], int(n))
                                        for year, (total, n) in by_year.iterrows()]
    has_payments = practice_years[practice_years["payments_registered"].notna()]
    for family, rows, file_of in (("workforce", reported, workforce_file),
                                  ("payments", has_payments, payments_file)):
        counts = rows.groupby(["year", "borough_code"]).size().rename("practices").reset_index()
        facts.borough_counts[family] = counts.assign(file=counts["year"].map(file_of))


def refresh(root: Path, target: Path, force: bool = False, accept: Iterable[tuple[str, str]] = ()) -> tuple[
        AtlasData, str]:
    """The model from a fresh cache, rebuilding it (and rechecking) when stale, damaged or forced.

    Returns the model and what happened. A failed build raises and leaves the old cache as it was.
    """
    started = time.perf_counter()
    state = cache.state(root, target)
    if not force and state == cache.FRESH:
        try:
            return cache.read(target), "cache is fresh (use --force to rebuild)"
        except cache.CacheDamaged as exc:
            state = f"damaged ({exc})"
    if state.startswith("damaged"):
        log.warning("cache %s; rebuilding it", state)
    model = build_model(root, cache.previous_report(root, target), accept)
    cache.write(model, root, target)
    return cache.read(target), f"built in {time.perf_counter() - started:.1f} s"


def parse_accept(values: list[str]) -> list[tuple[str, str]]:
    """'FILE:RULE' -> (FILE, RULE), split at the last colon."""
    pairs = [tuple(value.rsplit(":", 1)) for value in values]
    bad = [value for value, pair in zip(values, pairs, strict=True) if len(pair) != 2 or not all(pair)]
    if bad:
        raise ValueError(f"--accept {bad[0]!r}: expected FILE:RULE, the file (relative to the data directory) "
                         "and the rule as a failed check names them")
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.build", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if the cache is fresh")
    parser.add_argument("--accept", action="append", default=[], metavar="FILE:RULE",
                        help="let the build pass despite this failed plausibility check (repeatable); "
                             "recorded in the data-quality report")
    args = parser.parse_args(argv)
    try:
        accept = parse_accept(args.accept)
    except ValueError as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return 2
    try:
        root, target = data_dir(), cache_dir()
        model, state = refresh(root, target, force=args.force or bool(accept), accept=accept)
    except PlausibilityError as exc:
        print(f"data check failed: {exc}", file=sys.stderr)
        return 2
    except DataFileError as exc:
        print(f"data error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the cache folder cannot be created or written
        print(f"cache error: could not write {cache_dir()} ({' '.join(str(exc).split())})", file=sys.stderr)
        return 2
    print(model.quality.to_text())
    print(f"\nCache: {target} ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
