"""loadtest/summary.py: the figures printed from locust's CSV and the pass/fail decision."""

import csv

from loadtest.summary import main

COLUMNS = [
    "Type", "Name", "Request Count", "Failure Count", "Median Response Time",
    "Average Response Time", "Min Response Time", "Max Response Time", "Average Content Size",
    "Requests/s", "Failures/s", "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%",
    "99.9%", "99.99%", "100%",
]  # fmt: skip


def write_stats(prefix, rows):
    with open(f"{prefix}_stats.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "0") for column in COLUMNS})


def row(name, count, failures, p50, p95, p99, rps="10.5", kind="GET"):
    return {
        "Type": kind,
        "Name": name,
        "Request Count": str(count),
        "Failure Count": str(failures),
        "Requests/s": rps,
        "50%": str(p50),
        "95%": str(p95),
        "99%": str(p99),
        "Max Response Time": str(p99 + 10),
    }


def test_passes_with_no_failures_and_p95_under_the_limit(tmp_path, capsys):
    prefix = tmp_path / "run"
    write_stats(
        prefix,
        [
            row("/audits/mine/", 900, 0, 60, 200, 300),
            row("Aggregated", 1000, 0, 70, 320, 480, "10.5", kind=""),
        ],
    )

    assert main([str(prefix)]) == 0
    out = capsys.readouterr().out
    assert "Requests/s:    10.5" in out
    assert "GET /audits/mine/" in out
    assert "p50 70  p95 320  p99 480" in out
    assert "Failures:      0 (0.00%)" in out
    assert "PASSED" in out


def test_fails_on_a_single_failed_request(tmp_path, capsys):
    prefix = tmp_path / "run"
    write_stats(prefix, [row("Aggregated", 1000, 1, 70, 320, 480, "12.0", kind="")])

    assert main([str(prefix)]) == 1
    out = capsys.readouterr().out
    assert "Requests/s:    12.0" in out
    assert "Failures:      1 (0.10%)" in out
    assert "FAILED: 1 failed requests" in out


def test_fails_when_p95_reaches_the_limit(tmp_path, capsys):
    prefix = tmp_path / "run"
    write_stats(prefix, [row("Aggregated", 1000, 0, 70, 500, 900, "12.0", kind="")])

    assert main([str(prefix)]) == 1
    assert "p95 500 ms is not under 500 ms" in capsys.readouterr().out
    assert main([str(prefix), "--p95-limit-ms", "600"]) == 0


def test_nothing_to_read_is_an_error_of_its_own(tmp_path):
    assert main([str(tmp_path / "missing")]) == 2
    write_stats(tmp_path / "empty", [row("Aggregated", 0, 0, 0, 0, 0, "0", kind="")])
    assert main([str(tmp_path / "empty")]) == 2
