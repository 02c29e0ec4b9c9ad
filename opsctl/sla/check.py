"""An SLA check over many shipments: fold events, assess each shipment, summarise.

The inputs are iterables of model records, from files or from the state store
alike; events are folded as they stream, so memory grows with the number of
shipments, not of events.
"""

from __future__ import annotations

import contextlib
import marshal
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from opsctl.errors import UsageError
from opsctl.sla.engine import VERDICT_GROUPS, Assessment, ShipmentFacts, Verdict, assess
from opsctl.sla.facts import FactsBuilder
from opsctl.sla.slots import slot_init
from opsctl.sla.thresholds import ThresholdPolicy
from opsctl.sla.timeline import Timeline
from opsctl.tracking import TrackingEvent

DIMENSIONS = ("carrier", "service", "channel")


@dataclass
class EventFold:
    """Every shipment's :class:`Timeline`, keyed by tracking number, plus unmapped codes."""

    timelines: dict[str, Timeline] = field(default_factory=dict)
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)
    events: int = 0

    def add(self, event: TrackingEvent) -> None:
        timeline = self.timelines.get(event.tracking_number)
        if timeline is None:
            timeline = self.timelines[event.tracking_number] = Timeline()
        timeline.add(event)
        self.events += 1
        if event.status is None:
            self.unmapped[(event.carrier or "", event.raw_code or "")] += 1

    @classmethod
    def of(cls, events: Iterable[TrackingEvent]) -> EventFold:
        fold = cls()
        for event in events:
            fold.add(event)
        return fold


@slot_init
@dataclass(frozen=True, slots=True)
class ShipmentVerdict:
    """One shipment's facts and its assessment."""

    facts: ShipmentFacts
    assessment: Assessment

    @property
    def verdict(self) -> Verdict:
        return self.assessment.verdict

    def row(self) -> dict:
        """The shipment as an output row (the columns of ``opsctl sla check``)."""
        return dict(zip(ROW_KEYS, self.row_values(), strict=True))

    def row_values(self) -> tuple:
        """The values of :meth:`row`, in the order of :data:`ROW_KEYS` (a compact copy)."""
        facts, result = self.facts, self.assessment
        return (
            facts.shipment_id,
            facts.order_id,
            facts.carrier,
            facts.service,
            facts.channel,
            facts.tracking_number,
            result.verdict._value_,  # .value, without the enum property's call
            result.promise,
            result.expected,
            result.promise_kept,
            result.business_days_late,
            result.latest_status._value_ if result.latest_status else None,
            result.last_event_at,
            result.reason,
        )


#: The keys of :meth:`ShipmentVerdict.row`.
ROW_KEYS = (
    "shipment_id",
    "order_id",
    "carrier",
    "service",
    "channel",
    "tracking_number",
    "verdict",
    "promise",
    "expected",
    "promise_kept",
    "business_days_late",
    "latest_status",
    "last_event_at",
    "reason",
)


def parse_verdicts(text: str | Sequence[str]) -> frozenset[Verdict]:
    """Verdict names and groups (``late,stalled,at_risk``) as a set of verdicts."""
    names = text.split(",") if isinstance(text, str) else [n for t in text for n in t.split(",")]
    chosen: set[Verdict] = set()
    for name in (n.strip() for n in names if n.strip()):
        if name in VERDICT_GROUPS:
            chosen |= VERDICT_GROUPS[name]
            continue
        try:
            chosen.add(Verdict(name))
        except ValueError:
            known = sorted(VERDICT_GROUPS) + [v.value for v in Verdict]
            raise UsageError(
                f"unknown verdict {name!r}; expected one of {', '.join(known)}"
            ) from None
    return frozenset(chosen)


@dataclass(frozen=True)
class Filters:
    """Which shipments a check reports on."""

    carriers: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    since: datetime | None = None

    @property
    def narrows(self) -> bool:
        """Whether any shipment may be left out."""
        return bool(self.carriers or self.channels or self.since is not None)

    def keep(self, facts: ShipmentFacts) -> bool:
        if self.carriers and facts.carrier not in self.carriers:
            return False
        if self.channels and facts.channel not in self.channels:
            return False
        if self.since is not None:
            started = facts.shipped_at or facts.placed_at
            if started is not None and started < self.since:
                return False
        return True


def run_check(
    shipments: Iterable,
    fold: EventFold,
    builder: FactsBuilder,
    policy: ThresholdPolicy,
    now: datetime,
    filters: Filters = Filters(),
) -> Iterator[ShipmentVerdict]:
    """Assess every shipment that passes ``filters``, in input order."""
    empty = Timeline()
    for shipment in shipments:
        facts = builder.facts(shipment)
        if not filters.keep(facts):
            continue
        timeline = fold.timelines.get(shipment.tracking_number, empty)
        limits = policy.for_shipment(facts.carrier, facts.service, facts.channel)
        yield ShipmentVerdict(facts, assess(facts, timeline, limits, now))


@dataclass
class Tally:
    """Counts behind the summary of a group of shipments."""

    shipments: int = 0
    judged: int = 0
    kept: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: ShipmentVerdict) -> None:
        self.count_in(verdict.verdict, verdict.assessment.promise_kept)

    def count_in(self, verdict: Verdict, kept: bool | None, shipments: int = 1) -> None:
        """Count ``shipments`` shipments with ``verdict`` and promise outcome ``kept``."""
        self.shipments += shipments
        self.verdicts[verdict.value] += shipments
        if kept is not None:
            self.judged += shipments
            self.kept += shipments if kept else 0

    @property
    def on_time_rate(self) -> float | None:
        """Promises kept among promises already decided (delivered, or past their date)."""
        return round(self.kept / self.judged, 4) if self.judged else None

    def count(self, verdicts: Iterable[Verdict]) -> int:
        return sum(self.verdicts[v.value] for v in verdicts)


class Summary:
    """Totals of a check, overall and per carrier, service and channel.

    Adding a shipment counts it under its (carrier, service, channel, verdict,
    promise outcome); the tallies are built from those counts when read, so a
    check over a million shipments spends one dictionary update on each.
    Summaries of parts of a check add up with :meth:`merge`.
    """

    def __init__(self) -> None:
        self.counts: Counter[tuple] = Counter()
        self._tallies: tuple[Tally, dict[str, dict[str, Tally]]] | None = None

    def add(self, verdict: ShipmentVerdict) -> None:
        facts, result = verdict.facts, verdict.assessment
        key = (facts.carrier, facts.service, facts.channel, result.verdict, result.promise_kept)
        self.counts[key] += 1
        self._tallies = None

    def add_count(self, key: tuple, shipments: int) -> None:
        """Count ``shipments`` shipments under ``key``: (carrier, service, channel, verdict,
        promise outcome)."""
        self.counts[key] += shipments
        self._tallies = None

    def merge(self, other: Summary) -> None:
        """Add the shipments counted by ``other``."""
        self.counts.update(other.counts)
        self._tallies = None

    def _tally(self) -> tuple[Tally, dict[str, dict[str, Tally]]]:
        if self._tallies is None:
            total, groups = Tally(), {dimension: {} for dimension in DIMENSIONS}
            for (*values, verdict, kept), shipments in self.counts.items():
                total.count_in(verdict, kept, shipments)
                for dimension, value in zip(DIMENSIONS, values, strict=True):
                    group = groups[dimension].setdefault(value or "(none)", Tally())
                    group.count_in(verdict, kept, shipments)
            self._tallies = total, groups
        return self._tallies

    @property
    def total(self) -> Tally:
        """Every shipment's counts."""
        return self._tally()[0]

    @property
    def groups(self) -> dict[str, dict[str, Tally]]:
        """Counts per value of each dimension (``(none)`` for shipments without one)."""
        return self._tally()[1]

    def group_rows(self, dimension: str) -> list[dict]:
        """One row per value of ``dimension``: volume, on-time rate and problem counts."""
        return [
            {
                dimension: value,
                "shipments": tally.shipments,
                "on_time_rate": tally.on_time_rate,
                "late": tally.count(VERDICT_GROUPS["late"]),
                "at_risk": tally.verdicts[Verdict.AT_RISK.value],
                "stalled": tally.count(VERDICT_GROUPS["stalled"]),
                "failed": tally.count(VERDICT_GROUPS["failed"]),
            }
            for value, tally in sorted(self.groups[dimension].items())
        ]


class Report:
    """What a check keeps of each shipment it judged.

    The :class:`Summary` counts them all. The rows listed are the breaches,
    every shipment with ``show_all``, or those with one of ``listed``
    verdicts; ``keep_verdicts`` also keeps every :class:`ShipmentVerdict`
    (notifications need them). Each shipment comes with its position in the
    input, so parts of a check judged out of order still list in input order.
    With ``lines``, each listed row is kept as its line of the output (CSV or
    NDJSON), made in the process that judged it: read them with :attr:`lines`.
    """

    def __init__(
        self,
        *,
        listed: frozenset[Verdict] | None = None,
        show_all: bool = False,
        keep_verdicts: bool = False,
        lines: tuple[str, Sequence[str]] | None = None,
    ) -> None:
        self.listed, self.show_all, self.keep_verdicts = listed, show_all, keep_verdicts
        #: ``(format, columns)``: keep each listed row as its line of that format
        #: (:class:`~opsctl.output.RowLines`), made where the shipment is judged.
        self.line_format = lines
        self._line: Callable[[tuple], str] | None = None
        self.summary = Summary()
        self._rows: list[tuple[int, tuple]] = []
        self._verdicts: list[tuple[int, ShipmentVerdict]] = []
        self._wanted = frozenset(v for v in Verdict if self.wants(v))
        #: Shipments counted by :meth:`count`, without a verdict of their own.
        self.counted = 0

    def wants(self, verdict: Verdict) -> bool:
        """Whether a shipment with ``verdict`` is listed."""
        if self.listed:
            return verdict in self.listed
        return self.show_all or verdict.is_breach

    def add(self, position: int, verdict: ShipmentVerdict) -> None:
        """Count one judged shipment, at ``position`` in the input."""
        self.summary.add(verdict)
        if self.keep_verdicts:
            self._verdicts.append((position, verdict))
        if verdict.assessment.verdict in self._wanted:
            self._list(position, listed_values(verdict.row_values()))

    def add_listed(self, position: object, verdict: ShipmentVerdict, listed: tuple) -> None:
        """:meth:`add` with the row's values already made (``listed_values``)."""
        self.summary.add(verdict)
        if self.keep_verdicts:
            self._verdicts.append((position, verdict))
        if verdict.assessment.verdict in self._wanted:
            self._list(position, listed)

    def _list(self, position: object, listed: tuple) -> None:
        self._rows.append((position, listed if self.line_format is None else self.line(listed)))

    def line(self, listed: tuple) -> str:
        """The line of a listed row (values as :func:`listed_values` gives them)."""
        if self._line is None:
            from opsctl.output import RowLines

            assert self.line_format is not None
            fmt, columns = self.line_format
            self._line = RowLines(fmt, ROW_KEYS, columns)
        return self._line(listed)

    @property
    def listed_rows(self) -> list[tuple[object, tuple]]:
        """The listed rows so far, as ``(position, values)``: a check that lists shipments
        judged elsewhere appends theirs (values as :func:`listed_values` gives them).
        Not with ``lines``."""
        if self.line_format is not None:
            raise ValueError("the listed rows are kept as lines")
        return self._rows

    def count(
        self,
        carrier: str | None,
        service: str | None,
        channel: str | None,
        verdict: Verdict,
        kept: bool | None,
        shipments: int,
    ) -> None:
        """Count ``shipments`` shipments judged elsewhere, none of which this report lists
        or keeps (:meth:`wants` is false for ``verdict``, no ``keep_verdicts``)."""
        if verdict in self._wanted or self.keep_verdicts:
            raise ValueError(f"{verdict} shipments are listed: each must be added")
        self.summary.add_count((carrier, service, channel, verdict, kept), shipments)
        self.counted += shipments

    def __getstate__(self) -> dict:
        """Pickled with its listed rows marshalled: their values are plain (text, numbers,
        booleans, None), which :mod:`marshal` writes six times as fast as pickle, and a
        forked judge sends back tens of thousands of them."""
        state = self.__dict__.copy()
        state["_line"] = None  # made again where needed
        with contextlib.suppress(ValueError):  # a value marshal cannot write: pickle them
            state["_rows"] = marshal.dumps(self._rows)
        return state

    def __setstate__(self, state: dict) -> None:
        if isinstance(state["_rows"], bytes):
            state["_rows"] = marshal.loads(state["_rows"])
        self.__dict__.update(state)

    def merge(self, other: Report) -> None:
        """Add what ``other`` (a report of another part of the same input) kept."""
        if other.line_format != self.line_format:
            raise ValueError("a report with listed lines merges only with one of the same lines")
        self.summary.merge(other.summary)
        self.counted += other.counted
        self._rows += other._rows
        self._verdicts += other._verdicts

    @property
    def rows(self) -> list[dict]:
        """The listed rows, in input order (without ``lines``)."""
        if self.line_format is not None:
            raise ValueError("the listed rows were kept as lines: see Report.lines")
        self._rows.sort(key=_position)
        return [dict(zip(ROW_KEYS, values, strict=True)) for _, values in self._rows]

    @property
    def lines(self) -> str:
        """The listed rows' lines (with ``lines``), in input order."""
        if self.line_format is None:
            raise ValueError("the listed rows were kept as values: see Report.rows")
        self._rows.sort(key=_position)
        return "".join(line for _, line in self._rows)

    @property
    def verdicts(self) -> list[ShipmentVerdict]:
        """Every verdict (with ``keep_verdicts``), in input order."""
        self._verdicts.sort(key=_position)
        return [verdict for _, verdict in self._verdicts]


def listed_values(values: tuple) -> tuple:
    """``values`` of :meth:`ShipmentVerdict.row_values` with the dates and the timestamp as
    their ISO 8601 text: what every output format writes for them, done here (in the
    process that judged the shipment) rather than value by value by the JSON encoder."""
    (shipment_id, order_id, carrier, service, channel, number, verdict) = values[:7]
    promise, expected, kept, late, status, last_event_at, reason = values[7:]
    return (
        shipment_id,
        order_id,
        carrier,
        service,
        channel,
        number,
        verdict,
        None if promise is None else promise.isoformat(),
        None if expected is None else expected.isoformat(),
        kept,
        late,
        status,
        None if last_event_at is None else last_event_at.isoformat(),
        reason,
    )


def _position(item: tuple[int, object]) -> int:
    return item[0]


def gate(summary: Summary, fail_on: frozenset[Verdict], max_rate: float) -> tuple[float, bool]:
    """The share of shipments with a ``fail_on`` verdict, and whether it exceeds ``max_rate``."""
    if not fail_on or not summary.total.shipments:
        return 0.0, False
    rate = summary.total.count(fail_on) / summary.total.shipments
    return round(rate, 4), rate > max_rate


def as_of(value: str | None, default: datetime) -> datetime:
    """Parse ``--as-of`` (ISO 8601 with an offset, or a date meaning its start in UTC)."""
    if value is None:
        return default
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--as-of: {value!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise UsageError(f"--as-of: {value!r} needs a UTC offset, e.g. {value}Z")
    return moment


def since_moment(value: str | None, timezone: str) -> datetime | None:
    """Parse ``--since``: an ISO 8601 date (its start in ``timezone``) or timestamp."""
    if value is None:
        return None
    from opsctl.calendars import get_timezone

    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=get_timezone(timezone))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since: {value!r} is not an ISO 8601 date or timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=get_timezone(timezone))
