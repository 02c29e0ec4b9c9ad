"""The shared HTTP client of carrier plugins, over real HTTP to a loopback server."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from email.utils import format_datetime

import pytest
from carrier_server import CarrierServer, FakeTime, Reply

from opsctl.errors import ConfigError, ServiceError
from opsctl.http import (
    Credential,
    HttpClient,
    HttpOptions,
    OAuthClientCredentials,
    RequestBudget,
    RequestBudgetExhausted,
    batched,
    public_endpoint,
    retry_after_seconds,
)

OK = Reply.json({"ok": True})


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with CarrierServer() as server:
        yield server


@pytest.fixture
def clock():
    return FakeTime()


def make_client(server, clock, **options) -> HttpClient:
    return HttpClient("acme", server.url, HttpOptions(**options), timekeeper=clock.timekeeper)


# -- retries ---------------------------------------------------------------------------


def test_a_success_is_returned_with_its_body(server, clock):
    server.reply("GET", "/track", OK)
    response = make_client(server, clock).request("GET", "/track", params={"n": "1"})
    assert response.status == 200
    assert response.json() == {"ok": True}
    assert server.requests()[0].query == {"n": ["1"]}
    assert server.requests()[0].headers["User-Agent"] == "opsctl"
    assert clock.sleeps == []


def test_server_errors_are_retried_with_exponential_backoff_and_jitter(server, clock):
    server.reply("GET", "/track", Reply(500), Reply(502), Reply(504), OK)
    response = make_client(server, clock, backoff=0.5).request("GET", "/track")
    assert response.status == 200
    assert len(server.requests()) == 4
    # "equal jitter" with the random draw fixed at 0.5: 3/4 of 0.5, 1 and 2 seconds
    assert clock.sleeps == [0.375, 0.75, 1.5]


def test_backoff_is_capped(server, clock):
    server.reply("GET", "/track", Reply(503), Reply(503), OK)
    make_client(server, clock, backoff=10, backoff_max=4).request("GET", "/track")
    assert clock.sleeps == [3.0, 3.0]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured_exactly(server, clock, status):
    server.reply("GET", "/track", Reply(status, headers={"Retry-After": "7"}), OK)
    assert make_client(server, clock).request("GET", "/track").status == 200
    assert clock.sleeps == [7.0]


def test_retry_after_as_an_http_date_is_honoured(server, clock):
    when = format_datetime(clock.now() + timedelta(seconds=30), usegmt=True)
    server.reply("GET", "/track", Reply(429, headers={"Retry-After": when}), OK)
    make_client(server, clock).request("GET", "/track")
    assert clock.sleeps == [30.0]


def test_a_retry_after_longer_than_allowed_stops_with_a_clear_error(server, clock):
    server.reply("GET", "/track", Reply(429, headers={"Retry-After": "3600"}))
    with pytest.raises(ServiceError) as caught:
        make_client(server, clock, retry_after_max=60).request("GET", "/track")
    assert "asks to wait 3600 s, longer than the 60 s allowed" in str(caught.value)
    assert "[plugins.acme] retry_after_max" in str(caught.value)
    assert clock.sleeps == []


def test_408_is_retried(server, clock):
    server.reply("GET", "/track", Reply(408), OK)
    assert make_client(server, clock).request("GET", "/track").status == 200


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_client_errors_are_not_retried(server, clock, status):
    server.reply("GET", "/track", Reply.json({"detail": "nope"}, status=status))
    with pytest.raises(ServiceError) as caught:
        make_client(server, clock).request("GET", "/track")
    assert len(server.requests()) == 1
    assert f"HTTP {status}" in str(caught.value)
    assert "(nope)" in str(caught.value)


def test_an_expected_error_status_is_an_answer_not_a_failure(server, clock):
    server.reply("GET", "/track", Reply.json({"detail": "no such parcel"}, status=404))
    response = make_client(server, clock).request("GET", "/track", expect={200, 404})
    assert response.status == 404
    assert response.error_detail() == "no such parcel"


def test_exhausted_retries_name_carrier_endpoint_and_status_in_one_line(server, clock):
    server.reply("GET", "/track/shipments", Reply(503))
    with pytest.raises(ServiceError) as caught:
        make_client(server, clock, max_attempts=3).request(
            "GET", "/track/shipments", params={"trackingNumber": "123"}
        )
    message = str(caught.value)
    assert message == (
        f"acme: GET {server.url}/track/shipments failed: HTTP 503 Service Unavailable "
        "after 3 attempts"
    )
    assert "\n" not in message
    assert len(server.requests()) == 3


def test_unauthorised_errors_point_at_the_credentials(server, clock):
    server.reply("GET", "/track", Reply.json({"title": "Unauthorized"}, status=401))
    with pytest.raises(ServiceError, match=r"check the credentials in \[plugins.acme\]"):
        make_client(server, clock).request("GET", "/track")


# -- transport failures ---------------------------------------------------------------


def test_a_timeout_is_retried_then_reported(server, clock):
    server.reply("GET", "/slow", Reply.json({"late": True}, delay=0.6))
    client = make_client(server, clock, read_timeout=0.15, max_attempts=2)
    with pytest.raises(ServiceError) as caught:
        client.request("GET", "/slow")
    assert str(caught.value) == (
        f"acme: GET {server.url}/slow failed after 2 attempts: timed out (read timeout of 0.15 s)"
    )
    assert len(server.requests()) == 2
    assert len(clock.sleeps) == 1


def test_a_refused_connection_is_retried_then_reported(clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = HttpClient(
        "acme", f"http://127.0.0.1:{port}", HttpOptions(max_attempts=2), timekeeper=clock.timekeeper
    )
    with pytest.raises(ServiceError, match=r"acme: GET http://127.0.0.1:\d+/x failed after 2 "):
        client.request("GET", "/x")
    assert len(clock.sleeps) == 1


def test_truncated_json_is_a_service_error(server, clock):
    server.reply("GET", "/track", Reply.truncated("dhl/parcel_de_delivered.json"))
    response = make_client(server, clock).request("GET", "/track")
    with pytest.raises(ServiceError) as caught:
        response.json()
    assert str(caught.value).startswith(f"acme: GET {server.url}/track returned invalid JSON (")
    assert "may be truncated" in str(caught.value)


def test_an_empty_body_is_a_service_error(server, clock):
    server.reply("GET", "/track", Reply(200, b""))
    with pytest.raises(ServiceError, match="empty body"):
        make_client(server, clock).request("GET", "/track").json()


# -- rate limit and budget ----------------------------------------------------------------


def test_the_rate_limit_spaces_requests(server, clock):
    server.reply("GET", "/track", OK)
    client = make_client(server, clock, rate_limit=2.0)
    for _ in range(3):
        client.request("GET", "/track")
    assert clock.sleeps == [0.5, 0.5]


def test_the_rate_limit_does_not_wait_when_requests_are_far_apart(server, clock):
    server.reply("GET", "/track", OK)
    client = make_client(server, clock, rate_limit=1.0)
    client.request("GET", "/track")
    clock.advance(5)
    client.request("GET", "/track")
    assert clock.sleeps == []


def test_the_request_budget_stops_the_run_before_sending(server, clock):
    server.reply("GET", "/track", OK)
    client = make_client(server, clock, request_budget=2)
    client.request("GET", "/track")
    client.request("GET", "/track")
    with pytest.raises(RequestBudgetExhausted) as caught:
        client.request("GET", "/track")
    assert len(server.requests()) == 2
    assert str(caught.value) == (
        f"acme: request budget of 2 requests for this run is used up before GET "
        f"{server.url}/track; raise [plugins.acme] request_budget to allow more"
    )
    assert isinstance(caught.value, ServiceError)


def test_retries_count_against_the_budget(server, clock):
    server.reply("GET", "/track", Reply(500))
    with pytest.raises(RequestBudgetExhausted):
        make_client(server, clock, request_budget=2, max_attempts=5).request("GET", "/track")
    assert len(server.requests()) == 2


def test_a_shared_budget_is_pooled_between_clients(server, clock):
    server.reply("GET", "/track", OK)
    budget = RequestBudget(1)
    first = HttpClient("one", server.url, timekeeper=clock.timekeeper, budget=budget)
    second = HttpClient("two", server.url, timekeeper=clock.timekeeper, budget=budget)
    first.request("GET", "/track")
    with pytest.raises(RequestBudgetExhausted, match=r"^two: "):
        second.request("GET", "/track")


# -- secrets -------------------------------------------------------------------------------


def test_secret_headers_are_redacted_in_debug_logs_and_secrets_scrubbed(server, clock, caplog):
    echo = Reply.json({"detail": "key s3cr3t-key-value is not valid"}, status=403)
    server.reply("GET", "/track", echo)
    client = make_client(server, clock)
    key = client.reveal(Credential("plugins.acme.api_key", "s3cr3t-key-value", example="K"))
    with caplog.at_level(logging.DEBUG, logger="opsctl.http"), pytest.raises(ServiceError) as err:
        client.request("GET", "/track", headers={"DHL-API-Key": key, "X-Trace": "t1"})
    assert server.requests()[0].headers["DHL-API-Key"] == "s3cr3t-key-value"
    assert "s3cr3t-key-value" not in caplog.text
    assert "'DHL-API-Key': '***'" in caplog.text
    assert "'X-Trace': 't1'" in caplog.text
    assert "s3cr3t-key-value" not in str(err.value)
    assert "key *** is not valid" in str(err.value)


def test_endpoints_in_messages_drop_query_strings_and_user_info():
    url = "https://user:pw@api.example.com:8443/track?trackingNumber=1&apikey=secret"
    assert public_endpoint("GET", url) == "GET https://api.example.com:8443/track"


def test_a_credential_resolves_its_environment_reference_at_use(monkeypatch):
    credential = Credential("plugins.dhl.api_key", "${DHL_API_KEY}", example="DHL_API_KEY")
    monkeypatch.setenv("DHL_API_KEY", "from-the-environment")
    assert credential.reveal() == "from-the-environment"
    assert "from-the-environment" not in repr(credential)


def test_a_missing_credential_says_which_key_to_set():
    credential = Credential("plugins.dhl.api_key", None, example="DHL_API_KEY")
    with pytest.raises(ConfigError) as caught:
        credential.reveal()
    assert str(caught.value) == (
        'plugins.dhl.api_key: is not set: add api_key = "${DHL_API_KEY}" to [plugins.dhl]'
    )


def test_an_unset_environment_variable_is_named(monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    credential = Credential("plugins.ups.client_id", "${NOT_SET_ANYWHERE}", example="X")
    with pytest.raises(
        ConfigError,
        match=r"plugins\.ups\.client_id: environment variable "
        r"NOT_SET_ANYWHERE is not set",
    ):
        credential.reveal()


def test_a_custom_resolver_is_used():
    seen = []

    def resolve(key, raw):
        seen.append((key, raw))
        return "resolved"

    credential = Credential("plugins.fedex.client_secret", "${X}", example="X", resolve=resolve)
    assert credential.reveal() == "resolved"
    assert seen == [("plugins.fedex.client_secret", "${X}")]


# -- OAuth ----------------------------------------------------------------------------------


def oauth(server, clock, **kwargs) -> OAuthClientCredentials:
    client = make_client(server, clock)
    return OAuthClientCredentials(
        client,
        "/oauth/token",
        Credential("plugins.acme.client_id", "the-id", example="ID"),
        Credential("plugins.acme.client_secret", "the-secret", example="SECRET"),
        **kwargs,
    )


def test_the_token_is_fetched_once_and_reused(server, clock):
    server.reply("POST", "/oauth/token", Reply.json({"access_token": "tok-1", "expires_in": 3600}))
    server.reply("GET", "/track", OK)
    auth = oauth(server, clock)
    auth.request("GET", "/track")
    auth.request("GET", "/track")
    assert len(server.requests("POST", "/oauth/token")) == 1
    assert [r.headers["Authorization"] for r in server.requests("GET")] == ["Bearer tok-1"] * 2


def test_the_token_is_refreshed_before_it_expires(server, clock):
    server.reply(
        "POST",
        "/oauth/token",
        Reply.json({"access_token": "tok-1", "expires_in": "600"}),
        Reply.json({"access_token": "tok-2", "expires_in": "600"}),
    )
    server.reply("GET", "/track", OK)
    auth = oauth(server, clock)
    auth.request("GET", "/track")
    clock.advance(539)
    auth.request("GET", "/track")
    clock.advance(2)  # within the 60 s refresh margin
    auth.request("GET", "/track")
    tokens = [r.headers["Authorization"] for r in server.requests("GET")]
    assert tokens == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_a_401_refreshes_the_token_once(server, clock):
    server.reply(
        "POST",
        "/oauth/token",
        Reply.json({"access_token": "old"}),
        Reply.json({"access_token": "new"}),
    )
    server.reply("GET", "/track", Reply(401), OK)
    assert oauth(server, clock).request("GET", "/track").status == 200
    assert [r.headers["Authorization"] for r in server.requests("GET")] == [
        "Bearer old",
        "Bearer new",
    ]


@pytest.mark.parametrize(
    ("style", "check"),
    [
        (
            "basic",
            lambda r: (
                r.headers["Authorization"].startswith("Basic ")
                and r.form() == {"grant_type": ["client_credentials"]}
            ),
        ),
        (
            "form",
            lambda r: (
                r.form()
                == {
                    "grant_type": ["client_credentials"],
                    "client_id": ["the-id"],
                    "client_secret": ["the-secret"],
                }
            ),
        ),
        (
            "json",
            lambda r: (
                r.json()
                == {
                    "grant_type": "client_credentials",
                    "client_id": "the-id",
                    "client_secret": "the-secret",
                }
            ),
        ),
    ],
)
def test_client_credentials_travel_as_the_carrier_expects(server, clock, style, check):
    server.reply("POST", "/oauth/token", Reply.json({"access_token": "tok"}))
    assert oauth(server, clock, send_credentials=style).token() == "tok"
    assert check(server.requests("POST")[0])


def test_a_rejected_token_request_is_a_clear_error_without_secrets(server, clock):
    server.reply(
        "POST",
        "/oauth/token",
        Reply.json({"error": "invalid_client", "error_description": "bad client"}, status=401),
    )
    with pytest.raises(ServiceError) as caught:
        oauth(server, clock).token()
    message = str(caught.value)
    assert message == (
        f"acme: OAuth token request POST {server.url}/oauth/token was rejected: HTTP 401 "
        "(bad client); check plugins.acme.client_id and plugins.acme.client_secret"
    )
    assert "the-secret" not in message


def test_a_token_answer_without_a_token_is_an_error(server, clock):
    server.reply("POST", "/oauth/token", Reply.json({"token_type": "bearer"}))
    with pytest.raises(ServiceError, match="has no access_token"):
        oauth(server, clock).token()


# -- helpers ----------------------------------------------------------------------------------


def test_batched_splits_in_order():
    assert list(batched(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 30)) == []


def test_retry_after_parsing(clock):
    now = clock.now()
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=5), usegmt=True), now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_http_options_come_from_plugin_settings():
    options = HttpOptions().with_settings(
        "dhl",
        {
            "timeout": "2.5",
            "connect_timeout": 1,
            "max_retries": 0,
            "rate_limit": "0.5",
            "request_budget": "40",
            "retry_after_max": 10,
        },
    )
    assert (options.read_timeout, options.connect_timeout, options.max_attempts) == (2.5, 1, 1)
    assert (options.rate_limit, options.request_budget, options.retry_after_max) == (0.5, 40, 10)
    assert HttpOptions(rate_limit=1).with_settings("x", {"rate_limit": "off"}).rate_limit is None


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("timeout", "0", "a number greater than 0"),
        ("timeout", "soon", "a number greater than 0"),
        ("max_retries", "-1", "a whole number of 0 or more"),
        ("request_budget", "0", "a whole number of 1 or more"),
        ("backoff", True, "a number of 0 or more"),
    ],
)
def test_bad_http_settings_name_the_key(key, value, expected):
    with pytest.raises(ConfigError) as caught:
        HttpOptions().with_settings("ups", {key: value})
    assert str(caught.value) == f"plugins.ups.{key}: {value!r} is not {expected}"
