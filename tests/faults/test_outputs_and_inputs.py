"""Faults at the edges users touch: formula cells in every CSV written, command-line errors as one line with exit
status 2, bids files whose columns collide after clean-up, and user text that must stay text in figures."""
from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from data.bid_intake import BidFileError, bid_rows, bids_from_csv, normalised_columns, read_bids_file
from geo.cli import OutputError, check_output, write_output
from layout.figure_text import plotly_text

REPO = Path(__file__).resolve().parents[2]
FORMULA_LABELS = ["=CMD|' /C calc'!A0", "+SUM(1+1)", "-minus", "@at", "\tTab", "<b>Bold</b> & co"]
SITES = ["N20 0DH", "E1 6AN", "SE1 7EH", "W2 1NY", "N1 9GU", "SE28 8RD"]


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def one_line_error(result: subprocess.CompletedProcess, prefix: str) -> str:
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-800:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), result.stderr
    return lines[0]


@pytest.fixture
def formula_bids(tmp_path) -> Path:
    path = tmp_path / "formula_bids.csv"
    pd.DataFrame({"label": FORMULA_LABELS, "postcode": SITES, "added_gp_fte": [2] * 6}).to_csv(path, index=False)
    return path


# ------------------------------------------------------------------ safe outputs

@pytest.mark.real_data
def test_geo_bids_writes_formula_labels_neutralised_and_numbers_as_numbers(atlas, formula_bids, tmp_path):
    from geo.bids.__main__ import main
    out = tmp_path / "ranked.csv"
    assert main(["--bids", str(formula_bids), "--year", "2024", "--out", str(out)]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert sorted(table["label"]) == sorted(["'=CMD|' /C calc'!A0", "'+SUM(1+1)", "'-minus", "'@at",
                                             "Tab",  # cells are trimmed when read, so the tab is gone
                                             "<b>Bold</b> & co"])
    assert pd.api.types.is_float_dtype(table["added_gp_fte"]) and (table["status"] == "ok").all()


@pytest.mark.real_data
def test_geo_export_csv_goes_through_the_same_writer(atlas, tmp_path, monkeypatch):
    """An area name that starts like a formula (none does in the bundle, so one is given) is neutralised."""
    import geo.tables
    from geo.export import main
    original = geo.tables.AreaTables.table

    def renamed(self, *args, **kwargs):
        table = original(self, *args, **kwargs)
        return table.assign(area_name=["=HYPERLINK(1)"] + table["area_name"].tolist()[1:])
    monkeypatch.setattr(geo.tables.AreaTables, "table", renamed)
    out = tmp_path / "borough.csv"
    assert main(["--level", "borough", "--measure", "gp_fte_per_10k", "--year", "2024", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table["area_name"].iloc[0] == "'=HYPERLINK(1)" and pd.api.types.is_float_dtype(table["value"])


@pytest.mark.parametrize("out, message", [
    ("{tmp}/missing/x.csv", "cannot write {tmp}/missing/x.csv: folder {tmp}/missing does not exist"),
    ("{tmp}", "cannot write {tmp}: it is a folder; give a file name"),
])
def test_cli_outputs_that_cannot_be_files_are_one_line_before_any_work(tmp_path, formula_bids, out, message):
    out, message = out.format(tmp=tmp_path), message.format(tmp=tmp_path)
    export = run("geo.export", "--level", "borough", "--measure", "e2sfca", "--year", "2024", "--out", out)
    assert one_line_error(export, "geo.export: error: ") == f"geo.export: error: {message}"
    bids = run("geo.bids", "--bids", str(formula_bids), "--year", "2024", "--out", out)
    assert one_line_error(bids, "geo.bids: error: ") == f"geo.bids: error: {message}"


@pytest.mark.real_data
def test_an_output_the_system_refuses_is_one_line_too(atlas, formula_bids):
    export = run("geo.export", "--level", "borough", "--measure", "e2sfca", "--year", "2024", "--out", "/proc/x.csv")
    assert one_line_error(export, "geo.export: error: cannot write /proc/x.csv: ")


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp, "is a folder, not a CSV file"),
    (lambda tmp: tmp / "nope.csv", "bids file not found"),
    (lambda tmp: (tmp / "bin.csv").write_bytes(b"\x00\x01") and tmp / "bin.csv", "is not a text CSV file"),
    (lambda tmp: (tmp / "lat.csv").write_text("Lat,lat,lon,added_gp_fte\n1,2,3,4\n") and tmp / "lat.csv",
     "lat.csv has columns that mean the same: 'Lat' and 'lat'"),
])
def test_bad_bids_files_are_one_line_and_exit_2(tmp_path, make, message):
    result = run("geo.bids", "--bids", str(make(tmp_path)), "--year", "2024", "--out", "-")
    assert message in one_line_error(result, "geo.bids: error: ")


def test_write_output_replaces_a_file_whole_or_leaves_it(tmp_path):
    target = tmp_path / "out.csv"
    write_output("a,b\n1,2\n", str(target))
    assert target.read_text() == "a,b\n1,2\n" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with pytest.raises(OutputError, match="it is a folder"):
        check_output(str(tmp_path))
    with pytest.raises(OutputError, match="cannot write /proc/out.csv: "):
        write_output("x", "/proc/out.csv")


# ------------------------------------------------------------------ inputs

@pytest.mark.parametrize("header, clash", [
    ("label,Lat,lat,lon,added_gp_fte", "'Lat' and 'lat' (both read as 'lat')"),
    ("label,postcode,added gp fte,added_gp_fte", "'added gp fte' and 'added_gp_fte' (both read as 'added_gp_fte')"),
    ("label,postcode,postcode,added_gp_fte", "'postcode' and 'postcode' (both read as 'postcode')"),
    (" Label,LABEL ,postcode,added_gp_fte", "' Label' and 'LABEL ' (both read as 'label')"),
])
def test_colliding_columns_are_refused_naming_them(header, clash):
    row = ",".join(["x"] * len(header.split(",")))
    with pytest.raises(BidFileError) as error:
        bids_from_csv(f"{header}\n{row}\n".encode(), "bids.csv")
    assert str(error.value) == f"bids.csv has columns that mean the same: {clash}; keep one of each"


def test_a_table_built_in_code_with_colliding_names_is_refused_too():
    with pytest.raises(BidFileError, match="'Lat' and 'lat'"):
        normalised_columns(pd.DataFrame([[1, 2]], columns=["Lat", "lat"]))


def test_an_unreadable_bids_file_is_one_line(tmp_path):
    with pytest.raises(BidFileError, match="is a folder"):
        read_bids_file(tmp_path)


def test_uploading_colliding_columns_says_which_and_keeps_the_list():
    from callbacks.bids import upload_rows
    content = base64.b64encode(b"label,Lat,lat,lon,added_gp_fte\nA,51.5,51.5,-0.1,2\n").decode()
    rows, message, colour = upload_rows(f"data:text/csv;base64,{content}", "clash.csv", [])
    assert rows is None and colour == "danger"
    assert message == ("Upload refused: clash.csv has columns that mean the same: 'Lat' and 'lat' (both read as "
                       "'lat'); keep one of each.")


@pytest.mark.parametrize("text, shown", [
    ("<b>Bold</b> & co", "&lt;b&gt;Bold&lt;/b&gt; &amp; co"), ("&amp;", "&amp;amp;"), ("Plain", "Plain"),
    ("<a href='javascript:x'>x</a>", "&lt;a href='javascript:x'&gt;x&lt;/a&gt;")])
def test_plotly_text_escapes_markup(text, shown):
    assert plotly_text(text) == shown


@pytest.mark.real_data
def test_bid_labels_reach_the_map_hover_as_text_and_the_table_and_summary_unchanged(services, dash_app):
    from geo.params import DEFAULT_PARAMS
    from layout.bids.map import map_updates
    from layout.bids.report import bid_summary, grid_rows, ranked_csv
    from layout.bids.state import clean_row
    frame = bids_from_csv(pd.DataFrame({"label": FORMULA_LABELS, "postcode": SITES, "added_gp_fte": ["2"] * 6})
                          .to_csv(index=False).encode(), "b.csv")
    rows = tuple(clean_row(row) for row in bid_rows(frame))
    scenario, _ = services.bids.scenario(rows, 2024, DEFAULT_PARAMS, "lifted_per_fte", "", "")
    codes = services.layers.named("lsoa11").codes
    hover = " ".join(map_updates(scenario, "after", codes, None)["sites"]["customdata"])
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in hover and "<b>Bold</b>" not in hover
    assert "<b>Bold</b> & co" in {row["label"] for row in grid_rows(scenario)}
    focus = int(scenario.bids.loc[scenario.bids["label"] == "<b>Bold</b> & co", "row"].iloc[0])
    summary = bid_summary(scenario, focus, "?", "/geometry/lsoa11.geojson")
    assert "Bid summary: <b>Bold</b> & co" in str(summary.children[0].children[0].children)
    assert "'=CMD|' /C calc'!A0" in set(pd.read_csv(io.StringIO(ranked_csv(scenario)))["label"])


@pytest.mark.real_data
@pytest.mark.parametrize("typed, notice", [({"k": 0}, "Ignored k='0'"), ({"n": 0}, "Ignored n='0'"),
                                           ({"k": "two"}, "Ignored k='two'")])
def test_a_control_value_no_analysis_takes_is_a_notice_beside_the_map(services, dash_app, typed, notice):
    """k or n typed as 0 into the number boxes used to fail the callback (nothing redrawn, nothing said)."""
    from callbacks.explore import update_map
    from callbacks.trends import update as update_trends
    controls = {"measure": "e2sfca", "level": "borough", "year": 2024, "weights": "age", "d0": 1600, "k": 4,
                "n": 5, "cut": 0.2, "scheme": "quantiles", "layers": ["persistent"], **typed}
    paint = update_map(services, None, controls, "", None, None)[2]
    assert any(notice in note for note in paint["notices"])
    update_trends(services, {key: controls[key] for key in ("measure", "level", "year", "weights", "d0", "k", "n",
                                                            "cut")}, "")


@pytest.mark.real_data
@pytest.mark.parametrize("label", ["$\\frac{1$ & <b>x</b>", "Costs $5 and $6"])
def test_a_bid_label_with_dollars_or_markup_prints_as_written_in_the_briefing(services, dash_app, label):
    """matplotlib read '$...$' in a label as mathematics: a malformed pair failed the whole PDF (HTTP 500)."""
    from layout.bids.state import encode_bids
    from layout.briefing import briefing
    query = f"year=2024&bids={encode_bids([{'label': label, 'postcode': 'SE28 8RD', 'added_gp_fte': '2'}])}&focus=1"
    svg = briefing(services, f"/bids?{query}", "svg")[0].decode()
    assert svg.count(label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")) == 2  # title, legend
    response = dash_app.server.test_client().get(f"/bids/briefing.pdf?{query}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
