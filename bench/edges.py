"""What the hardened edges cost and save, on the real bundle (Flask test client, no network).

    python bench/edges.py [--runs N]

Two apps over the same services in one process: the atlas as served (callback requests checked by
callbacks/guard.py, security headers on every response) and the baseline, the same app with the check left
out, as Dash dispatches by default.

valid        a real callback request (the router drawing the About page), and a bids upload of a 1 MB CSV
             (the largest body the pages send): the check must cost next to nothing beside the callback.
malformed    a 200 KB body naming no callback: the check answers 400 with one log line; the baseline raises
             inside Dash, answers 500 and logs a traceback quoting the input. Log bytes per request printed.
check        `request_problem` alone on the 1 MB upload body.
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median_seconds, real_services, report  # noqa: E402

ROUTER = {"output": "..page.children...navbar.style...footer.style...shell.className..",
          "outputs": [{"id": "page", "property": "children"}, {"id": "navbar", "property": "style"},
                      {"id": "footer", "property": "style"}, {"id": "shell", "property": "className"}],
          "inputs": [{"id": "url", "property": "pathname", "value": "/about"}],
          "state": [{"id": "url", "property": "search", "value": ""}], "changedPropIds": ["url.pathname"]}
MALFORMED = {"output": "x" * 200_000, "outputs": {"id": "nope", "property": "children"}, "inputs": []}


def upload_body(app) -> dict:
    """The bids upload callback's request with a 1 MB CSV of 20,000 bids (refused as too many, after reading)."""
    key = next(key for key in app.callback_map if "bids-upload-message" in key)
    entry = app.callback_map[key]
    csv = "label,postcode,added_gp_fte\n" + "".join(f"bid {i},N20 0DH,1\n" for i in range(40_000))
    values = {"contents": "data:text/csv;base64," + base64.b64encode(csv[:1_000_000].encode()).decode(),
              "filename": "bids.csv", "data": []}
    outputs = [{"id": "bids-store", "property": "data"}, {"id": "bids-upload-message", "property": "children"}]
    return {"output": key, "outputs": outputs, "changedPropIds": ["bids-upload.contents"],
            **{slot: [{**item, "value": values.get(item["property"])} for item in entry[slot]]
               for slot in ("inputs", "state")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    log = io.StringIO()
    logging.basicConfig(stream=log, level=logging.WARNING, force=True)
    services = real_services()
    import app as atlas
    from callbacks.guard import request_problem
    served = atlas.create_app(services)
    check, atlas.guard_callbacks = atlas.guard_callbacks, lambda app: None
    baseline = atlas.create_app(services)
    atlas.guard_callbacks = check
    upload = upload_body(served)

    def post(app, body):
        data = json.dumps(body)
        client = app.server.test_client()
        return lambda: client.post("/_dash-update-component", data=data, content_type="application/json")

    for name, body in (("valid: router, About page", ROUTER), ("valid: bids upload, 1 MB", upload)):
        plain = median_seconds(post(baseline, body), runs)
        report(f"{name}, checked", median_seconds(post(served, body), runs), baseline=("unchecked", plain))
    for label, app in (("checked", served), ("unchecked", baseline)):
        log.seek(0)
        log.truncate()
        status = post(app, MALFORMED)().status_code
        print(f"malformed 200 KB body, {label}: HTTP {status}, {len(log.getvalue()):,} log bytes per request")
    plain = median_seconds(post(baseline, MALFORMED), runs)
    report("malformed 200 KB body, checked", median_seconds(post(served, MALFORMED), runs),
           baseline=("unchecked", plain))
    report("request_problem alone, 1 MB upload body", median_seconds(lambda: request_problem(
        upload, served.callback_map), runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
