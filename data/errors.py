"""One exception type for every problem with the raw data bundle."""
from __future__ import annotations

from pathlib import Path


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
