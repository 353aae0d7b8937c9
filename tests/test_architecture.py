"""The shape the project promises (docs/ARCHITECTURE.md): imports run one way, modules stay small, CRS and shape
checks survive `python -O`, and nothing reaches module-level singletons of the analytics."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LAYERS = ("app", "callbacks", "layout", "geo", "data")  # each may import only the ones after it
MAX_LINES = 450


def modules(package: str):
    folder = REPO / package
    return [REPO / "app.py"] if package == "app" else sorted(folder.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_run_one_way(layer):
    allowed = set(LAYERS[LAYERS.index(layer):])
    forbidden = set(LAYERS) - allowed
    offenders = {str(path.relative_to(REPO)): sorted(imported(path) & forbidden) for path in modules(layer)}
    assert not {path: names for path, names in offenders.items() if names}


@pytest.mark.parametrize("package", ["data", "geo"])
def test_data_and_geo_never_import_dash(package):
    offenders = [str(path.relative_to(REPO)) for path in modules(package)
                 if imported(path) & {"dash", "dash_bootstrap_components", "dash_ag_grid", "flask"}]
    assert not offenders


@pytest.mark.parametrize("package", ["data", "geo", "layout", "callbacks"])
def test_no_module_over_the_line_budget(package):
    long = {str(path.relative_to(REPO)): n for path in modules(package)
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long


@pytest.mark.parametrize("package", ["app", "data", "geo", "layout", "callbacks"])
def test_checks_raise_named_errors_not_assert(package):
    offenders = [f"{path.relative_to(REPO)}:{node.lineno}" for path in modules(package)
                 for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Assert)]
    assert not offenders


@pytest.mark.parametrize("package", ["layout", "callbacks", "geo"])
def test_no_module_level_lru_cache_singletons(package):
    """Analytics and web geometry live in the AtlasServices passed in, not in functools caches at module level."""
    offenders = []
    for path in modules(package):
        for node in ast.parse(path.read_text()).body:
            decorators = getattr(node, "decorator_list", [])
            if any("lru_cache" in ast.unparse(d) or ast.unparse(d) == "cache" for d in decorators):
                offenders.append(f"{path.relative_to(REPO)}:{node.name}")
    assert not offenders
