"""KPI snapshots in SQLite: the ``kpi_snapshots`` table (migration 4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from opsctl.store.kpi import KpiSnapshot, KpiSnapshots, SnapshotCounts

if TYPE_CHECKING:
    from opsctl.store.sqlite.backend import SqliteStore

COLUMNS = (
    "kpi",
    "grain",
    "period",
    "period_start",
    "period_end",
    "dimensions",
    "value",
    "unit",
    "n",
    "reason",
    "as_of",
    "computed_at",
)
KEY = ("kpi", "grain", "period_start", "dimensions")


class SqliteKpiSnapshots(KpiSnapshots):
    """KPI snapshots in the ``kpi_snapshots`` table."""

    def __init__(self, store: SqliteStore):
        self.store = store

    def write(self, snapshots: Iterable[KpiSnapshot]) -> SnapshotCounts:
        connection = self.store.connection
        inserted = updated = unchanged = 0
        placeholders = ", ".join("?" for _ in COLUMNS)
        with self.store.transaction():
            for snapshot in snapshots:
                key = tuple(getattr(snapshot, name) for name in KEY)
                row = connection.execute(
                    f"SELECT {', '.join(COLUMNS)} FROM kpi_snapshots WHERE "
                    + " AND ".join(f"{name} = ?" for name in KEY),
                    key,
                ).fetchone()
                if row is not None and KpiSnapshot(*row).same_values(snapshot):
                    unchanged += 1
                    continue
                connection.execute(
                    f"INSERT OR REPLACE INTO kpi_snapshots ({', '.join(COLUMNS)}) "
                    f"VALUES ({placeholders})",
                    tuple(getattr(snapshot, name) for name in COLUMNS),
                )
                if row is None:
                    inserted += 1
                else:
                    updated += 1
        return SnapshotCounts(inserted, updated, unchanged)

    def read(
        self, *, kpis: Sequence[str] = (), grain: str | None = None, since: str | None = None
    ) -> list[KpiSnapshot]:
        conditions, parameters = [], []
        if kpis:
            conditions.append(f"kpi IN ({', '.join('?' for _ in kpis)})")
            parameters += list(kpis)
        if grain:
            conditions.append("grain = ?")
            parameters.append(grain)
        if since:
            conditions.append("period_start >= ?")
            parameters.append(since)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.store.connection.execute(
            f"SELECT {', '.join(COLUMNS)} FROM kpi_snapshots{where} "
            "ORDER BY kpi, grain, dimensions, period_start",
            parameters,
        )
        return [KpiSnapshot(*row) for row in rows]
