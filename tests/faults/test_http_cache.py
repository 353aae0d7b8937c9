"""The cacheable GETs (geometry files and measure cubes) follow HTTP's caching rules: gzip unless refused, a
quoted strong ETag per representation, 304 on revalidation, cached for a year as immutable, and exactly one
URL per resource (anything else is 404, so a cache never holds two copies of one document)."""
from __future__ import annotations

import gzip
import json
import re

import pytest

from geo.params import DEFAULT_PARAMS

pytestmark = pytest.mark.real_data
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture(scope="module")
def client(dash_app):
    return dash_app.server.test_client()


@pytest.fixture(scope="module")
def geometry_url(services):
    return services.layers.url("borough", 2025)


@pytest.fixture(scope="module")
def cube_url(services):
    return "/" + services.cubes.template("borough", DEFAULT_PARAMS).replace("{measure}", "e2sfca")


def check_cacheable(client, url: str) -> bytes:
    """The rules every immutable resource follows; returns its identity body."""
    zipped = client.get(url, headers=GZIP)
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    tag = zipped.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('-gzip"') and not tag.startswith("W/")
    again = client.get(url, headers={**GZIP, "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == zipped.headers["Cache-Control"]
    assert client.get(url, headers={**GZIP, "If-None-Match": '"something-else"'}).status_code == 200
    for refused in ({"Accept-Encoding": "gzip;q=0"}, {"Accept-Encoding": "identity"}, {}):
        plain = client.get(url, headers=refused)
        assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
        assert plain.headers["ETag"] == tag.replace('-gzip"', '"')   # another representation, another tag
        assert plain.data == gzip.decompress(zipped.data)
    stale = client.get(url, headers={"Accept-Encoding": "gzip;q=0", "If-None-Match": tag})
    assert stale.status_code == 200  # the gzip tag does not validate the plain representation
    return plain.data


def test_geometry_follows_the_caching_rules(client, geometry_url):
    body = json.loads(check_cacheable(client, geometry_url))
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 33


def test_cube_follows_the_caching_rules(client, cube_url):
    body = json.loads(check_cacheable(client, cube_url))
    assert body["measure"] == "e2sfca" and body["level"] == "borough" and len(body["codes"]) == 33
    assert body["years"] == sorted(body["years"]) and len(body["values"]) == len(body["years"])


def test_hotspot_cube_follows_the_caching_rules(client, services):
    url = "/" + services.cubes.hotspot_template(DEFAULT_PARAMS).replace("{measure}", "nearest_practice_m")
    body = json.loads(check_cacheable(client, url))
    assert len(body["codes"]) == 4835 and len(body["poor_cluster"]) == len(body["years"])


def test_geometry_has_one_url_per_layer(client, services, geometry_url):
    assert client.get(geometry_url).status_code == 200
    path, version = geometry_url.split("?v=")
    pcn = services.layers.url("pcn", 2024)
    aliases = [path, f"{path}?v=0{version}", f"{path}?v={version}&x=1", f"{path}?v={version}&v={version}",
               pcn.replace("pcn-2024", "pcn-02024"), pcn.replace("pcn-2024", "pcn-2024.0"),
               "/geometry/nowhere.geojson?v=1"]
    assert client.get(pcn).status_code == 200
    assert [client.get(url).status_code for url in aliases] == [404] * len(aliases)


def test_cube_has_one_url_per_document(client, services, cube_url):
    version = services.version
    canonical = f"/cube/{version}/borough/e2sfca/age/1600/4-5/0.2.json"
    assert cube_url == canonical and client.get(canonical).status_code == 200
    aliases = [canonical.replace("/1600/", "/01600/"), canonical.replace("/1600/", "/1600.0/"),
               canonical.replace("/0.2.json", "/0.20.json"), canonical.replace("/4-5/", "/04-5/"),
               canonical.replace(version, "0" * len(version)), canonical.replace("/borough/", "/nowhere/"),
               canonical.replace("/e2sfca/", "/unicorns/"), canonical.replace("/age/", "/AGE/"),
               canonical + "?v=1", canonical.replace(".json", ""), canonical.replace("/4-5/", "/6-5/"),
               canonical.replace("/1600/", "/1650/"), canonical.replace("/0.2.json", "/0.9.json"),
               f"/hotspots/{version}/e2sfca/age/01600.json", f"/hotspots/{version}/e2sfca/age/1600/x.json"]
    assert [client.get(url).status_code for url in aliases] == [404] * len(aliases)



def test_static_scripts_are_gzipped_once_and_callbacks_every_time(client, monkeypatch):
    from callbacks.serving import NOT_CACHED, StaticCompressionCache, static_compression_key
    stored = []
    keep = StaticCompressionCache.set
    monkeypatch.setattr(StaticCompressionCache, "set", lambda self, key, value: stored.append(
        (key, self.get(key) is None)) or keep(self, key, value))
    page = client.get("/").get_data(as_text=True)
    script = next(src for src in re.findall(r'<script src="([^"]+)"', page) if "dash_core_components.v" in src)
    first, second = (client.get(script, headers={"Accept-Encoding": "gzip"}) for _ in range(2))
    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == "gzip"
    assert first.data == second.data and b"dash_core_components" in gzip.decompress(first.data)
    key = f"gzip;{script}" + ("" if "?" in script else "?")  # Flask's full_path ends in '?' without a query
    assert stored == [(key, True), (key, False)]  # gzipped once, then from the cache
    post = type("Request", (), {"method": "POST", "path": "/_dash-update-component", "full_path": "/x?"})
    assert static_compression_key(post) == NOT_CACHED


def test_the_compression_cache_is_bounded_in_bytes_and_skips_what_is_not_cached(monkeypatch):
    from callbacks.serving import NOT_CACHED, StaticCompressionCache
    monkeypatch.setattr(StaticCompressionCache, "MAX_BYTES", 10)
    cache = StaticCompressionCache()
    cache.set(f"gzip;{NOT_CACHED}", b"x")
    for key in "abc":
        cache.set(f"gzip;/assets/{key}.js", b"x" * 4)
    assert [cache.get(f"gzip;/assets/{key}.js") is not None for key in "abc"] == [False, True, True]
    assert cache.get(f"gzip;{NOT_CACHED}") is None
