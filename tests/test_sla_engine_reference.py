"""The SLA engine against its reference: the rules as first written, on generated shipments.

:func:`opsctl.sla.engine.assess` is written for speed (no closure, cached zones);
:func:`reference_assess` below is the rules as first written, kept verbatim.
Both judge many generated shipments (every status, promises as dates and as
instants, EDDs, deliveries, first attempts, weekends, bank holidays, DST nights,
zones either side of UTC, domestic and international limits) and must agree on
every field of every assessment.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from opsctl.calendars import get_calendar
from opsctl.sla.engine import (
    Assessment,
    ShipmentFacts,
    Verdict,
    _business_days_late,
    _end_of_day,
    _local_date,
    _reason,
    _today,
    assess,
    expected_delivery,
    promise_date,
    valid_until,
)
from opsctl.sla.thresholds import Thresholds
from opsctl.sla.timeline import Timeline
from opsctl.tracking import TrackingEvent
from opsctl.tracking import TrackingStatus as S


def reference_assess(
    facts: ShipmentFacts, timeline: Timeline, limits: Thresholds, now: datetime
) -> Assessment:
    """The rules as first written (opsctl 0.1), verbatim."""
    tz = facts.timezone
    calendar = facts.calendar
    today = _today(now, tz)
    promise = promise_date(facts)
    deadline = _end_of_day(promise, tz) if promise else None
    if isinstance(facts.promised_by, datetime):  # an exact deadline, not a whole day
        deadline = facts.promised_by
    status = timeline.latest_status

    def result(
        verdict: Verdict,
        reason: str,
        *,
        kept: bool | None = None,
        late_days: int = 0,
        expected: date | None = None,
        in_flight: bool = True,
    ) -> Assessment:
        """The assessment; an undelivered parcel past its deadline has broken its promise."""
        if in_flight and kept is None and deadline is not None and now > deadline:
            kept = False
            late_days = _business_days_late(facts, promise, today)
        return Assessment(
            verdict, promise, expected, kept, late_days, reason, status, timeline.last_event_at
        )

    if status is S.CANCELLED:
        return result(Verdict.CANCELLED, "cancelled by the carrier", in_flight=False)
    if status is S.RETURN_TO_SENDER:
        reason = _reason(timeline, "returning to sender")
        return result(Verdict.RETURNING_TO_SENDER, reason)

    reached = timeline.reached_customer_at
    delivered = timeline.delivered_at or facts.delivered_at
    if delivered is not None and (reached is None or delivered < reached):
        reached = delivered
    if reached is not None and (delivered is not None or status is S.AVAILABLE_FOR_PICKUP):
        where = "at a pickup point" if delivered is None else "delivered"
        if deadline is None:
            return result(
                Verdict.DELIVERED_ON_TIME, f"{where}; no promise to judge", in_flight=False
            )
        reached_day = _local_date(reached, tz)
        if reached <= deadline:
            return result(
                Verdict.DELIVERED_ON_TIME, f"{where} {reached_day}", kept=True, in_flight=False
            )
        late = _business_days_late(facts, promise, reached_day)
        return result(
            Verdict.DELIVERED_LATE,
            f"{where} {reached_day}, {late} business day(s) after the promise {promise}",
            kept=False,
            late_days=late,
            in_flight=False,
        )
    # A first attempt before the deadline keeps the promise, whatever happens next.
    kept, late_days = None, 0
    if reached is not None and deadline is not None:
        kept = reached <= deadline
        late_days = 0 if kept else _business_days_late(facts, promise, _local_date(reached, tz))
    if status is S.ATTEMPT_FAILED:
        reason = _reason(timeline, "delivery attempt failed")
        return result(Verdict.ATTEMPT_FAILED, reason, kept=kept, late_days=late_days)
    if status is S.EXCEPTION:
        reason = _reason(timeline, "carrier exception")
        return result(Verdict.EXCEPTION, reason, kept=kept, late_days=late_days)

    if timeline.first_scan_at is not None and timeline.last_event_at is not None:
        silent = now - timeline.last_event_at
        if silent >= timedelta(days=limits.lost_days(facts.international)):
            return result(
                Verdict.LOST,
                f"no event for {silent.days} days since {_local_date(timeline.last_event_at, tz)}",
            )

    if timeline.first_scan_at is None:
        labelled = timeline.label_created_at or facts.shipped_at
        if labelled is None:
            reason = "only unmapped carrier codes" if timeline.unmapped else "no tracking events"
            return result(Verdict.UNKNOWN, reason)
        waited = calendar.business_days_between(_local_date(labelled, tz), today)
        if waited >= limits.stalled_pickup_days:
            return result(
                Verdict.STALLED_BEFORE_PICKUP,
                f"label created {_local_date(labelled, tz)}, no carrier scan for "
                f"{waited} business day(s)",
            )
        return result(Verdict.AWAITING_PICKUP, f"label created {_local_date(labelled, tz)}")

    quiet = calendar.business_days_between(_local_date(timeline.last_scan_at, tz), today)
    if quiet >= limits.stalled_transit_days(facts.international):
        scope = "international" if facts.international else "domestic"
        return result(
            Verdict.STALLED_IN_TRANSIT,
            f"no scan for {quiet} business day(s) ({scope} limit "
            f"{limits.stalled_transit_days(facts.international)})",
        )

    expected = expected_delivery(facts, timeline, today)
    if deadline is not None and now > deadline:
        late = _business_days_late(facts, promise, today)
        return result(
            Verdict.LATE_IN_TRANSIT,
            f"promise {promise} passed {late} business day(s) ago; not delivered",
            expected=expected,
        )
    if promise is not None and expected is not None and expected > promise:
        source = "carrier EDD" if facts.carrier_edd else "expected"
        return result(
            Verdict.AT_RISK,
            f"{source} {expected} is after the promise {promise}",
            expected=expected,
        )
    return result(
        Verdict.ON_TRACK, f"in transit, expected {expected or 'unknown'}", expected=expected
    )


ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
CALENDARS = [get_calendar(code) for code in ("GB-ENG", "US", "DE-BY", "JP", "AU-NSW")]
LIMITS = [Thresholds(), Thresholds(1, 1, 2, 3, 5), Thresholds(0, 0, 0, 0, 0)]
STATUSES = [*S, None]
#: Around the spring and autumn clock changes of Europe and the US, and Easter 2026.
STARTS = [
    datetime(2026, 3, 6, tzinfo=timezone.utc),
    datetime(2026, 3, 27, tzinfo=timezone.utc),
    datetime(2026, 10, 23, tzinfo=timezone.utc),
    datetime(2026, 12, 20, tzinfo=timezone.utc),
    datetime(2026, 4, 1, tzinfo=timezone.utc),
]


def moment(rng: random.Random, start: datetime, days: float = 12) -> datetime:
    local = timezone(timedelta(hours=rng.choice((-8, -5, 0, 1, 2, 9, 11))))
    at = start + timedelta(minutes=rng.randrange(int(days * 24 * 60)))
    return at.astimezone(local) if rng.random() < 0.5 else at


def shipment(rng: random.Random) -> tuple[ShipmentFacts, Timeline, Thresholds, datetime]:
    start = rng.choice(STARTS)
    timeline = Timeline()
    for _ in range(rng.choice((0, 1, 2, 3, 5, 8))):
        event = TrackingEvent("T", moment(rng, start), rng.choice(STATUSES), raw_code="X")
        if rng.random() < 0.3:
            event = TrackingEvent(
                "T", event.occurred_at, event.status, raw_code="X", reason="address"
            )
        timeline.add(event)
    promise = rng.choice(
        (
            None,
            (start + timedelta(days=rng.randrange(14))).date(),
            moment(rng, start),
        )
    )
    edd = rng.choice((None, None, (start + timedelta(days=rng.randrange(14))).date()))
    if edd is None and rng.random() < 0.1:
        edd = moment(rng, start)
    facts = ShipmentFacts(
        "SH",
        rng.choice(CALENDARS),
        rng.choice(ZONES),
        international=rng.random() < 0.3,
        placed_at=rng.choice((None, start - timedelta(hours=rng.randrange(48)))),
        shipped_at=rng.choice((None, moment(rng, start, 2))),
        promised_by=promise,
        carrier_edd=edd,
        delivered_at=rng.choice((None, None, None, moment(rng, start))),
        transit_days_max=rng.choice((None, 0, 1, 2, 5)),
    )
    now = moment(rng, start, 30)
    return facts, timeline, rng.choice(LIMITS), now


@pytest.mark.parametrize("seed", range(4))
def test_assess_agrees_with_the_reference_on_generated_shipments(seed):
    rng = random.Random(seed)
    verdicts = set()
    for _ in range(2500):
        facts, timeline, limits, now = shipment(rng)
        expected = reference_assess(facts, timeline, limits, now)
        assert assess(facts, timeline, limits, now) == expected, (facts, timeline, now)
        verdicts.add(expected.verdict)
    assert verdicts == set(Verdict)  # every rule was tried


@pytest.mark.parametrize("seed", range(3))
def test_an_assessment_holds_until_its_valid_until(seed):
    """Between ``now`` and :func:`valid_until` the clock changes no verdict, reason or date:
    what lets a check keep verdicts between runs."""
    rng = random.Random(100 + seed)
    micro = timedelta(microseconds=1)
    for _ in range(1500):
        facts, timeline, limits, now = shipment(rng)
        assessment = assess(facts, timeline, limits, now)
        until = valid_until(facts, timeline, limits, now, assessment)
        if until is None:
            later = [now + timedelta(days=rng.uniform(0, 90)) for _ in range(3)]
        else:
            assert until > now
            span = until - now
            later = [now + span * rng.random() for _ in range(3)] + [until - micro]
        for moment_later in later:
            assert assess(facts, timeline, limits, moment_later) == assessment, (
                facts,
                timeline,
                now,
                moment_later,
            )
