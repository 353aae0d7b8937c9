"""App speed against the budgets in docs/ARCHITECTURE.md ("Budgets"): `python -m bench.app [--runs N]
[--baseline-dir CHECKOUT]`.

Prints medians of several runs, each beside a baseline measured in the same run:

1. start: `python app.py` (warm cache) until the first page is served; baseline = importing the libraries.
2. server: a measure switch is one GET of a measure cube (warm: in the worker's memo; cold: computed for new
   parameters, all years, every colour scheme); a year or colour-scheme switch asks the server nothing. Beside
   them, the map callback that still runs for a server-side change (d0), and issue 10's figures for today's
   path (the map callback for every switch: 88 ms measure, 112 ms year).
3. browser (headless Chromium, software WebGL), for this checkout and, with --baseline-dir, for another
   checkout's app run the same way (e.g. main before this work: today's path in the same run):
   * navigation to a painted LSOA map and to the borough map, fresh context (bench/first_paint.py);
   * first LSOA map bytes over the wire and uncompressed (page response, cube, geometry);
   * click-to-pixels of a measure and a year switch, clocked in the page: from the input event until the frame
     with the new colours is rasterised (data-painted moves on at MapLibre's idle; a 1-pixel readPixels waits
     for the GPU), beside the frame floor (triggerRepaint -> idle -> GPU done: no repaint can beat it);
   * the PNG export (camera button to file) and a Bids link carrying two bids to its painted map.

Budgets: start < 5 s; navigation to LSOA map <= 3 s and <= 1.5x the borough map; first map < 1 MB gz, < 4 MB raw;
measure switch <= 30 ms server, <= frame floor + 200 ms in the browser; year switch no server, <= frame floor +
100 ms; PNG <= 3 s; Bids link <= 3 s.
"""
from __future__ import annotations

import argparse
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
TODAY_SERVER_MS = {"measure": 88, "year": 112}  # issue 10: bench/app.py on main before the cube, warm, idle


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


def app_env(app_dir: Path, **extra) -> dict:
    """The environment to run the app of `app_dir` in: another checkout keeps its own derived cache (its data/
    code may differ, and a cache built by other code is rebuilt)."""
    env = {**os.environ, **extra}
    if app_dir.resolve() != REPO:
        env.pop("GP_ATLAS_CACHE", None)
    return env


def start_app(port: int, app_dir: Path = REPO) -> tuple[subprocess.Popen, float]:
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "app.py"], cwd=app_dir, env=app_env(app_dir, PORT=str(port)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return process, time.perf_counter() - began
        except OSError:
            if process.poll() is not None or time.perf_counter() - began > 120:
                raise SystemExit("app did not start") from None
            time.sleep(0.05)


def process_tree(pid: int) -> list[int]:
    """The process and its children (gunicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def wait_until_idle(pid: int, quiet_s: float = 3.0, give_up_s: float = 600.0) -> float:
    """Until the server (and its workers) used under 10% of a core for `quiet_s`: its warm-up in the background
    (geometry, the default parameters' cubes) is done. Returns the seconds waited."""
    def cpu_seconds() -> float:
        total = 0
        for member in process_tree(pid):
            try:
                fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")
    began = time.perf_counter()
    while time.perf_counter() - began < give_up_s:
        before = cpu_seconds()
        time.sleep(quiet_s)
        if cpu_seconds() - before < 0.1 * quiet_s:
            break
    return time.perf_counter() - began


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
    import tempfile

    from plotly.io.json import to_json_plotly

    from app import create_app
    from bench.harness import real_services
    from callbacks.explore import update_map
    from data.results import FileStore
    from geo.params import DEFAULT_PARAMS
    from layout.explore import server_view
    from layout.services import AtlasServices
    from layout.view import parse_view

    services = AtlasServices(real_services().atlas, store=FileStore(Path(tempfile.mkdtemp())))  # nothing shared
    app = create_app(services)
    client = app.server.test_client()
    gzip = {"Accept-Encoding": "gzip"}

    def get(path: str) -> float:
        began = time.perf_counter()
        response = client.get("/" + path, headers=gzip)
        elapsed = 1000 * (time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return elapsed

    measures = ["e2sfca", "patients_per_gp_fte", "gp_fte_per_10k", "nearest_practice_m"]
    cold = [get(services.cubes.template("lsoa11", DEFAULT_PARAMS.with_(d0=d0)).replace("{measure}", measure))
            for d0 in (2000.0, 2400.0) for measure in measures[:2]]
    warm = [get(services.cubes.template("lsoa11", DEFAULT_PARAMS).replace("{measure}", measures[i % 4]))
            for i in range(4 + runs * 4)][4:]
    with app.server.test_request_context("/"):
        view = parse_view("", services.view_options)
        _, meta, *_ = update_map(services, server_view(view), CONTROLS, "", None, None)

        def server_change(d0) -> float:
            began = time.perf_counter()
            to_json_plotly(update_map(services, server_view(view), {**CONTROLS, "d0": d0}, "", meta, None))
            return 1000 * (time.perf_counter() - began)
        callback = [server_change(1600 + 100 * (i % 2)) for i in range(runs * 2)]
    print(f"  (today's path, issue 10 on main: every switch ran the map callback: measure "
          f"{TODAY_SERVER_MS['measure']} ms, year {TODAY_SERVER_MS['year']} ms; a year switch now asks nothing)")
    report("measure switch, server: one cube GET, warm", warm, "ms", [TODAY_SERVER_MS["measure"]], "<= 30 ms")
    report("measure cube GET, cold (new d0: all years computed)", cold, "ms")
    report("map callback for a server-side change (d0), warm", callback, "ms")


def bench_browser(runs: int, app_dir: Path) -> dict[str, list[float]]:
    """Every browser figure for the app in `app_dir`, as lists of samples (ms, or bytes)."""
    from playwright.sync_api import sync_playwright

    from bench.first_paint import navigation_times
    port = free_port()
    process, _ = start_app(port, app_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_idle(process.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            lsoa, borough = navigation_times(browser, url, runs)
            results = {"navigation, LSOA map": lsoa, "navigation, borough map": borough,
                       **first_map_bytes(browser, url), **switches(browser, url, runs),
                       "PNG export, camera button to file": png_times(browser, url, runs),
                       "Bids link with 2 bids, to its painted map": bids_link_times(browser, url, runs)}
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    return results


def first_map_bytes(browser, url: str) -> dict[str, list[float]]:
    """What the first LSOA map moved, from the page's resource timing (each URL once, whoever fetched it first:
    the preload or the map script): the page's callback responses, geometry and cube."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_function(READY, timeout=90_000)
    wire, raw = page.evaluate(MAP_BYTES)
    context.close()
    return {"first LSOA map, bytes over the wire": [wire], "first LSOA map, bytes uncompressed": [raw]}


def switches(browser, url: str, runs: int) -> dict[str, list[float]]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_function(READY, timeout=90_000)
    page.evaluate(INPUT_TO_PIXELS)

    def repaint(action) -> float:
        before = page.evaluate(PAINTED)
        action()
        page.wait_for_function(f"() => ({PAINTED})() !== {before!r}", timeout=60_000)
        return page.evaluate(f"() => window.__pixels[({PAINTED})()]")

    def choose(measure):
        page.click("#explore-measure")
        page.get_by_role("option", name=measure, exact=True).click()

    labels = ["Patients per GP FTE", "GP FTE per 10,000", "Distance to nearest practice", "E2SFCA access"]
    for label in labels:  # first visit of each measure (its cube fetched, or its analytics computed)
        repaint(lambda label=label: choose(label))
    measure = [repaint(lambda i=i: choose(labels[i % 4])) for i in range(runs * 2)]
    page.focus("#explore-year [role=slider]")
    year = [repaint(lambda i=i: page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight"))
            for i in range(runs * 2)]
    floor = [page.evaluate(FRAME) for _ in range(runs * 2)]
    context.close()
    return {"measure switch, click to pixels": measure, "year switch, click to pixels": year,
            "frame floor (triggerRepaint -> idle -> GPU done)": floor}


def png_times(browser, url: str, runs: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_function(READY, timeout=90_000)
    times = []
    for _ in range(runs):
        box = page.locator(MAP).bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 60)
        began = time.perf_counter()
        with page.expect_download(timeout=120_000) as download:
            page.click(f'{MAP} .modebar-btn[data-title="Download plot as a PNG"]')
        download.value.path()
        times.append(1000 * (time.perf_counter() - began))
    context.close()
    return times


def bids_link_times(browser, url: str, runs: int) -> list[float]:
    from layout.bids.state import encode_bids
    rows = [{"label": "Site A", "postcode": "SE28 8RD", "added_gp_fte": "3"},
            {"label": "Site B", "easting": "532000", "northing": "181000", "added_gp_fte": "2"}]
    link = f"{url}/bids?year=2025&bids={encode_bids(rows)}"
    times = []
    for _ in range(runs + 1):  # the first computes the scenario on the server
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(link, wait_until="commit")
        times.append(page.wait_for_function(BIDS_READY, timeout=120_000, polling=20).json_value())
        context.close()
    return times[1:]


MAP = "#explore-map .js-plotly-plot"
PAINTED = f"() => {{ const gd = document.querySelector('{MAP}'); return gd && gd.dataset.painted; }}"
READY = f"""() => {{ const gd = document.querySelector('{MAP}');
  return !!(({PAINTED})() && gd._fullLayout.map._subplot.map.queryRenderedFeatures().length > 0); }}"""
# The Bids map's paint: its own mark (assets/bids_map.js marks 'atlas-bids-map-painted' when MapLibre is idle
# after drawing the areas); a checkout without the mark (an older one) is clocked when its map renders features.
BIDS_READY = """() => { const now = performance.now(); const gd = document.querySelector('#bids-map .js-plotly-plot');
  const mark = performance.getEntriesByName('atlas-bids-map-painted')[0];
  const ready = !!(gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
    && gd._fullLayout.map._subplot.map.loaded() && gd.data && gd.data[0].z && gd.data[0].z.some(v => v)
    && gd._fullLayout.map._subplot.map.queryRenderedFeatures().length > 0);
  return ready ? (mark ? mark.startTime : now) : false; }"""
MAP_BYTES = r"""() => { const seen = new Map();
  performance.getEntriesByType('resource').filter(e => /\/geometry\/|\/cube\/|_dash-update-component/.test(e.name))
    .forEach(e => { if (!seen.has(e.name) || e.transferSize) {
      seen.set(e.name, [e.encodedBodySize, e.decodedBodySize]); } });
  return [...seen.values()].reduce((sum, [w, r]) => [sum[0] + w, sum[1] + r], [0, 0]); }"""
# Clock in the page: from the last input event (the key press, or the pointer going down on the chosen option)
# until the repainted frame's pixels exist: when data-painted moves on, a 1-pixel readPixels waits for the
# GPU (SwiftShader, on the CPU) to finish that frame. window.__pixels[painted count] = milliseconds.
INPUT_TO_PIXELS = f"""() => {{ const gd = document.querySelector('{MAP}');
  window.__input = 0; window.__pixels = {{}};
  for (const type of ['keydown', 'pointerdown']) {{
    document.addEventListener(type, () => {{ window.__input = performance.now(); }}, true); }}
  new MutationObserver(() => {{ const canvas = gd._fullLayout.map._subplot.map.getCanvas();
    const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    window.__pixels[gd.dataset.painted] = performance.now() - window.__input;
  }}).observe(gd, {{attributes: true, attributeFilter: ['data-painted']}}); }}"""
FRAME = f"""() => new Promise(done => {{
  const m = document.querySelector('{MAP}')._fullLayout.map._subplot.map;
  const gl = m.getCanvas().getContext('webgl2') || m.getCanvas().getContext('webgl');
  const began = performance.now();
  m.once('idle', () => {{
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    done(performance.now() - began); }});
  m.triggerRepaint(); }})"""
BUDGETS = {"navigation, LSOA map": "<= 3,000 ms and <= 1.5x borough", "first LSOA map, bytes over the wire":
           "< 1,000,000 B", "first LSOA map, bytes uncompressed": "< 4,000,000 B", "PNG export, camera button to "
           "file": "<= 3,000 ms", "Bids link with 2 bids, to its painted map": "<= 3,000 ms"}


def print_browser(results: dict, baseline: dict | None) -> None:
    for name, values in results.items():
        unit = "B" if "bytes" in name else "ms"
        report(name, values, unit, (baseline or {}).get(name), BUDGETS.get(name, ""))
    ratio = statistics.median(results["navigation, LSOA map"]) / statistics.median(results["navigation, borough map"])
    floor = statistics.median(results["frame floor (triggerRepaint -> idle -> GPU done)"])
    print(f"{'  LSOA / borough navigation':<58} ratio {ratio:.2f}  [budget <= 1.5]")
    for name, allowance in (("measure switch, click to pixels", 200), ("year switch, click to pixels", 100)):
        over = statistics.median(results[name]) - floor
        print(f"{'  ' + name + ' minus frame floor':<58} {over:>10,.0f} ms  [budget <= {allowance} ms]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-dir", type=Path, help="another checkout (e.g. main) measured the same way")
    parser.add_argument("--only", choices=["start", "server", "browser"], help="one part only")
    args = parser.parse_args()
    if args.only in (None, "start"):
        bench_start(max(3, args.runs // 2))
    if args.only in (None, "server"):
        bench_server(args.runs)
    if args.only in (None, "browser"):
        baseline = bench_browser(args.runs, args.baseline_dir) if args.baseline_dir else None
        if baseline:
            print(f"baseline: {args.baseline_dir}")
        print_browser(bench_browser(args.runs, REPO), baseline)


if __name__ == "__main__":
    main()
