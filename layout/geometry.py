"""Web geometry for the maps: serialised once per process per layer, then only ever referenced by URL.

London's LSOA layer is 2.8 MB of GeoJSON, and Plotly's own serialisation of a
geometry-laden figure costs more than a whole callback may take. So each
layer is turned into bytes once (features whose one property is the area
`code`: the browser's map keys its colours by it, and Plotly traces find their
areas by it, FEATURE_ID_KEY; coordinates at 5 decimals, about 1 m), gzipped
once, and served
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
import shapely

from data.config import WGS84
from data.errors import check_crs
from data.geography import web_copy
from geo.memo import MB, Memo
from geo.tables import AreaTables

DECIMALS = 5
FEATURE_ID_KEY = "properties.code"  # a Plotly choroplethmap's `featureidkey` for these files
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
    """Serialise an EPSG:4326 layer (area_code, geometry) once: empty geometries are left out."""
    check_crs(frame, WGS84, "web geometry")
    shapes = frame.geometry.to_numpy()
    frame = frame[~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)]
    geometries = tuple(_rounded(text) for text in shapely.to_geojson(frame.geometry.to_numpy()))
    codes = tuple(str(code) for code in frame["area_code"])
    features = ",".join(f'{{"type":"Feature","properties":{{"code":{code}}},"geometry":{geometry}}}'
                        for code, geometry in zip(map(_json, codes), geometries, strict=True))
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


class WebLayers:
    """The web geometry of every level (PCN catchments per year), each serialised once per process.

    Names: the level's key ('lsoa11', 'borough', ...) or 'pcn-<year>'. Bounded in bytes: every level and
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
        elif name not in self.tables.provision.atlas.areas_web:
            raise KeyError(name)
        return self._memo.get(name, lambda: web_layer(name, self._frame(name)), share=True)

    def _frame(self, name: str) -> gpd.GeoDataFrame:
        if name.startswith("pcn-"):
            catchments = self.tables.pcn_polygons(int(name.removeprefix("pcn-")))
            return web_copy(catchments.rename(columns={"pcn_code": "area_code", "pcn_name": "area_name"}), "pcn")
        return self.tables.provision.atlas.areas_web[name]

    def of(self, level: str, year: int) -> WebLayer:
        return self.named(self.name(level, year))

    def url(self, level: str, year: int) -> str:
        """Where the browser fetches a layer (under the app's URL prefix)."""
        return geometry_url(self.of(level, year), dash.get_relative_path("/"))

    def urls(self, level: str, year: int) -> dict[str, str]:
        """URLs of the geometry a map of this level and year names (see layout.mapfig.map_figure): the mapped
        layer, LSOAs (clusters), boroughs (orientation) and the PCN catchments of the year (or the first)."""
        pcn_year = max(year, min(self.tables.pcn_years()))
        return {"layer": self.url(level, year), "lsoa": self.url("lsoa11", year),
                "borough": self.url("borough", year), "pcn": self.url("pcn", pcn_year)}
