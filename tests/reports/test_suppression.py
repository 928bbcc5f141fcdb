"""reports.suppression: the rule by example and, with Hypothesis, that nothing hidden is recoverable."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.weeks import Period, week_quarter
from reports.suppression import Part, grid_statuses, is_small, masked, period_statuses, suppress_parts


def parts(*sizes):
    return [Part(f"p{i}", n, f"{i:03d}") for i, n in enumerate(sizes)]


def test_nothing_is_hidden_when_every_part_is_large():
    assert suppress_parts(parts(5, 9, 12), 5) == set()


def test_a_lone_small_part_forces_the_next_smallest_non_empty_part():
    # p1 (3) is small; p0 is empty and reveals nothing; p3 (6) is the next smallest non-empty.
    assert suppress_parts(parts(0, 3, 9, 6), 5) == {"p0", "p1", "p3"}


def test_ties_are_broken_by_code():
    assert suppress_parts(parts(2, 7, 7), 5) == {"p0", "p1"}
    assert suppress_parts([Part("b", 7, "002"), Part("a", 7, "009"), Part("c", 2, "001")], 5) == {"b", "c"}


def test_small_parts_that_together_reach_the_group_force_nothing():
    assert suppress_parts(parts(2, 3, 40), 5) == {"p0", "p1"}


def test_small_parts_below_the_group_together_force_one_more():
    assert suppress_parts(parts(1, 2, 40, 30), 5) == {"p0", "p1", "p3"}


def test_empty_parts_never_force_another():
    assert suppress_parts(parts(0, 0, 8, 9), 5) == {"p0", "p1"}


def test_a_suppressed_total_hides_every_part():
    assert suppress_parts(parts(1, 9), 5, total_suppressed=True) == {"p0", "p1"}


def test_overlapping_parts_count_distinct_reporters_through_union():
    members = {"a": {1, 2}, "b": {1, 2, 3}, "c": set(range(10, 30))}
    part_list = [Part(k, len(v), k) for k, v in members.items()]

    def union(keys):
        return len(set().union(*(members[k] for k in keys)))

    # a (2) and b (3) sum to 5 but share reporters: only 3 distinct, so c is hidden as well.
    assert suppress_parts(part_list, 5, union=union) == {"a", "b", "c"}
    assert suppress_parts(part_list, 5) == {"a", "b"}  # as if disjoint


def test_forced_parts_count_as_hidden():
    listed = [Part("a", 2, "1"), Part("b", 9, "2", forced=True), Part("c", 9, "3")]
    assert suppress_parts(listed, 5) == {"a", "b"}


def test_period_statuses_protect_a_small_week_inside_its_quarter():
    weeks = {"2026-W40": 3, "2026-W41": 20, "2026-W42": 8}
    status = period_statuses("2026", 25, {"2026-Q4": 25}, weeks, 5)
    assert status["2026"] is False and status["2026-Q4"] is False
    assert status["2026-W40"] and status["2026-W42"] and not status["2026-W41"]
    assert status["2026-Q1"] is True  # empty: shown as suppressed, forces nothing
    assert status["2026-W43"] is True


def test_period_statuses_hide_all_weeks_of_a_suppressed_quarter():
    status = period_statuses("2026", 12, {"2026-Q3": 3, "2026-Q4": 9}, {"2026-W40": 9}, 5)
    assert status["2026-Q3"] and status["2026-Q4"]
    assert status["2026-W40"]  # the quarter is hidden, so its weeks may not add up to it


def test_masked_nulls_the_measures():
    assert masked({"week": "w", "hours": 3}, ["hours"], True) == {
        "week": "w",
        "hours": None,
        "suppressed": True,
    }
    assert masked({"hours": 3}, ["hours"], False) == {"hours": 3, "suppressed": False}
    assert is_small(None, 5) and is_small(4, 5) and not is_small(5, 5)


# ---------------------------------------------------------------------------- properties


@settings(max_examples=400)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=12), st.integers(1, 8), st.data())
def test_no_hidden_part_can_be_recovered_from_the_total_and_shown_parts(sizes, group, data):
    values = [data.draw(st.integers(0, 1000)) if n else 0 for n in sizes]  # e.g. hours, 0 if no one
    total_reporters = sum(sizes)
    total_suppressed = total_reporters < group
    listed = parts(*sizes)
    hidden = suppress_parts(listed, group, total_suppressed=total_suppressed)
    # Primary rule: every small cell is hidden.
    assert all(p.key in hidden for p in listed if p.reporters < group)
    if total_suppressed:
        assert hidden == {p.key for p in listed}
        return
    hidden_nonempty = [p for p in listed if p.key in hidden and p.reporters > 0]
    # What an attacker learns: the total minus the shown parts = the sum of the hidden parts.
    hidden_sum = sum(values) - sum(v for p, v in zip(listed, values) if p.key not in hidden)
    assert hidden_sum == sum(v for p, v in zip(listed, values) if p.key in hidden)
    # That sum never belongs to one part, and always to at least `group` reporters.
    assert len(hidden_nonempty) != 1
    assert not hidden_nonempty or sum(p.reporters for p in hidden_nonempty) >= group
    # Minimal: without the last part added by the complementary rule the requirement fails.
    extra = [p for p in hidden_nonempty if p.reporters >= group]
    if extra:
        largest = max(extra, key=lambda p: (p.reporters, p.order))
        assert sum(p.reporters for p in hidden_nonempty) - largest.reporters < group


@settings(max_examples=300)
@given(
    st.lists(st.frozensets(st.integers(0, 15), max_size=10), min_size=1, max_size=8),
    st.integers(1, 6),
)
def test_overlapping_hidden_parts_hold_enough_distinct_reporters(members, group):
    listed = [Part(i, len(m), f"{i:02d}") for i, m in enumerate(members)]

    def union(keys):
        return len(frozenset().union(*(members[k] for k in keys)))

    total = len(frozenset().union(*members))
    hidden = suppress_parts(listed, group, union=union, total_suppressed=total < group)
    nonempty = [k for k in hidden if members[k]]
    if total >= group and nonempty:
        assert union(nonempty) >= group
        assert len(nonempty) >= 2


@pytest.mark.parametrize("group", [1, 5])
def test_period_statuses_weeks_never_leave_one_small_week_alone(group):
    weeks = {f"2026-W{n:02d}": (n % 4) for n in range(40, 53)}
    status = period_statuses("2026", 30, {"2026-Q4": 30}, weeks, group)
    hidden = [w for w, n in weeks.items() if status[w] and n > 0]
    assert len(hidden) != 1 and (not hidden or sum(weeks[w] for w in hidden) >= group)


# ---------------------------------------------------------------------------- across buckets

YEAR = "2026"
QUARTERS = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
WEEKS_OF = {q: Period("quarter", q).weeks for q in QUARTERS}
# Two weeks at the end of Q3 and two at the start of Q4, so both quarter and year chains matter.
SAMPLE_WEEKS = ["2026-W38", "2026-W39", "2026-W40", "2026-W41"]


def _family(reporters_by_cell_week):
    """counts and an exact union for cells (townships) x weeks, with their quarters, year and the
    county total (the cell None), from each cell-week's set of cadres."""
    members = {}
    for (cell, week), cadres in reporters_by_cell_week.items():
        for label in (week, week_quarter(week), YEAR):
            for key in (cell, None):
                members.setdefault((key, label), set()).update(cadres)
    counts = {}
    for (cell, label), cadres in members.items():
        counts.setdefault(cell, {})[label] = len(cadres)

    def union(pairs):
        return len(set().union(*(members.get(p, set()) for p in pairs)))

    return counts, union


def _relations(cells):
    """(total node, part nodes) of every relation a reader sees: each bucket's county total beside
    its townships, and each year (quarter) beside its quarters (weeks), for townships and total."""
    labels = [YEAR, *QUARTERS, *(w for q in QUARTERS for w in WEEKS_OF[q])]
    for label in labels:
        yield (None, label), [(c, label) for c in cells]
    for cell in [None, *cells]:
        yield (cell, YEAR), [(cell, q) for q in QUARTERS]
        for q in QUARTERS:
            yield (cell, q), [(cell, w) for w in WEEKS_OF[q]]


cell_weeks = st.dictionaries(
    st.tuples(st.sampled_from(["t1", "t2", "t3", "t4"]), st.sampled_from(SAMPLE_WEEKS)),
    st.frozensets(st.integers(0, 9), max_size=9),
    max_size=16,
)


@settings(max_examples=400, deadline=None)
@given(cell_weeks, st.integers(2, 6))
def test_nothing_hidden_in_a_week_quarter_or_year_is_recovered_by_subtraction(data, group):
    # Cadres are per township (t1's cadre 3 is not t2's); a cadre may file in several weeks.
    data = {(c, w): frozenset(f"{c}-{n}" for n in s) for (c, w), s in data.items()}
    cells = [("t1", "001"), ("t2", "002"), ("t3", "003"), ("t4", "004")]
    counts, union = _family(data)
    status = grid_statuses(YEAR, cells, counts, group, union=union)
    keys = [k for k, _code in cells]
    hidden = {(c, label) for c in status for label, h in status[c].items() if h}

    def n(node):
        return counts.get(node[0], {}).get(node[1], 0)

    # Primary rule, and a hidden bucket hides its sub-buckets (and a hidden total its cells).
    assert all(node in hidden for node in ((c, lab) for c in status for lab in status[c]) if n(node) < group)
    for total, parts in _relations(keys):
        if total in hidden:
            assert all(p in hidden for p in parts), total
    # The reader's attack: a shown value or an empty cell is known; a total beside all but one
    # known part gives that part, and known parts give their total. Repeat until nothing new.
    known = {(c, lab) for c in status for lab in status[c] if (c, lab) not in hidden or n((c, lab)) == 0}
    grown = True
    while grown:
        grown = False
        for total, parts in _relations(keys):
            unknown = [p for p in parts if p not in known]
            if total in known and len(unknown) == 1:
                known.add(unknown[0])
                grown = True
            elif not unknown and total not in known:
                known.add(total)
                grown = True
    recovered = {node for node in hidden if node in known and n(node) > 0}
    assert not recovered
    # And what stays hidden beside a shown total holds at least `group` cadres together.
    for total, parts in _relations(keys):
        secret = [p for p in parts if p in hidden and n(p) > 0]
        if total not in hidden and secret:
            assert union(secret) >= group, (total, secret)


def test_a_cell_hidden_in_its_quarter_only_for_a_sibling_is_hidden_in_its_weeks():
    # The reviewer's case: A (8) hidden in Q4 beside B (2); C (12) shown. A's weeks must be hidden
    # too, or A's quarter = its weeks and B = county - C - A.
    data = {("A", w): frozenset(range(8)) for w in ("2026-W46", "2026-W47")}
    data |= {("B", w): frozenset({100, 101}) for w in ("2026-W46", "2026-W47")}
    data |= {("C", "2026-W46"): frozenset(range(200, 206)), ("C", "2026-W47"): frozenset(range(206, 212))}
    counts, union = _family(data)
    status = grid_statuses(YEAR, [("A", "1"), ("B", "2"), ("C", "3")], counts, 5, union=union)
    assert status["A"]["2026-Q4"] and status["B"]["2026-Q4"] and not status["C"]["2026-Q4"]
    assert status["A"]["2026-W46"] and status["A"]["2026-W47"]
    assert not status["C"]["2026-W46"] and not status[None]["2026-W46"]


def test_a_lone_cell_forced_hidden_in_a_week_hides_that_weeks_total():
    # Only A filed in W40, and A is hidden all quarter to protect B: the county's W40 would be A's.
    data = {("A", w): frozenset(range(8)) for w in ("2026-W40", "2026-W46")}
    data |= {("B", "2026-W46"): frozenset({100, 101}), ("C", "2026-W46"): frozenset(range(200, 212))}
    counts, union = _family(data)
    status = grid_statuses(YEAR, [("A", "1"), ("B", "2"), ("C", "3")], counts, 5, union=union)
    assert status["A"]["2026-Q4"] and status["A"]["2026-W40"]
    assert status[None]["2026-W40"]
