"""CSV that is safe to open in a spreadsheet: the one writer of every download and every command-line CSV.

CSV injection: a cell that starts with = + - @ (or a tab or carriage return,
which Excel also treats as a formula start) can run as a formula when the file
is opened, and bid labels, area, practice and PCN names all come from outside.
Such text cells (and headers) get a leading apostrophe (OWASP's advice), which
spreadsheets display but do not evaluate. Numbers stay numbers: numeric columns
are never touched, and a text cell that is just a number ("-2", "+1.5e3") is
left alone, since a spreadsheet reads it as that number and nothing else.
"""
from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value):
    """Text starting like a formula gets a leading apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """CSV text of a frame (no index) with every text cell and header neutralised."""
    safe = frame.rename(columns=lambda column: neutralise_cell(str(column)))
    text_columns = [c for c in safe.columns if safe[c].dtype == object or pd.api.types.is_string_dtype(safe[c])]
    safe[text_columns] = safe[text_columns].map(neutralise_cell)
    return safe.to_csv(index=False)
