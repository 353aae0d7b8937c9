"""The one-page briefing drawn without a browser (layout/briefing.py): one A4 landscape page, the map coloured,
the title, facts and footnote written as text; the CLI writes PDF, SVG and PNG."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from layout.briefing import briefing, main, split_query
from layout.classes import YL_OR_RD

pytestmark = pytest.mark.real_data
NEWHAM = "level=borough&measure=e2sfca&year=2025&area=E09000025"


def test_a_query_names_its_page():
    assert split_query("level=borough&year=2025") == ("/", {"level": "borough", "year": "2025"})
    assert split_query("?level=ward") == ("/", {"level": "ward"})
    assert split_query("/bids?year=2024&focus=1") == ("/bids", {"year": "2024", "focus": "1"})


def palette_share(png: bytes, path) -> float:
    """Share of the map area's pixels (left 60% of the page, below the title) in the map's palette."""
    path.write_bytes(png)
    image = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    height, width, _ = image.shape
    region = image[int(0.12 * height):int(0.85 * height), :int(0.6 * width)].reshape(-1, 3)
    near = np.zeros(len(region), dtype=bool)
    for colour in YL_OR_RD:
        near |= np.abs(region - [int(colour[i:i + 2], 16) for i in (1, 3, 5)]).sum(axis=1) < 30
    return float(near.mean())


def test_explore_briefing_pdf_is_one_page_with_title_facts_and_footnote(services, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("Debian's poppler-utils is needed (pdftotext, pdfinfo): apt-get install poppler-utils")
    content, stem = briefing(services, NEWHAM, "pdf")
    assert stem == "gp-atlas_e2sfca_borough_FY2024-25_age_d0-1600_E09000025_briefing"
    pdf = tmp_path / "newham.pdf"
    pdf.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info) and "(A4)" in info and "841.68 x 595.44" in info
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "E2SFCA access: Borough, FY2024/25" in text
    assert "Newham (E09000025)" in text and "London rank 14 of 33 (1 = poorest)" in text
    assert "Stratford PCN: 17% of residents" in text and "Persistence: never" in text
    assert "Poorest provision (33 areas ranked)" in text and "Best provision" in text
    assert "Basis: GP FTE per 10,000 need-weighted residents in reach" in text
    assert "Open Government Licence v3.0" in text and "Contains OS data" in text


def test_explore_briefing_png_colours_the_map(services, tmp_path):
    content, _ = briefing(services, "level=lsoa11&measure=e2sfca&year=2025", "png")
    assert palette_share(content, tmp_path / "lsoa.png") > 0.3


def test_bid_briefing_shows_the_bid_scores(services):
    from layout.bids import clean_row, encode_bids
    bids = encode_bids((clean_row({"label": "Thamesmead hub", "postcode": "SE28 8RD", "added_gp_fte": "2"}),))
    svg, stem = briefing(services, f"/bids?year=2024&bids={bids}", "svg")
    text = svg.decode()
    assert stem == "gp-atlas_bid-1_2024_lifted_per_fte_briefing"
    assert "Bid briefing: Thamesmead hub" in text and "Residents lifted out of the bottom quintile" in text
    assert "Nearest existing practice" in text and "Method." in text


def test_cli_writes_the_file_the_suffix_names(tmp_path, capsys):
    out = tmp_path / "newham.svg"
    assert main([NEWHAM, "--out", str(out)]) == 0
    assert out.read_text().count("<svg") == 1 and "Newham" in out.read_text()
    with pytest.raises(SystemExit):
        main([NEWHAM, "--out", str(tmp_path / "newham.docx")])
    assert "--out must end in .pdf, .svg or .png" in capsys.readouterr().err
