"""The USPS carrier against recorded Tracking 3.0 answers, over real HTTP."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from carrier_server import CarrierServer, FakeTime, Reply
from opsctl_usps.carrier import UspsCarrier

from opsctl.tracking import DeliveryEstimate, ProblemKind
from opsctl.tracking import TrackingStatus as S

NEW_YORK = ZoneInfo("America/New_York")
TOKEN = "/oauth2/v3/token"
DELIVERED = "9400111899223033005282"
NOTICE = "9205590164917312751089"


def tracking(number: str) -> str:
    return f"/tracking/v3/tracking/{number}"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("USPS_CLIENT_ID", "usps-consumer-key")
    monkeypatch.setenv("USPS_CLIENT_SECRET", "usps-consumer-secret")
    with CarrierServer() as server:
        server.reply("POST", TOKEN, Reply.payload("usps/token.json"))
        yield server


def usps(server, **settings) -> UspsCarrier:
    base = {
        "client_id": "${USPS_CLIENT_ID}",
        "client_secret": "${USPS_CLIENT_SECRET}",
        "base_url": server.url,
        "rate_limit": "off",
        "timezone": "America/New_York",
    }
    return UspsCarrier.from_settings({**base, **settings}, timekeeper=FakeTime().timekeeper)


def test_a_delivered_item_is_parsed_with_statuses_raw_codes_and_times(server):
    server.reply("GET", tracking(DELIVERED), Reply.payload("usps/delivered.json"))
    parcel = usps(server).track([DELIVERED])[DELIVERED]

    assert [(e.raw_code, e.status) for e in parcel.events] == [
        ("GX", S.PRE_TRANSIT),
        ("OA", S.PICKED_UP),
        ("EF", S.IN_TRANSIT),
        ("07", S.IN_TRANSIT),
        ("OF", S.OUT_FOR_DELIVERY),
        ("01", S.DELIVERED),
    ]
    label, accepted, departed, arrived, _out, delivered = parcel.events
    # local time with GMTOffset ("-4:00")
    assert delivered.occurred_at == datetime(
        2024, 4, 5, 12, 55, tzinfo=timezone(timedelta(hours=-4))
    )
    # a timestamp with its own offset
    assert accepted.occurred_at == datetime(
        2024, 4, 2, 18, 31, tzinfo=timezone(timedelta(hours=-7))
    )
    # no offset but GMTTimestamp; only GMTTimestamp
    assert arrived.occurred_at == datetime(2024, 4, 5, 8, 58, tzinfo=timezone.utc)
    assert departed.occurred_at == datetime(2024, 4, 4, 23, 41, tzinfo=timezone.utc)
    # nothing but local time: the configured timezone, said so
    assert label.occurred_at == datetime(2024, 4, 2, 9, 14, tzinfo=NEW_YORK)
    assert label.extra["timezone_assumed"] == "America/New_York"
    assert delivered.description == "Delivered, In/At Mailbox"
    assert delivered.location == "FALMOUTH, MA, 02540"
    assert parcel.service == "PRIORITY_MAIL"
    assert parcel.estimated_delivery == DeliveryEstimate(
        date(2024, 4, 5), None, datetime(2024, 4, 5, 21, tzinfo=NEW_YORK)
    )
    transit = UspsCarrier().transit_time(parcel.service)
    assert (transit.service, transit.min_days, transit.max_days) == ("Priority Mail", 1, 3)


def test_the_request_asks_for_details_with_a_bearer_token(server):
    server.reply("GET", tracking(DELIVERED), Reply.payload("usps/delivered.json"))
    usps(server).track([DELIVERED])
    assert server.requests("POST", TOKEN)[0].json() == {
        "grant_type": "client_credentials",
        "client_id": "usps-consumer-key",
        "client_secret": "usps-consumer-secret",
    }
    request = server.requests("GET")[0]
    assert request.query == {"expand": ["DETAIL"]}
    assert request.headers["Authorization"] == "Bearer usps-access-token-0001"


def test_a_notice_left_and_pickup_at_the_post_office(server):
    server.reply("GET", tracking(NOTICE), Reply.payload("usps/notice_left.json"))
    parcel = usps(server).track([NOTICE])[NOTICE]
    assert [e.status for e in parcel.events] == [
        S.PICKED_UP,
        S.OUT_FOR_DELIVERY,
        S.ATTEMPT_FAILED,
        S.AVAILABLE_FOR_PICKUP,
    ]
    assert parcel.estimated_delivery == DeliveryEstimate(
        date(2024, 4, 9),
        datetime(2024, 4, 9, 10, tzinfo=NEW_YORK),
        datetime(2024, 4, 9, 14, tzinfo=NEW_YORK),
    )


def test_an_unknown_code_is_reported_unmapped_not_guessed(server):
    number = "9400111899223033009999"
    server.reply("GET", tracking(number), Reply.payload("usps/unknown_code.json"))
    parcel = usps(server).track([number])[number]
    assert (parcel.latest.raw_code, parcel.latest.status) == ("Q7", None)
    assert parcel.unmapped_codes == ("Q7",)


def test_an_unknown_number_is_a_per_number_result(server):
    server.reply("GET", tracking(DELIVERED), Reply.payload("usps/delivered.json"))
    server.reply(
        "GET", tracking("9400000000000000000000"), Reply.payload("usps/not_found.json", status=404)
    )
    result = usps(server).track(["9400000000000000000000", DELIVERED])
    missing = result["9400000000000000000000"]
    assert missing.problem.kind == ProblemKind.NOT_FOUND
    assert missing.problem.message == (
        "1001: The tracking number may be incorrect or the status update is not yet available."
    )
    assert result[DELIVERED].latest.status == S.DELIVERED
    assert len(server.requests("POST", TOKEN)) == 1


def test_the_default_budget_follows_the_hourly_quota_of_new_apps():
    assert UspsCarrier().options.request_budget == 60


@pytest.mark.parametrize("entry", UspsCarrier.codes.entries(), ids=lambda e: e.code)
def test_each_documented_code_maps_to_its_status(entry):
    carrier = UspsCarrier()
    assert carrier.map_status(entry.code) is entry.status
    assert carrier.map_status(entry.code.lower()) is entry.status


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("GX", S.PRE_TRANSIT),
        ("03", S.PICKED_UP),
        ("10", S.IN_TRANSIT),
        ("OF", S.OUT_FOR_DELIVERY),
        ("16", S.AVAILABLE_FOR_PICKUP),
        ("02", S.ATTEMPT_FAILED),
        ("55", S.ATTEMPT_FAILED),
        ("04", S.EXCEPTION),
        ("09", S.RETURN_TO_SENDER),
        ("31", S.RETURN_TO_SENDER),
        ("01", S.DELIVERED),
    ],
)
def test_key_codes(code, status):
    assert UspsCarrier().map_status(code) is status
