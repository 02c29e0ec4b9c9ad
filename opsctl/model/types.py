"""The value types of the data contract, and how text becomes each of them.

Every :class:`FieldType` has two equivalent ways to convert a cell's text:

* :attr:`FieldType.parse`, a plain function used to explain a bad value;
* :attr:`FieldType.inline`, an optional Python expression (with ``{cell}`` for
  the cell's variable) that the row compiler (:mod:`opsctl.loaders.rowparser`)
  pastes into the fast path, so that common types cost one C call a cell.

Both raise (``ValueError``, ``ArithmeticError``, ``KeyError`` or ``TypeError``)
on a value the type does not accept; they never return a half-valid value.
Money is :class:`~decimal.Decimal`, never ``float``.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import cache
from typing import Any

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """``moment`` (aware) in microseconds since the Unix epoch."""
    return (moment - EPOCH) // _MICROSECOND


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}

if sys.version_info >= (3, 11):
    fromisoformat = datetime.fromisoformat
else:  # pragma: no cover - Python 3.10 reads neither "Z" nor basic formats

    def fromisoformat(text: str) -> datetime:
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return datetime.fromisoformat(text)


def parse_timestamp(text: str, tz: tzinfo) -> datetime:
    """An ISO 8601 timestamp; one without an offset is read in ``tz``."""
    moment = fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def parse_deadline(text: str, tz: tzinfo) -> date | datetime:
    """A date (kept as a :class:`~datetime.date`: "by the end of that day") or a timestamp."""
    if len(text) <= 10 and ":" not in text:
        return date.fromisoformat(text)
    return parse_timestamp(text, tz)


def parse_epoch_or_timestamp(text: str, tz: tzinfo) -> datetime:
    """Microseconds since the Unix epoch (GA4's ``event_timestamp``) or ISO 8601."""
    if text.isdigit():
        return EPOCH + timedelta(microseconds=int(text))
    return parse_timestamp(text, tz)


def parse_decimal(text: str) -> Decimal:
    """An exact decimal number; NaN and infinities are refused."""
    amount = Decimal(text)
    if not amount.is_finite():
        raise ValueError(text)
    return amount


def parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def parse_local_time(text: str) -> time:
    """A wall-clock time such as ``14:00``, without an offset."""
    moment = time.fromisoformat(text)
    if moment.tzinfo is not None:
        raise ValueError(text)
    return moment


def parse_list(text: str) -> tuple[str, ...]:
    """A ``;``-separated list; blanks around items and empty items are dropped."""
    return tuple(item for item in (part.strip() for part in text.split(";")) if item)


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Days such as ``Mon-Fri`` or ``Mon;Wed;Fri`` as weekday numbers (Monday = 0)."""
    index = {name.lower(): number for number, name in enumerate(WEEKDAY_NAMES)}
    days: set[int] = set()
    for part in parse_list(text):
        first, dash, last = part.partition("-")
        start, end = index[first.strip().lower()], index[(last if dash else first).strip().lower()]
        if end < start:
            raise ValueError(part)
        days.update(range(start, end + 1))
    if not days:
        raise ValueError(text)
    return tuple(sorted(days))


def format_weekdays(days: tuple[int, ...]) -> str:
    """The canonical text of :func:`parse_weekdays`'s result: ``Mon;Tue;Wed``."""
    return ";".join(WEEKDAY_NAMES[day] for day in days)


@cache
def parse_timezone(text: str) -> str:
    """An IANA timezone name (``Europe/London``), checked against the tz database."""
    from zoneinfo import ZoneInfo

    ZoneInfo(text)
    return text


#: Patterns of the text types, also used by the fast path (as ``_pattern_<name>``).
PATTERNS = {
    "country": re.compile("[A-Z]{2}"),
    "country_or_any": re.compile(r"[A-Z]{2}|\*"),
    "currency": re.compile("[A-Z]{3}"),
    "calendar": re.compile("[A-Z]{2}(-[A-Z0-9]{1,3})?"),
}


def _matching(name: str) -> Callable[[str, tzinfo], str]:
    pattern = PATTERNS[name]

    def parse(text: str, tz: tzinfo) -> str:
        if pattern.fullmatch(text) is None:
            raise ValueError(text)
        return text

    return parse


@dataclass(frozen=True, slots=True)
class FieldType:
    """A type of the data contract: its name, what it expects, and its converters."""

    name: str
    #: Completes "'VALUE' is not ..." in error messages.
    expected: str
    #: ``parse(text, tz)``: the value, or an exception.
    parse: Callable[[str, tzinfo], Any]
    #: An expression equivalent to ``parse`` for the fast path, or ``None`` to call ``parse``.
    inline: str | None = None


def _untimed(convert: Callable[[str], Any]) -> Callable[[str, tzinfo], Any]:
    def parse(text: str, tz: tzinfo) -> Any:
        return convert(text)

    parse.__name__ = getattr(convert, "__name__", "parse")
    return parse


STRING = FieldType("string", "a string", _untimed(str), "{cell}")
INTEGER = FieldType("integer", "an integer", _untimed(int), "int({cell})")
DECIMAL = FieldType(
    "decimal",
    "a decimal number",
    _untimed(parse_decimal),
    "(_v if (_v := _Decimal({cell})).is_finite() else _refuse())",
)
FLOAT = FieldType(
    "float",
    "a number",
    _untimed(parse_float),
    "(_v if _isfinite(_v := float({cell})) else _refuse())",
)
BOOLEAN = FieldType(
    "boolean",
    "a boolean (true/false, yes/no, 1/0)",
    _untimed(lambda t: BOOLEANS[t.lower()]),
    "_BOOLEANS[{cell}.lower()]",
)
TIMESTAMP = FieldType(
    "timestamp",
    "a valid ISO 8601 timestamp",
    parse_timestamp,
    "(_v if (_v := _fromisoformat({cell})).tzinfo is not None else _v.replace(tzinfo=_tz))",
)
DEADLINE = FieldType(
    "deadline",
    "an ISO 8601 date or timestamp",
    parse_deadline,
    "(_date_fromisoformat({cell}) if len({cell}) <= 10 and ':' not in {cell} else "
    + TIMESTAMP.inline
    + ")",
)
EPOCH_OR_TIMESTAMP = FieldType(
    "epoch_or_timestamp",
    "microseconds since the Unix epoch or an ISO 8601 timestamp",
    parse_epoch_or_timestamp,
)
LOCAL_TIME = FieldType("local_time", "a local time such as '14:00'", _untimed(parse_local_time))


def _text_type(name: str, expected: str) -> FieldType:
    """A text type checked by its pattern in :data:`PATTERNS`."""
    inline = f"({{cell}} if _pattern_{name}.fullmatch({{cell}}) else _refuse())"
    return FieldType(name, expected, _matching(name), inline)


COUNTRY = _text_type("country", "an ISO 3166-1 alpha-2 country code such as 'GB'")
COUNTRY_OR_ANY = _text_type("country_or_any", "an ISO 3166-1 alpha-2 country code or '*'")
CURRENCY = _text_type("currency", "an ISO 4217 currency code such as 'EUR'")
CALENDAR = _text_type("calendar", "a calendar such as 'GB-ENG' (country, optional subdivision)")
TIMEZONE = FieldType(
    "timezone", "an IANA timezone name such as 'Europe/London'", _untimed(parse_timezone)
)
LIST = FieldType("list", "a ';'-separated list", _untimed(parse_list))
WEEKDAYS = FieldType(
    "weekdays", "weekdays such as 'Mon-Fri' or 'Mon;Wed;Fri'", _untimed(parse_weekdays)
)


class Refused(ValueError):
    """Raised by the fast path's ``_refuse()``: the value is not acceptable."""


def _refuse() -> Any:
    raise Refused


#: Names the :attr:`FieldType.inline` expressions may use.
INLINE_NAMES: dict[str, Any] = {
    "_Decimal": Decimal,
    "_isfinite": math.isfinite,
    "_refuse": _refuse,
    "_BOOLEANS": BOOLEANS,
    "_fromisoformat": fromisoformat,
    "_date_fromisoformat": date.fromisoformat,
    **{f"_pattern_{name}": pattern for name, pattern in PATTERNS.items()},
}
