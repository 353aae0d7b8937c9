"""Browser end-to-end fixtures shared by every e2e test module: the real app on a free port and
one headless Debian Chromium (Playwright's sync API allows one instance per thread)."""
from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
REPO = Path(__file__).resolve().parent.parent
MAP = "#explore-map .js-plotly-plot"
# assets/explore_map.js counts its repaints (once MapLibre is idle) in the graph's data-painted attribute
PAINTED = ("() => { const gd = document.querySelector('#explore-map .js-plotly-plot'); "
           "return gd && gd.dataset.painted; }")
MAP_READY = f"""() => {{ const gd = document.querySelector('#explore-map .js-plotly-plot');
  return !!(({PAINTED})() && gd._fullLayout.map._subplot.map.queryRenderedFeatures().length > 0); }}"""


def wait_repainted(tab, before: str | None, timeout: int = 30_000) -> None:
    """Until the map has been repainted since `before` (the data-painted count read before the action)."""
    tab.wait_for_function(f"() => ({PAINTED})() !== {before!r}", timeout=timeout)


def png_colours(tab, png: bytes, points) -> list[str]:
    """Hex colours of a PNG at (x, y) pixels, decoded by the browser (no imaging library needed)."""
    return tab.evaluate("""async ([data, points]) => {
      const image = new Image(); image.src = 'data:image/png;base64,' + data; await image.decode();
      const canvas = document.createElement('canvas'); canvas.width = image.width; canvas.height = image.height;
      const context = canvas.getContext('2d'); context.drawImage(image, 0, 0);
      return points.map(([x, y]) => '#' + Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3))
        .map(v => v.toString(16).padStart(2, '0')).join('')); }""", [base64.b64encode(png).decode(), points])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(atlas, tmp_path_factory):
    """The app served by `python app.py` on a free port (stopped by its own pid at the end)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    with open(log, "w") as handle:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=handle,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"app exited: {log.read_text()[-2000:]}")
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("app did not start within 90 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install -y chromium chromium-driver)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    print(f"\nscreenshots: {folder}")


@pytest.fixture
def tab(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    new_tab = context.new_page()
    errors = []
    new_tab.on("pageerror", lambda exc: errors.append(f"{exc} at {exc.stack}"))
    yield new_tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


