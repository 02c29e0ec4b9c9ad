"""Joining a shipment with its order, origin and carrier service into :class:`ShipmentFacts`.

Only what the SLA engine needs is kept of each order (channel, destination,
placed time, promise), so a check over a million orders stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from opsctl.calendars import BusinessCalendar, get_calendar
from opsctl.errors import ConfigError
from opsctl.geo import timezone_for
from opsctl.sla.engine import ShipmentFacts


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """The few facts of an order that an SLA verdict needs."""

    channel: str
    placed_at: datetime | None
    country: str | None
    timezone: str | None
    promised_by: date | datetime | None

    def __iter__(self) -> Iterator:
        """The fields in order, as :meth:`FactsBuilder.assemble` takes them."""
        return iter((self.channel, self.placed_at, self.country, self.timezone, self.promised_by))


#: The order fields of :meth:`FactsBuilder.assemble` for a shipment without a known order.
NO_ORDER = (None, None, None, None, None)


def order_facts(order) -> OrderFacts:
    """The SLA-relevant facts of an :class:`~opsctl.model.Order`."""
    return OrderFacts(
        channel=order.channel,
        placed_at=order.placed_at,
        country=order.ship_to_country,
        timezone=timezone_for(
            order.ship_to_country, order.ship_to_latitude, order.ship_to_longitude
        ),
        promised_by=order.promised_by,
    )


class FactsBuilder:
    """Builds the facts of each shipment from the reference data given once.

    A shipment's business days follow its carrier service's calendar, else
    its destination country's, else ``default_calendar()`` (called only when
    needed, so it may raise a config error asking for ``[sla] calendar``).

    ``transit_fallback(carrier, service)`` gives a service's standard maximum
    transit days when no ``carrier_services`` row matches (the carrier
    plugins know their services).
    """

    def __init__(
        self,
        *,
        default_timezone: str,
        default_calendar: Callable[[], BusinessCalendar],
        orders: Iterable = (),
        locations: Iterable = (),
        carrier_services: Iterable = (),
        transit_fallback: Callable[[str, str], int | None] | None = None,
    ) -> None:
        self.default_timezone = default_timezone
        self.default_calendar = default_calendar
        self.orders: dict[str, OrderFacts] = {o.order_id: order_facts(o) for o in orders}
        self.origins: dict[str, str] = {loc.location_id: loc.country for loc in locations}
        self.services: dict[tuple[str, str, str], list] = {}
        for service in carrier_services:
            key = (service.carrier, service.service, service.origin_country)
            self.services.setdefault(key, []).append(service)
        self.transit_fallback = transit_fallback
        self._terms: dict[tuple, tuple[BusinessCalendar, int | None]] = {}

    def _service(self, carrier: str, service: str | None, origin: str | None, dest: str | None):
        if service is None or origin is None:
            return None
        rows = self.services.get((carrier, service, origin), [])
        exact = [row for row in rows if row.dest_country == dest]
        return (exact or [row for row in rows if row.dest_country == "*"] or [None])[0]

    def _calendar(self, row, destination: str | None) -> BusinessCalendar | None:
        code = row.calendar if row is not None and row.calendar else destination
        if not code:
            return None
        try:
            return get_calendar(code)
        except ConfigError:
            return None

    def terms(
        self, carrier: str, service: str | None, origin: str | None, destination: str | None
    ) -> tuple[BusinessCalendar, int | None]:
        """The business calendar and standard transit days of a service on a lane (cached)."""
        key = (carrier, service, origin, destination)
        known = self._terms.get(key)
        if known is None:
            row = self._service(carrier, service, origin, destination)
            transit = row.transit_days_max if row is not None else None
            if transit is None and self.transit_fallback and service:
                transit = self.transit_fallback(carrier, service)
            calendar = self._calendar(row, destination) or self.default_calendar()
            known = self._terms[key] = (calendar, transit)
        return known

    def destination_zone(self, timezone: str | None, destination: str | None) -> str:
        """The timezone of a shipment's promise: its order's (``timezone``), else its
        destination country's main zone, else the default timezone."""
        if timezone is None and destination:
            timezone = timezone_for(destination)
        return timezone or self.default_timezone

    def facts(self, shipment) -> ShipmentFacts:
        """The facts of one :class:`~opsctl.model.Shipment`."""
        order = self.orders.get(shipment.order_id)
        return self.assemble(
            shipment.shipment_id,
            shipment.order_id,
            shipment.carrier,
            shipment.service,
            shipment.tracking_number,
            shipment.location_id,
            shipment.shipped_at,
            shipment.promised_by,
            shipment.carrier_edd,
            shipment.delivered_at,
            shipment.extra.get("ship_to_country"),
            shipment.extra.get("channel"),
            *(NO_ORDER if order is None else order),
        )

    def assemble(
        self,
        shipment_id: str,
        order_id: str | None,
        carrier: str,
        service: str | None,
        tracking_number: str | None,
        location_id: str | None,
        shipped_at: datetime | None,
        promised_by: date | datetime | None,
        carrier_edd: date | datetime | None,
        delivered_at: datetime | None,
        ship_to_country: str | None,
        shipment_channel: str | None,
        channel: str | None,
        placed_at: datetime | None,
        country: str | None,
        timezone: str | None,
        order_promised_by: date | datetime | None,
    ) -> ShipmentFacts:
        """The facts of a shipment given as values, with its order's (all None without one).

        ``ship_to_country`` and ``shipment_channel`` are the shipment's own
        extra columns, used when the order is unknown; ``channel`` to
        ``order_promised_by`` are the fields of its :class:`OrderFacts`. This
        is the one place where a shipment meets its order, origin and
        service, whatever the data source.
        """
        origin = self.origins.get(location_id) if location_id else None
        destination = country or ship_to_country
        key = (carrier, service, origin, destination)
        calendar, transit = self._terms.get(key) or self.terms(*key)
        return ShipmentFacts(
            shipment_id,
            calendar,
            self.destination_zone(timezone, destination),
            carrier,
            service,
            channel if channel is not None else shipment_channel,
            tracking_number,
            order_id,
            bool(origin and destination and origin != destination),
            placed_at,
            shipped_at,
            promised_by or order_promised_by,
            carrier_edd,
            delivered_at,
            transit,
        )


def facts_builder_for(app, data, *, with_orders: bool = True) -> FactsBuilder:
    """The facts builder of a run of ``app`` over ``data`` (an :class:`opsctl.datasets.Dataset`
    or anything with ``timezone`` and ``records()``), with the reference data, the
    configured default calendar and the carriers' transit-time fallback.

    Without ``with_orders`` it holds no orders: the fast path joins each
    shipment to its order itself.
    """
    from opsctl.calendars import get_calendar
    from opsctl.errors import ConfigError
    from opsctl.geo import country_of_zone

    config = app.config

    def default_calendar():
        code = config.get("sla.calendar") or country_of_zone(data.timezone)
        if not code:
            raise ConfigError(
                "a shipment's calendar is unknown (no carrier service calendar, no destination) "
                "and [defaults] timezone names no country: set [sla] calendar, e.g. 'GB-ENG'",
                path=str(config.path) if config.path else None,
            )
        return get_calendar(code)

    @cache
    def carriers() -> dict[str, object]:
        """The carrier plugins, loaded for the first service without a carrier_services row."""
        return {r.name: r.obj for r in app.plugins.registry.registrations("carriers")}

    def transit_fallback(carrier: str, service: str) -> int | None:
        known = carriers().get(carrier)
        transit = known.transit_time(service) if known and hasattr(known, "transit_time") else None
        return transit.max_days if transit else None

    return FactsBuilder(
        default_timezone=data.timezone,
        default_calendar=default_calendar,
        orders=data.records("orders", required=False) if with_orders else (),
        locations=data.records("locations", required=False),
        carrier_services=data.records("carrier_services", required=False),
        transit_fallback=transit_fallback,
    )
