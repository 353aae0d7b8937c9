"""Fixtures for the data-layer tests: the tiny raw bundle of tests/fixtures/bundle.py on disk.

Imported by tests/conftest.py so each session fixture is defined (and built) once.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fixtures.bundle import write_bundle


@pytest.fixture(scope="session")
def data_bundle(tmp_path_factory) -> Path:
    """The fixture bundle, written once per session. Read-only by convention: copy it to change it."""
    return write_bundle(tmp_path_factory.mktemp("bundle") / "data")


@pytest.fixture(scope="session")
def bundle_model(data_bundle):
    """`build_model` over the fixture bundle (built once; treat as read-only)."""
    from data.build import build_model
    return build_model(data_bundle)


@pytest.fixture
def writable_bundle(data_bundle, tmp_path) -> Path:
    """A private copy of the fixture bundle (file times preserved) that a test may break."""
    return Path(shutil.copytree(data_bundle, tmp_path / "data"))
