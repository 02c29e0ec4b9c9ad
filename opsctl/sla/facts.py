"""Joining a shipment with its order, origin and carrier service into :class:`ShipmentFacts`.

Only what the SLA engine needs is kept of each order (channel, destination,
placed time, promise), so a check over a million orders stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

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

    def facts(self, shipment) -> ShipmentFacts:
        """The facts of one :class:`~opsctl.model.Shipment`."""
        order = self.orders.get(shipment.order_id)
        origin = self.origins.get(shipment.location_id) if shipment.location_id else None
        destination = (order.country if order else None) or shipment.extra.get("ship_to_country")
        row = self._service(shipment.carrier, shipment.service, origin, destination)
        transit = row.transit_days_max if row is not None else None
        if transit is None and self.transit_fallback and shipment.service:
            transit = self.transit_fallback(shipment.carrier, shipment.service)
        calendar = self._calendar(row, destination) or self.default_calendar()
        timezone = (order.timezone if order else None) or (
            timezone_for(destination) if destination else None
        )
        return ShipmentFacts(
            shipment_id=shipment.shipment_id,
            calendar=calendar,
            timezone=timezone or self.default_timezone,
            carrier=shipment.carrier,
            service=shipment.service,
            channel=order.channel if order else shipment.extra.get("channel"),
            tracking_number=shipment.tracking_number,
            order_id=shipment.order_id,
            international=bool(origin and destination and origin != destination),
            placed_at=order.placed_at if order else None,
            shipped_at=shipment.shipped_at,
            promised_by=shipment.promised_by or (order.promised_by if order else None),
            carrier_edd=shipment.carrier_edd,
            delivered_at=shipment.delivered_at,
            transit_days_max=transit,
        )
