"""The DHL carrier against recorded Shipment Tracking – Unified API answers, over real HTTP."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from carrier_server import CarrierServer, FakeTime, Reply, payload_json
from opsctl_dhl.carrier import DhlCarrier

from opsctl.tracking import DeliveryEstimate, ProblemKind
from opsctl.tracking import TrackingStatus as S

BERLIN = ZoneInfo("Europe/Berlin")
PARCEL = "00340434161094042557"
EXPRESS = "1234567890"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("DHL_API_KEY", "dhl-test-key")
    with CarrierServer() as server:
        yield server


def dhl(server, **settings) -> DhlCarrier:
    base = {"api_key": "${DHL_API_KEY}", "base_url": server.url, "rate_limit": "off"}
    return DhlCarrier.from_settings({**base, **settings}, timekeeper=FakeTime().timekeeper)


def by_number(**payloads: str):
    """A responder that answers each ``trackingNumber`` with its payload (404 otherwise)."""

    def respond(request):
        number = request.query["trackingNumber"][0]
        if number in payloads:
            return Reply.payload(payloads[number])
        return Reply.payload("dhl/not_found.json", status=404)

    return respond


def test_a_parcel_journey_is_parsed_with_statuses_raw_codes_and_times(server):
    server.reply("GET", "/track/shipments", Reply.payload("dhl/parcel_de_delivered.json"))
    parcel = dhl(server, timezone="Europe/Berlin").track([PARCEL])[PARCEL]

    assert [e.status for e in parcel.events] == [
        S.PRE_TRANSIT,
        S.IN_TRANSIT,
        S.IN_TRANSIT,
        S.OUT_FOR_DELIVERY,
        S.DELIVERED,
    ]
    assert parcel.events[-1].raw_code == "The shipment has been successfully delivered"
    assert parcel.events[-1].extra["status_code"] == "delivered"
    assert parcel.events[0].occurred_at == datetime(2024, 3, 5, 9, 12, tzinfo=BERLIN)
    assert parcel.events[-1].occurred_at.utcoffset() == timedelta(hours=1)
    assert parcel.events[-1].extra["timezone_assumed"] == "Europe/Berlin"
    assert parcel.events[-1].location == "Berlin, 10247, DE"
    assert parcel.service == "DHL PAKET (parcel)"
    assert parcel.estimated_delivery is None
    assert parcel.unmapped_codes == ()

    request = server.requests()[0]
    assert request.headers["DHL-API-Key"] == "dhl-test-key"
    assert request.query == {"trackingNumber": [PARCEL], "language": ["en"]}


def test_express_events_keep_their_offsets_and_the_estimate_has_its_window(server):
    server.reply("GET", "/track/shipments", Reply.payload("dhl/express_in_transit.json"))
    parcel = dhl(server).track([EXPRESS])[EXPRESS]

    assert [(e.raw_code, e.status) for e in parcel.events] == [
        ("Shipment picked up", S.PICKED_UP),
        ("transit", S.IN_TRANSIT),  # "Processed at LEIPZIG - GERMANY": its statusCode decides
        ("Clearance Event", S.IN_TRANSIT),
        ("Shipment is on hold", S.EXCEPTION),
        ("Shipment is out with courier for delivery", S.OUT_FOR_DELIVERY),
    ]
    assert parcel.events[0].occurred_at == datetime(2024, 3, 6, 14, 2, tzinfo=timezone.utc)
    assert parcel.events[0].occurred_at.utcoffset() == timedelta(hours=1)
    assert "timezone_assumed" not in parcel.events[0].extra
    assert parcel.events[3].reason == "Awaiting payment of import duties"
    assert parcel.estimated_delivery == DeliveryEstimate(
        date(2024, 3, 8),
        datetime(2024, 3, 8, 9, tzinfo=timezone.utc),
        datetime(2024, 3, 8, 18, tzinfo=timezone.utc),
    )
    assert parcel.service == "EXPRESS WORLDWIDE"
    transit = DhlCarrier().transit_time(parcel.service)
    assert (transit.min_days, transit.max_days) == (1, 3)


def test_an_unknown_code_is_reported_unmapped_not_guessed(server):
    server.reply("GET", "/track/shipments", Reply.payload("dhl/unknown_code.json"))
    parcel = dhl(server).track(["00340434161094099999"])["00340434161094099999"]
    newest = parcel.latest
    assert newest.status is None
    assert newest.raw_code == "in-customs-review"
    assert newest.description == "The shipment is being reviewed"
    assert parcel.unmapped_codes == ("in-customs-review",)
    assert DhlCarrier().map_status("in-customs-review") is None


def test_a_number_dhl_does_not_know_is_a_per_number_result(server):
    server.respond("GET", "/track/shipments", by_number(**{PARCEL: "dhl/parcel_de_delivered.json"}))
    result = dhl(server).track([PARCEL, "JJD0000000000001", PARCEL])

    assert [p.tracking_number for p in result] == [PARCEL, "JJD0000000000001"]
    assert result[PARCEL].latest.status == S.DELIVERED
    missing = result["JJD0000000000001"]
    assert missing.events == ()
    assert missing.problem.kind == ProblemKind.NOT_FOUND
    assert missing.problem.message == "No shipment with given tracking number found."
    assert result.problems == {"JJD0000000000001": missing.problem}


def test_a_refused_number_is_a_per_number_result(server):
    refused = Reply.json(
        {"status": 400, "title": "Bad Request", "detail": "Invalid tracking number format"},
        status=400,
    )
    server.reply("GET", "/track/shipments", refused)
    parcel = dhl(server).track(["!!"])["!!"]
    assert parcel.problem.kind == ProblemKind.REJECTED
    assert parcel.problem.message == "Invalid tracking number format"


def test_an_unreadable_shipment_spoils_only_its_own_number(server):
    broken = payload_json("dhl/parcel_de_delivered.json")
    broken["shipments"][0]["id"] = "BROKEN"
    del broken["shipments"][0]["events"][2]["timestamp"]

    def respond(request):
        number = request.query["trackingNumber"][0]
        if number == "BROKEN":
            return Reply.json(broken)
        return Reply.payload("dhl/parcel_de_delivered.json")

    server.respond("GET", "/track/shipments", respond)
    result = dhl(server).track(["BROKEN", PARCEL])
    assert result["BROKEN"].problem.kind == ProblemKind.UNREADABLE
    assert "event without a timestamp" in result["BROKEN"].problem.message
    assert result[PARCEL].problem is None


def test_the_default_limits_follow_dhls_quota():
    carrier = DhlCarrier()
    assert carrier.options.rate_limit == 1.0  # starter level: one call a second
    assert carrier.options.request_budget == 250  # and 250 calls a day


@pytest.mark.parametrize("entry", DhlCarrier.codes.entries(), ids=lambda e: e.code[:40])
def test_each_documented_code_maps_to_its_status(entry):
    carrier = DhlCarrier()
    assert carrier.map_status(entry.code) is entry.status
    assert carrier.map_status(f"  {entry.code.upper()}. ") is entry.status


def test_status_texts_match_with_or_without_the_leading_article():
    carrier = DhlCarrier()
    assert carrier.map_status("shipment has been picked up") is S.PICKED_UP
    assert carrier.map_status("The shipment has been picked up.") is S.PICKED_UP
    assert carrier.map_status("The  shipment   is being RETURNED") is S.RETURN_TO_SENDER
