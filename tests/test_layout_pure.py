"""Pure layout helpers: colour classes, CSV neutralisation, geometry serialisation, the map figure and its Patch."""
import gzip
import json

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from shapely.geometry import Polygon, box

from layout.classes import NO_DATA_COLOUR, YL_OR_RD, classify, jenks_breaks
from layout.geometry import geometry_url, layer_geojson, web_layer
from layout.mapfig import SLOT, TRACES, map_figure, map_patch, outline_update, wrap
from layout.tables import neutralise_cell, safe_csv


# --------------------------------------------------------------------------- classes

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jenks_matches_mapclassify_fisher_jenks_exactly(seed):
    values = np.round(np.random.default_rng(seed).lognormal(size=80), 3)
    assert jenks_breaks(values, 5) == pytest.approx(mapclassify.FisherJenks(values, k=5).bins)


def test_jenks_by_hand_and_with_fewer_distinct_values_than_classes():
    assert jenks_breaks(np.array([1, 1, 2, 10, 11, 12, 50.0]), 3).tolist() == [2, 12, 50]
    assert jenks_breaks(np.array([4.0, 4.0, 7.0]), 5).tolist() == [4, 7]


def test_quantile_classes_put_the_poorest_in_the_darkest_red_whichever_end_is_poor():
    values = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan])
    low_is_poor = classify(values, "quantiles", "low", 1)
    high_is_poor = classify(values, "quantiles", "high", 1)
    assert low_is_poor.colours[0] == YL_OR_RD[-1] and low_is_poor.colours[9] == YL_OR_RD[0]
    assert high_is_poor.colours[0] == YL_OR_RD[0] and high_is_poor.colours[9] == YL_OR_RD[-1]
    assert low_is_poor.z[:4] == [0, 0, 1, 1] and low_is_poor.z[-1] is None
    assert low_is_poor.colours[-1] == NO_DATA_COLOUR and low_is_poor.labels[-1] == "no data"
    assert low_is_poor.ticktext[0] == "1.0 – 2.8 (2)" and len(low_is_poor.ticktext) == 5
    assert (low_is_poor.zmin, low_is_poor.zmax) == (-0.5, 4.5)


def test_continuous_scale_clips_to_the_2nd_98th_percentiles_and_all_missing_is_safe():
    values = np.r_[np.arange(100.0), 10_000.0]
    scale = classify(values, "continuous", "high", 0)
    assert scale.zmax < 100 and scale.z[-1] == 10_000.0
    empty = classify(np.array([np.nan, np.nan]), "quantiles", "low", 0)
    assert empty.z == [None, None] and empty.colours == [NO_DATA_COLOUR] * 2
    with pytest.raises(ValueError):
        classify(values, "rainbow", "low", 0)


# --------------------------------------------------------------------------- CSV

@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+44 20", "'+44 20"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\r=1", "'\r=1"), ("Camden", "Camden"), ("", ""),
    (-0.5, -0.5), (None, None)])
def test_neutralise_cell(cell, safe):
    assert neutralise_cell(cell) == safe


def test_safe_csv_neutralises_text_and_headers_but_keeps_numbers():
    frame = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "Barnet"], "change": [-0.5, 1.25], "=x": ["a", "b"]})
    rows = safe_csv(frame).splitlines()
    assert rows[0] == "name,change,'=x"
    assert rows[1] == "'=cmd|' /C calc'!A0,-0.5,a" and rows[2] == "Barnet,1.25,b"


# --------------------------------------------------------------------------- geometry

@pytest.fixture
def squares():
    return gpd.GeoDataFrame({"area_code": ["A", "B", "C"]},
                            geometry=[box(-0.123456789, 51.0, -0.1, 51.1), box(0, 51, 0.1, 51.1), Polygon()],
                            crs="EPSG:4326")


def test_web_layer_ids_without_properties_5_decimals_and_no_empty_features(squares):
    layer = web_layer("test", squares)
    collection = json.loads(layer.body)
    assert layer.codes == ("A", "B") and [f["id"] for f in collection["features"]] == ["A", "B"]
    assert all(set(f) == {"type", "id", "geometry"} for f in collection["features"])
    assert "-0.12346" in layer.body.decode() and "-0.123456" not in layer.body.decode()
    assert gzip.decompress(layer.gzipped) == layer.body
    assert geometry_url(layer, "/app/") == f"/app/geometry/test.geojson?v={layer.etag}"


def test_layer_geojson_adds_properties_in_feature_order(squares):
    layer = web_layer("test", squares)
    text = layer_geojson(layer, [{"value": 1.5, "rank": 2}, {"value": float("nan"), "rank": None}])
    features = json.loads(text)["features"]
    assert features[0]["properties"] == {"value": 1.5, "rank": 2} and features[1]["properties"]["value"] is None


# --------------------------------------------------------------------------- map figure

URLS = {"layer": "/geometry/lsoa11.geojson?v=1", "lsoa": "/geometry/lsoa11.geojson?v=1",
        "borough": "/geometry/borough.geojson?v=2", "pcn": "/geometry/pcn-2025.geojson?v=3"}


def test_map_figure_is_valid_plotly_and_names_geometry_only_by_url():
    updates = {"choropleth": {"z": [0, 1], "colorscale": [[0, "#fff"], [1, "#000"]], "customdata": [["1", "1"]] * 2},
               "persistent": outline_update(["A"]), "practices": {"marker.size": [5], "lat": [51.5], "lon": [0.1]}}
    figure = map_figure(URLS, ["A", "B"], ["Area A", "Area B"], updates, {"title": {"text": "T"}}, ["E09000001"],
                        {"lat": 51.5, "lon": -0.1, "zoom": 10})
    go.Figure(figure)  # raises on any property Plotly does not know
    assert [trace["name"].split("</span> ")[-1] for trace in figure["data"][1:6]] == [
        "Borough boundaries", "PCN catchments", "Persistent poor provision", "Poor-provision cluster (Gi*)",
        "Good-provision cluster (Gi*)"]
    assert len(figure["data"]) == len(TRACES)
    assert all(isinstance(trace.get("geojson", ""), str) for trace in figure["data"])
    assert figure["data"][SLOT["practices"]]["marker"]["size"] == [5]
    assert figure["data"][SLOT["persistent"]]["visible"] is True
    assert figure["layout"]["map"]["zoom"] == 10 and figure["layout"]["uirevision"] == "explore"


def test_map_patch_sends_only_the_updated_properties():
    patch = map_patch({"choropleth": {"z": [1, 2]}, "practices": {"marker.size": [3]}}, {"map.zoom": 12})
    operations = patch.to_plotly_json()["operations"]
    assert {(tuple(op["location"]), json.dumps(op["params"]["value"])) for op in operations} == {
        (("data", 0, "z"), "[1, 2]"), (("data", SLOT["practices"], "marker", "size"), "[3]"),
        (("layout", "map", "zoom"), "12")}
    assert "geojson" not in json.dumps(operations)


def test_outline_update_hides_an_empty_or_switched_off_overlay():
    assert outline_update([]) == {"locations": [], "z": [], "visible": False}
    assert outline_update(["A"], visible=False)["locations"] == []
    assert outline_update(["A"], url="/x")["geojson"] == "/x"


def test_wrap_breaks_long_basis_lines_for_svg():
    assert wrap("aaaa; bbbb; cccc", 10) == "aaaa; bbbb;<br>cccc"
    assert wrap("short") == "short"
