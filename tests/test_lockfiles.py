"""The lockfiles in requirements/ agree with pyproject.toml (scripts/lockfiles.py), offline."""

import importlib.util
import re
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "lockfiles.py"
spec = importlib.util.spec_from_file_location("lockfiles", SCRIPT)
lockfiles = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lockfiles)

PIN = re.compile(r"^([A-Za-z0-9._-]+)(\[[^]]*\])?==([^ ;\\]+)", re.MULTILINE)
TEST_TOOLS = {"pytest", "playwright", "pandas", "schemathesis", "locust", "mypy", "ruff"}


def pins(name):
    return {m[0].lower(): m[2] for m in PIN.findall(lockfiles.lockfile(name).read_text())}


def test_the_lockfiles_agree_with_pyproject():
    assert lockfiles.stale() == [], "\n".join(lockfiles.stale())


def test_a_changed_dependency_asks_for_scripts_lock(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    text = lockfiles.PYPROJECT.read_text()
    pyproject.write_text(text.replace('"whitenoise>=6.8",', '"whitenoise>=6.9",', 1))
    (tmp_path / "requirements").mkdir()
    for name in lockfiles.LOCKS:
        lockfile = lockfiles.lockfile(name)
        (tmp_path / "requirements" / lockfile.name).write_text(lockfile.read_text())

    messages = lockfiles.stale(pyproject, tmp_path)

    assert len(messages) == 2  # the project's dependencies are in both
    assert all("whitenoise>=6.9" in m and "run ./scripts/lock" in m for m in messages)
    (tmp_path / "requirements" / "prod.txt").unlink()
    assert "requirements/prod.txt is missing: run ./scripts/lock" in lockfiles.stale(
        pyproject, tmp_path
    )


def test_every_locked_package_has_hashes():
    for name in lockfiles.LOCKS:
        lines = lockfiles.lockfile(name).read_text().splitlines()
        pinned = [i for i, line in enumerate(lines) if PIN.match(line)]
        assert len(pinned) == len(pins(name)) > 10
        assert all(lines[i + 1].strip().startswith("--hash=sha256:") for i in pinned), name


def test_production_leaves_the_test_tools_out_at_the_same_versions():
    prod, dev = pins("prod"), pins("dev")
    assert set(dev) >= TEST_TOOLS
    assert not TEST_TOOLS & set(prod)
    assert {"django", "gunicorn", "celery", "psycopg"} <= set(prod)
    assert {name: dev[name] for name in prod} == prod
