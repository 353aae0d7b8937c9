"""Load: `python -m bench.load [--users 50] [--seconds 60] [--workers 4] [--baseline-dir CHECKOUT]`.

Starts `gunicorn app:server` with 4 workers on 127.0.0.1 (a free port), then 50 simulated users (threads, one
HTTP session each) browse the Explore page for a bounded time, each sending exactly the requests a browser
sends: the page, its first response (which carries the first map), the geometry and measure cube it names,
then a loop of interactions (measure, year twice as often, need weighting, level, colour scheme, a map click)
with 0.3-1.5 s of thinking between them. A browser caches every immutable GET (geometry, cubes), so a user
fetches each once; a year or colour-scheme switch sends nothing; a weighting or level switch calls the map
callback; a click selects (and then every switch also redraws the side panel). Payloads are built from the
app's own `/_dash-dependencies`, as the browser builds them.

With --baseline-dir, the other checkout's app (e.g. main before the cube: today's path) is driven first by
the same users with the same choices and think times, speaking its own protocol (a map callback, panel and URL
sync per interaction, as its browser did), so both throughputs come from one run on one machine.

Reports requests served, interactions completed per second, errors (must be 0), p50/p95/max latency per
request kind, and the leak check: every response must describe the view its own request asked for (map title,
canonical query, cube, panel area), so a user's view can never come from another user's inputs.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.app import app_env, free_port, wait_until_idle  # noqa: E402

MEASURES = {"e2sfca": "E2SFCA access", "gp_fte_per_10k": "GP FTE per 10,000",
            "patients_per_gp_fte": "Patients per GP FTE", "nearest_practice_m": "Distance to nearest practice"}
LEVELS = {"lsoa11": "LSOA (2011)", "msoa11": "MSOA (2011)", "ward": "Ward (2014, City merged)", "borough": "Borough"}
AREAS = {"lsoa11": "E01000001", "msoa11": "E02000001", "ward": "E05000026", "borough": "E09000007"}
YEARS = list(range(2016, 2026))
NAMES = ("measure", "level", "year", "weights", "d0", "k", "n", "cut", "scheme", "layers")  # callbacks/explore.py


class Callbacks:
    """Payload builder from /_dash-dependencies (output strings carry Dash's allow_duplicate hashes)."""

    def __init__(self, url: str):
        self.specs = requests.get(url + "/_dash-dependencies", timeout=30).json()

    def has(self, output_part: str) -> bool:
        return any(output_part in spec["output"] for spec in self.specs)

    def _spec(self, output_part: str) -> dict:
        return next(spec for spec in self.specs if output_part in spec["output"])

    def payload(self, output_part: str, values: dict, changed: list[str]) -> dict:
        spec = self._spec(output_part)
        output = spec["output"]
        outputs = [{"id": o.split(".")[0], "property": o.split(".", 1)[1]}
                   for o in output.strip(".").split("...")] if output.startswith("..") else \
            {"id": output.split(".")[0], "property": output.split(".", 1)[1]}

        def items(kind):
            return [{"id": item["id"], "property": item["property"],
                     "value": values.get(f"{item['id']}.{item['property']}")}
                    for item in spec[kind]]
        return {"output": output, "outputs": outputs, "inputs": items("inputs"), "state": items("state"),
                "changedPropIds": changed}


def title(view: dict) -> str:
    return f"{MEASURES[view['measure']]} · {LEVELS[view['level']]} · FY{view['year'] - 1}/{str(view['year'])[-2:]}"


class User(threading.Thread):
    """One browser on the Explore page; `interact` is what its protocol sends for a change."""

    def __init__(self, number: int, url: str, callbacks: Callbacks, until: float, stats):
        super().__init__(daemon=True)
        self.random = random.Random(number)
        self.url, self.callbacks, self.until, self.stats = url, callbacks, until, stats
        self.session = requests.Session()
        self.session.headers["Accept-Encoding"] = "gzip"
        self.view = {"measure": "e2sfca", "level": "lsoa11", "year": 2025, "weights": "age", "scheme": "quantiles"}
        self.base, self.meta, self.area = "", None, None

    def controls(self) -> dict:
        v = self.view
        return {"measure": v["measure"], "level": v["level"], "year": v["year"], "weights": v["weights"], "d0": 1600,
                "k": 4, "n": 5, "cut": 0.2, "scheme": v["scheme"], "layers": ["persistent"]}

    def values(self) -> dict:
        return {**{f"explore-{name}.value": value for name, value in self.controls().items()},
                "explore-base.data": self.base, "explore-map-meta.data": self.meta,
                "explore-selection.data": {"area": self.area, "practice": None},
                "explore-map.relayoutData": {"autosize": True}, "url.pathname": "/", "url.search": self.base}

    def post(self, name: str, output_part: str, changed: list[str], values: dict | None = None) -> dict | None:
        body = self.callbacks.payload(output_part, {**self.values(), **(values or {})}, changed)
        began = time.perf_counter()
        try:
            response = self.session.post(self.url + "/_dash-update-component", json=body, timeout=60)
            ok = response.status_code in (200, 204)
            data = response.json()["response"] if response.status_code == 200 else None
        except (requests.RequestException, ValueError, KeyError) as exc:
            ok, data = False, None
            self.stats.error(name, repr(exc))
        self.stats.record(name, time.perf_counter() - began, ok)
        return data

    def get(self, name: str, path: str):
        began = time.perf_counter()
        try:
            response = self.session.get(self.url + path, timeout=60)
            ok = response.status_code == 200
            body = response.json() if ok and path.endswith("json") else None
        except (requests.RequestException, ValueError) as exc:
            ok, body = False, None
            self.stats.error(name, repr(exc))
        self.stats.record(name, time.perf_counter() - began, ok)
        return body

    def check(self, condition: bool, what: str) -> None:
        if not condition:
            self.stats.leak(what)

    def choose(self) -> str:
        choice = self.random.choice(["measure", "year", "year", "weights", "level", "scheme", "click"])
        v = self.view
        if choice == "measure":
            v["measure"] = self.random.choice(list(MEASURES))
        elif choice == "year":
            v["year"] = self.random.choice(YEARS)
        elif choice == "weights":
            v["weights"] = self.random.choice(["age", "age_imd", "none"])
        elif choice == "level":
            v["level"] = self.random.choice(list(LEVELS))
            self.area = None
        elif choice == "scheme":
            v["scheme"] = self.random.choice(["quantiles", "natural_breaks", "continuous"])
        else:
            self.area = AREAS[v["level"]]
        if v["measure"] != "nearest_practice_m" and v["year"] == 2015:
            v["year"] = 2016
        return choice

    def run(self) -> None:
        began = time.perf_counter()
        self.session.get(self.url + "/", timeout=60)
        self.stats.record("page", time.perf_counter() - began, True)
        self.start_page()
        while time.time() < self.until:
            time.sleep(self.random.uniform(0.3, 1.5))
            self.interact(self.choose())
            self.stats.interaction()


class CubeUser(User):
    """The browser of the measure-cube pipeline: most changes repaint from cached cubes."""

    def __init__(self, *args):
        super().__init__(*args)
        self.paint, self.fetched = {}, set()

    def start_page(self) -> None:
        page = self.post("router", "page.children", ["url.pathname"])
        if page:
            self.paint = next(_stores(page, "explore-paint"))
            self.meta = next(_stores(page, "explore-map-meta"), None)
            self.base = next(_stores(page, "explore-base"), "")
            for url in (_first_geometry(self.paint), self.paint["outlines"][self.paint["slots"]["boroughs"]]["url"]):
                self.fetch("geometry", url)
        self.fetch_cube()

    def fetch(self, name: str, url: str):
        if url in self.fetched:
            return None
        self.fetched.add(url)
        return self.get(name, url)

    def fetch_cube(self) -> None:
        v = self.view
        doc = self.fetch("cube", self.paint["cube"].replace("{measure}", v["measure"]))
        if doc:
            self.check(doc["measure"] == v["measure"] and doc["level"] == v["level"], f"cube {v}")

    def interact(self, choice: str) -> None:
        v = self.view
        if choice in ("weights", "level"):
            server_view = [v["level"], v["weights"], 1600, 4, 5, 0.2, [], None]
            data = self.post("map", "explore-map.figure...explore-map-meta", ["explore-server-view.data"],
                             {"explore-server-view.data": server_view})
            if data:
                text = json.dumps(data["explore-map"]["figure"], ensure_ascii=False)
                self.check(title(v) in text, f"map title {title(v)!r}")
                self.meta, self.base = data["explore-map-meta"]["data"], data["explore-base"]["data"]
                self.check(f"level={v['level']}" in self.base and f"weights={v['weights']}" in self.base,
                           f"query {self.base}")
                self.paint = _patched(self.paint, data["explore-paint"]["data"])
                self.fetch("geometry", _first_geometry(self.paint))
        if choice in ("measure", "weights", "level"):
            self.fetch_cube()
        if choice == "click":
            self.post("select", "explore-selection.data", ["explore-map.clickData"],
                      {"explore-map.clickData": {"points": [{"curveNumber": 0, "location": self.area}]}})
        if self.area and choice != "scheme":
            view = {"chosen": True, "selection": {"area": self.area, "practice": None},
                    "controls": [self.controls()[name] for name in NAMES]}
            panel = self.post("panel", "explore-panel.children", ["explore-panel-view.data"],
                              {"explore-panel-view.data": view})
            if panel:
                self.check(self.area in json.dumps(panel), f"panel for {self.area}")


def _first_geometry(paint: dict) -> str:
    """The geometry the London-wide map draws first: the level's overview copy where it has one."""
    return (paint.get("overview") or {}).get("url") or paint["layer"]


def _stores(tree, store_id: str):
    """The data of the dcc.Store `store_id` in a page response."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == store_id and "data" in props:
            yield props["data"]
        for value in tree.values():
            yield from _stores(value, store_id)
    elif isinstance(tree, list):
        for item in tree:
            yield from _stores(item, store_id)


def _patched(paint: dict, update) -> dict:
    """A paint store after a full paint or a Patch of it (assign operations)."""
    if isinstance(update, dict) and "__dash_patch_update" not in update:
        return update
    paint = dict(paint)
    for operation in update["operations"]:
        if operation["operation"] == "Assign" and len(operation["location"]) == 1:
            paint[operation["location"][0]] = operation["params"]["value"]
    return paint


class LegacyUser(User):
    """The browser of the pipeline before the cube (today's path): every change called the map callback, the
    panel and the URL sync on the server (and the year slider's range with a measure or level)."""

    def start_page(self) -> None:
        self.post("router", "page.children", ["url.pathname"])
        self.session.get(self.url + "/geometry/lsoa11.geojson", timeout=60)
        self.interact("measure")

    def interact(self, choice: str) -> None:
        v = self.view
        changed = [f"explore-{'selection' if choice == 'click' else choice}."
                   f"{'data' if choice == 'click' else 'value'}"]
        if choice in ("measure", "level"):
            self.post("year slider", "explore-year.min", changed)
        data = self.post("map", "explore-map.figure...explore-map-meta", changed)
        if data:
            self.check(data["explore-footnote"]["children"].startswith(title(v)), f"map footnote {title(v)!r}")
            self.meta = data["explore-map-meta"]["data"]
        panel = self.post("panel", "explore-panel.children", changed)
        if panel and self.area:
            self.check(self.area in json.dumps(panel), f"panel for {self.area}")
        data = self.post("url sync", "explore-permalink.href", changed)
        if data:
            query = data["explore-base"]["data"]
            expected = [f"level={v['level']}", f"measure={v['measure']}", f"year={v['year']}",
                        f"weights={v['weights']}"]
            self.check(all(part in query for part in expected), f"URL {query} != {expected}")
            self.base = query


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors, self.leaks = [], []
        self.interactions = 0

    def record(self, name, seconds, ok):
        with self.lock:
            self.times[name].append(seconds)
            if not ok:
                self.errors.append(name)

    def interaction(self):
        with self.lock:
            self.interactions += 1

    def error(self, name, message):
        with self.lock:
            self.errors.append(f"{name}: {message}")

    def leak(self, what):
        with self.lock:
            self.leaks.append(what)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def gunicorn(app_dir: Path, workers: int, timeout: int) -> Iterator[tuple[subprocess.Popen, str]]:
    """`gunicorn app:server` of a checkout on a free port, once it serves its first page; stopped on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:server", "-w", str(workers), "-b",
                               f"127.0.0.1:{port}", "--timeout", str(timeout), "--log-level", "warning"],
                              cwd=app_dir, env=app_env(app_dir))
    try:
        deadline = time.time() + 180
        while True:
            try:
                requests.get(url + "/", timeout=5)
                break
            except requests.RequestException:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.5)
        yield server, url
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(app_dir: Path, args) -> tuple[Stats, float]:
    with gunicorn(app_dir, args.workers, 120) as (server, url):
        for _ in range(args.workers * 4):  # every worker past its first request, warm-up started
            requests.get(url + "/", timeout=30)
        time.sleep(args.warm_up)
        print(f"{app_dir}: warm-up done {args.warm_up + wait_until_idle(server.pid):.0f} s after start", flush=True)
        callbacks = Callbacks(url)
        kind = CubeUser if callbacks.has("explore-paint.data") and not callbacks.has("explore-footnote.children") \
            else LegacyUser
        stats = Stats()
        until = time.time() + args.seconds
        users = [kind(i, url, callbacks, until, stats) for i in range(args.users)]
        began = time.perf_counter()
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=args.seconds + 120)
        wall = time.perf_counter() - began
    print(f"{app_dir} ({kind.__name__}): gunicorn -w {args.workers}, {args.users} users, {args.seconds:.0f} s "
          f"(wall {wall:.1f} s)")
    return stats, wall


def print_stats(stats: Stats, wall: float) -> None:
    total = sum(len(v) for v in stats.times.values())
    every = [t for v in stats.times.values() for t in v]
    print(f"  {total:,} requests, {total / wall:.1f} req/s, {stats.interactions:,} interactions, "
          f"{stats.interactions / wall:.1f} interactions/s, errors {len(stats.errors)}, "
          f"views leaked/wrong {len(stats.leaks)}")
    print(f"  {'all requests':<12} p50 {1000 * percentile(every, 0.5):7.0f} ms  "
          f"p95 {1000 * percentile(every, 0.95):7.0f} ms  [budget p95 < 1,000 ms]")
    for name, values in sorted(stats.times.items()):
        print(f"  {name:<12} n={len(values):>6}  p50 {1000 * statistics.median(values):7.0f} ms  "
              f"p95 {1000 * percentile(values, 0.95):7.0f} ms  max {1000 * max(values):7.0f} ms")
    for problem in (stats.errors + stats.leaks)[:10]:
        print("    problem:", problem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warm-up", type=float, default=20,
                        help="seconds after start before waiting for the server to be idle (warm-up done)")
    parser.add_argument("--baseline-dir", type=Path, help="another checkout driven the same way first")
    args = parser.parse_args()
    results = []
    for app_dir in ([args.baseline_dir] if args.baseline_dir else []) + [REPO]:
        stats, wall = run(app_dir, args)
        print_stats(stats, wall)
        results.append((stats, wall))
    if len(results) == 2:
        (old, old_wall), (new, new_wall) = results
        print(f"throughput, interactions/s: {new.interactions / new_wall:.1f} vs {old.interactions / old_wall:.1f} "
              f"-> {new.interactions / new_wall / (old.interactions / old_wall):.2f}x  [budget >= 3x]")
    stats = results[-1][0]
    sys.exit(1 if stats.errors or stats.leaks else 0)


if __name__ == "__main__":
    main()
