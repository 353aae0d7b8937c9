"""The documented set-up commands and the CI script stay in step."""
from __future__ import annotations

import os
import re

from data.config import REPO_ROOT


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (REPO_ROOT / "README.md").read_text())


def test_readme_has_exactly_two_one_line_setup_commands():
    commands = readme_commands()
    assert commands == ["pip install -r requirements.txt && python app.py",
                        "pip install -r requirements.txt && python -m playwright --version >/dev/null "
                        "&& python -m pytest -q"]


def test_ci_script_installs_chromium_and_poppler_then_runs_the_readme_test_command():
    script = REPO_ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    lines = [line for line in script.read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "set -euo pipefail"
    assert lines[-2] == ("apt-get install -y chromium chromium-driver poppler-utils || "
                         "{ apt-get update && apt-get install -y chromium chromium-driver poppler-utils; }")
    assert lines[-1] == readme_commands()[1]
