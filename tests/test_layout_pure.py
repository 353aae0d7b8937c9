"""Pure layout helpers: colour classes, CSV neutralisation, geometry serialisation, the map figure, its Patch,
the paint the browser colours areas with, and the legend."""
import gzip
import json
from urllib.parse import unquote

import geopandas as gpd
import mapclassify
import numpy as np
import plotly.graph_objects as go
import pytest
from shapely.geometry import Polygon, box

from geo.classes import CONTINUOUS_SHADES, jenks_breaks, quantile_bounds
from layout.classes import NO_DATA_COLOUR, YL_OR_RD, classify, shades
from layout.geometry import OVERVIEW_BELOW_ZOOM, first_geometry, geometry_url, layer_geojson, web_layer
from layout.mapfig import (
    OFFLINE_STYLE,
    SLOT,
    TRACES,
    basemap_style,
    map_figure,
    map_patch,
    outline_patch,
    paint_patch,
    paint_update,
    wrap,
)
from layout.maplegend import legend_head, outline_row, selected_row

# --------------------------------------------------------------------------- classes

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jenks_matches_mapclassify_fisher_jenks_exactly(seed):
    values = np.round(np.random.default_rng(seed).lognormal(size=80), 3)
    assert jenks_breaks(values, 5) == pytest.approx(mapclassify.FisherJenks(values, k=5).bins)


@pytest.mark.parametrize("k", [3, 5, 7])
@pytest.mark.parametrize("seed", [1, 2])
def test_quantile_bounds_equal_mapclassify_quantiles_bit_for_bit(seed, k):
    values = np.round(np.random.default_rng(seed).lognormal(size=97), 1)  # rounded: ties collapse classes
    assert quantile_bounds(values, k).tolist() == mapclassify.Quantiles(values, k=k).bins.tolist()
    assert quantile_bounds(np.array([1.0, 1, 1, 2]), 3).tolist() == [1.0, 2.0]


def test_jenks_by_hand_and_with_fewer_distinct_values_than_classes():
    assert jenks_breaks(np.array([1, 1, 2, 10, 11, 12, 50.0]), 3).tolist() == [2, 12, 50]
    assert jenks_breaks(np.array([4.0, 4.0, 7.0]), 5).tolist() == [4, 7]


def test_quantile_classes_put_the_poorest_in_the_darkest_red_whichever_end_is_poor():
    values = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan])
    low_is_poor = classify(values, "quantiles", "low", 1)
    high_is_poor = classify(values, "quantiles", "high", 1)
    assert low_is_poor.colours[0] == YL_OR_RD[-1] and low_is_poor.colours[9] == YL_OR_RD[0]
    assert high_is_poor.colours[0] == YL_OR_RD[0] and high_is_poor.colours[9] == YL_OR_RD[-1]
    assert low_is_poor.index[:4] == [0, 0, 1, 1] and low_is_poor.index[-1] == 5
    assert low_is_poor.palette[5] == NO_DATA_COLOUR and low_is_poor.missing == 1
    assert low_is_poor.colours[-1] == NO_DATA_COLOUR and low_is_poor.labels[-1] == "no data"
    assert low_is_poor.ticktext[0] == "1.0 – 2.8 (2)" and low_is_poor.ticktext[-1] == "no data (1)"
    assert low_is_poor.tickvals == [0, 1, 2, 3, 4, 5]
    assert (low_is_poor.zmin, low_is_poor.zmax) == (-0.5, 5.5)


def test_colorscale_gives_each_palette_position_its_own_flat_band():
    classing = classify(np.array([1.0, 2.0, 3.0]), "quantiles", "high", 0, k=3)
    assert classing.palette == (YL_OR_RD[0], YL_OR_RD[2], YL_OR_RD[4])
    assert classing.colorscale == [[0.0, YL_OR_RD[0]], [1 / 3, YL_OR_RD[0]], [1 / 3, YL_OR_RD[2]],
                                   [2 / 3, YL_OR_RD[2]], [2 / 3, YL_OR_RD[4]], [1.0, YL_OR_RD[4]]]


def test_shades_interpolate_the_stops_in_rgb():
    assert shades(["#000000", "#ffffff"], 3) == ["#000000", "#808080", "#ffffff"]
    assert shades(YL_OR_RD, 5) == list(YL_OR_RD)


def test_continuous_scale_clips_to_the_2nd_98th_percentiles_and_all_missing_is_safe():
    values = np.r_[np.arange(100.0), 10_000.0]
    scale = classify(values, "continuous", "high", 0)
    assert len(scale.palette) == CONTINUOUS_SHADES and scale.palette[0] == YL_OR_RD[0]
    assert scale.palette[-1] == YL_OR_RD[-1] and scale.index[-1] == CONTINUOUS_SHADES - 1  # the outlier clips
    assert scale.index[0] == 0 and 0 < scale.index[50] < CONTINUOUS_SHADES - 1
    assert scale.tickvals == [0.0, 15.75, 31.5, 47.25, 63.0] and scale.ticktext == ["2", "26", "50", "74", "98"]
    empty = classify(np.array([np.nan, np.nan]), "quantiles", "low", 0)
    assert empty.index == [0, 0] and empty.colours == [NO_DATA_COLOUR] * 2 and empty.ticktext == ["no data (2)"]
    with pytest.raises(ValueError):
        classify(values, "rainbow", "low", 0)


# --------------------------------------------------------------------------- geometry

@pytest.fixture
def squares():
    return gpd.GeoDataFrame({"area_code": ["A", "B", "C"], "area_name": ["Alpha", None, "Gamma"]},
                            geometry=[box(-0.123456789, 51.0, -0.1, 51.1), box(0, 51, 0.1, 51.1), Polygon()],
                            crs="EPSG:4326")


def test_web_layer_codes_and_names_5_decimals_and_no_empty_features(squares):
    layer = web_layer("test", squares)
    collection = json.loads(layer.body)
    assert layer.codes == ("A", "B")
    assert [f["properties"] for f in collection["features"]] == [{"code": "A", "name": "Alpha"},
                                                                 {"code": "B", "name": "B"}]  # no name: its code
    assert all(set(f) == {"type", "properties", "geometry"} for f in collection["features"])
    assert "-0.12346" in layer.body.decode() and "-0.123456" not in layer.body.decode()
    assert gzip.decompress(layer.gzipped) == layer.body
    assert geometry_url(layer, "/app/") == f"/app/geometry/test.geojson?v={layer.etag}"


def test_the_first_geometry_is_the_overview_below_its_zoom_where_a_level_has_one():
    assert first_geometry(URLS, 8.9) == URLS["overview"]
    assert first_geometry(URLS, OVERVIEW_BELOW_ZOOM) == URLS["layer"]
    assert first_geometry({**URLS, "overview": None}, 8.9) == URLS["layer"]


def test_layer_geojson_adds_properties_in_feature_order(squares):
    layer = web_layer("test", squares)
    text = layer_geojson(layer, [{"value": 1.5, "rank": 2}, {"value": float("nan"), "rank": None}])
    features = json.loads(text)["features"]
    assert features[0]["properties"] == {"value": 1.5, "rank": 2} and features[1]["properties"]["value"] is None


# --------------------------------------------------------------------------- map figure

URLS = {"layer": "/geometry/lsoa11.geojson?v=1", "lsoa": "/geometry/lsoa11.geojson?v=1",
        "borough": "/geometry/borough.geojson?v=2", "pcn": "/geometry/pcn-2025.geojson?v=3",
        "overview": "/geometry/lsoa11-overview.geojson?v=4"}


def test_map_figure_is_valid_plotly_and_names_geometry_only_by_url():
    updates = {"practices": {"marker.size": [5], "lat": [51.5], "lon": [0.1]}}
    figure = map_figure(URLS, updates, {"title": {"text": "T"}}, {"lat": 51.5, "lon": -0.1, "zoom": 10})
    go.Figure(figure)  # raises on any property Plotly does not know
    assert [trace["name"].split("</span> ")[-1] for trace in figure["data"][1:6]] == [
        "Borough boundaries", "PCN catchments", "Persistent poor provision", "Poor-provision cluster (Gi*)",
        "Good-provision cluster (Gi*)"]
    assert len(figure["data"]) == len(TRACES)
    assert all(isinstance(trace.get("geojson", ""), str) for trace in figure["data"])
    painted = [figure["data"][SLOT[name]] for name in ("choropleth", "boroughs", "persistent", "selected")]
    assert all(trace["visible"] is False and trace["locations"] == [] for trace in painted)  # templates only
    assert figure["data"][SLOT["choropleth"]]["geojson"] == URLS["layer"]
    assert figure["data"][SLOT["boroughs"]]["geojson"] == URLS["borough"]
    assert figure["data"][SLOT["practices"]]["marker"]["size"] == [5]
    assert figure["layout"]["map"]["zoom"] == 10 and figure["layout"]["uirevision"] == "explore"


def test_the_offline_style_is_a_string_so_plotly_compares_it_by_value():
    style = basemap_style()
    assert style.startswith("data:application/json,")
    assert json.loads(unquote(style.split(",", 1)[1])) == OFFLINE_STYLE


def test_map_patch_sends_only_the_updated_properties():
    patch = map_patch({"choropleth": {"z": [1, 2]}, "practices": {"marker.size": [3]}}, {"map.zoom": 12})
    operations = patch.to_plotly_json()["operations"]
    assert {(tuple(op["location"]), json.dumps(op["params"]["value"])) for op in operations} == {
        (("data", 0, "z"), "[1, 2]"), (("data", SLOT["practices"], "marker", "size"), "[3]"),
        (("layout", "map", "zoom"), "12")}
    assert "geojson" not in json.dumps(operations)


def paint_example():
    cubes = {"cube": "/cube/v/lsoa11/{measure}/age/1600/4-5/0.2.json",
             "hotspots": "/hotspots/v/{measure}/age/1600.json"}
    return paint_update(URLS, {"boroughs": ["E09000001"], "selected": ["B"]}, "lsoa11", cubes, {"selected": "row"})


def test_paint_names_geometry_cube_urls_and_the_outlines_the_server_decides_by_trace_slot():
    paint = paint_example()
    assert paint["layer"] == URLS["layer"] and paint["cube"].startswith("/cube/v/lsoa11/{measure}/")
    assert paint["outline"]["zoom"] == 10.5 and paint["legend"] == {"selected": "row"}
    assert paint["overview"] == {"url": URLS["overview"], "below": OVERVIEW_BELOW_ZOOM}
    assert paint_update({**URLS, "overview": None}, {}, "ward", {}, {})["overview"] is None
    assert paint["slots"]["persistent"] == str(SLOT["persistent"])
    assert paint["outlines"][str(SLOT["boroughs"])] == {"url": URLS["borough"], "codes": ["E09000001"]}
    assert paint["outlines"][str(SLOT["selected"])] == {"url": URLS["layer"], "codes": ["B"]}
    assert paint["outlines"][str(SLOT["persistent"])] == {"url": URLS["layer"], "codes": []}  # from the cube
    assert paint["outlines"][str(SLOT["poor_cluster"])] == {"url": URLS["lsoa"], "codes": []}
    assert paint["outlines"][str(SLOT["pcn"])] == {"url": URLS["pcn"], "codes": []}


def test_paint_patches_leave_the_names_alone_and_a_click_moves_one_outline():
    paint = paint_example()
    operations = paint_patch(paint).to_plotly_json()["operations"]
    assert {op["location"][0] for op in operations} == set(paint) and "names" not in paint
    (operation,) = outline_patch({"selected": ["A"]}).to_plotly_json()["operations"]
    assert (operation["location"] == ["outlines", str(SLOT["selected"]), "codes"]
            and operation["params"]["value"] == ["A"])


def legend_text(children) -> list[str]:
    """The legend's visible text, row by row, and [hidden] for rows a person does not see."""
    def walk(node):
        if isinstance(node, str):
            return node
        if isinstance(node, list):
            return " ".join(filter(None, (walk(child) for child in node)))
        text = walk(getattr(node, "children", None) or [])
        return f"[hidden] {text}" if getattr(node, "hidden", False) else text
    return [walk(child) for child in children]


def test_legend_lists_classes_highest_first_then_no_data_and_the_outlines_drawn():
    classing = classify(np.array([1.0, 2.0, 3.0, 4.0, np.nan]), "quantiles", "high", 0, k=2)
    title, unit, key = legend_text(legend_head(classing, "Measure", "units"))
    assert (title, unit) == ("Measure", "units")
    assert key == "2 – 4 (2) 1 – 2 (2) no data (1)"  # classes hold lower < v <= upper
    rows = legend_text([outline_row("persistent"), selected_row("sel", False)])
    assert rows == ["Persistent poor provision", "[hidden] Selected area its main PCN"]


def test_a_continuous_legend_is_a_ramp_with_its_ticks_placed_by_palette_position():
    classing = classify(np.arange(101.0), "continuous", "low", 0)
    key = legend_head(classing, "M", "u")[2]
    ramp, ticks = key.children[0].children
    assert ramp.style["background"].startswith(f"linear-gradient(to top, {YL_OR_RD[-1]}")
    assert [(tick.children, tick.style["bottom"]) for tick in ticks.children] == [
        ("2", "0.0%"), ("26", "25.0%"), ("50", "50.0%"), ("74", "75.0%"), ("98", "100.0%")]
    assert key.children[1].children == []  # no 'no data' row


def test_wrap_breaks_long_basis_lines_for_svg():
    assert wrap("aaaa; bbbb; cccc", 10) == "aaaa; bbbb;<br>cccc"
    assert wrap("short") == "short"
