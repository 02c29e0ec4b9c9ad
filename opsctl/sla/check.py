"""An SLA check over many shipments: fold events, assess each shipment, summarise.

The inputs are iterables of model records, from files or from the state store
alike; events are folded as they stream, so memory grows with the number of
shipments, not of events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from opsctl.errors import UsageError
from opsctl.sla.engine import VERDICT_GROUPS, Assessment, ShipmentFacts, Verdict, assess
from opsctl.sla.facts import FactsBuilder
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
        facts, result = self.facts, self.assessment
        return {
            "shipment_id": facts.shipment_id,
            "order_id": facts.order_id,
            "carrier": facts.carrier,
            "service": facts.service,
            "channel": facts.channel,
            "tracking_number": facts.tracking_number,
            "verdict": result.verdict.value,
            "promise": result.promise,
            "expected": result.expected,
            "promise_kept": result.promise_kept,
            "business_days_late": result.business_days_late,
            "latest_status": result.latest_status.value if result.latest_status else None,
            "last_event_at": result.last_event_at,
            "reason": result.reason,
        }


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
        self.shipments += 1
        self.verdicts[verdict.verdict.value] += 1
        kept = verdict.assessment.promise_kept
        if kept is not None:
            self.judged += 1
            self.kept += kept

    @property
    def on_time_rate(self) -> float | None:
        """Promises kept among promises already decided (delivered, or past their date)."""
        return round(self.kept / self.judged, 4) if self.judged else None

    def count(self, verdicts: Iterable[Verdict]) -> int:
        return sum(self.verdicts[v.value] for v in verdicts)


@dataclass
class Summary:
    """Totals of a check, overall and per carrier, service and channel."""

    total: Tally = field(default_factory=Tally)
    groups: dict[str, dict[str, Tally]] = field(
        default_factory=lambda: {dimension: {} for dimension in DIMENSIONS}
    )

    def add(self, verdict: ShipmentVerdict) -> None:
        self.total.add(verdict)
        for dimension in DIMENSIONS:
            value = getattr(verdict.facts, dimension) or "(none)"
            self.groups[dimension].setdefault(value, Tally()).add(verdict)

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
