"""Golden outputs on the real bundle: three exports and the URL round-trip stay exactly as pinned.

They guard refactors: moving code must not move a number, a column, a status or a link. The expected files
are in tests/golden/ (regenerated only for an intended change: `python -m tests.golden_cases`).
"""
import gzip
import io
import json

import pandas as pd
import pytest

from tests.golden_cases import EXPORTS, GOLDEN, run_cli, url_round_trips

pytestmark = pytest.mark.real_data


def _frame(text: str, name: str) -> pd.DataFrame:
    if name.endswith(".geojson"):
        features = json.loads(text)["features"]
        return pd.DataFrame([{**f["properties"], "geometry": json.dumps(f["geometry"])} for f in features])
    return pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)


@pytest.mark.parametrize("name", list(EXPORTS))
def test_export_matches_its_golden_file(name, atlas, tmp_path):
    module, args = EXPORTS[name]
    out = tmp_path / name
    code, stderr = run_cli(module, args, out)
    assert code == 0, stderr
    expected = _frame(gzip.decompress((GOLDEN / f"{name}.gz").read_bytes()).decode(), name)
    produced = _frame(out.read_text(encoding="utf-8"), name)
    assert list(produced.columns) == list(expected.columns)
    assert len(produced) == len(expected)
    for column in expected.columns:  # numbers to 1e-9 relative (summation order may move the last digit)
        want = pd.to_numeric(expected[column], errors="coerce")
        got = pd.to_numeric(produced[column], errors="coerce")
        numeric = want.notna() & (expected[column] != "")
        assert (produced[column][~numeric] == expected[column][~numeric]).all(), column
        assert ((got[numeric] - want[numeric]).abs() <= 1e-9 * want[numeric].abs().clip(lower=1)).all(), column
    stderr_file = GOLDEN / f"{name}.stderr"
    if stderr_file.exists():
        assert stderr == stderr_file.read_text()


def test_urls_round_trip_as_pinned(services):
    assert url_round_trips(services.view_options) == json.loads((GOLDEN / "urls.json").read_text())
