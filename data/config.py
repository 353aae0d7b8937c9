"""Where the raw bundle and the derived cache live, the two CRSs, and fixed London geography rules."""
from __future__ import annotations

import os
from pathlib import Path

from data.errors import DataFileError

REPO_ROOT = Path(__file__).resolve().parent.parent

BNG = "EPSG:27700"  # British National Grid: every distance and area in metres
WGS84 = "EPSG:4326"  # web maps

# The GLA boundary files are published to the millimetre; shared vertices of neighbouring polygons differ by
# float noise (~1e-7 m), so contiguity and dissolves snap coordinates to this grid first.
SNAP_GRID_M = 0.001
# A point in a mean-high-water gap (a riverside practice, a postcode on the Thames foreshore) belongs to the
# nearest area within this distance.
NEAREST_AREA_MAX_M = 500

# Postcode areas that cover Greater London (PROVENANCE: practices, intro).
LONDON_POSTCODE_AREAS = frozenset(
    "E EC N NW SE SW W WC BR CR DA EN HA IG KT RM SM TN TW UB".split()
)
# Every postcode area of the UK and the Crown dependencies (Royal Mail), so that a well-formed postcode in no
# area ("ZZ9 9ZZ") is told apart from a real one outside London ("B1 1AA").
UK_POSTCODE_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX "
    "FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE "
    "NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ "
    "TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE".split()
)


def data_dir() -> Path:
    """The raw open-data bundle: $GP_ATLAS_DATA, else ../shared/data beside the checkout."""
    configured = os.environ.get("GP_ATLAS_DATA")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        raise DataFileError(
            path,
            "data directory not found; set GP_ATLAS_DATA to the folder holding "
            "geography/, practices/ and registrations/",
        )
    return path


def cache_dir() -> Path:
    """Derived artefacts (git-ignored): $GP_ATLAS_CACHE, else <repo>/.cache/atlas."""
    configured = os.environ.get("GP_ATLAS_CACHE")
    return Path(configured) if configured else REPO_ROOT / ".cache" / "atlas"
