"""Small XLSX writer over xlsxwriter: sheets with a header row and typed columns."""

import datetime
import io

import pytz
import xlsxwriter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def user_tz(env):
    """The time zone ``env``'s user reads times in (as ``fields.Datetime.context_timestamp``)."""
    return env.context.get("tz") or env.user.tz


def wall_clock(value, tz_name):
    """A naive UTC datetime (as Odoo stores them) as the naive wall-clock time of ``tz_name``,
    which is what a spreadsheet shows; unknown or empty zones keep UTC, as Odoo does."""
    if not isinstance(value, datetime.datetime):
        return value
    try:
        zone = pytz.timezone(tz_name) if tz_name else pytz.utc
    except pytz.UnknownTimeZoneError:
        zone = pytz.utc
    return pytz.utc.localize(value).astimezone(zone).replace(tzinfo=None)


def build_xlsx(sheet_name, columns, rows, tz=None):
    """Return the bytes of a workbook with one sheet.

    ``columns`` is a list of ``(title, kind)`` with kind one of ``text``, ``number``,
    ``money``, ``date``, ``datetime``; ``rows`` an iterable of value tuples in that order.
    ``datetime`` values are naive UTC and written as wall-clock time in the zone ``tz``.
    The header is frozen and filterable so that the sheet can be sorted in a spreadsheet.
    """
    return build_xlsx_sheets([(sheet_name, columns, rows)], tz=tz)


def build_xlsx_sheets(sheets, tz=None):
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
        sheet = workbook.add_worksheet(sheet_name[:31])
        _write_sheet(sheet, formats, header, columns, rows, tz)
    workbook.close()
    return output.getvalue()


def _write_sheet(sheet, formats, header, columns, rows, tz):
    for col, (title, _kind) in enumerate(columns):
        sheet.write_string(0, col, title, header)
        sheet.set_column(col, col, max(12, len(title) + 2))
    row_count = 0
    for row_count, row in enumerate(rows, start=1):
        for col, ((_title, kind), value) in enumerate(zip(columns, row, strict=True)):
            if value is None or value is False or value == "":
                continue
            if kind == "datetime":
                sheet.write_datetime(row_count, col, wall_clock(value, tz), formats[kind])
            elif kind == "date":
                if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                    value = datetime.datetime.combine(value, datetime.time())
                sheet.write_datetime(row_count, col, value, formats[kind])
            elif kind in ("number", "money"):
                sheet.write_number(row_count, col, value, formats[kind])
            else:
                sheet.write_string(row_count, col, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row_count, 1), len(columns) - 1)
