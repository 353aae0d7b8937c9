"""Plausibility rules of the source manifest, applied to what a build has read.

A damaged release can parse cleanly: a workforce file cut in half still has
its header and half its rows, and a deleted payments year simply stops being
read. So after reading, the build compares each family with itself (sibling
releases, adjacent years, the previous build) using the rules and thresholds
declared in `data/sources.py`:

rows-vs-siblings   rows of a release against the median of the family's other
                   releases (per year for the workforce series; against the
                   previous build where the family has a single release)
years-present      no year missing inside a yearly family's span, and nothing
                   the previous build covered now missing
london-*           a London total against adjacent years (the year that sits
                   further from the series' median is blamed)
borough-practices  share of a borough's practices lost from one year to the next

A deviation over `warn` is reported; over `fail` it stops the build unless
accepted with `--accept FILE:RULE`. An acceptance is remembered with the file's
sha256 and the finding's wording, so rebuilding the same bytes does not fail
again; a changed file, or a different finding, is judged afresh.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import pandas as pd

from data.sources import BOROUGH_MIN_PRACTICES, BOROUGH_PRACTICES, MIN_JUDGED, ROWS, SOURCES, YEARS, Threshold
from data.years import fy_label

LEVELS = ("warn", "fail")


@dataclass
class Finding:
    family: str
    rule: str
    file: str  # relative to the data directory; the family's pattern when no file holds the missing year
    level: str  # "warn" or "fail"
    detail: str
    accepted: bool = False


@dataclass
class BuildFacts:
    """What the rules look at, gathered by the build while it reads."""
    coverage: dict[str, dict[str, str]] = field(default_factory=dict)  # family -> {year or vintage: file}
    release_rows: dict[str, dict[str, int]] = field(default_factory=dict)  # family -> {release: rows}
    release_files: dict[str, dict[str, str]] = field(default_factory=dict)  # family -> {release: file}
    # (family, rule) -> [(year label, London total, file, practices or LSOAs summed)], in year order
    totals: dict[tuple[str, str], list[tuple[str, float, str, int]]] = field(default_factory=dict)
    borough_counts: dict[str, pd.DataFrame] = field(default_factory=dict)  # year, borough_code, practices, file
    borough_names: dict[str, str] = field(default_factory=dict)

    def release(self, family: str, label: str, rows: int, file: str) -> None:
        self.release_rows.setdefault(family, {})[label] = int(rows)
        self.release_files.setdefault(family, {})[label] = file

    def covers(self, family: str, label: object, file: str) -> None:
        self.coverage.setdefault(family, {})[str(label)] = file


def _level(deviation: float, threshold: Threshold) -> str | None:
    if abs(deviation) > threshold.fail:
        return "fail"
    return "warn" if abs(deviation) > threshold.warn else None


def _keep_worst(worst: dict[str, Finding], finding: Finding) -> None:
    """One finding per file and rule: the most severe (the first of equals)."""
    held = worst.get(finding.file)
    if held is None or LEVELS.index(finding.level) > LEVELS.index(held.level):
        worst[finding.file] = finding


Measured = list[tuple[float, str]]  # (size of each deviation, how it reads in the report)


def rows_vs_siblings(family: str, facts: BuildFacts, previous: dict[str, int] | None, trusted: set[str],
                     threshold: Threshold) -> tuple[Measured, list[Finding]]:
    """Each release against the median of its siblings: those unchanged since the previous build where
    there are any (so a damaged release cannot drag the reference its siblings are judged by)."""
    rows, files = facts.release_rows.get(family, {}), facts.release_files.get(family, {})
    measured, findings = [], []
    for label, count in rows.items():
        others = {other: n for other, n in rows.items() if other != label}
        anchors = [n for other, n in others.items() if files[other] in trusted]
        basis = "unchanged releases" if anchors else "the family's other releases"
        reference = statistics.median(anchors or others.values()) if others else None
        if reference is None and previous:
            reference, basis = previous.get(label, statistics.median(previous.values())), "the previous build"
        if reference is None or reference < MIN_JUDGED:
            continue
        deviation = count / reference - 1
        measured.append((abs(deviation), f"{deviation:+.1%} ({label})"))
        level = _level(deviation, threshold)
        if level:
            findings.append(Finding(family, ROWS, files[label], level, f"{label}: {count:,} rows, "
                                    f"{deviation:+.0%} against the median of {basis} ({reference:,.0f})"))
    worst: dict[str, Finding] = {}
    for finding in findings:
        _keep_worst(worst, finding)
    return measured, list(worst.values())


def years_present(family: str, facts: BuildFacts, previous: dict[str, str] | None) -> list[Finding]:
    """A year missing inside a yearly family's span is named by the family's pattern (the same finding on
    every build until the year is back); a year or release the previous build had outside that span (the
    first or last deleted, a register snapshot removed) is named by the file it came from."""
    source, covered, previous = SOURCES[family], facts.coverage.get(family, {}), previous or {}
    inside: set[str] = set()
    findings = []
    if source.yearly and covered:
        years = sorted(int(label) for label in covered)
        pattern = f"{source.folders[0]}/{source.glob}"
        for year in range(years[0], years[-1] + 1):
            if year not in years:
                inside.add(str(year))
                findings.append(Finding(family, YEARS, pattern, "fail", f"{fy_label(year)} missing: no file "
                                        "covers it, though earlier and later years are present"))
    for label, file in previous.items():
        if label not in covered and label not in inside:
            shown = fy_label(int(label)) if source.yearly else label
            findings.append(Finding(family, YEARS, file, "fail",
                                    f"{shown} was in the previous build (from {file}); no file covers it now"))
    return findings


def adjacent_years(family: str, rule: str, series: list[tuple[str, float, str, int]], trusted: set[str],
                   threshold: Threshold) -> tuple[Measured, list[Finding]]:
    """Each change between consecutive years. A large one blames the year whose file changed since the
    previous build; when both (or neither) did, the year further from the series' median."""
    median = statistics.median(value for _, value, _, _ in series) if series else 0
    measured, worst = [], {}
    for (before, old, old_file, old_n), (after, new, new_file, new_n) in zip(series, series[1:], strict=False):
        if min(old_n, new_n) < MIN_JUDGED:
            continue
        change = new / old - 1 if old else float("inf")
        measured.append((abs(change), f"{change:+.1%} ({before} -> {after})"))
        level = _level(change, threshold)
        if not level:
            continue
        if (old_file in trusted) != (new_file in trusted):
            blame_after = old_file in trusted
        else:
            blame_after = abs(new - median) >= abs(old - median)
        blamed, file = (after, new_file) if blame_after else (before, old_file)
        detail = f"{before} {old:,.1f} -> {after} {new:,.1f} ({change:+.0%}); {blamed} is the outlier"
        _keep_worst(worst, Finding(family, rule, file, level, detail))
    return measured, list(worst.values())


def borough_losses(family: str, counts: pd.DataFrame, names: dict[str, str], trusted: set[str],
                   threshold: Threshold) -> tuple[Measured, list[Finding]]:
    """Share of each borough's practices gone since the family's previous year (boroughs of 5+ practices);
    a loss blames the later year's file unless only the earlier one changed since the previous build."""
    table = counts.pivot_table(index="borough_code", columns="year", values="practices", fill_value=0)
    files = counts.drop_duplicates("year").set_index("year")["file"]
    measured, worst = [], {}
    for before, after in zip(table.columns, table.columns[1:], strict=False):
        judged = table[table[before] >= BOROUGH_MIN_PRACTICES]
        loss = 1 - judged[after] / judged[before]
        only_before_changed = files[after] in trusted and files[before] not in trusted
        file = files[before] if only_before_changed else files[after]
        for borough, lost in loss.items():
            where = f"{names.get(borough, borough)} {fy_label(before)} -> {fy_label(after)}"
            measured.append((float(lost), f"{lost:.1%} lost ({where})"))
            level = _level(lost, threshold) if lost > 0 else None
            if level:
                _keep_worst(worst, Finding(family, BOROUGH_PRACTICES, file, level,
                                           f"{where}: {int(judged.at[borough, before])} -> "
                                           f"{int(judged.at[borough, after])} practices ({lost:.0%} lost)"))
    return measured, list(worst.values())


def unchanged_files(current: list[dict], previous) -> set[str]:
    """Files read by the previous build with the same sha256 now: already judged, so trusted."""
    before = {record["file"]: record["sha256"] for record in (previous.sources if previous else [])}
    return {record["file"] for record in current if before.get(record["file"]) == record["sha256"]}


def run_checks(facts: BuildFacts, previous, sources: list[dict]) -> tuple[list[dict], list[Finding]]:
    """Every rule of every family read, in manifest order: (one summary row per check, the findings).

    `previous` is the last build's QualityReport (None on a first build or a different data directory):
    it supplies the coverage and row counts to compare against, and the files it read (`sources`, with
    their sha256 now) that are unchanged serve as the reference and are blamed only when nothing else can be.
    """
    trusted = unchanged_files(sources, previous)
    checks, findings = [], []
    for family, source in SOURCES.items():
        if family not in facts.coverage and family not in facts.release_rows:
            continue
        for rule, threshold in source.rules.items():
            measured: Measured = []
            if rule == ROWS:
                measured, found = rows_vs_siblings(family, facts, previous and previous.release_rows.get(family),
                                                   trusted, threshold)
            elif rule == YEARS:
                found = years_present(family, facts, previous and previous.coverage.get(family))
            elif rule == BOROUGH_PRACTICES:
                measured, found = borough_losses(family, facts.borough_counts[family], facts.borough_names,
                                                 trusted, threshold)
            else:
                measured, found = adjacent_years(family, rule, facts.totals[(family, rule)], trusted, threshold)
            worst = max(measured, key=lambda item: item[0], default=None)
            checks.append({
                "family": family, "rule": rule,
                "warn": threshold.warn if threshold else None, "fail": threshold.fail if threshold else None,
                "worst_value": round(worst[0], 4) if worst else None,
                "worst": (f"worst {worst[1]}" if worst else
                          "no year missing" if rule == YEARS and not found else
                          f"not judged: no release of {MIN_JUDGED}+ rows or practices to compare with"
                          if not found else f"{len(found)} finding(s)"),
                "findings": [vars(f) for f in found]})
            findings += found
    return checks, findings


def settle(checks: list[dict], findings: list[Finding], accepted: set[tuple[str, str]]) -> list[Finding]:
    """Mark the findings `accepted` names (by path or file name; any marked already stay so) and each check's
    status; returns the failures still standing."""
    for finding in findings:
        finding.accepted = finding.accepted or (finding.file, finding.rule) in accepted or (
            finding.file.rsplit("/", 1)[-1], finding.rule) in accepted
    for check in checks:
        own = [f for f in findings if (f.family, f.rule) == (check["family"], check["rule"])]
        check["findings"] = [vars(f) for f in own]
        levels = [("accepted" if f.accepted else f.level) for f in own]
        check["status"] = next((level for level in ("fail", "accepted", "warn") if level in levels), "pass")
    return [f for f in findings if f.level == "fail" and not f.accepted]
