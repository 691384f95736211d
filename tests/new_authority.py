"""A new authority's own material, for the walks from an empty database (in the browser and
through the API alone): its tool (six domains, Outstanding offered, N/A allowed in two), its
HR file (20 staff in two areas) and 24 months of its history with N/A where the tool allows it,
a third of it moderated."""

import datetime as dt

from core import months

TOOL_CODE = "our-case-file"
TOOL_NAME = "Our case file audit"
# code, title, N/A allowed
DOMAINS = [
    ("safety", "Child safety", False),
    ("plan", "Plan (and permanence planning)", False),
    ("agencies", "Multi-agency working", True),
    ("oversight", "Supervision and management oversight", False),
    ("relationships", "Trusted relationships", True),
    ("voice", "Voice of the child", False),
]
DESCRIPTORS = {"O": "exemplary", "G": "good", "RI": "patchy", "I": "unsafe"}
PER_MONTH = 6
HISTORY_MONTHS = 24
GRADES = ["G", "RI", "G", "O", "RI", "I", "G"]
OVERALLS = ["G", "RI", "G", "O", "RI", "G"]


def tool_definition() -> dict:
    """The body of POST /api/tools/ (the browser walk types the same)."""
    return {
        "code": TOOL_CODE,
        "name": TOOL_NAME,
        "offers_outstanding": True,
        "blind_moderation": False,
        "domains": [
            {
                "code": code,
                "title": title,
                "guidance": f"What to look for in {title.lower()}.",
                "na_allowed": na,
                "descriptors": {g: f"{title}: {w} practice." for g, w in DESCRIPTORS.items()},
            }
            for code, title, na in DOMAINS
        ],
    }


def history_months(today: dt.date) -> list[dt.date]:
    """The 24 months before this one, oldest first."""
    this_month = months.first_of_month(today)
    return months.month_range(
        months.months_before(this_month, HISTORY_MONTHS), months.months_before(this_month, 1)
    )


def history_rows(hr: list[dict[str, str]], today: dt.date) -> list[dict[str, str]]:
    """Audits by the HR file's team managers of cases in their teams; every third moderated by
    a moderator from the file; N/A in the two domains that allow it, now and then."""
    managers = [r for r in hr if r["team"] and "moderator" not in r["roles"].lower()]
    moderators = [r["username"] for r in hr if "moderator" in r["roles"].lower()]
    rows = []
    n = 0
    for month in history_months(today):
        for _ in range(PER_MONTH):
            manager = managers[n % len(managers)]
            row = {
                "case_reference": f"NA-{100000 + n}",
                "service_area": manager["service_area"],
                "team": manager["team"],
                "tool": TOOL_CODE,
                "month": f"{month:%Y-%m}",
                "auditor": manager["username"],
                "overall": OVERALLS[n % len(OVERALLS)],
                "escalated": "no",
                "submitted_on": f"{month:%Y-%m}-15",
            }
            for i, (code, _title, na) in enumerate(DOMAINS):
                grade = GRADES[(n + i) % len(GRADES)]
                row[code] = "N/A" if na and (n + i) % 4 == 0 else grade
            if n % 3 == 0:
                row |= {
                    "moderator": moderators[n % len(moderators)],
                    "moderated_on": f"{month:%Y-%m}-20",
                    "moderated_overall": "RI" if row["overall"] == "O" else row["overall"],
                    "moderated_escalated": "no",
                }
                for code, _title, _na in DOMAINS:
                    row[f"moderated_{code}"] = row[code]
            rows.append(row)
            n += 1
    return rows
