"""What a person sees when the atlas cannot serve its data: what to do, in words, never where the server keeps
its files (paths in an error say how the machine is laid out; they go to the server log only)."""
from __future__ import annotations

import re
from pathlib import PurePath

import dash_bootstrap_components as dbc
from dash import html

from data.errors import PlausibilityError

# An absolute path (POSIX or Windows) standing on its own: after a space, a quote or a bracket, not inside
# words such as "patients/GP".
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/\\])(?:[A-Za-z]:)?[\\/][^\s'\"`:;,()\[\]]+")


def without_server_paths(text: str) -> str:
    """`text` with every absolute path cut to its last part ('/srv/atlas/data/x.csv' -> 'x.csv')."""
    return ABSOLUTE_PATH.sub(lambda match: PurePath(match.group().replace("\\", "/")).name or "/", text)


def data_error_page(error: Exception) -> dbc.Container:
    return dbc.Container(dbc.Alert([
        html.H4("The atlas cannot load its data"),
        html.P(without_server_paths(str(error))),
        _plausibility_advice(error) if isinstance(error, PlausibilityError) else
        html.P(["Set ", html.Code("GP_ATLAS_DATA"), " to the folder holding geography/, practices/ and "
                "registrations/, then restart (the cache builds itself on first start, about 20 s). The server "
                "log has the details."]),
    ], color="danger"), class_name="mt-5")


def _plausibility_advice(error: PlausibilityError) -> html.P:
    """A failed plausibility rule is not a missing folder: the file may be right (a real change), or damaged."""
    return html.P(["The file parses but fails the plausibility rule ", html.Code(error.rule), ". Replace it with "
                   "an undamaged copy of the release, or, if the change is real, accept it with ",
                   html.Code(without_server_paths(error.accept_command)), " (the override is recorded in the "
                   "data-quality report on the About page), then restart. The server log has the details."])
