"""Property-based fuzzing of bids files (Hypothesis): random bytes and random CSV shapes either give rows of
text cells or one clear line (BidFileError), never another exception; rows that are read upload and score to a
status per row."""
from __future__ import annotations

import base64
import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from callbacks.bids import upload_rows
from data.bid_intake import INPUT_COLUMNS, BidFileError, bid_rows, bids_from_csv, missing_columns
from geo.params import DEFAULT_PARAMS

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CELLS = st.one_of(st.text(max_size=12), st.sampled_from(
    ["", "N20 0DH", "e1 6an", "SW1A 1AA", "ZZ9 9ZZ", "2", "-1", "0", "1e308", "nan", "51.5", "-0.1", "530000",
     "180000", "E83003", "£1,200,000", "=1+1", '"', "\n", "\r\n", ",", "\x00", "\ufeff"]))
HEADERS = st.one_of(st.sampled_from(INPUT_COLUMNS), st.sampled_from(["Lat", "LAT ", "Added GP FTE", " label",
                                                                     "Postcode", "added gp fte", ""]),
                    st.text(max_size=8))


def read(content: bytes, name: str = "bids.csv") -> pd.DataFrame | None:
    """The rows, or None after checking the refusal is one BidFileError line."""
    try:
        frame = bids_from_csv(content, name)
    except BidFileError as exc:
        assert str(exc) and "\n" not in str(exc), repr(str(exc))
        return None
    assert len(frame) >= 1 and all(isinstance(c, str) for c in frame.to_numpy().ravel()), frame
    return frame


def upload(content: bytes, name: str = "bids.csv"):
    rows, message, colour = upload_rows("data:text/csv;base64," + base64.b64encode(content).decode(), name, [])
    assert "\n" not in message and colour in ("success", "danger")
    assert (rows is None) == (colour == "danger")
    return rows


@st.composite
def csv_file(draw, scorable: bool = False) -> bytes:
    """A CSV of random shape: a header of real, case- or space-varied, colliding or random names; ragged rows
    of awkward cells; any quoting; UTF-8 (with or without BOM) or Windows-1252; blank lines. `scorable`: the
    columns a bid needs and no row longer than the header, the cells still anything."""
    if scorable:
        header = ["label", draw(st.sampled_from(["postcode", "practice_code"])), "added_gp_fte", "cost"]
    else:
        header = draw(st.lists(HEADERS, min_size=1, max_size=9))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + (0 if scorable else 2)), min_size=int(scorable),
                         max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
                        , escapechar="\\")
    for row in [header, *rows]:
        try:
            writer.writerow(row)
        except csv.Error:  # a row csv will not write unquoted: written raw, another shape to read
            buffer.write(",".join(row) + "\n")
        if draw(st.booleans()) and draw(st.booleans()):
            buffer.write("\n")
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(content=st.binary(max_size=3000), name=st.sampled_from(["bids.csv", "BIDS.CSV", "bids.xlsx", "bids"]))
def test_random_bytes_give_rows_or_one_line(content, name):
    frame = read(content, name)
    if frame is not None:
        missing_columns(frame)
        assert all(set(row) == set(INPUT_COLUMNS) for row in bid_rows(frame))
        upload(content, name)


@FUZZ
@given(content=csv_file())
def test_random_csv_shapes_give_rows_or_one_line_and_upload_the_same_way(content):
    frame = read(content)
    rows = upload(content)
    if frame is None:
        assert rows is None
        return
    assert all(isinstance(cell, str) for row in bid_rows(frame) for cell in row.values())
    assert rows is None or len(rows) == len(frame)


@pytest.mark.real_data
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=csv_file(scorable=True))
def test_uploaded_random_rows_score_to_a_status_each(services, content):
    rows = upload(content)
    if not rows:
        return
    event("scored")
    scenario, problems = services.bids.scenario(tuple(rows), 2024, DEFAULT_PARAMS, "lifted_per_fte", "", "")
    statuses = scenario.bids["status"]
    assert len(statuses) == len(rows) and all(isinstance(status, str) and status for status in statuses)
