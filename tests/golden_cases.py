"""The behaviour pinned by tests/test_golden.py: three exports and the URL round-trip on the real bundle.

Regenerate the expected files only when a change of output is intended (and say so in the commit):
``python -m tests.golden_cases``.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
MESSY_BIDS = Path(__file__).parent / "fixtures" / "messy_bids.csv"

EXPORTS = {  # golden file -> (CLI module, arguments; the output path is appended)
    "export_lsoa11_e2sfca_2025.csv": ("geo.export", ["--level", "lsoa11", "--measure", "e2sfca", "--year", "2025",
                                                     "--k", "4", "--n", "5", "--hotspots", "--format", "csv"]),
    "export_borough_ppgf_2023.csv": ("geo.export", ["--level", "borough", "--measure", "patients_per_gp_fte",
                                                    "--year", "2023", "--weights", "age_imd", "--d0", "2000",
                                                    "--k", "3", "--n", "5", "--cut", "0.25", "--format", "csv"]),
    "export_borough_fte_2021.geojson": ("geo.export", ["--level", "borough", "--measure", "gp_fte_per_10k",
                                                       "--year", "2021", "--weights", "none", "--format", "geojson"]),
    "bids_ranked_2024.csv": ("geo.bids.__main__", ["--bids", str(MESSY_BIDS), "--year", "2024", "--d0", "2000",
                                          "--weights", "age_imd", "--objective", "underserved_gain_per_fte",
                                          "--close", "E83003"]),
}

EXPLORE_QUERIES = (
    "",
    "?level=borough&measure=e2sfca&year=2025&area=E09000025",
    "?level=ward&measure=patients_per_gp_fte&year=2019&weights=none&d0=2450&k=2&n=3&cut=0.1&scheme=natural_breaks"
    "&layers=practices,pcn,hotspots",
    "?level=pcn&measure=gp_fte_per_10k&year=2023&layers=&lat=51.5&lon=-0.1&zoom=11.5",
    "?level=lsoa11&measure=nearest_practice_m&year=2016&practice=F82001&embed=1&print=1",
    "?level=msoa11&measure=e2sfca&year=1999&d0=-5&k=9&n=0&cut=0.9&scheme=rainbow&layers=unicorns&zoom=40",
    "?level=icb&measure=magic&weights=heavy&area=E01000001&practice=ZZ999&embed=maybe&lat=48.8&lon=-0.1",
    "?level=ccg19&measure=e2sfca&year=2020&d0=10000&weights=age_imd",
)
BIDS_QUERIES = (
    "",
    "?year=2024&weights=age_imd&d0=2000&objective=lifted_per_gbp_m&close=F84001&merge=F84003%3EF84004",
    "?year=2030&objective=nonsense&bids=garbage&focus=7",
)


def run_cli(module: str, args: list[str], out: Path) -> tuple[int, str]:
    """Run a CLI's main() in-process (as `python -m module ... --out out` would); (exit code, stderr)."""
    import importlib
    main = importlib.import_module(module).main
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main([*args, "--out", str(out)])
    return code, stderr.getvalue()


def url_round_trips(options) -> dict:
    """Each query -> the query the app writes back and the notices it shows (explore and bids pages)."""
    from urllib.parse import parse_qsl

    from layout.bids import bids_query, parse_bids_view
    from layout.view import parse_view, view_query

    def explore(query):
        view = parse_view(query, options)
        return {"query": view_query(view), "notices": list(view.notices)}

    def bids(query):
        state = parse_bids_view(dict(parse_qsl(query.lstrip("?"), keep_blank_values=True)), options)
        return {"query": bids_query(state)[0], "notices": list(state.notices)}

    return {"explore": {q: explore(q) for q in EXPLORE_QUERIES}, "bids": {q: bids(q) for q in BIDS_QUERIES}}


def regenerate() -> None:
    import gzip
    import tempfile

    from data.loader import load_atlas
    from layout.services import AtlasServices
    GOLDEN.mkdir(exist_ok=True)
    for name, (module, args) in EXPORTS.items():
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / name
            code, stderr = run_cli(module, args, out)
            assert code == 0, stderr
            (GOLDEN / f"{name}.gz").write_bytes(gzip.compress(out.read_bytes(), mtime=0))
        if module != "geo.export":  # the export's stderr only names the output path
            (GOLDEN / f"{name}.stderr").write_text(stderr)
    options = AtlasServices(load_atlas()).view_options
    (GOLDEN / "urls.json").write_text(json.dumps(url_round_trips(options), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    regenerate()
