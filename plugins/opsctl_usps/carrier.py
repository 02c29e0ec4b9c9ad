"""The USPS carrier: tracking through the USPS Tracking 3.0 API.

``GET {base_url}/tracking/v3/tracking/{trackingNumber}?expand=DETAIL`` with a
bearer token from ``POST {base_url}/oauth2/v3/token`` (client credentials in a
JSON body, as USPS documents). One tracking number per request; the token is
fetched once and reused until shortly before it expires.

Settings (``[plugins.usps]``): ``client_id`` and ``client_secret`` (the app's
consumer key and secret, required: ``"${USPS_CLIENT_ID}"``,
``"${USPS_CLIENT_SECRET}"``), ``base_url`` (default ``https://apis.usps.com``;
the test environment is ``https://apis-tem.usps.com``), ``timezone`` (for times
without an offset, default UTC; ``America/New_York`` is a common choice) and
the HTTP settings of :class:`opsctl.http.HttpOptions`. USPS gives new apps a
quota of 60 requests an hour, hence the default ``request_budget = 60``.
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
from opsctl_usps.codes import USPS_CODES
from opsctl_usps.parse import parse_tracking_details
from opsctl_usps.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://apis.usps.com"
TOKEN_PATH = "/oauth2/v3/token"
TRACK_PATH = "/tracking/v3/tracking/{number}"
DEFAULT_OPTIONS = HttpOptions(rate_limit=1.0, request_budget=60)


class UspsCarrier(TableCarrier):
    """USPS domestic and international mail tracking through the Tracking 3.0 API."""

    name = "usps"
    codes = USPS_CODES
    transit_times = TRANSIT_TIMES

    def __init__(
        self,
        client_id: str | Credential | None = None,
        client_secret: str | Credential | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timezone: tzinfo | None = None,
        options: HttpOptions = DEFAULT_OPTIONS,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self.client_id = Credential.wrap(
            client_id, "plugins.usps.client_id", example="USPS_CLIENT_ID"
        )
        self.client_secret = Credential.wrap(
            client_secret, "plugins.usps.client_secret", example="USPS_CLIENT_SECRET"
        )
        self.base_url = base_url
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
    ) -> UspsCarrier:
        """A carrier configured from the ``[plugins.usps]`` table."""
        return cls(
            Credential.from_settings(
                cls.name, settings, "client_id", example="USPS_CLIENT_ID", resolve=resolve
            ),
            Credential.from_settings(
                cls.name, settings, "client_secret", example="USPS_CLIENT_SECRET", resolve=resolve
            ),
            base_url=setting_text(settings, "base_url", DEFAULT_BASE_URL),
            timezone=carrier_timezone(cls.name, settings),
            options=DEFAULT_OPTIONS.with_settings(cls.name, settings),
            timekeeper=timekeeper,
            budget=budget,
        )

    def configure(
        self, settings: Mapping[str, Any], *, resolve: SecretResolver | None = None
    ) -> UspsCarrier:
        """A copy of this carrier configured from ``[plugins.usps]``."""
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
            self._oauth = OAuthClientCredentials(
                client, TOKEN_PATH, self.client_id, self.client_secret, send_credentials="json"
            )
        return self._oauth

    def track(self, tracking_numbers: Iterable[str]) -> TrackResult:
        """Track each number with one request (the API takes one number at a time)."""
        numbers = unique_numbers(tracking_numbers)
        return TrackResult(self.name, tuple(self._track_one(number) for number in numbers))

    def _track_one(self, number: str) -> ParcelTracking:
        response = self.oauth.request(
            "GET",
            TRACK_PATH.format(number=quote(number, safe="")),
            params={"expand": "DETAIL"},
            expect=SUCCESS | {400, 404},
        )
        if response.status == 404:
            return ParcelTracking(
                number,
                problem=TrackingProblem(
                    ProblemKind.NOT_FOUND, response.error_detail() or "USPS has no such item"
                ),
            )
        if response.status == 400:
            return ParcelTracking(
                number,
                problem=TrackingProblem(
                    ProblemKind.REJECTED, response.error_detail() or "USPS refused this number"
                ),
            )
        try:
            return parse_tracking_details(response.json(), number, assume=self.timezone)
        except UnreadablePayload as exc:
            return ParcelTracking(
                number,
                problem=TrackingProblem(ProblemKind.UNREADABLE, f"{response.endpoint}: {exc}"),
            )
