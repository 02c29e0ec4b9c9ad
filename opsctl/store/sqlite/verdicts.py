"""Kept SLA verdicts in SQLite: the ``sla_verdicts`` table and its triggers (migration 7)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING

import orjson

from opsctl.store.sqlite.tracking import select_shipment_timelines
from opsctl.store.verdicts import KeptVerdict, VerdictCache

if TYPE_CHECKING:
    from opsctl.store.sqlite.backend import SqliteStore

#: Whether the kept verdict of shipment ``s`` holds (parameters: basis, now, now).
_HOLDS = "v.basis = ? AND v.judged_at <= ? AND (v.valid_until IS NULL OR ? < v.valid_until)"
#: Whether shipment ``s`` has no kept verdict that holds (the same parameters).
_TO_JUDGE = (
    f"NOT EXISTS (SELECT 1 FROM sla_verdicts AS v WHERE v.shipment_id = s.shipment_id AND {_HOLDS})"
)


class SqliteVerdictCache(VerdictCache):
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def held_counts(self, basis: str, now: int) -> Iterator[tuple]:
        cursor = self.store.connection.execute(
            "SELECT v.carrier, v.service, v.channel, v.verdict, v.promise_kept, count(*) "
            f"FROM sla_verdicts AS v WHERE {_HOLDS} GROUP BY 1, 2, 3, 4, 5",
            (basis, now, now),
        )
        for carrier, service, channel, verdict, kept, count in cursor:
            yield carrier, service, channel, verdict, None if kept is None else bool(kept), count

    def held_rows(self, basis: str, now: int, verdicts: Collection[str]) -> Iterator[tuple]:
        if not verdicts:
            return
        marks = ", ".join("?" * len(verdicts))
        cursor = self.store.connection.execute(
            f"SELECT v.shipment_id, v.listed FROM sla_verdicts AS v WHERE {_HOLDS} "
            f"AND v.verdict IN ({marks})",
            (basis, now, now, *verdicts),
        )
        loads = orjson.loads
        while rows := cursor.fetchmany(5000):
            for shipment_id, listed in rows:
                yield shipment_id, tuple(loads(listed))

    def shipment_timelines_to_judge(
        self, basis: str, now: int, start: str | None = None, stop: str | None = None
    ) -> Iterator[tuple]:
        # The kept verdicts are looked up before the shipment meets its order and timeline.
        return select_shipment_timelines(self.store, start, stop, _TO_JUDGE, (basis, now, now))

    def count_to_judge(self, basis: str, now: int) -> int:
        self.store.refold_timelines()
        return self.store.connection.execute(
            f"SELECT count(*) FROM shipments AS s WHERE {_TO_JUDGE}", (basis, now, now)
        ).fetchone()[0]

    def shipment_to_judge_at(self, basis: str, now: int, index: int) -> str | None:
        row = self.store.connection.execute(
            f"SELECT s.shipment_id FROM shipments AS s WHERE {_TO_JUDGE} "
            "ORDER BY s.shipment_id LIMIT 1 OFFSET ?",
            (basis, now, now, index),
        ).fetchone()
        return None if row is None else row[0]

    def keep(self, verdicts: Iterable[KeptVerdict], basis: str) -> int:
        dumps = orjson.dumps
        rows = [
            (
                v.shipment_id,
                basis,
                v.judged_at,
                v.valid_until,
                v.carrier,
                v.service,
                v.channel,
                v.verdict,
                None if v.promise_kept is None else int(v.promise_kept),
                dumps(v.listed),
            )
            for v in verdicts
        ]
        with self.store.transaction():
            self.store.connection.executemany(
                "INSERT OR REPLACE INTO sla_verdicts (shipment_id, basis, judged_at, "
                "valid_until, carrier, service, channel, verdict, promise_kept, listed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def clear(self) -> int:
        with self.store.transaction():
            return self.store.connection.execute("DELETE FROM sla_verdicts").rowcount
