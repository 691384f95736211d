"""Print a locust run's figures from its CSV and say whether it passed.

    python loadtest/summary.py PREFIX [--p95-limit-ms 500]

PREFIX is what was given to `locust --csv`. Passing means no failed request at all and a p95
latency under the limit over every request of the run (sign-ins included). Exit status 0 when
passed, 1 when not, 2 when there is nothing to read.
"""

import argparse
import csv
import sys
from pathlib import Path


def read_rows(prefix: str) -> list[dict[str, str]]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: did locust run?")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def aggregated(rows: list[dict[str, str]]) -> dict[str, str] | None:
    """Locust's row for the whole run (every request together), if it wrote one."""
    return next((row for row in rows if row["Name"] == "Aggregated"), None)


def figures(row: dict[str, str]) -> dict[str, float]:
    requests = int(row["Request Count"])
    failures = int(row["Failure Count"])
    return {
        "requests": requests,
        "failures": failures,
        "failure_pct": 100.0 * failures / requests if requests else 0.0,
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"] or 0),
        "p95": float(row["95%"] or 0),
        "p99": float(row["99%"] or 0),
        "max": float(row["Max Response Time"] or 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix")
    parser.add_argument("--p95-limit-ms", type=float, default=500.0)
    args = parser.parse_args(argv)
    try:
        rows = read_rows(args.prefix)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    total = aggregated(rows)
    if total is None or not int(total["Request Count"]):
        print("No requests were made.", file=sys.stderr)
        return 2
    print(f"{'request':<48} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}")
    for row in sorted(rows, key=lambda r: -int(r["Request Count"])):
        if row["Name"] == "Aggregated":
            continue
        f = figures(row)
        label = f"{row['Type']} {row['Name']}"[:48]
        print(
            f"{label:<48} {f['requests']:>6} {f['failures']:>5} "
            f"{f['p50']:>6.0f} {f['p95']:>6.0f} {f['p99']:>6.0f} {f['max']:>6.0f}"
        )
    f = figures(total)
    print()
    print(f"Requests:      {f['requests']}")
    print(f"Requests/s:    {f['rps']:.1f}")
    print(f"Latency (ms):  p50 {f['p50']:.0f}  p95 {f['p95']:.0f}  p99 {f['p99']:.0f}")
    print(f"Failures:      {f['failures']} ({f['failure_pct']:.2f}%)")
    problems = []
    if f["failures"]:
        problems.append(f"{f['failures']} failed requests (see {args.prefix}_failures.csv)")
    if f["p95"] >= args.p95_limit_ms:
        problems.append(f"p95 {f['p95']:.0f} ms is not under {args.p95_limit_ms:.0f} ms")
    if problems:
        print("FAILED: " + "; ".join(problems) + ".")
        return 1
    print(f"PASSED: no failures, p95 under {args.p95_limit_ms:.0f} ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
