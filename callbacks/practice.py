"""Practice page callbacks: choosing a practice redraws its detail and puts it in the URL."""
from __future__ import annotations

from dash import Dash, Input, Output, State

from callbacks.common import bind, current_view
from layout.practice import practice_content
from layout.services import AtlasServices
from layout.view import view_query


def choose(services: AtlasServices, practice, base):
    view = current_view(services, base, {}, practice=practice)
    return practice_content(services, view), view_query(view)


def register(app: Dash, services: AtlasServices) -> None:
    app.callback(Output("practice-content", "children"), Output("url", "search", allow_duplicate=True),
                 Input("practice-choice", "value"), State("practice-base", "data"), prevent_initial_call=True)(
        bind(services, choose))
