"""Practice page callbacks: choosing a practice redraws its detail and puts it in the URL."""
from __future__ import annotations

from dash import Input, Output, State, callback

from callbacks.common import current_view
from layout.practice import practice_content
from layout.view import view_query


@callback(Output("practice-content", "children"), Output("url", "search", allow_duplicate=True),
          Input("practice-choice", "value"), State("practice-base", "data"), prevent_initial_call=True)
def choose(practice, base):
    view = current_view(base, {}, practice=practice)
    return practice_content(view), view_query(view)
