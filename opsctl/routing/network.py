"""The fulfilment network: sites, the lanes between countries, and the dates they give.

Dates come from :mod:`opsctl.calendars`, the one place opsctl decides working
days: a site's ship date from its timezone, cutoff, handling days and
calendar and the carrier's pickup days and calendar; a delivery date from the
carrier's transit business days. They are memoised on what they depend on
(site, pickup pattern, local day, before or after the cutoff), so a batch of
a hundred thousand orders asks the calendars a few thousand questions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from sys import intern

from opsctl.calendars import BusinessCalendar, delivery_date, get_calendar, get_timezone, ship_date
from opsctl.errors import ConfigError, DataError
from opsctl.model import CarrierService, Location
from opsctl.routing.geo import Coordinates, PostalCodes, great_circle_km
from opsctl.routing.model import Lane, Request, Site
from opsctl.routing.rules import RoutingSettings

ANY_COUNTRY = "*"
_ONE_DAY = timedelta(days=1)


def _calendar(code: str, entity: str, owner: str) -> BusinessCalendar:
    try:
        return get_calendar(code)
    except ConfigError as error:
        raise DataError(f"{owner}: calendar: {error.message}", source=entity) from None


def build_site(location: Location, postal_codes: PostalCodes | None = None) -> Site:
    """A :class:`Site` from a location record; a bad timezone or calendar is a DataError."""
    try:
        zone = get_timezone(location.timezone)
    except ConfigError as error:
        raise DataError(
            f"{location.location_id}: timezone: {error.message}", source="locations"
        ) from None
    coordinates: Coordinates | None = None
    if location.latitude is not None and location.longitude is not None:
        coordinates = (location.latitude, location.longitude)
    elif postal_codes is not None:
        coordinates = postal_codes.lookup(location.country, location.postal_code)
    return Site(
        location=location,
        location_id=intern(location.location_id),  # see Resources
        country=location.country,
        zone=zone,
        calendar=_calendar(location.calendar, "locations", location.location_id),
        cutoff=location.cutoff_local,
        handling_days=location.handling_days,
        capacity=location.daily_capacity,
        channels=frozenset(location.channels),
        priority=location.priority,
        coordinates=coordinates,
    )


def build_lane(service: CarrierService, settings: RoutingSettings) -> Lane:
    """A :class:`Lane` from a carrier service record, its costs valued in the routing currency."""
    return Lane(
        service=service,
        carrier=service.carrier,
        name=service.service,
        pickup_days=frozenset(service.pickup_days),
        calendar=_calendar(
            service.calendar, "carrier_services", f"{service.carrier}/{service.service}"
        ),
        transit_days=service.transit_days_max,
        saturday_delivery=service.saturday_delivery,
        base_cost=service.base_cost or Decimal(0),
        cost_per_kg=service.cost_per_kg or Decimal(0),
        max_weight_kg=service.max_weight_kg,
        currency=service.currency,
        rate=settings.rate(service.currency),
    )


class Network:
    """Sites and lanes, with memoised ship and delivery dates.

    ``capacity_spill_days`` is how many later departures a site may use when
    its daily capacity is taken on the first one.
    """

    def __init__(
        self,
        locations: Iterable[Location],
        carrier_services: Iterable[CarrierService],
        settings: RoutingSettings,
        postal_codes: PostalCodes | None = None,
    ):
        self.settings = settings
        self.postal_codes = postal_codes
        self.sites: dict[str, Site] = {}
        for location in locations:
            self.sites[location.location_id] = build_site(location, postal_codes)
        self._lanes_by_route: dict[tuple[str, str], list[Lane]] = {}
        origins = {site.country for site in self.sites.values()}
        for service in carrier_services:
            if service.origin_country in origins:
                lane = build_lane(service, settings)
                key = (service.origin_country, service.dest_country)
                self._lanes_by_route.setdefault(key, []).append(lane)
        self.spill_days = settings.capacity_spill_days
        self._lanes: dict[tuple[str, str], tuple[Lane, ...]] = {}
        self._departures: dict[tuple, date] = {}
        self._later: dict[tuple, date] = {}
        self._deliveries: dict[tuple[int, date], date] = {}
        self._dates: dict[tuple[str, int, tuple[date, bool]], tuple[date, date]] = {}

    # -- lanes --------------------------------------------------------------------------------

    def lanes(self, origin: str, destination: str) -> tuple[Lane, ...]:
        """Services from ``origin`` to ``destination``, sorted by carrier and service.

        A service priced for the destination country replaces the same
        carrier's same service priced for every country (``*``).
        """
        key = (origin, destination)
        found = self._lanes.get(key)
        if found is None:
            exact = self._lanes_by_route.get(key, [])
            named = {(lane.carrier, lane.name) for lane in exact}
            anywhere = [
                lane
                for lane in self._lanes_by_route.get((origin, ANY_COUNTRY), [])
                if (lane.carrier, lane.name) not in named
            ]
            found = tuple(sorted(exact + anywhere, key=lambda lane: (lane.carrier, lane.name)))
            self._lanes[key] = found
        return found

    # -- dates --------------------------------------------------------------------------------

    def clock(self, site: Site, start: datetime) -> tuple[date, bool]:
        """The site's local day at ``start`` and whether it is past the cutoff."""
        local = start.astimezone(site.zone)
        return local.date(), local.time() >= site.cutoff

    def departure(self, site: Site, lane: Lane, start: datetime, clock: tuple[date, bool]) -> date:
        """The ship date of an order started at ``start`` (:func:`opsctl.calendars.ship_date`)."""
        key = (site.location_id, lane.pickup_days, lane.calendar.code, clock)
        found = self._departures.get(key)
        if found is None:
            found = ship_date(
                start,
                timezone=site.zone,
                calendar=site.calendar,
                cutoff=site.cutoff,
                handling_days=site.handling_days,
                pickup_days=lane.pickup_days,
                pickup_calendar=lane.calendar,
            )
            self._departures[key] = found
        return found

    def dates(
        self, site: Site, lane: Lane, start: datetime, clock: tuple[date, bool]
    ) -> tuple[date, date]:
        """The ship date and the expected delivery of an order started at ``start``."""
        key = (site.location_id, id(lane), clock)
        found = self._dates.get(key)
        if found is None:
            day = self.departure(site, lane, start, clock)
            found = self._dates[key] = (day, self.delivery(lane, day))
        return found

    def next_departure(self, site: Site, lane: Lane, day: date) -> date:
        """The first departure after ``day`` for a parcel that is ready (a full day's wait)."""
        key = (site.location_id, lane.pickup_days, lane.calendar.code, day)
        found = self._later.get(key)
        if found is None:
            found = ship_date(
                datetime.combine(day + _ONE_DAY, time.min, tzinfo=site.zone),
                timezone=site.zone,
                calendar=site.calendar,
                cutoff=time.max,
                pickup_days=lane.pickup_days,
                pickup_calendar=lane.calendar,
            )
            self._later[key] = found
        return found

    def delivery(self, lane: Lane, day: date) -> date:
        """The expected delivery of a parcel shipped on ``day`` (the service's maximum transit)."""
        key = (id(lane), day)
        found = self._deliveries.get(key)
        if found is None:
            found = delivery_date(
                day,
                lane.transit_days,
                calendar=lane.calendar,
                saturday_delivery=lane.saturday_delivery,
            )
            self._deliveries[key] = found
        return found

    # -- places -------------------------------------------------------------------------------

    def destination(self, country: str, postal_code: str | None, latitude, longitude):
        """An order's coordinates: its own, else its postal code's centroid, else None."""
        if latitude is not None and longitude is not None:
            return (latitude, longitude)
        if self.postal_codes is not None:
            return self.postal_codes.lookup(country, postal_code)
        return None

    @staticmethod
    def distance_km(site: Site, request: Request) -> float | None:
        if site.coordinates is None or request.destination is None:
            return None
        return great_circle_km(site.coordinates, request.destination)
