"""The About page's account of the raw files: the source families and every file the build used (size, sha256,
years, licence), the plausibility checks with their results, and any check overridden with `--accept`.

All of it is read from the build's data-quality report (`data/quality.py`), so a refreshed bundle shows its own
files without a code change."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from data.sources import SOURCES, source_table
from data.years import fy_label
from layout.components import fmt

SHA_SHOWN = 12  # hex digits of the sha256 shown; the plain-text report below the tables has all 64


def captioned_table(caption: str, header: list[str], rows: list[list], class_name: str = "") -> html.Div:
    """A table named by its caption (read first by a screen reader), scrolling sideways in its own focusable box
    on a narrow screen."""
    table = dbc.Table([html.Caption(caption, className="caption-top"),
                       html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
                       html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows])],
                      bordered=False, striped=True, hover=True, size="sm", class_name=class_name)
    return html.Div(table, className="table-responsive", tabIndex="0", role="region", **{"aria-label": caption})


def _source(family: str):
    """The manifest entry of a report's family ('ccg19_areas, icb22_areas': one file read for two families)."""
    return SOURCES[family.split(", ")[0]]


def _years(record: dict, coverage: dict[str, dict[str, str]]) -> str:
    """What a file covers: the financial years of a yearly family's file, else its vintage."""
    source = _source(record["family"])
    years = sorted(int(year) for year, file in coverage.get(source.key, {}).items()
                   if file == record["file"]) if source.yearly else []
    if years:
        return fy_label(years[0]) if len(years) == 1 else f"{fy_label(years[0])} to {fy_label(years[-1])}"
    return record["vintage"] or "single edition"


def _size(size: int) -> str:
    """'0.7 MB', '48.2 kB', '5 B' (a no-break space, so a narrow column never splits the number from its unit)."""
    if size >= 100_000:
        return f"{fmt(size / 1e6, 1)}\u00a0MB"
    return f"{fmt(size / 1e3, 1)}\u00a0kB" if size >= 1_000 else f"{size}\u00a0B"


def files_rows(report: dict) -> list[list]:
    """family, file, size, sha256 (first digits), years, licence: one row per file the build used."""
    return [[_source(r["family"]).title, r["file"], _size(r["size"]), r["sha256"][:SHA_SHOWN],
             _years(r, report["coverage"]), _source(r["family"]).licence]
            for r in report["sources"] if r["status"] == "used"]


def check_rows(report: dict) -> list[list]:
    """rule, family, files, result: one row per plausibility check, its findings in the result."""
    rows = []
    for check in report["checks"]:
        files = sorted({finding["file"] for finding in check["findings"]})
        details = "; ".join(f"{finding['level']}: {finding['detail']}" for finding in check["findings"])
        result = f"{check['status']} ({check['worst']})" + (f". {details}" if details else "")
        rows.append([check["rule"], SOURCES[check["family"]].title, ", ".join(files) or "every release", result])
    return rows


def data_sources(report: dict) -> html.Section:
    """The About page's 'Data sources' section from the report (`QualityReport.to_dict()`)."""
    families = [[row["dataset"], row["publisher"], row["vintage"], row["licence"], row["attribution"] or "–"]
                for row in source_table(report["sources"])]
    superseded = [r for r in report["sources"] if r["status"] != "used"]
    accepted = [[a["file"], a["rule"], a["detail"], a["how"]] for a in report["accepted"]]
    return html.Section([
        html.H2("Data sources", id="data-sources"),
        html.P("Computed from the files the last build read: a newer release saved under its family's name "
               "pattern replaces these rows at the next build.", className="small"),
        captioned_table("Source families used: publisher, vintages and licence",
                        ["dataset", "publisher", "vintages used", "licence", "attribution"], families),
        captioned_table(f"Every file used ({len(files_rows(report))}), with its size and the start of its sha256",
                        ["family", "file", "size", "sha256 (first digits)", "years", "licence"], files_rows(report),
                        "sources-files"),
        html.P(f"Present but not used: {', '.join(r['file'] + ' (' + r['status'] + ')' for r in superseded)}.",
               className="small") if superseded else None,
        html.H3("Plausibility checks", className="h6 mt-3"),
        captioned_table("Plausibility checks of each family against its own other releases and adjacent years: "
                        "rule, family, files and result (pass, warn, fail or accepted; the worst case measured)",
                        ["rule", "family", "files", "result"], check_rows(report), "sources-checks"),
        captioned_table("Checks overridden with python -m data.build --accept FILE:RULE",
                        ["file", "rule", "finding", "how"], accepted, "sources-accepted") if accepted else
        html.P("No check is overridden: a failed check that someone accepts with python -m data.build --accept "
               "FILE:RULE is listed here.", className="small", id="sources-accepted"),
    ], className="data-sources", **{"data-raw-names": "true"})  # file and rule names as the files and CLI spell them
