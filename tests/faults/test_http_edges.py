"""HTTP edges: the security headers on every kind of response, a policy that allows exactly the inline script
the page holds, and error pages that never show where the server keeps its files."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dash import Dash, html

from callbacks.headers import REFERRER_POLICY, add_security_headers, content_security_policy
from data.errors import DataFileError, PlausibilityError
from layout.error_pages import data_error_page, without_server_paths

REPO = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", re.S)


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def inline_script_hashes(page: str) -> set[str]:
    """The CSP hash of every executable inline <script> of a page (HTML comments left out, as browsers do)."""
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)
    return {"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            for body in INLINE_SCRIPT.findall(page)}


def tiny_app() -> Dash:
    app = Dash(__name__)
    app.layout = html.Div("tiny")
    app.server.add_url_rule("/boom", "boom", lambda: 1 / 0)
    add_security_headers(app)
    return app


@pytest.mark.real_data
def test_every_kind_of_response_carries_the_headers(dash_app):
    client = dash_app.server.test_client()
    responses = {path: client.get(path) for path in ("/", "/trends?level=borough", "/_dash-layout",
                                                     "/_dash-dependencies", "/assets/atlas.css",
                                                     "/geometry/borough.geojson", "/geometry/nope.geojson")}
    responses["callback 400"] = client.post("/_dash-update-component", json=[1])
    assert responses["/geometry/nope.geojson"].status_code == 404
    assert responses["callback 400"].status_code == 400
    for name, response in responses.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == REFERRER_POLICY, name
        assert response.headers["Content-Security-Policy"] == responses["/"].headers["Content-Security-Policy"]


@pytest.mark.real_data
def test_the_policy_allows_exactly_the_inline_scripts_the_page_holds_and_nothing_looser(dash_app):
    page = dash_app.server.test_client().get("/")
    policy = directives(page.headers["Content-Security-Policy"])
    hashes = inline_script_hashes(page.get_data(as_text=True))
    assert hashes and set(policy["script-src"]) == {"'self'"} | hashes  # Dash's renderer start, by hash
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["worker-src"] == ["blob:"]
    loose = {"'unsafe-eval'", "*", "https:", "http:"}
    assert not any(loose & set(sources) for sources in policy.values())
    assert "'unsafe-inline'" not in policy["script-src"]


def test_a_server_error_carries_the_headers_too():
    response = tiny_app().server.test_client().get("/boom")
    assert response.status_code == 500 and response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_frame_ancestors_and_a_street_basemap_reach_the_policy(monkeypatch):
    monkeypatch.setenv("GP_ATLAS_FRAME_ANCESTORS", "https://intranet.nhs.uk")
    monkeypatch.setenv("GP_ATLAS_BASEMAP", "carto-positron")
    policy = directives(tiny_app().server.test_client().get("/").headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["https://intranet.nhs.uk"]
    assert "https:" in policy["connect-src"] and "https:" in policy["img-src"]
    assert "https:" not in policy["script-src"]


def test_content_security_policy_is_one_header_of_plain_directives():
    policy = content_security_policy(["'sha256-abc='"], "frame-ancestors 'self'")
    assert "\n" not in policy and directives(policy)["script-src"] == ["'self'", "'sha256-abc='"]


# ------------------------------------------------------------------ error pages

@pytest.mark.parametrize("text, shown", [
    ("/srv/atlas/data: data directory not found; set X", "data: data directory not found; set X"),
    ("/srv/atlas/data/practices/epraccur.csv: truncated", "epraccur.csv: truncated"),
    ("cache unreadable (/var/cache/atlas/manifest.json: bad)", "cache unreadable (manifest.json: bad)"),
    (r"C:\atlas\data\x.csv: bad", "x.csv: bad"),
    ("practices/epraccur.csv: 3 rows; patients/GP FTE", "practices/epraccur.csv: 3 rows; patients/GP FTE"),
])
def test_without_server_paths(text, shown):
    assert without_server_paths(text) == shown


def test_the_data_error_page_names_the_file_not_the_folder():
    page = json.dumps(data_error_page(DataFileError("/srv/secret/data/practices/epraccur.csv", "truncated"))
                      .to_plotly_json(), default=str)
    assert "epraccur.csv: truncated" in page and "/srv/secret" not in page and "server log" in page


def test_a_missing_data_folder_shows_no_server_path(tmp_path):
    hidden = tmp_path / "srv-secret-place"
    env = {**os.environ, "GP_ATLAS_DATA": str(hidden / "data"), "GP_ATLAS_CACHE": str(tmp_path / "cache")}
    code = ("from app import app; c = app.server.test_client(); "
            "print(c.get('/_dash-layout').get_data(as_text=True)); print(c.get('/').headers)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=120)
    assert "The atlas cannot load its data" in result.stdout and "Traceback" not in result.stdout + result.stderr
    assert "srv-secret-place" not in result.stdout and "srv-secret-place" in result.stderr  # the log has it
    assert "X-Content-Type-Options: nosniff" in result.stdout


@pytest.mark.real_data
def test_every_page_registers_its_callbacks(services):
    """A page whose callbacks fail to import is shown as unavailable and only logged: a moved name (say, a
    function imported from another module) must fail here rather than in a person's browser."""
    from callbacks import register_callbacks
    assert register_callbacks(Dash(__name__), services) == {}


def test_a_plausibility_failure_page_says_how_to_accept_it_without_server_paths():
    error = PlausibilityError("/srv/secret/data/practices/heec_workforce.csv", "london-gp-fte",
                              "plausibility check london-gp-fte failed: -54.1% against FY2023/24")
    page = json.dumps(data_error_page(error.within(Path("/srv/secret/data"))).to_plotly_json(), default=str)
    assert "python -m data.build --accept practices/heec_workforce.csv:london-gp-fte" in page
    assert "/srv/secret" not in page and "GP_ATLAS_DATA" not in page


def test_other_data_errors_keep_the_data_folder_advice():
    page = json.dumps(data_error_page(DataFileError("/srv/secret/data/x.csv", "missing")).to_plotly_json(),
                      default=str)
    assert "GP_ATLAS_DATA" in page and "--accept" not in page
