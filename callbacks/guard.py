"""Callback requests checked before Dash runs them: a body that is not what the atlas's pages send gets a 4xx
and one log line of at most 500 characters, never a 500 with the input in the log.

Dash's dispatcher trusts its body: valid JSON that is not a callback request
(a list, no 'output'), an output no callback has, or inputs of the wrong shape
made it raise, answer 500 and log a traceback quoting the input (a log grew by
megabytes in minutes). Here a body must be a JSON object whose

- 'output' names a server-side callback and 'outputs' are that callback's
  outputs (pattern-matching ids by their keys);
- 'inputs' and 'state' are its inputs and state, in order, each {id, property,
  value} with a value of the type its property carries (`PROPERTY_TYPES`);
- 'changedPropIds' is a list of 'id.property' strings;
- numbers are finite doubles and nesting is at most `MAX_DEPTH` deep.

A body that fails is answered 400 (415 or 400 when it is not JSON at all). A
callback that still raises on what its inputs hold (a store forged by hand) is
answered 400 for the errors malformed input raises (`BAD_INPUT_ERRORS`) and
500 for any other, each logged as one line naming the exception and the line
of code that raised it, never the input.
"""
from __future__ import annotations

import json
import logging
import math
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from dash import Dash
from dash.exceptions import PreventUpdate
from flask import Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent
MAX_LOG_CHARS = 500
MAX_DEPTH = 64
BAD_INPUT_ERRORS = (TypeError, ValueError, LookupError, AttributeError, ArithmeticError)
WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])
SCALARS = (str, int, float, bool)


def _text(value) -> bool:
    return value is None or isinstance(value, str)


def _count(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _choice(value) -> bool:
    return value is None or isinstance(value, SCALARS) or (
        isinstance(value, list) and all(isinstance(item, SCALARS) for item in value))


def _event(value) -> bool:
    return value is None or isinstance(value, dict)


def _rows(value) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(row, dict) for row in value))


# What the browser sends for each property the atlas's callbacks read (any other property: any JSON).
PROPERTY_TYPES: dict[str, Callable] = {
    **dict.fromkeys(("pathname", "search", "hash", "href", "search_value", "filename", "contents"), _text),
    **dict.fromkeys(("n_clicks", "n_submit", "n_blur"), _count),
    "value": _choice,
    **dict.fromkeys(("clickData", "hoverData", "selectedData", "relayoutData"), _event),
    **dict.fromkeys(("selectedRows", "virtualRowData", "rowData"), _rows),
}


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def declared_outputs(key: str) -> list[tuple[object, str]]:
    """(id, property) of each output of a callback_map key ('id.prop' or '..a.p...b.q..'; '@hash' dropped)."""
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        component, _, prop = part.rpartition(".")
        outputs.append((json.loads(component) if component.startswith("{") else component, prop.split("@")[0]))
    return outputs


def _same_component(given, declared) -> bool:
    if isinstance(declared, dict):
        return isinstance(given, dict) and given.keys() == declared.keys() and all(
            isinstance(given[key], SCALARS) if declared[key] in WILDCARDS else given[key] == declared[key]
            for key in declared)
    return given == declared


def _slot_problem(what: str, item, component, prop: str, typed: bool) -> str | None:
    """Why one entry of outputs/inputs/state is not the declared (component, prop), or None."""
    entries = item if isinstance(component, dict) and isinstance(item, list) else [item]
    for entry in entries:
        if not isinstance(entry, dict) or not _same_component(entry.get("id"), component) or \
                str(entry.get("property", "")).split("@")[0] != prop:
            return f"{what} {_short(entry)} is not {_short(component)}.{prop}"
        if typed and not PROPERTY_TYPES.get(prop, lambda value: True)(entry.get("value")):
            return (f"{what} {_short(entry.get('id'))}.{prop} has a value of the wrong type: "
                    f"{_short(entry.get('value'))}")
    return None


def _slots_problem(what: str, given, declared: list[tuple[object, str]], typed: bool = True) -> str | None:
    if not isinstance(given, list) or len(given) != len(declared):
        return f"'{what}' must list the callback's {len(declared)} {what}, got {_short(given)}"
    return next((problem for item, (component, prop) in zip(given, declared, strict=True)
                 if (problem := _slot_problem(what, item, component, prop, typed))), None)


def _value_problem(body) -> str | None:
    """Numbers a browser cannot send (NaN, Infinity, which Python's JSON reads; whole numbers beyond a double)
    or nesting deeper than MAX_DEPTH."""
    stack = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"values nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, float) and not math.isfinite(value):
            return f"a number that is not finite ({value})"
        if isinstance(value, int) and abs(value) > sys.float_info.max:
            return "a whole number beyond any a browser sends"
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


def request_problem(body, callback_map: dict) -> str | None:
    """Why `body` is not a callback request this app's pages could send, or None when it is one."""
    if not isinstance(body, dict):
        return f"the body is not a JSON object but {type(body).__name__}"
    output = body.get("output")
    entry = callback_map.get(output) if isinstance(output, str) else None
    if entry is None or "callback" not in entry:  # no callback, or one that runs in the browser only
        return f"no server callback has the output {_short(output)}"
    outputs = declared_outputs(output)
    given = body.get("outputs")
    if len(outputs) == 1 and not output.startswith(".."):
        given = [given]
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(prop, str) and "." in prop for prop in changed):
        return f"'changedPropIds' must be a list of 'id.property' strings, got {_short(changed)}"
    return (_slots_problem("outputs", given, outputs, typed=False)
            or _slots_problem("inputs", body.get("inputs"), [(i["id"], i["property"]) for i in entry["inputs"]])
            or _slots_problem("state", body.get("state", []), [(s["id"], s["property"]) for s in entry["state"]])
            or _value_problem(body))


def _raised_at(exc: BaseException) -> str:
    """'file:line in function' of the innermost frame of the atlas's own code (else the innermost frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [frame for frame in frames if Path(frame.filename).resolve().is_relative_to(REPO)]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "an unknown place"
    path = Path(frame.filename).resolve()
    return f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path.name}:{frame.lineno} in {frame.name}"


def _answer(status: int, line: str, level: int = logging.WARNING) -> Response:
    log.log(level, "%s", " ".join(line.split())[:MAX_LOG_CHARS])
    return Response("Bad callback request" if status < 500 else "Callback failed", status=status,
                    mimetype="text/plain")


def guard_callbacks(app: Dash) -> None:
    """Put the checks in front of the app's callback dispatcher (`/_dash-update-component`)."""
    endpoint = f"{app.config.routes_pathname_prefix}_dash-update-component"
    dispatch = app.server.view_functions[endpoint]

    def guarded():
        try:
            body = request.get_json()
        except HTTPException as exc:  # not JSON (400) or not sent as JSON (415)
            return _answer(exc.code or 400, f"callback request refused ({exc.code}): {exc.name}")
        except RecursionError:
            return _answer(400, "callback request refused (400): JSON nested too deep to read")
        problem = request_problem(body, app.callback_map)
        if problem:
            return _answer(400, f"callback request refused (400): {problem}")
        try:
            return dispatch()
        except (PreventUpdate, HTTPException):
            raise
        except BAD_INPUT_ERRORS as exc:
            return _answer(400, f"callback {_short(body['output'], 120)} refused its inputs (400): "
                                f"{type(exc).__name__}: {_short(str(exc), 200)} at {_raised_at(exc)}")
        except Exception as exc:  # noqa: BLE001 - one line in the log, never the input or a traceback
            return _answer(500, f"callback {_short(body['output'], 120)} failed (500): {type(exc).__name__}: "
                                f"{_short(str(exc), 200)} at {_raised_at(exc)}", logging.ERROR)

    app.server.view_functions[endpoint] = guarded
