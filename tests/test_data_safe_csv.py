"""data.safe_csv: the one CSV writer of the downloads and the command lines (spreadsheet formula injection)."""
import io

import pandas as pd
import pytest

from data.safe_csv import neutralise_cell, safe_csv


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+44 20", "'+44 20"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\r=1", "'\r=1"), ("=CMD|' /C calc'!A0", "'=CMD|' /C calc'!A0"),
    ("+SUM(1+1)", "'+SUM(1+1)"), ("-minus", "'-minus"), ("- 2", "'- 2"), ("-1e3x", "'-1e3x"),
    ("Camden", "Camden"), ("", ""), ("a=b", "a=b"),
    # numbers stay numbers, whether numeric or text that is only a number
    (-0.5, -0.5), (None, None), ("-2", "-2"), ("+1.5", "+1.5"), ("-.5", "-.5"), ("-1e-3", "-1e-3")])
def test_neutralise_cell(cell, safe):
    assert neutralise_cell(cell) == safe


def test_safe_csv_neutralises_text_and_headers_but_keeps_numbers():
    frame = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "Barnet"], "change": [-0.5, 1.25], "=x": ["a", "b"]})
    rows = safe_csv(frame).splitlines()
    assert rows[0] == "name,change,'=x"
    assert rows[1] == "'=cmd|' /C calc'!A0,-0.5,a" and rows[2] == "Barnet,1.25,b"


def test_safe_csv_reads_back_with_numbers_as_numbers_and_formulas_as_text():
    frame = pd.DataFrame({"label": ["@at", "-2", None], "delta": [-1.0, 0.0, None], "count": [-3, 0, 4],
                          "status": pd.array(["ok", "\tx", pd.NA], dtype="string")})
    back = pd.read_csv(io.StringIO(safe_csv(frame)))
    assert back["delta"].dtype == float and back["count"].tolist() == [-3, 0, 4]
    assert back["label"].tolist()[:2] == ["'@at", "-2"] and back["status"].tolist()[:2] == ["ok", "'\tx"]
