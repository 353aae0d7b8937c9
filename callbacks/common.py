"""Glue shared by the pages' callbacks: reading controls back into a View, and the year slider."""
from __future__ import annotations

from dash import Input, Output, State, callback

from callbacks.context import view_options
from layout.components import VIEW_CONTROLS, control_id, view_from_controls, year_slider_props
from layout.view import View, parse_view, view_query


def control_inputs(prefix: str, names=VIEW_CONTROLS) -> dict[str, Input]:
    return {name: Input(control_id(prefix, name), "value") for name in names}


def control_states(prefix: str, names=VIEW_CONTROLS) -> dict[str, State]:
    return {name: State(control_id(prefix, name), "value") for name in names}


def current_view(base_query: str | None, controls: dict, **changes) -> View:
    """The URL's view with the controls (and selection/camera) applied, re-validated like a fresh link.

    Re-parsing means a momentarily inconsistent control set (a year the new
    measure lacks, an area of another level) degrades to defaults, never errors.
    """
    options = view_options()
    base = parse_view(base_query, options)
    return parse_view(view_query(view_from_controls(base, **controls, **changes)), options)


def register_year_slider(prefix: str) -> None:
    """Year slider range follows the years the chosen measure has at the chosen level."""
    @callback(Output(control_id(prefix, "year"), "min"), Output(control_id(prefix, "year"), "max"),
              Output(control_id(prefix, "year"), "marks"), Output(control_id(prefix, "year"), "value"),
              Input(control_id(prefix, "measure"), "value"), Input(control_id(prefix, "level"), "value"),
              State(control_id(prefix, "year"), "value"), prevent_initial_call=True)
    def year_slider(measure, level, year):
        return year_slider_props(view_options().years[(measure, level)], year)
