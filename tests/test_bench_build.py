"""bench/build.py's baseline finds the raw files through the source manifest, as the build does: a newer release
saved under its family's pattern is parsed, a file outside every pattern is not."""
from __future__ import annotations

import shutil

from bench.build import naive_read
from tests.fixtures.bundle import write_bundle, write_payments


def test_the_baseline_reads_what_the_manifest_finds(tmp_path):
    root = write_bundle(tmp_path / "data")
    before = naive_read(root)
    write_payments(root / "practices/nhs_payments_to_general_practice_london_2020-21.csv", "2020-21",
                   [("F83001", "NW1 2AA", 9800, 9300.0)])
    shutil.copy(root / "practices/nhs_payments_to_general_practice_london_2020-21.csv", root / "practices/notes.csv")
    assert naive_read(root) == before + 1
