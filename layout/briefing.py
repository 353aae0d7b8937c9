"""A one-page briefing of a view, drawn on the server with matplotlib and GeoPandas: no browser needed.

    python -m layout.briefing "level=borough&measure=e2sfca&year=2025&area=E09000025" --out newham.pdf
    python -m layout.briefing "/bids?year=2024&bids=...&focus=1" --out bid.png

QUERY is the query string of an app URL (a leading '/bids?' makes it a bid's briefing); the file type follows
the --out suffix (pdf, svg or png). The page is A4 landscape: title, the map with its legend and units, the
selected area's facts (value, rank, persistence, serving PCNs) or the bid's scores, the poorest and best areas,
and a footnote with basis, vintage and licences. The app serves the same file at /briefing.pdf and
/bids/briefing.pdf (callbacks/briefing.py). The map is drawn in British National Grid metres (EPSG:27700),
the frame the boundaries are stored in, so London keeps its shape.
"""
from __future__ import annotations

import argparse
import io
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qsl

import geopandas as gpd
import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

from data.config import BNG
from data.errors import DataFileError, check_crs
from data.licences import SHORT_ATTRIBUTION
from data.years import fy_label
from geo.bids import BID_LEVEL
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.profiles import area_lsoas, area_profile, serving_pcns, serving_practices
from layout.bids.report import definitions_text, figure_rows
from layout.bids.state import parse_bids_view
from layout.classes import NO_DATA_COLOUR, classify
from layout.components import fmt, rank_sentence
from layout.explore_map import export_stem
from layout.mapfig import CASING_PAD, OUTLINES, Outline
from layout.services import AtlasServices
from layout.view import View, parse_view, view_query

A4_LANDSCAPE = (11.69, 8.27)  # inches
FORMATS = ("pdf", "svg", "png")
PNG_DPI = 150
SELECTED, MAIN_PCN, BOROUGHS = OUTLINES["selected"], OUTLINES["main_pcn"], OUTLINES["boroughs"]  # as on screen
SITE = "#e7298a"
LISTED = 5  # poorest and best areas listed
# text.parse_math off: labels come from users ("Costs $5 and $6", "$\\frac{"), and matplotlib would typeset a $...$
# pair as mathematics or fail the whole page on a malformed one; every string is drawn as written.
matplotlib.rcParams.update({"pdf.fonttype": 42, "svg.fonttype": "none", "font.family": "DejaVu Sans",
                            "text.parse_math": False})


def split_query(query: str) -> tuple[str, dict[str, str]]:
    """'/bids?a=1' -> ('/bids', {'a': '1'}); a bare 'a=1' or '?a=1' is the Explore page's."""
    path, _, rest = query.strip().rpartition("?") if "?" in query else ("", "", query.strip())
    page = "/" + path.strip("/") if path.strip("/") else "/"
    return page, dict(parse_qsl(rest, keep_blank_values=True))


def briefing(services: AtlasServices, query: str, file_format: str = "pdf") -> tuple[bytes, str]:
    """The briefing of an app URL's query as file bytes, and its file name stem."""
    if file_format not in FORMATS:
        raise ValueError(f"briefing format must be one of {', '.join(FORMATS)}, not {file_format!r}")
    page, params = split_query(query)
    figure = Figure(figsize=A4_LANDSCAPE)
    if page == "/bids":
        stem = _bid_page(figure, services, params)
    else:
        view = parse_view(params, services.view_options)
        _explore_page(figure, services, view)
        stem = export_stem(view) + (f"_{view.area}" if view.area else "")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=file_format, dpi=PNG_DPI, metadata=_metadata(file_format))
    return buffer.getvalue(), f"{stem}_briefing"


def _metadata(file_format: str) -> dict:
    return {"pdf": {"Title": "London GP Provision Atlas briefing", "Creator": "London GP Provision Atlas"},
            "svg": {"Title": "London GP Provision Atlas briefing"}, "png": {}}[file_format]


def _areas(services: AtlasServices, level: str, year: int) -> gpd.GeoDataFrame:
    """Boundaries of a level in EPSG:27700 (PCN catchments: the year's)."""
    if level == "pcn":
        frame = services.tables.pcn_polygons(year).rename(columns={"pcn_code": "area_code"})
        frame = frame[~frame.geometry.is_empty]
    else:
        frame = services.atlas.areas[level]
    check_crs(frame, BNG, f"briefing areas[{level}]")
    return frame[["area_code", "geometry"]]


def _map_axes(figure: Figure):
    axes = figure.add_axes((0.015, 0.115, 0.6, 0.78))
    axes.set_axis_off()
    axes.set_aspect("equal")
    return axes


def _line_style(style: Outline) -> dict:
    """matplotlib's words for an outline's pattern (dash lengths in line widths, as MapLibre's; a dot is a
    0-length dash with round caps)."""
    return {"linestyle": (0, style.dash) if style.dash else "solid", "capstyle": "round"}


def _outline(axes, frame: gpd.GeoDataFrame, codes, style: Outline, width: float) -> None:
    """An outline as the screen draws it (layout.mapfig.OUTLINES): its casing, then the line in its pattern."""
    chosen = frame[frame["area_code"].isin(codes)]
    if len(chosen):
        if style.casing:
            chosen.boundary.plot(ax=axes, color=style.casing, linewidth=width + 2 * CASING_PAD)
        chosen.boundary.plot(ax=axes, color=style.colour, linewidth=width, **_line_style(style))


def _legend_key(style: Outline, label: str) -> Patch:
    casing = [withStroke(linewidth=2 + 2 * CASING_PAD, foreground=style.casing)] if style.casing else None
    return Patch(facecolor="none", edgecolor=style.colour, linewidth=2, label=label,
                 linestyle=_line_style(style)["linestyle"], path_effects=casing)


def _header(figure: Figure, title: str, subtitle: str) -> None:
    figure.text(0.015, 0.965, title, fontsize=17, fontweight="bold", va="top")
    figure.text(0.015, 0.925, subtitle, fontsize=10, color="#333", va="top")


def _footnote(figure: Figure, lines: list[str]) -> None:
    text = "\n".join(textwrap.fill(line, 190) for line in lines)
    figure.text(0.015, 0.012, text, fontsize=6.6, color="#333", va="bottom", linespacing=1.35)


def _block(figure: Figure, y: float, heading: str, rows: list[str], width: int = 62) -> float:
    """A heading and wrapped lines in the right-hand column; returns the y below it."""
    figure.text(0.635, y, heading, fontsize=10.5, fontweight="bold", va="top")
    y -= 0.032
    for row in rows:
        wrapped = textwrap.fill(row, width, subsequent_indent="   ")
        figure.text(0.635, y, wrapped, fontsize=8.6, va="top", color="#222")
        y -= 0.024 * (wrapped.count("\n") + 1)
    return y - 0.018


def _explore_page(figure: Figure, services: AtlasServices, view: View) -> None:
    tables, spec = services.tables, MEASURES[view.measure]
    table = tables.table(view.level, view.measure, view.year, view.params)
    areas = _areas(services, view.level, view.year).merge(table, on="area_code", how="left")
    classing = classify(areas["value"].to_numpy(dtype=float), view.scheme, spec.poor, spec.decimals)
    axes = _map_axes(figure)
    areas.plot(ax=axes, color=classing.colours, edgecolor="#ffffff" if view.level != "lsoa11" else "none",
               linewidth=0.3)
    services.atlas.areas["borough"].boundary.plot(ax=axes, color=BOROUGHS.colour, linewidth=0.5)
    handles = [Patch(facecolor=classing.palette[int(value)], label=text)
               for value, text in reversed(list(zip(classing.tickvals, classing.ticktext, strict=True)))
               if classing.scheme != "continuous" or text]
    y = 0.885
    if view.area:
        _outline(axes, areas, [view.area], SELECTED, 2.2)
        handles.append(_legend_key(SELECTED, "Selected area"))
        y, main_pcn = _area_facts(figure, services, view, axes, y)
        if main_pcn:
            handles.append(_legend_key(MAIN_PCN, "Its main PCN"))
    axes.legend(handles=handles, title=f"{spec.label}\n{textwrap.fill(spec.unit, 34)}", loc="upper left",
                fontsize=7.5, title_fontsize=8, frameon=True, framealpha=0.9, borderaxespad=0.2)
    _header(figure, f"{spec.label}: {LEVELS[view.level]}, {fy_label(view.year)}",
            f"{spec.unit}. Darkest red = poorest provision. London overall "
            f"{fmt(tables.provision.london_value(view.measure, view.year, view.params), spec.decimals)}.")
    ranked = table.dropna(subset=["value"]).sort_values(["rank", "area_code"])
    for heading, rows in (("Poorest provision", ranked.head(LISTED)),
                          ("Best provision", ranked.sort_values(["rank", "area_code"], ascending=False).head(LISTED))):
        y = _block(figure, y, f"{heading} ({len(ranked):,} areas ranked)",
                   [f"{rank_sentence(r, int((table['rank'] == r).sum()), len(ranked)).split(' of ')[0]}. "
                    f"{name}: {fmt(value, spec.decimals)}" for r, name, value in
                    rows[["rank", "area_name", "value"]].itertuples(index=False)])
    built = services.atlas.meta.get("built_at", "unknown")
    _footnote(figure, [f"Basis: {tables.provision.basis(view.measure, view.year, view.params)}.",
                       f"Colours: {view.scheme.replace('_', ' ')} classes; grey ({NO_DATA_COLOUR}) = no data. "
                       f"Data cache built {built}. View: ?{_query_text(view)}",
                       SHORT_ATTRIBUTION, *view.notices])


def _query_text(view: View) -> str:
    return view_query(view).lstrip("?")


def _area_facts(figure: Figure, services: AtlasServices, view: View, axes, y: float) -> tuple[float, bool]:
    """The selected area's facts in the right-hand column, its main PCN outlined; (y below, outlined?)."""
    tables, spec = services.tables, MEASURES[view.measure]
    profile = area_profile(tables, view.measure, view.level, view.area, view.year, view.params)
    if profile is None:
        return y, False
    persistence = profile["persistence"]
    cls = persistence.get("persistence_class")
    rows = [f"{fmt(profile['value'], spec.decimals)} {spec.unit}",
            f"London rank {rank_sentence(profile['rank'], profile['tied'], profile['n_ranked'])} (1 = poorest)",
            f"Persistence: {cls} (poor in {int(persistence['years_poor'])} of {int(persistence['years_with_data'])} "
            f"years, {fy_label(int(persistence['window_start']))}–{fy_label(int(persistence['window_end']))})"
            if cls else f"Persistence: {persistence.get('reason', 'not available')}",
            f"{fmt(profile['residents'])} residents (ONS mid-{profile['population_mid_year']})"]
    practices = serving_practices(tables.provision, area_lsoas(tables, view.level, view.area, view.year), view.year,
                                  view.params)
    pcns = serving_pcns(tables, practices, view.measure, view.year, view.params)
    rows += [f"{name}: {fmt(100 * share, 0, '%')} of residents, {fmt(fte, 1)} GP FTE"
             + (f", {cls}" if cls else "") for name, share, fte, cls in
             pcns.head(4)[["pcn_name", "share", "gp_fte", "persistence_class"]].itertuples(index=False)]
    outlined = bool(len(pcns)) and view.level != "pcn" and view.year in tables.years(view.measure, "pcn")
    if outlined:
        _outline(axes, _areas(services, "pcn", view.year), [pcns["pcn_code"].iloc[0]], MAIN_PCN, 1.6)
    return _block(figure, y, f"{profile['area_name']} ({profile['area_code']})", rows), outlined


def _bid_page(figure: Figure, services: AtlasServices, params: dict[str, str]) -> str:
    state = parse_bids_view(params, services.view_options)
    scenario, problems = services.bids.scenario(state.bids, state.view.year, state.params, state.objective,
                                                state.close, state.merge)
    valid = scenario.bids[scenario.bids["status"] == "ok"]
    lsoa = services.atlas.areas[BID_LEVEL][["area_code", "geometry"]]
    axes = _map_axes(figure)
    lsoa.plot(ax=axes, color="#eeeeee", edgecolor="none")
    services.atlas.areas["borough"].boundary.plot(ax=axes, color=BOROUGHS.colour, linewidth=0.5)
    s = scenario.summary
    if valid.empty:
        _header(figure, "Bids briefing: no bids to score", f"{s.fy}. Add sites on the Bids page, then download.")
        _footnote(figure, [SHORT_ATTRIBUTION, *state.notices, *problems])
        return f"gp-atlas_bids_{state.view.year}"
    row = state.focus if state.focus in set(valid["row"]) else int(
        valid.sort_values(["rank", "row"], na_position="last")["row"].iloc[0])
    bid = valid.set_index("row").loc[row]
    gains = lsoa.merge(scenario.lsoa_changes(row), left_on="area_code", right_on="lsoa11_code")
    gains = gains[gains["delta"] > 0]
    if len(gains):
        gains.plot(ax=axes, column="delta", cmap="Greens", legend=True, vmin=0,
                   legend_kwds={"label": "access gained, GP FTE per 10,000 need-weighted", "shrink": 0.5})
    axes.scatter([bid["easting"]], [bid["northing"]], s=70, color=SITE, edgecolor="white", zorder=5,
                 label=f"{bid['label']} (+{bid['added_gp_fte']:g} GP FTE)")
    axes.legend(loc="lower right", fontsize=8)
    _header(figure, f"Bid briefing: {bid['label']}",
            f"{bid['site']}; {s.fy}; E2SFCA access, d0 {s.params.d0:,.0f} m; {s.bids_valid} bid(s) scored.")
    _block(figure, 0.885, "Scores", [f"{name}: {value}" for name, value in figure_rows(bid, scenario)])
    _footnote(figure, [f"Method. {definitions_text(scenario)}", f"Basis. {s.basis}.", SHORT_ATTRIBUTION,
                       *state.notices, *problems])
    return f"gp-atlas_bid-{row}_{state.view.year}_{state.objective}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layout.briefing", description=__doc__.splitlines()[0])
    parser.add_argument("query", help="query string of an app URL, e.g. 'level=borough&year=2025&area=E09000025'")
    parser.add_argument("--out", required=True, type=Path, help="output file: .pdf, .svg or .png")
    args = parser.parse_args(argv)
    file_format = args.out.suffix.lower().lstrip(".")
    if file_format not in FORMATS:
        parser.error(f"--out must end in .pdf, .svg or .png, not {args.out.name!r}")
    from data.loader import load_atlas
    try:
        services = AtlasServices(load_atlas())
    except DataFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    content, _ = briefing(services, args.query, file_format)
    args.out.write_bytes(content)
    print(f"wrote {args.out} ({len(content) / 1024:,.0f} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
