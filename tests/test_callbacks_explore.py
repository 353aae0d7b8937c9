"""Explore callbacks called directly on the real data: representative and bad inputs."""
import csv
import io
import json

import dash
import pytest
from plotly.io.json import to_json_plotly

pytestmark = pytest.mark.real_data

CONTROLS = {"measure": "e2sfca", "level": "lsoa11", "year": 2025, "weights": "age", "d0": 1600, "k": 4, "n": 5,
            "cut": 0.2, "scheme": "quantiles", "layers": ["persistent"]}


@pytest.fixture(scope="module")
def svc(dash_app, services):
    """The services, inside the app's request context (geometry URLs carry the app's prefix)."""
    return services


def sent(value) -> str:
    """What Dash would put on the wire for an output."""
    return to_json_plotly(value.to_plotly_json() if isinstance(value, dash.Patch) else value)


SERVER_VIEW = ["lsoa11", "age", 1600, 4, 5, 0.2, [], None]  # what assets/explore_view.js passes on


def test_first_render_is_a_full_figure_then_server_changes_are_patches_without_geometry(svc):
    from callbacks.explore import update_map
    figure, meta, paint, query = update_map(svc, SERVER_VIEW, CONTROLS, "", None, None)
    assert isinstance(figure, dict) and figure["data"][0]["locations"] == []  # the areas are painted, see mapfig
    assert paint["layer"].startswith("/geometry/lsoa11.geojson?v=") and meta["layer"] == paint["layer"]
    assert "names" not in paint  # they travel in the geometry
    assert paint["cube"] == f"/cube/{svc.version}/lsoa11/{{measure}}/age/1600/4-5/0.2.json"
    assert paint["hotspots"] == f"/hotspots/{svc.version}/{{measure}}/age/1600.json"
    slots = paint["slots"]
    assert len(paint["outlines"][slots["boroughs"]]["codes"]) == 33
    assert paint["outlines"][slots["persistent"]]["codes"] == []  # the browser takes them from the cube
    assert "Persistent poor provision" in sent(paint["legend"]["persistent"])
    assert figure["layout"]["title"]["text"] == "E2SFCA access · LSOA (2011) · FY2024/25"
    assert query.startswith("?level=lsoa11&measure=e2sfca&year=2025")
    for change in ({"weights": "age_imd"}, {"d0": 2400}, {"k": 3}, {"layers": ["practices", "pcn"]}):
        patch, meta, paint, _ = update_map(svc, SERVER_VIEW, {**CONTROLS, **change}, "", meta, None)
        wire = sent(patch) + sent(paint)
        assert isinstance(patch, dash.Patch) and isinstance(paint, dash.Patch)
        assert '"coordinates"' not in wire and len(wire) < 150_000, change
        assert "names" not in {op["location"][0] for op in paint.to_plotly_json()["operations"]}
        if "layers" not in change:  # the title and basis only: no trace data, so Plotly re-plots nothing
            assert {op["location"][0] for op in patch.to_plotly_json()["operations"]} == {"layout"}, change
    assert "d0 2,400 m" in sent(update_map(svc, SERVER_VIEW, {**CONTROLS, "d0": 2400}, "", meta, None)[0])


def test_a_new_level_or_pcn_year_redraws_the_figure(svc):
    from callbacks.explore import update_map
    _, meta, *_ = update_map(svc, SERVER_VIEW, CONTROLS, "", None, None)
    figure, borough_meta, paint, _ = update_map(svc, SERVER_VIEW, {**CONTROLS, "level": "borough"}, "", meta, None)
    assert isinstance(figure, dict) and borough_meta != meta
    assert "borough" in paint["layer"] and "/borough/" in paint["cube"]
    _, pcn_2025, *_ = update_map(svc, SERVER_VIEW, {**CONTROLS, "level": "pcn"}, "", borough_meta, None)
    figure, pcn_2024, *_ = update_map(svc, SERVER_VIEW, {**CONTROLS, "level": "pcn", "year": 2024}, "", pcn_2025, None)
    assert isinstance(figure, dict) and "pcn-2024" in pcn_2024["layer"]


def test_inconsistent_or_bad_inputs_degrade_to_a_valid_view(svc):
    from callbacks.explore import update_map
    figure, _, paint, query = update_map(svc, SERVER_VIEW, {**CONTROLS, "level": "pcn", "year": 2016, "k": 9,
                                                            "n": None}, "?level=nowhere&area=E01000001", None,
                                         {"area": "garbage"})
    assert "PCN catchment" in figure["layout"]["title"]["text"] and "FY2024/25" in figure["layout"]["title"]["text"]
    assert paint["outlines"][paint["slots"]["selected"]]["codes"] == []  # no selected outline for a bad code
    assert "year=2025" in query and "area=" not in query


def test_selection_changes_from_clicks_search_and_clear(svc):
    from callbacks.common import current_view
    from layout.explore_select import selection_change
    view = current_view(svc, "", CONTROLS)
    area_click = {"points": [{"curveNumber": 0, "location": "E01000001"}]}
    change = selection_change(svc, "explore-map", area_click, None, view)
    assert change["selection"] == {"area": "E01000001", "practice": None} and change["level"] == "lsoa11"
    assert change["patch"] is None and change["legend_hidden"] is False  # a click leaves the figure alone
    from layout.mapfig import SLOT
    outlines = {op["location"][1]: op["params"]["value"] for op in change["paint"].to_plotly_json()["operations"]}
    assert outlines == {str(SLOT["selected"]): ["E01000001"], str(SLOT["main_pcn"]): ["U07169"]}  # Shoreditch Park
    practice_click = {"points": [{"curveNumber": SLOT["practices"], "customdata": ["F83004", "Archway"]}]}
    assert selection_change(svc, "explore-map", practice_click, None, view)["selection"]["practice"] == "F83004"
    assert selection_change(svc, "explore-map", {"points": []}, None, view) is None
    assert selection_change(svc, "explore-clear", None, None, view)["selection"] == {"area": None, "practice": None}
    postcode = selection_change(svc, "explore-search", None, "postcode|SW1A1AA|", view)
    assert postcode["selection"]["area"] == "E01004736" and "SW1A 1AA" in postcode["message"]
    assert "map" in json.dumps(postcode["patch"].to_plotly_json())  # the camera moves there
    borough = selection_change(svc, "explore-search", None, "area|E09000007|borough", view)
    assert borough["level"] == "borough" and borough["selection"]["area"] == "E09000007"
    assert borough["paint"] is None  # the new level's map draws the outline
    assert selection_change(svc, "explore-search", None, "postcode|ZZ99ZZ|", view)["selection"] is None
    assert selection_change(svc, "explore-search", None, "bad", view)["message"] == "Not found in London."


def test_search_suggestions(svc):
    from callbacks.explore import search_suggestions
    labels = [option["label"] for option in search_suggestions(svc, "camden")]
    assert labels[0] == "Camden (Borough)"
    assert search_suggestions(svc, "sw1a 1aa") == [{"label": "SW1A 1AA (postcode)", "value": "postcode|SW1A1AA|"}]
    assert search_suggestions(svc, "F83004")[0]["value"] == "practice|F83004|"
    with pytest.raises(dash.exceptions.PreventUpdate):
        search_suggestions(svc, " ")


def panel_view(selection: dict, **controls) -> dict:
    """What assets/explore_view.js passes to the panel: the selection and every control, in NAMES order."""
    from callbacks.explore import NAMES
    return {"chosen": True, "selection": selection, "controls": [{**CONTROLS, **controls}[name] for name in NAMES]}


def test_panel_for_an_area_a_practice_and_nothing(svc):
    from callbacks.explore import panel
    text = json.dumps(panel(svc, panel_view({"area": "E09000007", "practice": None}, level="borough"), "")
                      .to_plotly_json(), default=str)
    assert "Camden" in text and "London rank" in text and "Practices serving its residents" in text
    text = json.dumps(panel(svc, panel_view({"area": None, "practice": "F83004"}), "").to_plotly_json(), default=str)
    assert "Archway Medical Centre" in text and "Open the practice page" in text
    cleared = panel(svc, panel_view({"area": None, "practice": None}) | {"chosen": False}, "")
    assert "Click an area" in json.dumps(cleared.to_plotly_json(), default=str)
    with pytest.raises(dash.exceptions.PreventUpdate):
        panel(svc, None, "")


def test_downloads_csv_and_geojson_content(svc):
    from callbacks.common import current_view
    from layout.explore_map import export_values, layer_properties, values_csv
    from layout.explore_panel import serving_csv
    from layout.geometry import layer_geojson
    view = current_view(svc, "", {**CONTROLS, "level": "borough"}, area="E09000007")
    content, layer = export_values(svc, view)
    rows = list(csv.DictReader(io.StringIO(values_csv(view, content))))
    assert list(rows[0])[:9] == ["area_code", "area_name", "level", "fy", "measure", "unit", "value", "rank", "class"]
    assert len(rows) == 33 and all(row["main_pcn_code"].startswith("U") for row in rows)
    camden = next(row for row in rows if row["area_code"] == "E09000007")
    assert camden["main_pcn_name"].endswith("PCN") and 0 < float(camden["main_pcn_share"]) < 1
    geojson = json.loads(layer_geojson(layer, layer_properties(view, content)))
    assert len(geojson["features"]) == 33 and geojson["features"][0]["properties"]["colour"].startswith("#")
    assert {"main_pcn_code", "main_pcn_name", "main_pcn_share"} <= set(geojson["features"][0]["properties"])
    assert serving_csv(svc, view).splitlines()[0].startswith("practice_code,practice_name")
