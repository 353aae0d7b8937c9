"""The atlas's partial plotly.js (tools/plotly_bundle, committed as vendor/plotly-atlas.min.js): served as an
immutable resource, loaded instead of Dash's full bundle, built from the plotly.js the installed Python plotly
ships (an upgrade without a rebuild fails here), and holding every trace type the figures use."""
from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from callbacks.serving import PLOTLY_BUNDLE
from data.config import REPO_ROOT
from tests.faults.test_http_cache import check_cacheable

BANNER = re.compile(r"^/\*! plotly\.js v(?P<version>\S+) .*; traces: (?P<traces>[a-z0-9, ]+) \*/")
TRACE_TYPES = {name.lower() for name in go.__all__
               if isinstance(getattr(go, name), type) and issubclass(getattr(go, name), BaseTraceType)}
TYPE_NAMED = re.compile(r"""["']type["']\s*:\s*["'](\w+)["']|\btype\s*[=:]\s*["'](\w+)["']|\bgo\.([A-Z]\w*)\(""")


def banner() -> re.Match:
    first_line = PLOTLY_BUNDLE.read_text(encoding="utf-8").split("\n", 1)[0]
    found = BANNER.match(first_line)
    assert found, f"no version and trace banner in {PLOTLY_BUNDLE.name}: rebuild it (tools/plotly_bundle)"
    return found


def trace_types_used() -> set[str]:
    """Trace type names written in the figure code (layout/, callbacks/) and the browser scripts (assets/)."""
    sources = [*(REPO_ROOT / "layout").rglob("*.py"), *(REPO_ROOT / "callbacks").rglob("*.py"),
               *(REPO_ROOT / "assets").glob("*.js")]
    names = {name.lower() for path in sources for match in TYPE_NAMED.finditer(path.read_text(encoding="utf-8"))
             for name in match.groups() if name}
    return names & TRACE_TYPES


def test_bundle_is_built_from_the_installed_plotly_js():
    assert banner()["version"] == get_plotlyjs_version(), (
        "the Python plotly package was upgraded: rebuild vendor/plotly-atlas.min.js (docs/ARCHITECTURE.md)")


def test_bundle_holds_every_trace_type_the_figures_use():
    used = trace_types_used()
    assert {"choroplethmap", "scattermap", "bar", "box", "heatmap", "scatter"} <= used  # the scan finds them
    assert used <= set(banner()["traces"].split(", "))


@pytest.mark.real_data
def test_bundle_is_an_immutable_resource_with_one_url(dash_app):
    client = dash_app.server.test_client()
    url = dash_app.config.external_scripts[0]
    assert url.startswith("/vendor/plotly-atlas.min.js?v=")
    assert check_cacheable(client, url) == PLOTLY_BUNDLE.read_bytes()
    path, version = url.split("?v=")
    assert [client.get(alias).status_code for alias in (path, f"{path}?v=0{version}", f"{url}&x=1")] == [404] * 3


@pytest.mark.real_data
def test_pages_load_the_bundle_instead_of_dashs(services):
    from app import create_app
    app = create_app(services)  # Dash adds its plotly.js again with each app made in this process: the last one
    client = app.server.test_client()
    url = app.config.external_scripts[0]
    page = client.get("/")
    scripts = re.findall(r'<script src="([^"]+)"', page.get_data(as_text=True))
    assert url in scripts and not [src for src in scripts if "plotly.min.js" in src or "/plotly/" in src]
    # before Dash's components, so that dcc.Graph finds window.Plotly and never loads plotly.js itself
    assert scripts.index(url) < min(i for i, src in enumerate(scripts) if "dash_core_components" in src)
    assert page.headers["Link"].startswith(f"<{url}>; rel=preload; as=script")
    assert client.get("/_dash-component-suites/plotly/package_data/plotly.min.js").status_code >= 400  # not served
