import datetime as dt

import pytest

from portal import weeks


def test_it_names_iso_weeks_across_year_ends():
    assert weeks.week_of(dt.date(2026, 11, 22)) == "2026-W47"
    assert weeks.week_of(dt.date(2027, 1, 1)) == "2026-W53"
    assert weeks.week_of(dt.date(2024, 12, 30)) == "2025-W01"


def test_it_puts_a_week_in_the_quarter_and_year_of_its_thursday():
    assert weeks.week_quarter("2026-W53") == "2026-Q4"
    assert weeks.week_year("2025-W01") == "2025"  # Thursday 2025-01-02
    assert weeks.week_quarter("2026-W40") == "2026-Q4"  # Thursday 2026-10-01
    assert weeks.week_quarter("2026-W39") == "2026-Q3"


def test_periods_list_their_weeks_without_gaps_or_overlaps():
    year = weeks.parse_period("2026")
    quarters = [w for q in year.parts for w in q.weeks]
    assert quarters == year.weeks
    assert len(year.weeks) == 53
    assert weeks.parse_period("2026-Q4").weeks[0] == "2026-W40"
    assert weeks.parse_period("2026-Q4").weeks[-1] == "2026-W53"
    assert weeks.parse_period("2026-W47").weeks == ["2026-W47"]


@pytest.mark.parametrize("bad", ["", "2026-W54", "2025-W53", "2026-Q5", "26-W01", "2026-W1", "x", "2026-01"])
def test_it_refuses_labels_that_are_not_fixed_buckets(bad):
    with pytest.raises(ValueError):
        weeks.parse_period(bad)


def test_today_is_reckoned_in_shanghai(settings):
    # 2026-11-22 17:30 UTC is already Monday 2026-11-23 in Shanghai: a new week.
    from unittest import mock

    from django.utils import timezone

    instant = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)
    with mock.patch.object(timezone, "now", return_value=instant):
        assert weeks.today() == dt.date(2026, 11, 23)
        assert weeks.current_week() == "2026-W48"
