"""Router, trends and practice callbacks, and the app's serving rules (CSP, geometry files, missing data)."""
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely

from callbacks.headers import frame_ancestors
from layout.pages import PAGES, Page, page_for

REPO = Path(__file__).resolve().parent.parent


def test_page_registry_routes_and_the_bids_extension_point():
    assert page_for("/").path == "/" and page_for("/trends/").path == "/trends" and page_for("/nope") is None
    extra = PAGES + (Page("/extra", "Extra", "layout.about"),)
    assert page_for("/extra", extra).label == "Extra"


@pytest.mark.parametrize("configured, header", [
    (None, "frame-ancestors 'self'"),
    ("'self' https://intranet.nhs.uk", "frame-ancestors 'self' https://intranet.nhs.uk"),
    ("https://a.example, https://*.b.example", "frame-ancestors https://a.example https://*.b.example"),
    ("https://x.example; script-src *", "frame-ancestors 'self'"),   # header injection attempt dropped
])
def test_frame_ancestors(configured, header):
    assert frame_ancestors(configured) == header


@pytest.mark.real_data
class TestWithTheApp:
    @pytest.fixture(scope="class")
    def app(self, dash_app):
        return dash_app

    def test_router_renders_pages_embeds_and_unknown_paths(self, app, services):
        from layout.shell import route

        def render_page(path, search):
            return route(services, {}, path, search)
        content, navbar, footer, shell = render_page("/trends", "?level=borough&embed=1")
        assert navbar == footer == {"display": "none"} and shell == "embed"
        assert "trends-chart" in json.dumps(content.to_plotly_json(), default=str)
        content, navbar, _, shell = render_page("/nowhere", "")
        assert "Page not found" in json.dumps(content.to_plotly_json(), default=str) and navbar == {}
        assert render_page("/", "?print=1")[3] == "print-mode"
        assert "Data-quality report" in json.dumps(render_page("/about", "")[0].to_plotly_json(), default=str)

    def test_trends_table_chart_and_csv(self, app, services):
        from callbacks.common import current_view
        from layout.trends import rows_csv, trends_content
        controls = {"measure": "nearest_practice_m", "level": "borough", "year": 2025, "weights": "age",
                    "d0": 1600, "k": 4, "n": 5, "cut": 0.2}
        rows, columns, figure, footnote = trends_content(services, current_view(services, "", controls))
        assert len(rows) == 33 and sorted(r["rank"] for r in rows) == list(range(1, 34))
        assert {r["persistence_class"] for r in rows} <= {"persistent", "intermittent", "never", "insufficient data"}
        assert figure["data"][0]["type"] == "box" and len(figure["data"][0]["q1"]) == 11
        assert ("Persistent = in the poorest 20% of areas in at least 4 of the last 5 years with data "
                "(FY2020/21–FY2024/25)") in footnote
        csv = rows_csv(services, [{"area_name": "=evil()", "value": -1.5}], current_view(services, "", controls))
        assert "'=evil()" in csv and ",-1.5," in csv and "metres (straight line)" in csv
        short_controls = {**controls, "level": "pcn", "n": 6, "k": 6, "year": 2021}
        short = trends_content(services, current_view(services, "", short_controls))
        assert "(FY2019/20–FY2020/21, only 2 so far: areas with fewer than 6 are 'insufficient data')" in short[3]
        assert {row["persistence_class"] for row in short[0]} == {"insufficient data"}

    def test_practice_choice_updates_content_and_url(self, app, services):
        from callbacks.practice import choose
        content, query = choose(services, "F83004", "?level=ward&year=2024")
        assert "practice=F83004" in query and "level=ward" in query
        assert "Archway Medical Centre" in json.dumps(content.to_plotly_json(), default=str)
        content, query = choose(services, None, "")
        assert "Choose a practice" in json.dumps(content.to_plotly_json(), default=str)

    def test_geometry_is_served_gzipped_once_with_cache_headers_and_csp_on_every_page(self, app, services):
        client = app.server.test_client()
        response = client.get(services.layers.url("lsoa11", 2025), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]
        assert len(json.loads(gzip.decompress(response.data))["features"]) == 4835
        assert client.get("/geometry/pcn-1999.geojson").status_code == 404
        assert client.get("/geometry/nothing.geojson").status_code == 404
        assert client.get("/geometry/ward-overview.geojson").status_code == 404  # no overview for wards

    def test_the_lsoa_overview_has_every_area_in_order_with_fewer_vertices_and_opens_the_london_map(self, app,
                                                                                                   services):
        full, overview = services.layers.of("lsoa11", 2025), services.layers.named("lsoa11-overview")
        assert overview.codes == full.codes
        named = {f["properties"]["code"]: f["properties"]["name"] for f in json.loads(overview.body)["features"]}
        assert named["E01000001"] == "City of London 001A" and len(named) == 4835
        pcn = json.loads(services.layers.of("pcn", 2025).body)["features"][0]["properties"]
        assert pcn["name"] == services.tables.area_names("pcn")[pcn["code"]]  # named as the PCN's other views name it

        def vertices(layer):
            return int(shapely.get_num_coordinates(shapely.from_geojson(list(layer.geometries))).sum())
        assert vertices(overview) < 0.6 * vertices(full)
        urls = services.layers.urls("lsoa11", 2025)
        assert urls["overview"].startswith("/geometry/lsoa11-overview.geojson?v=")
        assert services.layers.urls("ward", 2025)["overview"] is None
        client = app.server.test_client()
        assert client.get(urls["overview"]).status_code == 200
        london, zoomed_in = client.get("/").headers["Link"], client.get("/?zoom=11").headers["Link"]
        assert urls["overview"] in london and urls["layer"] not in london
        assert urls["layer"] in zoomed_in and urls["overview"] not in zoomed_in
        chunk = "/_dash-component-suites/dash/dcc/async-graph.js"  # dcc.Graph's, fetched with the page
        assert f"<{chunk}>; rel=preload; as=script" in london and client.get(chunk).status_code == 200
        grid_chunk = "/_dash-component-suites/dash_ag_grid/async-community.js"  # the Bids page's ranked grid
        assert f"<{grid_chunk}>" in client.get("/bids").headers["Link"] and grid_chunk not in london
        assert client.get(grid_chunk).status_code == 200
        page = client.get("/", headers={"Accept-Encoding": "gzip"})
        assert page.headers["Content-Security-Policy"].endswith("; frame-ancestors 'self'")


def test_missing_data_shows_a_message_not_a_traceback(tmp_path):
    env = {**os.environ, "GP_ATLAS_DATA": str(tmp_path / "nowhere"), "GP_ATLAS_CACHE": str(tmp_path / "cache")}
    code = ("from app import app; c = app.server.test_client(); r = c.get('/_dash-layout'); "
            "print(r.status_code, r.get_data(as_text=True))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.startswith("200") and "The atlas cannot load its data" in result.stdout
    assert "GP_ATLAS_DATA" in result.stdout and "Traceback" not in result.stdout + result.stderr
