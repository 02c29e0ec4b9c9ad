"""SLA verdicts on hand-built timelines: weekends, holidays, DST nights and timezones."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from opsctl.calendars import get_calendar
from opsctl.sla.engine import REASON_SHOWN, ShipmentFacts, Verdict, assess
from opsctl.sla.thresholds import Override, ThresholdPolicy, Thresholds, policy_from_config
from opsctl.sla.timeline import Timeline, fold
from opsctl.tracking import TrackingEvent
from opsctl.tracking import TrackingStatus as S

LONDON = "Europe/London"
GB = get_calendar("GB-ENG")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def events(*pairs: tuple[str, S | None]) -> Timeline:
    return fold([TrackingEvent("1Z999", at(when), status) for when, status in pairs])


def facts(**overrides) -> ShipmentFacts:
    values = {"shipment_id": "SH-1", "calendar": GB, "timezone": LONDON}
    values.update(overrides)
    return ShipmentFacts(**values)


DEFAULT_LIMITS = Thresholds()


def check(timeline: Timeline, now: str, limits: Thresholds = DEFAULT_LIMITS, **fact_values):
    return assess(facts(**fact_values), timeline, limits, at(now))


def test_delivered_on_the_promised_day_is_on_time():
    timeline = events(
        ("2026-10-01T16:00+01:00", S.PICKED_UP), ("2026-10-02T17:05+01:00", S.DELIVERED)
    )
    result = check(timeline, "2026-10-03T09:00+01:00", promised_by=date(2026, 10, 2))
    assert (result.verdict, result.promise_kept, result.business_days_late) == (
        Verdict.DELIVERED_ON_TIME,
        True,
        0,
    )


def test_delivered_after_a_weekend_is_one_business_day_late():
    timeline = events(
        ("2026-10-01T16:00+01:00", S.PICKED_UP), ("2026-10-05T10:00+01:00", S.DELIVERED)
    )
    result = check(timeline, "2026-10-06T09:00+01:00", promised_by=date(2026, 10, 2))  # a Friday
    assert result.verdict is Verdict.DELIVERED_LATE
    assert result.business_days_late == 1
    assert result.promise_kept is False


def test_christmas_and_boxing_day_substitute_are_not_business_days():
    # 2026: Christmas is a Friday, Boxing Day a Saturday, so Monday 28 December is its substitute.
    timeline = events(("2026-12-22T12:00Z", S.PICKED_UP), ("2026-12-29T11:00Z", S.DELIVERED))
    result = check(timeline, "2026-12-30T09:00Z", promised_by=date(2026, 12, 24))
    assert result.verdict is Verdict.DELIVERED_LATE
    assert result.business_days_late == 1


def test_first_delivery_attempt_counts_for_the_promise():
    timeline = events(
        ("2026-10-01T16:00+01:00", S.PICKED_UP),
        ("2026-10-02T15:00+01:00", S.ATTEMPT_FAILED),
        ("2026-10-05T11:00+01:00", S.DELIVERED),
    )
    result = check(timeline, "2026-10-06T09:00+01:00", promised_by=date(2026, 10, 2))
    assert (result.verdict, result.promise_kept) == (Verdict.DELIVERED_ON_TIME, True)


def test_arrival_at_a_pickup_point_counts_as_delivery():
    timeline = events(
        ("2026-10-01T16:00+01:00", S.PICKED_UP),
        ("2026-10-02T09:00+01:00", S.AVAILABLE_FOR_PICKUP),
    )
    result = check(timeline, "2026-10-05T09:00+01:00", promised_by=date(2026, 10, 2))
    assert (result.verdict, result.promise_kept) == (Verdict.DELIVERED_ON_TIME, True)
    assert "pickup point" in result.reason


def test_failed_attempt_before_the_promise_keeps_it_but_is_flagged():
    timeline = events(
        ("2026-10-01T16:00+01:00", S.PICKED_UP),
        ("2026-10-02T14:00+01:00", S.ATTEMPT_FAILED),
    )
    result = check(timeline, "2026-10-05T09:00+01:00", promised_by=date(2026, 10, 2))
    assert (result.verdict, result.promise_kept) == (Verdict.ATTEMPT_FAILED, True)


def test_dst_end_night_the_promise_lasts_until_local_midnight():
    # London leaves BST at 02:00 on Sunday 25 October 2026: that day ends at 23:59:59 GMT,
    # not at 22:59:59 UTC as a fixed +01:00 offset would say.
    on_time = events(("2026-10-24T10:00+01:00", S.PICKED_UP), ("2026-10-25T23:30Z", S.DELIVERED))
    late = events(("2026-10-24T10:00+01:00", S.PICKED_UP), ("2026-10-26T00:10Z", S.DELIVERED))
    promise = date(2026, 10, 25)
    assert check(on_time, "2026-10-27T09:00Z", promised_by=promise).promise_kept is True
    assert check(late, "2026-10-27T09:00Z", promised_by=promise).promise_kept is False


def test_promise_is_read_in_the_destination_timezone():
    # 03:30 UTC on 9 March is 23:30 on 8 March in New York (EDT since the DST change that day).
    timeline = events(("2026-03-06T15:00Z", S.PICKED_UP), ("2026-03-09T03:30Z", S.DELIVERED))
    result = check(
        timeline,
        "2026-03-10T12:00Z",
        promised_by=date(2026, 3, 8),
        timezone="America/New_York",
        calendar=get_calendar("US"),
    )
    assert result.verdict is Verdict.DELIVERED_ON_TIME
    in_london = check(timeline, "2026-03-10T12:00Z", promised_by=date(2026, 3, 8))
    assert in_london.verdict is Verdict.DELIVERED_LATE


def test_event_offsets_from_another_country_are_exact():
    # A German hub scan at 00:30+02:00 is 23:30 the previous day in London.
    timeline = events(
        ("2026-10-01T10:00+01:00", S.PICKED_UP), ("2026-10-03T00:30+02:00", S.DELIVERED)
    )
    result = check(timeline, "2026-10-05T09:00+01:00", promised_by=date(2026, 10, 2))
    assert result.verdict is Verdict.DELIVERED_ON_TIME


def test_late_in_transit_counts_business_days_since_the_promise():
    timeline = events(
        ("2026-10-01T16:00+01:00", S.PICKED_UP), ("2026-10-05T08:00+01:00", S.IN_TRANSIT)
    )
    result = check(timeline, "2026-10-06T10:00+01:00", promised_by=date(2026, 10, 2))
    assert result.verdict is Verdict.LATE_IN_TRANSIT
    assert (result.promise_kept, result.business_days_late) == (False, 2)


def test_carrier_edd_after_the_promise_is_at_risk():
    timeline = events(("2026-10-07T16:00+01:00", S.PICKED_UP))
    kwargs = {"promised_by": date(2026, 10, 9)}
    late_edd = check(timeline, "2026-10-08T09:00+01:00", carrier_edd=date(2026, 10, 12), **kwargs)
    assert late_edd.verdict is Verdict.AT_RISK
    assert "carrier EDD 2026-10-12" in late_edd.reason
    fine_edd = check(timeline, "2026-10-08T09:00+01:00", carrier_edd=date(2026, 10, 9), **kwargs)
    assert fine_edd.verdict is Verdict.ON_TRACK


def test_at_risk_from_remaining_transit_without_an_edd():
    timeline = events(("2026-10-07T16:00+01:00", S.PICKED_UP))
    result = check(
        timeline, "2026-10-08T09:00+01:00", promised_by=date(2026, 10, 8), transit_days_max=2
    )
    assert result.verdict is Verdict.AT_RISK
    assert result.expected == date(2026, 10, 9)
    relaxed = check(
        timeline, "2026-10-08T09:00+01:00", promised_by=date(2026, 10, 9), transit_days_max=2
    )
    assert relaxed.verdict is Verdict.ON_TRACK


def test_out_for_delivery_today_is_expected_today():
    timeline = events(
        ("2026-10-07T16:00+01:00", S.PICKED_UP), ("2026-10-08T07:10+01:00", S.OUT_FOR_DELIVERY)
    )
    result = check(timeline, "2026-10-08T09:00+01:00", promised_by=date(2026, 10, 8))
    assert (result.verdict, result.expected) == (Verdict.ON_TRACK, date(2026, 10, 8))


def test_stalled_before_pickup_counts_business_days_only():
    label = events(("2026-10-02T16:00+01:00", S.PRE_TRANSIT))  # a Friday
    assert check(label, "2026-10-05T12:00+01:00").verdict is Verdict.AWAITING_PICKUP
    assert check(label, "2026-10-06T12:00+01:00").verdict is Verdict.STALLED_BEFORE_PICKUP


def test_easter_holidays_do_not_make_a_parcel_stalled():
    # Good Friday 3 April and Easter Monday 6 April 2026 are bank holidays in England.
    label = events(("2026-04-02T17:00+01:00", S.PRE_TRANSIT))
    assert check(label, "2026-04-07T12:00+01:00").verdict is Verdict.AWAITING_PICKUP
    assert check(label, "2026-04-08T12:00+01:00").verdict is Verdict.STALLED_BEFORE_PICKUP


def test_stalled_in_transit_has_domestic_and_international_limits():
    timeline = events(("2026-10-05T09:00+01:00", S.PICKED_UP))
    now = "2026-10-07T12:00+01:00"  # two business days without a scan
    assert check(timeline, now).verdict is Verdict.STALLED_IN_TRANSIT
    assert check(timeline, now, international=True).verdict is Verdict.ON_TRACK
    assert check(timeline, "2026-10-09T12:00+01:00", international=True).verdict is (
        Verdict.STALLED_IN_TRANSIT
    )


def test_exception_return_and_lost():
    base = ("2026-10-01T16:00+01:00", S.PICKED_UP)
    exception = events(base, ("2026-10-02T09:00+01:00", S.EXCEPTION))
    assert check(exception, "2026-10-02T10:00+01:00").verdict is Verdict.EXCEPTION
    returning = events(base, ("2026-10-02T09:00+01:00", S.RETURN_TO_SENDER))
    assert check(returning, "2026-10-02T10:00+01:00").verdict is Verdict.RETURNING_TO_SENDER
    lost = events(base)
    assert check(lost, "2026-10-11T17:00+01:00").verdict is Verdict.LOST
    assert check(lost, "2026-10-11T15:00+01:00").verdict is Verdict.STALLED_IN_TRANSIT


@pytest.mark.parametrize("status", list(S))
def test_the_latest_reason_shows_only_in_the_verdicts_of_reason_shown(status):
    """The fast path folds the latest reason of the statuses of ``REASON_SHOWN`` alone."""
    picked_up = TrackingEvent("1Z999", at("2026-10-01T16:00+01:00"), S.PICKED_UP)
    latest = TrackingEvent("1Z999", at("2026-10-02T09:00+01:00"), status, reason="gate locked")
    for now in ("2026-10-02T10:00+01:00", "2026-10-20T10:00+01:00"):
        result = check(fold([picked_up, latest]), now, promised_by=date(2026, 10, 5))
        assert ("gate locked" in result.reason) is (status in REASON_SHOWN), result


def test_events_of_one_instant_and_stage_keep_the_reason_of_the_greater_code():
    """The latest reason does not depend on the order of the events: of two exceptions at
    one instant, the greater (carrier, code) wins, as the state store's fold has it."""
    when = at("2026-10-02T09:00+01:00")
    first = TrackingEvent("1Z999", when, S.EXCEPTION, "ups", "X1", reason="gate locked")
    second = TrackingEvent("1Z999", when, S.EXCEPTION, "ups", "X2", reason="dog")
    other = TrackingEvent("1Z999", when, S.EXCEPTION, "dhl", "X9", reason="no access")
    for events in ([first, second, other], [other, second, first], [second, other, first]):
        assert fold(events).latest_reason == "dog"


def test_unknown_without_usable_events():
    assert check(Timeline(), "2026-10-05T12:00+01:00").verdict is Verdict.UNKNOWN
    unmapped = events(("2026-10-01T16:00+01:00", None))
    result = check(unmapped, "2026-10-05T12:00+01:00")
    assert (result.verdict, result.reason) == (Verdict.UNKNOWN, "only unmapped carrier codes")


def test_promise_defaults_to_order_date_plus_standard_transit():
    timeline = events(
        ("2026-10-02T16:00+01:00", S.PICKED_UP), ("2026-10-06T12:00+01:00", S.DELIVERED)
    )
    result = check(
        timeline,
        "2026-10-07T09:00+01:00",
        placed_at=at("2026-10-02T10:00+01:00"),  # Friday + 2 business days = Tuesday
        transit_days_max=2,
    )
    assert result.promise == date(2026, 10, 6)
    assert result.verdict is Verdict.DELIVERED_ON_TIME


def test_event_order_does_not_matter():
    raw = [
        TrackingEvent("1Z", at("2026-10-01T16:00+01:00"), S.PICKED_UP),
        TrackingEvent("1Z", at("2026-10-02T07:00+01:00"), S.OUT_FOR_DELIVERY),
        TrackingEvent("1Z", at("2026-10-02T13:00+01:00"), S.ATTEMPT_FAILED),
        TrackingEvent("1Z", at("2026-10-05T13:00+01:00"), S.DELIVERED),
    ]
    assert fold(raw) == fold(list(reversed(raw)))
    assert fold(raw + raw).latest_status is S.DELIVERED


@pytest.mark.parametrize(
    ("carrier", "service", "channel", "expected"),
    [
        ("dhl", "express", "web", 1),
        ("dhl", "economy", "web", 3),
        ("ups", "express", "web", 2),
        ("dhl", "express", "amazon", 5),
    ],
)
def test_most_specific_override_wins(carrier, service, channel, expected):
    policy = ThresholdPolicy(
        Thresholds(),
        [
            Override({"carrier": "dhl"}, {"stalled_transit_days_domestic": 3}),
            Override(
                {"carrier": "dhl", "service": "express"}, {"stalled_transit_days_domestic": 1}
            ),
            Override(
                {"carrier": "dhl", "service": "express", "channel": "amazon"},
                {"stalled_transit_days_domestic": 5},
            ),
        ],
    )
    assert policy.for_shipment(carrier, service, channel).stalled_transit_days_domestic == expected


def test_policy_from_config_section():
    policy = policy_from_config(
        {"stalled_pickup_days": 1, "override": [{"carrier": "ups", "lost_days_domestic": 5}]}
    )
    assert policy.for_shipment("ups", None, None).lost_days_domestic == 5
    assert policy.for_shipment("ups", None, None).stalled_pickup_days == 1
    assert policy.for_shipment("dhl", None, None).lost_days_domestic == 10
