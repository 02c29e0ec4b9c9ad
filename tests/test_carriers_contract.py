"""What every carrier plugin guarantees, checked for each over real HTTP.

Each carrier talks to a loopback :class:`CarrierServer` replaying recorded
answers of its API. Credentials are ``${ENV_VAR}`` references resolved at use.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from carrier_server import CarrierServer, FakeTime, Reply
from opsctl_dhl.carrier import DhlCarrier
from opsctl_fedex.carrier import FedexCarrier
from opsctl_ups.carrier import UpsCarrier
from opsctl_usps.carrier import UspsCarrier

from opsctl.errors import ConfigError, ServiceError
from opsctl.http import RequestBudgetExhausted
from opsctl.tracking import Carrier, TrackResult

SECRET = "sup3r-secret-value"
CREDENTIALS = {
    "api_key": "${CARRIER_TEST_SECRET}",
    "client_id": "${CARRIER_TEST_ID}",
    "client_secret": "${CARRIER_TEST_SECRET}",
}


@dataclass(frozen=True)
class Harness:
    """How to talk to one carrier through the loopback server."""

    carrier: type
    number: str
    payload: str
    method: str
    path: str
    token_path: str | None = None

    @property
    def name(self) -> str:
        return self.carrier.name

    def make(self, server: CarrierServer, clock: FakeTime, **settings) -> Carrier:
        """The carrier as opsctl makes it: registered unconfigured, then configured."""
        base = {**CREDENTIALS, "base_url": server.url, "rate_limit": "off", **settings}
        registered = self.carrier(timekeeper=clock.timekeeper)
        return registered.configure(base)

    def script(self, server: CarrierServer, *replies: Reply) -> None:
        if self.token_path:
            server.reply("POST", self.token_path, Reply.payload(f"{self.name}/token.json"))
        server.reply(self.method, self.path, *replies)

    def tracking_requests(self, server: CarrierServer) -> list:
        return server.requests(self.method, self.path)


HARNESSES = [
    Harness(
        DhlCarrier,
        "00340434161094042557",
        "dhl/parcel_de_delivered.json",
        "GET",
        "/track/shipments",
    ),
    Harness(
        UpsCarrier,
        "1Z12345E0205271688",
        "ups/delivered.json",
        "GET",
        "/api/track/v1/details/1Z12345E0205271688",
        "/security/v1/oauth/token",
    ),
    Harness(
        FedexCarrier,
        "794843185271",
        "fedex/track_results.json",
        "POST",
        "/track/v1/trackingnumbers",
        "/oauth/token",
    ),
    Harness(
        UspsCarrier,
        "9400111899223033005282",
        "usps/delivered.json",
        "GET",
        "/tracking/v3/tracking/9400111899223033005282",
        "/oauth2/v3/token",
    ),
]

OAUTH_HARNESSES = [h for h in HARNESSES if h.token_path]


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def harness(request) -> Harness:
    return request.param


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("CARRIER_TEST_SECRET", SECRET)
    monkeypatch.setenv("CARRIER_TEST_ID", "client-id-123")
    with CarrierServer() as server:
        yield server


@pytest.fixture
def clock():
    return FakeTime()


def test_a_registered_carrier_follows_the_protocol(harness):
    carrier = harness.carrier()
    assert isinstance(carrier, Carrier)
    assert carrier.name == harness.name
    assert len(carrier.known_codes()) > 0


def test_a_normal_answer_becomes_timezone_aware_events_oldest_first(harness, server, clock):
    harness.script(server, Reply.payload(harness.payload))
    result = harness.make(server, clock).track([harness.number])
    assert isinstance(result, TrackResult)
    assert result.carrier == harness.name
    parcel = result[harness.number]
    assert parcel.problem is None
    assert len(parcel.events) >= 4
    assert all(e.occurred_at.tzinfo is not None for e in parcel.events)
    assert [e.occurred_at for e in parcel.events] == sorted(e.occurred_at for e in parcel.events)
    assert all(e.carrier == harness.name and e.raw_code for e in parcel.events)
    assert all(e.status is not None for e in parcel.events)
    assert parcel.latest.status == "delivered"


def test_bad_credentials_are_a_clear_service_error_without_secrets(harness, server, clock):
    harness.script(server, Reply.payload(f"{harness.name}/unauthorized.json", status=401))
    with pytest.raises(ServiceError) as caught:
        harness.make(server, clock).track([harness.number])
    message = str(caught.value)
    assert message.startswith(f"{harness.name}: {harness.method} {server.url}{harness.path} ")
    assert "HTTP 401" in message
    assert f"check the credentials in [plugins.{harness.name}]" in message
    assert SECRET not in message and "access-token" not in message
    assert "\n" not in message


@pytest.mark.parametrize("harness", OAUTH_HARNESSES, ids=lambda h: h.name)
def test_a_rejected_token_request_is_a_clear_service_error(harness, server, clock):
    server.reply(
        "POST", harness.token_path, Reply.payload(f"{harness.name}/token_rejected.json", status=401)
    )
    with pytest.raises(ServiceError) as caught:
        harness.make(server, clock).track([harness.number])
    message = str(caught.value)
    assert message.startswith(
        f"{harness.name}: OAuth token request POST {server.url}"
        f"{harness.token_path} was rejected: HTTP 401"
    )
    assert SECRET not in message
    assert harness.tracking_requests(server) == []


def test_429_is_retried_after_the_wait_the_carrier_asks_for(harness, server, clock):
    limited = Reply.json({"detail": "Too many requests"}, status=429, headers={"Retry-After": "9"})
    harness.script(server, limited, Reply.payload(harness.payload))
    result = harness.make(server, clock).track([harness.number])
    assert result[harness.number].problem is None
    assert clock.sleeps == [9.0]
    assert len(harness.tracking_requests(server)) == 2


def test_a_server_error_then_success_is_retried(harness, server, clock):
    harness.script(server, Reply(500), Reply.payload(harness.payload))
    result = harness.make(server, clock, backoff="1").track([harness.number])
    assert result[harness.number].events
    assert clock.sleeps == [0.75]


def test_a_timeout_is_retried_then_a_service_error(harness, server, clock):
    harness.script(server, Reply.payload(harness.payload, delay=0.6))
    carrier = harness.make(server, clock, timeout="0.15", max_retries="1")
    with pytest.raises(ServiceError) as caught:
        carrier.track([harness.number])
    assert "failed after 2 attempts: timed out (read timeout of 0.15 s)" in str(caught.value)
    assert len(harness.tracking_requests(server)) == 2


def test_truncated_json_is_a_service_error(harness, server, clock):
    harness.script(server, Reply.truncated(harness.payload))
    with pytest.raises(ServiceError, match=f"^{harness.name}: .* returned invalid JSON"):
        harness.make(server, clock).track([harness.number])


def test_the_request_budget_stops_the_run_with_a_clear_error(harness, server, clock):
    harness.script(server, Reply.payload(harness.payload))
    budget = 2 if harness.token_path else 1  # the token request counts too
    carrier = harness.make(server, clock, request_budget=str(budget))
    with pytest.raises(RequestBudgetExhausted) as caught:
        carrier.track([harness.number])
        carrier.track(["another-number"])
    assert f"{harness.name}: request budget of {budget} requests" in str(caught.value)
    assert f"[plugins.{harness.name}] request_budget" in str(caught.value)


def test_the_rate_limit_setting_spaces_requests(harness, server, clock):
    harness.script(server, Reply.payload(harness.payload))
    carrier = harness.make(server, clock, rate_limit="4")
    carrier.track([harness.number])
    carrier.track([harness.number])
    requests = len(server.requests())
    assert clock.sleeps == [0.25] * (requests - 1)


def test_tracking_nothing_sends_nothing(harness, server, clock):
    assert len(harness.make(server, clock).track(["", "  "])) == 0
    assert server.requests() == []


def test_missing_credentials_are_a_config_error_before_any_request(harness, server, clock):
    carrier = harness.carrier(timekeeper=clock.timekeeper).configure({"base_url": server.url})
    with pytest.raises(ConfigError) as caught:
        carrier.track([harness.number])
    assert f"plugins.{harness.name}." in str(caught.value)
    assert "is not set: add" in str(caught.value)
    assert server.requests() == []


def test_a_failing_carrier_does_not_stop_the_others(server, clock):
    """The caller's pattern: one ServiceError per carrier, the rest still tracked."""
    for harness in HARNESSES:
        if harness.name == "ups":
            harness.script(server, Reply(503))
        else:
            harness.script(server, Reply.payload(harness.payload))
    results: dict[str, TrackResult] = {}
    failures: dict[str, str] = {}
    for harness in HARNESSES:
        try:
            results[harness.name] = harness.make(server, clock, max_retries="1").track(
                [harness.number]
            )
        except ServiceError as exc:
            failures[harness.name] = str(exc)
    assert sorted(results) == ["dhl", "fedex", "usps"]
    assert list(failures) == ["ups"]
    assert "HTTP 503" in failures["ups"]
