"""The SLA verdict of one shipment: a pure function of its facts, timeline, limits and "now".

The rules, in the order they are tried (the first that applies is the verdict):

1. ``cancelled``: the carrier's latest status is cancelled.
2. ``returning_to_sender``: the latest status is a return to sender.
3. ``delivered_on_time`` / ``delivered_late``: delivered, or waiting at a
   pickup point. The promise is judged on the first time the carrier reached
   the customer: a first delivery attempt, arrival at a pickup point, or the
   delivery itself, whichever came first.
4. ``attempt_failed``: the latest status is a failed delivery attempt.
5. ``exception``: the latest status is an exception (address problem,
   customs hold, damage...).
6. ``lost``: scanned by the carrier, then no event at all for
   ``lost_days`` calendar days.
7. ``stalled_before_pickup``: a label exists but no carrier scan after
   ``stalled_pickup_days`` business days.
8. ``stalled_in_transit``: no scan for ``stalled_transit_days`` business
   days (separate limits for domestic and international shipments).
9. ``late_in_transit``: the promise has passed and the parcel is not delivered.
10. ``at_risk``: the expected delivery date is after the promise. Expected
    delivery is the carrier's EDD if given, else the day of the last scan plus
    the service's remaining transit days (at least one more business day; the
    same day when the parcel is out for delivery), and never before today (or
    the next business day).
11. ``on_track``: in the carrier's hands and expected in time.
12. ``awaiting_pickup``: a label or ship date exists, within the pickup limit.
13. ``unknown``: nothing usable (no events, or only unmapped raw codes).

A promise given as a date means "by the end of that day in the destination's
timezone". Without one, the promise is the order date plus the service's
standard transit days (``transit_days_max``, business days). Business days are
counted in the shipment's ``calendar`` (the carrier's, else the destination's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import Enum
from functools import lru_cache

from opsctl.calendars import BusinessCalendar, end_of_day, get_timezone, local_date
from opsctl.sla.slots import slot_init
from opsctl.sla.thresholds import Thresholds
from opsctl.sla.timeline import Timeline
from opsctl.tracking import TrackingStatus

S = TrackingStatus


class Verdict(str, Enum):
    """The SLA verdict of a shipment."""

    DELIVERED_ON_TIME = "delivered_on_time"
    DELIVERED_LATE = "delivered_late"
    LATE_IN_TRANSIT = "late_in_transit"
    AT_RISK = "at_risk"
    STALLED_BEFORE_PICKUP = "stalled_before_pickup"
    STALLED_IN_TRANSIT = "stalled_in_transit"
    ATTEMPT_FAILED = "attempt_failed"
    EXCEPTION = "exception"
    RETURNING_TO_SENDER = "returning_to_sender"
    LOST = "lost"
    ON_TRACK = "on_track"
    AWAITING_PICKUP = "awaiting_pickup"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def is_breach(self) -> bool:
        """Whether operations should act on this verdict."""
        return self not in OK_VERDICTS


OK_VERDICTS = frozenset(
    {Verdict.DELIVERED_ON_TIME, Verdict.ON_TRACK, Verdict.AWAITING_PICKUP, Verdict.CANCELLED}
)

#: Short names accepted by ``--fail-on`` and ``--verdict`` for groups of verdicts.
VERDICT_GROUPS: dict[str, frozenset[Verdict]] = {
    "late": frozenset({Verdict.DELIVERED_LATE, Verdict.LATE_IN_TRANSIT}),
    "stalled": frozenset({Verdict.STALLED_BEFORE_PICKUP, Verdict.STALLED_IN_TRANSIT}),
    "failed": frozenset(
        {Verdict.ATTEMPT_FAILED, Verdict.EXCEPTION, Verdict.RETURNING_TO_SENDER, Verdict.LOST}
    ),
    "breach": frozenset(v for v in Verdict if v not in OK_VERDICTS),
}


@slot_init
@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """What the SLA engine needs to know about a shipment besides its events.

    Built from the shipment, its order, its origin location and its carrier
    service (see :mod:`opsctl.sla.facts`).
    """

    shipment_id: str
    calendar: BusinessCalendar
    timezone: str
    carrier: str | None = None
    service: str | None = None
    channel: str | None = None
    tracking_number: str | None = None
    order_id: str | None = None
    international: bool = False
    placed_at: datetime | None = None
    shipped_at: datetime | None = None
    promised_by: date | datetime | None = None
    carrier_edd: date | datetime | None = None
    delivered_at: datetime | None = None
    transit_days_max: int | None = None


@slot_init
@dataclass(frozen=True, slots=True)
class Assessment:
    """A shipment's verdict with the figures behind it."""

    verdict: Verdict
    promise: date | None
    expected: date | None
    promise_kept: bool | None
    business_days_late: int
    reason: str
    latest_status: TrackingStatus | None
    last_event_at: datetime | None


# Most shipments of a check share their "now", their timezone and their promise
# day: these two are computed once per distinct input (pure functions, so
# caching changes no result).
_today = lru_cache(maxsize=256)(local_date)
_end_of_day = lru_cache(maxsize=8192)(end_of_day)


_ZONES: dict[str, tzinfo] = {}


def _local_date(moment: datetime, tz: str) -> date:
    """:func:`~opsctl.calendars.local_date` for a timezone name, by the shortest road."""
    if moment.tzinfo is None or not isinstance(tz, str):
        return local_date(moment, tz)  # which refuses a naive moment
    zone = _ZONES.get(tz)
    if zone is None:
        zone = _ZONES[tz] = get_timezone(tz)
    return moment.astimezone(zone).date()


def promise_date(facts: ShipmentFacts) -> date | None:
    """The promised delivery date: explicit, else order date + standard transit days."""
    if isinstance(facts.promised_by, datetime):
        return _local_date(facts.promised_by, facts.timezone)
    if facts.promised_by is not None:
        return facts.promised_by
    start = facts.placed_at or facts.shipped_at
    if start is None or facts.transit_days_max is None:
        return None
    return facts.calendar.add_business_days(
        _local_date(start, facts.timezone), facts.transit_days_max
    )


def expected_delivery(facts: ShipmentFacts, timeline: Timeline, today: date) -> date | None:
    """When the parcel should arrive: the carrier's EDD, else last scan + remaining transit."""
    if isinstance(facts.carrier_edd, datetime):
        return _local_date(facts.carrier_edd, facts.timezone)
    if facts.carrier_edd is not None:
        return facts.carrier_edd
    calendar = facts.calendar
    if timeline.latest_status is S.OUT_FOR_DELIVERY and timeline.last_scan_at:
        return _local_date(timeline.last_scan_at, facts.timezone)
    if facts.transit_days_max is None:
        return None
    started = timeline.first_scan_at or facts.shipped_at or timeline.label_created_at
    if started is None:
        return None
    start_day = _local_date(started, facts.timezone)
    last = timeline.last_scan_at or started
    last_day = _local_date(last, facts.timezone)
    used = calendar.business_days_between(start_day, last_day)
    remaining = max(facts.transit_days_max - used, 1)
    expected = calendar.add_business_days(last_day, remaining)
    # A parcel cannot arrive in the past: an estimate gone by moves to the next delivery day,
    # today included (it may still come today).
    return expected if expected >= today else calendar.next_business_day(today)


def _business_days_late(facts: ShipmentFacts, promise: date, day: date) -> int:
    return max(facts.calendar.business_days_between(promise, day), 0)


@lru_cache(maxsize=256)
def _lost_before(now: datetime, days: int) -> datetime:
    """The instant ``days`` days (of 24 hours) before ``now``, in UTC."""
    return now.astimezone(timezone.utc) - timedelta(days=days)


def assess(
    facts: ShipmentFacts, timeline: Timeline, limits: Thresholds, now: datetime
) -> Assessment:
    """The verdict of one shipment at the moment ``now`` (see the module docstring)."""
    tz = facts.timezone
    calendar = facts.calendar
    today = _today(now, tz)
    promise = promise_date(facts)
    deadline = _end_of_day(promise, tz) if promise else None
    if isinstance(facts.promised_by, datetime):  # an exact deadline, not a whole day
        deadline = facts.promised_by
    status = timeline.latest_status
    last_event_at = timeline.last_event_at

    if status is S.CANCELLED:
        return Assessment(
            Verdict.CANCELLED,
            promise,
            None,
            None,
            0,
            "cancelled by the carrier",
            status,
            last_event_at,
        )
    # An undelivered parcel past its deadline has broken its promise.
    overdue = deadline is not None and now > deadline
    flight = (facts, promise, overdue, today, status, last_event_at)
    if status is S.RETURN_TO_SENDER:
        reason = _reason(timeline, "returning to sender")
        return _in_flight(flight, Verdict.RETURNING_TO_SENDER, reason)

    reached = timeline.reached_customer_at
    delivered = timeline.delivered_at or facts.delivered_at
    if delivered is not None and (reached is None or delivered < reached):
        reached = delivered
    if reached is not None and (delivered is not None or status is S.AVAILABLE_FOR_PICKUP):
        where = "at a pickup point" if delivered is None else "delivered"
        if deadline is None:
            return Assessment(
                Verdict.DELIVERED_ON_TIME,
                promise,
                None,
                None,
                0,
                f"{where}; no promise to judge",
                status,
                last_event_at,
            )
        reached_day = _local_date(reached, tz)
        if reached <= deadline:
            return Assessment(
                Verdict.DELIVERED_ON_TIME,
                promise,
                None,
                True,
                0,
                f"{where} {reached_day.isoformat()}",
                status,
                last_event_at,
            )
        late = _business_days_late(facts, promise, reached_day)
        return Assessment(
            Verdict.DELIVERED_LATE,
            promise,
            None,
            False,
            late,
            f"{where} {reached_day.isoformat()}, {late} business day(s) after the promise "
            f"{promise.isoformat()}",
            status,
            last_event_at,
        )
    # A first attempt before the deadline keeps the promise, whatever happens next.
    kept, late_days = None, 0
    if reached is not None and deadline is not None:
        kept = reached <= deadline
        late_days = 0 if kept else _business_days_late(facts, promise, _local_date(reached, tz))
    if status is S.ATTEMPT_FAILED:
        reason = _reason(timeline, "delivery attempt failed")
        return _in_flight(flight, Verdict.ATTEMPT_FAILED, reason, kept, late_days)
    if status is S.EXCEPTION:
        reason = _reason(timeline, "carrier exception")
        return _in_flight(flight, Verdict.EXCEPTION, reason, kept, late_days)

    first_scan_at = timeline.first_scan_at
    if (
        first_scan_at is not None
        and last_event_at is not None
        and last_event_at <= _lost_before(now, limits.lost_days(facts.international))
    ):  # silent for the limit at least (the absolute time between, as now - last_event_at)
        silent = now - last_event_at
        if silent >= timedelta(days=limits.lost_days(facts.international)):
            reason = f"no event for {silent.days} days since {_local_date(last_event_at, tz)}"
            return _in_flight(flight, Verdict.LOST, reason)

    if first_scan_at is None:
        labelled = timeline.label_created_at or facts.shipped_at
        if labelled is None:
            reason = "only unmapped carrier codes" if timeline.unmapped else "no tracking events"
            return _in_flight(flight, Verdict.UNKNOWN, reason)
        labelled_day = _local_date(labelled, tz)
        waited = calendar.business_days_between(labelled_day, today)
        if waited >= limits.stalled_pickup_days:
            reason = f"label created {labelled_day}, no carrier scan for {waited} business day(s)"
            return _in_flight(flight, Verdict.STALLED_BEFORE_PICKUP, reason)
        return _in_flight(flight, Verdict.AWAITING_PICKUP, f"label created {labelled_day}")

    quiet = calendar.business_days_between(_local_date(timeline.last_scan_at, tz), today)
    if quiet >= limits.stalled_transit_days(facts.international):
        scope = "international" if facts.international else "domestic"
        reason = (
            f"no scan for {quiet} business day(s) ({scope} limit "
            f"{limits.stalled_transit_days(facts.international)})"
        )
        return _in_flight(flight, Verdict.STALLED_IN_TRANSIT, reason)

    expected = expected_delivery(facts, timeline, today)
    if overdue:
        late = _business_days_late(facts, promise, today)
        return Assessment(
            Verdict.LATE_IN_TRANSIT,
            promise,
            expected,
            False,
            late,
            f"promise {promise.isoformat()} passed {late} business day(s) ago; not delivered",
            status,
            last_event_at,
        )
    if promise is not None and expected is not None and expected > promise:
        source = "carrier EDD" if facts.carrier_edd else "expected"
        return Assessment(
            Verdict.AT_RISK,
            promise,
            expected,
            None,
            0,
            f"{source} {expected.isoformat()} is after the promise {promise.isoformat()}",
            status,
            last_event_at,
        )
    return Assessment(
        Verdict.ON_TRACK,
        promise,
        expected,
        None,
        0,
        "in transit, expected " + (expected.isoformat() if expected else "unknown"),
        status,
        last_event_at,
    )


#: Verdicts that no passing of time changes (only new events or data).
TIMELESS = frozenset({Verdict.DELIVERED_ON_TIME, Verdict.DELIVERED_LATE, Verdict.CANCELLED})


def valid_until(
    facts: ShipmentFacts,
    timeline: Timeline,
    limits: Thresholds,
    now: datetime,
    assessment: Assessment,
) -> datetime | None:
    """The first instant after ``now`` at which :func:`assess` may give another assessment
    of the same facts and timeline; ``None`` if no instant ever does.

    :func:`assess` reads the clock in three ways only: the local day in the
    shipment's timezone (business days waited, late or left, and the expected
    delivery), whether the promise's deadline has passed, and how long the
    parcel has been silent (lost after ``lost_days``; the days in the reason).
    Until the next of those changes the assessment is the same, which is what
    lets a check keep verdicts between runs (:mod:`opsctl.sla.verdictcache`).
    """
    if assessment.verdict in TIMELESS:
        return None
    tz = facts.timezone
    micro = timedelta(microseconds=1)
    # The local day changes at the next midnight (the instant after the day's last one).
    today = _today(now, tz)
    changes = [_end_of_day(today, tz).astimezone(timezone.utc) + micro]
    promise = assessment.promise
    deadline = facts.promised_by if isinstance(facts.promised_by, datetime) else None
    if deadline is None and promise is not None:
        deadline = _end_of_day(promise, tz)
    if deadline is not None and now <= deadline:
        changes.append(deadline.astimezone(timezone.utc) + micro)
    last_event_at = timeline.last_event_at
    if timeline.first_scan_at is not None and last_event_at is not None:
        last_event_at = last_event_at.astimezone(timezone.utc)
        lost_after = timedelta(days=limits.lost_days(facts.international))
        silent = now - last_event_at
        if silent < lost_after:
            changes.append(last_event_at + lost_after)
        else:  # lost, or judged before it (a failure, an exception): the days it shows
            changes.append(last_event_at + timedelta(days=silent.days + 1))
    return min(changes)


def _in_flight(
    flight: tuple,
    verdict: Verdict,
    reason: str,
    kept: bool | None = None,
    late_days: int = 0,
) -> Assessment:
    """The assessment of an undelivered parcel: past its deadline, it broke its promise.

    ``flight`` is the shipment's ``(facts, promise, overdue, today, status,
    last_event_at)``, built once per shipment by :func:`assess`.
    """
    facts, promise, overdue, today, status, last_event_at = flight
    if kept is None and overdue:
        kept = False
        late_days = _business_days_late(facts, promise, today)
    return Assessment(verdict, promise, None, kept, late_days, reason, status, last_event_at)


#: The latest statuses whose verdict shows the latest event's reason (:func:`_reason`).
REASON_SHOWN = frozenset({S.RETURN_TO_SENDER, S.ATTEMPT_FAILED, S.EXCEPTION})


def _reason(timeline: Timeline, default: str) -> str:
    return f"{default}: {timeline.latest_reason}" if timeline.latest_reason else default
