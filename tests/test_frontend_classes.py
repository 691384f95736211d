"""The templates use only the GOV.UK Frontend modifiers and override classes that the vendored
build (static/govuk/app.css, GOV.UK Frontend 6) defines: a modifier a major version removed
(v6 removed `govuk-tag--blue`, the default tag is blue) would otherwise fall back silently."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Names with no style of their own: the file upload macro's error class, and the small table
# caption (GOV.UK has --xl, --l, --m; a plain caption is the small one).
UNSTYLED = {"govuk-file-upload--error", "govuk-table__caption--s"}


def defined_classes() -> set[str]:
    css = (ROOT / "static" / "govuk" / "app.css").read_text().replace("\\!", "!")
    return set(re.findall(r"\.(govuk-[A-Za-z0-9_!-]+)", css))


def used_modifiers() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in (ROOT / "templates").rglob("*.html"):
        pattern = r"\b(govuk-(?:[a-z_-]+--[a-z0-9-]*[a-z0-9]|!-[a-z0-9-]+))\b(?!-)"
        for name in re.findall(pattern, path.read_text()):
            used.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return used


def test_every_modifier_the_templates_use_is_in_govuk_frontend():
    used = used_modifiers()
    assert "govuk-tag--green" in used and "govuk-!-margin-bottom-0" in used  # the scan finds them
    defined = defined_classes()
    missing = {name: sorted(files) for name, files in used.items() if name not in defined}
    assert set(missing) <= UNSTYLED, missing
    assert "govuk-tag--blue" not in defined  # GOV.UK Frontend 6 is what is vendored
