"""Web geometry for the maps: serialised once per process per layer, then only ever referenced by URL.

London's LSOA layer is 2.8 MB of GeoJSON, and Plotly's own serialisation of a
geometry-laden figure costs more than a whole callback may take. So each
layer is turned into bytes once (features whose properties are the area `code`,
by which the browser's map keys its colours and Plotly traces find their areas,
FEATURE_ID_KEY, and its `name` for the map's hover text; coordinates at 5
decimals, about 1 m), gzipped once, and served
as a file by app.py; a figure names it by URL (`geometry_url`). plotly.js
fetches a GeoJSON URL once per page and shares it between every trace that
names it, so switching measure, year or overlays never moves geometry again.
"""
from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass

import dash
import geopandas as gpd
import orjson
import pandas as pd
import shapely

from data.config import WGS84
from data.errors import check_crs
from data.geography import OVERVIEW_TOLERANCE_M, web_copy
from geo.memo import MB, Memo
from geo.tables import AreaTables

DECIMALS = 5
FEATURE_ID_KEY = "properties.code"  # a Plotly choroplethmap's `featureidkey` for these files
OVERVIEW = "-overview"  # name suffix of a level's London-wide copy (data/geography.py OVERVIEW_TOLERANCE_M)
# The map draws a level's overview copy below this zoom: MapLibre's world is 512 * 2^zoom px wide, so at London's
# latitude a pixel is about 67 m at zoom 9.5, and the overview's 45 m stays within two thirds of a pixel.
OVERVIEW_BELOW_ZOOM = 9.5
_LONG_DECIMAL = re.compile(rf"-?\d+\.\d{{{DECIMALS + 1},}}")  # float noise such as 0.12218999999999999


@dataclass(frozen=True)
class WebLayer:
    name: str                 # 'lsoa11', or 'pcn-2024' for the year's PCN catchments
    codes: tuple[str, ...]    # area code of each feature, in feature order
    geometries: tuple[str, ...]  # GeoJSON geometry text of each feature
    body: bytes               # the FeatureCollection
    gzipped: bytes
    etag: str
    bounds: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max

    @property
    def size(self) -> int:
        return len(self.body)


def _rounded(text: str) -> str:
    return _LONG_DECIMAL.sub(lambda match: repr(round(float(match.group()), DECIMALS)), text)


def _json(text: str) -> str:
    return orjson.dumps(text).decode()


def web_layer(name: str, frame: gpd.GeoDataFrame) -> WebLayer:
    """Serialise an EPSG:4326 layer (area_code, area_name, geometry) once: empty geometries are left out, and
    an area without a name is called by its code."""
    check_crs(frame, WGS84, "web geometry")
    shapes = frame.geometry.to_numpy()
    frame = frame[~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)]
    geometries = tuple(_rounded(text) for text in shapely.to_geojson(frame.geometry.to_numpy()))
    codes = tuple(str(code) for code in frame["area_code"])
    names = [code if pd.isna(area) else str(area) for code, area in zip(codes, frame["area_name"], strict=True)]
    features = ",".join(f'{{"type":"Feature","properties":{{"code":{code},"name":{area}}},"geometry":{geometry}}}'
                        for code, area, geometry in zip(map(_json, codes), map(_json, names), geometries,
                                                        strict=True))
    body = f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()
    # mtime=0: every worker gzips to the same bytes, as a strong ETag promises
    return WebLayer(name=name, codes=codes, geometries=geometries, body=body, gzipped=gzip.compress(body, 6, mtime=0),
                    etag=hashlib.sha1(body).hexdigest()[:16], bounds=tuple(float(b) for b in frame.total_bounds))


def layer_geojson(layer: WebLayer, properties: list[dict]) -> str:
    """The layer with one properties object per feature (same order as `layer.codes`), for download."""
    features = ",".join(
        f'{{"type":"Feature","id":{orjson.dumps(code).decode()},"properties":'
        f'{orjson.dumps(props, option=orjson.OPT_SERIALIZE_NUMPY).decode()},"geometry":{geometry}}}'
        for code, props, geometry in zip(layer.codes, properties, layer.geometries, strict=True))
    return f'{{"type":"FeatureCollection","features":[{features}]}}'


def geometry_url(layer: WebLayer, prefix: str = "/") -> str:
    """Where app.py serves the layer; the content hash makes the URL cacheable forever."""
    return f"{prefix}geometry/{layer.name}.geojson?v={layer.etag}"


def prefixed(layer: WebLayer) -> str:
    """The layer's URL under the app's URL prefix."""
    return geometry_url(layer, dash.get_relative_path("/"))


def first_geometry(urls: dict[str, str | None], zoom: float) -> str:
    """The mapped layer's file a map opening at `zoom` draws first (assets/explore_map.js chooses alike)."""
    return urls["overview"] if urls["overview"] and zoom < OVERVIEW_BELOW_ZOOM else urls["layer"]


class WebLayers:
    """The web geometry of every level (PCN catchments per year), each serialised once per process.

    Names: the level's key ('lsoa11', 'borough', ...), '<level>-overview' (the coarser copy the map draws
    London-wide, for the levels in OVERVIEW_TOLERANCE_M) or 'pcn-<year>'. Bounded in bytes: every level and
    every year's PCN catchments (about 25 MB in all for London) fit with room to spare.
    """

    MAX_BYTES = 64 * MB

    def __init__(self, tables: AreaTables):
        self.tables = tables
        self._memo = Memo(max_bytes=self.MAX_BYTES, shared=tables.provision.shared, namespace="geometry")

    @staticmethod
    def name(level: str, year: int) -> str:
        """Geometry file of a level: PCN catchments differ by year, every other level is fixed."""
        return f"pcn-{year}" if level == "pcn" else level

    def named(self, name: str) -> WebLayer:
        """The layer called `name`; KeyError for a name that is not a layer."""
        if name.startswith("pcn-"):
            year = name.removeprefix("pcn-")
            canonical = year.isascii() and year.isdigit() and str(int(year)) == year  # one URL per layer
            if not canonical or int(year) not in self.tables.pcn_years():
                raise KeyError(name)
        elif name.endswith(OVERVIEW):
            if name.removesuffix(OVERVIEW) not in OVERVIEW_TOLERANCE_M:
                raise KeyError(name)
        elif name not in self.tables.provision.atlas.areas_web:
            raise KeyError(name)
        return self._memo.get(name, lambda: web_layer(name, self._frame(name)), share=True)

    def _frame(self, name: str) -> gpd.GeoDataFrame:
        if name.startswith("pcn-"):  # named as every other view names PCNs (geo/names.py)
            catchments = self.tables.pcn_polygons(int(name.removeprefix("pcn-")))
            layer = web_copy(catchments.rename(columns={"pcn_code": "area_code", "pcn_name": "area_name"}), "pcn")
            return layer.assign(area_name=layer["area_code"].map(self.tables.area_names("pcn")))
        if name.endswith(OVERVIEW):
            level = name.removesuffix(OVERVIEW)
            return web_copy(self.tables.provision.atlas.areas[level], level, OVERVIEW_TOLERANCE_M[level])
        return self.tables.provision.atlas.areas_web[name]

    def of(self, level: str, year: int) -> WebLayer:
        return self.named(self.name(level, year))

    def url(self, level: str, year: int) -> str:
        """Where the browser fetches a layer (under the app's URL prefix)."""
        return prefixed(self.of(level, year))

    def urls(self, level: str, year: int) -> dict[str, str | None]:
        """URLs of the geometry a map of this level and year names (see layout.mapfig.map_figure): the mapped
        layer, LSOAs (clusters), boroughs (orientation) and the PCN catchments of the year (or the first); and
        the mapped layer's overview copy, None for a level without one."""
        pcn_year = max(year, min(self.tables.pcn_years()))
        overview = prefixed(self.named(level + OVERVIEW)) if level in OVERVIEW_TOLERANCE_M else None
        return {"layer": self.url(level, year), "lsoa": self.url("lsoa11", year),
                "borough": self.url("borough", year), "pcn": self.url("pcn", pcn_year), "overview": overview}
