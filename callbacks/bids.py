"""Bids page callbacks: parse inputs -> geo.bids (memoised per input) -> layout.bids figures, table, summary.

The bid rows live in the `bids-store` (and the URL); only three callbacks
write them (add, upload, remove/clear), each after validating what it adds,
so a refused file or a bad form entry leaves the user's list untouched.
Scenarios come from the services' `BidScenarios` (`services.bids`), so the
same inputs give every user the same memoised, read-only result.
"""
from __future__ import annotations

import base64
import binascii

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import bind
from data.bid_intake import MAX_BIDS, BidFileError, bid_rows, bids_from_csv, missing_columns
from geo.bids import BID_LEVEL
from layout.bids.map import map_camera, map_patch, pending_site
from layout.bids.outputs import bids_outputs, ranked_rows_and_summary, scenario_for
from layout.bids.page_layout import ranked_grid
from layout.bids.report import ranked_csv
from layout.bids.state import BidsView, bids_query, clean_row, form_row, state_from_controls
from layout.bids.table import TABLE_ID, before_after_grid, before_after_rows
from layout.services import AtlasServices

CONTROL_NAMES = ("year", "weights", "d0", "k", "n", "objective", "close", "merge")
CONTROLS = {name: Input(f"bids-{name}", "value") for name in CONTROL_NAMES}
CONTROL_STATES = {name: State(f"bids-{name}", "value") for name in CONTROL_NAMES}
BASE = State("bids-base", "data")
ROWS = State("bids-store", "data")
FORM = {name: State(f"bids-{name}", "value") for name in ("label", "postcode", "practice", "fte", "cost")}


def current_state(services: AtlasServices, base: str | None, rows, focus, controls: dict) -> BidsView:
    return state_from_controls(base, rows, focus, controls, services.view_options)


def _alert(text: str, colour: str) -> dbc.Alert:
    return dbc.Alert(text, color=colour, class_name="py-1 px-2 mb-0 small")


def render(services: AtlasServices, rows, focus, mode, pending, controls, base):
    """Scores, table, map values (a Patch: geometry never moves) and the focused bid's one-page summary. The
    page's first view comes with the page (layout/bids/page_layout.py); this draws every later one."""
    state = current_state(services, base, rows, focus, controls)
    shown = bids_outputs(services, state, mode, pending)
    patch = map_patch(shown.updates)
    if shown.camera and ctx.triggered_id == "bids-store":
        patch["layout"]["map"] = map_camera(services.layers.urls(BID_LEVEL, state.view.year)["borough"], shown.camera)
    return (shown.rows, shown.cards, patch, shown.footnote, [html.Li(text) for text in shown.notes], shown.summary,
            shown.pending)


def below_the_map(services: AtlasServices, drawn, rows, focus, controls, base):
    """The ranked bids' grid and the focused bid's summary (with its small map), once the Bids map has painted
    (assets/bids_map.js sets bids-drawn): mounted with the page, they held its first map back by ~0.6 s."""
    if not drawn:
        raise PreventUpdate
    rows, summary = ranked_rows_and_summary(services, current_state(services, base, rows, focus, controls))
    return ranked_grid(rows), summary


def sync_url(services: AtlasServices, rows, focus, controls, base):
    """The URL (and permalink) carry the bids and settings, so the shortlist can be shared."""
    query, _ = bids_query(current_state(services, base, rows, focus, controls))
    return query, query


def map_click(services: AtlasServices, click, controls, base, rows):
    """A click proposes a site: a practice dot fills the uplift code, an area drops a site at its centre."""
    state = current_state(services, base, rows, None, controls)
    proposal = pending_site(click, services.bids.baseline(state.view.year, state.params))
    if proposal is None:
        raise PreventUpdate
    return proposal, proposal["practice_code"], ""


def add_bid(services: AtlasServices, clicks, submits, form, pending, rows, controls, base):
    """Add the form's bid only if it is valid with the bids already listed (else say why, change nothing)."""
    row = form_row(form["label"], form["postcode"], form["practice"], form["fte"], form["cost"], pending)
    if row is None:
        return no_update, _alert("Give a postcode or a practice code, or click the map.", "warning"), *[no_update] * 4
    rows = list(rows or [])
    if len(rows) >= MAX_BIDS:
        return no_update, _alert(f"The list already holds {MAX_BIDS:,} bids (the limit).", "warning"), \
            *[no_update] * 4
    scenario, _ = scenario_for(services, current_state(services, base, rows + [row], None, controls))
    status = scenario.bids["status"].iloc[-1]
    if status != "ok":
        return no_update, _alert(f"Not added: {status}.", "danger"), *[no_update] * 4
    return rows + [row], _alert(f"Added {row['label']}.", "success"), None, "", "", ""


def upload_rows(contents: str, filename: str, rows: list) -> tuple[list | None, str, str]:
    """Rows to append from an uploaded file, or None and why not: (rows, message, colour)."""
    try:
        _, encoded = contents.split(",", 1)
        content = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        return None, f"{filename} could not be read.", "danger"
    try:
        frame = bids_from_csv(content, filename)
    except BidFileError as exc:
        return None, f"Upload refused: {exc}.", "danger"
    missing = missing_columns(frame)
    if missing:
        needs = " and ".join(name if name.startswith("a ") else f"a column named {name}" for name in missing)
        found = ", ".join(f"'{' '.join(str(name).split())}'" if str(name).strip() else "(blank)"
                          for name in frame.columns)  # one line, whatever line breaks a header cell holds
        return None, f"Upload refused: {filename} needs {needs}; its columns are {found}.", "danger"
    if len(rows) + len(frame) > MAX_BIDS:
        return None, (f"Upload refused: {len(frame):,} rows would take the list past {MAX_BIDS:,} bids; clear some "
                      "first."), "danger"
    stem = filename.rsplit(".", 1)[0]
    added = [clean_row({**row, "label": row["label"] or f"{stem} row {number}"})
             for number, row in enumerate(bid_rows(frame), start=1)]
    return added, f"Added {len(frame):,} rows from {filename}", "success"



def upload(services: AtlasServices, contents, filename, rows, controls, base):
    """Append a CSV's rows (bad rows too: they are listed with their reasons); refuse unreadable files whole."""
    if not contents:
        raise PreventUpdate
    rows = list(rows or [])
    added, message, colour = upload_rows(contents, filename or "upload", rows)
    if added is None:
        return no_update, _alert(message, colour)
    scenario, _ = scenario_for(services, current_state(services, base, rows + added, None, controls))
    statuses = scenario.bids["status"].iloc[len(rows):]
    bad = int((statuses != "ok").sum())
    detail = f": {len(added) - bad:,} valid" + (f", {bad:,} with problems (listed in the table with reasons)."
                                                 if bad else ".")
    return rows + added, _alert(message + detail, "warning" if bad else colour)


def edit(remove, clear, selected, rows):
    """Remove the selected bid, or clear the list."""
    if ctx.triggered_id == "bids-clear":
        return [], None
    chosen = {row.get("row") for row in (selected or [])}
    if not chosen:
        raise PreventUpdate
    return [row for number, row in enumerate(rows or [], start=1) if number not in chosen], None


def focus(selected):
    if not selected:
        raise PreventUpdate
    return selected[0].get("row")


def download(services: AtlasServices, clicks, rows, controls, base):
    state = current_state(services, base, rows, None, controls)
    scenario, _ = scenario_for(services, state)
    return dcc.send_string(ranked_csv(scenario), f"gp-atlas_bids_{state.view.year}_{state.objective}.csv")


def show_table(services: AtlasServices, show_as, rows, focus, controls, base):
    """Table view on: every LSOA before and after the bids (the grid made, its rows sent, only while shown), the
    map behind it."""
    if show_as != "table":
        return True, "map-region", no_update
    scenario, _ = scenario_for(services, current_state(services, base, rows, focus, controls))
    return False, "map-region as-table", before_after_grid(before_after_rows(services, scenario))


def register(app: Dash, services: AtlasServices) -> None:
    # The LSOAs drawn in the browser from the figure's values (assets/bids_map.js)
    app.clientside_callback(ClientsideFunction("atlas", "bidsMap"), Output("bids-drawn", "data"),
                            Input("bids-map", "figure"))
    app.callback(Output("bids-grid", "rowData"), Output("bids-cards", "children"), Output("bids-map", "figure"),
                 Output("bids-footnote", "children"), Output("bids-notes", "children"),
                 Output("bids-summary", "children"), Output("bids-pending", "children"),
                 inputs={"rows": Input("bids-store", "data"), "focus": Input("bids-focus", "data"),
                         "mode": Input("bids-mode", "value"), "pending": Input("bids-click", "data"),
                         "controls": CONTROLS},
                 state={"base": BASE}, prevent_initial_call=True)(bind(services, render))
    app.callback(Output("bids-grid-frame", "children"), Output("bids-summary", "children", allow_duplicate=True),
                 inputs={"drawn": Input("bids-drawn", "data")},
                 state={"rows": ROWS, "focus": State("bids-focus", "data"), "controls": CONTROL_STATES, "base": BASE},
                 prevent_initial_call=True)(bind(services, below_the_map))
    app.callback(Output("url", "search", allow_duplicate=True), Output("bids-permalink", "href"),
                 inputs={"rows": Input("bids-store", "data"), "focus": Input("bids-focus", "data"),
                         "controls": CONTROLS},
                 state={"base": BASE}, prevent_initial_call=True)(bind(services, sync_url))
    app.callback(Output("bids-click", "data"), Output("bids-practice", "value", allow_duplicate=True),
                 Output("bids-postcode", "value", allow_duplicate=True),
                 inputs={"click": Input("bids-map", "clickData")},
                 state={"controls": CONTROL_STATES, "base": BASE, "rows": ROWS}, prevent_initial_call=True)(
        bind(services, map_click))
    app.callback(Output("bids-store", "data", allow_duplicate=True), Output("bids-add-message", "children"),
                 Output("bids-click", "data", allow_duplicate=True), Output("bids-postcode", "value"),
                 Output("bids-practice", "value"), Output("bids-label", "value"),
                 inputs={"clicks": Input("bids-add", "n_clicks"), "submits": Input("bids-postcode", "n_submit")},
                 state={"form": FORM, "pending": State("bids-click", "data"), "rows": ROWS,
                        "controls": CONTROL_STATES, "base": BASE},
                 prevent_initial_call=True)(bind(services, add_bid))
    app.callback(Output("bids-store", "data", allow_duplicate=True), Output("bids-upload-message", "children"),
                 inputs={"contents": Input("bids-upload", "contents")},
                 state={"filename": State("bids-upload", "filename"), "rows": ROWS, "controls": CONTROL_STATES,
                        "base": BASE},
                 prevent_initial_call=True)(bind(services, upload))
    app.callback(Output("bids-store", "data", allow_duplicate=True),
                 Output("bids-focus", "data", allow_duplicate=True),
                 Input("bids-remove", "n_clicks"), Input("bids-clear", "n_clicks"),
                 State("bids-grid", "selectedRows"), ROWS, prevent_initial_call=True)(edit)
    app.callback(Output("bids-focus", "data"), Input("bids-grid", "selectedRows"), prevent_initial_call=True)(focus)
    app.callback(Output("bids-download", "data"), inputs={"clicks": Input("bids-download-csv", "n_clicks")},
                 state={"rows": ROWS, "controls": CONTROL_STATES, "base": BASE}, prevent_initial_call=True)(
        bind(services, download))
    app.callback(Output(f"{TABLE_ID}-frame", "hidden"), Output("bids-map-region", "className"),
                 Output(f"{TABLE_ID}-frame", "children"),
                 inputs={"show_as": Input("bids-show-as", "value"), "rows": Input("bids-store", "data"),
                         "focus": Input("bids-focus", "data"), "controls": CONTROLS},
                 state={"base": BASE}, prevent_initial_call=True)(bind(services, show_table))
