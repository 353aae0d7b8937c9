"""Data-layer budgets on the real bundle: cold build of the cache (< 60 s) and warm load (< 3 s).

    python bench/build.py [--runs N]

cold        `load_atlas` into a new, empty cache folder: read, validate and join every raw
            file, then write the cache (what the first start of the app pays).
warm        `load_atlas` with a fresh cache: the staleness check plus reading the parquet files
            (every later start; the process-wide copy makes it once per worker).
warm, new   the same in a new Python process, imports included (informational, no budget).
baseline    a naive re-read of the raw inputs alone (boundary shapefiles, GeoPackage layers and
            every CSV release of each family, found through the source manifest's name patterns; no
            validation, joins or workbooks), measured in the same run.

Exits 1 when a budget is exceeded, 2 when the data directory is missing.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402

from bench.harness import median_seconds, report  # noqa: E402
from data.config import REPO_ROOT, data_dir  # noqa: E402
from data.errors import DataFileError  # noqa: E402
from data.loader import load_atlas  # noqa: E402
from data.sources import SOURCES, Inventory  # noqa: E402

COLD_BUDGET_S, WARM_BUDGET_S = 60.0, 3.0
NAIVE_READERS = {  # file suffix -> how the baseline parses it (workbooks are not part of the baseline)
    ".shp": lambda release: gpd.read_file(release.path),
    ".gpkg": lambda release: gpd.read_file(release.path, layer=release.source.layer),
    ".csv": lambda release: pd.read_csv(release.path, dtype=str,
                                        header=None if release.source.key == "epraccur" else "infer"),
}


def naive_read(root: Path) -> int:
    """Just parse the raw files the build reads, with no checks or joins; the files are found through the source
    manifest's name patterns (data/sources.py), so a newer release is in the baseline as it is in the build.
    Returns how many files were parsed."""
    inventory = Inventory(root)
    parsed = 0
    for key in SOURCES:
        for release in inventory.releases(key):
            suffix = next((s for s in NAIVE_READERS if s in release.path.suffixes), None)
            if suffix:
                NAIVE_READERS[suffix](release)
                parsed += 1
    return parsed


def cold_build(root: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as folder:
        load_atlas(root, Path(folder) / "atlas")


def warm_load_in_new_process(root: Path, target: Path, runs: int) -> float:
    code = ("import sys; from pathlib import Path; from data.loader import load_atlas; "
            "load_atlas(Path(sys.argv[1]), Path(sys.argv[2]))")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(root), str(target)], cwd=REPO_ROOT, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold builds and baseline reads (warm loads: 3x)")
    args = parser.parse_args()
    try:
        root = data_dir()
    except DataFileError as exc:
        print(f"data error: {exc}", file=sys.stderr)
        return 2

    print(f"Data: {root}; {args.runs} cold builds, {3 * args.runs} warm loads (medians); the baseline parses "
          f"{naive_read(root)} files found through the source manifest", flush=True)
    naive = median_seconds(lambda: naive_read(root), runs=args.runs, warmup=0)  # warmed by the count above
    baseline = ("naive re-read of the raw shapefiles + CSVs", naive)
    cold = median_seconds(lambda: cold_build(root), runs=args.runs, warmup=0)
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as folder:
        target = Path(folder) / "atlas"
        load_atlas(root, target)
        warm = median_seconds(lambda: load_atlas(root, target), runs=3 * args.runs, warmup=1)
        fresh_process = warm_load_in_new_process(root, target, args.runs)

    report("cold build (read + validate + join + write cache)", cold, budget=COLD_BUDGET_S, baseline=baseline)
    report("warm load (fresh cache)", warm, budget=WARM_BUDGET_S, baseline=baseline)
    report("warm load in a new process, imports included", fresh_process, baseline=baseline)
    print(f"cold / warm: {cold / warm:,.1f}x", flush=True)
    return 0 if cold < COLD_BUDGET_S and warm < WARM_BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
