"""Every transactional test restores the database it found (serialized_rollback).

A transactional test without it ends with a flush that re-creates the content types; the next
test that restores the serialized database then fails on a duplicate content type, in whichever
order xdist happens to run them (the celery_worker group failed so on 2026-12-04).
"""

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _transactional_marks_without_rollback(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if not name.endswith("mark.django_db"):
            continue
        keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
        if keywords.get("transaction") == "True" and keywords.get("serialized_rollback") != "True":
            lines.append(node.lineno)
    return lines


def test_every_transactional_test_restores_the_serialized_database():
    offenders = {
        str(path.relative_to(TESTS)): lines
        for path in sorted(TESTS.rglob("*.py"))
        if (lines := _transactional_marks_without_rollback(path))
    }
    assert offenders == {}


def test_the_check_sees_a_mark_without_rollback(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import pytest\n"
        "@pytest.mark.django_db(transaction=True)\n"
        "def test_a(): pass\n"
        "@pytest.mark.django_db(transaction=True, serialized_rollback=True)\n"
        "def test_b(): pass\n"
    )
    assert _transactional_marks_without_rollback(sample) == [2]
