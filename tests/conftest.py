"""Shared fixtures. Real-data fixtures skip (with the reason) when the bundle is absent."""
import pytest

from data.config import data_dir
from data.errors import DataFileError
from tests.data_fixtures import bundle_model, data_bundle, writable_bundle  # noqa: F401  (raw-bundle fixtures)
from tests.e2e_support import app_url, chromium, shots, tab  # noqa: F401  (browser fixtures)


@pytest.fixture(scope="session")
def atlas():
    try:
        data_dir()
    except DataFileError as exc:
        pytest.skip(f"real data bundle not available: {exc}")
    from data.loader import shared_atlas
    return shared_atlas()


@pytest.fixture(scope="session")
def provision(atlas):
    from callbacks.context import provision as shared_provision
    return shared_provision()
