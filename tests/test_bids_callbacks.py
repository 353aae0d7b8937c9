"""Bids page: URL state and callback functions called directly (real data), including bad inputs."""
import base64
import io
from contextvars import copy_context
from types import SimpleNamespace

import pandas as pd
import pytest
from dash import Patch, no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from data.bid_intake import MAX_BIDS

pytestmark = pytest.mark.real_data
CONTROLS = {"year": 2024, "weights": "age", "d0": 1600, "k": 4, "n": 5, "objective": "lifted_per_fte", "close": "",
            "merge": ""}
BASE = "?year=2024"


@pytest.fixture(scope="module")
def svc(dash_app, services):
    """The services, inside the app's request context (geometry URLs carry the app's prefix)."""
    return services


@pytest.fixture(scope="module")
def cb(svc):
    """The page's callbacks with the services bound, as Dash calls them."""
    import callbacks.bids as module
    from callbacks.common import bind
    return SimpleNamespace(**{name: bind(svc, getattr(module, name)) for name in
                              ("render", "sync_url", "map_click", "add_bid", "upload", "download")},
                           edit=module.edit)


@pytest.fixture(scope="module")
def page_layout(svc):
    import layout.bids as module
    return module


def triggered(prop_id: str, function, **kwargs):
    """Run a callback function as Dash would after `prop_id` changed (for ctx.triggered_id)."""
    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": None}]))
        return function(**kwargs)
    return copy_context().run(run)


def csv_upload(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def row(**cells) -> dict:
    from layout.bids import clean_row
    return clean_row(cells)


GOOD = row(label="Thamesmead", postcode="SE28 8RD", added_gp_fte="2")
BAD = row(label="Nowhere", postcode="ZZ99 9ZZ", added_gp_fte="2")


# ------------------------------------------------------------------ URL state

def test_bids_travel_in_the_url_and_come_back_the_same(page_layout, svc):
    rows = (GOOD, row(label="=SUM(A1)", easting="530000", northing="180000", added_gp_fte="1.5", cost="250000"))
    encoded = page_layout.encode_bids(rows)
    assert encoded.startswith("1") and len(encoded) < 120 and set(encoded[1:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    state = page_layout.parse_bids_view({"bids": encoded, "year": "2023", "focus": "2", "close": "F84001"},
                                        svc.view_options)
    assert state.bids == rows and state.view.year == 2023 and state.focus == 2 and state.notices == ()
    query, notice = page_layout.bids_query(state)
    assert notice is None and f"bids={encoded}" in query and "close=F84001" in query and "focus=2" in query


@pytest.mark.parametrize("value, why", [
    ("1AAAA", "the bids value is damaged"),
    ("2abc", "not a bids value written by this atlas"),
    ("1" + base64.urlsafe_b64encode(__import__("zlib").compress(b'{"a": 1}')).decode(), "not a list of bid rows"),
    ("1" + base64.urlsafe_b64encode(__import__("zlib").compress(b"[" + b'["a"],' * 300_000 + b'["a"]]')).decode(),
     "the bids value is too large"),
])
def test_malformed_bids_in_a_link_fall_back_to_no_bids_with_a_notice(page_layout, svc, value, why):
    state = page_layout.parse_bids_view({"bids": value, "objective": "best", "focus": "9", "year": "1999"},
                                        svc.view_options)
    assert state.bids == () and state.objective == "lifted_per_fte" and state.focus is None
    text = " ".join(state.notices)
    assert why in text and "Ignored objective='best'" in text and "Ignored focus='9'" in text and "year" in text


def test_a_links_settings_are_the_analysis_parameters_the_bids_are_scored_with(page_layout, svc):
    from geo.params import AnalysisParams
    state = page_layout.parse_bids_view({"weights": "age_imd", "d0": "2000", "k": "3", "n": "5"}, svc.view_options)
    assert state.params == AnalysisParams(weights="age_imd", d0=2000.0, k=3, n=5)


def test_too_many_bids_for_a_link_keep_the_settings_and_say_so(page_layout, svc):
    rows = tuple(row(label=f"site {i:04d} {i * 7919 % 10007}", easting=str(500000 + i * 37),
                     northing=str(170000 + i * 53), added_gp_fte=str(1 + i % 7)) for i in range(400))
    state = page_layout.parse_bids_view({}, svc.view_options)
    query, notice = page_layout.bids_query(state, bids=rows)
    assert "bids=" not in query and "too many to share as a link" in notice


def test_page_layout_renders_notices_and_print_mode(page_layout, svc):
    broken = page_layout.page(svc, bids="1AAAA", year="2024")
    assert "Ignored the bids in the link" in str(broken)
    printed = page_layout.page(svc, year="2024", print="1")
    assert "print-view" in printed.className


# ------------------------------------------------------------------ callbacks

def test_render_with_no_bids_explains_what_to_do(cb):
    grid, cards, figure, footnote, notes, summary, pending = triggered(
        "bids-store.data", cb.render, rows=[], focus=None, mode="after", pending=None, controls=CONTROLS, base=BASE)
    assert grid == [] and isinstance(figure, Patch) and notes == [] and pending == ""
    assert "No bids yet" in str(cards) and "0 of 0" not in str(cards) and "Add a site or upload a CSV" in str(summary)
    assert footnote.startswith("No bids scored yet (FY2023/24)")


def test_render_scores_valid_rows_lists_bad_ones_and_reports_bad_closures(cb):
    grid, cards, figure, footnote, notes, summary, _ = triggered(
        "bids-store.data", cb.render, rows=[GOOD, BAD], focus=None, mode="delta", pending=None,
        controls={**CONTROLS, "close": "NOPE1"}, base=BASE)
    assert [r["label"] for r in grid] == ["Thamesmead", "Nowhere"]
    assert grid[0]["status"] == "ok" and grid[0]["rank"] == 1 and grid[0]["lifted_need"] > 0
    assert grid[1]["status"].startswith("postcode 'ZZ99 9ZZ'") and grid[1]["rank"] is None
    assert "1 of 2" in str(cards) and "Bid summary: Thamesmead" in str(summary)
    assert "Residents lifted out of the bottom quintile per added GP FTE:" in footnote  # the objective in words
    assert "need-weighted residents" in str(cards) and "lifted_per_fte" not in footnote
    assert any("close NOPE1" in str(note.children) for note in notes)


def test_the_map_values_colour_each_lsoa_as_its_colour_bar_does_and_list_the_lifted(svc):
    """The browser colours the LSOAs from meta.colours (assets/bids_map.js): the palette colour of each area's
    class among the baseline quintiles; in the change map, gains on the green scale and no gain not drawn."""
    from geo.params import DEFAULT_PARAMS
    from layout.bids.map import GAIN_SHADES, SLOT, map_updates
    from layout.classes import YL_OR_RD
    scenario, _ = svc.bids.scenario((GOOD,), 2024, DEFAULT_PARAMS, "lifted_per_fte", "", "")
    codes = svc.layers.named("lsoa11").codes
    after = map_updates(scenario, "after", codes, None)
    access = after["access"]
    assert len(access["meta"]["colours"]) == len(codes) == len(access["z"])
    assert set(access["meta"]["colours"]) <= set(YL_OR_RD)
    assert access["meta"]["colours"] == [access["colorscale"][2 * z][1] for z in access["z"]]
    lifted = scenario.lsoa_changes().query("lifted")["lsoa11_code"].tolist()
    assert after["lifted"] == {"meta": {"codes": lifted}, "visible": True} and lifted
    change = map_updates(scenario, "delta", codes, None)["access"]
    gains = dict(zip(codes, change["z"], strict=True))
    colours = dict(zip(codes, change["meta"]["colours"], strict=True))
    assert all((colours[code] is None) == (gain <= 0) for code, gain in gains.items())
    assert colours[max(gains, key=gains.get)] == GAIN_SHADES[-1][1]
    assert map_updates(scenario, "before", codes, None)["lifted"]["visible"] is False
    assert SLOT["access"] == 0  # map clicks on an area arrive as curve 0 (assets/bids_map.js)


def test_below_the_map_comes_once_the_map_has_painted(svc):
    """The ranked grid and the summary follow the map's first paint (bids-drawn), for the bids in the store."""
    from callbacks.bids import below_the_map
    with pytest.raises(PreventUpdate):
        below_the_map(svc, None, [GOOD], None, CONTROLS, BASE)
    grid, summary = below_the_map(svc, True, [GOOD, BAD], None, CONTROLS, BASE)
    assert grid.id == "bids-grid" and [r["label"] for r in grid.rowData] == ["Thamesmead", "Nowhere"]
    assert "Bid summary: Thamesmead" in str(summary)


def test_render_survives_a_bad_control_value_with_a_notice(cb):
    grid, *_, notes, _summary, _pending = triggered(
        "bids-d0.value", cb.render, rows=[GOOD], focus=None, mode="before", pending=None,
        controls={**CONTROLS, "d0": 5}, base=BASE)
    assert grid[0]["status"] == "ok" and any("Ignored d0='5'" in str(note.children) for note in notes)


def test_add_bid_adds_only_valid_bids(cb):
    form = {"label": "", "postcode": "se28 8rd", "practice": "", "fte": 2, "cost": None}
    store, message, pending, *_ = cb.add_bid(clicks=1, submits=None, form=form, pending=None, rows=[],
                                             controls=CONTROLS, base=BASE)
    assert store == [row(label="SE28 8RD", postcode="SE28 8RD", added_gp_fte="2")] and pending is None
    again = cb.add_bid(clicks=2, submits=None, form=form, pending=None, rows=store, controls=CONTROLS, base=BASE)
    assert again[0] is no_update and "Not added: duplicated label" in str(again[1])
    absurd = cb.add_bid(clicks=3, submits=None, form={**form, "label": "big", "fte": 80}, pending=None, rows=store,
                        controls=CONTROLS, base=BASE)
    assert absurd[0] is no_update and "more than 50 GP FTE at one site" in str(absurd[1])
    nothing = cb.add_bid(clicks=4, submits=None, form={**form, "postcode": ""}, pending=None, rows=store,
                         controls=CONTROLS, base=BASE)
    assert nothing[0] is no_update and "Give a postcode or a practice code, or click the map" in str(nothing[1])
    clicked = cb.add_bid(clicks=5, submits=None, form={**form, "postcode": ""}, rows=store, controls=CONTROLS,
                         base=BASE, pending={"easting": 531000, "northing": 182000, "practice_code": ""})
    assert clicked[0][-1]["label"] == "Site E531000 N182000" and clicked[0][-1]["easting"] == "531000"


def test_map_clicks_propose_an_uplift_or_a_site_at_an_area_centre(cb, page_layout):
    practice = cb.map_click(click={"points": [{"curveNumber": page_layout.SLOT["practices"],
                                               "customdata": ["E83003", "X", 4.6]}]},
                            controls=CONTROLS, base=BASE, rows=[])
    assert practice[0]["practice_code"] == "E83003" and practice[1] == "E83003" and practice[2] == ""
    area = cb.map_click(click={"points": [{"curveNumber": 0, "location": "E01000001", "text": "City of London 001A"}]},
                        controls=CONTROLS, base=BASE, rows=[])
    assert area[0]["practice_code"] == "" and area[0]["text"].startswith("New site at the centre of City of London")
    with pytest.raises(PreventUpdate):
        cb.map_click(click={"points": [{"curveNumber": 3}]}, controls=CONTROLS, base=BASE, rows=[])


@pytest.mark.parametrize("filename, text, message", [
    ("bids.xlsx", "label,postcode,added_gp_fte\nA,SE28 8RD,2\n", "Upload refused: bids.xlsx is not a CSV file"),
    ("big.csv", "label,postcode,added_gp_fte\n" + "A,SE28 8RD,2\n" * 200_000, "MB; bid files are limited to 2 MB"),
    ("nofte.csv", "label,postcode\nA,SE28 8RD\n", ("Upload refused: nofte.csv needs a column named added_gp_fte; "
                                                       "its columns are 'label', 'postcode'.")),
    ("breaks.csv", '"lab\nel",postcode\nA,SE28 8RD\n', "its columns are 'lab el', 'postcode'."),
    ("nowhere.csv", "label,added_gp_fte\nA,2\n", "needs a location (postcode"),
    ("empty.csv", "", "Upload refused: empty.csv is empty"),
], ids=["not-csv", "over-2-MB", "no-fte-column", "line-break-in-a-header", "no-location-column", "empty"])
def test_refused_uploads_leave_the_list_untouched(cb, filename, text, message):
    store, alert = cb.upload(contents=csv_upload(text), filename=filename, rows=[GOOD], controls=CONTROLS, base=BASE)
    assert store is no_update and message in str(alert)


def test_an_upload_appends_every_row_and_counts_the_bad_ones(cb):
    text = "Label,Postcode,Added GP FTE,Cost\n,E16 1AA,2,\nB,ZZ99 9ZZ,1,\nC,SE1 7PB,-1,\n"
    store, alert = cb.upload(contents=csv_upload(text), filename="three.csv", rows=[GOOD], controls=CONTROLS,
                             base=BASE)
    assert [r["label"] for r in store] == ["Thamesmead", "three row 1", "B", "C"]
    assert "Added 3 rows from three.csv: 1 valid, 2 with problems" in str(alert)


def test_an_upload_that_would_pass_the_limit_is_refused(cb):
    store, alert = cb.upload(contents=csv_upload("label,postcode,added_gp_fte\nA,E16 1AA,2\n"), filename="one.csv",
                             rows=[GOOD] * MAX_BIDS, controls=CONTROLS, base=BASE)
    assert store is no_update and "past 1,000 bids" in str(alert)


def test_remove_selected_and_clear(cb):
    rows = [GOOD, BAD]
    remaining, focus = triggered("bids-remove.n_clicks", cb.edit, remove=1, clear=None, selected=[{"row": 1}],
                                 rows=rows)
    assert remaining == [BAD] and focus is None
    assert triggered("bids-clear.n_clicks", cb.edit, remove=None, clear=1, selected=None, rows=rows) == ([], None)
    with pytest.raises(PreventUpdate):
        triggered("bids-remove.n_clicks", cb.edit, remove=2, clear=None, selected=[], rows=rows)


def test_download_is_the_ranked_table_with_formulas_neutralised(cb):
    rows = [GOOD, row(label="=HYPERLINK(1)", postcode="E16 1AA", added_gp_fte="1"), BAD]
    sent = cb.download(clicks=1, rows=rows, controls=CONTROLS, base=BASE)
    assert sent["filename"] == "gp-atlas_bids_2024_lifted_per_fte.csv"
    table = pd.read_csv(io.StringIO(sent["content"]))
    assert len(table) == 3 and table["rank"].tolist()[:2] == [1, 2] and table["status"].iloc[2] != "ok"
    assert "'=HYPERLINK(1)" in table["label"].tolist()
    assert set(table["fy"]) == {"FY2023/24"} and table["basis"].str.contains("E2SFCA|GP FTE").all()


def test_sync_url_writes_the_shortlist(cb, page_layout):
    query, permalink = cb.sync_url(rows=[GOOD], focus=1, controls=CONTROLS, base=BASE)
    assert query == permalink and f"bids={page_layout.encode_bids([GOOD])}" in query and "focus=1" in query
