"""The tracking ledger in SQLite: the ``tracking_polls`` table and event look-ups.

Timestamps are stored as the other tables store them (ISO 8601 UTC text with
microseconds, see :mod:`opsctl.store.tables`), so they sort as text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from opsctl.store.tables import CODECS
from opsctl.store.tracking import (
    EventKey,
    PollState,
    TrackedShipment,
    TrackingLedger,
    UnmappedCount,
)
from opsctl.tracking import TrackingStatus

if TYPE_CHECKING:
    from opsctl.store.sqlite.backend import SqliteStore

_, timestamp_text, timestamp_of = CODECS["timestamp"]
_, deadline_text, _ = CODECS["deadline"]
STATUSES = {status.value: status for status in TrackingStatus}
#: Tracking numbers per ``IN (...)`` look-up.
LOOKUP_SIZE = 500

POLL_COLUMNS = (
    "shipment_id",
    "carrier",
    "tracking_number",
    "first_polled_at",
    "last_polled_at",
    "next_poll_at",
    "failures",
    "final",
    "final_reason",
    "problem",
)

# Events of a shipment's number from its carrier, or from an export that named no carrier.
_EVENTS_OF_SHIPMENT = (
    "FROM tracking_events AS e WHERE e.tracking_number = s.tracking_number "
    "AND e.carrier IN (s.carrier, '')"
)
_OPEN = """
    FROM shipments AS s
    LEFT JOIN tracking_polls AS p
        ON p.shipment_id = s.shipment_id
        AND p.carrier = s.carrier
        AND p.tracking_number = s.tracking_number
    WHERE s.delivered_at IS NULL AND p.final IS NOT 1
"""
OPEN_SHIPMENTS = f"""
    SELECT s.shipment_id, s.carrier, s.tracking_number, s.shipped_at,
           (SELECT e.status {_EVENTS_OF_SHIPMENT} AND e.status IS NOT NULL
            ORDER BY e.occurred_at DESC LIMIT 1),
           (SELECT max(e.occurred_at) {_EVENTS_OF_SHIPMENT}),
           {", ".join(f"p.{name}" for name in POLL_COLUMNS)}
    {_OPEN}
"""


SHIPMENT_TIMELINES = """
    SELECT s.shipment_id, s.order_id, s.carrier, s.service, s.tracking_number, s.location_id,
        s.shipped_at, s.promised_by, s.carrier_edd, s.delivered_at, s.extra,
        o.channel, o.placed_at, o.ship_to_country, o.ship_to_latitude, o.ship_to_longitude,
        o.promised_by,
        t.events, t.unmapped, t.first_event_at, t.last_event_at, t.label_created_at,
        t.first_scan_at, t.last_scan_at, t.reached_customer_at, t.delivered_at,
        t.latest_status, t.latest_status_at, t.latest_reason
    FROM shipments AS s
    LEFT JOIN orders AS o ON o.order_id = s.order_id
    LEFT JOIN tracking_timelines AS t ON t.tracking_number = s.tracking_number
"""


def select_shipment_timelines(
    store: SqliteStore,
    start: str | None = None,
    stop: str | None = None,
    condition: str | None = None,
    parameters: Sequence[Any] = (),
) -> Iterator[tuple]:
    """The rows of :data:`SHIPMENT_TIMELINES` in shipment id order: those from id ``start``
    on and before id ``stop`` (when given) for which ``condition`` (SQL on the shipment
    ``s``, with its ``parameters``) holds."""
    bounds, values = ([condition], list(parameters)) if condition else ([], [])
    if start is not None:
        bounds.append("s.shipment_id >= ?")
        values.append(start)
    if stop is not None:
        bounds.append("s.shipment_id < ?")
        values.append(stop)
    where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
    store.refold_timelines()  # events written earlier in this transaction
    cursor = store.connection.execute(
        SHIPMENT_TIMELINES + where + " ORDER BY s.shipment_id", values
    )
    while rows := cursor.fetchmany(5000):
        yield from rows


def _carrier_filter(carriers: Collection[str]) -> tuple[str, list[Any]]:
    names = list(carriers)
    if not names:
        return "", []
    return f" AND s.carrier IN ({', '.join('?' for _ in names)})", names


def _poll_rows(polls: Iterable[PollState]) -> Iterator[tuple[Any, ...]]:
    # A batch's polls share their times: encode each distinct time once.
    texts: dict[datetime | None, str | None] = {None: None}

    def text(moment: datetime | None) -> str | None:
        if moment not in texts:
            texts[moment] = timestamp_text(moment)
        return texts[moment]

    for poll in polls:
        yield (
            poll.shipment_id,
            poll.carrier,
            poll.tracking_number,
            text(poll.first_polled_at),
            text(poll.last_polled_at),
            text(poll.next_poll_at),
            poll.failures,
            int(poll.final),
            poll.final_reason,
            poll.problem,
        )


def _poll_of(row: tuple[Any, ...]) -> PollState:
    (shipment_id, carrier, number, first, last, following, failures, final, reason, problem) = row
    return PollState(
        shipment_id,
        carrier,
        number,
        timestamp_of(first),
        timestamp_of(last),
        timestamp_of(following),
        failures,
        bool(final),
        reason,
        problem,
    )


class SqliteTrackingLedger(TrackingLedger):
    """:class:`TrackingLedger` on a :class:`SqliteStore`."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def open_shipments(
        self, carriers: Collection[str] = (), *, due_by: datetime | None = None
    ) -> Iterator[TrackedShipment]:
        condition, parameters = _carrier_filter(carriers)
        if due_by is not None:  # the subqueries then run for due shipments only
            condition += " AND (p.next_poll_at IS NULL OR p.next_poll_at <= ?)"
            parameters.append(timestamp_text(due_by))
        cursor = self.store.connection.execute(
            OPEN_SHIPMENTS + condition + " ORDER BY s.shipment_id", parameters
        )
        while rows := cursor.fetchmany(5000):
            for row in rows:
                shipment_id, carrier, number, shipped_at, status, last_event_at = row[:6]
                polled = row[6:]
                yield TrackedShipment(
                    shipment_id,
                    carrier,
                    number,
                    timestamp_of(shipped_at),
                    STATUSES.get(status) if status else None,
                    timestamp_of(last_event_at),
                    _poll_of(polled) if polled[0] is not None else None,
                )

    def open_counts(self, carriers: Collection[str] = ()) -> dict[str, int]:
        condition, parameters = _carrier_filter(carriers)
        rows = self.store.connection.execute(
            f"SELECT s.carrier, count(*) {_OPEN}{condition} GROUP BY s.carrier", parameters
        )
        return dict(rows.fetchall())

    def event_keys(self, carrier: str, tracking_numbers: Collection[str]) -> set[EventKey]:
        numbers = list(dict.fromkeys(tracking_numbers))
        keys: set[EventKey] = set()
        for start in range(0, len(numbers), LOOKUP_SIZE):
            chunk = numbers[start : start + LOOKUP_SIZE]
            rows = self.store.connection.execute(
                "SELECT tracking_number, occurred_at, event_code FROM tracking_events "
                "WHERE carrier IN (?, '') "
                f"AND tracking_number IN ({', '.join('?' for _ in chunk)})",
                [carrier, *chunk],
            )
            keys.update((number, timestamp_of(at), code) for number, at, code in rows)
        return keys

    def record_polls(self, polls: Iterable[PollState]) -> None:
        updates = ", ".join(f"{name} = excluded.{name}" for name in POLL_COLUMNS[1:])
        with self.store.transaction():
            self.store.connection.executemany(
                f"INSERT INTO tracking_polls ({', '.join(POLL_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in POLL_COLUMNS)}) "
                f"ON CONFLICT (shipment_id) DO UPDATE SET {updates}",
                _poll_rows(polls),
            )

    def poll_state(self, shipment_id: str) -> PollState | None:
        row = self.store.connection.execute(
            f"SELECT {', '.join(POLL_COLUMNS)} FROM tracking_polls WHERE shipment_id = ?",
            (shipment_id,),
        ).fetchone()
        return None if row is None else _poll_of(row)

    def record_estimates(self, estimates: Iterable[tuple[str, date]]) -> int:
        changed = 0
        with self.store.transaction():
            for shipment_id, day in estimates:
                text = deadline_text(day)
                changed += self.store.connection.execute(
                    "UPDATE shipments SET carrier_edd = ? "
                    "WHERE shipment_id = ? AND carrier_edd IS NOT ?",
                    (text, shipment_id, text),
                ).rowcount
        return changed

    def unmapped_codes(self) -> list[UnmappedCount]:
        rows = self.store.connection.execute(
            "SELECT carrier, raw_code, count(*) FROM tracking_events "
            "WHERE status IS NULL AND raw_code IS NOT NULL "
            "GROUP BY carrier, raw_code ORDER BY carrier, raw_code"
        )
        return [UnmappedCount(carrier, code, count) for carrier, code, count in rows]

    def shipment_timelines(
        self, start: str | None = None, stop: str | None = None
    ) -> Iterator[tuple]:
        return select_shipment_timelines(self.store, start, stop)

    def shipment_at(self, index: int) -> str | None:
        row = self.store.connection.execute(
            "SELECT shipment_id FROM shipments ORDER BY shipment_id LIMIT 1 OFFSET ?", (index,)
        ).fetchone()
        return None if row is None else row[0]
