"""The state store's interface: what every backend (SQLite now) provides.

Commands talk to a :class:`Store` and its per-entity :class:`Repository`
objects, never to SQL. A backend implements these two classes and keeps its
SQL dialect, schema migrations and connection handling in its own package
(:mod:`opsctl.store.sqlite`). See ``docs/store.md``.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opsctl.routing.ledger import AllocationLedger
    from opsctl.store.kpi import KpiSnapshots
    from opsctl.store.tracking import TrackingLedger
    from opsctl.store.verdicts import VerdictCache


@dataclass(frozen=True)
class Migration:
    """One numbered step of a backend's schema history."""

    version: int
    name: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert did: rows added, rows changed, rows already as given."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


@dataclass(frozen=True)
class MissingParent:
    """A stored row that names a parent row the store does not have."""

    table: str
    column: str
    value: str
    parent: str
    rows: int


class Repository(abc.ABC):
    """The records of one entity in the store, addressed by their natural key."""

    entity: str
    store: Store

    @abc.abstractmethod
    def write(self, records: Iterable[Any]) -> tuple[int, int]:
        """Upsert ``records`` by natural key, streamed in batches, without counting.

        Returns ``(records given, rows inserted or changed)``. A record equal
        to the stored one is not written. Runs in the current transaction.
        """

    def upsert(self, records: Iterable[Any]) -> UpsertCounts:
        """Insert new records and update changed ones, by natural key; count each kind.

        Runs inside the store's current transaction (or its own one).
        """
        with self.store.transaction():
            before = self.count()
            given, written = self.write(records)
            inserted = self.count() - before
        return UpsertCounts(inserted, written - inserted, given - written)

    @abc.abstractmethod
    def get(self, *key: Any) -> Any | None:
        """The record with this natural key (in the key's column order), or ``None``."""

    @abc.abstractmethod
    def all(self) -> Iterator[Any]:
        """Every record, in natural-key order, streamed."""

    @abc.abstractmethod
    def count(self) -> int:
        """How many records the store holds."""


class NotificationLedger(abc.ABC):
    """What each notifier has already told about each shipment.

    ``state`` is the last value seen per shipment (e.g. its SLA verdict), so a
    notification goes out once per change; the ``log`` holds events told once
    ever (customer-facing stages). Writes join the store's transaction.
    """

    @abc.abstractmethod
    def states(self, notifier: str, audience: str) -> dict[str, str]:
        """The last state recorded for every shipment, by shipment id."""

    @abc.abstractmethod
    def set_states(
        self, notifier: str, audience: str, states: Iterable[tuple[str, str]], at: str
    ) -> None:
        """Record ``(shipment_id, state)`` pairs as the current states."""

    @abc.abstractmethod
    def logged(self, notifier: str, audience: str) -> set[tuple[str, str]]:
        """Every ``(shipment_id, event)`` already told."""

    @abc.abstractmethod
    def log(self, notifier: str, audience: str, events: Iterable[tuple[str, str]], at: str) -> None:
        """Record ``(shipment_id, event)`` pairs as told."""


class Store(abc.ABC):
    """A state store: versioned schema, transactions and one repository per entity."""

    #: Where the store lives (a file path for SQLite), for messages.
    location: str

    @abc.abstractmethod
    def repository(self, entity: str) -> Repository:
        """The repository of ``entity`` (``"orders"``, ``"tracking_events"``, ...)."""

    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """A block whose writes all happen or, on any exception or crash, none do."""

    @abc.abstractmethod
    def schema_version(self) -> int:
        """The number of the last migration applied (0 for an empty store)."""

    @abc.abstractmethod
    def migrations(self) -> tuple[Migration, ...]:
        """Every migration this version of opsctl knows, oldest first."""

    @abc.abstractmethod
    def migrate(self) -> list[Migration]:
        """Apply the pending migrations, each in its own transaction; return them."""

    @abc.abstractmethod
    def missing_parents(self) -> list[MissingParent]:
        """Rows naming a parent row that is not stored (checked before a commit)."""

    @abc.abstractmethod
    def notifications(self) -> NotificationLedger:
        """The ledger of notifications sent (see :class:`NotificationLedger`)."""

    @abc.abstractmethod
    def tracking_ledger(self) -> TrackingLedger:
        """Polling state of ``opsctl track sync`` (see :mod:`opsctl.store.tracking`)."""

    @abc.abstractmethod
    def kpi_snapshots(self) -> KpiSnapshots:
        """KPI values per period of ``opsctl kpi snapshot`` (see :mod:`opsctl.store.kpi`)."""

    @abc.abstractmethod
    def routing_ledger(self) -> AllocationLedger:
        """Allocations recorded by ``opsctl route --apply`` (see :mod:`opsctl.routing.ledger`)."""

    @abc.abstractmethod
    def sla_verdicts(self) -> VerdictCache:
        """The SLA verdicts kept while they hold (see :mod:`opsctl.store.verdicts`)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    # -- built on the above ------------------------------------------------------------

    def pending_migrations(self) -> list[Migration]:
        """The migrations not applied yet."""
        current = self.schema_version()
        return [migration for migration in self.migrations() if migration.version > current]

    def counts(self) -> dict[str, int]:
        """Rows per table, in dependency order."""
        from opsctl.store.tables import TABLES

        return {name: self.repository(name).count() for name in TABLES}

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def locations(self) -> Repository:
        return self.repository("locations")

    @property
    def stock(self) -> Repository:
        return self.repository("stock")

    @property
    def carrier_services(self) -> Repository:
        return self.repository("carrier_services")

    @property
    def orders(self) -> Repository:
        return self.repository("orders")

    @property
    def order_lines(self) -> Repository:
        return self.repository("order_lines")

    @property
    def shipments(self) -> Repository:
        return self.repository("shipments")

    @property
    def tracking_events(self) -> Repository:
        return self.repository("tracking_events")

    @property
    def returns(self) -> Repository:
        return self.repository("returns")

    @property
    def reviews(self) -> Repository:
        return self.repository("reviews")

    @property
    def checkout_events(self) -> Repository:
        return self.repository("checkout_events")
