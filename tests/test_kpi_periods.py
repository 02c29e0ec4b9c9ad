"""Periods in the config's timezone, --fail-if parsing and Prometheus escaping: pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from opsctl.errors import UsageError
from opsctl.kpi.alerts import parse_condition
from opsctl.kpi.periods import buckets, named_period, parse_bound, window
from opsctl.kpi.prometheus import escape_help, escape_label

LONDON = ZoneInfo("Europe/London")
AS_OF = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)


def test_last_days_end_at_local_midnight_today():
    start, end = named_period("last-7d", AS_OF, LONDON)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-10-26T00:00:00+00:00",
        "2026-11-02T00:00:00+00:00",
    )


def test_last_month_starts_in_summer_time_and_ends_in_winter_time():
    start, end = named_period("last-month", AS_OF, LONDON)
    assert start == datetime(2026, 9, 30, 23, tzinfo=timezone.utc)  # 00:00 BST
    assert end == datetime(2026, 11, 1, 0, tzinfo=timezone.utc)  # 00:00 GMT


def test_the_day_the_clocks_go_back_has_25_hours():
    start, end = window(period=None, start="2026-10-24", end="2026-10-26", as_of=AS_OF, zone=LONDON)
    days = buckets(start, end, "day", LONDON)
    assert [d.label for d in days] == ["2026-10-24", "2026-10-25", "2026-10-26"]
    hours = [(d.end.astimezone(timezone.utc) - d.start) / timedelta(hours=1) for d in days]
    assert hours == [24, 25, 24]


def test_weeks_are_iso_weeks_and_months_calendar_months_clipped_to_the_window():
    start, end = window(period=None, start="2026-10-01", end="2026-10-31", as_of=AS_OF, zone=LONDON)
    weeks = buckets(start, end, "week", LONDON)
    assert [w.label for w in weeks] == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    assert weeks[0].start == start and weeks[-1].end == end
    assert [m.label for m in buckets(start, end, "month", LONDON)] == ["2026-10"]
    assert buckets(start, end, None, LONDON)[0].label == "2026-10-01..2026-10-31"


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize("zone", [LONDON, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
def test_period_labels_in_sql_are_those_of_local_time(grain, zone):
    """KPIs label each row by a search among the periods' bounds: the local day, week, month."""
    import duckdb

    from opsctl.kpi.compute import period_label
    from opsctl.kpi.periods import SQL_LABELS

    start, end = window(period=None, start="2026-02-20", end="2026-11-10", as_of=AS_OF, zone=zone)
    periods = buckets(start, end, grain, zone)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone.key}'")
    moments = f"""SELECT TIMESTAMPTZ '{start.isoformat()}' + INTERVAL (i * 17) MINUTE AS moment
        FROM range(0, ({(end - start) // timedelta(minutes=17)} + 1)::BIGINT) r(i)"""
    mismatches = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE {period_label("moment", periods)}
                IS DISTINCT FROM strftime(timezone('{zone.key}', moment), '{SQL_LABELS[grain]}'))
            FROM ({moments}) WHERE moment < TIMESTAMPTZ '{end.isoformat()}'"""
    ).fetchone()
    assert mismatches[0] > 20000 and mismatches[1] == 0


def test_bounds_a_date_to_includes_that_day_a_time_is_exact():
    assert parse_bound("2026-10-31", LONDON, end=True) == datetime(2026, 11, 1, tzinfo=LONDON)
    assert parse_bound("2026-10-31T12:00Z", LONDON, end=True).hour == 12
    with pytest.raises(UsageError, match="not an ISO 8601"):
        parse_bound("yesterday", LONDON, end=False)
    with pytest.raises(UsageError, match="not both"):
        window(period="last-7d", start="2026-10-01", end=None, as_of=AS_OF, zone=LONDON)
    with pytest.raises(UsageError, match="unknown period"):
        named_period("fortnight", AS_OF, LONDON)


def test_conditions_are_parsed_with_selectors():
    condition = parse_condition('late_rate{carrier="dpd", country=GB} >= 0.1')
    assert (condition.kpi, condition.op, condition.threshold) == ("late_rate", ">=", 0.1)
    assert condition.labels == {"carrier": "dpd", "country": "GB"}
    for text in ("eval('1')", "late_rate", "late_rate < x", "1 < late_rate"):
        with pytest.raises(UsageError):
            parse_condition(text)


def test_prometheus_escapes_help_and_label_values():
    assert escape_help("a\\b\nc") == "a\\\\b\\nc"
    assert escape_label('say "hi"\n') == 'say \\"hi\\"\\n'
