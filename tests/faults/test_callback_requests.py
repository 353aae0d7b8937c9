"""Malformed callback requests: a 4xx and one log line of at most 500 characters, never a 500 quoting the input.

First on a two-callback app made here (every rule of callbacks/guard.py, no data needed), then on the atlas
itself with the bodies that broke it before (HTTP 500, a traceback and the whole input in the log)."""
from __future__ import annotations

import json
import logging

import pytest
from dash import ALL, Dash, Input, Output, State, html

from callbacks.guard import MAX_LOG_CHARS, guard_callbacks, request_problem

BIG = "x" * 200_000


def tiny_app() -> Dash:
    app = Dash(__name__)
    app.layout = html.Div([html.Div(id="a"), html.Div(id="b"), html.Button(id="go"),
                           html.A(id={"type": "link", "path": "/"})])

    @app.callback(Output("a", "children"), Output("b", "children"), Input("go", "n_clicks"), State("a", "title"))
    def two(clicks, title):
        if clicks == 13:
            raise RuntimeError("an unlucky number " + BIG)
        return f"{clicks} {len(title)}", "ok"  # len(None) raises TypeError: a store-like value the page never sends

    @app.callback(Output({"type": "link", "path": ALL}, "href"), Input("go", "n_clicks"))
    def links(clicks):
        return ["/x"] * 1

    guard_callbacks(app)
    return app


def nested(depth: int):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def body(clicks=1, title="t", **changes) -> dict:
    valid = {"output": "..a.children...b.children..",
             "outputs": [{"id": "a", "property": "children"}, {"id": "b", "property": "children"}],
             "inputs": [{"id": "go", "property": "n_clicks", "value": clicks}],
             "state": [{"id": "a", "property": "title", "value": title}], "changedPropIds": ["go.n_clicks"]}
    return {**valid, **changes}


@pytest.fixture(scope="module")
def tiny():
    return tiny_app()


def post(app, payload, caplog, raw: bool = False, content_type: str = "application/json"):
    """(status, the log lines at WARNING or above) of one callback request."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        data = payload if raw else json.dumps(payload)
        response = app.server.test_client().post("/_dash-update-component", data=data, content_type=content_type)
    lines = [record for record in caplog.records if record.levelno >= logging.WARNING]
    return response, lines


def assert_one_short_line(lines):
    assert len(lines) == 1, [line.getMessage()[:200] for line in lines]
    message = lines[0].getMessage()
    assert len(message) <= MAX_LOG_CHARS and "\n" not in message and lines[0].exc_info is None
    assert "Traceback" not in message and BIG[:600] not in message
    return message


def test_valid_requests_pass_including_pattern_matching_outputs(tiny, caplog):
    response, lines = post(tiny, body(), caplog)
    assert response.status_code == 200 and json.loads(response.data)["response"]["b"] == {"children": "ok"}
    links = {"output": '{"path":["ALL"],"type":"link"}.href',
             "outputs": [{"id": {"type": "link", "path": "/"}, "property": "href"}],
             "inputs": [{"id": "go", "property": "n_clicks", "value": 2}], "changedPropIds": ["go.n_clicks"]}
    assert post(tiny, links, caplog)[0].status_code == 200 and not lines


@pytest.mark.parametrize("payload, reason", [
    ([1, 2, 3], "not a JSON object but list"),
    ("hello", "not a JSON object but str"),
    ({}, "no server callback has the output None"),
    ({"output": BIG, "outputs": {"id": BIG, "property": "children"}}, "no server callback has the output 'xxxx"),
    (body(outputs=[{"id": "a", "property": "children"}]), "'outputs' must list the callback's 2 outputs"),
    (body(outputs=[{"id": "a", "property": "children"}, {"id": "zz", "property": "children"}]),
     "outputs {'id': 'zz', 'property': 'children'} is not 'b'.children"),
    (body(inputs="x"), "'inputs' must list the callback's 1 inputs, got 'x'"),
    (body(inputs=[{"id": "go", "property": "title", "value": 1}]), "is not 'go'.n_clicks"),
    (body(clicks="many"), "inputs 'go'.n_clicks has a value of the wrong type: 'many'"),
    (body(clicks=-1), "inputs 'go'.n_clicks has a value of the wrong type: -1"),
    (body(state=[]), "'state' must list the callback's 1 state"),
    (body(changedPropIds="go"), "'changedPropIds' must be a list of 'id.property' strings"),
    (body(title=nested(70)), "values nested deeper than 64 levels"),
])
def test_malformed_bodies_get_400_and_one_short_line(tiny, caplog, payload, reason):
    response, lines = post(tiny, payload, caplog)
    assert response.status_code == 400 and b"Traceback" not in response.data
    assert reason in assert_one_short_line(lines)


@pytest.mark.parametrize("raw, content_type, status", [
    ("{not json", "application/json", 400), ('{"output": 1}', "text/plain", 415),
    ("[" * 100_000 + "]" * 100_000, "application/json", 400), ('{"a": NaN}', "application/json", 400),
    (json.dumps(body(clicks=1)).replace('"value": 1', '"value": Infinity'), "application/json", 400)])
def test_bodies_that_are_not_json_or_not_numbers_get_4xx_and_one_line(tiny, caplog, raw, content_type, status):
    response, lines = post(tiny, raw, caplog, raw=True, content_type=content_type)
    assert response.status_code == status
    assert_one_short_line(lines)


def test_a_callback_raising_on_a_forged_value_is_400_and_any_other_failure_500_one_line_each(tiny, caplog):
    response, lines = post(tiny, body(title=None), caplog)  # the callback's len(None): input it never gets
    assert response.status_code == 400
    assert "TypeError" in (line := assert_one_short_line(lines)) and "test_callback_requests.py" in line
    response, lines = post(tiny, body(clicks=13), caplog)
    assert response.status_code == 500 and b"unlucky" not in response.data
    line = assert_one_short_line(lines)
    assert lines[0].levelno == logging.ERROR and "RuntimeError: 'an unlucky number xxx" in line and " in two" in line


def test_request_problem_accepts_what_the_page_sends(tiny):
    assert request_problem(body(), tiny.callback_map) is None
    assert request_problem(body(clicks=None, title=None), tiny.callback_map) is None


# ------------------------------------------------------------------ the atlas itself

ROUTER = {"output": "..page.children...navbar.style...footer.style...shell.className..",
          "outputs": [{"id": "page", "property": "children"}, {"id": "navbar", "property": "style"},
                      {"id": "footer", "property": "style"}, {"id": "shell", "property": "className"}],
          "inputs": [{"id": "url", "property": "pathname", "value": "/about"}],
          "state": [{"id": "url", "property": "search", "value": ""}], "changedPropIds": ["url.pathname"]}


@pytest.mark.real_data
@pytest.mark.parametrize("payload", [
    [1, 2, 3], "hello", {}, {"inputs": []},
    {"output": "nope.children", "outputs": {"id": "nope", "property": "children"}, "inputs": [], "changedPropIds": []},
    {"output": 5, "outputs": 7, "inputs": "x", "changedPropIds": 3},
    {"output": BIG, "outputs": {"id": BIG, "property": "children"}, "inputs": [{"id": "x", "property": "y",
                                                                               "value": BIG}]},
    {**ROUTER, "inputs": [{"id": "url", "property": "pathname", "value": {"a": BIG}}]},
    {**ROUTER, "state": [{"id": "url", "property": "search", "value": 12}]},
    {**ROUTER, "output": "c3b42f431c2b26693ba469eec19c4afcd2fa7a97dfcf2950c6e279ae31f2365d"},
], ids=["list", "string", "empty", "no-output", "unknown-output", "wrong-types", "big-unknown",
        "router-dict-path", "router-number-search", "clientside-only"])
def test_the_atlas_refuses_what_it_answered_500_before(dash_app, caplog, payload):
    response, lines = post(dash_app, payload, caplog)
    assert 400 <= response.status_code < 500
    assert_one_short_line(lines)


@pytest.mark.real_data
def test_the_atlas_still_answers_a_real_request(dash_app, caplog):
    response, lines = post(dash_app, ROUTER, caplog)
    assert response.status_code == 200 and "Data-quality report" in response.get_data(as_text=True) and not lines
