"""Postcode look-up used by the search box and bid sites: every failure says why."""
import pandas as pd

from data.postcodes import display_postcode, lookup_postcodes, postcode_table

CURRENT = pd.DataFrame({"postcode": ["N200DH", "SW1A1AA"], "easting": [527543.0, 529090.0],
                        "northing": [193905.0, 179645.0], "release": "2025.4.0"})
OLDER = pd.DataFrame({"postcode": ["E16AN", "N200DH"], "easting": [533416.0, 1.0], "northing": [181819.0, 1.0],
                      "release": ["2014", "2014"]})


def test_table_prefers_the_current_release_and_marks_terminated_postcodes():
    table = postcode_table(CURRENT, OLDER).set_index("postcode")
    assert table.loc["N200DH", ["easting", "release", "live"]].tolist() == [527543.0, "2025.4.0", True]
    assert table.loc["E16AN", ["easting", "live"]].tolist() == [533416.0, False]


def test_lookup_any_spacing_and_case_with_a_reason_for_every_failure():
    table = postcode_table(CURRENT, OLDER)
    queries = pd.Series(["n20  0dh", "e1 6an", "B9 4EY", "SE99 9ZZ", "hello", "", None, "ZZ9 9ZZ"],
                        index=list("abcdefgh"))
    found = lookup_postcodes(queries, table)
    assert found["status"].to_dict() == {
        "a": "ok", "b": "ok", "c": "outside London", "d": "not found among Greater London postcodes",
        "e": "not a UK postcode", "f": "no postcode given", "g": "no postcode given",
        "h": "not a UK postcode"}  # well formed, but ZZ is no UK postcode area: not "outside London"
    assert found.loc["a", ["easting", "northing"]].tolist() == [527543.0, 193905.0]
    assert found.loc[["c", "d", "e"], "easting"].isna().all()


def test_display_postcode():
    assert display_postcode("SW1A1AA") == "SW1A 1AA" and display_postcode("E16AN") == "E1 6AN"
