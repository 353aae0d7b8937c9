"""The errors of the data layer: a problem with the raw bundle, or a frame in the wrong CRS."""
from __future__ import annotations

from pathlib import Path


class CRSError(ValueError):
    """A frame reached a boundary in the wrong coordinate reference system (a programming error, kept even
    under ``python -O``, unlike ``assert``)."""


def check_crs(frame, expected: str, what: str):
    """`frame` unchanged if its CRS is `expected` (e.g. EPSG:27700 for anything measured in metres)."""
    if frame.crs != expected:
        raise CRSError(f"{what} must be in {expected}, got {frame.crs}")
    return frame


class DataFileError(RuntimeError):
    """A raw input is missing, unreadable or not in the published shape.

    The message always names the file and says what was expected, so a user
    running `python -m data.build` or `python app.py` knows what to fix.
    """

    def __init__(self, path: Path | str, expected: str):
        self.path = Path(path)
        # One line, whatever the wrapped parser error looked like: the CLI prints exactly this.
        self.expected = " ".join(str(expected).split())
        super().__init__(f"{self.path}: {self.expected}")
