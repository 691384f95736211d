"""The image (Containerfile), its compose file and gunicorn's configuration.

The image's own build and check are slow (about 10 minutes: a Debian base from mmdebstrap, then
pip from the lockfile), so they are the `image` group, out of the default run and of CI:
    .venv/bin/python -m pytest -q -m image
The compose file and gunicorn.conf.py are read in the default suite.
"""

import runpy
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
QUEUES = {"email", "snapshots", "imports", "celery"}


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_compose_runs_migrations_once_before_web_worker_and_beat():
    services = compose()
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        after = services[name]["depends_on"]["migrate"]
        assert after == {"condition": "service_completed_successfully"}, name


def test_compose_has_exactly_one_beat_and_workers_on_every_queue():
    services = compose()
    assert services["beat"]["deploy"]["replicas"] == 1
    assert [n for n, s in services.items() if "beat" in s.get("command", [])] == ["beat"]
    worker = services["worker"]["command"]
    assert set(worker[worker.index("-Q") + 1].split(",")) == QUEUES


def test_compose_checks_health_and_readiness():
    services = compose()
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in (ROOT / "Containerfile").read_text()
    assert services["web"]["command"] == ["gunicorn", "config.wsgi", "--config", "gunicorn.conf.py"]


def test_gunicorn_takes_its_size_from_the_environment_and_leaves_access_logs_to_the_app(
    monkeypatch,
):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("PORT", "8123")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (config["workers"], config["timeout"], config["bind"]) == (7, 45, "0.0.0.0:8123")
    assert config["accesslog"] is None
    assert config["forwarded_allow_ips"] == "127.0.0.1"


@pytest.mark.image
def test_the_image_builds_and_its_root_filesystem_passes_the_checks():
    build = subprocess.run(
        ["./scripts/build_image"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    check = subprocess.run(
        ["./scripts/check_image"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    output = check.stdout + check.stderr
    assert check.returncode == 0, output
    for line in (
        "runs as app (uid 10001, no shell)",
        "Python 3.11.",
        "no test tools",
        "static files collected",
        "System check identified no issues",
        "OK: localhost/case-file-audit:latest",
    ):
        assert line in output
