"""Working days (Monday to Friday, less settings.BURDEN_HOLIDAYS) for the answer deadlines."""

import datetime as dt

from django.conf import settings


def _is_working_day(day: dt.date, holidays: set) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (which itself does not count)."""
    holidays = set(settings.BURDEN_HOLIDAYS)
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if _is_working_day(day, holidays):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    holidays = set(settings.BURDEN_HOLIDAYS)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if _is_working_day(day, holidays):
            count += 1
    return count
