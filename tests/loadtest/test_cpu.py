"""loadtest/cpu.py: where a load run's CPU went, read from /proc (Linux), and how fast the
machine is at the time."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loadtest import cpu

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_snapshot_counts_this_process_and_the_children_it_has_reaped_as_named():
    before = cpu.snapshot(children_of=(str(os.getpid()), "locust"))
    _busy(0.3)
    # A child that works, then is reaped by this process: its CPU is counted as "locust".
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import time\nend=time.process_time()+0.3\nwhile time.process_time()<end: pass",
        ],
        check=True,
    )
    after = cpu.snapshot(children_of=(str(os.getpid()), "locust"))
    assert after["other"] - before["other"] >= 0.25  # this test's own work (pytest: "other")
    assert after["locust"] - before.get("locust", 0.0) >= 0.25


def test_the_report_gives_seconds_per_request_and_share_of_a_core():
    before = {"gunicorn": 10.0, "postgres": 2.0}
    after = {"gunicorn": 40.0, "postgres": 8.0, "locust": 3.0}
    lines = cpu.report(before, after, requests=1000, seconds=60)
    assert lines[0].split() == [
        "gunicorn:",
        "30.0",
        "s",
        "CPU,",
        "30.0",
        "ms",
        "per",
        "request,",
        "50%",
        "of",
        "a",
        "core",
    ]
    assert "6.0 ms per request, 10% of a core" in lines[1]  # postgres
    assert "3.0 ms per request" in lines[2]  # locust, absent before: from zero
    assert lines[-1].split()[:2] == ["all:", "39.0"]


def test_speed_is_the_time_of_a_fixed_loop():
    assert 1 < cpu.speed() < 60_000
