"""Business calendars: working days, cutoffs, ship dates and delivery dates.

This is the one place opsctl decides which days are working days, so routing,
promises and SLA checks agree with each other. The rules, in short (the user's
version is ``docs/calendars.md``):

* A calendar is named by an ISO 3166-1 alpha-2 country with an optional
  subdivision, ``FR``, ``GB-ENG``, ``US-CA``, ``DE-BY``. Its public holidays
  come from the ``holidays`` library; its weekend defaults to the country's
  weekend as ``holidays`` knows it (Sat+Sun for most, Fri+Sat for Saudi
  Arabia). Extra closed dates and extra open dates may be added.
* A *business day* is a day that is not a weekend day, not a public holiday
  and not an extra closed date, or that is an extra open date.
* Times are compared in the location's own IANA timezone, so a cutoff means
  the same wall-clock time all year, across daylight-saving changes.

Each calendar precomputes, for each year it is asked about, a flag per day,
the running count of business days and the sorted business days, so a
question is answered by indexing whatever the number of days it spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from datetime import timezone as dt_timezone
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opsctl.errors import ConfigError

if TYPE_CHECKING:
    from holidays import HolidayBase

__all__ = [
    "DEFAULT_CUTOFF",
    "FRI",
    "MON",
    "SAT",
    "SUN",
    "THU",
    "TUE",
    "WED",
    "BusinessCalendar",
    "delivery_date",
    "end_of_day",
    "format_days",
    "get_calendar",
    "get_timezone",
    "local_date",
    "parse_cutoff",
    "parse_days",
    "ship_date",
]

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The cutoff of a location that does not name one.
DEFAULT_CUTOFF = time(14, 0)

_BUSINESS = 1  # day flag: a business day (0: a weekend day)
_HOLIDAY = 2  # day flag: closed whatever its weekday (a public holiday or closed date)


# --- parsing ---------------------------------------------------------------

_DAY_NUMBERS = {
    name: number
    for number, day in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    for name in (day, day[:3])
}
_CUTOFF_RE = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def parse_days(spec: str) -> frozenset[int]:
    """Read a list of weekdays such as ``Mon-Fri``, ``Mon,Wed,Fri`` or ``Sun-Thu``.

    Items are separated by commas; an item is a day or a range of days, which
    may wrap round the week (``Fri-Mon`` is Fri, Sat, Sun, Mon). Days are
    English names or their first three letters, in any case. Returns weekday
    numbers as :meth:`datetime.date.weekday` gives them (Monday is 0).
    """
    days: set[int] = set()
    try:
        for item in spec.split(","):
            first, dash, last = item.partition("-")
            start = _DAY_NUMBERS[first.strip().lower()]
            stop = _DAY_NUMBERS[last.strip().lower()] if dash else start
            days.update((start + offset) % 7 for offset in range((stop - start) % 7 + 1))
    except (KeyError, AttributeError):
        raise ConfigError(
            f"{spec!r} is not a list of days like 'Mon-Fri' or 'Mon,Wed,Fri'"
        ) from None
    return frozenset(days)


def format_days(days: Iterable[int]) -> str:
    """Write weekday numbers the way :func:`parse_days` reads them: ``Mon-Fri``, ``Mon,Wed``."""
    remaining = sorted(set(days))
    items = []
    while remaining:
        run = [remaining.pop(0)]
        while remaining and remaining[0] == run[-1] + 1:
            run.append(remaining.pop(0))
        first, last = DAY_NAMES[run[0]], DAY_NAMES[run[-1]]
        items.append(first if len(run) == 1 else f"{first}-{last}")
    return ",".join(items)


def parse_cutoff(text: str) -> time:
    """Read a cutoff time written ``HH:MM`` (24-hour clock), e.g. ``14:00``."""
    match = _CUTOFF_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"{text!r} is not a cutoff time like '14:00' (HH:MM, 24-hour)")
    return time(int(match[1]), int(match[2]))


@cache
def get_timezone(name: str) -> ZoneInfo:
    """The IANA timezone ``name`` (``Europe/London``); a :class:`ConfigError` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"{name!r} is not an IANA timezone like 'Europe/London'") from None


def _zone(tz: str | tzinfo) -> tzinfo:
    return get_timezone(tz) if isinstance(tz, str) else tz


@cache
def _split_code(code: str) -> tuple[str, str | None]:
    """``"gb-eng"`` -> ``("GB", "ENG")``, checked against what ``holidays`` supports."""
    import holidays  # on first use: it takes ~70 ms to import

    country, _, subdivision = code.strip().partition("-")
    country = country.upper()
    if not (len(country) == 2 and country.isascii() and country in _country_codes()):
        raise ConfigError(
            f"{code!r} is not a calendar code: expected a country (ISO 3166-1 alpha-2, "
            "e.g. 'FR') with an optional subdivision (e.g. 'GB-ENG', 'US-CA', 'DE-BY')"
        )
    country = _country_entity(country).country  # holidays' alias 'UK' is 'GB'
    if not subdivision:
        return country, None
    supported = list(getattr(holidays, country).subdivisions)
    by_folded_name = {known.casefold(): known for known in supported}
    if subdivision.casefold() not in by_folded_name:
        raise ConfigError(
            f"{code!r} is not a calendar code: {country} has no subdivision {subdivision!r}; "
            f"known: {', '.join(supported) or 'none'}"
        )
    return country, by_folded_name[subdivision.casefold()]


@cache
def _country_codes() -> frozenset[str]:
    """The country codes (and aliases) ``holidays`` supports, without loading each country
    (``holidays.list_supported_countries()`` loads all 500 to list their subdivisions)."""
    try:
        from holidays.registry import EntityLoader

        return frozenset(EntityLoader.get_country_codes(include_aliases=True))
    except (ImportError, AttributeError, TypeError):  # an older holidays
        import holidays

        return frozenset(holidays.list_supported_countries())


@cache
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


@cache
def _country_entity(country: str) -> HolidayBase:
    import holidays

    return holidays.country_holidays(country)


# --- calendars -------------------------------------------------------------


#: Answers a calendar remembers per kind of question (see ``BusinessCalendar._between``).
MEMO_SIZE = 1 << 16


class _Year:
    """The days of one year of one calendar, precomputed.

    ``flags[i]`` holds the ``_BUSINESS`` or ``_HOLIDAY`` flag of the day whose
    ordinal is ``start + i``, ``rank[i]`` the number of business days from
    1 January up to and including that day, ``business`` the ordinals of the
    year's business days in order.
    """

    __slots__ = ("business", "flags", "rank", "start")

    def __init__(self, calendar: BusinessCalendar, year: int):
        self.start = date(year, 1, 1).toordinal()
        days = date(year, 12, 31).toordinal() - self.start + 1
        public = _public_holidays(calendar.country, calendar.subdivision, year)
        self.flags = bytearray(days)
        self.rank = [0] * days
        self.business: list[int] = []
        weekday = date(year, 1, 1).weekday()
        for index in range(days):
            day = date.fromordinal(self.start + index)
            if day in calendar.open_dates:
                flag = _BUSINESS
            elif day in public or day in calendar.closed_dates:
                flag = _HOLIDAY
            else:
                flag = 0 if (weekday + index) % 7 in calendar.weekend else _BUSINESS
            if flag == _BUSINESS:
                self.business.append(self.start + index)
            self.flags[index], self.rank[index] = flag, len(self.business)


@dataclass(frozen=True)
class BusinessCalendar:
    """The working days of a place or a carrier.

    Build one with :func:`get_calendar`, which shares instances and their
    precomputed years. ``code`` is checked and written in its canonical form
    (``gb-eng`` becomes ``GB-ENG``); ``weekend`` defaults to the country's
    weekend. Every method takes and returns :class:`datetime.date`.
    """

    code: str
    weekend: frozenset[int] | None = None
    closed_dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()
    country: str = field(init=False, repr=False, compare=False)
    subdivision: str | None = field(init=False, repr=False, compare=False)
    _years: dict[int, _Year] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Answers already given, by question: an SLA check asks the same few (start, end) days
    # of a calendar for millions of shipments. Cleared when they grow past MEMO_SIZE.
    _between: dict[tuple[date, date], int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _added: dict[tuple[date, int], date] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        country, subdivision = _split_code(self.code)
        country_weekend = _country_entity(country).weekend
        weekend = frozenset(country_weekend if self.weekend is None else self.weekend)
        if len(weekend) == 7 or not weekend <= set(range(7)):
            raise ConfigError(
                f"{format_days(weekend) or 'no day'} is not a weekend: a calendar needs "
                "at least one working day and weekdays are 0 (Mon) to 6 (Sun)"
            )
        set_field = object.__setattr__
        set_field(self, "code", f"{country}-{subdivision}" if subdivision else country)
        set_field(self, "country", country)
        set_field(self, "subdivision", subdivision)
        set_field(self, "weekend", weekend)
        set_field(self, "closed_dates", frozenset(self.closed_dates))
        set_field(self, "open_dates", frozenset(self.open_dates))

    @property
    def working_days(self) -> frozenset[int]:
        """The weekdays that are not weekend days."""
        return frozenset(range(7)) - self.weekend

    def with_weekend(self, weekend: Iterable[int]) -> BusinessCalendar:
        """The same calendar with another weekend."""
        return _shared_calendar(self.code, frozenset(weekend), self.closed_dates, self.open_dates)

    @cached_property
    def _with_saturdays(self) -> BusinessCalendar:
        return self if SAT not in self.weekend else self.with_weekend(self.weekend - {SAT})

    def is_business_day(self, day: date) -> bool:
        """True unless ``day`` is a weekend day, a public holiday or a closed date."""
        table = self._years.get(day.year) or self._year(day.year)
        return table.flags[day.toordinal() - table.start] == _BUSINESS

    def is_holiday(self, day: date) -> bool:
        """True if ``day`` is closed whatever its weekday: a public holiday or a closed date."""
        table = self._years.get(day.year) or self._year(day.year)
        return table.flags[day.toordinal() - table.start] == _HOLIDAY

    def holiday_name(self, day: date) -> str | None:
        """Why ``day`` is closed besides the weekend: the public holiday's name, or
        ``"Closed"`` for an extra closed date; None on other days and on open dates."""
        if day in self.open_dates:
            return None
        name = _public_holidays(self.country, self.subdivision, day.year).get(day)
        return name or ("Closed" if day in self.closed_dates else None)

    def add_business_days(self, day: date, n: int) -> date:
        """The ``n``-th business day after ``day`` (``day`` itself need not be one).

        ``n == 0`` gives ``day`` if it is a business day, else the next one.
        ``n < 0`` counts backwards: the ``-n``-th business day before ``day``.
        For every ``n >= 1``, ``business_days_between(day, result) == n``.
        """
        known = self._added.get((day, n))
        if known is not None:
            return known
        if len(self._added) >= MEMO_SIZE:
            self._added.clear()
        result = self._added[(day, n)] = self._add_business_days(day, n)
        return result

    def _add_business_days(self, day: date, n: int) -> date:
        year = day.year
        table = self._years.get(year) or self._year(year)
        offset = day.toordinal() - table.start
        if n > 0:
            index = table.rank[offset] + n - 1
            while index >= len(table.business):
                index -= len(table.business)
                year += 1
                table = self._year(year)
        else:  # from the first business day on or after `day`, move back -n
            index = table.rank[offset] - (table.flags[offset] == _BUSINESS) + n
            while index < 0:
                year -= 1
                table = self._year(year)
                index += len(table.business)
        return date.fromordinal(table.business[index])

    def next_business_day(self, day: date, *, include_today: bool = True) -> date:
        """The first business day on or after ``day`` (strictly after it with
        ``include_today=False``)."""
        return self.add_business_days(day, 0 if include_today else 1)

    def previous_business_day(self, day: date, *, include_today: bool = True) -> date:
        """The last business day on or before ``day`` (strictly before it with
        ``include_today=False``)."""
        if include_today and self.is_business_day(day):
            return day
        return self.add_business_days(day, -1)

    def business_days_between(self, start: date, end: date) -> int:
        """The number of business days after ``start`` up to and including ``end``.

        This is how far ``end`` is from ``start`` in business days: 1 from a
        Friday to the next Monday, 0 from Saturday to Sunday. When ``end`` is
        before ``start`` it is the negated count for ``(end, start]``, so
        ``between(a, b) == -between(b, a)``.
        """
        known = self._between.get((start, end))
        if known is not None:
            return known
        if len(self._between) >= MEMO_SIZE:
            self._between.clear()
        count = self._between[(start, end)] = self._business_days_between(start, end)
        return count

    def _business_days_between(self, start: date, end: date) -> int:
        if end < start:
            return -self._business_days_between(end, start)
        first, last = self._year(start.year), self._year(end.year)
        count = (
            last.rank[end.toordinal() - last.start] - first.rank[start.toordinal() - first.start]
        )
        for year in range(start.year, end.year):
            count += len(self._year(year).business)
        return count

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            if not date.min.year <= year <= date.max.year:
                raise OverflowError(f"year {year} is out of range")
            table = self._years[year] = _Year(self, year)
        return table


def _day_set(days: str | Iterable[int]) -> frozenset[int]:
    return parse_days(days) if isinstance(days, str) else frozenset(days)


def get_calendar(
    code: str,
    *,
    weekend: str | Iterable[int] | None = None,
    working_days: str | Iterable[int] | None = None,
    closed_dates: Iterable[date] = (),
    open_dates: Iterable[date] = (),
) -> BusinessCalendar:
    """The calendar ``code`` (``FR``, ``GB-ENG``, ``US-CA``), shared between callers.

    ``weekend`` (``"Fri-Sat"``) or ``working_days`` (``"Mon-Sat"``), not both,
    replace the country's weekend. ``closed_dates`` are extra days off;
    ``open_dates`` are days worked although they are weekend days, holidays or
    closed dates. A bad code or day list is a :class:`~opsctl.errors.ConfigError`.
    """
    if weekend is not None and working_days is not None:
        raise ConfigError("give a calendar's weekend or its working days, not both")
    country, subdivision = _split_code(code)
    if working_days is not None:
        weekend_days = frozenset(range(7)) - _day_set(working_days)
    else:
        weekend_days = _day_set(_country_entity(country).weekend if weekend is None else weekend)
    return _shared_calendar(
        f"{country}-{subdivision}" if subdivision else country,
        weekend_days,
        frozenset(closed_dates),
        frozenset(open_dates),
    )


@lru_cache(maxsize=1024)
def _shared_calendar(
    code: str,
    weekend: frozenset[int],
    closed_dates: frozenset[date],
    open_dates: frozenset[date],
) -> BusinessCalendar:
    return BusinessCalendar(code, weekend, closed_dates, open_dates)


# --- dates and times -------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: opsctl needs aware datetimes")
    return moment


def local_date(moment: datetime, tz: str | tzinfo) -> date:
    """The date on the wall calendar of timezone ``tz`` at the instant ``moment``."""
    return _aware(moment).astimezone(_zone(tz)).date()


def end_of_day(day: date, tz: str | tzinfo) -> datetime:
    """The last instant (to the microsecond) of local day ``day`` in ``tz``.

    A promise "by ``day``" is kept by anything that happens at or before this
    instant. It is correct on 23- and 25-hour days and where midnight itself
    is skipped by a clock change.
    """
    zone = _zone(tz)
    next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return (next_midnight.astimezone(dt_timezone.utc) - timedelta(microseconds=1)).astimezone(zone)


def ship_date(
    placed_at: datetime,
    *,
    timezone: str | tzinfo,
    calendar: BusinessCalendar,
    cutoff: time = DEFAULT_CUTOFF,
    handling_days: int = 0,
    pickup_days: frozenset[int] | None = None,
    pickup_calendar: BusinessCalendar | None = None,
) -> date:
    """The day an order placed at ``placed_at`` leaves a location.

    1. ``placed_at`` is read on the location's wall clock (``timezone``).
    2. An order placed before ``cutoff`` (strictly) on a business day of the
       location's ``calendar`` is processed that day; any other order is
       processed from the next business day.
    3. It is ready ``handling_days`` business days after processing starts.
    4. It leaves on the first day, from the ready day on, that is a business
       day of the location, one of the carrier's ``pickup_days``, and not a
       holiday or closed date of ``pickup_calendar``. ``pickup_days=None``
       means the working days of ``pickup_calendar``, or every day without one.
    """
    if handling_days < 0:
        raise ValueError(f"handling_days must be 0 or more, not {handling_days}")
    local = _aware(placed_at).astimezone(_zone(timezone))
    day = local.date()
    late = local.time() >= cutoff or not calendar.is_business_day(day)
    ready = calendar.add_business_days(day, handling_days + int(late))
    if pickup_days is None:
        if pickup_calendar is None:
            return ready
        pickup_days = pickup_calendar.working_days
    departure = ready
    for _ in range(370):
        if departure.weekday() in pickup_days and not (
            pickup_calendar is not None and pickup_calendar.is_holiday(departure)
        ):
            return departure
        departure = calendar.add_business_days(departure, 1)
    carrier = f" and {pickup_calendar.code}" if pickup_calendar is not None else ""
    raise ConfigError(
        f"no day in the year after {ready} is a working day of {calendar.code}{carrier} "
        f"and a pickup day ({format_days(pickup_days) or 'none'})"
    )


def delivery_date(
    ship_date: date,
    transit_days: int,
    *,
    calendar: BusinessCalendar,
    saturday_delivery: bool = False,
) -> date:
    """The day a parcel shipped on ``ship_date`` arrives.

    The ``transit_days``-th business day of the carrier's ``calendar`` after
    ``ship_date``; with ``saturday_delivery`` Saturdays count as business
    days unless they are holidays. ``transit_days=0`` is the ship date itself
    if it is a delivery day, else the next delivery day.
    """
    if transit_days < 0:
        raise ValueError(f"transit_days must be 0 or more, not {transit_days}")
    if saturday_delivery:
        calendar = calendar._with_saturdays
    return calendar.add_business_days(ship_date, transit_days)
