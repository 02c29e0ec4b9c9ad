"""The base of carriers that track through an HTTP API: :class:`ApiCarrier`.

A carrier plugin built on it describes its settings once, as a
:class:`CarrierApi` (default base URL and HTTP options, secret settings, its own
text settings, the OAuth token endpoint if any), and writes only what is its
own: the tracking request and the parsing of the answer. The base gives it:

* the ``[plugins.<name>]`` reading: :meth:`ApiCarrier.from_settings` and
  :meth:`ApiCarrier.configure`, with ``base_url``, ``timezone`` and the HTTP
  settings of :class:`~opsctl.http.HttpOptions` common to every carrier;
* the HTTP client, made on first use and kept for the run, with an OAuth
  client-credentials token cache when the API wants one;
* :meth:`ApiCarrier.track`: numbers deduplicated, sent one or a batch per
  request, one :class:`~opsctl.tracking.ParcelTracking` per number;
* :meth:`ApiCarrier._read_answer`: a 404, a 400 or an unreadable answer turned
  into that number's problem instead of an error.

Like :mod:`opsctl.http`, importing this module does not import the HTTP library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, ClassVar, Literal, Protocol, TypeVar

from opsctl.http import (
    SUCCESS,
    Credential,
    HttpClient,
    HttpOptions,
    HttpResponse,
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

#: The statuses that answer a tracking request for one number: found (2xx),
#: refused (400) or not found (404). Any other status is a :class:`ServiceError`.
TRACKING_ANSWERS = SUCCESS | {400, 404}

_Carrier = TypeVar("_Carrier", bound="ApiCarrier")


@dataclass(frozen=True)
class OAuthToken:
    """Where an API carrier gets its OAuth 2.0 client-credentials token, and how.

    ``send_credentials`` is that of :class:`~opsctl.http.OAuthClientCredentials`:
    ``"basic"``, ``"form"`` or ``"json"``.
    """

    path: str
    send_credentials: Literal["basic", "form", "json"] = "basic"


@dataclass(frozen=True)
class CarrierApi:
    """What an :class:`ApiCarrier` reads from its ``[plugins.<name>]`` table.

    Every setting is also a keyword of the carrier's constructor and an
    attribute of the carrier, under the same name:

    * ``base_url``, ``timezone`` and the HTTP settings, for every carrier: here
      only the carrier's defaults, ``base_url`` and ``options``;
    * ``credentials``: the secret settings, each with the environment variable
      suggested when it is missing (``{"api_key": "DHL_API_KEY"}``). A carrier
      with a ``token`` names them ``client_id`` and ``client_secret``;
    * ``settings``: the carrier's own text settings (``("language",)``). A value
      that is absent or empty leaves the constructor's default.
    """

    base_url: str
    options: HttpOptions
    credentials: Mapping[str, str]
    settings: tuple[str, ...] = ()
    #: The OAuth token endpoint; ``None`` when the API authenticates otherwise.
    token: OAuthToken | None = None


class AnswerParser(Protocol):
    """A carrier's parser: its answer for one tracking number, as that number's result."""

    def __call__(self, document: Any, number: str, *, assume: tzinfo) -> ParcelTracking: ...


def tracking_problem(number: str, kind: ProblemKind, message: str) -> ParcelTracking:
    """The result of a number the carrier could not track."""
    return ParcelTracking(number, problem=TrackingProblem(kind, message))


def unreadable(number: str, response: HttpResponse, error: UnreadablePayload) -> ParcelTracking:
    """The result of a number whose part of ``response`` breaks the documented shape."""
    return tracking_problem(number, ProblemKind.UNREADABLE, f"{response.endpoint}: {error}")


class ApiCarrier(TableCarrier):
    """Base of carriers that track through an HTTP API described by :attr:`api`.

    Subclasses set :attr:`name`, :attr:`title`, :attr:`codes`,
    :attr:`transit_times` and :attr:`api`; their constructor takes the
    credentials and the settings of :attr:`api` and passes the other keywords
    (``base_url``, ``timezone``, ``options``, ``timekeeper``, ``budget``) on to
    this one. They implement :meth:`_track_one`, or :meth:`_track_batch` when
    the API takes several numbers per request (:attr:`numbers_per_request`).
    """

    #: The carrier's name as people write it (``"FedEx"``), for messages.
    title: ClassVar[str]
    #: The carrier's settings and defaults.
    api: ClassVar[CarrierApi]
    #: Tracking numbers per request: more than one for a batch API.
    numbers_per_request: ClassVar[int] = 1

    #: The OAuth client id and secret, for carriers whose :attr:`api` has a ``token``.
    client_id: Credential
    client_secret: Credential

    def __init__(
        self,
        *,
        base_url: str | None = None,
        timezone: tzinfo | None = None,
        options: HttpOptions | None = None,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        """The settings common to every API carrier; ``None`` means the carrier's default.

        ``timekeeper`` replaces the clocks (tests); ``budget`` is shared to pool
        the request budget of several carriers.
        """
        self.base_url = self.api.base_url if base_url is None else base_url
        self.timezone = timezone or carrier_timezone(self.name, {})
        self.options = self.api.options if options is None else options
        self.timekeeper = timekeeper
        self.budget = budget
        self._client: HttpClient | None = None
        self._oauth: OAuthClientCredentials | None = None

    def _credential(self, name: str, value: str | Credential | None) -> Credential:
        """``value`` as the secret setting ``name`` of :attr:`api`."""
        example = self.api.credentials[name]
        return Credential.wrap(value, f"plugins.{self.name}.{name}", example=example)

    # -- settings ---------------------------------------------------------------------

    @classmethod
    def from_settings(
        cls: type[_Carrier],
        settings: Mapping[str, Any],
        *,
        resolve: SecretResolver | None = None,
        timekeeper: Timekeeper | None = None,
        budget: RequestBudget | None = None,
    ) -> _Carrier:
        """A carrier configured from its ``[plugins.<name>]`` table.

        A bad ``timezone`` or HTTP setting is a :class:`~opsctl.errors.ConfigError`
        now; secrets are resolved (through ``resolve``) only when a request needs them.
        """
        credentials = {
            name: Credential.from_settings(
                cls.name, settings, name, example=example, resolve=resolve
            )
            for name, example in cls.api.credentials.items()
        }
        own = {
            name: str(settings[name])
            for name in cls.api.settings
            if settings.get(name) not in (None, "")
        }
        return cls(
            **credentials,
            **own,
            base_url=setting_text(settings, "base_url", cls.api.base_url),
            timezone=carrier_timezone(cls.name, settings),
            options=cls.api.options.with_settings(cls.name, settings),
            timekeeper=timekeeper,
            budget=budget,
        )

    def configure(
        self: _Carrier, settings: Mapping[str, Any], *, resolve: SecretResolver | None = None
    ) -> _Carrier:
        """A copy of this carrier configured from ``settings``, with its timekeeper and budget."""
        return self.from_settings(
            settings, resolve=resolve, timekeeper=self.timekeeper, budget=self.budget
        )

    # -- HTTP -------------------------------------------------------------------------

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

    @property
    def oauth(self) -> OAuthClientCredentials:
        """:attr:`client` with its token cache, made on first use and kept for the run.

        Only for carriers whose :attr:`api` has a ``token``; others have no ``oauth``.
        """
        token = self.api.token
        if token is None:
            raise AttributeError(f"the {self.name} carrier does not use OAuth")
        if self._oauth is None:
            self._oauth = OAuthClientCredentials(
                self.client,
                token.path,
                self.client_id,
                self.client_secret,
                send_credentials=token.send_credentials,
                headers=self._token_headers(),
            )
        return self._oauth

    def _token_headers(self) -> dict[str, str]:
        """Extra headers of the token request (none unless a carrier needs some)."""
        return {}

    # -- tracking ---------------------------------------------------------------------

    def track(self, tracking_numbers: Iterable[str]) -> TrackResult:
        """One result per number, in the order given, duplicates and blanks dropped.

        The numbers go :attr:`numbers_per_request` at a time to :meth:`_track_batch`;
        a number its answer leaves out gets an ``unreadable`` problem.
        """
        numbers = unique_numbers(tracking_numbers)
        found: dict[str, ParcelTracking] = {}
        for batch in batched(numbers, self.numbers_per_request):
            found.update(self._track_batch(batch))
        return TrackResult(
            self.name, tuple(found.get(number) or self._no_result(number) for number in numbers)
        )

    def _track_batch(self, numbers: list[str]) -> dict[str, ParcelTracking]:
        """The results of one request's numbers, by number: here one request per number."""
        return {number: self._track_one(number) for number in numbers}

    def _track_one(self, number: str) -> ParcelTracking:
        """The result of one number (APIs that take one number per request)."""
        raise NotImplementedError(
            f"{type(self).__name__} implements neither _track_one nor _track_batch"
        )

    def _no_result(self, number: str) -> ParcelTracking:
        return tracking_problem(
            number, ProblemKind.UNREADABLE, f"{self.title} returned no result for it"
        )

    def _read_answer(
        self,
        number: str,
        response: HttpResponse,
        parse: AnswerParser,
        *,
        not_found: str,
        rejected: str,
        find_not_found: Callable[[Any], str | None] | None = None,
    ) -> ParcelTracking:
        """The result of ``number`` from the carrier's answer to a request for it alone.

        ``response`` is one of :data:`TRACKING_ANSWERS`. A 404 is ``not_found``
        and a 400 ``rejected``, each with the carrier's own error message when
        it gives one, else the message passed here. A 2xx answer is read by
        ``parse`` in the carrier's timezone; when it breaks the documented shape
        (:class:`UnreadablePayload`) the number is ``unreadable``.

        ``find_not_found`` is for APIs that also say "not found" inside an
        answer (UPS warnings): it returns that message from the JSON document,
        or ``None``, and wins over both the status and an unreadable shape.
        """
        if response.status in (400, 404):
            missing = find_not_found(response.json_or_none()) if find_not_found else None
            if missing:
                return tracking_problem(number, ProblemKind.NOT_FOUND, missing)
            if response.status == 404:
                detail = response.error_detail() or not_found
                return tracking_problem(number, ProblemKind.NOT_FOUND, detail)
            detail = response.error_detail() or rejected
            return tracking_problem(number, ProblemKind.REJECTED, detail)
        document = response.json()
        try:
            return parse(document, number, assume=self.timezone)
        except UnreadablePayload as exc:
            missing = find_not_found(document) if find_not_found else None
            if missing:
                return tracking_problem(number, ProblemKind.NOT_FOUND, missing)
            return unreadable(number, response, exc)
