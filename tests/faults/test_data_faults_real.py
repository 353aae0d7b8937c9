"""Data faults on the real bundle, where the plausibility rules have real numbers to judge.

The bundle is mirrored with a symlink per file (tests/faults/support.py) and only the damaged file is
replaced, and the session's cache is copied beside it as the "old cache" a failed build must keep.
"""
from __future__ import annotations

import json
import shutil

import pytest

from data import build, cache
from data.config import cache_dir, data_dir
from data.errors import PlausibilityError
from tests.faults.support import mirror, truncate_to_half

pytestmark = pytest.mark.real_data

WORKFORCE = "practices/heec_workforce_year_london_fy2023-2025.csv"


def london_fte(atlas, year: int) -> float:
    years = atlas.practice_years
    return round(float(years.loc[years["is_gp"] & (years["year"] == year), "gp_fte"].sum()), 1)


def test_the_real_bundle_passes_every_rule_with_margin(atlas):
    checks = atlas.quality.checks
    assert {c["status"] for c in checks} <= {"pass", "warn"}
    warned = [(c["family"], c["rule"]) for c in checks if c["status"] == "warn"]
    assert warned == [("payments", "borough-practices"), ("workforce", "borough-practices")]  # Enfield FY2021/22
    for check in checks:
        if check["fail"] is not None and check["worst_value"] is not None:
            margin = min(0.1, check["fail"] / 2)  # 10 points below failing, or half the threshold if smaller
            assert check["worst_value"] <= check["fail"] - margin, check
    judged = {(c["family"], c["rule"]) for c in checks if c["worst_value"] is not None}
    assert {("workforce", "london-gp-fte"), ("workforce", "london-list-size"), ("payments", "london-list-size"),
            ("population", "london-population"), ("payments", "rows-vs-siblings")} <= judged


def test_workforce_cut_in_half_fails_naming_file_and_rule_and_keeps_the_old_cache(atlas, tmp_path):
    root = mirror(data_dir(), tmp_path / "data")
    target = tmp_path / "cache" / "atlas"
    shutil.copytree(cache_dir(), target, ignore=shutil.ignore_patterns("results"))  # the tidy model only
    manifest = json.loads((target / "manifest.json").read_text())
    (target / "manifest.json").write_text(json.dumps({**manifest, "data_dir": str(root)}))
    before = {path.name: path.read_bytes() for path in target.iterdir()}
    truncate_to_half(root / WORKFORCE)

    with pytest.raises(PlausibilityError) as raised:
        build.refresh(root, target)

    error = raised.value
    assert (error.path, error.rule) == (root / WORKFORCE, "rows-vs-siblings")
    message = str(error)
    assert message.startswith(f"{WORKFORCE}: plausibility check rows-vs-siblings failed: ")
    assert "also failing: borough-practices (heec_workforce_year_london_fy2023-2025.csv), london-gp-fte" in message
    assert "\n" not in message and str(root) not in message
    assert {path.name: path.read_bytes() for path in target.iterdir()} == before
    assert london_fte(cache.read(target), 2025) == london_fte(atlas, 2025) == 4151.1
