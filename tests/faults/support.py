"""Helpers for the fault tests on the real bundle: a cheap copy of it to damage file by file."""
from __future__ import annotations

from pathlib import Path


def mirror(source: Path, target: Path) -> Path:
    """`source` rebuilt under `target` with a symlink per file: a bundle to damage without copying it whole.
    Damage a file with `truncate_to_half` (which replaces the link), never by writing through the link."""
    for path in sorted(source.rglob("*")):
        copy = target / path.relative_to(source)
        if path.is_dir():
            copy.mkdir(parents=True, exist_ok=True)
        else:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.symlink_to(path)
    return target


def truncate_to_half(path: Path) -> None:
    """Replace the file (or the link to it) by a file holding the first half of its bytes."""
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data[: len(data) // 2])
