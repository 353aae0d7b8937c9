"""Attribution and licence lines the open data require, written once for the app, its images and exports."""
from __future__ import annotations

OGL = "Open Government Licence v3.0 (OGL)"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CODEPOINT_ATTRIBUTION = ("Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © "
                         "Royal Mail copyright and database right 2025; Contains National Statistics data © Crown "
                         "copyright and database right 2025")
SHORT_ATTRIBUTION = f"{CODEPOINT_ATTRIBUTION}. NHS and ONS data under the Open Government Licence v3.0."
