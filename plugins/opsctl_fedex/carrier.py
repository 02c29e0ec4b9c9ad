"""The FedEx carrier: tracking through the FedEx Track API.

``POST {base_url}/track/v1/trackingnumbers`` with up to 30 tracking numbers per
request and a bearer token from ``POST {base_url}/oauth/token`` (client
credentials sent as form fields). The token is fetched once and reused until
shortly before it expires (FedEx tokens last an hour). A number FedEx does not
know comes back as a per-number error and becomes that number's problem.

Settings (``[plugins.fedex]``): ``client_id`` and ``client_secret`` (the
project's API key and secret key, required: ``"${FEDEX_CLIENT_ID}"``,
``"${FEDEX_CLIENT_SECRET}"``), ``base_url`` (default ``https://apis.fedex.com``;
the sandbox is ``https://apis-sandbox.fedex.com``), ``locale`` (``X-locale``,
default ``en_US``), ``timezone`` (for times without an offset, default UTC) and
the HTTP settings of :class:`opsctl.http.HttpOptions`. FedEx allows a project
1,400 requests per 10 seconds and 100,000 Track requests a day; opsctl's
defaults are 10 a second and 1000 a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

from opsctl.http import (
    Credential,
    HttpClient,
    HttpOptions,
    OAuthClientCredentials,
    RequestBudget,
    SecretResolver,
    Timekeeper,
    batched,
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
from opsctl_fedex.codes import FEDEX_CODES
from opsctl_fedex.parse import complete_results, parse_complete_result
from opsctl_fedex.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://apis.fedex.com"
TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"
#: The Track API's limit of tracking numbers per request.
BATCH_SIZE = 30
DEFAULT_OPTIONS = HttpOptions(rate_limit=10.0, request_budget=1000)


class FedexCarrier(TableCarrier):
    """FedEx Express, Ground and Freight tracking through the Track API."""

    name = "fedex"
    codes = FEDEX_CODES
    transit_times = TRANSIT_TIMES

    def __init__(
        self,
        client_id: str | Credential | None = None,
        client_secret: str | Credential | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        locale: str = "en_US",
        timezone: tzinfo | None = None,
        options: HttpOptions = DEFAULT_OPTIONS,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self.client_id = Credential.wrap(
            client_id, "plugins.fedex.client_id", example="FEDEX_CLIENT_ID"
        )
        self.client_secret = Credential.wrap(
            client_secret, "plugins.fedex.client_secret", example="FEDEX_CLIENT_SECRET"
        )
        self.base_url = base_url
        self.locale = locale
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
    ) -> FedexCarrier:
        """A carrier configured from the ``[plugins.fedex]`` table."""
        return cls(
            Credential.from_settings(
                cls.name, settings, "client_id", example="FEDEX_CLIENT_ID", resolve=resolve
            ),
            Credential.from_settings(
                cls.name, settings, "client_secret", example="FEDEX_CLIENT_SECRET", resolve=resolve
            ),
            base_url=setting_text(settings, "base_url", DEFAULT_BASE_URL),
            locale=setting_text(settings, "locale", "en_US"),
            timezone=carrier_timezone(cls.name, settings),
            options=DEFAULT_OPTIONS.with_settings(cls.name, settings),
            timekeeper=timekeeper,
            budget=budget,
        )

    def configure(
        self, settings: Mapping[str, Any], *, resolve: SecretResolver | None = None
    ) -> FedexCarrier:
        """A copy of this carrier configured from ``[plugins.fedex]``."""
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
                client, TOKEN_PATH, self.client_id, self.client_secret, send_credentials="form"
            )
        return self._oauth

    def track(self, tracking_numbers: Iterable[str]) -> TrackResult:
        """Track the numbers in batches of 30, one request per batch."""
        numbers = unique_numbers(tracking_numbers)
        found: dict[str, ParcelTracking] = {}
        for batch in batched(numbers, BATCH_SIZE):
            found.update(self._track_batch(batch))
        missing = TrackingProblem(ProblemKind.UNREADABLE, "FedEx returned no result for it")
        return TrackResult(
            self.name,
            tuple(
                found.get(number) or ParcelTracking(number, problem=missing) for number in numbers
            ),
        )

    def _track_batch(self, numbers: list[str]) -> dict[str, ParcelTracking]:
        request = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers],
        }
        response = self.oauth.request(
            "POST", TRACK_PATH, json_body=request, headers={"X-locale": self.locale}
        )
        try:
            results = complete_results(response.json())
        except UnreadablePayload as exc:
            problem = TrackingProblem(ProblemKind.UNREADABLE, f"{response.endpoint}: {exc}")
            return {number: ParcelTracking(number, problem=problem) for number in numbers}
        parcels: dict[str, ParcelTracking] = {}
        for complete in results:
            number = str(complete.get("trackingNumber") or "")
            try:
                parcels[number] = parse_complete_result(complete, assume=self.timezone)
            except UnreadablePayload as exc:
                parcels[number] = ParcelTracking(
                    number,
                    problem=TrackingProblem(ProblemKind.UNREADABLE, f"{response.endpoint}: {exc}"),
                )
        return parcels
