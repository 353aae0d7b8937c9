"""URL <-> view: parsing is total (bad input -> defaults + one notice each) and a written query parses back."""
import pytest

from geo.params import AnalysisParams
from layout.view import View, ViewOptions, camera_from_relayout, default_view, parse_view, view_query

OPTIONS = ViewOptions(
    levels={"lsoa11": "LSOA (2011)", "borough": "Borough", "pcn": "PCN catchment"},
    measures={"e2sfca": "E2SFCA access", "nearest_practice_m": "Distance to nearest practice"},
    years={("e2sfca", "lsoa11"): (2016, 2017, 2018, 2019, 2020, 2021),
           ("e2sfca", "borough"): (2016, 2017, 2018, 2019, 2020, 2021),
           ("e2sfca", "pcn"): (2020, 2021), ("nearest_practice_m", "lsoa11"): (2015, 2016),
           ("nearest_practice_m", "borough"): (2015, 2016), ("nearest_practice_m", "pcn"): ()},
    weightings={"age": "age", "age_imd": "age and IMD", "none": "raw"},
    areas={"lsoa11": frozenset({"E01000001"}), "borough": frozenset({"E09000001"}), "pcn": frozenset({"U1"})},
    practices=frozenset({"F83004"}))


def test_no_parameters_give_the_default_view_with_the_latest_year():
    view = parse_view("", OPTIONS)
    assert view == default_view(OPTIONS)
    assert (view.level, view.measure, view.year, view.params, view.layers) == \
        ("lsoa11", "e2sfca", 2021, AnalysisParams(weights="age", d0=1600.0, k=4, n=5, cut=0.2), ("persistent",))
    assert view.notices == ()


def test_a_full_query_round_trips():
    view = View(level="borough", measure="nearest_practice_m", year=2015,
                params=AnalysisParams(weights="none", d0=2400.0, k=1, n=2, cut=0.25), scheme="natural_breaks",
                layers=("practices", "hotspots"), area="E09000001",
                practice="F83004", lat=51.5, lon=-0.12, zoom=11.25, embed=True, print=True)
    query = view_query(view)
    assert query.startswith("?level=borough&measure=nearest_practice_m&year=2015")
    assert "layers=practices,hotspots" in query and "embed=1" in query and "print=1" in query
    assert parse_view(query, OPTIONS) == view and parse_view(query, OPTIONS).notices == ()


@pytest.mark.parametrize("query, ignored", [
    ("level=ward", "level='ward'"),
    ("measure=magic", "measure='magic'"),
    ("year=1999", "year='1999'"),
    ("year=twenty", "year='twenty'"),
    ("weights=heavy", "weights='heavy'"),
    ("d0=-5", "d0='-5'"),
    ("d0=nan", "d0='nan'"),
    ("d0=inf", "d0='inf'"),
    ("k=9", "k='9'"),
    ("n=0", "n='0'"),
    ("cut=0.9", "cut='0.9'"),
    ("scheme=rainbow", "scheme='rainbow'"),
    ("layers=persistent,unicorns", "layers='unicorns'"),
    ("area=E09000001", "area='E09000001'"),      # a borough code at LSOA level
    ("practice=XX999", "practice='XX999'"),
    ("lat=48.8&lon=-0.1", "lat='48.8'"),          # south of Paris is not London
    ("zoom=40", "zoom='40'"),
    ("embed=maybe", "embed='maybe'"),
])
def test_each_bad_parameter_falls_back_with_one_notice(query, ignored):
    view = parse_view(query, OPTIONS)
    assert len(view.notices) == 1 and view.notices[0].startswith(f"Ignored {ignored}")
    assert view.level in OPTIONS.levels and view.year in OPTIONS.years[(view.measure, view.level)]


def test_values_that_depend_on_each_other_are_checked_together():
    assert parse_view("measure=nearest_practice_m&year=2015", OPTIONS).year == 2015
    assert parse_view("level=pcn&year=2018", OPTIONS).year == 2021          # PCNs start later
    no_pcn = parse_view("level=pcn&measure=nearest_practice_m", OPTIONS)   # no data at that level
    assert no_pcn.level == "lsoa11" and "no Distance to nearest practice data" in no_pcn.notices[0]
    short = parse_view("level=pcn", OPTIONS)                                # only 2 years: window shrinks
    assert (short.params.n, short.params.k) == (2, 2) and short.notices == ()
    assert parse_view("k=5&n=3", OPTIONS).params.k == 3


def test_d0_is_rounded_to_100_m_and_layers_keep_a_fixed_order():
    view = parse_view("d0=1649&layers=hotspots,practices", OPTIONS)
    assert view.params.d0 == 1600.0 and view.layers == ("practices", "hotspots")
    assert parse_view("layers=", OPTIONS).layers == ()


def test_lat_without_lon_is_dropped_and_junk_never_raises():
    assert parse_view("lat=51.5", OPTIONS).lat is None
    for junk in ("%%%", "?&&=&", "year=&level=", "a=b=c", "year=2021&year=1900", "\x00"):
        parse_view(junk, OPTIONS)


def test_camera_from_relayout_reads_only_pan_and_zoom_events():
    assert camera_from_relayout({"map.center": {"lon": -0.123456789, "lat": 51.5}, "map.zoom": 10.126}) == \
        {"lat": 51.5, "lon": -0.12346, "zoom": 10.13}
    assert camera_from_relayout({"autosize": True}) == {}
    assert camera_from_relayout(None) == {}
    assert camera_from_relayout({"map.center": {"lat": "x", "lon": 1}, "map.zoom": float("nan")}) == {}
