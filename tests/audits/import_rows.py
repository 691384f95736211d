"""Rows in the import format, and CSV / XLSX files made from them."""

import csv
import io

from openpyxl import Workbook

CASE_FILE_DOMAINS = [
    "earlier_intervention",
    "assessment",
    "plan",
    "review",
    "voice",
    "supervision",
    "impact_child",
    "impact_family",
]
FOSTER_CARER_DOMAINS = [
    "approval",
    "safer_caring",
    "supervision",
    "training",
    "voice",
    "impact_child",
]
ALL_DOMAINS = list(dict.fromkeys(CASE_FILE_DOMAINS + FOSTER_CARER_DOMAINS))
BASE_COLUMNS = [
    "case_reference",
    "service_area",
    "team",
    "tool",
    "month",
    "auditor",
    "overall",
    "escalated",
    "submitted_on",
]
MODERATION_COLUMNS = ["moderator", "moderated_on", "moderated_overall", "moderated_escalated"]
FULL_COLUMNS = (
    BASE_COLUMNS + ALL_DOMAINS + MODERATION_COLUMNS + [f"moderated_{c}" for c in ALL_DOMAINS]
)


def audit_row(**values) -> dict[str, str]:
    """A valid case-file audit row, Good throughout; keyword arguments change columns."""
    row = {
        "case_reference": "LCS-2000001",
        "service_area": "Children in need",
        "team": "CIN team 1",
        "tool": "case-file",
        "month": "2025-03",
        "auditor": "auditor",
        "overall": "G",
        "escalated": "no",
        "submitted_on": "2025-03-20",
    }
    row.update({code: "G" for code in CASE_FILE_DOMAINS})
    row.update(values)
    return row


def moderated(row: dict[str, str], *, moderator="moderator", overall="RI", grade="RI") -> dict:
    """The row with every moderation column filled in."""
    codes = FOSTER_CARER_DOMAINS if row["tool"] == "foster-carer" else CASE_FILE_DOMAINS
    return row | {
        "moderator": moderator,
        "moderated_on": "2025-04-02",
        "moderated_overall": overall,
        "moderated_escalated": "no",
        **{f"moderated_{code}": grade for code in codes},
    }


def columns_of(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def to_csv(rows: list[dict], *, columns: list[str] | None = None, bom: bool = False) -> bytes:
    columns = columns or columns_of(rows)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def to_xlsx(rows: list[dict], *, columns: list[str] | None = None, headers=None) -> bytes:
    """An XLSX of the rows; values may be dates or numbers, as spreadsheets hold them."""
    columns = columns or columns_of(rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or columns)
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def many_rows(count: int = 1000) -> list[dict[str, str]]:
    """A realistic import: 20 months of audits across 15 teams, half of them moderated."""
    areas = ["Front door", "Children in need", "Child protection", "Children in care", "Fostering"]
    months = [
        f"{year}-{month:02d}"
        for year in (2024, 2025)
        for month in range(1, 13)
        if month not in (8, 12)
    ]
    grades = ["G", "RI", "RI", "I", "good", "Requires improvement", "O", "ri", "G", "inadequate"]
    rows = []
    for i in range(count):
        area = areas[i % len(areas)]
        team = f"{area} team {i % 3 + 1}"
        month = months[(i * len(months)) // count]
        overall = grades[i % len(grades)]
        auditor = f"manager.{area.split()[0].lower()}{i % 3 + 1}"
        if i % 7 == 0:
            auditor = f"{auditor}@example.gov.uk"
        if area == "Fostering":
            domains = FOSTER_CARER_DOMAINS
            tool = "foster-carer"
            overall = overall.replace("O", "G")
        else:
            domains, tool = CASE_FILE_DOMAINS, "case-file"
        row = {
            "case_reference": f"LCS-{3000000 + i}",
            "service_area": area,
            "team": team,
            "tool": tool,
            "month": month,
            "auditor": auditor,
            "overall": overall,
            "escalated": "yes" if overall.lower() in ("i", "inadequate") and i % 2 else "no",
            "submitted_on": f"{month}-{i % 27 + 1:02d}",
        }
        for n, code in enumerate(domains):
            row[code] = "NA" if code == "review" and i % 5 == 0 else grades[(i + n) % 4]
        if i % 2 == 0:
            row |= {
                "moderator": f"qa.officer{i % 4 + 1}",
                "moderated_on": f"{month}-28",
                "moderated_overall": "RI",
                "moderated_escalated": "no",
            }
            row |= {f"moderated_{code}": "RI" for code in domains}
        rows.append(row)
    return rows
