"""App speed against the budgets in docs/ARCHITECTURE.md ("Budgets"): `python -m bench.app [--runs N]`.

Prints, each as the median of several runs with the ratio to a baseline measured in the same run:

1. start: `python app.py` (warm cache) until the first page is served; baseline = importing the libraries only.
2. first LSOA map bytes, as the browser receives them (gzip over the wire) and uncompressed: the
   geometry file plus the map callback's response; baseline = the same map with its geometry embedded
   in the figure (what a naive `dcc.Graph(figure=px.choropleth_map(...))` sends).
3. server time of a measure / year switch at LSOA level: the map callback plus serialisation of its
   outputs (figure Patch, paint Patch, legend), warm (memoised analytics) and cold (first request for that
   measure-year); baseline = building and serialising the full figure with embedded geometry.
4. click-to-repaint in headless Chromium, clocked in the page: from the input event (pointer down on the
   chosen measure, or a year key) until the frame with the new colours has been rasterised (assets/
   explore_map.js moves the graph's data-painted count on at MapLibre's `idle`; a 1-pixel readPixels then
   waits for the GPU); baseline = a level switch (new geometry). The same switches timed from Playwright
   are printed too: they add its own round trips (action, then polling the page).
5. the frame floor on this machine: `triggerRepaint` of the current map until MapLibre is idle and the
   GPU has finished the frame (a 1-pixel readPixels waits for it). With --disable-gpu WebGL is SwiftShader,
   so every frame is rasterised on the CPU and a repaint can never beat this.

Budgets: first LSOA map < 1 MB gz and < 4 MB raw; switch < 100 ms server, < 500 ms browser; start < 5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CONTROLS = {"measure": "e2sfca", "level": "lsoa11", "year": 2025, "weights": "age", "d0": 1600, "k": 4, "n": 5,
            "cut": 0.2, "scheme": "quantiles", "layers": ["persistent"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(name: str, values: list[float], unit: str, baseline: list[float] | None = None, budget: str = "") -> None:
    median = statistics.median(values)
    line = (f"{name:<58} median {median:>10,.1f} {unit:<3} "
            f"(n={len(values)}, min {min(values):,.1f}, max {max(values):,.1f})")
    if baseline:
        line += f"  baseline {statistics.median(baseline):,.1f} -> ratio {median / statistics.median(baseline):.3f}"
    print(line + (f"  [budget {budget}]" if budget else ""), flush=True)


def start_app(port: int) -> tuple[subprocess.Popen, float]:
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env={**os.environ, "PORT": str(port)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return process, time.perf_counter() - began
        except OSError:
            if process.poll() is not None or time.perf_counter() - began > 120:
                raise SystemExit("app did not start") from None
            time.sleep(0.05)


def bench_start(runs: int) -> None:
    times, baseline = [], []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c",
                        "import dash, dash_bootstrap_components, dash_ag_grid, plotly, geopandas"],
                       cwd=REPO, check=True)
        baseline.append(time.perf_counter() - began)
        process, seconds = start_app(free_port())
        times.append(seconds)
        process.terminate()
        process.wait(timeout=10)
    report("app start, warm cache, to first page served", times, "s", baseline, "< 5 s")


def bench_server(runs: int) -> None:
    import plotly.graph_objects as go
    from plotly.io.json import to_json_plotly

    from app import create_app
    from bench.harness import real_services
    from callbacks.explore import update_map

    services = real_services()
    app = create_app(services)
    with app.server.test_request_context("/"):
        _, meta, *_ = update_map(services, CONTROLS, "", None, None)

        def switch(controls) -> float:
            began = time.perf_counter()
            to_json_plotly(update_map(services, controls, "", meta, None))  # as Dash serialises a response
            return 1000 * (time.perf_counter() - began)

        measures = ["patients_per_gp_fte", "gp_fte_per_10k", "nearest_practice_m", "e2sfca"]
        years = [2024, 2023, 2022, 2021, 2020, 2019]
        cold = [switch({**CONTROLS, "measure": m, "year": y, "weights": "age_imd"})
                for m in measures for y in years[:2]]
        warm_measure = [switch({**CONTROLS, "measure": measures[i % 4]}) for i in range(runs * 4)]
        warm_year = [switch({**CONTROLS, "year": years[i % 6]}) for i in range(runs * 4)]

        table = services.tables.table("lsoa11", "e2sfca", 2025)
        geometry = json.loads(services.layers.of("lsoa11", 2025).body)
        naive = []
        for _ in range(max(2, runs // 2)):
            began = time.perf_counter()
            figure = go.Figure(go.Choroplethmap(geojson=geometry, locations=table["area_code"], z=table["value"]))
            figure.to_json()
            naive.append(1000 * (time.perf_counter() - began))
    report("switch server time, warm, measure (callback + response JSON)", warm_measure, "ms", naive, "< 100 ms")
    report("switch server time, warm, year", warm_year, "ms", naive, "< 100 ms")
    report("switch server time, cold (first time for measure-year)", cold, "ms", naive)


def bench_browser(runs: int) -> None:
    from playwright.sync_api import sync_playwright
    port = free_port()
    process, _ = start_app(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            sizes = {}

            def record(response):
                if "/geometry/" in response.url or "_dash-update-component" in response.url:
                    body = response.body()
                    if "/geometry/" in response.url or b"explore-map" in body[:200] and b'"figure"' in body[:400]:
                        sizes[response.url.split("?")[0] + str(len(sizes))] = (
                            response.request.sizes()["responseBodySize"], len(body))
            page.on("response", record)
            page.goto(url)
            page.wait_for_function(READY, timeout=60_000)
            page.remove_listener("response", record)
            wire = sum(size[0] for size in sizes.values())
            raw = sum(size[1] for size in sizes.values())
            geometry_raw = len(json.dumps(json.loads(urllib.request.urlopen(url + "geometry/lsoa11.geojson").read())))
            print(f"{'first LSOA map: bytes over the wire (gzip)':<58} {wire:>12,} B  [budget < 1,000,000]")
            print(f"{'first LSOA map: bytes uncompressed':<58} {raw:>12,} B  [budget < 4,000,000]  "
                  f"({len(sizes)} responses: geometry files + map callback)")
            naive_raw = geometry_raw + raw
            print(f"{'  baseline: geometry embedded in the figure JSON':<58} {naive_raw:>12,} B  "
                  f"-> ratio {raw / naive_raw:.3f} (and every switch would resend it)")

            page.evaluate(INPUT_TO_PIXELS)
            driven = []  # the same repaints timed from Playwright, automation round trips included

            def repaint(action) -> float:
                before = page.evaluate(PAINTED)
                began = time.perf_counter()
                action()
                page.wait_for_function(f"() => ({PAINTED})() !== {before!r}", timeout=30_000)
                driven.append(1000 * (time.perf_counter() - began))
                return page.evaluate(f"() => window.__pixels[({PAINTED})()]")

            def choose(measure):
                page.click("#explore-measure")
                page.get_by_role("option", name=measure, exact=True).click()

            labels = ["Patients per GP FTE", "GP FTE per 10,000", "Distance to nearest practice", "E2SFCA access"]
            for label in labels:  # first visit of each measure: analytics memoised afterwards
                repaint(lambda label=label: choose(label))
            measure_times = [repaint(lambda i=i: choose(labels[i % 4])) for i in range(runs * 2)]
            page.focus("#explore-year [role=slider]")
            year_times = [repaint(lambda i=i: page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight"))
                          for i in range(runs * 2)]
            frames = [page.evaluate(FRAME) for _ in range(runs * 2)]
            driven_switches = driven[len(labels):]
            level_times = []
            for i in range(max(2, runs // 2)):
                page.click("#explore-level")
                level_times.append(repaint(lambda i=i: page.get_by_role(
                    "option", name="Ward (2014, City merged)" if i % 2 == 0 else "LSOA (2011)", exact=True).click()))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    report("click-to-repaint, measure switch (headless Chromium)", measure_times, "ms", level_times, "< 500 ms")
    report("click-to-repaint, year switch", year_times, "ms", level_times, "< 500 ms")
    report("  the same switches timed from Playwright (+ its round trips)", driven_switches, "ms")
    report("frame floor: triggerRepaint -> idle -> GPU done, default view", frames, "ms")


PAINTED = ("() => { const gd = document.querySelector('#explore-map .js-plotly-plot'); "
           "return gd && gd.dataset.painted; }")
READY = f"""() => {{ const gd = document.querySelector('#explore-map .js-plotly-plot');
  return !!(({PAINTED})() && gd._fullLayout.map._subplot.map.queryRenderedFeatures().length > 0); }}"""
# Clock in the page: from the last input event (the key press, or the pointer going down on the chosen option)
# until the repainted frame's pixels exist: when data-painted moves on, a 1-pixel readPixels waits for the
# GPU (SwiftShader, on the CPU) to finish that frame. window.__pixels[painted count] = milliseconds.
INPUT_TO_PIXELS = """() => { const gd = document.querySelector('#explore-map .js-plotly-plot');
  window.__input = 0; window.__pixels = {};
  for (const type of ['keydown', 'pointerdown']) {
    document.addEventListener(type, () => { window.__input = performance.now(); }, true); }
  new MutationObserver(() => { const canvas = gd._fullLayout.map._subplot.map.getCanvas();
    const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    window.__pixels[gd.dataset.painted] = performance.now() - window.__input;
  }).observe(gd, {attributes: true, attributeFilter: ['data-painted']}); }"""
FRAME = """() => new Promise(done => {
  const m = document.querySelector('#explore-map .js-plotly-plot')._fullLayout.map._subplot.map;
  const gl = m.getCanvas().getContext('webgl2') || m.getCanvas().getContext('webgl');
  const began = performance.now();
  m.once('idle', () => {
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    done(performance.now() - began); });
  m.triggerRepaint(); })"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bench_start(max(3, args.runs // 2))
    bench_server(args.runs)
    bench_browser(args.runs)


if __name__ == "__main__":
    main()
