"""Cells for spreadsheets: text a spreadsheet would run as a formula is made literal, in every
export (reports as XLSX and CSV, the actions list as CSV)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell a spreadsheet would evaluate, made literal; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
