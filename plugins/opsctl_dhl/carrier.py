"""The DHL carrier: tracking through DHL's Shipment Tracking – Unified API.

``GET {base_url}/track/shipments?trackingNumber=N`` with the ``DHL-API-Key``
header, one tracking number per request. A new key gets DHL's starter service
level: 250 calls a day, at most one a second; hence the defaults
``rate_limit = 1`` and ``request_budget = 250`` (raise both once DHL grants
more).

Settings (``[plugins.dhl]``): ``api_key`` (required, ``"${DHL_API_KEY}"``),
``base_url`` (default ``https://api-eu.dhl.com``; DHL has no test environment
for this API, so tests point it at a local server), ``language`` (default ``en``), ``timezone``
(where offset-less times are read, default UTC; ``Europe/Berlin`` suits
Post & Parcel Germany) and the HTTP settings of :class:`opsctl.http.HttpOptions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

from opsctl.http import (
    SUCCESS,
    Credential,
    HttpClient,
    HttpOptions,
    HttpResponse,
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
from opsctl_dhl.codes import DHL_CODES
from opsctl_dhl.parse import parse_shipments
from opsctl_dhl.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://api-eu.dhl.com"
TRACK_PATH = "/track/shipments"
DEFAULT_OPTIONS = HttpOptions(rate_limit=1.0, request_budget=250)


class DhlCarrier(TableCarrier):
    """DHL (Express, Post & Parcel Germany, eCommerce...) through the Unified tracking API."""

    name = "dhl"
    codes = DHL_CODES
    transit_times = TRANSIT_TIMES

    def __init__(
        self,
        api_key: str | Credential | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        language: str = "en",
        timezone: tzinfo | None = None,
        options: HttpOptions = DEFAULT_OPTIONS,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self.api_key = Credential.wrap(api_key, "plugins.dhl.api_key", example="DHL_API_KEY")
        self.base_url = base_url
        self.language = language
        self.timezone = timezone or carrier_timezone(self.name, {})
        self.options = options
        self.timekeeper = timekeeper
        self.budget = budget
        self._client: HttpClient | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, Any],
        *,
        resolve: SecretResolver | None = None,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> DhlCarrier:
        """A carrier configured from the ``[plugins.dhl]`` table."""
        return cls(
            Credential.from_settings(
                cls.name, settings, "api_key", example="DHL_API_KEY", resolve=resolve
            ),
            base_url=setting_text(settings, "base_url", DEFAULT_BASE_URL),
            language=setting_text(settings, "language", "en"),
            timezone=carrier_timezone(cls.name, settings),
            options=DEFAULT_OPTIONS.with_settings(cls.name, settings),
            timekeeper=timekeeper,
            budget=budget,
        )

    def configure(
        self, settings: Mapping[str, Any], *, resolve: SecretResolver | None = None
    ) -> DhlCarrier:
        """A copy of this carrier configured from ``[plugins.dhl]``."""
        return self.from_settings(
            settings, resolve=resolve, timekeeper=self.timekeeper, budget=self.budget
        )

    @property
    def client(self) -> HttpClient:
        """The HTTP client of this carrier, made on first use and kept for the run."""
        if self._client is None:
            self._client = HttpClient(
                self.name,
                self.base_url,
                self.options,
                timekeeper=self.timekeeper,
                budget=self.budget,
            )
        return self._client

    def track(self, tracking_numbers: Iterable[str]) -> TrackResult:
        """Track each number with one request (the Unified API takes one number at a time)."""
        numbers = unique_numbers(tracking_numbers)
        if not numbers:
            return TrackResult(self.name)
        api_key = self.client.reveal(self.api_key)
        return TrackResult(self.name, tuple(self._track_one(n, api_key) for n in numbers))

    def _track_one(self, number: str, api_key: str) -> ParcelTracking:
        response = self.client.request(
            "GET",
            TRACK_PATH,
            params={"trackingNumber": number, "language": self.language},
            headers={"DHL-API-Key": api_key},
            expect=SUCCESS | {400, 404},
        )
        if response.status == 404:
            return _problem(
                number,
                ProblemKind.NOT_FOUND,
                response,
                "DHL has no shipment with this tracking number",
            )
        if response.status == 400:
            return _problem(
                number, ProblemKind.REJECTED, response, "DHL refused this tracking number"
            )
        try:
            return parse_shipments(response.json(), number, assume=self.timezone)
        except UnreadablePayload as exc:
            return ParcelTracking(
                number,
                problem=TrackingProblem(ProblemKind.UNREADABLE, f"{response.endpoint}: {exc}"),
            )


def _problem(
    number: str, kind: ProblemKind, response: HttpResponse, fallback: str
) -> ParcelTracking:
    return ParcelTracking(
        number, problem=TrackingProblem(kind, response.error_detail() or fallback)
    )
