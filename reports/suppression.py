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


def _protect(
    parts: Sequence[Part],
    group: int,
    *,
    union: Callable[[list[Hashable]], int] | None = None,
    total_suppressed: bool = False,
) -> tuple[set[Hashable], bool]:
    """The hidden keys and whether they protect each other (False: the total must be hidden too)."""
    if total_suppressed:
        return {p.key for p in parts}, True
    by_key = {p.key: p for p in parts}
    hidden = {p.key for p in parts if p.forced or p.reporters < group}

    def enough(keys):
        # Exact distinct reporters lie between the largest part and the sum, so the union (a
        # query for stats) is only asked when those bounds straddle the group.
        sizes = [by_key[k].reporters for k in keys]
        if max(sizes) >= group:
            return True
        if sum(sizes) < group or union is None:
            return sum(sizes) >= group
        return union(sorted(keys, key=lambda k: (str(by_key[k].order), str(k)))) >= group

    def safe():
        # A lone hidden part equals the total minus the shown parts, whatever its size: a part
        # forced by another relation (e.g. its quarter) must have company here too.
        keys = [k for k in hidden if by_key[k].reporters > 0]
        return not keys or (len(keys) >= 2 and enough(keys))

    candidates = sorted(
        (p for p in parts if p.key not in hidden and p.reporters > 0),
        key=lambda p: (p.reporters, str(p.order), str(p.key)),
    )
    while not safe() and candidates:
        hidden.add(candidates.pop(0).key)
    return hidden, safe()


def suppress_parts(
    parts: Sequence[Part],
    group: int,
    *,
    union: Callable[[list[Hashable]], int] | None = None,
    total_suppressed: bool = False,
) -> set[Hashable]:
    """Keys of the parts to suppress beside their total."""
    return _protect(parts, group, union=union, total_suppressed=total_suppressed)[0]


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


def grid_statuses(
    year: str,
    cells: Sequence[tuple[Hashable, Any]],
    counts: dict[Hashable, dict[str, int]],
    group: int,
    *,
    union: Callable[[list[tuple[Hashable, str]]], int] | None = None,
    total_hidden: dict[str, bool] | None = None,
) -> dict[Hashable, dict[str, bool]]:
    """Suppressed or not, for every (cell, bucket) of one family over a year: each cell's and the
    family total's year, quarters and weeks. The total is the cell None.

    `cells` are (key, code), keys never None; `counts[cell][label]` the distinct reporters of a
    cell (or of the total) in a bucket; `union` counts the distinct reporters of a list of
    (cell, label); `total_hidden[label]` hides the total of a bucket for a reason of the caller's.
    Both kinds of relation (the cells of a bucket beside its total; a year beside its quarters, a
    quarter beside its weeks, for each cell and the total) are applied until nothing changes, so a
    cell hidden in a bucket for any reason is hidden in every sub-bucket, and every hide, forced or
    not, has company in both directions. Where the other parts cannot give a forced hide company
    (none of them is non-empty), the relation's total is hidden as well. Passes run top-down in a
    fixed order, ties by code, so the answer is deterministic.
    """
    quarters = [p.label for p in isoweeks.Period("year", year).parts]
    weeks_of = {q: isoweeks.Period("quarter", q).weeks for q in quarters}
    labels = [year, *quarters, *(w for q in quarters for w in weeks_of[q])]
    keys = [key for key, _code in cells]
    code = dict(cells)
    total_hidden = total_hidden or {}

    def reporters(cell, label):
        return counts.get(cell, {}).get(label, 0)

    hidden = {
        (cell, label)
        for cell in [None, *keys]
        for label in labels
        if reporters(cell, label) < group or total_hidden.get(label, False)
    }

    def apply(node, parts, order) -> bool:
        """One total beside its parts; whether anything was hidden."""
        listed = [Part(p, reporters(*p), order(p), p in hidden) for p in parts]
        new, ok = _protect(listed, group, union=union, total_suppressed=node in hidden)
        added = new - hidden
        hidden.update(added)
        if not ok and node not in hidden:  # no part can keep a forced hide company
            hidden.add(node)
            return True
        return bool(added)

    def across(label) -> bool:
        return apply((None, label), [(cell, label) for cell in keys], lambda p: code[p[0]])

    def down(top, subs) -> bool:
        changed = False
        for cell in [None, *keys]:
            changed |= apply((cell, top), [(cell, s) for s in subs], lambda p: p[1])
        return changed

    # Top-down, so what a year or quarter forces is known before its sub-buckets pick whom to
    # hide beside a small cell; repeated until a pass changes nothing (hides only ever grow).
    changed = True
    while changed:
        changed = across(year)
        changed |= down(year, quarters)
        for quarter in quarters:
            changed |= across(quarter)
        for quarter in quarters:
            changed |= down(quarter, weeks_of[quarter])
        for quarter in quarters:
            for week in weeks_of[quarter]:
                changed |= across(week)
    return {cell: {label: (cell, label) in hidden for label in labels} for cell in [None, *keys]}


def masked(row: dict, fields: Iterable[str], suppressed: bool) -> dict:
    """The row with `suppressed` set and, if suppressed, each of `fields` null."""
    row = dict(row)
    row["suppressed"] = suppressed
    if suppressed:
        for field in fields:
            row[field] = None
    return row
