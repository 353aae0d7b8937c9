"""Property-based fuzzing of URL parameters (Hypothesis): whatever a link holds, the Explore and Bids parsers and
the router never raise, every view they return is valid and writes back as a clean link, and each value they
cannot use gets exactly one notice naming it."""
from __future__ import annotations

import json
import logging
import math
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly.utils import PlotlyJSONEncoder

from geo.params import CUT_MAX, D0_RANGE
from layout.bids.state import BidsView, bids_query, encode_bids, parse_bids_view
from layout.shell import route
from layout.view import LAT_RANGE, LAYERS, LON_RANGE, SCHEMES, ZOOM_RANGE, View, parse_view, view_query
from tests.faults.logs import log_records

pytestmark = pytest.mark.real_data
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ("level", "measure", "year", "weights", "d0", "k", "n", "cut", "scheme", "layers", "area", "practice",
         "lat", "lon", "zoom", "embed", "print")
ANY_TEXT = st.one_of(st.text(max_size=30), st.text(max_size=3000), st.sampled_from(
    ["", " ", "0", "-1", "1e400", "nan", "inf", "-0", "１２", "2024.0", " 2024 ", "9" * 5000, "%00", "\x00",
     "<script>", "a,b,,c", "=1+1"]))


def noticed(notices) -> list[str]:
    """The parameter each notice names ('Ignored NAME=...')."""
    assert all(notice.startswith("Ignored ") and "=" in notice for notice in notices), notices
    return [notice.removeprefix("Ignored ").split("=", 1)[0] for notice in notices]


def assert_valid(view: View, options) -> None:
    assert view.level in options.levels and view.measure in options.measures
    years = options.years[(view.measure, view.level)]
    assert view.year in years
    p = view.params
    assert p.weights in options.weightings and D0_RANGE[0] <= p.d0 <= D0_RANGE[1] and p.d0 % 100 == 0
    assert 1 <= p.k <= p.n <= len(years) and 0 < p.cut <= CUT_MAX
    assert view.scheme in SCHEMES and set(view.layers) <= set(LAYERS)
    assert view.area is None or view.area in options.areas[view.level]
    assert view.practice is None or view.practice in options.practices
    assert (view.lat is None) == (view.lon is None)
    for value, (low, high) in ((view.lat, LAT_RANGE), (view.lon, LON_RANGE), (view.zoom, ZOOM_RANGE)):
        assert value is None or (math.isfinite(value) and low <= value <= high)


@st.composite
def valid_query(draw, options) -> dict[str, str]:
    """A link whose every value the atlas can use (a subset of the parameters, the others left to defaults)."""
    level = draw(st.sampled_from(sorted(options.levels)))
    measure = draw(st.sampled_from(sorted(m for m in options.measures if options.years.get((m, level)))))
    years = options.years[(measure, level)]
    n = draw(st.integers(1, len(years)))
    lat, lon = draw(st.floats(*LAT_RANGE)), draw(st.floats(*LON_RANGE))
    query = {"level": level, "measure": measure, "year": str(draw(st.sampled_from(years))),
             "weights": draw(st.sampled_from(sorted(options.weightings))),
             "d0": str(draw(st.integers(2, 100)) * 100), "n": str(n), "k": str(draw(st.integers(1, n))),
             "cut": str(draw(st.floats(0.01, CUT_MAX))), "scheme": draw(st.sampled_from(sorted(SCHEMES))),
             "layers": ",".join(draw(st.lists(st.sampled_from(sorted(LAYERS)), unique=True))),
             "area": draw(st.sampled_from(sorted(options.areas[level]))),
             "practice": draw(st.sampled_from(sorted(options.practices))), "lat": f"{lat:.5f}", "lon": f"{lon:.5f}",
             "zoom": f"{draw(st.floats(*ZOOM_RANGE)):.2f}", "embed": draw(st.sampled_from(["0", "1", "true", "no"])),
             "print": draw(st.sampled_from(["", "1", "yes", "off"]))}
    kept = draw(st.sets(st.sampled_from([name for name in NAMES if name not in ("level", "measure", "lat", "lon")])))
    if draw(st.booleans()):
        kept |= {"lat", "lon"}
    if "k" in kept:  # k is valid within the n drawn with it
        kept.add("n")
    return {name: value for name, value in query.items() if name in kept | {"level", "measure"}}


# What no parameter can use: a value of the wrong kind, or out of its range.
GARBAGE = {
    **dict.fromkeys(("level", "measure", "weights", "scheme", "area", "practice", "layers"),
                    st.text(min_size=1, max_size=20).map(lambda text: "zz" + text.replace(",", ""))),
    "year": st.one_of(st.integers(-10**6, 2000).map(str), st.text(max_size=5).map(lambda t: "y" + t)),
    "d0": st.one_of(st.floats(10_001, 1e9).map(str), st.floats(-1e9, 199).map(str), st.just("far")),
    "k": st.sampled_from(["0", "-3", "99", "k", "1.5"]), "n": st.sampled_from(["0", "-1", "999", "five", "2.0"]),
    "cut": st.sampled_from(["0", "-0.1", "0.51", "2", "nan", "tenth"]),
    "lat": st.floats(60, 90).map(str), "lon": st.floats(1, 180).map(str), "zoom": st.sampled_from(["0", "40", "z"]),
    "embed": st.just("maybe"), "print": st.just("please"),
}
# A bad value falls back to its default, which can make a value that depends on it unusable too (an area of
# the requested level, a year the requested measure has, k within the requested n): those may be noticed too.
DEPENDENTS = {"level": {"year", "area", "n", "k"}, "measure": {"year", "n", "k"}, "n": {"k"}}


@FUZZ
@given(data=st.data())
def test_parse_view_never_raises_and_returns_a_valid_view_that_writes_back_clean(services, data):
    options = services.view_options
    params = data.draw(st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), ANY_TEXT,
                                       max_size=12))
    view = parse_view(params, options)
    assert_valid(view, options)
    names = noticed(view.notices)
    assert len(names) == len(set(names)) and set(names) <= set(params), view.notices
    again = parse_view(view_query(view), options)
    assert again == view and again.notices == ()


@FUZZ
@given(data=st.data())
def test_a_usable_link_gives_no_notice_and_one_bad_value_gives_exactly_one(services, data):
    options = services.view_options
    query = data.draw(valid_query(options))
    view = parse_view(query, options)
    assert view.notices == () and (view.level, view.measure) == (query["level"], query["measure"])
    assert all(str(getattr(view, name) if name != "year" else view.year) == query[name]
               for name in ("area", "practice", "year") if name in query)
    name = data.draw(st.sampled_from(sorted(GARBAGE)))
    bad = parse_view({**query, name: data.draw(GARBAGE[name])}, options)
    names = noticed(bad.notices)
    assert names[0] == name and set(names[1:]) <= DEPENDENTS.get(name, set()), bad.notices
    assert len(names) == len(set(names))
    assert_valid(bad, options)


@FUZZ
@given(data=st.data())
def test_half_a_camera_is_noticed_not_silently_dropped(services, data):
    options = services.view_options
    name = data.draw(st.sampled_from(["lat", "lon"]))
    value = data.draw(st.floats(*(LAT_RANGE if name == "lat" else LON_RANGE)))
    view = parse_view({name: f"{value:.5f}"}, options)
    assert (view.lat, view.lon) == (None, None) and noticed(view.notices) == [name]


BIDS_NAMES = ("year", "weights", "d0", "k", "n", "embed", "print", "bids", "objective", "close", "merge", "focus")


@FUZZ
@given(data=st.data())
def test_parse_bids_view_never_raises_and_its_link_reopens_the_same_state(services, data):
    options = services.view_options
    rows = data.draw(st.lists(st.dictionaries(st.sampled_from(["label", "postcode", "added_gp_fte", "lat"]),
                                              st.text(max_size=20), max_size=4), max_size=3))
    bids_value = data.draw(st.one_of(ANY_TEXT, st.just(encode_bids(rows)), st.just(encode_bids(rows)[:-3])))
    params = data.draw(st.dictionaries(st.one_of(st.sampled_from(BIDS_NAMES), st.text(max_size=8)), ANY_TEXT,
                                       max_size=10))
    state = parse_bids_view({**params, "bids": bids_value}, options)
    assert isinstance(state, BidsView)
    assert_valid(state.view, options)
    assert state.focus is None or 1 <= state.focus <= len(state.bids)
    query, _ = bids_query(state)
    from urllib.parse import parse_qsl
    again = parse_bids_view(dict(parse_qsl(query.lstrip("?"), keep_blank_values=True)), options)
    assert (again.bids, again.objective, again.focus, again.view) == (state.bids, state.objective, state.focus,
                                                                     state.view)


PATHS = st.one_of(st.sampled_from(["/", "/trends", "/practice", "/bids", "/about", "/trends/", "//about", "/nope",
                                   "", None]), st.text(max_size=40).map(lambda text: "/" + text))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathname=PATHS, params=st.dictionaries(st.one_of(st.sampled_from(NAMES + BIDS_NAMES + ("services", "self")),
                                                        st.text(max_size=8)), ANY_TEXT, max_size=8))
def test_the_router_draws_every_url_without_raising_or_logging_an_error(dash_app, services, pathname, params):
    with log_records(logging.ERROR) as errors:
        content, navbar, footer, shell_class = route(services, {}, pathname, "?" + urlencode(params))
    assert errors == [], [record.getMessage()[:300] for record in errors]
    json.dumps(content.to_plotly_json(), cls=PlotlyJSONEncoder)
    assert navbar == footer and isinstance(shell_class, str)


@pytest.mark.parametrize("name", ["year", "d0", "k", "n", "cut", "zoom", "lat", "focus"])
def test_a_5000_digit_number_in_a_link_is_a_notice(services, name):
    """Found by the fuzz: int() of a number over 4,300 digits raises (Python's guard), and `focus` let it out."""
    huge = "9" * 5000
    state = parse_bids_view({name: huge, "lon": "-0.1"}, services.view_options)
    view = parse_view({name: huge, "lon": "-0.1"}, services.view_options)
    assert any(f"Ignored {name}=" in notice for notice in state.notices + view.notices)
