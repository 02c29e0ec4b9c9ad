"""Reporting periods: which instants a KPI covers, and how they are cut by day, week or month.

All boundaries are local midnights in the config's timezone (``[defaults]
timezone``), computed with :mod:`zoneinfo`, so a day is 23 or 25 hours long
on the days the clocks change and an order placed at 23:30 UTC on a summer
evening counts on the next day in London. Weeks are ISO weeks (Monday to
Sunday); months are calendar months. A window is half-open: its start is in
it, its end is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from opsctl.errors import UsageError

GRAINS = ("day", "week", "month")
PERIOD_HELP = (
    "last-Nd (N whole days before today), last-Nw, today, yesterday, this-week, last-week, "
    "this-month, last-month"
)
_LAST = re.compile(r"last-(\d+)([dw])")


@dataclass(frozen=True)
class Period:
    """One stretch of time: ``[start, end)``, with the label people read."""

    start: datetime
    end: datetime
    label: str

    def to_json(self) -> dict:
        return {"label": self.label, "start": self.start, "end": self.end}


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of local ``day`` in ``zone``."""
    return datetime.combine(day, time.min, tzinfo=zone)


def named_period(name: str, as_of: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The window a period name means at the moment ``as_of`` (see :data:`PERIOD_HELP`)."""
    today = as_of.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    match = _LAST.fullmatch(name)
    if match:
        count = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        if count < 1:
            raise UsageError(f"--period {name}: give at least one day")
        return midnight(today - timedelta(days=count), zone), midnight(today, zone)
    if name == "today":
        return midnight(today, zone), as_of
    if name == "yesterday":
        return midnight(today - timedelta(days=1), zone), midnight(today, zone)
    if name == "this-week":
        return midnight(monday, zone), as_of
    if name == "last-week":
        return midnight(monday - timedelta(days=7), zone), midnight(monday, zone)
    if name == "this-month":
        return midnight(first, zone), as_of
    if name == "last-month":
        previous = (first - timedelta(days=1)).replace(day=1)
        return midnight(previous, zone), midnight(first, zone)
    raise UsageError(f"--period: unknown period {name!r}; expected {PERIOD_HELP}")


def parse_bound(text: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """``--from``/``--to``: a date (its midnight; for ``--to`` the midnight after) or a timestamp.

    A date given to ``--to`` includes that whole day; a timestamp is exact
    (read in ``zone`` when it has no offset).
    """
    option = "--to" if end else "--from"
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return midnight(day + timedelta(days=1) if end else day, zone)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not an ISO 8601 date or timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def window(
    *,
    period: str | None,
    start: str | None,
    end: str | None,
    as_of: datetime,
    zone: ZoneInfo,
) -> tuple[datetime, datetime]:
    """The window of a command line: ``--from/--to`` win over ``--period``."""
    if start or end:
        if period:
            raise UsageError("give --period or --from/--to, not both")
        lower = parse_bound(start, zone, end=False) if start else None
        upper = parse_bound(end, zone, end=True) if end else as_of
        if lower is None:
            raise UsageError("--to needs --from")
    else:
        lower, upper = named_period(period or "last-7d", as_of, zone)
    if upper <= lower:
        raise UsageError("the period is empty: its end is not after its start")
    return lower, upper


def bucket_label(moment: datetime, grain: str | None, zone: ZoneInfo) -> str:
    """The label of the ``grain`` bucket holding ``moment`` (day, ISO week or month)."""
    day = moment.astimezone(zone).date()
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    raise UsageError(f"unknown --by {grain!r}; expected one of {', '.join(GRAINS)}")


def whole_label(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """The label of a whole window: its first and last local day."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def buckets(start: datetime, end: datetime, grain: str | None, zone: ZoneInfo) -> list[Period]:
    """The window cut by ``grain`` (clipped at both ends); the window itself if no grain."""
    if grain is None:
        return [Period(start, end, whole_label(start, end, zone))]
    periods = []
    day = start.astimezone(zone).date()
    cursor = start
    while cursor < end:
        if grain == "day":
            following = day + timedelta(days=1)
        elif grain == "week":
            following = day + timedelta(days=7 - day.weekday())
        elif grain == "month":
            following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            raise UsageError(f"unknown --by {grain!r}; expected one of {', '.join(GRAINS)}")
        upper = min(midnight(following, zone), end)
        periods.append(Period(cursor, upper, bucket_label(cursor, grain, zone)))
        cursor, day = upper, following
    return periods


#: The SQL (DuckDB strftime) of each grain's label, matching :func:`bucket_label`.
SQL_LABELS = {"day": "%Y-%m-%d", "week": "%G-W%V", "month": "%Y-%m"}
