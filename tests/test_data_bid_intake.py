"""Reading a bids file (data/bid_intake.py): what is refused whole, in one line, and what a readable file gives."""
import pytest

from data.bid_intake import (
    INPUT_COLUMNS,
    BidFileError,
    bid_rows,
    bids_from_csv,
    missing_columns,
    read_bids_file,
)


def test_a_small_csv_reads_as_text_cells():
    frame = bids_from_csv("label,postcode,added_gp_fte\nA,E1 6AN,3\n".encode("utf-8-sig"), "bids.csv")
    assert frame.to_dict("records") == [{"label": "A", "postcode": "E1 6AN", "added_gp_fte": "3"}]


@pytest.mark.parametrize("content, name, message", [
    (b"label,postcode,added_gp_fte\nA,E1 6AN,3\n", "bids.xlsx", "bids.xlsx is not a CSV file: upload a .csv"),
    (b"label,postcode,added_gp_fte\n" + b"A,E1 6AN,3\n" * 200_000, "big.csv", "big.csv is 2.1 MB; bid files are "
                                                                              "limited to 2 MB"),
    (b"PK\x03\x04\x00\x00binary", "sheet.csv", "sheet.csv is not a text CSV file (it looks binary)"),
    (b"", "empty.csv", "empty.csv is empty: expected a header row and one row per bid"),
    (b"label,postcode,added_gp_fte\n", "header.csv", "header.csv has a header but no bid rows"),
    (b'label,postcode\n"A,E1 6AN\n', "quote.csv", "quote.csv could not be read as CSV: Error tokenizing data"),
], ids=["not-csv", "over-2-MB", "binary", "empty", "header-only", "broken-quote"])
def test_unreadable_bids_files_get_one_clear_line(content, name, message):
    with pytest.raises(BidFileError) as error:
        bids_from_csv(content, name)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_a_file_on_disk_is_checked_by_name_and_size_before_it_is_read(tmp_path):
    good = tmp_path / "bids.csv"
    good.write_text("label,postcode,added_gp_fte\nA,E1 6AN,3\n")
    assert read_bids_file(good)["postcode"].tolist() == ["E1 6AN"]
    with pytest.raises(BidFileError, match="^bids file not found: .*nope.csv$"):
        read_bids_file(tmp_path / "nope.csv")
    with pytest.raises(BidFileError, match="^bids.txt is not a CSV file"):
        read_bids_file(good.rename(tmp_path / "bids.txt"))


def test_windows_1252_text_is_read_when_it_is_not_utf8():
    frame = bids_from_csv("label,added_gp_fte,cost\nCaf\u00e9 site,2,\u00a3900000\n".encode("cp1252"), "b.csv")
    assert frame.to_dict("records") == [{"label": "Caf\u00e9 site", "added_gp_fte": "2", "cost": "\u00a3900000"}]


def test_rows_are_text_cells_of_the_input_columns_whatever_the_header_spelling():
    frame = bids_from_csv(b"Label, Added GP FTE ,Postcode,Notes\n A ,2.5,e1 6an,ignored\n", "b.csv")
    assert missing_columns(frame) == []
    assert bid_rows(frame) == [{**dict.fromkeys(INPUT_COLUMNS, ""), "label": "A", "added_gp_fte": "2.5",
                                "postcode": "e1 6an"}]


@pytest.mark.parametrize("header, missing", [
    ("label,postcode", ["added_gp_fte"]),
    ("label,added_gp_fte,easting", ["a location (postcode, easting and northing, lat and lon, or practice_code)"]),
    ("label,added_gp_fte,lat,lon", []),
    ("added_gp_fte,practice_code", []),
])
def test_missing_columns_name_what_a_table_lacks_to_be_scored(header, missing):
    assert missing_columns(bids_from_csv(f"{header}\n{','.join('1' * len(header.split(',')))}\n".encode(),
                                         "b.csv")) == missing
