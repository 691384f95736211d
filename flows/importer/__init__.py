"""Bulk import of audit history from CSV or XLSX, all or nothing.

QA teams hold years of audits in spreadsheets. Every row is checked first and every problem is
reported by spreadsheet row and column; only a file without problems is written, in one
transaction with bulk inserts so that thousands of rows take seconds. A dry run does the same
work and rolls it back, so its report is exactly what a real run would create.

files.py reads CSV and XLSX, rows.py checks each row, service.py matches rows to what the
database holds and writes them.
"""

from flows.importer.files import read_table
from flows.importer.results import ImportFailed, ImportResult, RowError
from flows.importer.service import audits_import

__all__ = ["ImportFailed", "ImportResult", "RowError", "audits_import", "read_table"]
