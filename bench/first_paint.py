"""First paint of the Explore map: `python -m bench.first_paint [--runs N] [--trace FILE] [--baseline-dir DIR]`.

Navigation to a painted map in a fresh headless Chromium context (empty cache, as a first visit), clocked in
the page from the navigation start to the moment assets/explore_map.js has painted the areas (its data-painted
count moves on at MapLibre's idle) and the map renders features: the LSOA map (`/`) against the borough map
(`/?level=borough`) in the same run. Budget: LSOA <= 3 s and <= 1.5x the borough page.

With --baseline-dir, another checkout's app (e.g. the commit before a change) runs beside this one and every
navigation alternates between the two apps, so that load from elsewhere on the machine hits both alike.

With --trace, one more LSOA navigation (per app) is recorded as a Chromium performance trace (written to FILE,
the baseline's beside it; open it in chrome://tracing or Perfetto) and summarised: when each response arrived,
which scripts took longest to evaluate, and what kept the page's main thread, its workers (MapLibre's tiling and
tessellation) and the GPU process (SwiftShader) busy until the map was painted. That is where the seconds go.
"""
from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path

from bench.app import CHROMIUM_ARGS, REPO, free_port, report, start_app, wait_until_idle

# The paint's time is the page's own mark (assets/explore_map.js marks 'atlas-map-painted' when MapLibre is idle
# after drawing), so the check that features are drawn, which queries every rendered feature (a few hundred
# milliseconds over London's LSOAs), and the polling interval are the bench's cost, not the page's. A page
# without the mark (an older checkout) is clocked when the check passes.
READY_AT = """() => { const now = performance.now(); const gd = document.querySelector('#explore-map .js-plotly-plot');
  const ready = !!(gd && gd.dataset.painted && gd._fullLayout.map._subplot.map.queryRenderedFeatures().length > 0);
  const mark = performance.getEntriesByName('atlas-map-painted')[0];
  return ready ? (mark ? mark.startTime : now) : false; }"""
TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "loading",
                    "blink.user_timing", "toplevel", "gpu", "disabled-by-default-devtools.timeline.frame"]


def painted_after(browser, url: str, trace: Path | None = None) -> float:
    """Milliseconds from navigation start to a painted map, in a fresh context (nothing cached)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    if trace:
        browser.start_tracing(page=page, path=str(trace), categories=TRACE_CATEGORIES)
    try:
        page.goto(url, wait_until="commit")
        return page.wait_for_function(READY_AT, timeout=90_000, polling=20).json_value()
    finally:
        if trace:
            browser.stop_tracing()
        context.close()


VIEWS = ("/", "/?level=borough")  # the LSOA map, the borough map


def interleaved_times(browser, base_urls: list[str], runs: int) -> list[tuple[list[float], list[float]]]:
    """Per app, (LSOA map, borough map) navigation times in ms: each round visits every view of every app, the
    apps in turn first, so that noise hits them all alike."""
    for base_url in base_urls:
        for view in VIEWS:
            painted_after(browser, base_url + view)  # the server's first request for each view is not a user's
    times = [([], []) for _ in base_urls]
    apps = list(zip(base_urls, times, strict=True))
    for round_ in range(runs):
        turn = round_ % len(apps)
        for view, path in enumerate(VIEWS):
            for base_url, samples in apps[turn:] + apps[:turn]:
                samples[view].append(painted_after(browser, base_url + path))
    return times


def navigation_times(browser, base_url: str, runs: int) -> tuple[list[float], list[float]]:
    """(LSOA map, borough map) navigation times in ms of one app."""
    return interleaved_times(browser, [base_url], runs)[0]


def summarise_trace(path: Path, painted_ms: float) -> None:
    """Print arrivals of the responses, the longest script evaluations and busy time per thread and task type up
    to the paint."""
    events = json.loads(path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    start = min(e["ts"] for e in events if e.get("name") in ("navigationStart", "ResourceSendRequest"))
    end = start + painted_ms * 1000
    sent, arrived = {}, {}
    for event in events:
        data = (event.get("args") or {}).get("data") or {}
        if event.get("name") == "ResourceSendRequest":
            sent[data.get("requestId")] = (event["ts"], data.get("url", ""))
        elif event.get("name") == "ResourceFinish":
            arrived[data.get("requestId")] = (event["ts"], data.get("encodedDataLength", 0))
    print(f"responses until the paint at {painted_ms:,.0f} ms (start -> finish, bytes over the wire):")
    rows = sorted((sent[r][0], arrived[r][0], arrived[r][1], sent[r][1]) for r in arrived if r in sent)
    for began, finished, size, url in rows:
        if finished <= end:
            short = url.split("//", 1)[-1].split("/", 1)[-1].split("?")[0][-60:]
            print(f"  {(began - start) / 1000:7,.0f} -> {(finished - start) / 1000:7,.0f} ms  {size:>10,} B  /{short}")
    busy = defaultdict(float)
    tasks = defaultdict(lambda: defaultdict(float))
    evaluated = defaultdict(float)
    for event in events:
        if event.get("ph") != "X" or "dur" not in event or not (start <= event["ts"] <= end):
            continue
        thread = names.get((event["pid"], event["tid"]), "")
        kind = ("main" if thread == "CrRendererMain" else "worker" if "Worker" in thread
                else "gpu" if thread in ("CrGpuMain", "VizCompositorThread") else None)
        if kind and event.get("name") in ("RunTask", "ThreadControllerImpl::RunTask"):
            busy[kind] += event["dur"] / 1000
        if kind and event.get("name") in TASK_TYPES:
            tasks[kind][event["name"]] += event["dur"] / 1000
        if kind == "main" and event.get("name") == "EvaluateScript":
            url = ((event.get("args") or {}).get("data") or {}).get("url", "")
            evaluated[url.split("/")[-1].split("?")[0]] += event["dur"] / 1000
    longest = sorted(evaluated.items(), key=lambda item: -item[1])[:5]
    print("longest script evaluations (main thread): " + ", ".join(f"{name or 'inline'} {ms:,.0f} ms"
                                                                   for name, ms in longest))
    for kind in ("main", "worker", "gpu"):
        top = sorted(tasks[kind].items(), key=lambda item: -item[1])[:8]
        print(f"{kind} thread(s) busy {busy[kind]:,.0f} ms: " + ", ".join(f"{n} {ms:,.0f}" for n, ms in top))


TASK_TYPES = {"EvaluateScript", "v8.compile", "v8.compileModule", "FunctionCall", "ParseHTML", "Layout",
              "UpdateLayoutTree", "Paint", "MajorGC", "MinorGC", "V8.GC_SCAVENGER", "TimerFire",
              "FireAnimationFrame", "EventDispatch", "XHRReadyStateChange", "XHRLoad", "RunMicrotasks",
              "ParseAuthorStyleSheet", "v8.run", "DoDraw", "ProxyMain::BeginMainFrame", "Commit",
              "GLES2DecoderImpl::HandlePostSubBufferCHROMIUM", "RasterTask", "ResourceReceivedData"}


def trace_path(trace: Path, checkout: Path) -> Path:
    """Where the trace of `checkout` goes: FILE for this checkout, FILE.baseline.json for the baseline."""
    return trace if checkout == REPO else trace.with_suffix(".baseline" + trace.suffix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--trace", type=Path, help="also record one LSOA navigation as a Chromium trace here")
    parser.add_argument("--baseline-dir", type=Path, help="another checkout's app, measured in turn with this one")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    checkouts = [REPO, args.baseline_dir] if args.baseline_dir else [REPO]
    ports = [free_port() for _ in checkouts]
    processes = []
    try:
        for checkout, port in zip(checkouts, ports, strict=True):
            processes.append(start_app(port, checkout)[0])
        for process in processes:
            wait_until_idle(process.pid)  # the warm-up in the background (geometry, default cubes) is done
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            times = interleaved_times(browser, urls, args.runs)
            traced = [(checkout, painted_after(browser, url + "/", trace_path(args.trace, checkout)))
                      for checkout, url in zip(checkouts, urls, strict=True)] if args.trace else []
            browser.close()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
    (lsoa, borough), (base_lsoa, base_borough) = times[0], times[-1] if args.baseline_dir else (None, None)
    report("navigation to a painted LSOA map (fresh context)", lsoa, "ms", base_lsoa, "<= 3,000 ms, <= 1.5x")
    report("navigation to the painted borough map", borough, "ms", base_borough)
    print(f"{'  ratio LSOA / borough (medians)':<58} {statistics.median(lsoa) / statistics.median(borough):.2f}")
    if args.baseline_dir:
        print(f"baseline: {args.baseline_dir}")
        report("  baseline: navigation to the painted LSOA map", base_lsoa, "ms")
        report("  baseline: navigation to the painted borough map", base_borough, "ms")
    for checkout, painted_ms in traced:
        print(f"\ntrace of {checkout} ({trace_path(args.trace, checkout)}):")
        summarise_trace(trace_path(args.trace, checkout), painted_ms)


if __name__ == "__main__":
    main()
