"""About the data: sources, vintages, licences and attributions, year and measure definitions, need weights
and the build's full data-quality report. Definitions are the analytics modules' own docstrings, so the
page cannot drift from the code."""
from __future__ import annotations

import inspect

import dash_bootstrap_components as dbc
from dash import dcc, html

import geo.access
import geo.agreement
import geo.catchments
import geo.hotspots
import geo.measures
import geo.need
import geo.params
import geo.persistence
import geo.profiles
import geo.rules
from data.licences import CODEPOINT_ATTRIBUTION, OGL_URL, SHORT_ATTRIBUTION
from data.years import year_definitions
from geo.measures import MEASURES
from geo.need import CARR_HILL_AGE_SEX, IMD_UPLIFT, WEIGHTINGS
from layout.about_sources import data_sources
from layout.agreement_charts import agreement_section
from layout.components import WEIGHT_LABELS
from layout.services import AtlasServices

DEFINITION_MODULES = (geo.measures, geo.params, geo.rules, geo.access, geo.need, geo.persistence, geo.hotspots,
                      geo.catchments, geo.profiles, geo.agreement)


def _table(header: list[str], rows: list[list], class_name: str = "") -> html.Div:
    """A table that scrolls sideways inside its own box on a narrow screen (the page itself never does); the box
    takes focus so the keyboard can scroll it too."""
    table = dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
                       html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows])],
                      bordered=False, striped=True, hover=True, size="sm", class_name=class_name)
    return html.Div(table, className="table-responsive", tabIndex="0", role="region",
                    **{"aria-label": "Table of " + ", ".join(header)})


def _quality(report: dict) -> list:
    files = [[f["file"], f"{f['rows_in']:,}", f"{f['rows_kept']:,}",
              "; ".join(f"{reason}: {n:,}" for reason, n in f["dropped"].items()) or "–", f["detail"]]
             for f in report["files"]]
    joins = [[j["join"], f"{j['matched']:,} / {j['total']:,}", f"{100 * j['match_rate']:.2f}%",
              "; ".join(f"{reason}: {n:,}" for reason, n in j["reasons"].items()) or "–",
              html.Details([html.Summary(f"{j['unmatched_count']:,} unmatched"),
                            html.Ul([html.Li(", ".join(f"{k}={v}" for k, v in u.items())) for u in j["unmatched"]])])
              if j["unmatched_count"] else "–"] for j in report["joins"]]
    totals = [[t["name"], f"{t['value']:,}" if isinstance(t["value"], (int, float)) else str(t["value"]), t["unit"]]
              for t in report["totals"]]
    return [
        html.H3("Files read", className="h6 mt-3"),
        _table(["file", "rows in", "rows kept", "dropped (reason: rows)", "detail"], files, "quality-table"),
        html.H3("Joins", className="h6 mt-3"),
        _table(["join", "matched / total", "rate", "unmatched by reason", "unmatched records"], joins, "quality-table"),
        html.H3("Totals", className="h6 mt-3"),
        _table(["what", "value", "note"], totals, "quality-table"),
        html.H3("Notes", className="h6 mt-3"),
        html.Ul([html.Li(note) for note in report["notes"]], className="small"),
    ]


def page(services: AtlasServices, /, **url_params) -> html.Div:
    atlas = services.atlas
    weights = [[band, f"{male:.2f}", f"{female:.2f}", f"{(male + female) / 2:.3f}"]
               for band, (male, female) in CARR_HILL_AGE_SEX.items()]
    measures = [[spec.label, spec.unit, f"{spec.poor} values", spec.description] for spec in MEASURES.values()]
    definitions = [dbc.AccordionItem(dcc.Markdown(inspect.getdoc(module), className="small"),
                                     title=f"{module.__name__}: {inspect.getdoc(module).splitlines()[0]}")
                   for module in DEFINITION_MODULES]
    return html.Div([
        html.H1("About the data", className="h3"),
        html.P("Every number in the atlas is computed from the open-data bundle listed below, rebuilt into a "
               f"validated cache (built {atlas.meta.get('built_at', 'unknown')}). Year labels are NHS financial "
               "years ending 31 March: 2025 = FY2024/25."),
        data_sources(atlas.quality.to_dict()),
        html.H2("Attribution"),
        html.Blockquote(CODEPOINT_ATTRIBUTION + ".", className="blockquote small", id="about-attribution"),
        html.P(SHORT_ATTRIBUTION, className="small"),
        html.P(["NHS, ONS, GLA and MHCLG data are used under the ",
                html.A("Open Government Licence v3.0",
                       href=OGL_URL), "."],
               className="small"),
        html.H2("What a year means"),
        _table(["source", "rule"], [[row["source"], row["rule"]] for row in year_definitions()]),
        html.H2("Measures"),
        _table(["measure", "unit", "poor provision =", "what it is"], measures),
        dbc.Accordion(definitions, start_collapsed=True, always_open=True, class_name="mb-3"),
        *agreement_section(services),
        html.H2("Need weights"),
        html.P(["Resident population is weighted by age band (GMS Carr-Hill workload index, relative to males "
                "5-14; persons use the mean of the male and female weights) and optionally by deprivation (up to +"
                f"{IMD_UPLIFT:.0%} for the most deprived IMD decile). Options: ",
                "; ".join(f"{WEIGHT_LABELS.get(key, key)}: {text}" for key, text in WEIGHTINGS.items()), "."],
               className="small"),
        _table(["age band", "male", "female", "weight used"], weights),
        html.H2("Data-quality report"),
        html.P("What came in, what matched and what was dropped (with the reason), from the last cache build. "
               "File, column and join names are written as in the source files.", className="small"),
        html.Div([*_quality(atlas.quality.to_dict()),
                  html.Details([html.Summary("Plain-text report"),
                                html.Pre(atlas.quality.to_text(), className="small")])],
                 className="quality-report", **{"data-raw-names": "true"}),
    ], className="about-page container-xxl bg-white p-4 rounded shadow-sm")
