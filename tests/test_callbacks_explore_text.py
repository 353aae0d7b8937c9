"""The text behind the Explore map (Table view, live summary, chart captions), called directly on the real data;
and the chart text read from figure dicts by hand."""
import orjson
import pandas as pd
import pytest

from callbacks.common import current_view
from layout.chart_text import figure_text
from layout.charts import trend_figure
from layout.explore_cube import MEASURE_SLOT

CONTROLS = {"measure": "e2sfca", "level": "borough", "year": 2025, "weights": "age", "d0": 1600, "k": 4, "n": 5,
            "cut": 0.2, "scheme": "quantiles", "layers": ["persistent"]}


def cube_of(services, level: str, controls: dict) -> dict:
    """The measure cube the browser fetches for a view (layout/explore_cube.py)."""
    view = current_view(services, "", controls)
    path = services.cubes.template(level, view.params).replace(MEASURE_SLOT, view.measure)
    return orjson.loads(services.cubes.resource(path).body)


@pytest.fixture(scope="module")
def svc(dash_app, services):
    """The services, inside the app's request context (geometry URLs carry the app's prefix)."""
    return services


def test_a_chart_is_described_by_its_title_unit_and_each_series():
    trend = pd.DataFrame({"year": [2023, 2024, 2025], "value": [1.0, 2.5, 2.0], "london_median": [1.5, 1.6, None],
                          "london": [3.0, 3.0, 3.0]})
    figure = trend_figure(trend, "Camden", "E2SFCA access", "per 10,000", 2, "Borough")
    assert figure_text(figure) == (
        "E2SFCA access over time (per 10,000). Camden: 1 in 22/23 to 2 in 24/25 (lowest 1 in 22/23, highest 2.5 "
        "in 23/24); London median Borough: 1.5 in 22/23 to 1.6 in 23/24; London overall: 3 in 22/23 to 3 in 24/25.")
    assert figure_text({"data": [{"type": "choroplethmap", "locations": ["E1"], "text": ["Camden"]},
                                 {"type": "scattermap", "lat": [1, 2], "text": ["A", "B"], "visible": False}]}) == \
        "map of 1 area (Camden)."


@pytest.mark.real_data
def test_the_live_summary_names_the_view_its_classes_persistence_and_the_selected_area(svc):
    """Without a selection the browser reads the summary from the cube; with one, the server says it."""
    from callbacks.explore_text import NAMES, describe
    cube = cube_of(svc, "lsoa11", CONTROLS)
    summaries = cube["schemes"]["quantiles"][cube["years"].index(2025)]["summary"]
    assert "persistently poor" not in summaries["plain"]
    summary = summaries["persistent"]
    assert summary.startswith("E2SFCA access by LSOA (2011), FY2024/25: 4,835 areas. 5 classes from the poorest "
                              "provision: ")
    assert summary.count("(967)") == 5  # quintiles of 4,835 areas
    assert "persistently poor (outlined)" in summary and "Selected" not in summary
    panel_view = {"controls": [CONTROLS[name] for name in NAMES], "selection": {"area": "E09000007"}}
    summary = describe(svc, panel_view, "")
    assert summary.startswith("E2SFCA access by Borough, FY2024/25: 33 areas.")
    assert "Selected: Camden, " in summary and " of 33 (1 = poorest), class " in summary


@pytest.mark.real_data
def test_the_table_view_lists_every_mapped_area_with_rank_class_persistence_and_serving_pcn(svc, services):
    from callbacks.explore_text import NAMES, select_row, show_table
    controls = [CONTROLS[name] for name in NAMES]
    hidden, region, table = show_table(svc, {"show_as": "table", "controls": controls}, "")
    rows, columns = table.rowData, table.columnDefs
    assert hidden is False and region == "map-region as-table"
    assert len(rows) == 33 and {row["rank"] for row in rows} == set(range(1, 34))
    table = services.tables.table("borough", "e2sfca", 2025).set_index("area_code")
    for row in rows:
        assert row["value"] == pytest.approx(table.loc[row["area_code"], "value"])
        assert row["class"] and row["persistence_class"] in ("persistent", "intermittent", "never")
        assert row["serving_pcn"].endswith("more)")  # a borough is served by several PCNs
    assert [column["field"] for column in columns] == ["rank", "area_name", "area_code", "value", "class",
                                                       "persistence_class", "serving_pcn"]
    assert show_table(svc, {"show_as": "map", "controls": controls}, "")[:2] == (True, "map-region")
    assert select_row({"area": "E09000007"}, False, "table") == ({"ids": ["E09000007"]},
                                                                 {"rowId": "E09000007", "rowPosition": "middle"})
    assert select_row({"area": "E09000007"}, True, "map") == (select_row(None, True, "map"))


@pytest.mark.real_data
def test_serving_pcn_is_the_catchment_for_an_lsoa_itself_for_a_pcn_and_none_before_pcns(services):
    tables = services.tables
    lsoa = tables.serving_pcns("lsoa11", 2025)
    assignment = tables.pcn_assignment(2025)
    names = services.atlas.pcn_names
    assert len(lsoa) == len(assignment) and (lsoa == assignment.map(names).fillna(assignment)).all()
    pcn = tables.serving_pcns("pcn", 2025)
    assert (pcn.index.map(names) == pcn.to_numpy()).all()
    assert tables.serving_pcns("borough", 2019).empty
