"""A small HTTP fuzz of callback bodies against the atlas (Flask test client, Hypothesis): random JSON, real
callback requests with values of any kind or of the kind their components send, and bodies with parts missing
or replaced. None may get a 500 or a traceback; a refusal is one log line of at most 500 characters."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from callbacks.guard import MAX_LOG_CHARS, WILDCARDS, declared_outputs
from tests.faults.logs import log_records

pytestmark = pytest.mark.real_data
JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False,
                    allow_infinity=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                      max_size=4), max_leaves=12)
SCALAR = st.none() | st.booleans() | st.integers(-10**4, 10**4) | st.floats(-1e6, 1e6) | st.text(max_size=30)
# Values of the kind each property's component sends (else any JSON), to reach the callbacks themselves.
PLAUSIBLE = {"value": SCALAR | st.lists(SCALAR, max_size=4), "n_clicks": st.none() | st.integers(0, 50),
             "n_submit": st.none() | st.integers(0, 50), "pathname": st.none() | st.text(max_size=30).map("/".__add__),
             "search": st.none() | st.text(max_size=60).map("?".__add__),
             "search_value": st.none() | st.text(max_size=20),
             "contents": st.none() | st.text(max_size=40).map("data:text/csv;base64,".__add__),
             "filename": st.none() | st.text(max_size=12), "clickData": st.none() | st.dictionaries(
                 st.just("points"), st.lists(st.dictionaries(st.sampled_from(["curveNumber", "location", "text",
                                                                              "customdata"]), JSON), max_size=2)),
             "relayoutData": st.none() | st.dictionaries(st.sampled_from(["map.center", "map.zoom", "autosize"]), JSON),
             "selectedRows": st.none() | st.lists(st.dictionaries(st.sampled_from(["row", "label"]), JSON), max_size=2)}


def concrete(component):
    """A component id the page could hold for a declared id (wildcards filled in)."""
    if isinstance(component, dict):
        return {key: "/" if value in WILDCARDS else value for key, value in component.items()}
    return component


def template(key: str, entry: dict) -> dict:
    """The body a page sends for the callback `key`, values blank."""
    outputs = [{"id": concrete(c), "property": p} for c, p in declared_outputs(key)]
    outputs = [[o] if isinstance(c, dict) else o for o, (c, _) in zip(outputs, declared_outputs(key), strict=True)]
    slots = {name: [{"id": item["id"], "property": item["property"], "value": None} for item in entry[name]]
             for name in ("inputs", "state")}
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0], **slots,
            "changedPropIds": [f"{slots['inputs'][0]['id']}.{slots['inputs'][0]['property']}"]}


@st.composite
def callback_body(draw, callback_map: dict):
    keys = sorted(key for key, entry in callback_map.items() if "callback" in entry)
    key = draw(st.sampled_from(keys))
    body = template(key, callback_map[key])
    kind = draw(st.sampled_from(["plausible", "any value", "part missing", "part replaced", "any body"]))
    if kind in ("plausible", "any value"):
        for slot in body["inputs"] + body["state"]:
            slot["value"] = draw(PLAUSIBLE.get(slot["property"], JSON) if kind == "plausible" else JSON)
    elif kind == "part missing":
        body.pop(draw(st.sampled_from(sorted(body))))
    elif kind == "part replaced":
        body[draw(st.sampled_from(sorted(body)))] = draw(JSON)
    else:
        body = draw(JSON)
    return body


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_callback_body_gets_a_500_or_a_traceback(dash_app, data):
    body = data.draw(callback_body(dash_app.callback_map))
    with log_records(logging.WARNING) as records:
        response = dash_app.server.test_client().post("/_dash-update-component", data=json.dumps(body),
                                                      content_type="application/json")
    event(f"HTTP {response.status_code}" + (" (a callback refused its inputs)" if any(
        "refused its inputs" in record.getMessage() for record in records) else ""))
    assert response.status_code < 500, [record.getMessage() for record in records]
    assert b"Traceback" not in response.data
    assert len(records) == (1 if response.status_code >= 400 else 0), [r.getMessage() for r in records]
    for record in records:
        assert len(record.getMessage()) <= MAX_LOG_CHARS and record.exc_info is None
