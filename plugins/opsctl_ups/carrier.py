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

from typing import Any
from urllib.parse import quote

from opsctl.carrier_api import TRACKING_ANSWERS, ApiCarrier, CarrierApi, OAuthToken
from opsctl.http import Credential, HttpOptions, transaction_id
from opsctl.tracking import ParcelTracking
from opsctl_ups.codes import UPS_CODES
from opsctl_ups.parse import not_found_message, parse_track_response
from opsctl_ups.services import TRANSIT_TIMES

DEFAULT_BASE_URL = "https://onlinetools.ups.com"
TOKEN_PATH = "/security/v1/oauth/token"
TRACK_PATH = "/api/track/v1/details/{number}"
DEFAULT_OPTIONS = HttpOptions(rate_limit=5.0, request_budget=1000)


class UpsCarrier(ApiCarrier):
    """UPS small package tracking through the Track API."""

    name = "ups"
    title = "UPS"
    codes = UPS_CODES
    transit_times = TRANSIT_TIMES
    api = CarrierApi(
        base_url=DEFAULT_BASE_URL,
        options=DEFAULT_OPTIONS,
        credentials={"client_id": "UPS_CLIENT_ID", "client_secret": "UPS_CLIENT_SECRET"},
        settings=("merchant_id", "locale", "transaction_source"),
        token=OAuthToken(TOKEN_PATH, send_credentials="basic"),
    )

    def __init__(
        self,
        client_id: str | Credential | None = None,
        client_secret: str | Credential | None = None,
        *,
        merchant_id: str | None = None,
        locale: str = "en_US",
        transaction_source: str = "opsctl",
        **common: Any,
    ) -> None:
        """``common``: ``base_url``, ``timezone``, ``options``... of :class:`ApiCarrier`."""
        super().__init__(**common)
        self.client_id = self._credential("client_id", client_id)
        self.client_secret = self._credential("client_secret", client_secret)
        self.merchant_id = merchant_id
        self.locale = locale
        self.transaction_source = transaction_source

    def _token_headers(self) -> dict[str, str]:
        """The merchant id, when there is one, goes with the token request."""
        return {"x-merchant-id": str(self.merchant_id)} if self.merchant_id else {}

    def _track_one(self, number: str) -> ParcelTracking:
        """One request per number: the Track API takes one number at a time.

        UPS may also say "not found" with a ``TW0001`` warning, in a 400 or a
        200 answer: that number is then ``not_found`` too.
        """
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
            expect=TRACKING_ANSWERS,
        )
        return self._read_answer(
            number,
            response,
            parse_track_response,
            not_found="UPS has no such tracking number",
            rejected="UPS refused this number",
            find_not_found=not_found_message,
        )
