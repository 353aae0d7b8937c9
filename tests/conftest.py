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
    from data.loader import load_atlas
    return load_atlas()


@pytest.fixture(scope="session")
def services(atlas):
    """The real bundle's services, built as the app builds them."""
    from layout.services import AtlasServices
    return AtlasServices(atlas)


@pytest.fixture(scope="session")
def provision(services):
    return services.provision


@pytest.fixture(scope="session")
def dash_app(services):
    """The app over the session's services, inside a request context (for URL prefixes)."""
    from app import create_app
    app = create_app(services)
    with app.server.test_request_context("/"):
        yield app
