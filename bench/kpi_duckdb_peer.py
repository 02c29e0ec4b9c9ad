"""The peer of ``bench_kpi.py``: the core KPIs as one hand-written DuckDB query.

What an analyst would write over the same files to get, for a 30-day period in
the shop's timezone: orders, cancellation rate and split-shipment rate by
day, and on-time delivery rate and click-to-door p50/p90 by day and carrier.
It follows opsctl's definitions where plain SQL can: a parcel counts on the
day it shipped; its promise is kept when the carrier first reached the
customer (delivery, failed attempt or pickup point, from the tracking events,
else the shipment's delivered_at) by the end of the promised day in the
destination country's main timezone. It cannot follow the SLA engine in
everything (coordinates to zones, business-day promises, verdicts of parcels
still on the way), which is why opsctl does not compute its KPIs this way.

    python bench/kpi_duckdb_peer.py DATA_DIR --from 2026-10-01 --to 2026-10-31
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

#: Each destination country's main zone, as the analyst would hard-code it.
COUNTRY_ZONES = {
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam",
    "ES": "Europe/Madrid",
    "BE": "Europe/Brussels",
    "IT": "Europe/Rome",
    "US": "America/New_York",
}

QUERY = """
WITH orders AS (
    SELECT order_id, placed_at::TIMESTAMPTZ AS placed_at, status, ship_to_country
    FROM read_csv('{data}/orders.csv', header = true, auto_detect = false, all_varchar = true,
        columns = {{{order_columns}}})
), shipments AS (
    SELECT shipment_id, order_id, carrier, tracking_number, shipped_at::TIMESTAMPTZ AS shipped_at,
        delivered_at::TIMESTAMPTZ AS delivered_at, promised_by
    FROM read_csv('{data}/shipments.csv', header = true, auto_detect = false, all_varchar = true,
        columns = {{{shipment_columns}}})
), reached AS (
    SELECT tracking_number, min(occurred_at::TIMESTAMPTZ) AS reached_at
    FROM read_json('{data}/tracking_events.ndjson', format = 'newline_delimited',
        columns = {{'tracking_number': 'VARCHAR', 'occurred_at': 'VARCHAR', 'status': 'VARCHAR'}})
    WHERE status IN ('delivered', 'attempt_failed', 'available_for_pickup')
    GROUP BY tracking_number
), zones AS (
    SELECT * FROM (VALUES {zones}) AS z(country, zone)
), parcels AS (
    SELECT s.carrier, s.shipped_at, o.placed_at,
        least(r.reached_at, s.delivered_at) AS reached_at, s.delivered_at,
        (s.promised_by::DATE + 1)::TIMESTAMP AS promise_end_local,
        coalesce(z.zone, '{timezone}') AS zone
    FROM shipments s
    JOIN orders o USING (order_id)
    LEFT JOIN reached r USING (tracking_number)
    LEFT JOIN zones z ON z.country = o.ship_to_country
    WHERE s.shipped_at >= '{start}'::TIMESTAMPTZ AND s.shipped_at < '{end}'::TIMESTAMPTZ
), judged AS (
    SELECT *, timezone(zone, promise_end_local) AS deadline FROM parcels
), by_carrier AS (
    SELECT strftime(timezone('{timezone}', shipped_at), '%Y-%m-%d') AS day, carrier,
        avg((reached_at < deadline)::DOUBLE) FILTER (WHERE reached_at IS NOT NULL
            OR deadline < '{as_of}'::TIMESTAMPTZ) AS on_time_delivery_rate,
        quantile_cont(epoch(delivered_at) - epoch(placed_at), 0.5) AS click_to_door_p50,
        quantile_cont(epoch(delivered_at) - epoch(placed_at), 0.9) AS click_to_door_p90
    FROM judged GROUP BY ALL
), parcel_counts AS (
    SELECT order_id, count(*) AS parcels FROM shipments GROUP BY order_id
), by_day AS (
    SELECT strftime(timezone('{timezone}', placed_at), '%Y-%m-%d') AS day,
        count(*) AS orders,
        avg((status = 'cancelled')::DOUBLE) AS cancellation_rate,
        avg((parcels > 1)::DOUBLE) FILTER (WHERE parcels > 0) AS split_shipment_rate
    FROM orders LEFT JOIN parcel_counts USING (order_id)
    WHERE placed_at >= '{start}'::TIMESTAMPTZ AND placed_at < '{end}'::TIMESTAMPTZ
    GROUP BY ALL
)
SELECT 'order' AS grain, to_json(by_day) AS row FROM by_day
UNION ALL
SELECT 'parcel', to_json(by_carrier) FROM by_carrier
"""


def header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig") as handle:
        return handle.readline().strip().split(",")


def query(data: Path, start: str, end: str, as_of: str, timezone: str) -> str:
    def struct(path: Path) -> str:
        return ", ".join(f"'{name}': 'VARCHAR'" for name in header(path))

    zones = ", ".join(f"('{country}', '{zone}')" for country, zone in COUNTRY_ZONES.items())
    return QUERY.format(
        data=data,
        order_columns=struct(data / "orders.csv"),
        shipment_columns=struct(data / "shipments.csv"),
        zones=zones,
        start=start,
        end=end,
        as_of=as_of,
        timezone=timezone,
    )


def main(argv: list[str] | None = None) -> int:
    import duckdb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--from", dest="start", default="2026-10-01T00:00:00+01:00")
    parser.add_argument("--to", dest="end", default="2026-11-01T00:00:00+00:00")
    parser.add_argument("--as-of", default="2026-11-02T09:00:00Z")
    parser.add_argument("--timezone", default="Europe/London")
    args = parser.parse_args(argv)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{args.timezone}'")
    rows = con.execute(
        query(args.data.resolve(), args.start, args.end, args.as_of, args.timezone)
    ).fetchall()
    for grain, row in rows:
        print(json.dumps({"grain": grain, **json.loads(row)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
