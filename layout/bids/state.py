"""Bids page state: the URL (and the controls) <-> a validated `BidsView`, and bid rows as text.

The page reads its state from the URL so a shortlist can be shared:

=========  ===========================================================  ==================
name       meaning                                                      default
=========  ===========================================================  ==================
year, weights, d0, k, n, print, embed: as every page (layout/view.py)
bids       the bid rows, compact: "1" + base64url(zlib(JSON rows))     none
objective  a key of geo.bids.OBJECTIVES                                 lifted_per_fte
close      practice codes closed in the scenario ("F84001,F84002")      none
merge      merges FROM>INTO ("F84003>F84004")                           none
focus      input row of the bid whose one-page summary is shown        best-ranked bid
=========  ===========================================================  ==================

A malformed or over-long ``bids`` value (or any other bad parameter) falls
back to its default with a visible notice; decoding never raises and never
inflates more than `MAX_URL_JSON` bytes. Bid rows are kept as the text a
person typed or uploaded (the columns of `data.bid_intake.INPUT_COLUMNS`), so a link
reproduces the same statuses, including the reasons bad rows were refused.
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from data.bid_intake import INPUT_COLUMNS, MAX_BIDS
from geo.bids import BID_LEVEL, BID_MEASURE, DEFAULT_OBJECTIVE, OBJECTIVES
from geo.params import AnalysisParams
from layout.view import View, ViewOptions, parse_view

URL_VERSION = "1"
MAX_URL_CHARS = 3000   # gunicorn refuses request lines over 4,094 bytes; leave room for the other parameters
MAX_URL_JSON = 200_000  # bytes a bids value may inflate to (a zip bomb stops here)
MAX_CELL_CHARS = 100


@dataclass(frozen=True)
class BidsView:
    view: View                     # year, weights, d0, k, n, print, embed (validated like every page)
    bids: tuple[dict, ...] = ()    # rows of text cells keyed by INPUT_COLUMNS
    objective: str = DEFAULT_OBJECTIVE
    close: str = ""
    merge: str = ""
    focus: int | None = None
    notices: tuple[str, ...] = ()

    @property
    def params(self) -> AnalysisParams:
        """The analysis parameters the scenario is scored with (the Bids page offers no cut: the default's)."""
        return self.view.params


def clean_row(row: Mapping) -> dict:
    """A bid row as text cells (the URL and the store carry nothing else), cut to MAX_CELL_CHARS."""
    return {column: str(row.get(column) if row.get(column) is not None else "").strip()[:MAX_CELL_CHARS]
            for column in INPUT_COLUMNS}


def encode_bids(rows) -> str:
    """Rows -> 'v' + base64url(zlib(JSON list of lists, trailing blanks dropped)); '' for no rows."""
    if not rows:
        return ""
    compact = []
    for row in rows:
        cells = [clean_row(row)[column] for column in INPUT_COLUMNS]
        while cells and cells[-1] == "":
            cells.pop()
        compact.append(cells)
    payload = zlib.compress(json.dumps(compact, separators=(",", ":")).encode(), 9)
    return URL_VERSION + base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_bids(text: str) -> tuple[tuple[dict, ...], str | None]:
    """The rows of a `bids` URL value, or no rows and one sentence saying why it was ignored."""
    if not text:
        return (), None
    if not text.startswith(URL_VERSION):
        return (), "not a bids value written by this atlas"
    try:
        packed = base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_URL_JSON)
        if inflater.unconsumed_tail:
            return (), "the bids value is too large"
        rows = json.loads(raw)
    except (binascii.Error, ValueError, zlib.error):
        return (), "the bids value is damaged (was the link cut short?)"
    if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) <= len(INPUT_COLUMNS) and
                                             all(isinstance(cell, (str, int, float)) for cell in row) for row in rows):
        return (), "the bids value is not a list of bid rows"
    if len(rows) > MAX_BIDS:
        return (), f"more than {MAX_BIDS:,} bids"
    return tuple(clean_row(dict(zip(INPUT_COLUMNS, row, strict=False))) for row in rows), None


def parse_bids_view(params: Mapping[str, str], options: ViewOptions) -> BidsView:
    """URL query of the Bids page -> a valid BidsView with notices for anything ignored (never raises)."""
    shared = {key: value for key, value in params.items() if key in ("year", "weights", "d0", "k", "n", "embed",
                                                                      "print")}
    view = parse_view({**shared, "measure": BID_MEASURE, "level": BID_LEVEL}, options)
    found = list(view.notices)
    bids, why = decode_bids(params.get("bids", ""))
    if why:
        found.append(f"Ignored the bids in the link: {why}; starting with no bids.")
    objective = params.get("objective", DEFAULT_OBJECTIVE)
    if objective not in OBJECTIVES:
        found.append(f"Ignored objective={objective[:40]!r}: choose one of {', '.join(OBJECTIVES)}; using "
                     f"{DEFAULT_OBJECTIVE}.")
        objective = DEFAULT_OBJECTIVE
    focus = params.get("focus")
    # at most as many digits as MAX_BIDS has: int() of a 5,000-digit string raises instead of answering
    if focus is not None and not (focus.isdigit() and len(focus) <= len(str(MAX_BIDS))
                                  and 1 <= int(focus) <= len(bids)):
        found.append(f"Ignored focus={focus[:40]!r}: not a bid row of this link; showing the best-ranked bid.")
        focus = None
    return BidsView(view=view, bids=bids, objective=objective, close=params.get("close", "")[:400],
                    merge=params.get("merge", "")[:400], focus=int(focus) if focus else None, notices=tuple(found))


def state_from_controls(base_query: str | None, rows, focus, controls: Mapping, options: ViewOptions) -> BidsView:
    """The page's current state: its controls over the URL it opened with, re-validated like a fresh link
    (a momentarily odd control, e.g. a d0 being typed, degrades to the default with a notice)."""
    params = dict(parse_qsl((base_query or "").lstrip("?"), keep_blank_values=True))
    params.update({name: str(value) for name, value in controls.items() if value is not None and value != ""})
    params.pop("bids", None)
    params.pop("focus", None)
    state = parse_bids_view(params, options)
    rows = tuple(clean_row(row) for row in (rows or ())[:MAX_BIDS])
    return replace(state, bids=rows, focus=focus if isinstance(focus, int) and 1 <= focus <= len(rows) else None)


def bids_query(state: BidsView, **changes) -> tuple[str, str | None]:
    """'?year=...&bids=...' for a state, and a notice when the bids are too many to travel in a link."""
    state = replace(state, **changes) if changes else state
    view, analysis = state.view, state.params
    params = {"year": view.year, "weights": analysis.weights, "d0": f"{analysis.d0:g}", "k": analysis.k,
              "n": analysis.n, "objective": state.objective}
    for name in ("close", "merge"):
        if getattr(state, name):
            params[name] = getattr(state, name)
    encoded, notice = encode_bids(state.bids), None
    if len(encoded) > MAX_URL_CHARS:
        encoded, notice = "", (f"These {len(state.bids):,} bids are too many to share as a link; the link keeps the "
                               "settings only. Download the ranked CSV to share them.")
    if encoded:
        params["bids"] = encoded
    if state.focus:
        params["focus"] = state.focus
    for name in ("embed", "print"):
        if getattr(view, name):
            params[name] = 1
    return "?" + urlencode(params, safe=",>"), notice


def with_param(query: str, **params) -> str:
    """`query` with `params` set (e.g. focus and print for the printable page of one bid)."""
    merged = dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    merged.update({key: str(value) for key, value in params.items()})
    return "?" + urlencode(merged, safe=",>")


def form_row(label, postcode, practice, fte, cost, pending: dict | None) -> dict | None:
    """The bid the 'Add a site' form describes: a practice code makes an uplift, else the postcode, else the
    pending map click (None when no site is given). A blank label is named after the site, so labels stay
    put when other bids are removed."""
    practice, postcode = (practice or "").strip().upper(), (postcode or "").strip().upper()
    row = {"added_gp_fte": "" if fte is None else str(fte), "cost": "" if cost in (None, "") else str(cost)}
    if practice:
        row.update(practice_code=practice, label=label or f"Uplift {practice}")
    elif postcode:
        row.update(postcode=postcode, label=label or postcode)
    elif pending and pending.get("easting") is not None:
        row.update(easting=str(pending["easting"]), northing=str(pending["northing"]),
                   label=label or f"Site E{pending['easting']:.0f} N{pending['northing']:.0f}")
    else:
        return None
    return clean_row(row)

