"""The view a URL describes, parsed and validated without Dash, and written back as a query string.

Every page reads its state from the URL (`?level=ward&measure=e2sfca&year=2024...`)
so that a link reproduces exactly what the sender saw, and writes it back as
the user changes controls. A parameter that is unknown, malformed or not
valid for the data (a year the measure has no data for, an LSOA code at
borough level) falls back to its default and yields one plain-English notice;
parsing never raises.

URL parameters (all optional):

=========  ===============================================  =======================
name       meaning                                          default
=========  ===============================================  =======================
level      lsoa11 msoa11 ward borough ccg19 icb pcn         lsoa11
measure    a key of geo.measures.MEASURES                   e2sfca
year       FY-end year with data for measure and level      latest such year
weights    age | age_imd | none (need weighting)            AnalysisParams
d0         E2SFCA catchment, metres (rounded to 100 m)      AnalysisParams
k, n       persistent = poor in >= k of the last n years    AnalysisParams
cut        poor = this fraction of areas (0 < cut <= 0.5)   AnalysisParams
scheme     quantiles | natural_breaks | continuous          quantiles
layers     comma list of practices,pcn,persistent,          persistent
           robust_persistent,hotspots
area       code of an area of `level`                       none
practice   GP practice code                                 none
lat, lon   map centre (degrees, within Greater London)      London
zoom       map zoom 8..17                                   fits London
embed      1 = chrome-less view for an iframe               0
print      1 = print layout (A4 landscape)                  0
=========  ===============================================  =======================

The analysis defaults (weights, d0, k, n, cut) are `geo.params.AnalysisParams`'s.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode

from data.years import fy_label
from geo.params import CUT_MAX, D0_RANGE, D0_STEP, DEFAULT_PARAMS, AnalysisParams

SCHEMES = {"quantiles": "Quantiles", "natural_breaks": "Natural breaks (Jenks)", "continuous": "Continuous"}
LAYERS = {"practices": "GP practices", "pcn": "PCN catchments", "persistent": "Persistent poor provision",
          "robust_persistent": "Persistent under every method", "hotspots": "Significant clusters (Gi*)"}
LAT_RANGE, LON_RANGE, ZOOM_RANGE = (51.2, 51.8), (-0.6, 0.4), (8.0, 17.0)
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class ViewOptions:
    """What the data allows: built once from the analytics, so parsing needs no data access."""

    levels: Mapping[str, str]                      # key -> label
    measures: Mapping[str, str]                    # key -> label
    years: Mapping[tuple[str, str], tuple[int, ...]]  # (measure, level) -> years with data
    weightings: Mapping[str, str]
    areas: Mapping[str, frozenset]                 # level -> area codes (pcn: any year)
    practices: frozenset
    default_level: str = "lsoa11"
    default_measure: str = "e2sfca"


@dataclass(frozen=True)
class View:
    level: str
    measure: str
    year: int
    params: AnalysisParams = DEFAULT_PARAMS
    scheme: str = "quantiles"
    layers: tuple[str, ...] = ("persistent",)
    area: str | None = None
    practice: str | None = None
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None
    embed: bool = False
    print: bool = False
    notices: tuple[str, ...] = field(default=(), compare=False)

    def with_(self, **changes) -> View:
        return replace(self, **changes)


def default_view(options: ViewOptions) -> View:
    level, measure = options.default_level, options.default_measure
    return View(level=level, measure=measure, year=max(options.years[(measure, level)]))


def parse_view(params: Mapping[str, str] | str | None, options: ViewOptions) -> View:
    """URL query (a mapping or the raw '?a=b' string) -> a valid View with `notices` for what was ignored."""
    if params is None or isinstance(params, str):
        params = dict(parse_qsl((params or "").lstrip("?"), keep_blank_values=True))
    notices: list[str] = []
    base = default_view(options)

    def note(name: str, raw, why: str, used) -> None:
        notices.append(f"Ignored {name}={str(raw)[:40]!r}: {why}; using {used}.")

    def choice(name: str, allowed: Mapping[str, str], default: str) -> str:
        raw = params.get(name)
        if raw is None or raw in allowed:
            return default if raw is None else raw
        note(name, raw, f"choose one of {', '.join(allowed)}", allowed[default])
        return default

    level = choice("level", options.levels, base.level)
    measure = choice("measure", options.measures, base.measure)
    years = options.years.get((measure, level), ())
    if not years:  # e.g. no PCN catchments for this measure
        note("level", level, f"no {options.measures[measure]} data at this level", options.levels[base.level])
        level, years = base.level, options.years[(measure, base.level)]
    year = _integer(params.get("year"), max(years), lambda y: y in years,
                    lambda raw: note("year", raw, f"no data for that year (years: {fy_label(years[0])} to "
                                             f"{fy_label(years[-1])})", fy_label(max(years))))
    default = base.params
    weights = choice("weights", options.weightings, default.weights)
    lo, hi = D0_RANGE
    d0 = _number(params.get("d0"), default.d0, lambda d: lo <= d <= hi,
                 lambda raw: note("d0", raw, f"catchment must be {lo:,.0f}-{hi:,.0f} m", f"{default.d0:,.0f} m"))
    d0 = float(min(hi, max(lo, round(d0 / D0_STEP) * D0_STEP)))
    n = _integer(params.get("n"), min(default.n, len(years)), lambda v: 1 <= v <= len(years),
                 lambda raw: note("n", raw, f"window must be 1-{len(years)} years", min(default.n, len(years))))
    k = _integer(params.get("k"), min(default.k, n), lambda v: 1 <= v <= n,
                 lambda raw: note("k", raw, f"k must be 1-{n} (at most n)", min(default.k, n)))
    cut = _number(params.get("cut"), default.cut, lambda c: 0 < c <= CUT_MAX,
                  lambda raw: note("cut", raw, f"cut must be a fraction in (0, {CUT_MAX}]", default.cut))
    scheme = choice("scheme", SCHEMES, base.scheme)
    layers = base.layers
    if "layers" in params:
        requested = [item.strip() for item in params["layers"].split(",") if item.strip()]
        unknown = [item for item in requested if item not in LAYERS]
        if unknown:
            note("layers", ",".join(unknown), f"layers are {', '.join(LAYERS)}", "the others")
        layers = tuple(item for item in LAYERS if item in requested)
    area = params.get("area") or None
    if area is not None and area not in options.areas.get(level, ()):
        note("area", area, f"not an area of level {options.levels[level]}", "no selection")
        area = None
    practice = params.get("practice") or None
    if practice is not None and practice not in options.practices:
        note("practice", practice, "not a London GP practice code", "no selection")
        practice = None
    lat = _optional_number(params, "lat", LAT_RANGE, note)
    lon = _optional_number(params, "lon", LON_RANGE, note)
    if (lat is None) != (lon is None):
        if params.get("lat") in (None, "") or params.get("lon") in (None, ""):  # half a camera (else noticed above)
            given = "lat" if lat is not None else "lon"
            note(given, params[given], "a map centre needs both lat and lon", "London")
        lat = lon = None
    zoom = _optional_number(params, "zoom", ZOOM_RANGE, note)
    embed, print_ = (_flag(params, name, note) for name in ("embed", "print"))
    return View(level=level, measure=measure, year=year,
                params=AnalysisParams(weights=weights, d0=d0, k=k, n=n, cut=cut), scheme=scheme, layers=layers,
                area=area, practice=practice, lat=lat, lon=lon, zoom=zoom, embed=embed, print=print_,
                notices=tuple(notices))


def view_query(view: View, **overrides) -> str:
    """'?level=...': the core view always (a link keeps meaning when new data arrive), optional parts when set."""
    view = view.with_(**overrides) if overrides else view
    analysis = view.params
    params = {"level": view.level, "measure": view.measure, "year": view.year, "weights": analysis.weights,
              "d0": f"{analysis.d0:g}", "k": analysis.k, "n": analysis.n, "cut": f"{analysis.cut:g}",
              "scheme": view.scheme, "layers": ",".join(view.layers)}
    for name in ("area", "practice"):
        if getattr(view, name):
            params[name] = getattr(view, name)
    if view.lat is not None and view.lon is not None:
        params.update(lat=f"{view.lat:.5f}", lon=f"{view.lon:.5f}")
    if view.zoom is not None:
        params["zoom"] = f"{view.zoom:.2f}"
    for name in ("embed", "print"):
        if getattr(view, name):
            params[name] = 1
    return "?" + urlencode(params, safe=",")


def camera_from_relayout(relayout: Mapping | None) -> dict:
    """lat/lon/zoom from a map's relayoutData (only keys present; empty when the event is not a pan/zoom)."""
    if not relayout:
        return {}
    camera = {}
    centre = relayout.get("map.center")
    if isinstance(centre, Mapping) and _finite(centre.get("lat")) and _finite(centre.get("lon")):
        camera.update(lat=round(float(centre["lat"]), 5), lon=round(float(centre["lon"]), 5))
    if _finite(relayout.get("map.zoom")):
        camera["zoom"] = round(float(relayout["map.zoom"]), 2)
    return camera


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(raw, default: float, valid, reject) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not valid(value):
        reject(raw)
        return default
    return value


def _integer(raw, default: int, valid, reject) -> int:
    if raw is None:
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not valid(value):
        reject(raw)
        return default
    return value


def _optional_number(params: Mapping, name: str, bounds: tuple[float, float], note) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    value = _number(raw, math.nan, lambda v: bounds[0] <= v <= bounds[1],
                    lambda bad: note(name, bad, f"must be a number in {bounds[0]:g}..{bounds[1]:g}", "the default"))
    return None if math.isnan(value) else value


def _flag(params: Mapping, name: str, note) -> bool:
    raw = str(params.get(name, "")).strip().lower()
    if raw in TRUE_WORDS or raw in FALSE_WORDS:
        return raw in TRUE_WORDS
    note(name, raw, "use 1 or 0", "0")
    return False
