"""Where a load run's CPU went: each program's CPU seconds, per request, and the machine's speed.

    python loadtest/cpu.py snapshot FILE [--children-of PID:NAME]
                                                  # every process's CPU so far, by program
    python loadtest/cpu.py report BEFORE AFTER --locust PREFIX [--seconds S]
    python loadtest/cpu.py speed                  # ms a fixed pure-Python loop takes

PREFIX is what was given to `locust --csv`: its requests are counted as loadtest/summary.py
counts them.

scripts/load takes a snapshot as locust starts and another as it ends, then reports: the CPU
seconds gunicorn, PostgreSQL, Celery, Redis and locust each used in between, per request, and
as a share of the machine's cores. A program's CPU counts its live processes and the children
it has reaped (a recycled gunicorn worker, a PostgreSQL backend that ended). Locust has ended
by the second snapshot: scripts/load names itself (`--children-of $$:locust`), so what the
script's finished children used is counted as locust's. `speed` is there
because a shared virtual machine's speed varies: the same loop takes longer on a busy host, and
so does every request; runs on different days compare only with their speeds beside them.
Linux only (/proc).
"""

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

PROGRAMS = ("gunicorn", "postgres", "celery", "redis-server", "locust")


def _ticks(pid: str) -> tuple[str, int, int]:
    """The program's name, its own CPU ticks and its reaped children's."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    # utime, stime, cutime, cstime are fields 14 to 17 of stat(5); fields[0] here is field 3.
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return name, utime + stime, cutime + cstime


def snapshot(children_of: tuple[str, str] | None = None) -> dict[str, float]:
    """CPU seconds so far of every process, summed by program name (PROGRAMS, the rest as
    "other"); children_of (pid, name): that process's reaped children count as `name`."""
    per_second = os.sysconf("SC_CLK_TCK")
    used: Counter[str] = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            name, own, children = _ticks(pid)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # ended while we looked
        program = name if name in PROGRAMS else "other"
        used[program] += own
        if children_of and pid == children_of[0]:
            used[children_of[1]] += children
        else:
            used[program] += children
    return {name: ticks / per_second for name, ticks in used.items()}


def report(
    before: dict[str, float], after: dict[str, float], requests: int, seconds: float | None
) -> list[str]:
    """Lines: each program's CPU seconds between the snapshots, ms per request and, given the
    run's length, its share of the machine (100% = one core busy the whole time)."""
    lines = []
    names = [name for name in (*PROGRAMS, "other") if name in after]
    total = 0.0
    for name in names:
        spent = max(0.0, after[name] - before.get(name, 0.0))
        total += spent
        lines.append(_line(name, spent, requests, seconds))
    lines.append(_line("all", total, requests, seconds))
    return lines


def _line(name: str, spent: float, requests: int, seconds: float | None) -> str:
    per_request = 1000 * spent / requests if requests else 0.0
    share = f", {100 * spent / seconds:.0f}% of a core" if seconds else ""
    return f"{name:>14}: {spent:7.1f} s CPU, {per_request:5.1f} ms per request{share}"


def speed() -> float:
    """Milliseconds of CPU a fixed pure-Python loop takes (median of three)."""
    times = []
    for _ in range(3):
        start = time.process_time()
        total = 0
        for number in range(2_000_000):
            total += number * number
        times.append(1000 * (time.process_time() - start))
    return sorted(times)[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("snapshot")
    take.add_argument("file")
    take.add_argument("--children-of", help="PID:NAME")
    compare = commands.add_parser("report")
    compare.add_argument("before")
    compare.add_argument("after")
    compare.add_argument("--locust", required=True, help="the run's locust --csv PREFIX")
    compare.add_argument("--seconds", type=float)
    commands.add_parser("speed")
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        reaper = tuple(args.children_of.split(":", 1)) if args.children_of else None
        Path(args.file).write_text(json.dumps(snapshot(reaper)))
    elif args.command == "report":
        before = json.loads(Path(args.before).read_text())
        after = json.loads(Path(args.after).read_text())
        # Run as a script beside it, as locustfile.py imports pages.py.
        from summary import aggregated, read_rows

        try:
            total = aggregated(read_rows(args.locust))
        except FileNotFoundError:
            total = None  # no CSV: summary.py says so next; the seconds still stand
        requests = int(total["Request Count"]) if total else 0
        print("\n".join(report(before, after, requests, args.seconds)))
    else:
        print(f"{speed():.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
