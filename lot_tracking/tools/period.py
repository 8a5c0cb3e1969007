"""Reporting periods: ``[date_from, date_to]`` inclusive, on datetimes (naive UTC)."""

import datetime


def _to_datetime(value, end):
    if isinstance(value, str):
        value = (
            datetime.date.fromisoformat(value)
            if len(value) == 10
            else datetime.datetime.fromisoformat(value)
        )
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        # A day given as a date covers the whole day.
        return datetime.datetime.combine(value, datetime.time.max if end else datetime.time.min)
    raise TypeError(f"Not a date or datetime: {value!r}")


def bounds(date_from, date_to):
    """``(start, end)`` datetimes of the inclusive period; a date bound covers its whole day."""
    return _to_datetime(date_from, end=False), _to_datetime(date_to, end=True)
