"""Load: `python -m bench.load [--users 50] [--seconds 60] [--workers 4]`.

Starts `gunicorn app:server` with 4 workers on 127.0.0.1 (a free port), then 50 simulated users (threads,
one HTTP session each) drive the real `/_dash-update-component` endpoint for a bounded time with the
requests a browser sends on the Explore page: page shell, router, first map, then a loop of switches
(measure, year, weighting, level, colour scheme), each followed by the side panel and the URL sync, with
a map click now and then, and 0.3-1.5 s of thinking between interactions. Payloads are built from the
app's own `/_dash-dependencies`, as the browser builds them.

Reports requests served, errors (must be 0), p50/p95/max latency per callback, and the leak check: every
response must describe the view its own request asked for (footnote title, URL query, panel area), so a
user's view can never come from another user's inputs.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MEASURES = {"e2sfca": "E2SFCA access", "gp_fte_per_10k": "GP FTE per 10,000",
            "patients_per_gp_fte": "Patients per GP FTE", "nearest_practice_m": "Distance to nearest practice"}
LEVELS = {"lsoa11": "LSOA (2011)", "msoa11": "MSOA (2011)", "ward": "Ward (2014, City merged)", "borough": "Borough"}
AREAS = {"lsoa11": "E01000001", "msoa11": "E02000001", "ward": "E05000026", "borough": "E09000007"}
YEARS = list(range(2016, 2026))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Callbacks:
    """Payload builder from /_dash-dependencies (output strings carry Dash's allow_duplicate hashes)."""

    def __init__(self, url: str):
        self.specs = requests.get(url + "/_dash-dependencies", timeout=30).json()

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


class User(threading.Thread):
    def __init__(self, number: int, url: str, callbacks: Callbacks, until: float, stats):
        super().__init__(daemon=True)
        self.random = random.Random(number)
        self.url, self.callbacks, self.until, self.stats = url, callbacks, until, stats
        self.session = requests.Session()
        self.session.headers["Accept-Encoding"] = "gzip"
        self.view = {"measure": "e2sfca", "level": "lsoa11", "year": 2025, "weights": "age", "scheme": "quantiles"}
        self.base, self.meta, self.area = "", None, None

    def values(self) -> dict:
        v = self.view
        return {"explore-measure.value": v["measure"], "explore-level.value": v["level"],
                "explore-year.value": v["year"],
                "explore-weights.value": v["weights"], "explore-d0.value": 1600, "explore-k.value": 4,
                "explore-n.value": 5, "explore-cut.value": 0.2, "explore-scheme.value": v["scheme"],
                "explore-layers.value": ["persistent"], "explore-base.data": self.base,
                "explore-map-meta.data": self.meta, "explore-selection.data": {"area": self.area, "practice": None},
                "explore-map.relayoutData": {"autosize": True}, "url.pathname": "/", "url.search": self.base}

    def post(self, name: str, output_part: str, changed: list[str]) -> dict | None:
        body = self.callbacks.payload(output_part, self.values(), changed)
        began = time.perf_counter()
        try:
            response = self.session.post(self.url + "/_dash-update-component", json=body, timeout=60)
            elapsed = time.perf_counter() - began
            ok = response.status_code in (200, 204)
            data = response.json()["response"] if response.status_code == 200 else None
        except (requests.RequestException, ValueError, KeyError) as exc:
            elapsed, ok, data = time.perf_counter() - began, False, None
            self.stats.error(name, repr(exc))
        self.stats.record(name, elapsed, ok)
        return data

    def check(self, condition: bool, what: str) -> None:
        if not condition:
            self.stats.leak(what)

    def interact(self, changed: list[str]) -> None:
        v = self.view
        if any(c in changed for c in ("explore-measure.value", "explore-level.value")):
            self.post("year slider", "explore-year.min", changed)
        data = self.post("map", "explore-map.figure...explore-map-meta", changed)
        if data:
            title = f"{MEASURES[v['measure']]} · {LEVELS[v['level']]} · FY{v['year'] - 1}/{str(v['year'])[-2:]}"
            self.check(data["explore-footnote"]["children"].startswith(title), f"map footnote {title!r}")
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

    def run(self) -> None:
        began = time.perf_counter()
        self.session.get(self.url + "/", timeout=60)
        self.stats.record("page", time.perf_counter() - began, True)
        self.post("router", "page.children", ["url.pathname"])
        self.session.get(self.url + "/geometry/lsoa11.geojson", timeout=60)
        self.interact(["explore-measure.value"])
        while time.time() < self.until:
            time.sleep(self.random.uniform(0.3, 1.5))
            choice = self.random.choice(["measure", "year", "year", "weights", "level", "scheme", "click"])
            if choice == "measure":
                self.view["measure"] = self.random.choice(list(MEASURES))
            elif choice == "year":
                self.view["year"] = self.random.choice(YEARS)
            elif choice == "weights":
                self.view["weights"] = self.random.choice(["age", "age_imd", "none"])
            elif choice == "level":
                self.view["level"] = self.random.choice(list(LEVELS))
                self.area = None
            elif choice == "scheme":
                self.view["scheme"] = self.random.choice(["quantiles", "natural_breaks", "continuous"])
            else:
                self.area = AREAS[self.view["level"]]
            if self.view["measure"] != "nearest_practice_m" and self.view["year"] == 2015:
                self.view["year"] = 2016
            self.interact([f"explore-{'selection' if choice == 'click' else choice}."
                           f"{'data' if choice == 'click' else 'value'}"])


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors, self.leaks = [], []

    def record(self, name, seconds, ok):
        with self.lock:
            self.times[name].append(seconds)
            if not ok:
                self.errors.append(name)

    def error(self, name, message):
        with self.lock:
            self.errors.append(f"{name}: {message}")

    def leak(self, what):
        with self.lock:
            self.leaks.append(what)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:server", "-w", str(args.workers), "-b",
                               f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"],
                              cwd=REPO, env=os.environ.copy())
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                requests.get(url + "/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.5)
        for _ in range(args.workers * 4):  # every worker past its first request, warm-up started
            requests.get(url + "/", timeout=30)
        time.sleep(20)
        callbacks = Callbacks(url)
        stats = Stats()
        until = time.time() + args.seconds
        users = [User(i, url, callbacks, until, stats) for i in range(args.users)]
        began = time.perf_counter()
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=args.seconds + 120)
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in stats.times.values())
    every = [t for v in stats.times.values() for t in v]
    print(f"gunicorn -w {args.workers}, {args.users} users, {args.seconds:.0f} s (wall {wall:.1f} s): "
          f"{total:,} requests, {total / wall:.1f} req/s, errors {len(stats.errors)}, "
          f"views leaked/wrong {len(stats.leaks)}")
    print(f"{'all requests':<12} p50 {1000 * percentile(every, 0.5):7.0f} ms  "
          f"p95 {1000 * percentile(every, 0.95):7.0f} ms")
    for name, values in sorted(stats.times.items()):
        print(f"{name:<12} n={len(values):>6}  p50 {1000 * statistics.median(values):7.0f} ms  "
              f"p95 {1000 * percentile(values, 0.95):7.0f} ms  max {1000 * max(values):7.0f} ms")
    for problem in (stats.errors + stats.leaks)[:10]:
        print("  problem:", problem)
    sys.exit(1 if stats.errors or stats.leaks else 0)


if __name__ == "__main__":
    main()
