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

from typing import Any

from opsctl.carrier_api import ApiCarrier, CarrierApi, OAuthToken, unreadable
from opsctl.http import Credential, HttpOptions
from opsctl.tracking import ParcelTracking, UnreadablePayload
from opsctl_fedex.codes import FEDEX_CODES
from opsctl_fedex.parse import complete_results, parse_complete_result
from opsctl_fedex.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://apis.fedex.com"
TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"
#: The Track API's limit of tracking numbers per request.
BATCH_SIZE = 30
DEFAULT_OPTIONS = HttpOptions(rate_limit=10.0, request_budget=1000)


class FedexCarrier(ApiCarrier):
    """FedEx Express, Ground and Freight tracking through the Track API."""

    name = "fedex"
    title = "FedEx"
    codes = FEDEX_CODES
    transit_times = TRANSIT_TIMES
    api = CarrierApi(
        base_url=DEFAULT_BASE_URL,
        options=DEFAULT_OPTIONS,
        credentials={"client_id": "FEDEX_CLIENT_ID", "client_secret": "FEDEX_CLIENT_SECRET"},
        settings=("locale",),
        token=OAuthToken(TOKEN_PATH, send_credentials="form"),
    )
    numbers_per_request = BATCH_SIZE

    def __init__(
        self,
        client_id: str | Credential | None = None,
        client_secret: str | Credential | None = None,
        *,
        locale: str = "en_US",
        **common: Any,
    ) -> None:
        """``common``: ``base_url``, ``timezone``, ``options``... of :class:`ApiCarrier`."""
        super().__init__(**common)
        self.client_id = self._credential("client_id", client_id)
        self.client_secret = self._credential("client_secret", client_secret)
        self.locale = locale

    def _track_batch(self, numbers: list[str]) -> dict[str, ParcelTracking]:
        """Up to 30 numbers in one request; FedEx answers each number apart."""
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
            return {number: unreadable(number, response, exc) for number in numbers}
        parcels: dict[str, ParcelTracking] = {}
        for complete in results:
            number = str(complete.get("trackingNumber") or "")
            try:
                parcels[number] = parse_complete_result(complete, assume=self.timezone)
            except UnreadablePayload as exc:
                parcels[number] = unreadable(number, response, exc)
        return parcels
