"""Bid files in: read an uploaded or command-line bids CSV into rows of text cells, or refuse it in one line.

A bids file comes from outside (an upload on the Bids page, a file given to
`python -m geo.bids`), so it is checked before anything reads it as data: a
.csv name, at most `MAX_FILE_BYTES`, text rather than binary (UTF-8, else
Windows-1252, the two encodings spreadsheets save CSV in), a header and at
least one row. A file that fails is refused whole with a `BidFileError` whose
message is one line, shown as is.

Cells stay text here: what each row means (a site, an FTE, a cost) and why a
row cannot be scored is decided by `geo.bids.sites`, row by row, so one bad
row never costs the others. Column names are matched case-insensitively with
spaces read as underscores ("Added GP FTE" is `added_gp_fte`); two columns
that mean the same after that clean-up ("Lat" and "lat") refuse the file,
naming them, rather than one silently winning.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pandas as pd

INPUT_COLUMNS = ("label", "postcode", "easting", "northing", "lat", "lon", "added_gp_fte", "cost", "practice_code")
COLUMNS_HELP = "label, postcode | easting,northing | lat,lon, added_gp_fte [, cost, practice_code]"
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILE_SIZE_TEXT = f"{MAX_FILE_BYTES / 1024 / 1024:g} MB"
MAX_BIDS = 1000  # per run: ~5x the bids London took forward in a year; keeps one upload's memory bounded
BINARY_SNIFF_BYTES = 4096  # a NUL byte this early means a spreadsheet or archive, not CSV text


class BidFileError(ValueError):
    """A bids file that cannot be read at all (one line, shown as is)."""


def check_bids_file(name: str, size: int) -> None:
    """Reject anything that is not a .csv of at most MAX_FILE_BYTES, with one line saying which."""
    if not str(name).lower().endswith(".csv"):
        raise BidFileError(f"{name} is not a CSV file: upload a .csv with columns {COLUMNS_HELP}")
    if size > MAX_FILE_BYTES:
        raise BidFileError(f"{name} is {size / 1024 / 1024:.1f} MB; bid files are limited to {MAX_FILE_SIZE_TEXT}")


def read_bids_file(path: Path) -> pd.DataFrame:
    """A bids CSV on disk (the command line's input): checked by name and size before a byte is read."""
    if path.is_dir():
        raise BidFileError(f"bids file {path} is a folder, not a CSV file")
    if not path.is_file():
        raise BidFileError(f"bids file not found: {path}")
    check_bids_file(path.name, path.stat().st_size)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise BidFileError(f"cannot read bids file {path}: {exc.strerror or exc}") from None
    return bids_from_csv(content, path.name)


def bids_from_csv(content: bytes, name: str) -> pd.DataFrame:
    """The rows of a bids CSV as text (every cell a string), or BidFileError with one clear line."""
    check_bids_file(name, len(content))
    if b"\x00" in content[:BINARY_SNIFF_BYTES]:
        raise BidFileError(f"{name} is not a text CSV file (it looks binary)")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise BidFileError(f"{name} is empty: expected a header row and one row per bid") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise BidFileError(f"{name} could not be read as CSV: {str(exc).splitlines()[0]}") from None
    if frame.empty:
        raise BidFileError(f"{name} has a header but no bid rows")
    check_distinct_columns(_header(text), name)
    return frame


def _header(text: str) -> list[str]:
    """The header row as written (pandas would rename a repeated name 'lat' to 'lat.1' and hide the clash):
    the first line that is not blank, as pandas reads it."""
    try:
        return next((row for row in csv.reader(io.StringIO(text)) if row != [] and row != [""] and
                     not (len(row) == 1 and not row[0].strip())), [])
    except csv.Error:  # e.g. a header cell beyond csv's field size limit: pandas read it, names are checked there
        return []


def clean_column_name(name) -> str:
    return str(name).strip().lower().replace(" ", "_")


def check_distinct_columns(names, what: str) -> None:
    """BidFileError naming every group of columns that mean the same after clean-up ('Lat' and 'lat')."""
    same = defaultdict(list)
    for name in names:
        if str(name).strip():
            same[clean_column_name(name)].append(str(name))
    clashes = [f"{' and '.join(repr(n[:40]) for n in group)} (both read as {clean[:40]!r})"
               for clean, group in same.items() if len(group) > 1]
    if clashes:
        raise BidFileError(f"{what} has columns that mean the same: {'; '.join(clashes)}; keep one of each")


def normalised_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """The table with column names lower-cased, trimmed and spaces made underscores (rows renumbered from 0);
    BidFileError when two names become one."""
    check_distinct_columns(raw.columns, "the bids table")
    return raw.rename(columns=clean_column_name).reset_index(drop=True)


def missing_columns(raw: pd.DataFrame) -> list[str]:
    """What a bids table lacks to be scored at all: added_gp_fte, and any location column."""
    columns = set(normalised_columns(raw).columns)
    missing = [] if "added_gp_fte" in columns else ["added_gp_fte"]
    located = {"postcode", "practice_code"} & columns or {"easting", "northing"} <= columns or {"lat", "lon"} <= columns
    return missing + ([] if located else ["a location (postcode, easting and northing, lat and lon, or practice_code)"])


def text_cells(raw: pd.DataFrame) -> pd.DataFrame:
    """Every input column as trimmed text, blank where the table lacks the column; other columns are dropped."""
    frame = normalised_columns(raw)
    blank = pd.Series("", index=frame.index, dtype=object)
    return pd.DataFrame({column: frame[column].astype("string").fillna("").str.strip().astype(object)
                         if column in frame else blank for column in INPUT_COLUMNS})


def bid_rows(raw: pd.DataFrame) -> list[dict]:
    """The input columns of every row as text cells (blank where absent): what the app stores and links carry."""
    return text_cells(raw).to_dict("records")
