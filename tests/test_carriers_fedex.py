"""The FedEx carrier against recorded Track API answers, over real HTTP."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone

import pytest
from carrier_server import CarrierServer, FakeTime, Reply, payload_json
from opsctl_fedex.carrier import FedexCarrier

from opsctl.tracking import DeliveryEstimate, ProblemKind
from opsctl.tracking import TrackingStatus as S

TRACK = "/track/v1/trackingnumbers"
TOKEN = "/oauth/token"
DELIVERED, MISSING, HELD = "794843185271", "770000000001", "781234567895"
CET = timezone(timedelta(hours=1))


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("FEDEX_CLIENT_ID", "fedex-api-key")
    monkeypatch.setenv("FEDEX_CLIENT_SECRET", "fedex-secret-key")
    with CarrierServer() as server:
        server.reply("POST", TOKEN, Reply.payload("fedex/token.json"))
        yield server


def fedex(server, **settings) -> FedexCarrier:
    base = {
        "client_id": "${FEDEX_CLIENT_ID}",
        "client_secret": "${FEDEX_CLIENT_SECRET}",
        "base_url": server.url,
        "rate_limit": "off",
    }
    return FedexCarrier.from_settings({**base, **settings}, timekeeper=FakeTime().timekeeper)


def echo_numbers(request) -> Reply:
    """Answer every requested number with a copy of the recorded delivered result."""
    template = payload_json("fedex/track_results.json")["output"]["completeTrackResults"][0]
    results = []
    for info in request.json()["trackingInfo"]:
        number = info["trackingNumberInfo"]["trackingNumber"]
        result = copy.deepcopy(template)
        result["trackingNumber"] = number
        results.append(result)
    return Reply.json({"transactionId": "t", "output": {"completeTrackResults": results}})


def test_one_request_answers_several_numbers_with_per_number_results(server):
    server.reply("POST", TRACK, Reply.payload("fedex/track_results.json"))
    result = fedex(server).track([DELIVERED, MISSING, HELD])

    delivered = result[DELIVERED]
    assert [(e.raw_code, e.status) for e in delivered.events] == [
        ("OC", S.PRE_TRANSIT),
        ("PU", S.PICKED_UP),
        ("AR", S.IN_TRANSIT),
        ("DP", S.IN_TRANSIT),
        ("AR", S.IN_TRANSIT),
        ("OD", S.OUT_FOR_DELIVERY),
        ("DL", S.DELIVERED),
    ]
    assert delivered.latest.occurred_at == datetime(
        2024, 3, 7, 10, 15, tzinfo=timezone(timedelta(hours=-5))
    )
    assert delivered.events[3].location == "MEMPHIS, TN, 38118, US"
    assert delivered.events[3].extra["derived_status_code"] == "IT"
    assert delivered.service == "FedEx Ground"

    assert result[MISSING].problem.kind == ProblemKind.NOT_FOUND
    assert result[MISSING].problem.message.startswith("TRACKING.TRACKINGNUMBER.NOTFOUND: ")

    held = result[HELD]
    assert [e.status for e in held.events] == [
        S.PICKED_UP,
        S.IN_TRANSIT,
        S.EXCEPTION,
        S.AVAILABLE_FOR_PICKUP,
    ]
    assert held.events[2].reason == "Import documentation required"
    assert held.events[2].extra["exception_code"] == "A6"
    assert held.estimated_delivery == DeliveryEstimate(
        date(2024, 3, 11),
        datetime(2024, 3, 11, 9, tzinfo=CET),
        datetime(2024, 3, 11, 18, tzinfo=CET),
    )

    assert len(server.requests("POST", TRACK)) == 1


def test_the_request_asks_for_detailed_scans_with_a_bearer_token(server):
    server.reply("POST", TRACK, Reply.payload("fedex/track_results.json"))
    fedex(server, locale="de_DE").track([DELIVERED])
    token_request = server.requests("POST", TOKEN)[0]
    assert token_request.form() == {
        "grant_type": ["client_credentials"],
        "client_id": ["fedex-api-key"],
        "client_secret": ["fedex-secret-key"],
    }
    request = server.requests("POST", TRACK)[0]
    assert request.headers["Authorization"] == "Bearer fedex-access-token-0001"
    assert request.headers["X-locale"] == "de_DE"
    assert request.json() == {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": DELIVERED}}],
    }


def test_45_numbers_go_in_two_requests_of_30_and_15_with_one_token(server):
    server.respond("POST", TRACK, echo_numbers)
    numbers = [f"7948431{n:05d}" for n in range(45)]
    result = fedex(server).track(numbers)

    batches = [len(r.json()["trackingInfo"]) for r in server.requests("POST", TRACK)]
    assert batches == [30, 15]
    assert [p.tracking_number for p in result] == numbers
    assert all(p.latest.status == S.DELIVERED for p in result)
    assert len(server.requests("POST", TOKEN)) == 1


def test_a_number_missing_from_the_answer_is_reported(server):
    server.reply("POST", TRACK, Reply.payload("fedex/track_results.json"))
    result = fedex(server).track([DELIVERED, "999999999999"])
    assert result["999999999999"].problem.kind == ProblemKind.UNREADABLE
    assert result[DELIVERED].problem is None


def test_an_unknown_code_is_reported_unmapped_not_guessed(server):
    server.reply("POST", TRACK, Reply.payload("fedex/unknown_code.json"))
    parcel = fedex(server).track(["794843185999"])["794843185999"]
    assert (parcel.latest.raw_code, parcel.latest.status) == ("ZQ", None)
    assert parcel.unmapped_codes == ("ZQ",)
    assert FedexCarrier().map_status("ZQ") is None


def test_an_expired_token_is_refreshed_once(server):
    expired = Reply.payload("fedex/unauthorized.json", status=401)
    server.reply("POST", TRACK, expired, Reply.payload("fedex/track_results.json"))
    result = fedex(server).track([DELIVERED])
    assert result[DELIVERED].problem is None
    assert len(server.requests("POST", TOKEN)) == 2


@pytest.mark.parametrize("entry", FedexCarrier.codes.entries(), ids=lambda e: e.code)
def test_each_documented_code_maps_to_its_status(entry):
    carrier = FedexCarrier()
    assert carrier.map_status(entry.code) is entry.status
    assert carrier.map_status(entry.code.lower()) is entry.status


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("OC", S.PRE_TRANSIT),
        ("PU", S.PICKED_UP),
        ("IT", S.IN_TRANSIT),
        ("OD", S.OUT_FOR_DELIVERY),
        ("HL", S.AVAILABLE_FOR_PICKUP),
        ("DE", S.EXCEPTION),
        ("CD", S.EXCEPTION),
        ("RS", S.RETURN_TO_SENDER),
        ("CA", S.CANCELLED),
        ("DL", S.DELIVERED),
    ],
)
def test_key_codes(code, status):
    assert FedexCarrier().map_status(code) is status
