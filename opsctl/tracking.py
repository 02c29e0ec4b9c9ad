"""Normalised tracking statuses and events, shared by carriers and the SLA engine.

Every carrier plugin maps its raw status codes to :class:`TrackingStatus` and
keeps the raw code beside it. A raw code the carrier does not know maps to
``None`` (reported as *unmapped*), never to a guess such as ``in_transit``.

This module also holds what a carrier plugin is made of, as data and types:

* :class:`CodeTable`: the carrier's documented raw codes, each with its
  normalised status and description, and the source the table comes from;
* :class:`TransitTable`: the carrier's standard transit days per service, the
  fallback of the SLA engine when the data has no ``carrier_services`` row;
* :class:`TrackResult`: what :meth:`Carrier.track` returns, one
  :class:`ParcelTracking` per tracking number (events, the carrier's estimated
  delivery, or the problem that number had);
* :class:`Carrier`: the protocol every registered carrier follows, and
  :class:`TableCarrier`, the base that first-party carriers build on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from opsctl.http import SecretResolver


class TrackingStatus(str, Enum):
    """The normalised tracking statuses of ``../shared/FORMATS.md``."""

    PRE_TRANSIT = "pre_transit"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    ATTEMPT_FAILED = "attempt_failed"
    EXCEPTION = "exception"
    RETURN_TO_SENDER = "return_to_sender"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    def __str__(self) -> str:  # so f-strings and CSV show the value
        return self.value

    @property
    def is_final(self) -> bool:
        """No further events are expected after this status."""
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({TrackingStatus.DELIVERED, TrackingStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One scan or status change of a parcel, as the carrier reported it.

    ``status`` is ``None`` when the carrier's raw code is not mapped; the raw
    code is then kept in ``raw_code`` and reported by
    ``opsctl carriers codes --unmapped``.
    """

    tracking_number: str
    occurred_at: datetime
    status: TrackingStatus | None
    carrier: str | None = None
    raw_code: str | None = None
    description: str | None = None
    location: str | None = None
    reason: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def code(self) -> str:
        """The event's code in its natural key: its raw code, else its status."""
        if self.raw_code is not None:
            return self.raw_code
        return self.status.value if self.status is not None else ""


# -- code tables ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One documented raw code of a carrier and the normalised status it means."""

    code: str
    status: TrackingStatus
    description: str


class CodeTable(Mapping[str, CodeEntry]):
    """A carrier's documented raw codes, as data, with the source they come from.

    Lookups go through ``normalize`` (for example zero-padding UPS status codes
    or case-folding DHL status texts), so ``table["11"]`` and ``table["011"]``
    find the same entry. Two entries that normalise to the same key are a bug
    in the table and raise :class:`ValueError` when it is built.
    """

    def __init__(
        self,
        entries: Iterable[tuple[str, TrackingStatus, str]],
        *,
        source: str,
        normalize: Callable[[str], str] = str.strip,
    ) -> None:
        self.source = source
        self._normalize = normalize
        self._entries: dict[str, CodeEntry] = {}
        for code, status, description in entries:
            key = normalize(code)
            if key in self._entries:
                raise ValueError(f"code {code!r} is listed twice (as {self._entries[key].code!r})")
            self._entries[key] = CodeEntry(code, TrackingStatus(status), description)

    def __getitem__(self, raw_code: str) -> CodeEntry:
        return self._entries[self._normalize(raw_code)]

    def __contains__(self, raw_code: object) -> bool:
        return isinstance(raw_code, str) and self._normalize(raw_code) in self._entries

    def __iter__(self) -> Iterator[str]:
        return (entry.code for entry in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, raw_code: str | None) -> CodeEntry | None:
        """The entry of ``raw_code``, or ``None`` for a code the table does not list."""
        if not raw_code:
            return None
        return self._entries.get(self._normalize(raw_code))

    def status_of(self, raw_code: str | None) -> TrackingStatus | None:
        """The normalised status of ``raw_code``; ``None`` (unmapped) for an unknown code."""
        entry = self.entry(raw_code)
        return entry.status if entry else None

    def entries(self) -> tuple[CodeEntry, ...]:
        """Every entry, in table order."""
        return tuple(self._entries.values())


# -- transit times ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransitTime:
    """A carrier service's standard transit time, in business days.

    ``aliases`` are the other names the service goes by in carrier data (service
    codes such as UPS ``"03"`` or FedEx ``"FEDEX_GROUND"``).
    """

    service: str
    min_days: int
    max_days: int
    aliases: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.min_days <= self.max_days:
            raise ValueError(f"{self.service}: transit days {self.min_days}-{self.max_days}")


def service_key(name: str) -> str:
    """How service names are compared: case, ``®``/``™``, ``_``/``-`` and spacing ignored."""
    cleaned = re.sub(r"[®™]", "", name).replace("_", " ").replace("-", " ")
    return " ".join(cleaned.casefold().split())


class TransitTable:
    """A carrier's standard transit times per service, with the source they come from."""

    def __init__(self, entries: Iterable[TransitTime], *, source: str) -> None:
        self.source = source
        self._entries = tuple(entries)
        self._by_key: dict[str, TransitTime] = {}
        for entry in self._entries:
            for name in (entry.service, *entry.aliases):
                key = service_key(name)
                if self._by_key.get(key, entry) is not entry:
                    raise ValueError(f"service name {name!r} names two services")
                self._by_key[key] = entry

    def lookup(self, service: str | None) -> TransitTime | None:
        """The transit time of ``service`` (a name or code), or ``None`` when unknown."""
        return self._by_key.get(service_key(service)) if service else None

    def __iter__(self) -> Iterator[TransitTime]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


# -- tracking results ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryEstimate:
    """The carrier's estimated delivery: a day, and the time window when it gave one."""

    date: date
    window_start: datetime | None = None
    window_end: datetime | None = None


class ProblemKind(str, Enum):
    """Why a carrier has no events for a tracking number."""

    #: The carrier does not know the number (yet).
    NOT_FOUND = "not_found"
    #: The carrier refused the number (malformed, or not trackable with this API).
    REJECTED = "rejected"
    #: The carrier answered, but its answer for this number could not be read.
    UNREADABLE = "unreadable"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class TrackingProblem:
    """A per-number failure: the rest of the batch is unaffected."""

    kind: ProblemKind
    message: str


@dataclass(frozen=True, slots=True)
class ParcelTracking:
    """What a carrier reported for one tracking number.

    ``events`` are sorted oldest first. ``problem`` is set (and ``events`` is
    empty) when the carrier could not track this number.
    """

    tracking_number: str
    events: tuple[TrackingEvent, ...] = ()
    estimated_delivery: DeliveryEstimate | None = None
    service: str | None = None
    problem: TrackingProblem | None = None

    @property
    def latest(self) -> TrackingEvent | None:
        """The most recent event, if any."""
        return self.events[-1] if self.events else None

    @property
    def unmapped_codes(self) -> tuple[str, ...]:
        """Raw codes of this parcel's events that the carrier's table does not know."""
        codes = (e.raw_code for e in self.events if e.status is None and e.raw_code)
        return tuple(dict.fromkeys(codes))


@dataclass(frozen=True, slots=True)
class TrackResult:
    """One carrier's answer for a batch of tracking numbers, in the order asked."""

    carrier: str
    parcels: tuple[ParcelTracking, ...] = ()

    def __iter__(self) -> Iterator[ParcelTracking]:
        return iter(self.parcels)

    def __len__(self) -> int:
        return len(self.parcels)

    def __getitem__(self, tracking_number: str) -> ParcelTracking:
        for parcel in self.parcels:
            if parcel.tracking_number == tracking_number:
                return parcel
        raise KeyError(tracking_number)

    @property
    def events(self) -> list[TrackingEvent]:
        """Every event of every parcel."""
        return [event for parcel in self.parcels for event in parcel.events]

    @property
    def problems(self) -> dict[str, TrackingProblem]:
        """The tracking numbers that could not be tracked, and why."""
        return {p.tracking_number: p.problem for p in self.parcels if p.problem}


class UnreadablePayload(ValueError):
    """A carrier's answer for one tracking number breaks the carrier's documented shape."""


# -- timestamps ---------------------------------------------------------------------------

_ISO_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_UTC_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")


def parse_utc_offset(text: str) -> timezone:
    """A fixed offset from carrier notation: ``-05:00``, ``-7:00``, ``+0100``, ``Z``."""
    text = text.strip()
    if text.upper() == "Z":
        return timezone.utc
    match = _UTC_OFFSET.fullmatch(text)
    if not match or int(match.group(2)) > 23 or int(match.group(3) or 0) > 59:
        raise UnreadablePayload(f"{text!r} is not a UTC offset")
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


def parse_timestamp(text: str, *, assume: tzinfo) -> tuple[datetime, bool]:
    """An ISO 8601 timestamp from a carrier, made timezone-aware.

    Returns ``(moment, assumed)``: a timestamp without an offset is read in
    ``assume`` and ``assumed`` is true, so the caller can say so. Accepts what
    carriers send and :meth:`datetime.fromisoformat` of Python 3.10 does not:
    ``Z``, any number of fractional digits, offsets without a colon.
    """
    match = _ISO_TIMESTAMP.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise UnreadablePayload(f"{text!r} is not an ISO 8601 timestamp")
    day, clock, fraction, offset = match.groups()
    if len(clock) == 5:
        clock += ":00"
    micros = (fraction or "0")[:6].ljust(6, "0")
    try:
        naive = datetime.fromisoformat(f"{day}T{clock}.{micros}")
    except ValueError as exc:
        raise UnreadablePayload(f"{text!r} is not a valid timestamp ({exc})") from exc
    if offset:
        return naive.replace(tzinfo=parse_utc_offset(offset)), False
    return naive.replace(tzinfo=assume), True


def carrier_timezone(plugin: str, settings: Mapping[str, Any], default: str = "UTC") -> tzinfo:
    """The ``timezone`` setting of a carrier plugin: where its offset-less times are read.

    Carriers mostly send local times with an offset; when one does not, the time
    is read in this zone (an IANA name, default UTC), as ``FORMATS.md`` rules
    for timestamps without an offset, and the event says it was assumed.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = settings.get("timezone") or default
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        from opsctl.errors import ConfigError

        raise ConfigError(
            f"{name!r} is not an IANA timezone name such as 'Europe/Berlin'",
            key=f"plugins.{plugin}.timezone",
        ) from None


# -- the carrier protocol -------------------------------------------------------------------


@runtime_checkable
class Carrier(Protocol):
    """What a carrier plugin registers through ``register_carriers``.

    A carrier is registered unconfigured (plugins load before the config is
    read); :meth:`configure` returns a copy that holds its settings. Its
    :meth:`track` raises :class:`opsctl.errors.ServiceError` when the carrier's
    API fails as a whole (bad credentials, outage, budget used up): callers
    catch it per carrier so that one failing carrier never stops the others.
    Per-number failures (an unknown tracking number) are not errors: they come
    back as :attr:`ParcelTracking.problem`.
    """

    #: Short, unique, lower-case name used in data files and config (``"dhl"``).
    name: str

    def map_status(self, raw_code: str) -> TrackingStatus | None:
        """The normalised status of one of this carrier's raw codes, or ``None``."""
        ...

    def known_codes(self) -> CodeTable:
        """The carrier's code table (shown by ``opsctl carriers codes``)."""
        ...

    def transit_time(self, service: str) -> TransitTime | None:
        """The standard transit time of one of the carrier's services, or ``None``."""
        ...

    def configure(
        self, settings: Mapping[str, Any], *, resolve: SecretResolver | None = None
    ) -> Carrier:
        """A copy configured from the plugin's ``[plugins.<name>]`` table.

        ``settings`` may hold ``${ENV_VAR}`` references; they are resolved only
        when a request needs them, through ``resolve(dotted_key, value)`` when
        given (e.g. :meth:`opsctl.config.Config.resolve`), else from the
        environment.
        """
        ...

    def track(self, tracking_numbers: Iterable[str]) -> TrackResult:
        """Events, estimated delivery or problem for each tracking number."""
        ...


class TableCarrier:
    """Base of carriers whose statuses and transit times come from tables.

    Subclasses set :attr:`name`, :attr:`codes` and :attr:`transit_times` and
    implement ``configure`` and ``track``.
    """

    name: str
    codes: CodeTable
    transit_times: TransitTable

    def map_status(self, raw_code: str) -> TrackingStatus | None:
        """The normalised status of ``raw_code``, or ``None`` when the table does not list it."""
        return self.codes.status_of(raw_code)

    def known_codes(self) -> CodeTable:
        """The carrier's code table."""
        return self.codes

    def transit_time(self, service: str) -> TransitTime | None:
        """The standard transit time of ``service`` (name or code), or ``None``."""
        return self.transit_times.lookup(service)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def unique_numbers(tracking_numbers: Iterable[str]) -> list[str]:
    """Tracking numbers stripped, without blanks and duplicates, in the order given."""
    stripped = (number.strip() for number in tracking_numbers if number and number.strip())
    return list(dict.fromkeys(stripped))


def sorted_events(events: Sequence[TrackingEvent]) -> tuple[TrackingEvent, ...]:
    """Events oldest first (carriers list them newest first)."""
    return tuple(sorted(events, key=lambda event: event.occurred_at))
