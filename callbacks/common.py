"""Glue shared by the pages' callbacks: binding the services, reading controls back into a View, the year
slider."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from dash import Dash, Input, Output, State

from layout.components import VIEW_CONTROLS, control_id, view_from_controls, year_slider_props
from layout.services import AtlasServices
from layout.view import View, ViewOptions, parse_view, view_query


def bind(services: AtlasServices, function: Callable) -> Callable:
    """`function` with the services as its first argument, as Dash calls a callback (positional or keyword
    arguments, as its inputs are declared)."""
    def callback(*args, **kwargs):
        return function(services, *args, **kwargs)
    callback.__name__, callback.__qualname__ = function.__name__, function.__qualname__
    callback.__module__, callback.__doc__ = function.__module__, function.__doc__
    return callback


def control_inputs(prefix: str, names=VIEW_CONTROLS) -> dict[str, Input]:
    return {name: Input(control_id(prefix, name), "value") for name in names}


def control_states(prefix: str, names=VIEW_CONTROLS) -> dict[str, State]:
    return {name: State(control_id(prefix, name), "value") for name in names}


def current_view(services: AtlasServices, base_query: str | None, controls: dict, **changes) -> View:
    """The URL's view with the controls (and selection/camera) applied, re-validated like a fresh link.

    Re-parsing means a momentarily inconsistent control set (a year the new
    measure lacks, an area of another level) degrades to defaults, never errors;
    a control holding a value no analysis takes (k typed as 0) is read as a link
    would read it: the default, with a notice.
    """
    return view_in(services.view_options, base_query, controls, **changes)


def explore_view(services: AtlasServices, base_query: str | None, controls: dict, **changes) -> View:
    """`current_view` with what Explore's map offers besides the measures (method agreement)."""
    return view_in(services.explore_options, base_query, controls, **changes)


def view_in(options: ViewOptions, base_query: str | None, controls: dict, **changes) -> View:
    base = parse_view(base_query, options)
    try:
        wanted = view_query(view_from_controls(base, **controls, **changes))
    except (TypeError, ValueError):
        wanted = _as_link(base, {**controls, **changes}, changes)
    return parse_view(wanted, options)


def _as_link(base: View, values: dict, changes: dict) -> dict[str, str]:
    """The base view's link with `values` written over it as text (a blank control keeps the base value, a
    blank change such as no selection removes it)."""
    query = dict(parse_qsl(view_query(base).lstrip("?"), keep_blank_values=True))
    for name, value in values.items():
        if isinstance(value, (list, tuple)):
            query[name] = ",".join(map(str, value))
        elif value is not None and value != "":
            query[name] = str(value)
        elif name in changes:
            query.pop(name, None)
    return query


def year_slider(services: AtlasServices, measure, level, year):
    """Year slider range follows the years the chosen measure has at the chosen level."""
    return year_slider_props(services.view_options.years[(measure, level)], year)


def register_year_slider(app: Dash, services: AtlasServices, prefix: str) -> None:
    app.callback(Output(control_id(prefix, "year"), "min"), Output(control_id(prefix, "year"), "max"),
                 Output(control_id(prefix, "year"), "marks"), Output(control_id(prefix, "year"), "value"),
                 Input(control_id(prefix, "measure"), "value"), Input(control_id(prefix, "level"), "value"),
                 State(control_id(prefix, "year"), "value"), prevent_initial_call=True)(bind(services, year_slider))
