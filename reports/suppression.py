"""Small-group suppression, the one implementation pages, the stats API and exports share.

DESIGN.md "Roles and what each may see":
- primary: a cell computed from fewer than BURDEN_MIN_GROUP distinct reporters (0 included) is
  shown with its measures null and `suppressed: true`;
- complementary: wherever a total is shown beside its parts (county vs. townships, county vs.
  departments, quarter vs. weeks, year vs. quarters, region vs. counties, department vs. counties),
  the suppressed parts that have any reporter are either none or together hold at least
  BURDEN_MIN_GROUP distinct reporters: keep suppressing the next-smallest non-empty part (ties by
  code) until that holds. An empty part reveals nothing and never forces another.
- a suppressed total suppresses all its parts, or they would add up to it.

Distinct reporters of several parts are not always the sum of theirs (a cadre reports to many
departments, a reporter files in many weeks), so callers pass `union`, which counts the distinct
reporters of a set of parts exactly; without it the parts are taken as disjoint.
"""

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from portal import weeks as isoweeks


def min_group() -> int:
    return settings.BURDEN_MIN_GROUP


@dataclass(frozen=True)
class Part:
    """One part of a total: its key, its distinct reporters and its code (the tie-breaker)."""

    key: Hashable
    reporters: int
    order: Any = ""
    forced: bool = False  # already suppressed for another reason (e.g. its own period total)


def suppress_parts(
    parts: Sequence[Part],
    group: int,
    *,
    union: Callable[[list[Hashable]], int] | None = None,
    total_suppressed: bool = False,
) -> set[Hashable]:
    """Keys of the parts to suppress beside their total."""
    if total_suppressed:
        return {p.key for p in parts}
    by_key = {p.key: p for p in parts}
    hidden = {p.key for p in parts if p.forced or p.reporters < group}

    def held(keys):
        keys = [k for k in keys if by_key[k].reporters > 0]
        if union is not None:
            return union(sorted(keys, key=lambda k: (str(by_key[k].order), str(k))))
        return sum(by_key[k].reporters for k in keys)

    candidates = sorted(
        (p for p in parts if p.key not in hidden and p.reporters > 0),
        key=lambda p: (p.reporters, str(p.order), str(p.key)),
    )
    while any(by_key[k].reporters > 0 for k in hidden) and held(hidden) < group and candidates:
        hidden.add(candidates.pop(0).key)
    return hidden


def is_small(reporters: int | None, group: int) -> bool:
    return (reporters or 0) < group


def period_statuses(
    year: str,
    year_reporters: int,
    quarter_reporters: dict[str, int],
    week_reporters: dict[str, int],
    group: int,
    *,
    union_quarters: Callable[[list[str]], int] | None = None,
    union_weeks: Callable[[list[str]], int] | None = None,
) -> dict[str, bool]:
    """Suppressed or not, for one cell's year, its four quarters and every week of the year.

    The year is primary-suppressed; quarters are parts of the year, weeks parts of their quarter
    (a week belongs to the quarter of its Thursday). Unions count distinct reporters exactly;
    without them the sum is used, which only suits disjoint parts.
    """
    status = {year: is_small(year_reporters, group)}
    quarters = [p.label for p in isoweeks.Period("year", year).parts]
    hidden_q = suppress_parts(
        [Part(q, quarter_reporters.get(q, 0), q) for q in quarters],
        group,
        union=union_quarters,
        total_suppressed=status[year],
    )
    for quarter in quarters:
        status[quarter] = quarter in hidden_q
        week_labels = isoweeks.Period("quarter", quarter).weeks
        hidden_w = suppress_parts(
            [Part(w, week_reporters.get(w, 0), w) for w in week_labels],
            group,
            union=union_weeks,
            total_suppressed=status[quarter],
        )
        status.update({w: w in hidden_w for w in week_labels})
    return status


def masked(row: dict, fields: Iterable[str], suppressed: bool) -> dict:
    """The row with `suppressed` set and, if suppressed, each of `fields` null."""
    row = dict(row)
    row["suppressed"] = suppressed
    if suppressed:
        for field in fields:
            row[field] = None
    return row
