"""The range reports' old import path, kept for reporting.views (its owner moves it to
reporting.selectors.ranges / trend / calibration / reaudits; then this module goes)."""

from reporting.selectors.calibration import calibration_for_user
from reporting.selectors.ranges import RangeReportFilter
from reporting.selectors.reaudits import reaudits_for_user
from reporting.selectors.trend import trend_for_user

__all__ = ["RangeReportFilter", "calibration_for_user", "reaudits_for_user", "trend_for_user"]
