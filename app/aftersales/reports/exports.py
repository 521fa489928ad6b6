"""A dashboard table as a file: CSV (UTF-8 with a BOM, so Excel reads the Chinese text) and
XLSX (openpyxl). Text a spreadsheet would run as a formula is quoted (CSV injection)."""

from __future__ import annotations

import csv
import io

from app.aftersales.reports.sections import Cell, ReportTable

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table_csv(table: ReportTable) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_safe(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_safe(c) for c in row])
    return out.getvalue().encode("utf-8")


def table_xlsx(table: ReportTable, sheet_title: str) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # imported on first use (no stubs)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    # a sheet's name: at most 31 characters, none of []:*?/\
    sheet.title = "".join(ch for ch in sheet_title if ch not in "[]:*?/\\")[:31] or "Sheet1"
    sheet.append([_safe(c) for c in table.columns])
    for row in table.rows:
        sheet.append([_safe(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(table: ReportTable, fmt: str, sheet_title: str) -> bytes:
    return table_csv(table) if fmt == "csv" else table_xlsx(table, sheet_title)
