"""The HTTP client that carrier plugins share.

One :class:`HttpClient` per carrier and run gives every request:

* connect and read timeouts;
* retries with exponential backoff and jitter on connection errors, timeouts
  and HTTP 408/429/500/502/503/504; a ``Retry-After`` header (seconds or an
  HTTP date) on 429/503 is honoured exactly, up to ``retry_after_max``; other
  4xx answers are never retried;
* a rate limit (requests per second, token bucket) and a request budget for the
  run: when the budget is used up the client stops with a clear error;
* one-line :class:`~opsctl.errors.ServiceError` messages naming the carrier, the
  endpoint (never its query string or a secret) and the status or cause.

:class:`OAuthClientCredentials` fetches a client-credentials bearer token once
and reuses it until shortly before it expires. :class:`Credential` holds a
secret setting that is resolved from ``${ENV_VAR}`` only when first used and is
never shown: headers that carry secrets are redacted in debug logs, and
revealed secret values are scrubbed from every message.

The HTTP library (``requests``, on ``urllib3``) is imported on first use, so
importing this module costs nothing. Time goes through a :class:`Timekeeper`,
which tests replace to make retries and rate limits instant and observable.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from opsctl.errors import ConfigError, ServiceError

log = logging.getLogger("opsctl.http")

#: Answers worth another try: the request may succeed later as it is.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Answers whose ``Retry-After`` header says when to try again.
RETRY_AFTER_STATUSES = frozenset({429, 503})
SUCCESS = frozenset(range(200, 300))
#: Header names whose values are secrets (redacted in logs).
SENSITIVE_HEADER = re.compile(r"authorization|api[-_]?key|secret|token|password|cookie", re.I)
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
REDACTED = "***"

#: ``resolve(dotted_key, raw_value) -> value``: turns ``${ENV_VAR}`` references into secrets.
SecretResolver = Callable[[str, str], str]

T = TypeVar("T")


# -- time -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timekeeper:
    """The clocks, sleep and randomness the client uses; tests pass fakes."""

    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    random: Callable[[], float] = random.random


# -- settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpOptions:
    """How a carrier's client behaves; each field has a ``[plugins.<name>]`` setting.

    ============================  ===================  =====================================
    field                         setting              meaning
    ============================  ===================  =====================================
    ``connect_timeout``           ``connect_timeout``  seconds to open a connection
    ``read_timeout``              ``timeout``          seconds to wait for the answer
    ``max_attempts``              ``max_retries``      retries after the first try (+1)
    ``backoff``                   ``backoff``          first retry delay; doubles each time
    ``backoff_max``               ``backoff_max``      longest delay between retries
    ``retry_after_max``           ``retry_after_max``  longest ``Retry-After`` honoured
    ``rate_limit``                ``rate_limit``       requests per second (none: no limit)
    ``request_budget``            ``request_budget``   requests per run (none: no limit)
    ============================  ===================  =====================================
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    rate_limit: float | None = None
    request_budget: int | None = None

    def with_settings(self, plugin: str, settings: Mapping[str, Any]) -> HttpOptions:
        """These options overridden by the settings of ``[plugins.<plugin>]``."""
        read = _SettingsReader(plugin, settings)
        retries = read.integer("max_retries", None, minimum=0)
        return replace(
            self,
            connect_timeout=read.number("connect_timeout", self.connect_timeout, positive=True),
            read_timeout=read.number("timeout", self.read_timeout, positive=True),
            max_attempts=self.max_attempts if retries is None else retries + 1,
            backoff=read.number("backoff", self.backoff),
            backoff_max=read.number("backoff_max", self.backoff_max),
            retry_after_max=read.number("retry_after_max", self.retry_after_max),
            rate_limit=read.number("rate_limit", self.rate_limit, positive=True, allow_none=True),
            request_budget=read.integer("request_budget", self.request_budget, minimum=1),
        )


#: Setting values that switch a limit off (``rate_limit = "off"``).
NO_LIMIT = ("", "none", "off")


class _SettingsReader:
    """Numbers from a plugin's settings, with errors that name the key."""

    def __init__(self, plugin: str, settings: Mapping[str, Any]) -> None:
        self.plugin, self.settings = plugin, settings

    def _error(self, key: str, value: Any, expected: str) -> ConfigError:
        return ConfigError(f"{value!r} is not {expected}", key=f"plugins.{self.plugin}.{key}")

    def number(
        self, key: str, default: Any, *, positive: bool = False, allow_none: bool = False
    ) -> Any:
        value = self.settings.get(key)
        if value is None:
            return default
        if allow_none and value in NO_LIMIT:
            return None
        expected = "a number greater than 0" if positive else "a number of 0 or more"
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self._error(key, value, expected) from None
        if isinstance(value, bool) or number < 0 or (positive and number == 0):
            raise self._error(key, value, expected)
        return number

    def integer(self, key: str, default: int | None, *, minimum: int) -> int | None:
        value = self.settings.get(key)
        if value is None:
            return default
        if value in NO_LIMIT:
            return None
        try:
            number = int(str(value))
        except ValueError:
            number = minimum - 1
        if isinstance(value, bool) or number < minimum:
            raise self._error(key, value, f"a whole number of {minimum} or more")
        return number


def setting_text(settings: Mapping[str, Any], key: str, default: str) -> str:
    """A plain (non-secret) text setting, or ``default`` when absent or empty."""
    value = settings.get(key)
    return str(value) if value not in (None, "") else default


# -- secrets --------------------------------------------------------------------------


def resolve_from_environment(key: str, raw: str) -> str:
    """The default :data:`SecretResolver`: ``${VAR}`` references read from the environment."""

    def substitute(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in os.environ:
            raise ConfigError(f"environment variable {variable} is not set", key=key)
        return os.environ[variable]

    return ENV_REFERENCE.sub(substitute, raw)


class Credential:
    """A secret setting: resolved when first used, never printed.

    ``key`` is the dotted config key (``plugins.dhl.api_key``) used in errors;
    ``example`` is the environment variable suggested when the key is missing.
    """

    def __init__(
        self,
        key: str,
        raw: Any,
        *,
        example: str,
        resolve: SecretResolver | None = None,
    ) -> None:
        self.key, self.example = key, example
        self._raw = None if raw in (None, "") else str(raw)
        self._resolve = resolve or resolve_from_environment
        self._value: str | None = None

    @classmethod
    def from_settings(
        cls,
        plugin: str,
        settings: Mapping[str, Any],
        name: str,
        *,
        example: str,
        resolve: SecretResolver | None = None,
    ) -> Credential:
        return cls(f"plugins.{plugin}.{name}", settings.get(name), example=example, resolve=resolve)

    @classmethod
    def wrap(cls, value: str | Credential | None, key: str, *, example: str) -> Credential:
        """``value`` itself when it is a Credential, else a Credential holding it."""
        return value if isinstance(value, Credential) else cls(key, value, example=example)

    @property
    def configured(self) -> bool:
        return self._raw is not None

    def reveal(self) -> str:
        """The secret itself; a :class:`ConfigError` when it is missing or its variable unset."""
        if self._value is None:
            if self._raw is None:
                section, name = self.key.rsplit(".", 1)
                raise ConfigError(
                    f'is not set: add {name} = "${{{self.example}}}" to [{section}]', key=self.key
                )
            value = self._resolve(self.key, self._raw)
            if not value:
                raise ConfigError("is empty", key=self.key)
            self._value = value
        return self._value

    def __repr__(self) -> str:
        return f"Credential({self.key!r}, {REDACTED})"


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers fit for a log: the values of secret-bearing headers replaced by ``***``."""
    return {
        name: REDACTED if SENSITIVE_HEADER.search(name) else value
        for name, value in headers.items()
    }


def public_endpoint(method: str, url: str) -> str:
    """``METHOD scheme://host/path``: the query string and any user info left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{method} {urlunsplit((parts.scheme, host, parts.path, '', ''))}"


# -- rate limit and budget ------------------------------------------------------------


class RateLimiter:
    """A token bucket of ``burst`` requests refilled at ``rate`` per second.

    Implemented as a virtual schedule (GCRA): each request is given the earliest
    moment it may go, and the caller sleeps until then. No loop: one computed
    wait per request, so a fake clock cannot make it spin.
    """

    def __init__(self, rate: float, timekeeper: Timekeeper, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.timekeeper = timekeeper
        self._next: float | None = None

    def acquire(self) -> float:
        """Wait until a request may go; returns the seconds waited."""
        now = self.timekeeper.monotonic()
        theoretical = now if self._next is None else max(self._next, now)
        wait = theoretical - self.tolerance - now
        if wait > 0:
            self.timekeeper.sleep(wait)
        else:
            wait = 0.0
        self._next = theoretical + self.interval
        return wait


class RequestBudgetExhausted(ServiceError):
    """The run has made as many requests to a carrier as its budget allows."""


class RequestBudget:
    """How many requests a run may still make (``None``: unlimited). Share one to pool it."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.spent = 0

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self.spent

    def spend(self, carrier: str, endpoint: str) -> None:
        """Count one request, or raise :class:`RequestBudgetExhausted` before it is sent."""
        if self.limit is not None and self.spent >= self.limit:
            raise RequestBudgetExhausted(
                f"{carrier}: request budget of {self.limit} requests for this run is used up "
                f"before {endpoint}; raise [plugins.{carrier}] request_budget to allow more"
            )
        self.spent += 1


# -- responses ------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResponse:
    """A finished HTTP exchange: status, headers and the body as bytes."""

    carrier: str
    endpoint: str
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    scrub: Callable[[str], str] = field(default=lambda text: text, repr=False, compare=False)

    def json(self) -> Any:
        """The body parsed as JSON; a :class:`ServiceError` when it is empty or invalid."""
        if not self.body.strip():
            raise ServiceError(
                f"{self.carrier}: {self.endpoint} returned an empty body where JSON was expected"
            )
        try:
            return json.loads(self.body)
        except UnicodeDecodeError as exc:
            raise ServiceError(
                f"{self.carrier}: {self.endpoint} returned a body that is not UTF-8 JSON ({exc})"
            ) from None
        except json.JSONDecodeError as exc:
            raise ServiceError(
                f"{self.carrier}: {self.endpoint} returned invalid JSON ({exc.msg} at byte "
                f"{exc.pos} of {len(self.body)}); the response may be truncated"
            ) from None

    def json_or_none(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is not JSON (for error bodies)."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def error_detail(self) -> str | None:
        """The carrier's own error message from a JSON error body, scrubbed and shortened."""
        detail = carrier_error_message(self.json_or_none())
        if not detail:
            return None
        detail = " ".join(self.scrub(detail).split())
        return detail if len(detail) <= 200 else detail[:197] + "..."


def carrier_error_message(document: Any) -> str | None:
    """The human message in the error shapes carriers use.

    RFC 7807 (``detail``/``title``, DHL), ``errors[].message`` (FedEx),
    ``response.errors[].message`` (UPS), ``error.message`` (USPS).
    """
    if not isinstance(document, dict):
        return None
    for holder in (document, document.get("response"), document.get("error")):
        if not isinstance(holder, dict):
            continue
        errors = holder.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            message = first.get("message") or first.get("detail") or first.get("title")
            if message:
                code = first.get("code")
                return f"{code}: {message}" if code else str(message)
        for key in ("detail", "message", "title", "error_description"):
            value = holder.get(key)
            if isinstance(value, str) and value:
                return value
    return None


# -- the client -----------------------------------------------------------------------


class _TransportFailure(Exception):
    """No HTTP answer: connection refused or reset, or a timeout."""


class HttpClient:
    """Requests to one carrier's API, with the policies described in this module."""

    def __init__(
        self,
        carrier: str,
        base_url: str,
        options: HttpOptions | None = None,
        *,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = "opsctl",
    ) -> None:
        import requests  # imported on first use: opsctl --help must stay light

        self.carrier = carrier
        self.base_url = base_url.rstrip("/")
        self.options = options or HttpOptions()
        self.timekeeper = timekeeper or Timekeeper()
        self.budget = budget or RequestBudget(self.options.request_budget)
        self.limiter = (
            RateLimiter(self.options.rate_limit, self.timekeeper)
            if self.options.rate_limit
            else None
        )
        self._secrets: set[str] = set()
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        self._session.headers.update(headers or {})

    # -- secrets ----------------------------------------------------------------

    def reveal(self, credential: Credential) -> str:
        """The secret of ``credential``, remembered so that no message ever shows it."""
        return self.protect(credential.reveal())

    def protect(self, secret: str) -> str:
        """Remember ``secret`` (e.g. an access token) so that :meth:`scrub` hides it."""
        self._secrets.add(secret)
        return secret

    def scrub(self, text: str) -> str:
        """``text`` with every secret this client has used replaced by ``***``."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    # -- requests ---------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
        expect: Collection[int] = SUCCESS,
    ) -> HttpResponse:
        """Send a request, retrying what is worth retrying.

        Returns the response when its status is in ``expect`` (2xx by default;
        callers add e.g. 404 when "not found" is an answer, not a failure).
        Any other outcome raises :class:`ServiceError`.
        """
        url = self.url(path)
        endpoint = public_endpoint(method, url)
        attempts = self.options.max_attempts
        for attempt in range(1, attempts + 1):
            self.budget.spend(self.carrier, endpoint)
            if self.limiter:
                self.limiter.acquire()
            log.debug(
                "%s: %s (attempt %d/%d) headers=%s",
                self.carrier,
                endpoint,
                attempt,
                attempts,
                redact_headers({**self._session.headers, **(headers or {})}),
            )
            try:
                response = self._send(
                    method, url, endpoint, params, headers, json_body, form, basic_auth
                )
            except _TransportFailure as failure:
                cause = self.scrub(str(failure))
                if attempt == attempts:
                    raise ServiceError(
                        f"{self.carrier}: {endpoint} failed after {attempt} "
                        f"attempt{'s' if attempt > 1 else ''}: {cause}"
                    ) from None
                self._wait(self._backoff(attempt), endpoint, cause)
                continue
            if response.status in RETRYABLE_STATUSES and attempt < attempts:
                self._wait(
                    self._retry_delay(response, attempt), endpoint, f"HTTP {response.status}"
                )
                continue
            if response.status in expect:
                return response
            raise self._status_error(response, attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(
        self,
        method: str,
        url: str,
        endpoint: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        json_body: Any,
        form: Mapping[str, str] | None,
        basic_auth: tuple[str, str] | None,
    ) -> HttpResponse:
        import requests

        try:
            raw = self._session.request(
                method,
                url,
                params=params,
                headers=dict(headers or {}),
                json=json_body,
                data=form,
                auth=basic_auth,
                timeout=(self.options.connect_timeout, self.options.read_timeout),
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
            limit = self.options.connect_timeout if kind == "connect" else self.options.read_timeout
            raise _TransportFailure(f"timed out ({kind} timeout of {limit:g} s)") from None
        except requests.RequestException as exc:
            raise _TransportFailure(_transport_cause(exc)) from None
        return HttpResponse(
            carrier=self.carrier,
            endpoint=endpoint,
            status=raw.status_code,
            reason=raw.reason or "",
            headers=raw.headers,  # case-insensitive, as HTTP header names are
            body=raw.content,
            scrub=self.scrub,
        )

    # -- waiting ----------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.options.backoff_max, self.options.backoff * 2 ** (attempt - 1))
        return ceiling / 2 + self.timekeeper.random() * ceiling / 2

    def _retry_delay(self, response: HttpResponse, attempt: int) -> float:
        if response.status in RETRY_AFTER_STATUSES:
            asked = retry_after_seconds(response.headers.get("Retry-After"), self.timekeeper.now())
            if asked is not None:
                if asked > self.options.retry_after_max:
                    raise ServiceError(
                        f"{self.carrier}: {response.endpoint} answered HTTP {response.status} "
                        f"and asks to wait {asked:g} s, longer than the "
                        f"{self.options.retry_after_max:g} s allowed by "
                        f"[plugins.{self.carrier}] retry_after_max"
                    )
                return asked
        return self._backoff(attempt)

    def _wait(self, seconds: float, endpoint: str, cause: str) -> None:
        log.debug("%s: %s: %s; retrying in %.2f s", self.carrier, endpoint, cause, seconds)
        self.timekeeper.sleep(seconds)

    # -- errors -----------------------------------------------------------------

    def _status_error(self, response: HttpResponse, attempts: int) -> ServiceError:
        message = f"{self.carrier}: {response.endpoint} failed: HTTP {response.status}"
        if response.reason:
            message += f" {response.reason}"
        detail = response.error_detail()
        if detail:
            message += f" ({detail})"
        if attempts > 1:
            message += f" after {attempts} attempts"
        if response.status in (401, 403):
            message += f"; check the credentials in [plugins.{self.carrier}]"
        return ServiceError(message)


def _transport_cause(exc: Exception) -> str:
    """A short cause for a failed connection, without urllib3's nested reprs."""
    text = str(exc)
    for marker in (
        "Connection refused",
        "Connection reset",
        "Name or service not known",
        "Remote end closed connection",
        "IncompleteRead",
        "timed out",
    ):
        if marker.lower() in text.lower():
            return "connection failed: " + marker.lower()
    return f"connection failed: {type(exc).__name__}"


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - now).total_seconds())


# -- OAuth ----------------------------------------------------------------------------


class OAuthClientCredentials:
    """An OAuth 2.0 client-credentials token, fetched once and reused until it expires.

    ``send_credentials`` says how the client id and secret travel: ``"basic"``
    (HTTP Basic, UPS), ``"form"`` (form fields, FedEx) or ``"json"`` (JSON body,
    USPS). The token is refreshed ``refresh_margin`` seconds before it expires,
    and once more when the API answers 401 to a request that used it.
    """

    def __init__(
        self,
        client: HttpClient,
        token_path: str,
        client_id: Credential,
        client_secret: Credential,
        *,
        send_credentials: Literal["basic", "form", "json"] = "basic",
        headers: Mapping[str, str] | None = None,
        refresh_margin: float = 60.0,
    ) -> None:
        self.client = client
        self.token_path = token_path
        self.client_id, self.client_secret = client_id, client_secret
        self.send_credentials = send_credentials
        self.headers = dict(headers or {})
        self.refresh_margin = refresh_margin
        self._token: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        """A valid access token, from the cache when it has one."""
        if self._token is None or self.client.timekeeper.monotonic() >= self._expires_at:
            self._token = self._fetch()
        return self._token

    def invalidate(self) -> None:
        self._token = None

    def _fetch(self) -> str:
        client_id = self.client.reveal(self.client_id)
        secret = self.client.reveal(self.client_secret)
        grant = {"grant_type": "client_credentials"}
        kwargs: dict[str, Any] = {"headers": self.headers, "expect": SUCCESS | {400, 401, 403}}
        if self.send_credentials == "basic":
            kwargs.update(form=grant, basic_auth=(client_id, secret))
        elif self.send_credentials == "form":
            kwargs.update(form={**grant, "client_id": client_id, "client_secret": secret})
        else:
            kwargs.update(json_body={**grant, "client_id": client_id, "client_secret": secret})
        response = self.client.request("POST", self.token_path, **kwargs)
        if response.status not in SUCCESS:
            detail = response.error_detail()
            raise ServiceError(
                f"{self.client.carrier}: OAuth token request {response.endpoint} was rejected: "
                f"HTTP {response.status}{f' ({detail})' if detail else ''}; check "
                f"{self.client_id.key} and {self.client_secret.key}"
            )
        document = response.json()
        token = document.get("access_token") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            raise ServiceError(
                f"{self.client.carrier}: OAuth token response of {response.endpoint} "
                "has no access_token"
            )
        self.client.protect(token)
        try:
            lifetime = float(document.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        margin = min(self.refresh_margin, lifetime / 2)
        self._expires_at = self.client.timekeeper.monotonic() + lifetime - margin
        return token

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        expect: Collection[int] = SUCCESS,
        **kwargs: Any,
    ) -> HttpResponse:
        """An authorised request; a 401 refreshes the token and tries once more."""
        response = self._authorised(method, path, headers, {*expect, 401}, kwargs)
        if response.status == 401 and 401 not in expect:
            self.invalidate()
            response = self._authorised(method, path, headers, expect, kwargs)
        return response

    def _authorised(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        expect: Collection[int],
        kwargs: Mapping[str, Any],
    ) -> HttpResponse:
        bearer = {"Authorization": f"Bearer {self.token()}"}
        return self.client.request(
            method, path, headers={**(headers or {}), **bearer}, expect=expect, **kwargs
        )


# -- helpers --------------------------------------------------------------------------


def batched(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size`` (for APIs with a batch limit)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def transaction_id() -> str:
    """A fresh 32-character id for APIs that want one per request (UPS ``transId``)."""
    return uuid.uuid4().hex
