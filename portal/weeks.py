"""ISO weeks and the fixed period buckets (week, month, quarter, year), reckoned in Asia/Shanghai.

Pure functions with no database access; everything that speaks of a week goes through here.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

# ASCII digits and \A..\Z: `\d` takes any Unicode digit and `$` matches before a final newline.
WEEK_RE = re.compile(r"\A([0-9]{4})-W([0-9]{2})\Z")
MONTH_RE = re.compile(r"\A([0-9]{4})-M(0[1-9]|1[0-2])\Z")
QUARTER_RE = re.compile(r"\A([0-9]{4})-Q([1-4])\Z")
YEAR_RE = re.compile(r"\A([0-9]{4})\Z")
# The years the portal can speak of; far outside them the calendar arithmetic overflows.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def today() -> dt.date:
    """Today's date in the portal's time zone (Asia/Shanghai)."""
    return timezone.localdate()


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def current_week() -> str:
    return week_of(today())


def parse_week(week: str) -> tuple[int, int]:
    """Return (iso_year, iso_week) or raise ValueError for anything that is not a real week."""
    match = WEEK_RE.match(week or "")
    if not match:
        raise ValueError(f"not an ISO week like 2026-W47: {week!r}")
    year, number = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR or number < 1 or number > weeks_in_year(year):
        raise ValueError(f"no such ISO week: {week!r}")
    return year, number


def is_week(week: str) -> bool:
    try:
        parse_week(week)
    except ValueError:
        return False
    return True


def weeks_in_year(year: int) -> int:
    return dt.date(year, 12, 28).isocalendar()[1]


def week_monday(week: str) -> dt.date:
    year, number = parse_week(week)
    return dt.date.fromisocalendar(year, number, 1)


def week_days(week: str) -> tuple[dt.date, dt.date]:
    monday = week_monday(week)
    return monday, monday + dt.timedelta(days=6)


def shift_week(week: str, delta: int) -> str:
    return week_of(week_monday(week) + dt.timedelta(weeks=delta))


def week_thursday(week: str) -> dt.date:
    return week_monday(week) + dt.timedelta(days=3)


def week_quarter(week: str) -> str:
    """The quarter a week belongs to: that of its Thursday."""
    thursday = week_thursday(week)
    return f"{thursday.year:04d}-Q{(thursday.month - 1) // 3 + 1}"


def week_month(week: str) -> str:
    """The month a week belongs to: that of its Thursday, written 2026-M11."""
    thursday = week_thursday(week)
    return f"{thursday.year:04d}-M{thursday.month:02d}"


def week_year(week: str) -> str:
    return f"{week_thursday(week).year:04d}"


def last_closed_week(now: dt.datetime, closes_after_hours: float) -> str:
    """The latest week closed at `now` (an aware datetime): a week closes `closes_after_hours`
    after its Sunday ends, in the portal's time zone (36 hours: Tuesday noon)."""
    moment = timezone.localtime(now) - dt.timedelta(hours=closes_after_hours)
    # The week holding `moment` has not ended by then; the one before it has.
    return shift_week(week_of(moment.date()), -1)


@dataclass(frozen=True)
class Period:
    """A fixed bucket: an ISO week, a month, a quarter or a year."""

    kind: str  # "week", "month", "quarter" or "year"
    label: str

    @property
    def weeks(self) -> list[str]:
        """Every ISO week of the bucket, in order (a week belongs where its Thursday falls)."""
        if self.kind == "week":
            return [self.label]
        if self.kind == "month":
            year, month = int(self.label[:4]), int(self.label[-2:])
            first = dt.date(year, month, 1)
            last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(1)
        elif self.kind == "quarter":
            year, quarter = int(self.label[:4]), int(self.label[-1])
            first = dt.date(year, 3 * quarter - 2, 1)
            last = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(1)
        else:
            year = int(self.label)
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        # The first Thursday on or after `first` is in the first week of the bucket.
        thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
        weeks = []
        while thursday <= last:
            weeks.append(week_of(thursday))
            thursday += dt.timedelta(weeks=1)
        return weeks

    @property
    def year(self) -> str:
        """The year the bucket belongs to (a week's: that of its Thursday)."""
        return week_year(self.label) if self.kind == "week" else self.label[:4]

    @property
    def parts(self) -> list["Period"]:
        """Sub-buckets: a year's quarters, a quarter's or a month's weeks; a week has none."""
        if self.kind == "year":
            return [Period("quarter", f"{self.label}-Q{q}") for q in range(1, 5)]
        if self.kind in ("quarter", "month"):
            return [Period("week", w) for w in self.weeks]
        return []

    @property
    def previous(self) -> "Period":
        """The bucket of the same kind just before this one."""
        if self.kind == "week":
            return Period("week", shift_week(self.label, -1))
        year = int(self.label[:4])
        if self.kind == "month":
            month = int(self.label[-2:])
            return Period("month", f"{year - (month == 1):04d}-M{(month - 2) % 12 + 1:02d}")
        if self.kind == "quarter":
            quarter = int(self.label[-1])
            return Period("quarter", f"{year - (quarter == 1):04d}-Q{(quarter - 2) % 4 + 1}")
        return Period("year", f"{year - 1:04d}")


def parse_period(label: str) -> Period:
    """Parse `2026-W47`, `2026-M11`, `2026-Q4` or `2026`; raise ValueError for anything else."""
    label = label or ""
    if WEEK_RE.match(label):
        parse_week(label)
        return Period("week", label)
    for kind, pattern in (("month", MONTH_RE), ("quarter", QUARTER_RE), ("year", YEAR_RE)):
        match = pattern.match(label)
        if match:
            if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
                raise ValueError(f"no such year: {label!r}")
            return Period(kind, label)
    raise ValueError(
        "period must be a week (2026-W47), a month (2026-M11), a quarter (2026-Q4) "
        f"or a year (2026): {label!r}"
    )


# ---------------------------------------------------------------------------- schema patterns
# The OpenAPI patterns of week and period labels, written from the rules above (FIRST_YEAR,
# LAST_YEAR, weeks_in_year) so that a label matches exactly when parse_week / parse_period take
# it. ECMA-262 syntax, as OpenAPI patterns are: `^...$` around the whole label, ASCII digits.


def _digits_range(low: str, high: str) -> str:
    """A regex matching the equal-width digit strings low..high exactly: "01".."52" gives
    (?:0[1-9]|[1-4][0-9]|5[0-2])."""
    if low == high:
        return low
    if low[0] == high[0]:
        return low[0] + _digits_range(low[1:], high[1:])
    rest = len(low) - 1
    any_rest = "" if not rest else "[0-9]" if rest == 1 else f"[0-9]{{{rest}}}"
    first, last, parts, tail = int(low[0]), int(high[0]), [], []
    if low[1:] != "0" * rest:
        parts.append(low[0] + _digits_range(low[1:], "9" * rest))
        first += 1
    if high[1:] != "9" * rest:
        tail.append(high[0] + _digits_range("0" * rest, high[1:]))
        last -= 1
    if first <= last:
        parts.append((str(first) if first == last else f"[{first}-{last}]") + any_rest)
    parts += tail
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _number_pattern(low: int, high: int, width: int) -> str:
    return _digits_range(f"{low:0{width}d}", f"{high:0{width}d}")


def _years_pattern(years) -> str:
    """Four-digit years: a range if they follow each other, else an alternation by century."""
    years = sorted(years)
    if years == list(range(years[0], years[-1] + 1)):
        return _number_pattern(years[0], years[-1], 4)
    by_century = {}
    for year in years:
        by_century.setdefault(year // 100, []).append(f"{year % 100:02d}")
    return "(?:" + "|".join(f"{c}(?:{'|'.join(ys)})" for c, ys in sorted(by_century.items())) + ")"


def _week_body() -> str:
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    long_years = [y for y in years if weeks_in_year(y) == 53]
    return f"(?:{_years_pattern(years)}-W{_number_pattern(1, 52, 2)}|{_years_pattern(long_years)}-W53)"


def week_pattern(allow_empty=False) -> str:
    """The pattern of a real ISO week label (2026-W47) in the portal's years."""
    body = _week_body()
    return f"^(?:{body})?$" if allow_empty else f"^{body}$"


def period_pattern(allow_empty=False) -> str:
    """The pattern of a period label parse_period takes: a week, a month, a quarter or a year."""
    year = _years_pattern(range(FIRST_YEAR, LAST_YEAR + 1))
    body = f"(?:{_week_body()}|{year}(?:-M{_number_pattern(1, 12, 2)}|-Q[1-4])?)"
    return f"^(?:{body})?$" if allow_empty else f"^{body}$"


def current_quarter() -> Period:
    return Period("quarter", week_quarter(current_week()))
