"""The lockfiles in requirements/ and what pyproject.toml asks for (scripts/lock writes them).

requirements/prod.txt  the service: pyproject's dependencies, every package pinned with hashes
requirements/dev.txt   the same and the extras for tests and tools (test, load, dev)

Each lockfile starts with the requirements it was made from, one `# from pyproject: ...` line
each, so a test (tests/test_lockfiles.py) can tell, without the network, when pyproject changed
and nobody ran ./scripts/lock.

    python scripts/lockfiles.py header prod|dev   the header lines for one lockfile
    python scripts/lockfiles.py check             exit 1, naming the stale lockfile, if any is
"""

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
# Each lockfile: pyproject's extras it takes besides the project's own dependencies.
LOCKS = {"prod": (), "dev": ("test", "load", "dev")}
MARK = "# from pyproject: "


def lockfile(name: str) -> Path:
    return ROOT / "requirements" / f"{name}.txt"


def wanted(name: str, pyproject: Path = PYPROJECT) -> list[str]:
    """The requirements a lockfile is made from, as pyproject writes them (spaces dropped)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in LOCKS[name]:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    return sorted({"".join(r.split()) for r in requirements})


def header(name: str) -> str:
    return "".join(f"{MARK}{r}\n" for r in wanted(name))


def recorded(path: Path) -> list[str] | None:
    """The requirements a lockfile says it was made from; None when there is no lockfile."""
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    return sorted(line.removeprefix(MARK) for line in lines if line.startswith(MARK))


def stale(pyproject: Path = PYPROJECT, root: Path = ROOT) -> list[str]:
    """One message per lockfile that is missing or disagrees with pyproject.toml."""
    messages = []
    for name in LOCKS:
        path = root / "requirements" / f"{name}.txt"
        have = recorded(path)
        want = wanted(name, pyproject)
        if have is None:
            messages.append(f"requirements/{name}.txt is missing: run ./scripts/lock")
        elif have != want:
            added = sorted(set(want) - set(have))
            gone = sorted(set(have) - set(want))
            messages.append(
                f"requirements/{name}.txt disagrees with pyproject.toml (new or changed: "
                f"{', '.join(added) or 'none'}; no longer asked for: {', '.join(gone) or 'none'})"
                ": run ./scripts/lock"
            )
    return messages


if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["header"] and sys.argv[2:3] and sys.argv[2] in LOCKS:
        sys.stdout.write(header(sys.argv[2]))
    elif command == ["check"]:
        problems = stale()
        print("\n".join(problems) or "requirements/ agrees with pyproject.toml")
        sys.exit(1 if problems else 0)
    else:
        sys.exit(__doc__)
