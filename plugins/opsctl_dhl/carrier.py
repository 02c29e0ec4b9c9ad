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

from typing import Any

from opsctl.carrier_api import TRACKING_ANSWERS, ApiCarrier, CarrierApi
from opsctl.http import Credential, HttpOptions
from opsctl.tracking import ParcelTracking
from opsctl_dhl.codes import DHL_CODES
from opsctl_dhl.parse import parse_shipments
from opsctl_dhl.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://api-eu.dhl.com"
TRACK_PATH = "/track/shipments"
DEFAULT_OPTIONS = HttpOptions(rate_limit=1.0, request_budget=250)


class DhlCarrier(ApiCarrier):
    """DHL (Express, Post & Parcel Germany, eCommerce...) through the Unified tracking API."""

    name = "dhl"
    title = "DHL"
    codes = DHL_CODES
    transit_times = TRANSIT_TIMES
    api = CarrierApi(
        base_url=DEFAULT_BASE_URL,
        options=DEFAULT_OPTIONS,
        credentials={"api_key": "DHL_API_KEY"},
        settings=("language",),
    )

    def __init__(
        self, api_key: str | Credential | None = None, *, language: str = "en", **common: Any
    ) -> None:
        """``common``: ``base_url``, ``timezone``, ``options``... of :class:`ApiCarrier`."""
        super().__init__(**common)
        self.api_key = self._credential("api_key", api_key)
        self.language = language

    def _track_one(self, number: str) -> ParcelTracking:
        """One request per number: the Unified API takes one number at a time."""
        response = self.client.request(
            "GET",
            TRACK_PATH,
            params={"trackingNumber": number, "language": self.language},
            headers={"DHL-API-Key": self.client.reveal(self.api_key)},
            expect=TRACKING_ANSWERS,
        )
        return self._read_answer(
            number,
            response,
            parse_shipments,
            not_found="DHL has no shipment with this tracking number",
            rejected="DHL refused this tracking number",
        )
