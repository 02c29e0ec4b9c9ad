"""The UPS carrier: tracking through the UPS Track API.

``GET {base_url}/api/track/v1/details/{inquiryNumber}`` with a bearer token from
the OAuth client-credentials endpoint ``POST {base_url}/security/v1/oauth/token``
(HTTP Basic with the app's client id and secret). One tracking number per
request; the token is fetched once and reused until shortly before it expires.

Settings (``[plugins.ups]``): ``client_id`` and ``client_secret`` (required,
``"${UPS_CLIENT_ID}"``, ``"${UPS_CLIENT_SECRET}"``), ``base_url`` (default
``https://onlinetools.ups.com``; the test environment is
``https://wwwcie.ups.com``), ``merchant_id`` (sent as ``x-merchant-id`` with the
token request, optional), ``locale`` (default ``en_US``), ``transaction_source``
(the ``transactionSrc`` header, default ``opsctl``), ``timezone`` (where times
without an offset are read, default UTC) and the HTTP settings of
:class:`opsctl.http.HttpOptions`. UPS publishes no fixed rate limit; the
defaults (5 requests a second, 1000 a run) are opsctl's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any
from urllib.parse import quote

from opsctl.http import (
    SUCCESS,
    Credential,
    HttpClient,
    HttpOptions,
    OAuthClientCredentials,
    RequestBudget,
    SecretResolver,
    Timekeeper,
    setting_text,
    transaction_id,
)
from opsctl.tracking import (
    ParcelTracking,
    ProblemKind,
    TableCarrier,
    TrackingProblem,
    TrackResult,
    UnreadablePayload,
    carrier_timezone,
    unique_numbers,
)
from opsctl_ups.codes import UPS_CODES
from opsctl_ups.parse import not_found_message, parse_track_response
from opsctl_ups.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://onlinetools.ups.com"
TOKEN_PATH = "/security/v1/oauth/token"
TRACK_PATH = "/api/track/v1/details/{number}"
DEFAULT_OPTIONS = HttpOptions(rate_limit=5.0, request_budget=1000)


class UpsCarrier(TableCarrier):
    """UPS small package tracking through the Track API."""

    name = "ups"
    codes = UPS_CODES
    transit_times = TRANSIT_TIMES

    def __init__(
        self,
        client_id: str | Credential | None = None,
        client_secret: str | Credential | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        merchant_id: str | None = None,
        locale: str = "en_US",
        transaction_source: str = "opsctl",
        timezone: tzinfo | None = None,
        options: HttpOptions = DEFAULT_OPTIONS,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self.client_id = Credential.wrap(
            client_id, "plugins.ups.client_id", example="UPS_CLIENT_ID"
        )
        self.client_secret = Credential.wrap(
            client_secret, "plugins.ups.client_secret", example="UPS_CLIENT_SECRET"
        )
        self.base_url = base_url
        self.merchant_id = merchant_id
        self.locale = locale
        self.transaction_source = transaction_source
        self.timezone = timezone or carrier_timezone(self.name, {})
        self.options = options
        self.timekeeper = timekeeper
        self.budget = budget
        self._oauth: OAuthClientCredentials | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, Any],
        *,
        resolve: SecretResolver | None = None,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> UpsCarrier:
        """A carrier configured from the ``[plugins.ups]`` table."""
        return cls(
            Credential.from_settings(
                cls.name, settings, "client_id", example="UPS_CLIENT_ID", resolve=resolve
            ),
            Credential.from_settings(
                cls.name, settings, "client_secret", example="UPS_CLIENT_SECRET", resolve=resolve
            ),
            base_url=setting_text(settings, "base_url", DEFAULT_BASE_URL),
            merchant_id=settings.get("merchant_id") or None,
            locale=setting_text(settings, "locale", "en_US"),
            transaction_source=setting_text(settings, "transaction_source", "opsctl"),
            timezone=carrier_timezone(cls.name, settings),
            options=DEFAULT_OPTIONS.with_settings(cls.name, settings),
            timekeeper=timekeeper,
            budget=budget,
        )

    def configure(
        self, settings: Mapping[str, Any], *, resolve: SecretResolver | None = None
    ) -> UpsCarrier:
        """A copy of this carrier configured from ``[plugins.ups]``."""
        return self.from_settings(
            settings, resolve=resolve, timekeeper=self.timekeeper, budget=self.budget
        )

    @property
    def oauth(self) -> OAuthClientCredentials:
        """The HTTP client and its token cache, made on first use and kept for the run."""
        if self._oauth is None:
            client = HttpClient(
                self.name,
                self.base_url,
                self.options,
                timekeeper=self.timekeeper,
                budget=self.budget,
            )
            headers = {"x-merchant-id": str(self.merchant_id)} if self.merchant_id else {}
            self._oauth = OAuthClientCredentials(
                client,
                TOKEN_PATH,
                self.client_id,
                self.client_secret,
                send_credentials="basic",
                headers=headers,
            )
        return self._oauth

    def track(self, tracking_numbers: Iterable[str]) -> TrackResult:
        """Track each number with one request (the Track API takes one number at a time)."""
        numbers = unique_numbers(tracking_numbers)
        if not numbers:
            return TrackResult(self.name)
        return TrackResult(self.name, tuple(self._track_one(number) for number in numbers))

    def _track_one(self, number: str) -> ParcelTracking:
        response = self.oauth.request(
            "GET",
            TRACK_PATH.format(number=quote(number, safe="")),
            params={
                "locale": self.locale,
                "returnSignature": "false",
                "returnMilestones": "false",
                "returnPOD": "false",
            },
            headers={"transId": transaction_id(), "transactionSrc": self.transaction_source},
            expect=SUCCESS | {400, 404},
        )
        if response.status in (400, 404):
            missing = not_found_message(response.json_or_none())
            if response.status == 404 or missing:
                message = missing or response.error_detail() or "UPS has no such tracking number"
                return ParcelTracking(
                    number, problem=TrackingProblem(ProblemKind.NOT_FOUND, message)
                )
            return ParcelTracking(
                number,
                problem=TrackingProblem(
                    ProblemKind.REJECTED, response.error_detail() or "UPS refused this number"
                ),
            )
        document = response.json()
        try:
            return parse_track_response(document, number, assume=self.timezone)
        except UnreadablePayload as exc:
            missing = not_found_message(document)
            if missing:
                return ParcelTracking(
                    number, problem=TrackingProblem(ProblemKind.NOT_FOUND, missing)
                )
            return ParcelTracking(
                number,
                problem=TrackingProblem(ProblemKind.UNREADABLE, f"{response.endpoint}: {exc}"),
            )
