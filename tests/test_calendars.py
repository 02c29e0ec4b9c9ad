"""Business calendars, checked against real dates a shop would check by hand."""

from __future__ import annotations

import functools
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsctl.calendars import (
    FRI,
    MON,
    SAT,
    SUN,
    THU,
    WED,
    BusinessCalendar,
    delivery_date,
    end_of_day,
    format_days,
    get_calendar,
    get_timezone,
    local_date,
    parse_cutoff,
    parse_days,
    ship_date,
)
from opsctl.errors import ConfigError

UTC = timezone.utc
ENGLAND = get_calendar("GB-ENG")
MON_FRI = frozenset({0, 1, 2, 3, 4})


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


# --- calendar codes --------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("GB-ENG", "GB-ENG"),
        ("gb-eng", "GB-ENG"),
        (" fr ", "FR"),
        ("us-ca", "US-CA"),
        ("DE-BY", "DE-BY"),
        ("UK-SCT", "GB-SCT"),  # holidays knows UK as an alias of GB
        ("de-augsburg", "DE-Augsburg"),  # subdivisions are spelt as holidays spells them
    ],
)
def test_codes_are_checked_and_written_canonically(code, canonical):
    assert get_calendar(code).code == canonical


def test_importing_calendars_does_not_import_holidays():
    code = "import sys, opsctl.calendars; print('holidays' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_calendars_are_shared_between_callers():
    assert get_calendar("gb-eng") is ENGLAND
    assert BusinessCalendar("gb-eng") == ENGLAND


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("XX", r"'XX' is not a calendar code: expected a country \(ISO 3166-1 alpha-2"),
        ("GBR", "'GBR' is not a calendar code"),
        ("", "'' is not a calendar code"),
        ("GB-XYZ", "'GB-XYZ' is not a calendar code: GB has no subdivision 'XYZ'; known: ENG"),
        ("DE-England", "DE has no subdivision 'England'"),
    ],
)
def test_bad_codes_are_config_errors_naming_the_code(code, expected):
    with pytest.raises(ConfigError, match=expected):
        get_calendar(code)


# --- holidays ----------------------------------------------------------------


def test_easter_2026_in_england_but_not_easter_monday_in_the_us():
    assert ENGLAND.holiday_name(date(2026, 4, 3)) == "Good Friday"
    assert ENGLAND.holiday_name(date(2026, 4, 6)) == "Easter Monday"
    assert ENGLAND.add_business_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    us = get_calendar("US")
    assert us.is_business_day(date(2026, 4, 3))
    assert us.is_business_day(date(2026, 4, 6))
    assert us.holiday_name(date(2026, 4, 6)) is None


def test_christmas_2027_on_a_weekend_gives_substitute_days_in_england():
    assert date(2027, 12, 25).weekday() == SAT
    assert ENGLAND.holiday_name(date(2027, 12, 27)) == "Christmas Day (observed)"
    assert ENGLAND.holiday_name(date(2027, 12, 28)) == "Boxing Day (observed)"
    assert ENGLAND.next_business_day(date(2027, 12, 25)) == date(2027, 12, 29)
    assert ENGLAND.add_business_days(date(2027, 12, 24), 1) == date(2027, 12, 29)
    assert ENGLAND.business_days_between(date(2027, 12, 24), date(2027, 12, 31)) == 3


def test_year_end_rolls_into_january():
    # 1 Jan 2027 is a Friday: England is back on Monday 4th, Scotland also
    # takes 2 Jan (a Saturday) as a holiday, substituted on Monday 4th.
    assert ENGLAND.add_business_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    scotland = get_calendar("GB-SCT")
    assert scotland.holiday_name(date(2027, 1, 4)) == "New Year Holiday (observed)"
    assert scotland.add_business_days(date(2026, 12, 31), 1) == date(2027, 1, 5)
    assert ENGLAND.business_days_between(date(2026, 12, 23), date(2027, 1, 5)) == 6
    assert ENGLAND.add_business_days(date(2027, 1, 4), -1) == date(2026, 12, 31)


def test_29_february_2028_is_an_ordinary_tuesday():
    assert date(2028, 2, 29).weekday() == 1
    assert ENGLAND.add_business_days(date(2028, 2, 28), 1) == date(2028, 2, 29)
    assert ENGLAND.add_business_days(date(2028, 2, 25), 2) == date(2028, 2, 29)
    assert ENGLAND.business_days_between(date(2028, 2, 28), date(2028, 3, 1)) == 2
    assert ENGLAND.add_business_days(date(2028, 3, 1), -1) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("holiday", "where", "not_there"),
    [
        (date(2026, 1, 6), "DE-BY", "DE-BE"),  # Epiphany
        (date(2026, 1, 2), "GB-SCT", "GB-ENG"),  # New Year Holiday
        (date(2026, 3, 31), "US-CA", "US"),  # Cesar Chavez Day
        (date(2026, 11, 27), "US-CA", "US"),  # Day after Thanksgiving
    ],
)
def test_subdivisions_have_their_own_holidays(holiday, where, not_there):
    assert holiday.weekday() < SAT
    assert get_calendar(where).holiday_name(holiday) is not None
    assert not get_calendar(where).is_business_day(holiday)
    assert get_calendar(not_there).is_business_day(holiday)


def test_a_bare_country_has_only_its_nationwide_holidays():
    # Easter Monday is a bank holiday in England, Wales and Northern Ireland, not Scotland.
    assert get_calendar("GB").is_business_day(date(2026, 4, 6))
    assert not get_calendar("GB").is_business_day(date(2026, 4, 3))
    assert get_calendar("GB-SCT").is_business_day(date(2026, 4, 6))


def test_holiday_names_and_closed_days():
    assert ENGLAND.holiday_name(date(2026, 4, 4)) is None  # a Saturday, not a holiday
    assert ENGLAND.is_holiday(date(2026, 4, 6))
    assert not ENGLAND.is_holiday(date(2026, 4, 4))


# --- weekends, working days, closed and open dates ---------------------------


def test_weekend_defaults_to_the_countrys_weekend():
    assert get_calendar("GB").weekend == {SAT, SUN}
    assert get_calendar("SA").weekend == {FRI, SAT}
    assert get_calendar("SA").is_business_day(date(2026, 6, 7))  # a Sunday


def test_weekend_and_working_days_can_be_set():
    fri_sat = get_calendar("GB", weekend="Fri-Sat")
    assert fri_sat.is_business_day(date(2026, 6, 7))  # Sunday
    assert not fri_sat.is_business_day(date(2026, 6, 5))  # Friday
    six_days = get_calendar("GB-ENG", working_days="Mon-Sat")
    assert six_days.weekend == {SUN}
    assert six_days.working_days == parse_days("Mon-Sat")
    assert six_days.add_business_days(date(2026, 6, 5), 1) == date(2026, 6, 6)
    assert not six_days.is_business_day(date(2026, 12, 26))  # Boxing Day, a Saturday
    assert get_calendar("GB", weekend=[SAT, SUN]) is get_calendar("GB")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"weekend": "Sat-Sun", "working_days": "Mon-Fri"}, "not both"),
        ({"working_days": "Xyz"}, "'Xyz' is not a list of days"),
        ({"weekend": "Mon-Sun"}, "a calendar needs at least one working day"),
    ],
)
def test_bad_weekends_are_config_errors(options, expected):
    with pytest.raises(ConfigError, match=expected):
        get_calendar("GB", **options)


def test_closed_and_open_dates_change_a_calendar():
    stocktake, sunday_sale = date(2026, 6, 30), date(2026, 6, 28)
    warehouse = get_calendar("GB-ENG", closed_dates=[stocktake], open_dates=[sunday_sale])
    assert not warehouse.is_business_day(stocktake)
    assert warehouse.holiday_name(stocktake) == "Closed"
    assert warehouse.is_business_day(sunday_sale)
    assert warehouse.add_business_days(date(2026, 6, 26), 1) == sunday_sale
    assert warehouse.add_business_days(date(2026, 6, 29), 1) == date(2026, 7, 1)
    assert ENGLAND.is_business_day(stocktake)  # the shared calendar is untouched


# --- day arithmetic ----------------------------------------------------------


def test_add_business_days_counts_days_after_the_start():
    friday, saturday = date(2026, 6, 5), date(2026, 6, 6)
    assert ENGLAND.add_business_days(friday, 0) == friday
    assert ENGLAND.add_business_days(saturday, 0) == date(2026, 6, 8)
    assert ENGLAND.add_business_days(saturday, 1) == date(2026, 6, 8)
    assert ENGLAND.add_business_days(friday, 1) == date(2026, 6, 8)
    assert ENGLAND.add_business_days(friday, 5) == date(2026, 6, 12)
    assert ENGLAND.add_business_days(saturday, -1) == friday
    assert ENGLAND.add_business_days(date(2026, 6, 8), -1) == friday


def test_next_and_previous_business_day():
    good_friday = date(2026, 4, 3)
    assert ENGLAND.next_business_day(good_friday) == date(2026, 4, 7)
    assert ENGLAND.next_business_day(date(2026, 4, 7)) == date(2026, 4, 7)
    assert ENGLAND.next_business_day(date(2026, 4, 7), include_today=False) == date(2026, 4, 8)
    assert ENGLAND.previous_business_day(date(2026, 4, 6)) == date(2026, 4, 2)
    assert ENGLAND.previous_business_day(date(2026, 4, 7)) == date(2026, 4, 7)
    assert ENGLAND.previous_business_day(date(2026, 4, 7), include_today=False) == date(2026, 4, 2)


def test_business_days_between_is_a_signed_distance():
    friday, monday = date(2026, 6, 5), date(2026, 6, 8)
    assert ENGLAND.business_days_between(friday, monday) == 1
    assert ENGLAND.business_days_between(monday, friday) == -1
    assert ENGLAND.business_days_between(date(2026, 6, 6), date(2026, 6, 7)) == 0
    assert ENGLAND.business_days_between(friday, friday) == 0
    assert ENGLAND.business_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 253


def test_far_away_dates_and_the_end_of_time():
    ten_years_on = ENGLAND.add_business_days(date(2026, 1, 1), 2520)
    assert ten_years_on.year == 2035
    assert ENGLAND.business_days_between(date(2026, 1, 1), ten_years_on) == 2520
    assert ENGLAND.add_business_days(ten_years_on, -2520) == date(2025, 12, 31)
    with pytest.raises(OverflowError):
        ENGLAND.add_business_days(date(9999, 12, 28), 5)


# --- parsing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("mon,wed,FRI", {MON, WED, FRI}),
        ("Sat-Sun", {SAT, SUN}),
        ("Mon-Sat", {0, 1, 2, 3, 4, 5}),
        ("Sun-Thu", {SUN, 0, 1, 2, THU}),
        ("Monday - Wednesday, Friday", {0, 1, 2, FRI}),
        ("Sat", {SAT}),
    ],
)
def test_parse_days(spec, days):
    assert parse_days(spec) == days


@pytest.mark.parametrize("spec", ["", "Mon-", "Mo-Fr", "Mon;Fri", "1-5", "Mon-Fri-Sat", None])
def test_parse_days_rejects_what_it_cannot_read(spec):
    with pytest.raises(ConfigError, match="is not a list of days like 'Mon-Fri'"):
        parse_days(spec)


def test_format_days_is_the_inverse_of_parse_days():
    assert format_days(parse_days("Mon-Fri")) == "Mon-Fri"
    assert format_days({MON, WED, FRI, SAT}) == "Mon,Wed,Fri-Sat"
    assert parse_days(format_days({SUN, 0, 1})) == {SUN, 0, 1}


@pytest.mark.parametrize(
    ("text", "cutoff"), [("14:00", time(14)), ("9:30", time(9, 30)), (" 23:59 ", time(23, 59))]
)
def test_parse_cutoff(text, cutoff):
    assert parse_cutoff(text) == cutoff


@pytest.mark.parametrize("text", ["24:00", "14", "2pm", "14:60", "14:00:00", ""])
def test_parse_cutoff_rejects_what_it_cannot_read(text):
    with pytest.raises(ConfigError, match=r"is not a cutoff time like '14:00' \(HH:MM"):
        parse_cutoff(text)


@pytest.mark.parametrize("name", ["Europe/Lodnon", "", "../etc/passwd", "GMT+25"])
def test_unknown_timezones_are_config_errors(name):
    with pytest.raises(ConfigError, match="is not an IANA timezone like 'Europe/London'"):
        get_timezone(name)


# --- local dates and the end of a day -------------------------------------------


def test_local_date_follows_daylight_saving_time():
    # 04:30 UTC on Monday 9 March 2026 is 00:30 EDT (clocks went forward on the 8th).
    assert local_date(utc(2026, 3, 9, 4, 30), "America/New_York") == date(2026, 3, 9)
    assert local_date(utc(2026, 3, 8, 4, 30), "America/New_York") == date(2026, 3, 7)
    # 23:30 UTC on Sunday 29 March 2026 is already Monday in London (BST).
    assert local_date(utc(2026, 3, 29, 23, 30), "Europe/London") == date(2026, 3, 30)
    assert local_date(utc(2026, 3, 28, 23, 30), "Europe/London") == date(2026, 3, 28)


def test_end_of_day_on_short_and_long_days():
    london = get_timezone("Europe/London")
    short_day = end_of_day(date(2026, 3, 29), "Europe/London")
    assert short_day == utc(2026, 3, 29, 22, 59, 59, 999999)
    assert short_day.tzinfo is london
    assert end_of_day(date(2026, 10, 25), london) == utc(2026, 10, 25, 23, 59, 59, 999999)
    assert end_of_day(date(2026, 3, 8), "America/New_York") == utc(2026, 3, 9, 3, 59, 59, 999999)
    # Chile skips midnight: 6 September 2026 starts at 01:00 (-03), i.e. 04:00 UTC.
    assert end_of_day(date(2026, 9, 5), "America/Santiago") == utc(2026, 9, 6, 3, 59, 59, 999999)


def test_naive_datetimes_are_programming_errors():
    with pytest.raises(ValueError, match="naive datetime"):
        local_date(datetime(2026, 6, 1, 12), "Europe/London")
    with pytest.raises(ValueError, match="naive datetime"):
        ship_date(datetime(2026, 6, 1, 12), timezone="Europe/London", calendar=ENGLAND)


# --- ship dates -----------------------------------------------------------------


def london_ship_date(placed_at: datetime, **options) -> date:
    return ship_date(placed_at, timezone="Europe/London", calendar=ENGLAND, **options)


def test_cutoff_is_on_the_locations_wall_clock():
    # Wednesday 10 June 2026, BST (UTC+1), cutoff 14:00.
    assert london_ship_date(utc(2026, 6, 10, 12, 59)) == date(2026, 6, 10)
    assert london_ship_date(utc(2026, 6, 10, 13, 0)) == date(2026, 6, 11)  # 14:00 is too late
    assert london_ship_date(utc(2026, 6, 10, 9), cutoff=time(9, 30)) == date(2026, 6, 11)
    assert london_ship_date(utc(2026, 6, 10, 8), cutoff=time(9, 30)) == date(2026, 6, 10)


def test_orders_on_closed_days_wait_for_the_next_business_day():
    assert london_ship_date(utc(2026, 6, 13, 9)) == date(2026, 6, 15)  # Saturday morning
    assert london_ship_date(utc(2026, 4, 3, 9)) == date(2026, 4, 7)  # Good Friday
    assert london_ship_date(utc(2026, 12, 24, 15)) == date(2026, 12, 29)  # after Christmas


def test_cutoffs_across_daylight_saving_changes():
    # London: Monday 30 March 2026 13:30 UTC is 14:30 BST, after the cutoff.
    assert london_ship_date(utc(2026, 3, 30, 13, 30)) == date(2026, 3, 31)
    # Sunday 29 March 23:30 UTC is Monday 00:30 BST: a Monday order, on time.
    assert london_ship_date(utc(2026, 3, 29, 23, 30)) == date(2026, 3, 30)
    # Friday 23 October 13:30 UTC is 14:30 BST (late); Monday 26th it is 13:30 GMT (on time).
    assert london_ship_date(utc(2026, 10, 23, 13, 30)) == date(2026, 10, 26)
    assert london_ship_date(utc(2026, 10, 26, 13, 30)) == date(2026, 10, 26)
    # New York: Monday 9 March 18:30 UTC is 14:30 EDT, after the cutoff.
    new_york = {"timezone": "America/New_York", "calendar": get_calendar("US-NY")}
    assert ship_date(utc(2026, 3, 9, 18, 30), **new_york) == date(2026, 3, 10)
    assert ship_date(utc(2026, 3, 6, 18, 30), **new_york) == date(2026, 3, 6)  # 13:30 EST


def test_handling_days_are_business_days():
    assert london_ship_date(utc(2026, 6, 10, 9), handling_days=2) == date(2026, 6, 12)
    assert london_ship_date(utc(2026, 6, 11, 9), handling_days=2) == date(2026, 6, 15)
    assert london_ship_date(utc(2026, 6, 11, 15), handling_days=2) == date(2026, 6, 16)
    assert london_ship_date(utc(2026, 4, 2, 9), handling_days=1) == date(2026, 4, 7)
    with pytest.raises(ValueError, match="handling_days"):
        london_ship_date(utc(2026, 6, 10, 9), handling_days=-1)


def test_parcels_leave_on_a_pickup_day_of_the_carrier():
    mon_wed_fri = parse_days("Mon,Wed,Fri")
    assert london_ship_date(utc(2026, 6, 9, 9), pickup_days=mon_wed_fri) == date(2026, 6, 10)
    assert london_ship_date(utc(2026, 6, 10, 9), pickup_days=mon_wed_fri) == date(2026, 6, 10)
    assert london_ship_date(utc(2026, 6, 11, 9), pickup_days=mon_wed_fri) == date(2026, 6, 12)
    # Ready on Friday 3 April? Good Friday: the next business day, Tuesday 7th, is no
    # pickup day, so the parcel leaves on Wednesday 8th.
    assert london_ship_date(utc(2026, 4, 2, 15), pickup_days=mon_wed_fri) == date(2026, 4, 8)


def test_a_six_day_warehouse_waits_for_a_weekday_carrier():
    six_days = get_calendar("GB-ENG", working_days="Mon-Sat")
    friday_late = utc(2026, 6, 12, 15)
    placed = {"timezone": "Europe/London", "calendar": six_days}
    assert ship_date(friday_late, **placed) == date(2026, 6, 13)
    assert ship_date(friday_late, **placed, pickup_days=MON_FRI) == date(2026, 6, 15)
    carrier = get_calendar("GB")
    assert ship_date(friday_late, **placed, pickup_calendar=carrier) == date(2026, 6, 15)
    saturdays = parse_days("Mon-Sat")
    assert ship_date(friday_late, **placed, pickup_days=saturdays, pickup_calendar=carrier) == (
        date(2026, 6, 13)
    )


def test_carrier_holidays_stop_pickups():
    # A warehouse in Scotland open on Easter Monday; its English carrier is not.
    scotland = get_calendar("GB-SCT")
    assert scotland.is_business_day(date(2026, 4, 6))
    placed = {"timezone": "Europe/London", "calendar": scotland, "pickup_days": MON_FRI}
    assert ship_date(utc(2026, 4, 6, 9), **placed) == date(2026, 4, 6)
    assert ship_date(utc(2026, 4, 6, 9), **placed, pickup_calendar=ENGLAND) == date(2026, 4, 7)


def test_no_common_pickup_day_is_a_config_error():
    weekdays_only = get_calendar("GB", working_days="Mon-Fri")
    with pytest.raises(ConfigError, match=r"is a working day of GB and a pickup day \(Sat-Sun\)"):
        ship_date(
            utc(2026, 6, 10, 9),
            timezone="Europe/London",
            calendar=weekdays_only,
            pickup_days=parse_days("Sat-Sun"),
        )


# --- delivery dates -------------------------------------------------------------


def test_transit_days_are_carrier_business_days():
    carrier = ENGLAND
    assert delivery_date(date(2026, 6, 10), 1, calendar=carrier) == date(2026, 6, 11)
    assert delivery_date(date(2026, 6, 12), 1, calendar=carrier) == date(2026, 6, 15)
    assert delivery_date(date(2026, 6, 12), 0, calendar=carrier) == date(2026, 6, 12)
    assert delivery_date(date(2026, 6, 13), 0, calendar=carrier) == date(2026, 6, 15)
    assert delivery_date(date(2026, 4, 2), 2, calendar=carrier) == date(2026, 4, 8)
    with pytest.raises(ValueError, match="transit_days"):
        delivery_date(date(2026, 6, 10), -1, calendar=carrier)


def test_saturday_delivery():
    carrier = get_calendar("GB")
    friday = date(2026, 6, 12)
    assert delivery_date(friday, 1, calendar=carrier, saturday_delivery=True) == date(2026, 6, 13)
    assert delivery_date(friday, 2, calendar=carrier, saturday_delivery=True) == date(2026, 6, 15)
    # Christmas Eve 2026 is a Thursday: Christmas, Boxing Day (a Saturday, so no
    # delivery even with Saturday delivery), Sunday, and the substitute Monday.
    christmas_eve = date(2026, 12, 24)
    assert delivery_date(christmas_eve, 1, calendar=carrier, saturday_delivery=True) == date(
        2026, 12, 29
    )
    assert carrier.weekend == {SAT, SUN}  # the carrier's own calendar is untouched


# --- properties -------------------------------------------------------------------

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
codes = st.sampled_from(["GB-ENG", "GB-SCT", "US-CA", "DE-BY", "FR", "SA"])


@functools.cache
def public_holidays(code: str, year: int) -> holidays.HolidayBase:
    country, _, subdivision = code.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None, years=year)


def slow_is_business_day(code: str, day: date) -> bool:
    weekend = get_calendar(code).weekend
    return day not in public_holidays(code, day.year) and day.weekday() not in weekend


@settings(deadline=None)  # the first example of a calendar loads its holidays
@given(code=codes, day=days, n=st.integers(min_value=0, max_value=30))
def test_add_business_days_agrees_with_stepping_one_day_at_a_time(code, day, n):
    expected = day
    if n == 0:
        while not slow_is_business_day(code, expected):
            expected += timedelta(days=1)
    for _ in range(n):
        expected += timedelta(days=1)
        while not slow_is_business_day(code, expected):
            expected += timedelta(days=1)
    assert get_calendar(code).add_business_days(day, n) == expected


@settings(deadline=None)  # the first example of a calendar loads its holidays
@given(code=codes, day=days, n=st.integers(min_value=-600, max_value=600))
def test_adding_and_counting_business_days_agree(code, day, n):
    calendar = get_calendar(code)
    result = calendar.add_business_days(day, n)
    assert calendar.is_business_day(result)
    if n >= 1:
        assert calendar.business_days_between(day, result) == n
    if n <= -1 and calendar.is_business_day(day):
        assert calendar.business_days_between(result, day) == -n


@settings(deadline=None)  # the first example of a calendar loads its holidays
@given(code=codes, first=days, second=days, third=days)
def test_business_days_between_adds_up(code, first, second, third):
    calendar = get_calendar(code)
    assert calendar.business_days_between(first, second) == -calendar.business_days_between(
        second, first
    )
    assert calendar.business_days_between(first, second) + calendar.business_days_between(
        second, third
    ) == calendar.business_days_between(first, third)


@settings(deadline=None)  # the first example of a calendar loads its holidays
@given(
    placed_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2080, 1, 1), timezones=st.just(UTC)
    ),
    handling_days=st.integers(min_value=0, max_value=5),
    pickup_days=st.frozensets(st.integers(min_value=0, max_value=4), min_size=1),
)
def test_ship_dates_are_pickup_days_on_or_after_the_local_order_date(
    placed_at, handling_days, pickup_days
):
    shipped = london_ship_date(
        placed_at, handling_days=handling_days, pickup_days=pickup_days, pickup_calendar=ENGLAND
    )
    ordered = local_date(placed_at, "Europe/London")
    assert ENGLAND.is_business_day(shipped)
    assert shipped.weekday() in pickup_days
    assert ENGLAND.business_days_between(ordered, shipped) >= handling_days
