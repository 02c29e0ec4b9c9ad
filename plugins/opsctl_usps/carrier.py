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

from typing import Any
from urllib.parse import quote

from opsctl.carrier_api import TRACKING_ANSWERS, ApiCarrier, CarrierApi, OAuthToken
from opsctl.http import Credential, HttpOptions
from opsctl.tracking import ParcelTracking
from opsctl_usps.codes import USPS_CODES
from opsctl_usps.parse import parse_tracking_details
from opsctl_usps.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://apis.usps.com"
TOKEN_PATH = "/oauth2/v3/token"
TRACK_PATH = "/tracking/v3/tracking/{number}"
DEFAULT_OPTIONS = HttpOptions(rate_limit=1.0, request_budget=60)


class UspsCarrier(ApiCarrier):
    """USPS domestic and international mail tracking through the Tracking 3.0 API."""

    name = "usps"
    title = "USPS"
    codes = USPS_CODES
    transit_times = TRANSIT_TIMES
    api = CarrierApi(
        base_url=DEFAULT_BASE_URL,
        options=DEFAULT_OPTIONS,
        credentials={"client_id": "USPS_CLIENT_ID", "client_secret": "USPS_CLIENT_SECRET"},
        token=OAuthToken(TOKEN_PATH, send_credentials="json"),
    )

    def __init__(
        self,
        client_id: str | Credential | None = None,
        client_secret: str | Credential | None = None,
        **common: Any,
    ) -> None:
        """``common``: ``base_url``, ``timezone``, ``options``... of :class:`ApiCarrier`."""
        super().__init__(**common)
        self.client_id = self._credential("client_id", client_id)
        self.client_secret = self._credential("client_secret", client_secret)

    def _track_one(self, number: str) -> ParcelTracking:
        """One request per number: the API takes one number at a time."""
        response = self.oauth.request(
            "GET",
            TRACK_PATH.format(number=quote(number, safe="")),
            params={"expand": "DETAIL"},
            expect=TRACKING_ANSWERS,
        )
        return self._read_answer(
            number,
            response,
            parse_tracking_details,
            not_found="USPS has no such item",
            rejected="USPS refused this number",
        )
