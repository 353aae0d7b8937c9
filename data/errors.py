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
    """A raw input is missing, unreadable, not in the published shape, or implausible.

    The message always names the file and says what was expected, so a user
    running `python -m data.build` or `python app.py` knows what to fix. Once
    the data directory is known (`within`), the file is named relative to it
    and the directory itself is scrubbed from the wrapped parser's text: a
    message shown in a browser never reveals where the server keeps its data.
    """

    def __init__(self, path: Path | str, expected: str):
        self.path = Path(path)
        # One line, whatever the wrapped parser error looked like: the CLI prints exactly this.
        self.expected = " ".join(str(expected).split())
        self.root: Path | None = None
        super().__init__(self.path, self.expected)

    def within(self, root: Path) -> DataFileError:
        """Name the file relative to the data directory `root` from now on; returns self for `raise`."""
        if self.path.is_relative_to(root):
            self.root = root
        return self

    @property
    def shown_path(self) -> str:
        return str(self.path.relative_to(self.root)) if self.root else str(self.path)

    def __str__(self) -> str:
        expected = self.expected
        if self.root:
            expected = expected.replace(f"{self.root}/", "").replace(str(self.root), "the data directory")
        return f"{self.shown_path}: {expected}"


class PlausibilityError(DataFileError):
    """The bundle parses, but a release fails a plausibility rule of the source manifest."""

    def __init__(self, path: Path | str, rule: str, expected: str):
        self.rule = rule
        super().__init__(path, expected)

    @property
    def accept_command(self) -> str:
        """The command that overrides this check (the override is written into the data-quality report)."""
        return f"python -m data.build --accept {self.shown_path}:{self.rule}"
