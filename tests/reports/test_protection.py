"""reports.protection and the record keys behind it: the perturbation table, the noise bounds,
the same numbers for the same cell, keys that follow a week's measured content, closed weeks."""

import datetime as dt
import statistics

import pandas as pd
import pytest

from portal import weeks as isoweeks
from reports import protection, rollup
from reports.protection import Cell
from tests.conftest import SHANGHAI


@pytest.fixture(autouse=True)
def _on(settings):
    settings.BURDEN_PERTURBATION = True
    settings.BURDEN_MIN_GROUP = 5
    settings.BURDEN_NOISE_SCALE = 0.5
    settings.BURDEN_NOISE_FLOOR_HOURS = 8


def test_the_count_table_moves_by_at_most_two_with_mean_zero_and_never_below_the_floor():
    assert sorted(protection.COUNT_NOISE) == [0, 1, 2]
    for spread, row in protection.COUNT_NOISE.items():
        assert len(row) == protection.CKEYS  # a pvalue per ckey, as a row of the ONS ptable
        assert sum(row) == 0, spread  # mean 0 in every row
        assert min(row) == -spread and max(row) == spread  # never below the floor, `spread` under it
    # A count just above its floor, then far above it: never pushed below the floor.
    cells = _cells(n=300)
    for value, floor in [(0, 0), (1, 0), (6, 5), (7, 5), (40, 5)]:
        shown = [protection.count(cell, "entries", value, floor=floor) for cell in cells]
        assert min(shown) >= max(floor, value - 2) and max(shown) <= value + 2
    assert {protection.count(cell, "entries", 40, floor=5) for cell in cells} == {38, 39, 40, 41, 42}


def test_the_hours_table_is_symmetric_with_mean_zero():
    u = protection.HOURS_U
    assert len(u) == 256 and max(abs(x) for x in u) < 1
    assert sorted(u) == sorted(-x for x in u) and abs(sum(u)) < 1e-9


def _cells(n=400, top=3.0):
    return [Cell(reporters=7, reporter_weeks=7, key_sum=key * 7919 + 13, top_hours=top) for key in range(n)]


def test_hours_noise_is_bounded_by_the_largest_contribution_or_the_floor():
    small, large = _cells(top=3.0), _cells(top=60.0)
    for cell in small:
        assert abs(protection.hours(cell, "hours_total", 20.0) - 20.0) <= 0.5 * 8
    moved = [protection.hours(cell, "hours_total", 500.0) - 500.0 for cell in large]
    assert max(abs(m) for m in moved) <= 0.5 * 60
    # Spread over the whole bound, centred on 0, and never below 0.
    assert max(moved) > 20 and min(moved) < -20 and abs(statistics.mean(moved)) < 3
    assert all(protection.hours(cell, "hours_total", 1.0) >= 0 for cell in small)
    assert protection.hours(small[0], "hours_total", 0) == 0  # a zero stays zero


def test_counts_move_by_at_most_two_and_reporters_never_below_the_minimum():
    for cell in _cells():
        assert abs(protection.count(cell, "entries", 40) - 40) <= 2
        assert protection.count(cell, "entries", 1) in (0, 1, 2)
        assert protection.count(cell, "entries", 0) == 0
        assert 5 <= protection.reporters(cell, "reporters", 5) <= 5
        assert 5 <= protection.reporters(cell, "reporters", 6) <= 7
    moved = [protection.count(cell, "entries", 40) - 40 for cell in _cells()]
    assert set(moved) == {-2, -1, 0, 1, 2}


def test_the_same_cell_gives_the_same_numbers_and_measures_draw_apart():
    cell = Cell(reporters=9, reporter_weeks=9, key_sum=123456789, top_hours=10)
    again = Cell(reporters=9, reporter_weeks=9, key_sum=123456789 + 2**32, top_hours=10)  # same key
    assert protection.hours(cell, "hours_total", 50) == protection.hours(again, "hours_total", 50)
    noises = {round(protection.hours(cell, f"hours_{k}", 50) - 50, 6) for k in rollup.KINDS}
    assert len(noises) > 1  # each measure draws its own slot


def test_shares_are_clamped_and_null_without_a_denominator():
    assert protection.share(3, 2) == 1.0 and protection.share(0, 4) == 0.0
    assert protection.share(1, 0) is None


def test_a_cell_of_rows_without_record_keys_is_hidden():
    # Rows written before record keys existed (key 0) would all draw the same noise.
    assert not Cell(reporters=9, reporter_weeks=9, key_sum=0, top_hours=5).shown
    assert Cell(reporters=9, reporter_weeks=9, key_sum=1, top_hours=5).shown


def test_off_means_exact(settings):
    settings.BURDEN_PERTURBATION = False
    cell = _cells()[0]
    assert protection.hours(cell, "hours_total", 12.5) == 12.5
    assert protection.count(cell, "entries", 3) == 3


# ---------------------------------------------------------------------------- record keys


def _week(rows, links):
    logs = pd.DataFrame([(1, 42, 7, 3, "2026-W47")], columns=rollup.LOG_COLUMNS)
    entries = pd.DataFrame(rows, columns=rollup.ENTRY_INPUT_COLUMNS)
    links = pd.DataFrame(links, columns=["entry_id", "department_id"])
    return int(rollup.record_keys(logs, rollup.log_digests(logs, entries, links), b"k")[0])


MEETING = ["meeting", 2.5, None, "participant", True, False, None, None, False, False]
INSPECTION = ["inspection", 3.75, None, None, False, False, "research", 40, False, False]


def test_a_record_key_follows_the_weeks_measured_content():
    before = _week([[1, 1, *MEETING]], [(1, 5)])
    assert 0 <= before < 2**32
    added = _week([[1, 1, *MEETING], [2, 1, *INSPECTION]], [(1, 5), (2, 6)])
    changed = _week([[1, 1, "meeting", 3.0, *MEETING[2:]]], [(1, 5)])
    other_department = _week([[1, 1, *MEETING]], [(1, 6)])
    assert len({before, added, changed, other_department}) == 4
    # Back to the earlier content (new entry ids, another order): the earlier key.
    assert _week([[9, 1, *MEETING]], [(9, 5)]) == before
    assert _week([[2, 1, *INSPECTION], [1, 1, *MEETING]], [(2, 6), (1, 5)]) == added
    assert _week([], []) != before  # an empty week has a key of its own


def test_a_record_key_needs_the_secret():
    logs = pd.DataFrame([(1, 42, 7, 3, "2026-W47")], columns=rollup.LOG_COLUMNS)
    digests = rollup.log_digests(logs, pd.DataFrame(columns=rollup.ENTRY_INPUT_COLUMNS), pd.DataFrame())
    assert rollup.record_keys(logs, digests, b"one")[0] != rollup.record_keys(logs, digests, b"two")[0]


# ---------------------------------------------------------------------------- closed weeks


@pytest.mark.parametrize(
    "moment, last",
    [
        (dt.datetime(2026, 11, 24, 11, 59, tzinfo=SHANGHAI), "2026-W46"),  # Tuesday before noon
        (dt.datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI), "2026-W47"),  # Tuesday noon
        (dt.datetime(2026, 11, 22, 23, 0, tzinfo=SHANGHAI), "2026-W46"),  # Sunday: W47 is open
        (dt.datetime(2027, 1, 5, 12, 0, tzinfo=SHANGHAI), "2026-W53"),  # across the year
    ],
)
def test_a_week_closes_36_hours_after_its_sunday(moment, last):
    assert isoweeks.last_closed_week(moment, 36) == last


def test_months_hold_the_weeks_whose_thursday_falls_in_them():
    november = isoweeks.parse_period("2026-M11")
    assert november.kind == "month" and november.weeks == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert isoweeks.parse_period("2026-M01").weeks[0] == "2026-W01"  # Thursday 2026-01-01
    assert isoweeks.week_month("2026-W53") == "2026-M12"
    for junk in ["2026-M13", "2026-M00", "2026-M1", "1999-M01"]:
        with pytest.raises(ValueError):
            isoweeks.parse_period(junk)
