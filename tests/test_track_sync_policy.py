"""The decisions of ``track sync``, without a store or a network: policy and reconcile."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from opsctl.config import Config
from opsctl.store.tracking import PollState, TrackedShipment
from opsctl.sync import settings  # noqa: F401 - declares [track]
from opsctl.sync.policy import SyncPolicy, due_order, is_due, stop_reason, stopped
from opsctl.sync.reconcile import event_key, reconcile
from opsctl.tracking import (
    DeliveryEstimate,
    ParcelTracking,
    ProblemKind,
    TrackingEvent,
    TrackingProblem,
    TrackingStatus,
    TrackResult,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
POLICY = SyncPolicy()
S = TrackingStatus


def shipment(
    *,
    status: TrackingStatus | None = None,
    shipped_days: float | None = 2,
    last_event_days: float | None = 1,
    poll: PollState | None = None,
    shipment_id: str = "S-1",
    number: str = "794843185271",
) -> TrackedShipment:
    return TrackedShipment(
        shipment_id,
        "fedex",
        number,
        NOW - timedelta(days=shipped_days) if shipped_days is not None else None,
        status,
        NOW - timedelta(days=last_event_days) if last_event_days is not None else None,
        poll,
    )


def event(hours_ago: float, code: str, status: TrackingStatus | None, number="794843185271"):
    return TrackingEvent(number, NOW - timedelta(hours=hours_ago), status, "fedex", code)


# -- policy ----------------------------------------------------------------------------------


def test_defaults_and_the_track_section():
    assert POLICY.poll_interval == timedelta(minutes=60)
    assert (POLICY.max_age, POLICY.max_silence) == (timedelta(days=60), timedelta(days=30))
    custom = SyncPolicy.from_section({"poll_interval_minutes": 15, "batch_size": 10})
    assert (custom.poll_interval, custom.batch_size) == (timedelta(minutes=15), 10)
    assert custom.max_age == POLICY.max_age


@pytest.mark.parametrize(
    ("key", "value"), [("max_age_days", 0), ("batch_size", "30"), ("poll_interval_minutes", True)]
)
def test_the_track_section_is_validated(key, value):
    problems = Config(values={"track": {key: value}}).validate()
    assert [p.key for p in problems] == [f"track.{key}"]
    assert not Config(values={"track": {"poll_interval_minutes": 0}}).validate()


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({}, None),
        ({"status": S.IN_TRANSIT}, None),
        ({"status": S.DELIVERED}, "delivered"),
        ({"status": S.CANCELLED}, "cancelled"),
        ({"status": S.ATTEMPT_FAILED, "shipped_days": 59}, None),
        ({"shipped_days": 61}, "expired"),
        ({"shipped_days": 40, "last_event_days": 31}, "expired"),
        ({"shipped_days": 31, "last_event_days": None}, "expired"),
        ({"shipped_days": None, "last_event_days": None}, None),
    ],
)
def test_when_polling_stops(kwargs, reason):
    assert stop_reason(shipment(**kwargs), NOW, POLICY) == reason


def test_a_shipment_heard_of_only_by_polling_expires_from_its_first_poll():
    poll = PollState("S-1", "fedex", "1", first_polled_at=NOW - timedelta(days=31))
    silent = shipment(shipped_days=None, last_event_days=None, poll=poll)
    assert stop_reason(silent, NOW, POLICY) == "expired"


def test_stopped_keeps_the_history_and_clears_the_next_poll():
    poll = PollState("S-1", "fedex", "794843185271", NOW, NOW, NOW + timedelta(hours=1), 2)
    state = stopped(shipment(poll=poll), "expired")
    assert (state.final, state.final_reason, state.next_poll_at) == (True, "expired", None)
    assert (state.first_polled_at, state.failures) == (NOW, 2)


def test_due_shipments_and_their_order():
    never = shipment(shipment_id="S-B")
    overdue = shipment(
        shipment_id="S-A", poll=PollState("S-A", "fedex", "1", next_poll_at=NOW - timedelta(1))
    )
    later = shipment(poll=PollState("S-C", "fedex", "1", next_poll_at=NOW + timedelta(hours=1)))
    assert is_due(never, NOW) and is_due(overdue, NOW)
    assert not is_due(later, NOW)
    assert sorted([overdue, never], key=due_order) == [never, overdue]


def test_retries_back_off_doubling_up_to_the_limit():
    delays = [POLICY.retry_delay(failures) for failures in (1, 2, 3, 6, 20)]
    assert delays == [timedelta(hours=h) for h in (1, 2, 4, 24, 24)]


# -- reconcile -------------------------------------------------------------------------------


def answer(*parcels: ParcelTracking) -> TrackResult:
    return TrackResult("fedex", parcels)


def test_only_events_whose_key_is_not_stored_are_new():
    picked, arrived = event(30, "PU", S.PICKED_UP), event(5, "AR", S.IN_TRANSIT)
    parcel = ParcelTracking("794843185271", (picked, arrived))
    outcome = reconcile(
        [shipment()], answer(parcel), {event_key(picked, "794843185271")}, NOW, POLICY
    )
    assert outcome.new_events == [arrived]
    assert (outcome.polled, outcome.unchanged, outcome.now_final) == (1, 0, 0)
    (state,) = outcome.polls
    assert (state.first_polled_at, state.last_polled_at) == (NOW, NOW)
    assert state.next_poll_at == NOW + POLICY.poll_interval
    assert (state.failures, state.problem, state.final) == (0, None, False)


def test_stored_keys_match_whatever_the_offset_of_the_carriers_time():
    local = TrackingEvent(
        "794843185271",
        datetime(2026, 11, 1, 10, 0, tzinfo=timezone(timedelta(hours=-5))),
        S.IN_TRANSIT,
        "fedex",
        "AR",
    )
    stored = {("794843185271", datetime(2026, 11, 1, 15, 0, tzinfo=timezone.utc), "AR")}
    parcel = ParcelTracking("794843185271", (local,))
    outcome = reconcile([shipment()], answer(parcel), stored, NOW, POLICY)
    assert outcome.new_events == []
    assert outcome.unchanged == 1


def test_new_events_take_the_shipments_carrier_and_number():
    scan = TrackingEvent("TM123456785GB", NOW, S.PICKED_UP, None, "EVNCO")
    royal = TrackedShipment("S-RM", "royalmail", "TM123456785GB ", None, None, None)
    result = TrackResult("file", (ParcelTracking("TM123456785GB", (scan,)),))
    (stored_event,) = reconcile([royal], result, set(), NOW, POLICY).new_events
    assert (stored_event.carrier, stored_event.tracking_number) == ("royalmail", "TM123456785GB ")


def test_a_number_shared_by_two_shipments_stores_its_events_once():
    parcel = ParcelTracking("794843185271", (event(3, "AR", S.IN_TRANSIT),))
    pair = [shipment(shipment_id="S-1"), shipment(shipment_id="S-2")]
    outcome = reconcile(pair, answer(parcel), set(), NOW, POLICY)
    assert len(outcome.new_events) == 1
    assert [state.shipment_id for state in outcome.polls] == ["S-1", "S-2"]


def test_a_final_status_ends_polling_and_unmapped_codes_do_not_hide_it():
    delivered = event(2, "DL", S.DELIVERED)
    later_unknown = event(1, "ZZ", None)
    parcel = ParcelTracking("794843185271", (delivered, later_unknown))
    outcome = reconcile([shipment()], answer(parcel), set(), NOW, POLICY)
    assert outcome.now_final == 1
    (state,) = outcome.polls
    assert (state.final, state.final_reason, state.next_poll_at) == (True, "delivered", None)


def test_a_problem_backs_off_and_counts_consecutive_failures():
    earlier = PollState("S-1", "fedex", "794843185271", NOW - timedelta(days=1), failures=2)
    problem = TrackingProblem(ProblemKind.NOT_FOUND, "Tracking number cannot be found")
    outcome = reconcile(
        [shipment(poll=earlier)],
        answer(ParcelTracking("794843185271", problem=problem)),
        set(),
        NOW,
        POLICY,
    )
    (state,) = outcome.polls
    assert (outcome.problems, outcome.unchanged) == (1, 0)
    assert state.failures == 3
    assert state.next_poll_at == NOW + timedelta(hours=4)
    assert state.problem == "not_found: Tracking number cannot be found"
    assert state.first_polled_at == NOW - timedelta(days=1)


def test_a_number_missing_from_the_answer_is_a_problem():
    outcome = reconcile([shipment()], answer(), set(), NOW, POLICY)
    assert outcome.problems == 1
    assert "did not answer" in outcome.polls[0].problem


def test_success_after_problems_resets_the_failures_and_keeps_the_estimate():
    earlier = PollState("S-1", "fedex", "794843185271", failures=3, problem="not_found: x")
    parcel = ParcelTracking(
        "794843185271",
        (event(1, "PU", S.PICKED_UP),),
        estimated_delivery=DeliveryEstimate(date(2026, 11, 4)),
    )
    outcome = reconcile([shipment(poll=earlier)], answer(parcel), set(), NOW, POLICY)
    assert (outcome.polls[0].failures, outcome.polls[0].problem) == (0, None)
    assert outcome.estimates == [("S-1", date(2026, 11, 4))]


def test_events_with_neither_status_nor_code_are_not_stored():
    blank = TrackingEvent("794843185271", NOW, None, "fedex", None)
    outcome = reconcile(
        [shipment()], answer(ParcelTracking("794843185271", (blank,))), set(), NOW, POLICY
    )
    assert outcome.new_events == []
