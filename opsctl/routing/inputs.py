"""Gathering what a routing run reads, from data files or the state store.

Records come through :class:`opsctl.datasets.Dataset` (files given on the
command line, else the config's ``[data]`` files, or the state store with
``--from-store``), so routing reads exactly what every other command reads.
An orders file whose rows also carry line columns gives the lines too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from opsctl.datasets import Dataset
from opsctl.errors import DataError
from opsctl.model import Location, Order, OrderLine, StockLevel
from opsctl.routing.batch import RoutingInputs, collector_paused
from opsctl.routing.fulfilment import check_shipped_units
from opsctl.routing.geo import PostalCodes
from opsctl.routing.ledger import AllocationLedger

#: Command-line option of each entity routing reads.
OPTIONS = {
    "locations": "--locations",
    "carrier_services": "--carrier-services",
    "stock": "--stock",
    "orders": "--orders",
    "order_lines": "--lines",
}


def read_inputs(
    data: Dataset,
    *,
    ledger: AllocationLedger | None = None,
    placed_since: datetime | None = None,
    placed_until: datetime | None = None,
    postal_codes: str | Path | None = None,
    shipments: bool = False,
) -> RoutingInputs:
    """The inputs of a run.

    Orders placed before ``placed_since`` or at/after ``placed_until`` are
    left out. With a ``ledger`` (``--apply``), orders it has already routed
    are left out too, and what earlier runs reserved counts against stock
    and capacity. With ``shipments``, the ids of the orders that have a
    shipment in the data's shipments (a file, or the store), when there are
    any, so that orders already fulfilled are not routed again
    (:mod:`opsctl.routing.fulfilment`). Stock naming an unknown location, or
    a ``quantity_shipped`` that is not a number of the line's units, is a
    :class:`DataError`.
    """
    with collector_paused():
        return _read_inputs(data, ledger, placed_since, placed_until, postal_codes, shipments)


def _read_inputs(
    data: Dataset,
    ledger: AllocationLedger | None,
    placed_since: datetime | None,
    placed_until: datetime | None,
    postal_codes: str | Path | None,
    shipments: bool,
) -> RoutingInputs:
    orders: list[Order] = []
    lines: list[OrderLine] = []
    for record in data.records("orders", option=OPTIONS["orders"]):
        (orders if isinstance(record, Order) else lines).append(record)
    check_shipped_units(lines, data.file("orders"))
    routed = ledger.routed_order_ids() if ledger is not None else set()
    if routed or placed_since is not None or placed_until is not None:
        orders = [
            order
            for order in orders
            if order.order_id not in routed
            and (placed_since is None or order.placed_at >= placed_since)
            and (placed_until is None or order.placed_at < placed_until)
        ]
    wanted = {order.order_id for order in orders}
    separate = list(data.records("order_lines", required=False, option=OPTIONS["order_lines"]))
    check_shipped_units(separate, data.file("order_lines"))
    lines += separate
    shipped: set[str] = set()
    if shipments:
        for shipment in data.records("shipments", required=False):
            if shipment.order_id in wanted:
                shipped.add(shipment.order_id)
    inputs = RoutingInputs(
        locations=list(data.records("locations", option=OPTIONS["locations"])),
        carrier_services=list(data.records("carrier_services", option=OPTIONS["carrier_services"])),
        stock=list(data.records("stock", option=OPTIONS["stock"])),
        orders=orders,
        lines=[line for line in lines if line.order_id in wanted],
        reserved=ledger.open_reservations() if ledger is not None else {},
        load=ledger.planned_load() if ledger is not None else {},
        postal_codes=PostalCodes.read_csv(postal_codes) if postal_codes else None,
        shipped=shipped,
    )
    check_references(inputs.locations, inputs.stock, data.file("stock") or "stock")
    return inputs


def check_references(
    locations: Iterable[Location], stock: Iterable[StockLevel], source: str
) -> None:
    """Stock must name known locations: routing would otherwise lose it silently."""
    known = {location.location_id for location in locations}
    unknown = sorted({level.location_id for level in stock} - known)
    if unknown:
        raise DataError(
            f"stock names location(s) the locations data does not have: {', '.join(unknown[:5])}",
            source=source,
            column="location_id",
        )
