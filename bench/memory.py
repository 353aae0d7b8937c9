"""Memory: `python -m bench.memory [--workers 1] [--d0 40] [--bids 40]`.

Starts `gunicorn app:server` and asks it, as browsers following links would, for Explore maps at `--d0`
distinct catchments (`/?d0=...`: the page, its map and, where the page names one, the measure cube) and for
`--bids` distinct Bids links carrying two bids each (the page and its scenario). Prints the resident memory
(VmRSS) of every worker before and after, against the budget of 1 GB per worker whatever URLs arrive. With one
worker (the default) every result lands in the same process: the worst case for its caches.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load import Callbacks, gunicorn  # noqa: E402
from layout.bids.state import encode_bids  # noqa: E402

BUDGET_MB = 1024


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def page_values(tree, values: dict | None = None) -> dict:
    """'id.prop' -> value for every component's value/data in a layout (what the browser would send back)."""
    values = {} if values is None else values
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            for prop in ("value", "data", "search", "rowData"):
                if prop in props:
                    values[f"{props['id']}.{prop}"] = props[prop]
        for child in (props.get("children") if isinstance(props, dict) else None, *tree.values()):
            if isinstance(child, (dict, list)):
                page_values(child, values)
    elif isinstance(tree, list):
        for item in tree:
            page_values(item, values)
    return values


class Browser:
    """What a browser sends on opening a link: the router, then the page's first callbacks."""

    def __init__(self, url: str):
        self.url, self.callbacks = url, Callbacks(url)
        self.session = requests.Session()
        self.session.headers["Accept-Encoding"] = "gzip"

    def post(self, output_part: str, values: dict, changed: list[str]) -> dict:
        body = self.callbacks.payload(output_part, values, changed)
        response = self.session.post(self.url + "/_dash-update-component", json=body, timeout=300)
        if response.status_code not in (200, 204):
            raise SystemExit(f"{output_part}: HTTP {response.status_code}")
        return response.json()["response"] if response.status_code == 200 else {}

    def open(self, path: str, query: str, then: str) -> None:
        """The router; then the measure cube the page's paint names (the first map came with the page), or, for
        an app before the cube, the callback `then` that drew the first view."""
        values = {"url.pathname": path, "url.search": query}
        page = self.post("page.children", values, ["url.pathname"])
        values.update(page_values(page))
        paint = values.get("explore-paint.data") or {}
        if path == "/" and "cube" in paint:
            cube = paint["cube"].replace("{measure}", values["explore-measure.value"])
            self.session.get(self.url + cube, timeout=300).raise_for_status()
        elif self.callbacks.has(then) and not (path == "/bids" and values.get("bids-grid.rowData")):
            self.post(then, values, [])


def two_bids(number: int) -> str:
    """Two new sites 300 m apart, at a different place for each scenario."""
    east, north = 515_000 + 450 * (number % 40), 172_000 + 400 * (number // 40)
    rows = [{"label": f"site {number}a", "easting": str(east), "northing": str(north), "added_gp_fte": "2"},
            {"label": f"site {number}b", "easting": str(east + 300), "northing": str(north + 2_000),
             "added_gp_fte": "3"}]
    return encode_bids(rows)


def forget_shared_results(app_dir: Path) -> None:
    """Cubes an earlier run computed would be read back from the shared results store: what this bench
    measures is the memory of computing them."""
    from data.config import cache_dir
    folder = cache_dir() if app_dir.resolve() == REPO else app_dir / ".cache" / "atlas"
    shutil.rmtree(folder / "results", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--d0", type=int, default=40, help="distinct d0 values asked for")
    parser.add_argument("--bids", type=int, default=40, help="distinct bid scenarios asked for")
    parser.add_argument("--app-dir", type=Path, default=REPO, help="checkout whose app to run (e.g. main's, to "
                        "measure the baseline with the same requests)")
    args = parser.parse_args()
    forget_shared_results(args.app_dir)
    with gunicorn(args.app_dir, args.workers, 600) as (server, url):
        browser = Browser(url)
        browser.open("/", "", "explore-map.figure")
        browser.open("/bids", "", "bids-grid.rowData")
        time.sleep(20)  # the warm-up in the background (geometry, default cubes) has finished
        before = {pid: rss_mb(pid) for pid in worker_pids(server.pid)}
        began = time.perf_counter()
        d0_values = [int(round((300 + 9_600 * i / max(args.d0 - 1, 1)) / 100)) * 100 for i in range(args.d0)]
        for d0 in d0_values:
            browser.open("/", f"?d0={d0}", "explore-map.figure")
        middle = {pid: rss_mb(pid) for pid in worker_pids(server.pid)}
        for number in range(args.bids):
            browser.open("/bids", f"?year=2025&bids={two_bids(number)}", "bids-grid.rowData")
        after = {pid: rss_mb(pid) for pid in worker_pids(server.pid)}
        seconds = time.perf_counter() - began
    print(f"{args.app_dir.name}: gunicorn -w {args.workers}: {args.d0} distinct d0 ({d0_values[0]}-{d0_values[-1]} m) "
          f"then {args.bids} distinct bid scenarios of 2 bids, {seconds:.0f} s")
    for pid in after:
        print(f"  worker {pid}: RSS warm {before.get(pid, float('nan')):,.0f} MB -> after the d0 values "
              f"{middle.get(pid, float('nan')):,.0f} MB -> after the bids {after[pid]:,.0f} MB  "
              f"[budget < {BUDGET_MB:,} MB: {'OK' if after[pid] < BUDGET_MB else 'OVER'}]")


if __name__ == "__main__":
    main()
