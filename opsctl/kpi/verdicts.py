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
   its timeline rebuilt from step 1.

``tests/test_kpi_verdicts.py`` checks that every shipment of the demo shop
gets exactly the verdict and promise outcome that ``opsctl sla check`` gives.
"""

from __future__ import annotations

import csv
import math
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsctl.kpi.sources import KpiInputs, column_sql, sql_text
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


def _statuses(statuses: Iterable[TrackingStatus]) -> str:
    return ", ".join(sql_text(status.value) for status in sorted(statuses, key=str))


def fold_sql(source: str) -> str:
    """One row per tracking number with the facts of its :class:`Timeline`."""
    stage = " ".join(
        f"WHEN {sql_text(status.value)} THEN {rank}" for rank, status in enumerate(STAGE_ORDER)
    )
    status = column_sql("tracking_events", "status")
    at = column_sql("tracking_events", "occurred_at")
    number = column_sql("tracking_events", "tracking_number")
    return f"""
    CREATE OR REPLACE TABLE timelines AS
    WITH events AS (
        SELECT {number} AS tracking_number, {at} AS moment, {status} AS status,
               reason,
               CASE WHEN status IS NULL AND raw_code IS NULL
                    THEN error('missing status') END AS missing
        FROM {source}
    ), ranked AS (
        SELECT *, epoch_us(moment) * 16 + CASE status {stage} END AS rank FROM events
    )
    SELECT tracking_number,
        min(moment) AS first_event_at,
        max(moment) AS last_event_at,
        min(moment) FILTER (WHERE status = 'pre_transit') AS label_created_at,
        min(moment) FILTER (WHERE status IN ({_statuses(CARRIER_SCANS)})) AS first_scan_at,
        max(moment) FILTER (WHERE status IN ({_statuses(CARRIER_SCANS)})) AS last_scan_at,
        min(moment) FILTER (WHERE status IN ({_statuses(REACHED_CUSTOMER)})) AS reached_customer_at,
        min(moment) FILTER (WHERE status = 'delivered') AS delivered_at,
        arg_max(status, rank) FILTER (WHERE status IS NOT NULL) AS latest_status,
        max(moment) FILTER (WHERE status IS NOT NULL) AS latest_status_at,
        arg_max(reason, rank) FILTER (WHERE status IS NOT NULL) AS latest_reason,
        count(*) AS events,
        count(*) FILTER (WHERE status IS NULL) AS unmapped,
        coalesce(bool_or(status = 'exception'), false) AS had_exception,
        count(missing) AS missing
    FROM ranked
    GROUP BY tracking_number
    """


def fold_events(inputs: KpiInputs) -> None:
    """Create the ``timelines`` table (empty when the run has no tracking events)."""
    if inputs.has("tracking_events"):
        inputs.execute_over("tracking_events", lambda source, _columns: fold_sql(source))
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
    """What :func:`compute_verdicts` leaves besides the ``shipment_verdicts`` table."""

    #: The verdicts of the parcels the SLA engine assessed one by one (not settled
    #: deliveries): the ones still on the way, where the breaches to act on are.
    assessed: list[ShipmentVerdict] = field(default_factory=list)
    settled: int = 0


def compute_verdicts(
    inputs: KpiInputs,
    *,
    builder: Callable[[Sequence[Any]], Any],
    policy: Any,
    now: datetime,
    default_timezone: str,
) -> VerdictRun:
    """Create ``shipment_verdicts`` (shipment_id, verdict, promise_kept) for every shipment.

    ``builder(orders)`` returns the :class:`~opsctl.sla.facts.FactsBuilder`
    of ``opsctl sla check`` given the orders it needs; ``policy`` is the
    threshold policy of ``[sla]``; ``now`` the moment of the check.
    """
    con = inputs.con
    inputs.table("shipments")
    has_orders = inputs.has("orders")
    if has_orders:
        inputs.table("orders")
    fold_events(inputs)
    joined = _joined(has_orders)
    zones = _zones(inputs, _destinations(has_orders), default_timezone)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE shipment_timelines AS
        SELECT j.*, z.zone, coalesce({SETTLED}, false) AS settled
        FROM ({joined}) j
        LEFT JOIN {zones} z ON z.zone_key = {ZONE_KEY.format(t="j")}
        """
    )
    _deadlines(inputs)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE settled_verdicts AS
        SELECT shipment_id,
            CASE WHEN reached <= deadline THEN 'delivered_on_time' ELSE 'delivered_late' END
                AS verdict,
            reached <= deadline AS promise_kept
        FROM (
            SELECT st.shipment_id, st.reached,
                CASE WHEN length(st.promise) <= 10 AND NOT contains(st.promise, ':')
                     THEN d.deadline ELSE CAST(st.promise AS TIMESTAMPTZ) END AS deadline
            FROM shipment_timelines st
            LEFT JOIN deadlines d ON d.promise = st.promise AND d.zone = st.zone
            WHERE st.settled
        )
        """
    )
    run = VerdictRun(settled=con.execute("SELECT count(*) FROM settled_verdicts").fetchone()[0])
    run.assessed = _assess_the_rest(inputs, builder, policy, now)
    rows = [(v.facts.shipment_id, v.verdict.value, v.assessment.promise_kept) for v in run.assessed]
    load_rows(
        con,
        "assessed_verdicts",
        {"shipment_id": "VARCHAR", "verdict": "VARCHAR", "promise_kept": "BOOLEAN"},
        rows,
    )
    con.execute(
        "CREATE OR REPLACE TABLE shipment_verdicts AS "
        "SELECT * FROM settled_verdicts UNION ALL SELECT * FROM assessed_verdicts"
    )
    return run


def _destinations(has_orders: bool) -> str:
    """Each shipment's destination: its order's country and coordinates (a relation)."""
    if not has_orders:
        return """SELECT false AS has_order, ship_to_country AS destination,
            NULL::DOUBLE AS ship_to_latitude, NULL::DOUBLE AS ship_to_longitude FROM shipments"""
    return """SELECT o.order_id IS NOT NULL AS has_order,
            coalesce(o.ship_to_country, s.ship_to_country) AS destination,
            o.ship_to_latitude, o.ship_to_longitude
        FROM shipments s LEFT JOIN orders o USING (order_id)"""


def _joined(has_orders: bool) -> str:
    """Each shipment with its order's few facts and its timeline (the SQL of a relation)."""
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
            t.delivered_at AS event_delivered_at,
            coalesce(t.delivered_at, s.delivered_at) AS delivered,
            least(t.reached_customer_at, coalesce(t.delivered_at, s.delivered_at)) AS reached,
            coalesce(s.promised_by, {"o.promised_by" if has_orders else "NULL"}) AS promise
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


#: One text key per destination for the zone look-up (``{t}`` is the table alias).
ZONE_KEY = (
    "concat_ws('|', {t}.has_order, {t}.destination, "
    + _rounded("{t}.ship_to_latitude")
    + ", "
    + _rounded("{t}.ship_to_longitude")
    + ")"
)


def _zones(inputs: KpiInputs, destinations: str, default_timezone: str) -> str:
    """The ``zones`` table: each destination's timezone, as the SLA facts builder finds it."""
    from opsctl.geo import timezone_for

    keys = inputs.con.execute(
        f"""
        SELECT DISTINCT {ZONE_KEY.format(t="j")}, destination, {_rounded("ship_to_latitude")},
            {_rounded("ship_to_longitude")}, has_order
        FROM ({destinations}) j
        """
    ).fetchall()
    rows = []
    for key, destination, lat, lon, has_order in keys:
        zone = timezone_for(destination, lat, lon) if has_order else None
        zone = zone or (timezone_for(destination) if destination else None) or default_timezone
        rows.append((key, zone))
    load_rows(inputs.con, "zones", {"zone_key": "VARCHAR", "zone": "VARCHAR"}, rows)
    return "zones"


def _deadlines(inputs: KpiInputs) -> None:
    """The ``deadlines`` table: the end of each promised day in each zone, by the engine."""
    from opsctl.calendars import end_of_day

    pairs = inputs.con.execute(
        """
        SELECT DISTINCT promise, zone FROM shipment_timelines
        WHERE settled AND length(promise) <= 10 AND NOT contains(promise, ':')
        """
    ).fetchall()
    rows = [
        (promise, zone, end_of_day(date.fromisoformat(promise), zone)) for promise, zone in pairs
    ]
    load_rows(
        inputs.con,
        "deadlines",
        {"promise": "VARCHAR", "zone": "VARCHAR", "deadline": "TIMESTAMPTZ"},
        rows,
    )


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
) -> list[ShipmentVerdict]:
    """Run the SLA engine on every shipment that is not a settled delivery."""
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
        f"SELECT {selected} FROM shipment_timelines WHERE NOT settled"
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


def load_rows(con, table: str, columns: dict[str, str], rows: Iterable[Sequence[Any]]) -> None:
    """Create ``table`` with ``columns`` (name -> SQL type) holding ``rows``.

    The rows go through a temporary CSV file: DuckDB reads a CSV file far
    faster than it takes row-by-row inserts.
    """
    with tempfile.TemporaryDirectory(prefix="opsctl-kpi-") as folder:
        path = Path(folder) / f"{table}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow([_cell(value) for value in row])
        struct = "{" + ", ".join(f"{sql_text(n)}: {sql_text(t)}" for n, t in columns.items()) + "}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv("
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
