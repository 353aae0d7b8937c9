"""Where the raw bundle and the derived cache live, and fixed London code lists."""
from __future__ import annotations

import os
from pathlib import Path

from data.errors import DataFileError

REPO_ROOT = Path(__file__).resolve().parent.parent

BNG = "EPSG:27700"  # British National Grid: every distance and area in metres
WGS84 = "EPSG:4326"  # web maps

# The 33 London local authorities (32 boroughs + City of London).
LONDON_LAD_CODES = frozenset(f"E090000{n:02d}" for n in range(1, 34))

# Postcode areas that cover Greater London (PROVENANCE: practices, intro).
LONDON_POSTCODE_AREAS = frozenset(
    "E EC N NW SE SW W WC BR CR DA EN HA IG KT RM SM TN TW UB".split()
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
