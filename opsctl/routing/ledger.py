"""What ``opsctl route --apply`` records in the state store, and reads back next time.

Each routed order's shipments go to ``routing_allocations``, the units they
take to ``routing_reservations``, all in ONE transaction: a run killed half
way records nothing, and the next run routes every order again. An order
with allocations is never routed again. Reservations and planned shipments
count against stock and daily capacity until a shipment of their order is
stored (``opsctl ingest shipments``): from then on the stock file's on-hand
figures are expected to show the units gone.

:class:`AllocationLedger` is the seam; ``Store.routing_ledger()`` gives a store's
implementation (SQLite: :mod:`opsctl.store.sqlite.routing`, schema migration 5).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from datetime import date, datetime

from opsctl.routing.model import Decision
from opsctl.store.base import Store

TABLES = ("routing_allocations", "routing_reservations")


class AllocationLedger(abc.ABC):
    """Allocations and reservations recorded by earlier ``--apply`` runs."""

    @abc.abstractmethod
    def routed_order_ids(self) -> set[str]:
        """Orders that already have allocations."""

    @abc.abstractmethod
    def open_reservations(self) -> dict[tuple[str, str], int]:
        """Units reserved per (location_id, sku) by orders not yet shipped."""

    @abc.abstractmethod
    def planned_load(self) -> dict[tuple[str, date], int]:
        """Shipments planned per (location_id, ship day) by orders not yet shipped."""

    @abc.abstractmethod
    def record(self, decisions: Iterable[Decision], routed_at: datetime) -> int:
        """Record the routed decisions in one transaction; return how many orders were new."""


def ledger_for(store: Store) -> AllocationLedger:
    """The allocation ledger of ``store``."""
    return store.routing_ledger()
