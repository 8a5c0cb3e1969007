"""Small XLSX writer over xlsxwriter: sheets with a header row and typed columns."""

import datetime
import io

import xlsxwriter


def build_xlsx(sheet_name, columns, rows):
    """Return the bytes of a workbook with one sheet.

    ``columns`` is a list of ``(title, kind)`` with kind one of ``text``, ``number``,
    ``money``, ``date``, ``datetime``; ``rows`` an iterable of value tuples in that order.
    The header is frozen and filterable so that the sheet can be sorted in a spreadsheet.
    """
    return build_xlsx_sheets([(sheet_name, columns, rows)])


def build_xlsx_sheets(sheets):
    """Return the bytes of a workbook with one sheet per ``(sheet_name, columns, rows)``."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    formats = {
        "text": None,
        "number": workbook.add_format({"num_format": "#,##0.###"}),
        "money": workbook.add_format({"num_format": "#,##0.00"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    header = workbook.add_format({"bold": True, "bottom": 1})
    for sheet_name, columns, rows in sheets:
        _write_sheet(workbook.add_worksheet(sheet_name[:31]), formats, header, columns, rows)
    workbook.close()
    return output.getvalue()


def _write_sheet(sheet, formats, header, columns, rows):
    for col, (title, _kind) in enumerate(columns):
        sheet.write_string(0, col, title, header)
        sheet.set_column(col, col, max(12, len(title) + 2))
    row_count = 0
    for row_count, row in enumerate(rows, start=1):
        for col, ((_title, kind), value) in enumerate(zip(columns, row, strict=True)):
            if value is None or value is False or value == "":
                continue
            if kind in ("date", "datetime"):
                if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                    value = datetime.datetime.combine(value, datetime.time())
                sheet.write_datetime(row_count, col, value, formats[kind])
            elif kind in ("number", "money"):
                sheet.write_number(row_count, col, value, formats[kind])
            else:
                sheet.write_string(row_count, col, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row_count, 1), len(columns) - 1)
