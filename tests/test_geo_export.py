"""geo.export: the per-area table and the command line (one-line errors listing valid choices)."""
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from geo.tables import AreaTables

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def tables(provision):
    return AreaTables(provision)


def run(*args):
    return subprocess.run([sys.executable, "-m", "geo.export", *args], capture_output=True, text=True, timeout=300)


def test_table_ranks_poorest_first_and_carries_the_basis(tables, provision):
    table = tables.table("borough", "e2sfca", 2023)
    assert len(table) == 33 and set(table.columns) >= {"area_code", "area_name", "year", "measure", "value", "rank",
                                                        "basis"}
    worst = table.loc[table["rank"] == 1].iloc[0]
    assert worst["value"] == table["value"].min()
    assert "d0 1,600 m" in worst["basis"] and "FY2022/23" in worst["basis"]
    distance = tables.table("borough", "nearest_practice_m", 2023)
    assert distance.loc[distance["rank"] == 1, "value"].iloc[0] == distance["value"].max()  # far = poor


def test_persistence_and_hotspot_fields(tables):
    table = tables.table("lsoa11", "e2sfca", 2025, persistence=True, hotspots=True)
    assert set(table["persistence_class"].unique()) <= {"persistent", "intermittent", "never", "insufficient data"}
    assert (table["window_start"] == 2021).all() and (table["window_end"] == 2025).all()
    assert "value_x" not in table.columns and table["hotspot_class"].notna().all()
    poor_clusters = table[table["hotspot_class"].str.startswith("cold spot")]
    assert len(poor_clusters) > 0 and (poor_clusters["gi_z"] < 0).all()


def test_pcn_level_is_a_partition_of_london(tables, provision):
    table = tables.table("pcn", "gp_fte_per_10k", 2023)
    assert table["area_name"].notna().all()
    lsoa_need = provision.need_population(2023, "age").sum()
    values = tables.values("gp_fte_per_10k", "pcn", 2023)
    assert values["denominator"].sum() == pytest.approx(lsoa_need)  # every LSOA in exactly one PCN


def test_cli_csv_to_stdout():
    result = run("--level", "icb", "--measure", "patients_per_gp_fte", "--year", "2024", "--k", "3", "--n", "5",
                 "--format", "csv", "--out", "-")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert len(table) == 5 and table["persistence_class"].notna().all()
    assert table["value"].between(1000, 6000).all()


def test_cli_geojson_file(tmp_path):
    out = tmp_path / "wards.geojson"
    result = run("--level", "ward", "--measure", "gp_fte_per_10k", "--year", "2020", "--format", "geojson",
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    collection = json.loads(out.read_text())
    assert len(collection["features"]) == 625
    first = collection["features"][0]
    assert (first["properties"]["measure"] == "gp_fte_per_10k"
            and first["geometry"]["type"] in ("Polygon", "MultiPolygon"))


@pytest.mark.parametrize("args, listed", [
    (["--level", "street"], "lsoa11, msoa11, ward, borough, ccg19, icb, pcn"),
    (["--measure", "doctors"], "e2sfca, gp_fte_per_10k, patients_per_gp_fte, nearest_practice_m"),
    (["--year", "1999"], "2016, 2017"),
    (["--weights", "sex"], "age, age_imd, none"),
    (["--k", "9"], "choose one of [1, 2, 3, 4, 5]"),
    (["--format", "xlsx"], "csv, geojson"),
    (["--d0", "0"], "between 200 and 10,000"),
])
def test_cli_bad_arguments_exit_non_zero_with_one_line(args, listed):
    base = {"--level": "borough", "--measure": "e2sfca", "--year": "2023", "--format": "csv", "--out": "-"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = run(*[item for pair in base.items() for item in pair])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and listed in lines[0] and "Traceback" not in result.stderr
