"""The derived cache: reused while fresh, rebuilt when an input or the code changes, and never left
half-written by a failed build or write."""
from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from data import build, cache, loader
from data.errors import DataFileError
from tests.test_data_errors import garbage


@pytest.fixture
def build_calls(monkeypatch):
    """Count the builds `load_atlas` starts (the real build still runs)."""
    calls = []

    def counting_build(root, *args, **kwargs):
        calls.append(root)
        return real_build(root, *args, **kwargs)

    real_build = build.build_model
    monkeypatch.setattr(build, "build_model", counting_build)
    return calls


@pytest.fixture
def cached(writable_bundle, bundle_model, tmp_path):
    """(data folder, cache folder): a fresh cache of the fixture bundle in a private copy.

    The copy keeps file sizes and times, so the session's model is the right cache for it.
    """
    target = tmp_path / "cache" / "atlas"
    cache.write(bundle_model, writable_bundle, target)
    return writable_bundle, target


def leftovers(target) -> list[str]:
    """Anything beside the cache folder except its lock file: staging or old copies."""
    return sorted(p.name for p in target.parent.iterdir() if p != target and not p.name.endswith(".lock"))


def test_first_load_builds_and_a_fresh_cache_is_then_reused(writable_bundle, tmp_path, build_calls):
    target = tmp_path / "cache" / "atlas"
    assert cache.is_stale(writable_bundle, target)
    loader.load_atlas(writable_bundle, target)
    assert len(build_calls) == 1 and not cache.is_stale(writable_bundle, target)
    atlas = loader.load_atlas(writable_bundle, target)
    assert len(build_calls) == 1
    assert len(atlas.practice_years) == 33 and len(atlas.lsoa) == 6
    assert atlas.meta["data_dir"] == str(writable_bundle)
    assert leftovers(target) == []


def test_cache_written_for_an_identical_copy_is_fresh(cached, build_calls):
    root, target = cached
    assert not cache.is_stale(root, target)
    loader.load_atlas(root, target)
    assert build_calls == []


def test_cache_round_trip_keeps_frames_and_crs(cached, bundle_model):
    root, target = cached
    atlas = cache.read(target)
    pd.testing.assert_frame_equal(atlas.practice_years, bundle_model.practice_years)
    assert atlas.practices.crs == "EPSG:27700" and atlas.areas_web["lsoa11"].crs == "EPSG:4326"
    assert atlas.quality.to_dict() == json.loads(json.dumps(bundle_model.quality.to_dict(), default=str))


def test_touching_an_input_makes_the_cache_stale_and_load_rebuilds(cached, build_calls):
    root, target = cached
    flows = root / "registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz"
    stat = flows.stat()
    os.utime(flows, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert cache.is_stale(root, target)
    loader.load_atlas(root, target)
    assert len(build_calls) == 1
    assert not cache.is_stale(root, target)


def test_changed_content_makes_the_cache_stale_even_with_the_old_file_time(cached, build_calls):
    root, target = cached
    ptal = root / "geography/transport/LSOA2011_AvPTAI2015.csv"
    stat = ptal.stat()
    ptal.write_text(ptal.read_text().replace(",6b,", ",5,"))  # one byte shorter
    os.utime(ptal, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.is_stale(root, target)
    atlas = loader.load_atlas(root, target)
    assert len(build_calls) == 1
    assert atlas.lsoa["ptal"].iloc[0] == "5"


def test_a_new_input_file_makes_the_cache_stale(cached):
    root, target = cached
    (root / "practices/gp-reg-pat-prac-all_2022-01.csv").write_text(
        (root / "practices/gp-reg-pat-prac-all_2021-10.csv").read_text().replace("01Oct2021", "01Jan2022"))
    assert cache.is_stale(root, target)


def test_changed_code_or_damaged_cache_is_stale(cached, monkeypatch):
    root, target = cached
    (target / "flows.parquet").unlink()
    assert cache.is_stale(root, target)
    (target / "manifest.json").write_text("{not json")
    assert cache.is_stale(root, target)
    monkeypatch.setattr(cache, "code_version", lambda: "another version")
    assert cache.is_stale(root, target)


def test_failed_build_leaves_the_good_cache_intact(cached, build_calls):
    root, target = cached
    manifest = (target / "manifest.json").read_text()
    garbage(root / "practices/ePCN_2024-10.xlsx")

    with pytest.raises(DataFileError, match="ePCN_2024-10.xlsx"):
        loader.load_atlas(root, target)

    assert len(build_calls) == 1
    assert (target / "manifest.json").read_text() == manifest
    assert len(cache.read(target).practice_years) == 33
    assert leftovers(target) == []


def test_failed_write_leaves_the_good_cache_intact_and_no_temp_folder(cached, bundle_model, monkeypatch):
    root, target = cached
    manifest = (target / "manifest.json").read_text()
    written = []
    real_to_parquet = pd.DataFrame.to_parquet

    def fail_on_third_frame(frame, path, *args, **kwargs):
        written.append(path)
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        return real_to_parquet(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_third_frame)
    with pytest.raises(OSError, match="No space left"):
        cache.write(bundle_model, root, target)

    assert len(written) == 3
    assert (target / "manifest.json").read_text() == manifest
    assert leftovers(target) == []


def test_failed_swap_puts_the_old_cache_back(cached, bundle_model, monkeypatch):
    root, target = cached
    manifest = (target / "manifest.json").read_text()
    real_rename = type(target).rename

    def rename(self, destination):
        if self.name.startswith(f".{target.name}.tmp-"):
            raise OSError(18, "Invalid cross-device link")
        return real_rename(self, destination)

    monkeypatch.setattr(type(target), "rename", rename)
    with pytest.raises(OSError, match="cross-device"):
        cache.write(bundle_model, root, target)

    assert (target / "manifest.json").read_text() == manifest
    assert leftovers(target) == []


def test_unreadable_cache_raises_a_data_file_error_naming_the_cache_file_only(cached):
    _, target = cached
    (target / "lsoa_years.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataFileError) as raised:
        cache.read(target)  # (load_atlas rebuilds instead: tests/faults/test_data_faults.py)
    assert str(raised.value).startswith("lsoa_years.parquet: cache unreadable (ArrowInvalid: ")
    assert str(target) not in str(raised.value) and "\n" not in str(raised.value)
