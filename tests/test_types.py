"""The application code, loadtest/ and scripts/ type-check: mypy with django-stubs and
djangorestframework-stubs, as configured in pyproject.toml ([tool.mypy]: what it checks,
check_untyped_defs, the plugins).
Run by hand: .venv/bin/mypy"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors():
    # Its own process: the Django plugin sets Django up, which must not touch this one's settings.
    # The cache (.mypy_cache) makes a second run take a few seconds.
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found in"), result.stdout
