"""The UPS carrier against recorded Track API answers, over real HTTP."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from carrier_server import CarrierServer, FakeTime, Reply
from opsctl_ups.carrier import UpsCarrier

from opsctl.tracking import DeliveryEstimate, ProblemKind
from opsctl.tracking import TrackingStatus as S

NEW_YORK = ZoneInfo("America/New_York")
EST = timezone(timedelta(hours=-5))
DELIVERED = "1Z12345E0205271688"
DELAYED = "1Z12345E6605272234"
TOKEN = "/security/v1/oauth/token"


def details(number: str) -> str:
    return f"/api/track/v1/details/{number}"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("UPS_CLIENT_ID", "ups-client-id")
    monkeypatch.setenv("UPS_CLIENT_SECRET", "ups-client-secret")
    with CarrierServer() as server:
        server.reply("POST", TOKEN, Reply.payload("ups/token.json"))
        yield server


def ups(server, **settings) -> UpsCarrier:
    base = {
        "client_id": "${UPS_CLIENT_ID}",
        "client_secret": "${UPS_CLIENT_SECRET}",
        "base_url": server.url,
        "rate_limit": "off",
        "timezone": "America/New_York",
    }
    return UpsCarrier.from_settings({**base, **settings}, timekeeper=FakeTime().timekeeper)


def test_a_delivered_package_is_parsed_with_statuses_raw_codes_and_times(server):
    server.reply("GET", details(DELIVERED), Reply.payload("ups/delivered.json"))
    parcel = ups(server).track([DELIVERED])[DELIVERED]

    assert [(e.raw_code, e.status) for e in parcel.events] == [
        ("003", S.PRE_TRANSIT),
        ("038", S.PICKED_UP),
        ("005", S.IN_TRANSIT),
        ("005", S.IN_TRANSIT),
        ("021", S.OUT_FOR_DELIVERY),
        ("011", S.DELIVERED),
    ]
    label, pickup, departed, arrived, _out, delivered = parcel.events
    # local date and time with gmtOffset: exact, in the scan's offset
    assert delivered.occurred_at == datetime(2024, 3, 7, 14, 35, 12, tzinfo=EST)
    assert pickup.occurred_at == datetime(2024, 3, 4, 17, 2, tzinfo=EST)
    # no offset, but GMT date and time (one without its leading zero: "74700")
    assert arrived.occurred_at == datetime(2024, 3, 7, 4, 15, tzinfo=timezone.utc)
    assert departed.occurred_at == datetime(2024, 3, 5, 7, 47, tzinfo=timezone.utc)
    # neither: read in the configured timezone, and said so
    assert label.occurred_at == datetime(2024, 3, 4, 9, 22, 14, tzinfo=NEW_YORK)
    assert label.extra["timezone_assumed"] == "America/New_York"
    assert "timezone_assumed" not in delivered.extra
    assert delivered.extra == {"status_type": "D", "activity_code": "FS"}
    assert delivered.location == "Atlanta, GA, 30303, US"
    assert delivered.description == "DELIVERED"
    assert parcel.service == "UPS Ground"
    assert parcel.estimated_delivery is None  # only the actual delivery date (DEL) is given


def test_the_request_carries_the_token_and_the_ups_transaction_headers(server):
    server.reply("GET", details(DELIVERED), Reply.payload("ups/delivered.json"))
    ups(server, merchant_id="A1B2C3", transaction_source="shop-ops").track([DELIVERED])

    token_request = server.requests("POST", TOKEN)[0]
    expected = base64.b64encode(b"ups-client-id:ups-client-secret").decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert token_request.headers["x-merchant-id"] == "A1B2C3"
    assert token_request.form() == {"grant_type": ["client_credentials"]}

    track_request = server.requests("GET")[0]
    assert track_request.headers["Authorization"] == "Bearer ups-access-token-0001"
    assert track_request.headers["transactionSrc"] == "shop-ops"
    assert len(track_request.headers["transId"]) == 32
    assert track_request.query["locale"] == ["en_US"]


def test_delays_failed_attempts_and_the_rescheduled_window(server):
    server.reply("GET", details(DELAYED), Reply.payload("ups/delayed_with_estimate.json"))
    parcel = ups(server).track([DELAYED])[DELAYED]

    assert [e.status for e in parcel.events] == [
        S.PICKED_UP,
        S.IN_TRANSIT,
        S.EXCEPTION,
        S.ATTEMPT_FAILED,
        S.OUT_FOR_DELIVERY,
    ]
    assert parcel.events[-1].occurred_at.utcoffset() == timedelta(hours=-4)
    # the rescheduled date (RDD) wins over the scheduled one (SDD)
    assert parcel.estimated_delivery == DeliveryEstimate(
        date(2024, 3, 11),
        datetime(2024, 3, 11, 9, tzinfo=NEW_YORK),
        datetime(2024, 3, 11, 13, tzinfo=NEW_YORK),
    )
    transit = UpsCarrier().transit_time(parcel.service)
    assert (transit.service, transit.min_days, transit.max_days) == ("UPS 2nd Day Air", 2, 2)


def test_an_unknown_code_is_reported_unmapped_not_guessed(server):
    number = "1Z12345E0305271640"
    server.reply("GET", details(number), Reply.payload("ups/unknown_code.json"))
    parcel = ups(server).track([number])[number]
    assert (parcel.latest.raw_code, parcel.latest.status) == ("777", None)
    assert parcel.latest.extra["status_type"] == "Z"
    assert parcel.unmapped_codes == ("777",)


def test_not_found_is_a_per_number_result_whether_404_or_a_warning(server):
    server.reply("GET", details(DELIVERED), Reply.payload("ups/delivered.json"))
    server.reply("GET", details("1Z00000000000000"), Reply.payload("ups/not_found.json", 404))
    server.reply("GET", details("1Z12345E0392743513"), Reply.payload("ups/not_found_warning.json"))
    result = ups(server).track([DELIVERED, "1Z00000000000000", "1Z12345E0392743513"])

    assert result[DELIVERED].latest.status == S.DELIVERED
    for number in ("1Z00000000000000", "1Z12345E0392743513"):
        assert result[number].problem.kind == ProblemKind.NOT_FOUND
        assert result[number].problem.message == "Tracking Information Not Found"


def test_an_invalid_inquiry_number_is_a_per_number_result(server):
    invalid = Reply.json(
        {"response": {"errors": [{"code": "TV1001", "message": "Invalid inquiry number"}]}},
        status=400,
    )
    server.reply("GET", details("BAD"), invalid)
    parcel = ups(server).track(["BAD"])["BAD"]
    assert parcel.problem.kind == ProblemKind.REJECTED
    assert parcel.problem.message == "TV1001: Invalid inquiry number"


def test_the_token_is_fetched_once_for_the_whole_run(server):
    numbers = [DELIVERED, DELAYED]
    server.reply("GET", details(DELIVERED), Reply.payload("ups/delivered.json"))
    server.reply("GET", details(DELAYED), Reply.payload("ups/delayed_with_estimate.json"))
    carrier = ups(server)
    carrier.track(numbers)
    carrier.track(numbers)
    assert len(server.requests("POST", TOKEN)) == 1
    assert len(server.requests("GET")) == 4


@pytest.mark.parametrize("entry", UpsCarrier.codes.entries(), ids=lambda e: e.code)
def test_each_documented_code_maps_to_its_status(entry):
    carrier = UpsCarrier()
    assert carrier.map_status(entry.code) is entry.status
    if entry.code.isdigit():
        assert carrier.map_status(entry.code.lstrip("0") or "0") is entry.status


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("003", S.PRE_TRANSIT),
        ("038", S.PICKED_UP),
        ("021", S.OUT_FOR_DELIVERY),
        ("022", S.ATTEMPT_FAILED),
        ("024", S.ATTEMPT_FAILED),
        ("017", S.AVAILABLE_FOR_PICKUP),
        ("161", S.AVAILABLE_FOR_PICKUP),
        ("034", S.RETURN_TO_SENDER),
        ("126", S.EXCEPTION),
        ("058", S.EXCEPTION),
        ("007", S.CANCELLED),
        ("011", S.DELIVERED),
        ("X", S.EXCEPTION),
        ("M", S.PRE_TRANSIT),
    ],
)
def test_key_codes(code, status):
    assert UpsCarrier().map_status(code) is status
