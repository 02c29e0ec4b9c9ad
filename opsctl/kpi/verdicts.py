"""Every shipment's SLA verdict, for a million shipments in seconds, by opsctl's own SLA rules.

The verdicts are those of ``opsctl sla check`` (:mod:`opsctl.sla.engine`),
computed in three steps so that the bulk of the work runs in DuckDB and the
rules stay in one place:

1. **Fold** the tracking events into one row per tracking number with the
   facts of :class:`~opsctl.sla.timeline.Timeline` (first and last event and
   scan, first time the carrier reached the customer, delivery, latest status
   with the same tie-break between events at the same instant).
2. **Settled deliveries** take the short road. For a parcel that is
   delivered (or waiting at a pickup point), whose latest status is neither
   cancelled nor a return, and that has an explicit promise, rule 3 of the
   engine decides alone: the promise is kept when the carrier first reached
   the customer by the promise's deadline. The deadline is computed by the
   engine's own functions (:func:`opsctl.calendars.end_of_day` in the zone of
   :func:`opsctl.geo.timezone_for`) for each distinct promise and zone, and
   only the comparison runs in SQL.
3. **Every other parcel** (in transit, stalled, failed, cancelled, without a
   promise...) goes through :func:`opsctl.sla.check.run_check` itself, with
   its timeline rebuilt from step 1, when its verdict is wanted. Its promise
   outcome alone needs no engine run when it has an explicit promise: the
   engine's rule for parcels not delivered is a comparison with the deadline,
   done in SQL. So KPIs of promise outcomes only (on-time delivery, OTIF...)
   run the engine on the parcels without an explicit promise, and step 1
   folds only the few timeline columns they need (:func:`compute_verdicts`
   with ``complete=False``, then :func:`complete_verdicts` if verdicts are
   wanted after all).

``tests/test_kpi_verdicts.py`` checks that every shipment of the demo shop,
and of a shop of edge cases, gets exactly the verdict and promise outcome
that ``opsctl sla check`` gives, with the engine run or without.
"""

from __future__ import annotations

import csv
import math
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsctl.kpi.sources import KpiInputs, column_sql, sql_text
from opsctl.model import schema_for
from opsctl.model.types import UTC, parse_deadline
from opsctl.sla.check import ShipmentVerdict
from opsctl.sla.timeline import CARRIER_SCANS, REACHED_CUSTOMER, Timeline
from opsctl.tracking import TrackingStatus

S = TrackingStatus

#: The engine's tie-break between events at the same instant (``timeline._STAGE``).
STAGE_ORDER = (
    S.UNKNOWN,
    S.PRE_TRANSIT,
    S.PICKED_UP,
    S.IN_TRANSIT,
    S.EXCEPTION,
    S.OUT_FOR_DELIVERY,
    S.ATTEMPT_FAILED,
    S.AVAILABLE_FOR_PICKUP,
    S.RETURN_TO_SENDER,
    S.DELIVERED,
    S.CANCELLED,
)
#: Rule 3 of the engine decides alone: delivered or at a pickup point, not cancelled or
#: returning, with an explicit promise (see the module docstring).
SETTLED = """
    (latest_status IS NULL OR latest_status NOT IN ('cancelled', 'return_to_sender'))
    AND reached IS NOT NULL
    AND (delivered IS NOT NULL OR latest_status = 'available_for_pickup')
    AND promise IS NOT NULL
"""
TIMELINE_COLUMNS = (
    "first_event_at",
    "last_event_at",
    "label_created_at",
    "first_scan_at",
    "last_scan_at",
    "reached_customer_at",
    "delivered_at",
    "latest_status_at",
)


def _stages(statuses: Iterable[TrackingStatus]) -> str:
    """The stage numbers (positions in :data:`STAGE_ORDER`) of ``statuses``, for SQL."""
    return ", ".join(str(STAGE_ORDER.index(status)) for status in sorted(statuses, key=str))


#: The timeline columns a shipment's promise outcome and fact row need (a lean fold).
LEAN_TIMELINE = ("reached_customer_at", "delivered_at", "latest_status", "had_exception")


def fold_sql(source: str, *, full: bool = True) -> str:
    """One row per tracking number with the facts of its :class:`Timeline`.

    Each event's status becomes its stage (its position in :data:`STAGE_ORDER`),
    and ``rank`` packs the instant and the stage in one integer, so that the
    latest status, its time and the tie-break between events at the same
    instant are all one ``max(rank)``. Without ``full``, only the columns of
    :data:`LEAN_TIMELINE` (every event is checked all the same).
    """
    # The stage is the status's position in an ENUM of the statuses, which also checks
    # them: a value outside the contract's choices fails the cast, and the loader reads
    # the file instead (see KpiInputs.execute_over).
    assert set(schema_for("tracking_events").column("status").choices or ()) == {
        status.value for status in STAGE_ORDER
    }
    names = "[" + ", ".join(sql_text(status.value) for status in STAGE_ORDER) + "]"
    stage = f'enum_code(CAST("status" AS ENUM({names[1:-1]})))'
    at = column_sql("tracking_events", "occurred_at")
    number = column_sql("tracking_events", "tracking_number")
    pre_transit = STAGE_ORDER.index(S.PRE_TRANSIT)
    delivered = STAGE_ORDER.index(S.DELIVERED)
    exception = STAGE_ORDER.index(S.EXCEPTION)
    scans = _stages(CARRIER_SCANS)
    columns = {
        "first_event_at": "min(moment)",
        "last_event_at": "max(moment)",
        "label_created_at": f"min(CASE WHEN stage = {pre_transit} THEN moment END)",
        "first_scan_at": f"min(CASE WHEN stage IN ({scans}) THEN moment END)",
        "last_scan_at": f"max(CASE WHEN stage IN ({scans}) THEN moment END)",
        "reached_customer_at": (
            f"min(CASE WHEN stage IN ({_stages(REACHED_CUSTOMER)}) THEN moment END)"
        ),
        "delivered_at": f"min(CASE WHEN stage = {delivered} THEN moment END)",
        "latest_status": f"{names}[max(rank) % 16 + 1]",
        "latest_status_at": "make_timestamptz(max(rank) // 16)",
        "latest_reason": "arg_max(reason, rank)",
        "events": "count(*)",
        "unmapped": "count(*) - count(stage)",
        "had_exception": f"coalesce(bool_or(stage = {exception}), false)",
        "missing": "count(missing)",
    }
    if not full:
        columns = {c: e for c, e in columns.items() if c in (*LEAN_TIMELINE, "missing")}
    selected = ",\n        ".join(f"{expression} AS {name}" for name, expression in columns.items())
    return f"""
    CREATE OR REPLACE TABLE timelines AS
    WITH events AS (
        SELECT {number} AS tracking_number, {at} AS moment, {stage} AS stage,
               reason,
               CASE WHEN status IS NULL AND raw_code IS NULL
                    THEN error('missing status') END AS missing
        FROM {source}
    ), ranked AS (
        SELECT *, epoch_us(moment) * 16 + stage AS rank FROM events
    )
    SELECT tracking_number,
        {selected}
    FROM ranked
    GROUP BY tracking_number
    """


def fold_events(inputs: KpiInputs, *, full: bool = True) -> None:
    """Create the ``timelines`` table (empty when the run has no tracking events).

    ``full``: every column of a :class:`Timeline`, for the SLA engine; else
    those of :data:`LEAN_TIMELINE`.
    """
    if inputs.has("tracking_events"):
        inputs.execute_over("tracking_events", lambda source, _columns: fold_sql(source, full=full))
        return
    inputs.con.execute(
        "CREATE OR REPLACE TABLE timelines AS SELECT * FROM (SELECT NULL::VARCHAR AS "
        "tracking_number, "
        + ", ".join(f"NULL::TIMESTAMPTZ AS {c}" for c in TIMELINE_COLUMNS[:-1])
        + ", NULL::VARCHAR AS latest_status, NULL::TIMESTAMPTZ AS latest_status_at, "
        "NULL::VARCHAR AS latest_reason, 0::BIGINT AS events, 0::BIGINT AS unmapped, "
        "false AS had_exception, 0::BIGINT AS missing) WHERE false"
    )


@dataclass
class VerdictRun:
    """What :func:`compute_verdicts` leaves besides the ``shipment_verdicts`` view."""

    #: The verdicts of the parcels the SLA engine assessed one by one (not settled
    #: deliveries): the ones still on the way, where the breaches to act on are.
    assessed: list[ShipmentVerdict] = field(default_factory=list)
    #: Counts the settled deliveries (a query, run when :attr:`settled` is first read).
    count_settled: Callable[[], int] = lambda: 0
    #: Whether every shipment has its verdict; else only its promise outcome is sure
    #: (``promise_kept``), and the verdicts of parcels on the way are still ``NULL``.
    complete: bool = False
    #: Whether the ``timelines`` table has every column the SLA engine needs.
    full_timelines: bool = False
    _settled: int | None = field(default=None, init=False, repr=False)

    @property
    def settled(self) -> int:
        """How many shipments are settled deliveries, judged in SQL alone."""
        if self._settled is None:
            self._settled = self.count_settled()
        return self._settled


#: Whether a promise is a day (``"2026-10-09"``: the end of that day in the destination's
#: zone) rather than an instant; ``{p}`` is the promise's text.
DAY_PROMISE = "(length({p}) <= 10 AND NOT contains({p}, ':'))"
#: Shipments whose promise outcome SQL cannot decide: without an explicit promise, the
#: engine derives one from the order date and the service's transit days.
ENGINE_FOR_PROMISE = "NOT settled AND promise IS NULL"


def compute_verdicts(
    inputs: KpiInputs,
    *,
    builder: Callable[[Sequence[Any]], Any],
    policy: Any,
    now: datetime,
    default_timezone: str,
    complete: bool = True,
    view: bool = False,
) -> VerdictRun:
    """Create ``shipment_timelines`` and the ``shipment_verdicts`` view over it.

    ``shipment_verdicts`` has one row per shipment: its ``shipment_timelines``
    columns, ``verdict`` and ``promise_kept``. ``builder(orders)`` returns the
    :class:`~opsctl.sla.facts.FactsBuilder` of ``opsctl sla check`` given the
    orders it needs; ``policy`` is the threshold policy of ``[sla]``; ``now``
    the moment of the check.

    Settled deliveries are judged in SQL. With ``complete``, the SLA engine
    assesses every other shipment; without it, only those whose promise
    outcome SQL cannot decide (no explicit promise), and the verdicts of the
    others stay ``NULL`` until :func:`complete_verdicts`. Their
    ``promise_kept`` is then the engine's rule for a parcel not delivered: kept
    if the carrier first reached the customer by the deadline and the latest
    status is that failed attempt or an exception; broken once the deadline
    has passed; else undecided (and never decided for a parcel the carrier
    cancelled). ``tests/test_kpi_verdicts.py`` checks it against the engine.

    With ``view`` (for a run whose one query reads the verdicts, and without
    ``complete``), ``shipment_timelines`` is a view rather than a table: that
    query computes the columns it reads and no others, rather than a table of
    them all being written first.
    """
    con = inputs.con
    inputs.table("shipments")
    has_orders = inputs.has("orders")
    if has_orders:
        inputs.table("orders")
    zones = _zones_while(
        inputs, has_orders, default_timezone, lambda: fold_events(inputs, full=complete)
    )
    _deadlines(inputs, has_orders, zones)
    key = " AND ".join(
        f"z.{column} IS NOT DISTINCT FROM {expression}"
        for column, expression in _zone_key("j").items()
    )
    day_promise = DAY_PROMISE.format(p="j.promise")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP {"VIEW" if view and not complete else "TABLE"}
        shipment_timelines AS
        SELECT *,
            CASE WHEN settled THEN
                CASE WHEN reached <= deadline THEN 'delivered_on_time' ELSE 'delivered_late' END
            END AS settled_verdict,
            CASE WHEN deadline IS NULL THEN NULL
                 WHEN settled THEN reached <= deadline
                 WHEN latest_status = 'cancelled' THEN NULL
                 WHEN latest_status IN ('attempt_failed', 'exception') AND reached IS NOT NULL
                     THEN reached <= deadline
                 WHEN {sql_text(now.isoformat())}::TIMESTAMPTZ > deadline THEN false
            END AS promise_outcome
        FROM (
            SELECT j.* EXCLUDE (has_order, ship_to_latitude, ship_to_longitude),
                CASE WHEN {day_promise} THEN d.deadline
                     WHEN j.promise IS NOT NULL THEN CAST(j.promise AS TIMESTAMPTZ)
                END AS deadline
            FROM ({_joined(has_orders)}) j
            LEFT JOIN zones z ON {key}
            LEFT JOIN deadlines d ON d.promise = j.promise AND d.zone = z.zone
        )
        """
    )
    load_rows(
        con,
        "assessed_verdicts",
        {"shipment_id": "VARCHAR", "verdict": "VARCHAR", "promise_kept": "BOOLEAN"},
        [],
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW shipment_verdicts AS
        SELECT st.*,
            CASE WHEN st.settled THEN st.settled_verdict ELSE a.verdict END AS verdict,
            CASE WHEN a.shipment_id IS NULL THEN st.promise_outcome ELSE a.promise_kept END
                AS promise_kept
        FROM shipment_timelines st
        LEFT JOIN assessed_verdicts a USING (shipment_id)
        """
    )
    run = VerdictRun(
        count_settled=lambda: con.execute(
            "SELECT count(*) FROM shipment_timelines WHERE settled"
        ).fetchone()[0],
        full_timelines=complete or not inputs.has("tracking_events"),
    )
    where = "NOT settled" if complete else ENGINE_FOR_PROMISE
    _assess(inputs, run, builder, policy, now, where)
    run.complete = complete
    return run


def complete_verdicts(
    inputs: KpiInputs,
    run: VerdictRun,
    *,
    builder: Callable[[Sequence[Any]], Any],
    policy: Any,
    now: datetime,
) -> None:
    """Have the SLA engine assess the shipments :func:`compute_verdicts` left without one."""
    if not run.complete:
        where = f"NOT settled AND NOT ({ENGINE_FOR_PROMISE})"
        _assess(inputs, run, builder, policy, now, where)
        run.complete = True


def _assess(inputs, run: VerdictRun, builder, policy, now: datetime, where: str) -> None:
    """Run the SLA engine on the shipments of ``shipment_timelines`` matching ``where``."""
    if not run.full_timelines:
        (waiting,) = inputs.con.execute(
            f"SELECT count(*) FROM shipment_timelines WHERE {where}"
        ).fetchone()
        if not waiting:
            return
        fold_events(inputs, full=True)  # the engine needs whole timelines
        run.full_timelines = True
    assessed = _assess_the_rest(inputs, builder, policy, now, where)
    if not assessed:
        return
    run.assessed += assessed
    rows = [(v.facts.shipment_id, v.verdict.value, v.assessment.promise_kept) for v in assessed]
    load_rows(
        inputs.con,
        "assessed_verdicts",
        {"shipment_id": "VARCHAR", "verdict": "VARCHAR", "promise_kept": "BOOLEAN"},
        rows,
        append=True,
    )


def _destinations(has_orders: bool) -> str:
    """Every destination a shipment may have: its order's country and coordinates (a relation).

    A shipment with an order goes to the order's ``ship_to_country`` (which
    the contract requires) at its coordinates; one without an order to its own
    ``ship_to_country``. Rather than join a million shipments to their orders
    to find the destinations they have, this lists those of every order and of
    every shipment as if it had no order: a few destinations too many (orders
    not shipped yet) cost a zone look-up each, and the join with the
    shipments finds the right one.
    """
    shipments = """SELECT false AS has_order, ship_to_country AS destination,
            NULL::DOUBLE AS ship_to_latitude, NULL::DOUBLE AS ship_to_longitude FROM shipments"""
    if not has_orders:
        return shipments
    return f"""SELECT true AS has_order, ship_to_country AS destination,
            ship_to_latitude, ship_to_longitude
        FROM orders
        UNION ALL {shipments}"""


def _joined(has_orders: bool) -> str:
    """Each shipment with what its fact row and its verdict need (the SQL of a relation)."""
    order = (lambda c: f"o.{c}") if has_orders else (lambda c: f"NULL AS {c}")
    return f"""
        SELECT s.shipment_id, s.order_id, s.carrier, s.service, s.location_id, s.shipped_at,
            s.tracking_number, s.shipping_cost, s.currency,
            {order("channel")}, {order("placed_at")},
            {order("ship_to_latitude")}, {order("ship_to_longitude")},
            {"o.order_id IS NOT NULL" if has_orders else "false"} AS has_order,
            {
        "coalesce(o.ship_to_country, s.ship_to_country)" if has_orders else "s.ship_to_country"
    } AS destination,
            t.reached_customer_at, t.had_exception, t.latest_status,
            coalesce(t.delivered_at, s.delivered_at) AS delivered,
            least(t.reached_customer_at, coalesce(t.delivered_at, s.delivered_at)) AS reached,
            coalesce(s.promised_by, {"o.promised_by" if has_orders else "NULL"}) AS promise,
            coalesce({SETTLED}, false) AS settled
        FROM shipments s {"LEFT JOIN orders o USING (order_id)" if has_orders else ""}
        LEFT JOIN timelines t USING (tracking_number)
    """


def _rounded(column: str) -> str:
    """A coordinate rounded to 0.01° as :func:`opsctl.geo.timezone_for` does; near-ties unrounded.

    DuckDB and Python round a value within a hair of a tie differently, so
    such values go to Python as they are, for Python to round its own way.
    """
    return (
        f"CASE WHEN abs({column} * 100 - floor({column} * 100) - 0.5) < 1e-6 "
        f"THEN {column} ELSE round({column}, 2) END"
    )


def _zone_key(t: str) -> dict[str, str]:
    """The columns of the zone look-up of a destination (``t`` is the table alias)."""
    return {
        "has_order": f"{t}.has_order",
        "destination": f"{t}.destination",
        "latitude": _rounded(f"{t}.ship_to_latitude"),
        "longitude": _rounded(f"{t}.ship_to_longitude"),
    }


def _zones_while(
    inputs: KpiInputs, has_orders: bool, default_timezone: str, work: Callable[[], None]
) -> list[str]:
    """The ``zones`` table, found while ``work()`` runs; returns the zones found.

    Each destination's timezone is the one the SLA facts builder finds.
    ``work`` runs DuckDB queries (the fold of the tracking events), which
    leave Python's interpreter free: the look-ups (tens of thousands of
    rounded coordinates) take a thread of their own meanwhile, rather than
    time after.
    """
    keys = _zone_keys(inputs, has_orders)
    with (
        tempfile.TemporaryDirectory(prefix="opsctl-kpi-") as folder,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        path = Path(folder) / "zones.csv"
        found = pool.submit(_write_zones, keys, default_timezone, path)
        work()
        zones = found.result()
        read_rows(inputs.con, "zones", ZONE_COLUMNS, path)
    return zones


def _zone_keys(inputs: KpiInputs, has_orders: bool) -> list[tuple]:
    """The distinct destinations: ``(has_order, destination, latitude, longitude)``."""
    selected = ", ".join(f"{e} AS {c}" for c, e in _zone_key("j").items())
    return inputs.con.execute(
        f"SELECT DISTINCT {selected} FROM ({_destinations(has_orders)}) j"
    ).fetchall()


#: The columns of the ``zones`` table.
ZONE_COLUMNS = {
    "has_order": "BOOLEAN",
    "destination": "VARCHAR",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "zone": "VARCHAR",
}


def _write_zones(keys: list[tuple], default_timezone: str, path: Path) -> list[str]:
    """Write each destination of ``keys`` with its timezone to ``path``; the zones found.

    Pure Python (no DuckDB), so that it can run while DuckDB works.
    """
    from opsctl.geo import timezone_for

    rows = []
    for has_order, destination, lat, lon in keys:
        zone = timezone_for(destination, lat, lon) if has_order else None
        zone = zone or (timezone_for(destination) if destination else None) or default_timezone
        rows.append((has_order, destination, lat, lon, zone))
    write_rows(path, rows)
    return sorted({row[-1] for row in rows})


def _deadlines(inputs: KpiInputs, has_orders: bool, zones: list[str]) -> None:
    """The ``deadlines`` table: the end of each promised day in each zone, by the engine."""
    from opsctl.calendars import end_of_day

    promises = "SELECT promised_by AS p FROM shipments"
    if has_orders:
        promises += " UNION SELECT promised_by FROM orders"
    days = [
        day
        for (day,) in inputs.con.execute(
            f"SELECT DISTINCT p FROM ({promises}) WHERE {DAY_PROMISE.format(p='p')}"
        ).fetchall()
    ]
    rows = [
        (promise, zone, end_of_day(date.fromisoformat(promise), zone))
        for promise in days
        for zone in zones
    ]
    load_rows(
        inputs.con,
        "deadlines",
        {"promise": "VARCHAR", "zone": "VARCHAR", "deadline": "TIMESTAMPTZ"},
        rows,
    )


def _engine_relation(has_orders: bool) -> str:
    """Each shipment with everything the SLA engine needs of it (the SQL of a relation)."""
    order = (lambda c: f"o.{c}") if has_orders else (lambda c: f"NULL AS {c}")
    return f"""
        SELECT s.*, {order("channel")}, {order("placed_at")},
            {order("ship_to_latitude")}, {order("ship_to_longitude")},
            {"o.promised_by" if has_orders else "NULL"} AS order_promised_by,
            {"o.order_id IS NOT NULL" if has_orders else "false"} AS has_order,
            {
        "coalesce(o.ship_to_country, s.ship_to_country)" if has_orders else "s.ship_to_country"
    } AS destination,
            t.* EXCLUDE (tracking_number, delivered_at),
            t.delivered_at AS event_delivered_at
        FROM shipments s {"LEFT JOIN orders o USING (order_id)" if has_orders else ""}
        LEFT JOIN timelines t USING (tracking_number)
    """


#: What the SLA engine needs of a shipment that is not a settled delivery, in fetch order.
ASSESS_COLUMNS = (
    "shipment_id",
    "order_id",
    "carrier",
    "tracking_number",
    "service",
    "location_id",
    "shipped_at",
    "promised_by",
    "carrier_edd",
    "delivered_at",
    "ship_to_country",
    "has_order",
    "channel",
    "placed_at",
    "destination",
    "ship_to_latitude",
    "ship_to_longitude",
    "order_promised_by",
    "events",
    *TIMELINE_COLUMNS[:-2],
    "event_delivered_at",
    "latest_status",
    "latest_status_at",
    "latest_reason",
    "unmapped",
)
_TIMES = frozenset(
    {
        "shipped_at",
        "delivered_at",
        "placed_at",
        "event_delivered_at",
        "latest_status_at",
        *TIMELINE_COLUMNS,
    }
)


def _assess_the_rest(
    inputs: KpiInputs,
    builder: Callable[[Sequence[Any]], Any],
    policy: Any,
    now: datetime,
    where: str = "NOT settled",
) -> list[ShipmentVerdict]:
    """Run the SLA engine on the shipments of ``shipment_timelines`` matching ``where``."""
    from zoneinfo import ZoneInfo

    from opsctl.model.records import Order, Shipment
    from opsctl.sla.check import EventFold, run_check

    tz = ZoneInfo(inputs.dataset.timezone)
    # Instants come back as UTC wall times (no pytz needed), made aware again below.
    # The cast picks the overload even when a column is all NULL (DuckDB >= 2 asks for it).
    selected = ", ".join(
        f"timezone('UTC', CAST({c} AS TIMESTAMPTZ))" if c in _TIMES else c for c in ASSESS_COLUMNS
    )
    rows = inputs.con.execute(
        f"""
        SELECT {selected} FROM ({_engine_relation(inputs.has("orders"))})
        WHERE shipment_id IN (SELECT shipment_id FROM shipment_timelines WHERE {where})
        """
    ).fetchall()

    def deadline(text: str | None) -> date | datetime | None:
        return None if text is None else parse_deadline(text, tz)

    def aware(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.replace(tzinfo=UTC)

    shipments, orders, timelines = [], {}, {}
    for (
        shipment_id,
        order_id,
        carrier,
        number,
        service,
        location,
        shipped_at,
        promised_by,
        edd,
        delivered_at,
        ship_to_country,
        has_order,
        channel,
        placed_at,
        destination,
        lat,
        lon,
        order_promised_by,
        events,
        first_event_at,
        last_event_at,
        label_created_at,
        first_scan_at,
        last_scan_at,
        reached_customer_at,
        event_delivered_at,
        latest_status,
        latest_status_at,
        latest_reason,
        unmapped,
    ) in rows:
        extra = {"ship_to_country": ship_to_country} if ship_to_country else {}
        shipments.append(
            Shipment(
                shipment_id,
                order_id,
                carrier,
                number,
                service,
                location,
                aware(shipped_at),
                deadline(promised_by),
                deadline(edd),
                aware(delivered_at),
                None,
                None,
                extra,
            )
        )
        if has_order:
            orders[order_id] = Order(
                order_id,
                channel,
                aware(placed_at),
                "retail",
                "",
                destination,
                None,
                lat,
                lon,
                "standard",
                deadline(order_promised_by),
                None,
                "open",
                None,
            )
        if events:
            timelines[number] = Timeline(
                first_event_at=aware(first_event_at),
                last_event_at=aware(last_event_at),
                label_created_at=aware(label_created_at),
                first_scan_at=aware(first_scan_at),
                last_scan_at=aware(last_scan_at),
                reached_customer_at=aware(reached_customer_at),
                delivered_at=aware(event_delivered_at),
                latest_status=TrackingStatus(latest_status) if latest_status else None,
                latest_status_at=aware(latest_status_at),
                latest_reason=latest_reason,
                events=events,
                unmapped=unmapped,
            )
    fold = EventFold(timelines=timelines)
    return list(run_check(shipments, fold, builder(list(orders.values())), policy, now))


def load_rows(
    con,
    table: str,
    columns: dict[str, str],
    rows: Iterable[Sequence[Any]],
    *,
    append: bool = False,
) -> None:
    """Create ``table`` with ``columns`` (name -> SQL type) holding ``rows`` (or add them).

    The rows go through a temporary CSV file: DuckDB reads a CSV file far
    faster than it takes row-by-row inserts.
    """
    with tempfile.TemporaryDirectory(prefix="opsctl-kpi-") as folder:
        path = Path(folder) / f"{table}.csv"
        write_rows(path, rows)
        read_rows(con, table, columns, path, append=append)


def write_rows(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` as the CSV file that :func:`read_rows` reads."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:  # text as it is, the rest through _cell
            writer.writerow([value if type(value) is str else _cell(value) for value in row])


def read_rows(con, table: str, columns: dict[str, str], path: Path, *, append: bool = False):
    """Create ``table`` with ``columns`` from the CSV file of :func:`write_rows` (or add to it)."""
    struct = "{" + ", ".join(f"{sql_text(n)}: {sql_text(t)}" for n, t in columns.items()) + "}"
    command = f"INSERT INTO {table}" if append else f"CREATE OR REPLACE TEMP TABLE {table} AS"
    con.execute(
        f"{command} SELECT * FROM read_csv("
        f"{sql_text(str(path))}, header = false, columns = {struct}, auto_detect = false, "
        "nullstr = '\\N', quote = '\"', escape = '\"', delim = ',')"
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
