"""The funnel from GA4 events: sessions per step, completion, median times, devices, worst step."""

from __future__ import annotations

import json
from datetime import timezone

import pytest

from opsctl.checkout.funnel import MIN_SESSIONS, FunnelCounter
from opsctl.checkout.run import load_funnel
from opsctl.errors import DataError

STEPS = ("view_cart", "begin_checkout", "add_shipping_info", "add_payment_info", "purchase")


def sessions(counter: FunnelCounter, count: int, depth: int, device: str, start: int = 0):
    """``count`` sessions that reach the first ``depth`` steps, 60 s apart."""
    for n in range(start, start + count):
        for index in range(depth):
            counter.add(f"{device}-{n}", STEPS[index], 1_000 + n * 1_000 + index * 60, device)


def test_sessions_completion_abandonment_and_median_per_step():
    counter = FunnelCounter()
    sessions(counter, 40, 5, "desktop")  # buy
    sessions(counter, 60, 2, "mobile")  # stop after begin_checkout
    funnel = counter.funnel("events.ndjson").overall
    cart, begin, shipping = funnel.steps[0], funnel.steps[1], funnel.steps[2]
    assert (cart.sessions, cart.completion_rate, cart.median_seconds_to_next) == (100, 1.0, 60)
    assert begin.sessions == 100 and begin.abandonment_rate == pytest.approx(0.6)
    assert shipping.sessions == 40
    assert funnel.steps[-1].completion_rate is None
    assert funnel.worst_step == "begin_checkout"
    assert funnel.abandonment_rate == pytest.approx(0.6)


def test_by_device_each_segment_names_its_own_worst_step():
    counter = FunnelCounter()
    sessions(counter, 40, 5, "desktop")
    sessions(counter, 35, 4, "desktop", start=100)  # lost at payment on desktop
    sessions(counter, 50, 1, "mobile")  # lost at the cart on mobile
    sessions(counter, 40, 5, "mobile", start=200)
    funnel = counter.funnel("e")
    assert funnel.by_device["desktop"].worst_step == "add_payment_info"
    assert funnel.by_device["mobile"].worst_step == "view_cart"
    assert funnel.by_device["desktop"].sessions == 75


def test_a_step_with_few_sessions_is_never_named_worst():
    counter = FunnelCounter()
    sessions(counter, MIN_SESSIONS - 1, 1, "desktop")
    assert counter.funnel("e").overall.worst_step is None


def test_events_of_other_names_are_ignored_and_first_times_kept():
    counter = FunnelCounter()
    counter.add("s", "page_view", 1.0, None)
    counter.add("s", "begin_checkout", 50.0, None)
    counter.add("s", "view_cart", 10.0, None)
    counter.add("s", "view_cart", 5.0, None)  # an earlier event, read later
    funnel = counter.funnel("e")
    assert (funnel.events, funnel.ignored_events) == (4, 1)
    assert funnel.overall.steps[0].median_seconds_to_next == 45.0
    assert set(funnel.by_device) == {"unknown"}


def test_an_events_file_streams_through_the_shared_loader(tmp_path):
    path = tmp_path / "events.ndjson"
    rows = [
        {
            "event_timestamp": 1_790_833_784_000_000 + i * 30_000_000,
            "event_name": name,
            "user_pseudo_id": "u1",
            "ga_session_id": "7",
            "device_category": "tablet",
        }
        for i, name in enumerate(STEPS[:3])
    ]
    rows.append(
        {
            "event_timestamp": "2026-10-01T10:00:00Z",
            "event_name": "view_cart",
            "user_pseudo_id": "u2",
            "ga_session_id": "8",
            "device_category": "mobile",
        }
    )
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    funnel = load_funnel(path, tz=timezone.utc)
    assert funnel.overall.sessions == 2
    assert funnel.overall.steps[0].median_seconds_to_next == 30.0
    assert funnel.to_json()["byDevice"]["tablet"]["steps"][2]["sessions"] == 1


def test_a_bad_event_names_file_and_line(tmp_path):
    path = tmp_path / "events.ndjson"
    path.write_text(
        '{"event_timestamp": "soon", "event_name": "view_cart", "user_pseudo_id": "u"}\n'
    )
    with pytest.raises(DataError, match=r"events.ndjson:1: event_timestamp"):
        load_funnel(path, tz=timezone.utc)
