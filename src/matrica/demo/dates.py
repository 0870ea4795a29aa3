"""The demo's calendar: month arithmetic and the days modules' sessions are held on, cached
because the large demo asks the same few questions millions of times."""

from __future__ import annotations

import datetime
import functools

from dateutil.relativedelta import relativedelta


@functools.cache
def months_after(day: datetime.date, months: int) -> datetime.date:
    """`day` plus `months` calendar months (the month's last day where `day` does not exist in
    it). Cached: the history adds the same few refresher intervals to the same session days
    millions of times at the large scale, and `relativedelta` is slow."""
    return day + relativedelta(months=months)


@functools.cache
def date_text(day: datetime.date) -> str:
    """`day` as ISO text, which both databases take for a date column: for rows written by the
    million, cheaper than the SQLite driver's conversion (a Python call for every value), and
    cached, since the history's dates are the same few session days again and again."""
    return day.isoformat()


@functools.cache
def _session_days_around_month(order: int, year: int, month: int) -> tuple[datetime.date, ...]:
    days = []
    for shift in range(-6, 7):
        shifted_year, shifted_month = divmod(year * 12 + month - 1 + shift, 12)
        if shifted_month % 6 != order % 6:
            continue
        fifteenth = datetime.date(shifted_year, shifted_month + 1, 15)
        days.append(fifteenth + datetime.timedelta(days=(3 - fifteenth.weekday()) % 7))
    return tuple(days)


def session_days(order: int, around: datetime.date) -> tuple[datetime.date, ...]:
    """The days a module's half-yearly sessions end on, within six months of `around`: the
    first Thursday from the 15th of every sixth month, the module's `order` choosing which."""
    # Only the month of `around` matters: one answer per module and month.
    return _session_days_around_month(order, around.year, around.month)
