"""Working days, public holidays and wall-clock time for the demo shop's generator.

Time is handled as integer seconds since the Unix epoch ("instants") and days as
integer day numbers since 1970-01-01, because the generator formats millions of
timestamps and ``datetime`` arithmetic would dominate its run time. UTC offsets
come from :mod:`zoneinfo` and are cached per zone and day.

The holiday tables hold the main public holidays of the countries the demo shop
ships to; they make carriers skip the days carriers really skip (the Irish
October bank holiday, US Columbus Day), not a complete legal calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

SECONDS_PER_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


def day_number(day: date) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return day.toordinal() - _EPOCH_ORDINAL


def day_date(day: int) -> date:
    """The calendar date of a day number."""
    return date.fromordinal(day + _EPOCH_ORDINAL)


def weekday(day: int) -> int:
    """Monday is 0, as in :meth:`datetime.date.weekday` (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def _easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day_of_month = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day_of_month + 1)


def _nth_weekday(year: int, month: int, wanted: int, n: int) -> date:
    """The n-th (1-based; -1 = last) given weekday of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(wanted - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - wanted) % 7)


def _observed(day: date) -> date:
    """A fixed-date holiday moved off a weekend to the next Monday (UK and IE custom)."""
    if day.weekday() == SATURDAY:
        return day + timedelta(days=2)
    if day.weekday() == SUNDAY:
        return day + timedelta(days=1)
    return day


def _us_observed(day: date) -> date:
    """A US federal holiday on Saturday is observed on Friday, on Sunday on Monday."""
    if day.weekday() == SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == SUNDAY:
        return day + timedelta(days=1)
    return day


def _holidays_of_year(country: str, year: int) -> list[date]:
    """The main public holidays of a country (first part of a calendar name) in a year."""
    easter = _easter_sunday(year)
    good_friday, easter_monday = easter - timedelta(days=2), easter + timedelta(days=1)
    ascension, whit_monday = easter + timedelta(days=39), easter + timedelta(days=50)
    christmas, boxing_day = date(year, 12, 25), date(year, 12, 26)
    if country == "GB":
        christmas_observed = _observed(christmas)
        boxing_observed = christmas_observed + timedelta(days=1)
        if boxing_observed.weekday() >= SATURDAY:
            boxing_observed = _observed(boxing_observed)
        return [
            _observed(date(year, 1, 1)),
            good_friday,
            easter_monday,
            _nth_weekday(year, 5, MONDAY, 1),
            _nth_weekday(year, 5, MONDAY, -1),
            _nth_weekday(year, 8, MONDAY, -1),
            christmas_observed,
            boxing_observed,
        ]
    if country == "IE":
        return [
            _observed(date(year, 1, 1)),
            _nth_weekday(year, 2, MONDAY, 1),
            _observed(date(year, 3, 17)),
            easter_monday,
            _nth_weekday(year, 5, MONDAY, 1),
            _nth_weekday(year, 6, MONDAY, 1),
            _nth_weekday(year, 8, MONDAY, 1),
            _nth_weekday(year, 10, MONDAY, -1),
            _observed(christmas),
            _observed(christmas) + timedelta(days=1),
        ]
    if country == "NL":
        kings_day = date(year, 4, 27)
        if kings_day.weekday() == SUNDAY:
            kings_day -= timedelta(days=1)
        return [
            date(year, 1, 1),
            easter_monday,
            kings_day,
            ascension,
            whit_monday,
            christmas,
            boxing_day,
        ]
    if country == "DE":
        return [
            date(year, 1, 1),
            good_friday,
            easter_monday,
            date(year, 5, 1),
            ascension,
            whit_monday,
            date(year, 10, 3),
            christmas,
            boxing_day,
        ]
    if country == "FR":
        return [
            date(year, 1, 1),
            easter_monday,
            date(year, 5, 1),
            date(year, 5, 8),
            ascension,
            whit_monday,
            date(year, 7, 14),
            date(year, 8, 15),
            date(year, 11, 1),
            date(year, 11, 11),
            christmas,
        ]
    if country == "ES":
        return [
            date(year, 1, 1),
            date(year, 1, 6),
            good_friday,
            date(year, 5, 1),
            date(year, 8, 15),
            date(year, 10, 12),
            date(year, 11, 1),
            date(year, 12, 6),
            date(year, 12, 8),
            christmas,
        ]
    if country == "US":
        return [
            _us_observed(date(year, 1, 1)),
            _nth_weekday(year, 1, MONDAY, 3),
            _nth_weekday(year, 2, MONDAY, 3),
            _nth_weekday(year, 5, MONDAY, -1),
            _us_observed(date(year, 6, 19)),
            _us_observed(date(year, 7, 4)),
            _nth_weekday(year, 9, MONDAY, 1),
            _nth_weekday(year, 10, MONDAY, 2),
            _us_observed(date(year, 11, 11)),
            _nth_weekday(year, 11, THURSDAY, 4),
            _us_observed(christmas),
        ]
    return [date(year, 1, 1), christmas]


@cache
def _holiday_days(country: str, year: int) -> frozenset[int]:
    return frozenset(day_number(holiday) for holiday in _holidays_of_year(country, year))


def is_holiday(calendar: str, day: int) -> bool:
    """Whether a day is a public holiday in a calendar such as ``GB-ENG`` or ``US-NV``."""
    country = calendar.split("-", 1)[0]
    return day in _holiday_days(country, day_date(day).year)


@cache
def is_working_day(calendar: str, day: int, saturday: bool = False) -> bool:
    """Monday to Friday (and Saturday when asked) and not a public holiday."""
    last_day = SATURDAY if saturday else FRIDAY
    return weekday(day) <= last_day and not is_holiday(calendar, day)


def add_working_days(calendar: str, day: int, count: int, saturday: bool = False) -> int:
    """The day that is ``count`` working days after ``day`` (``day`` itself if count is 0)."""
    while count > 0:
        day += 1
        if is_working_day(calendar, day, saturday):
            count -= 1
    return day


def first_working_day(calendar: str, day: int, saturday: bool = False) -> int:
    """``day`` if it is a working day, else the next one."""
    while not is_working_day(calendar, day, saturday):
        day += 1
    return day


@cache
def _wall_times() -> tuple[str, ...]:
    """``HH:MM:SS`` of every second of a day, built once."""
    return tuple(
        f"{hour:02d}:{minute:02d}:{second:02d}"
        for hour in range(24)
        for minute in range(60)
        for second in range(60)
    )


class Clock:
    """Converts between instants and wall-clock times in IANA zones, cached per day.

    The offset of a day is the one in force at local noon; the generator places no
    event between midnight and 05:00 local time, so DST changes (at 01:00-03:00)
    never fall between an event and the offset used to write it.
    """

    def __init__(self) -> None:
        self._offsets: dict[tuple[str, int], int] = {}
        self._hours: dict[tuple[str, int], tuple[str, int, str]] = {}
        self._dates: dict[int, str] = {}
        self._zones: dict[str, ZoneInfo] = {}

    def offset(self, zone: str, day: int) -> int:
        """UTC offset in seconds of a zone on a (local) day."""
        key = (zone, day)
        found = self._offsets.get(key)
        if found is None:
            tzinfo = self._zones.get(zone)
            if tzinfo is None:
                tzinfo = self._zones[zone] = ZoneInfo(zone)
            noon = datetime.fromordinal(day + _EPOCH_ORDINAL) + timedelta(hours=12)
            delta = noon.replace(tzinfo=tzinfo).utcoffset() or timedelta(0)
            found = self._offsets[key] = int(delta.total_seconds())
        return found

    def instant(self, zone: str, day: int, second_of_day: int) -> int:
        """The instant of a local wall-clock time (seconds after local midnight)."""
        return day * SECONDS_PER_DAY + second_of_day - self.offset(zone, day)

    def local_day(self, zone: str, instant: int) -> int:
        """The local day number of an instant in a zone."""
        local = instant + self.offset(zone, instant // SECONDS_PER_DAY)
        day = local // SECONDS_PER_DAY
        if day != instant // SECONDS_PER_DAY:
            day = (instant + self.offset(zone, day)) // SECONDS_PER_DAY
        return day

    def local_second(self, zone: str, instant: int) -> int:
        """Seconds after local midnight of an instant in a zone."""
        day = self.local_day(zone, instant)
        return instant + self.offset(zone, day) - day * SECONDS_PER_DAY

    def iso_date(self, day: int) -> str:
        """``YYYY-MM-DD`` of a day number."""
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = day_date(day).isoformat()
        return text

    def iso(self, zone: str, instant: int) -> str:
        """ISO 8601 local time with the zone's offset, e.g. ``2026-10-05T14:32:11+01:00``."""
        # The zones used have whole-hour offsets, so one UTC hour has one local date and offset.
        key = (zone, instant // 3600)
        entry = self._hours.get(key)
        if entry is None:
            day = self.local_day(zone, instant)
            offset = self.offset(zone, day)
            sign = "+" if offset >= 0 else "-"
            hours, minutes = divmod(abs(offset) // 60, 60)
            entry = self._hours[key] = (
                f"{self.iso_date(day)}T",
                offset,
                f"{sign}{hours:02d}:{minutes:02d}",
            )
        prefix, offset, suffix = entry
        return prefix + _wall_times()[(instant + offset) % SECONDS_PER_DAY] + suffix

    def iso_utc(self, instant: int, millis: int | None = None) -> str:
        """ISO 8601 in UTC with ``Z``; with ``millis`` as ``.mmmZ`` (the marketplaces' style)."""
        day, second = divmod(instant, SECONDS_PER_DAY)
        text = f"{self.iso_date(day)}T{_wall_times()[second]}"
        return f"{text}.{millis:03d}Z" if millis is not None else f"{text}Z"


def instant_of(moment: datetime) -> int:
    """Epoch seconds of an aware datetime."""
    return int(moment.astimezone(timezone.utc).timestamp())
