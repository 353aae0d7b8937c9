"""What a person sees when the atlas cannot serve its data: what to do, in words, never where the server keeps
its files (paths in an error say how the machine is laid out; they go to the server log only)."""
from __future__ import annotations

import re
from pathlib import PurePath

import dash_bootstrap_components as dbc
from dash import html

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
        html.P(["Set ", html.Code("GP_ATLAS_DATA"), " to the folder holding geography/, practices/ and "
                "registrations/, then restart (the cache builds itself on first start, about 20 s). The server "
                "log has the details."]),
    ], color="danger"), class_name="mt-5")
