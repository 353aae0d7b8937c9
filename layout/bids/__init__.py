"""The Bids page: candidate GP premises, before/after/change maps, the ranked table and a one-page summary per bid.

* `state`: the URL parameters (documented there) <-> a validated `BidsView`; bid rows as text;
* `map`: the main map's frame, the values a scenario patches into it, the camera and map clicks;
* `report`: the summary cards, the ranked table and CSV, the one-page summary of a bid;
* `page_layout`: the controls and the page, for the normal, embedded and printed views.

The page registry (layout/pages.py) names this package: `page(services, **url_params)` builds the page from
its URL.
"""
from layout.bids.map import SLOT
from layout.bids.page_layout import page
from layout.bids.state import BidsView, bids_query, clean_row, decode_bids, encode_bids, parse_bids_view

__all__ = ["SLOT", "BidsView", "bids_query", "clean_row", "decode_bids", "encode_bids", "page", "parse_bids_view"]
