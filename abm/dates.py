"""Months: one model step is one calendar month."""

from __future__ import annotations

import datetime as dt


def add_months(start: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``start``."""
    index = start.year * 12 + (start.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    return (end.year - start.year) * 12 + (end.month - start.month)
