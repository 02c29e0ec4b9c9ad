"""Routing allocations in SQLite: the ``routing_allocations`` and ``routing_reservations``
tables (migration 5, ``opsctl/store/sqlite/migrations.py``); see :mod:`opsctl.routing.ledger`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from opsctl.errors import UsageError
from opsctl.model.schema import canonical_text
from opsctl.routing.ledger import TABLES, AllocationLedger
from opsctl.routing.model import ROUTED, Decision

if TYPE_CHECKING:
    from opsctl.store.sqlite.backend import SqliteStore


class SqliteAllocationLedger(AllocationLedger):
    """The ledger in a SQLite state store."""

    _UNSHIPPED = "NOT EXISTS (SELECT 1 FROM shipments AS s WHERE s.order_id = {table}.order_id)"

    def __init__(self, store: SqliteStore):
        self.store = store
        self.connection = store.connection
        found = {
            row[0]
            for row in self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)", TABLES
            )
        }
        if found != set(TABLES):
            raise UsageError(
                f"the state store {store.location} has no routing tables yet: run `opsctl db "
                "migrate`"
            )

    def routed_order_ids(self) -> set[str]:
        rows = self.connection.execute("SELECT DISTINCT order_id FROM routing_allocations")
        return {row[0] for row in rows}

    def open_reservations(self) -> dict[tuple[str, str], int]:
        rows = self.connection.execute(
            "SELECT location_id, sku, sum(quantity) FROM routing_reservations WHERE "
            + self._UNSHIPPED.format(table="routing_reservations")
            + " GROUP BY location_id, sku"
        )
        return {(location_id, sku): units for location_id, sku, units in rows}

    def planned_load(self) -> dict[tuple[str, date], int]:
        rows = self.connection.execute(
            "SELECT location_id, ship_date, count(*) FROM routing_allocations WHERE "
            + self._UNSHIPPED.format(table="routing_allocations")
            + " GROUP BY location_id, ship_date"
        )
        return {(location_id, date.fromisoformat(day)): n for location_id, day, n in rows}

    def record(self, decisions: Iterable[Decision], routed_at: datetime) -> int:
        allocations, reservations = [], []
        stamp = canonical_text(routed_at)
        orders = 0
        for decision in decisions:
            if decision.status != ROUTED or decision.plan is None:
                continue
            orders += 1
            for number, shipment in enumerate(decision.plan.shipments, start=1):
                allocations.append(
                    (
                        decision.order_id,
                        number,
                        shipment.site.location_id,
                        shipment.lane.carrier,
                        shipment.lane.name,
                        shipment.ship_date.isoformat(),
                        shipment.delivery.isoformat(),
                        str(shipment.cost),
                        shipment.lane.currency,
                        None if shipment.on_time is None else int(shipment.on_time),
                        decision.rule.name if decision.rule else "",
                        stamp,
                    )
                )
                reservations += [
                    (
                        decision.order_id,
                        number,
                        item.line_id,
                        shipment.site.location_id,
                        item.sku,
                        item.quantity,
                    )
                    for item in shipment.items
                ]
        with self.store.transaction():
            before = self._count()
            self.connection.executemany(
                "INSERT INTO routing_allocations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                allocations,
            )
            self.connection.executemany(
                "INSERT INTO routing_reservations VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                reservations,
            )
            return self._count() - before

    def _count(self) -> int:
        row = self.connection.execute(
            "SELECT count(DISTINCT order_id) FROM routing_allocations"
        ).fetchone()
        return row[0]
