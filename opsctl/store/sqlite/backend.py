"""The SQLite backend: one file, WAL mode, every SQL statement opsctl runs on it.

Everything SQLite-specific lives in this package: the connection and its
pragmas, the upsert statement, the migrations. A run that is killed leaves
the file as it was before the run's transaction: SQLite ignores a
transaction's pages in the write-ahead log until its commit record is there.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any

from opsctl.errors import LockHeldError, UsageError
from opsctl.model.schema import canonical_text
from opsctl.store.base import Migration, MissingParent, NotificationLedger, Repository, Store
from opsctl.store.sqlite.kpi import SqliteKpiSnapshots
from opsctl.store.sqlite.migrations import MIGRATIONS, timeline_refresh
from opsctl.store.sqlite.tracking import SqliteTrackingLedger
from opsctl.store.tables import REFERENCES, TABLES, Table

#: Tracking numbers whose events changed in the current transaction (a table of the
#: connection's own temp schema, rolled back with the transaction), and the statement that
#: refolds their timelines before the commit: each number once, whatever the events' order.
STALE_TIMELINES = (
    "CREATE TEMP TABLE IF NOT EXISTS stale_timelines "
    "(tracking_number TEXT PRIMARY KEY) WITHOUT ROWID"
)
REFOLD_STALE = timeline_refresh("tracking_number IN (SELECT tracking_number FROM stale_timelines)")
#: Records per ``executemany`` call.
BATCH_SIZE = 5000
MIGRATIONS_TABLE = "opsctl_migrations"
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA cache_size = -65536",
)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class SqliteRepository(Repository):
    """One entity's table in a SQLite store."""

    def __init__(self, store: SqliteStore, table: Table):
        self.store, self.table, self.entity = store, table, table.name
        columns = table.column_names
        updates = [name for name in columns if name not in table.key]
        self._upsert = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)}) "
            f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET "
            + ", ".join(f"{name} = excluded.{name}" for name in updates)
            + " WHERE "
            + " OR ".join(f"{table.name}.{name} IS NOT excluded.{name}" for name in updates)
        )
        self._select = f"SELECT {', '.join(columns)} FROM {table.name}"
        self._order = " ORDER BY " + ", ".join(table.key)
        self._by_key = " WHERE " + " AND ".join(f"{name} = ?" for name in table.key)

    def write(self, records: Iterable[Any]) -> tuple[int, int]:
        if self.entity == "tracking_events":
            return self._write_events(records)
        execute, rows_of = self.store.connection.executemany, self.table.rows_of
        given = written = 0
        for batch in _batches(records, BATCH_SIZE):
            written += execute(self._upsert, rows_of(batch)).rowcount
            given += len(batch)
        return given, written

    def _write_events(self, records: Iterable[Any]) -> tuple[int, int]:
        """Tracking events, and the timelines of their numbers in the same transaction."""
        connection, rows_of = self.store.connection, self.table.rows_of
        number = self.table.column_names.index("tracking_number")
        given = written = 0
        with self.store.transaction():
            for batch in _batches(records, BATCH_SIZE):
                rows = rows_of(batch)
                changed = connection.executemany(self._upsert, rows).rowcount
                if changed:
                    connection.executemany(
                        "INSERT OR IGNORE INTO stale_timelines VALUES (?)",
                        [(value,) for value in {row[number] for row in rows}],
                    )
                    self.store.stale_timelines = True
                written += changed
                given += len(batch)
        return given, written

    def get(self, *key: Any) -> Any | None:
        values = [
            canonical_text(value) if not isinstance(value, str) else value
            for value in (("" if value is None else value) for value in key)
        ]
        row = self.store.connection.execute(self._select + self._by_key, values).fetchone()
        return None if row is None else self.table.record_of(row)

    def all(self) -> Iterator[Any]:
        cursor = self.store.connection.execute(self._select + self._order)
        while rows := cursor.fetchmany(BATCH_SIZE):
            for row in rows:
                yield self.table.record_of(row)

    def count(self) -> int:
        return self.store.connection.execute(f"SELECT count(*) FROM {self.entity}").fetchone()[0]


class SqliteStore(Store):
    """A state store in one SQLite file.

    ``create=False`` refuses a path where no store exists yet (``db status``
    and ``db migrate`` do not create one by accident).
    """

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        self.location = str(self.path)
        if not create and not self.path.exists():
            raise UsageError(f"no state store at {self.path}: create it with `opsctl db init`")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            for pragma in PRAGMAS:
                self.connection.execute(pragma)
            self.connection.execute(STALE_TIMELINES)
        except sqlite3.DatabaseError as error:
            raise UsageError(f"cannot open the state store {self.path}: {error}") from None
        self._depth = 0
        self._repositories: dict[str, SqliteRepository] = {}
        #: Whether ``stale_timelines`` names numbers to refold (see :meth:`refold_timelines`).
        self.stale_timelines = False

    def repository(self, entity: str) -> SqliteRepository:
        if entity not in self._repositories:
            if entity not in TABLES:
                raise UsageError(f"unknown entity {entity!r}; expected one of {', '.join(TABLES)}")
            self._repositories[entity] = SqliteRepository(self, TABLES[entity])
        return self._repositories[entity]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:  # join the enclosing transaction
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # busy beyond busy_timeout
            raise LockHeldError(
                f"the state store {self.path} is busy ({error}): another run is writing to it"
            ) from None
        self._depth = 1
        try:
            yield
            self._commit()
        except BaseException:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            self.stale_timelines = False  # rolled back with the rest
            raise
        finally:
            self._depth = 0

    def refold_timelines(self) -> None:
        """Refold the timelines of the numbers whose events this transaction changed."""
        if self.stale_timelines:
            self.connection.execute(REFOLD_STALE)
            self.connection.execute("DELETE FROM stale_timelines")
            self.stale_timelines = False

    def _commit(self) -> None:
        self.refold_timelines()
        try:
            self.connection.execute("COMMIT")
        except sqlite3.IntegrityError:  # deferred foreign keys: name the orphans
            from opsctl.store.ingest import missing_parents_error

            raise missing_parents_error(self.missing_parents()) from None

    # -- schema ------------------------------------------------------------------------

    def migrations(self) -> tuple[Migration, ...]:
        return MIGRATIONS

    def schema_version(self) -> int:
        exists = self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
        ).fetchone()
        if not exists:
            return 0
        row = self.connection.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone()
        return row[0] or 0

    def migrate(self) -> list[Migration]:
        applied = []
        latest = self.migrations()[-1].version
        if self.schema_version() > latest:
            raise UsageError(
                f"the state store {self.path} has schema version {self.schema_version()}, "
                f"newer than this opsctl knows ({latest}): upgrade opsctl"
            )
        for migration in self.pending_migrations():
            with self.transaction():
                self.connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                for statement in migration.statements:
                    self.connection.execute(statement)
                self.connection.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, canonical_text(datetime.now(timezone.utc))),
                )
            applied.append(migration)
        return applied

    def missing_parents(self, entities: Iterable[str] | None = None) -> list[MissingParent]:
        wanted = set(TABLES if entities is None else entities)
        missing = []
        for child, column, parent, parent_column in REFERENCES:
            if child not in wanted and parent not in wanted:
                continue
            rows = self.connection.execute(
                f"SELECT c.{column}, count(*) FROM {child} AS c "
                f"LEFT JOIN {parent} AS p ON p.{parent_column} = c.{column} "
                f"WHERE p.{parent_column} IS NULL GROUP BY c.{column} ORDER BY c.{column} LIMIT 5"
            ).fetchall()
            missing += [MissingParent(child, column, value, parent, count) for value, count in rows]
        return missing

    def notifications(self) -> SqliteNotificationLedger:
        return SqliteNotificationLedger(self)

    def tracking_ledger(self) -> SqliteTrackingLedger:
        return SqliteTrackingLedger(self)

    def kpi_snapshots(self) -> SqliteKpiSnapshots:
        return SqliteKpiSnapshots(self)

    def sla_verdicts(self):
        from opsctl.store.sqlite.verdicts import SqliteVerdictCache

        return SqliteVerdictCache(self)

    def routing_ledger(self):
        # Imported here: the routing model is only needed by `opsctl route`.
        from opsctl.store.sqlite.routing import SqliteAllocationLedger

        return SqliteAllocationLedger(self)

    def integrity_problems(self) -> list[str]:
        """What ``PRAGMA integrity_check`` finds (empty when the file is sound)."""
        rows = [row[0] for row in self.connection.execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    def close(self) -> None:
        self.connection.close()


class SqliteNotificationLedger(NotificationLedger):
    """The notification ledger in the ``notification_state`` and ``notification_log`` tables."""

    def __init__(self, store: SqliteStore):
        self.store = store

    def states(self, notifier: str, audience: str) -> dict[str, str]:
        rows = self.store.connection.execute(
            "SELECT shipment_id, state FROM notification_state WHERE notifier = ? AND audience = ?",
            (notifier, audience),
        )
        return dict(rows)

    def set_states(
        self, notifier: str, audience: str, states: Iterable[tuple[str, str]], at: str
    ) -> None:
        with self.store.transaction():
            for batch in _batches(states, BATCH_SIZE):
                self.store.connection.executemany(
                    "INSERT INTO notification_state (notifier, audience, shipment_id, state, "
                    "changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                    "state = excluded.state, changed_at = excluded.changed_at",
                    [(notifier, audience, shipment, state, at) for shipment, state in batch],
                )

    def logged(self, notifier: str, audience: str) -> set[tuple[str, str]]:
        rows = self.store.connection.execute(
            "SELECT shipment_id, event FROM notification_log WHERE notifier = ? AND audience = ?",
            (notifier, audience),
        )
        return set(rows)

    def log(self, notifier: str, audience: str, events: Iterable[tuple[str, str]], at: str) -> None:
        with self.store.transaction():
            for batch in _batches(events, BATCH_SIZE):
                self.store.connection.executemany(
                    "INSERT OR IGNORE INTO notification_log (notifier, audience, shipment_id, "
                    "event, notified_at) VALUES (?, ?, ?, ?, ?)",
                    [(notifier, audience, shipment, event, at) for shipment, event in batch],
                )
