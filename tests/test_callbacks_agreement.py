"""Method agreement on Explore, called directly: the URL, the 0-N cube the browser paints from, the legend
classes, the panel's verdicts (they must be AgreementTables'), the robust-persistence layer, the planner's CSV
and the About heat map; and the categorical classes on a handful of hand-checked numbers."""
import csv
import io
import json

import dash
import numpy as np
import orjson
import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from geo.agreement import METHODS, STABILITY_SETTINGS, verdict_column
from geo.agreement_tables import AGREEMENT
from layout.agreement_view import agreement_classing
from layout.classes import NO_DATA_COLOUR
from layout.view import parse_view, view_query

CONTROLS = {"measure": AGREEMENT, "level": "lsoa11", "year": 2025, "weights": "age", "d0": 1600, "k": 4, "n": 5,
            "cut": 0.2, "scheme": "quantiles", "layers": ["persistent"]}


def test_the_classes_are_counts_of_measures_with_their_number_in_every_label():
    classing = agreement_classing(np.array([0, 1, np.nan, 2, 2]), 2)
    assert classing.ticktext == ["poor under 0 of 2 (1)", "poor under 1 of 2 (1)", "poor under 2 of 2 (2)",
                                 "no data (1)"]
    assert classing.index == [0, 1, 3, 2, 2] and classing.palette[3] == NO_DATA_COLOUR and classing.missing == 1
    assert classing.labels == ["poor under 0 of 2", "poor under 1 of 2", "no data", "poor under 2 of 2",
                               "poor under 2 of 2"]
    assert classing.palette[2] != classing.palette[0] and classing.scheme != "continuous"  # swatches, not a ramp


@pytest.fixture(scope="module")
def svc(dash_app, services):
    """The services, inside the app's request context (geometry URLs carry the app's prefix)."""
    return services


def agreement_cube(svc, level: str = "lsoa11") -> dict:
    view = parse_view({"measure": AGREEMENT, "level": level}, svc.explore_options)
    return orjson.loads(svc.cubes.resource(svc.cubes.path(level, AGREEMENT, view.params).lstrip("/")).body)


@pytest.mark.real_data
def test_agreement_is_an_explore_measure_that_round_trips_and_falls_back_with_a_notice(svc):
    view = parse_view("?measure=agreement&level=ward&year=2024&layers=robust_persistent,practices",
                      svc.explore_options)
    assert (view.measure, view.level, view.year, view.layers) == (AGREEMENT, "ward", 2024,
                                                                   ("practices", "robust_persistent"))
    assert view.notices == ()
    again = parse_view(view_query(view), svc.explore_options)
    assert again == view and "measure=agreement" in view_query(view) and "robust_persistent" in view_query(view)
    early = parse_view("?measure=agreement&year=2015", svc.explore_options)  # one measure only in FY2014/15
    assert early.measure == AGREEMENT and early.year == 2025 and "Ignored year='2015'" in early.notices[0]
    pcn = parse_view("?measure=agreement&level=pcn&year=2017", svc.explore_options)
    assert pcn.year == max(svc.agreement.years("pcn")) and pcn.notices
    trends = parse_view("?measure=agreement", svc.view_options)  # the other pages chart one measure at a time
    assert trends.measure == "e2sfca" and "Ignored measure='agreement'" in trends.notices[0]


@pytest.mark.real_data
def test_the_agreement_cube_has_0_to_n_classes_that_match_agreement_tables(svc):
    cube = agreement_cube(svc)
    params = parse_view({"measure": AGREEMENT}, svc.explore_options).params
    assert cube["years"] == svc.agreement.years("lsoa11") and cube["measure"] == AGREEMENT and cube["categorical"]
    yi = cube["years"].index(2025)
    frame = svc.agreement.agreement("lsoa11", 2025, params).set_index("area_code").reindex(cube["codes"])
    assert cube["values"][yi] == frame["methods_poor"].astype(int).tolist()
    assert cube["extra"]["available"][yi] == frame["methods_available"].astype(int).tolist()
    assert cube["extra"]["stability"][yi] == [round(100 * s) for s in frame["stability"]]
    key = cube["schemes"]["quantiles"][yi]["key"]
    counts = frame["methods_poor"].value_counts()
    assert key["ticktext"] == [f"poor under {k} of 4 ({counts.get(k, 0):,})" for k in range(5)]
    classes = cube["schemes"]["quantiles"][yi]
    assert [ord(c) - 48 for c in classes["index"]] == cube["values"][yi]  # colour position = the count
    assert cube["schemes"]["continuous"][yi]["key"] == key  # the same classes whatever the colour scheme
    legend = orjson.dumps(classes["legend"]).decode()
    assert "poor under 4 of 4" in legend and "legend-ramp" not in legend
    robust = svc.agreement.table("lsoa11", 2025, params)
    assert counts[4] == int(robust["robust"].sum())  # every LSOA has all 4 measures: N of N = robust (the CLI's)
    persistent = {cube["codes"][i] for i in cube["info"][yi]["persistent"]}
    assert persistent == set(robust.loc[robust["robust_persistent"], "area_code"])
    info = cube["info"][yi]
    assert "{available}" in info["tooltip"][0] and f"of {len(STABILITY_SETTINGS)} settings" in info["tooltip"][1]
    assert info["title"] == "Method agreement · LSOA (2011) · FY2024/25" and "poor under every measure" in \
        info["footnote"]["quantiles"]
    assert f"{len(persistent):,} areas" in info["persistence_note"]


@pytest.mark.real_data
def test_bad_agreement_cube_paths_are_refused(svc):
    from layout.explore_cube import parse_cube_path
    good = svc.cubes.path("borough", AGREEMENT, parse_view("", svc.view_options).params)
    assert parse_cube_path(good, svc.version)[1] == AGREEMENT
    for bad in (good.replace(AGREEMENT, "agreements"), good.replace("/borough/", "/nowhere/")):
        with pytest.raises(KeyError):
            svc.cubes.resource(bad)


@pytest.mark.real_data
def test_the_server_draws_the_agreement_view_with_its_title_and_the_robust_layer_in_the_persistent_slot(svc):
    from callbacks.explore import update_map
    server_view = ["lsoa11", "age", 1600, 4, 5, 0.2, [], None]
    figure, _, paint, query = update_map(svc, server_view, CONTROLS, "", None, None)
    assert figure["layout"]["title"]["text"] == "Method agreement · LSOA (2011) · FY2024/25"
    assert "Method agreement, LSOA (2011): poor = in the poorest 20%" in figure["layout"]["annotations"][0]["text"]
    assert query.startswith("?level=lsoa11&measure=agreement&year=2025")
    assert paint["agreement"] == f"/cube/{svc.version}/lsoa11/agreement/age/1600/4-5/0.2.json"
    assert paint["slots"]["robust_persistent"] == paint["slots"]["persistent"]
    assert "Persistent under every method" in json.dumps(paint["legend"]["robust_persistent"].to_plotly_json(),
                                                         default=str)


def panel_text(svc, area: str, **controls) -> str:
    from callbacks.explore import NAMES, panel
    values = {**CONTROLS, **controls}
    view = {"chosen": True, "selection": {"area": area, "practice": None}, "controls": [values[n] for n in NAMES]}
    return json.dumps(panel(svc, view, "").to_plotly_json(), default=str)


@pytest.mark.real_data
@pytest.mark.parametrize("measure", [AGREEMENT, "e2sfca"])
def test_the_panel_shows_each_measures_verdict_value_and_rank_and_the_stability(svc, measure):
    from layout.agreement_panel import method_rows
    from layout.view import View
    params = parse_view("", svc.view_options).params
    frame = svc.agreement.agreement("borough", 2025, params).set_index("area_code")
    area = frame["stability"].idxmax()
    text = panel_text(svc, area, measure=measure, level="borough")
    assert "Do the measures agree? FY2024/25" in text and "E2SFCA stability" in text
    assert "settings (five catchment sizes d0 x three need weightings)" in text
    rows = method_rows(svc, View(level="borough", measure=measure, year=2025, params=params, area=area))
    expected = ["poor" if frame.loc[area, verdict_column(m)] else "not poor" for m in METHODS]
    assert rows["verdict"].tolist() == expected
    ranks = svc.tables.table("borough", "e2sfca", 2025, params).set_index("area_code")["rank"]
    assert rows.loc[0, "rank"].lstrip("=") == f"{ranks[area]} of 33"
    poor = int(frame.loc[area, "methods_poor"])
    assert f"Poor under {poor} of the 4 measures with a value" in text
    assert f"E2SFCA stability {frame.loc[area, 'stability']:.0%}" in text


@pytest.mark.real_data
def test_the_table_view_summary_and_downloads_of_the_agreement_view(svc):
    from callbacks.common import explore_view
    from callbacks.explore import NAMES, download_agreement
    from callbacks.explore_text import show_table
    from layout.explore_map import export_stem, export_values, values_csv
    borough = {**CONTROLS, "level": "borough"}
    hidden, _, table = show_table(svc, {"show_as": "table", "controls": [borough[n] for n in NAMES]}, "")
    rows, columns = table.rowData, table.columnDefs
    assert hidden is False and len(rows) == 33 and "rank" not in {c["field"] for c in columns}
    assert {row["class"] for row in rows} <= {f"poor under {k} of 4" for k in range(5)}
    view = explore_view(svc, "", borough)
    assert export_stem(view) == "gp-atlas_agreement_borough_FY2024-25_age_d0-1600"
    table = list(csv.DictReader(io.StringIO(values_csv(view, export_values(svc, view)[0]))))
    assert len(table) == 33 and table[0]["measure"] == "Method agreement"
    assert {row["class"] for row in table} <= {f"poor under {k} of 4" for k in range(5)}
    planner = download_agreement(svc, 1, CONTROLS, "")
    assert planner["filename"] == "gp-atlas_agreement_lsoa11_FY2024-25_age_d0-1600_poor-under-every-method.csv"
    robust = pd.read_csv(io.StringIO(planner["content"]))
    params = parse_view("", svc.view_options).params
    assert len(robust) == int(svc.agreement.table("lsoa11", 2025, params)["robust"].sum()) and robust["robust"].all()
    assert {"borough_name", "icb_name", "serving_pcn_name"} <= set(robust.columns)
    assert robust["borough_name"].notna().all()
    e2sfca = download_agreement(svc, 1, {**CONTROLS, "measure": "e2sfca", "year": 2016, "level": "borough"}, "")
    assert "borough_FY2015-16" in e2sfca["filename"]
    with pytest.raises(dash.exceptions.PreventUpdate):
        download_agreement(svc, None, CONTROLS, "")


@pytest.mark.real_data
def test_about_shows_the_correlation_heat_map_with_its_coefficients_and_why_the_methods_differ(svc):
    from layout.about import page
    from layout.agreement_charts import correlation_matrix
    text = to_json_plotly(page(svc))
    matrix = correlation_matrix(svc, max(svc.agreement.years("lsoa11")))
    assert "How far the measures agree" in text and "follows where residents are actually registered" in text
    assert '"texttemplate":"%{z:.2f}"' in text and '"type":"heatmap"' in text
    pair = f"E2SFCA access with GP FTE per 10,000: {matrix.loc['E2SFCA access', 'GP FTE per 10,000']:.2f}"
    assert pair in text  # the caption screen readers read
    assert 0.3 < matrix.loc["E2SFCA access", "GP FTE per 10,000"] < 0.7
