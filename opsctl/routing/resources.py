"""Stock and capacity during a routing run: what is left, and which order holds what.

Available stock is ``on_hand - reserved - safety_stock`` (minus what opsctl
already reserved in the state store). Capacity is counted in shipments per
location and ship day. Both are taken when an order is routed and given back
when the allocator moves it, so no location ever gives more than it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from sys import intern

from opsctl.model import StockLevel
from opsctl.routing.model import Plan


def available_stock(levels: Iterable[StockLevel]) -> dict[tuple[str, str], int]:
    """Units each location can promise, per ``(location_id, sku)``."""
    return {(level.location_id, level.sku): level.available for level in levels}


class Resources:
    """The stock and capacity left, with the holders of each, during one routing run.

    ``free[sku][location_id]`` is what is left to promise; it goes negative
    only while the allocator claims units for an order it is making room for.
    """

    def __init__(
        self,
        stock: Mapping[tuple[str, str], int],
        load: Mapping[tuple[str, date], int] | None = None,
    ):
        # Ids interned, as the sites' and the requests' are: the run looks them up millions
        # of times, and a key that is the very same string matches without comparing text.
        self.free: dict[str, dict[str, int]] = {}
        for (location_id, sku), units in stock.items():
            self.free.setdefault(intern(sku), {})[intern(location_id)] = units
        self.initial: dict[str, dict[str, int]] = {sku: dict(by) for sku, by in self.free.items()}
        #: Shipments per location and ship day (including those routed before this run).
        self.load: dict[str, dict[date, int]] = {}
        for (location_id, day), shipments in (load or {}).items():
            self.load.setdefault(intern(location_id), {})[day] = shipments
        #: (location_id, sku) -> order_id -> units held, in routing order.
        self.holders: dict[tuple[str, str], dict[str, int]] = {}
        #: (location_id, ship day) -> orders shipping from there that day, in routing order.
        self.shippers: dict[tuple[str, date], dict[str, None]] = {}

    def free_units(self, sku: str, location_id: str) -> int:
        by_location = self.free.get(sku)
        return by_location.get(location_id, 0) if by_location else 0

    def initial_units(self, sku: str, location_id: str) -> int:
        by_location = self.initial.get(sku)
        return by_location.get(location_id, 0) if by_location else 0

    def shipments_on(self, location_id: str, day: date) -> int:
        by_day = self.load.get(location_id)
        return by_day.get(day, 0) if by_day else 0

    def take(self, order_id: str, plan: Plan) -> None:
        """Hold the stock and capacity ``plan`` uses for ``order_id``."""
        free, holders, load, shippers = self.free, self.holders, self.load, self.shippers
        for shipment in plan.shipments:
            site_id = shipment.site.location_id
            for _, sku, quantity in shipment.items:
                by_location = free.get(sku)
                if by_location is None:
                    by_location = free[sku] = {}
                by_location[site_id] = by_location.get(site_id, 0) - quantity
                held = holders.get((site_id, sku))
                if held is None:
                    held = holders[(site_id, sku)] = {}
                held[order_id] = held.get(order_id, 0) + quantity
            day = shipment.ship_date
            by_day = load.get(site_id)
            if by_day is None:
                by_day = load[site_id] = {}
            by_day[day] = by_day.get(day, 0) + 1
            orders = shippers.get((site_id, day))
            if orders is None:
                orders = shippers[(site_id, day)] = {}
            orders[order_id] = None

    def give_back(self, order_id: str, plan: Plan) -> None:
        """Release what :meth:`take` held for ``order_id`` with ``plan``."""
        free, holders = self.free, self.holders
        for shipment in plan.shipments:
            site_id = shipment.site.location_id
            for _, sku, quantity in shipment.items:
                free[sku][site_id] += quantity
                held = holders[(site_id, sku)]
                held[order_id] -= quantity
                if not held[order_id]:
                    del held[order_id]
            self.load[site_id][shipment.ship_date] -= 1
            self.shippers[(site_id, shipment.ship_date)].pop(order_id, None)

    def shift(self, plan: Plan, sign: int) -> None:
        """Give back (``sign=1``) or take again (``-1``) the stock and capacity of ``plan``,
        leaving the holders as they are: to look at what the resources would be."""
        free, load = self.free, self.load
        for shipment in plan.shipments:
            site_id = shipment.site.location_id
            for _, sku, quantity in shipment.items:
                free[sku][site_id] += sign * quantity
            load[site_id][shipment.ship_date] -= sign

    def requeue(self, order_id: str, plan: Plan) -> None:
        """Put ``order_id`` last among the holders and shippers of what ``plan`` holds for it,
        as :meth:`give_back` then :meth:`take` of the same plan do."""
        holders, shippers = self.holders, self.shippers
        for shipment in plan.shipments:
            site_id = shipment.site.location_id
            for _, sku, _ in shipment.items:
                held = holders[(site_id, sku)]
                held[order_id] = held.pop(order_id)
            orders = shippers[(site_id, shipment.ship_date)]
            orders[order_id] = orders.pop(order_id)
