"""What every command line of the atlas shares: errors as one line with exit status 2, and an output file that
is checked before the work starts and written whole or not at all.

A user running `python -m geo.export` or `python -m geo.bids` must never see a
traceback: a bad argument, an unreadable input, an output into a missing folder,
onto a folder or into a read-only place each give one line naming the problem.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

USAGE_ERROR = 2


class OutputError(ValueError):
    """The output cannot be written where the user asked (one line, shown as is)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line, 'NAME: error: ...', exit status 2 (not a usage block)."""

    def __init__(self, name: str, **kwargs):
        super().__init__(prog=f"python -m {name}", **kwargs)
        self.name = name

    def error(self, message: str):
        self.exit(USAGE_ERROR, f"{self.name}: error: {one_line(message)}\n")


def one_line(message: str) -> str:
    return " ".join(str(message).split())


def fail(name: str, message: str) -> int:
    """Print 'NAME: error: message' as one line on stderr; the exit status for main() to return."""
    print(f"{name}: error: {one_line(message)}", file=sys.stderr)
    return USAGE_ERROR


def check_output(out: str) -> None:
    """Refuse, before any work is done, an --out that cannot become a file: a folder, a file in a folder that
    does not exist, or a place this user may not write ('-' is stdout)."""
    if out == "-":
        return
    path = Path(out)
    if path.is_dir():
        raise OutputError(f"cannot write {out}: it is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {out}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"cannot write {out}: permission denied")


def write_output(text: str, out: str) -> None:
    """`text` to stdout ('-') or to the file `out`, written under a temporary name and renamed into place, so
    a failed write never leaves half a file where a good one was expected."""
    if out == "-":
        sys.stdout.write(text)
        return
    check_output(out)
    path = Path(out)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
