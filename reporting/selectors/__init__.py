"""Every read of the reports: aggregate queries returning plain data.

    figures       the shared arithmetic: distributions, comparison, weighted kappa, the KPI
    monthly       the monthly report (every figure defined there)
    monthly_rows  its rows counted from the raw tables (source="raw", the reference)
    summary_rows  its rows read from the summary table (the default, fast at scale)
    ranges        a range of months: filters, scope and access
    trend         month-by-month and quarter-by-quarter trends, from the summary
    calibration   auditor calibration (QA leads only)
    reaudits      the re-audit cohort

The names below are the package's face for the pages and exports (reporting.views,
reporting.exports, reporting.snapshot_views), so they import `reporting.selectors`.
"""

from reporting.selectors.figures import DOMAIN_COLUMNS, GRADES
from reporting.selectors.monthly import monthly_report, monthly_report_for_user

__all__ = ["DOMAIN_COLUMNS", "GRADES", "monthly_report", "monthly_report_for_user"]
