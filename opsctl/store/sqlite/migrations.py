"""The SQLite schema's history: numbered migrations, applied in order, never edited.

A migration is a list of statements run in one transaction together with
the row that records it in ``opsctl_migrations``; a change to the schema is a
new migration at the end of :data:`MIGRATIONS`. ``tests/test_store.py``
checks that the migrated schema matches :mod:`opsctl.store.tables`.
"""

from __future__ import annotations

from opsctl.store.base import Migration

INITIAL_TABLES = (
    """
    CREATE TABLE locations (
        location_id TEXT NOT NULL,
        country TEXT NOT NULL,
        postal_code TEXT,
        latitude REAL,
        longitude REAL,
        timezone TEXT NOT NULL,
        cutoff_local TEXT NOT NULL,
        handling_days INTEGER NOT NULL,
        daily_capacity INTEGER,
        channels TEXT NOT NULL,
        priority INTEGER NOT NULL,
        calendar TEXT NOT NULL,
        extra TEXT,
        PRIMARY KEY (location_id)
    )
    """,
    """
    CREATE TABLE carrier_services (
        carrier TEXT NOT NULL,
        service TEXT NOT NULL,
        origin_country TEXT NOT NULL,
        dest_country TEXT NOT NULL,
        transit_days_min INTEGER,
        transit_days_max INTEGER NOT NULL,
        base_cost TEXT,
        cost_per_kg TEXT,
        max_weight_kg TEXT,
        currency TEXT NOT NULL,
        pickup_days TEXT NOT NULL,
        saturday_delivery INTEGER NOT NULL,
        calendar TEXT NOT NULL,
        extra TEXT,
        PRIMARY KEY (carrier, service, origin_country, dest_country)
    )
    """,
    """
    CREATE TABLE stock (
        location_id TEXT NOT NULL
            REFERENCES locations (location_id) DEFERRABLE INITIALLY DEFERRED,
        sku TEXT NOT NULL,
        on_hand INTEGER NOT NULL,
        reserved INTEGER NOT NULL,
        safety_stock INTEGER NOT NULL,
        extra TEXT,
        PRIMARY KEY (location_id, sku)
    )
    """,
    """
    CREATE TABLE orders (
        order_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        placed_at TEXT NOT NULL,
        customer_type TEXT NOT NULL,
        currency TEXT NOT NULL,
        ship_to_country TEXT NOT NULL,
        ship_to_postal_code TEXT,
        ship_to_latitude REAL,
        ship_to_longitude REAL,
        service_level TEXT NOT NULL,
        promised_by TEXT,
        shipping_paid TEXT,
        status TEXT NOT NULL,
        cancel_reason TEXT,
        extra TEXT,
        PRIMARY KEY (order_id)
    )
    """,
    """
    CREATE TABLE order_lines (
        order_id TEXT NOT NULL
            REFERENCES orders (order_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        unit_price TEXT NOT NULL,
        line_id TEXT NOT NULL,
        weight_kg TEXT,
        extra TEXT,
        PRIMARY KEY (order_id, line_id)
    )
    """,
    """
    CREATE TABLE shipments (
        shipment_id TEXT NOT NULL,
        order_id TEXT NOT NULL,
        carrier TEXT NOT NULL,
        tracking_number TEXT NOT NULL,
        service TEXT,
        location_id TEXT,
        shipped_at TEXT,
        promised_by TEXT,
        carrier_edd TEXT,
        delivered_at TEXT,
        shipping_cost TEXT,
        currency TEXT,
        extra TEXT,
        PRIMARY KEY (shipment_id)
    )
    """,
    """
    CREATE TABLE tracking_events (
        tracking_number TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        status TEXT,
        carrier TEXT NOT NULL,
        raw_code TEXT,
        description TEXT,
        location TEXT,
        reason TEXT,
        event_code TEXT NOT NULL,
        extra TEXT,
        PRIMARY KEY (carrier, tracking_number, occurred_at, event_code)
    )
    """,
    """
    CREATE TABLE returns (
        return_id TEXT NOT NULL,
        order_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        requested_at TEXT,
        received_at TEXT,
        refunded_at TEXT,
        reason TEXT,
        refund_amount TEXT,
        currency TEXT,
        extra TEXT,
        PRIMARY KEY (return_id, sku)
    )
    """,
    """
    CREATE TABLE reviews (
        review_id TEXT NOT NULL,
        source TEXT NOT NULL,
        rating INTEGER NOT NULL,
        text TEXT,
        title TEXT,
        language TEXT,
        created_at TEXT NOT NULL,
        order_id TEXT,
        extra TEXT,
        PRIMARY KEY (source, review_id)
    )
    """,
    """
    CREATE TABLE checkout_events (
        event_timestamp TEXT NOT NULL,
        event_name TEXT NOT NULL,
        user_pseudo_id TEXT NOT NULL,
        ga_session_id TEXT,
        transaction_id TEXT,
        device_category TEXT,
        value TEXT,
        currency TEXT,
        extra TEXT,
        PRIMARY KEY (user_pseudo_id, event_timestamp, event_name)
    )
    """,
)

INITIAL_INDEXES = (
    "CREATE INDEX orders_placed_at ON orders (placed_at)",
    "CREATE INDEX shipments_order_id ON shipments (order_id)",
    "CREATE INDEX shipments_tracking_number ON shipments (tracking_number)",
    "CREATE INDEX tracking_events_number ON tracking_events (tracking_number, occurred_at)",
    "CREATE INDEX returns_order_id ON returns (order_id)",
    "CREATE INDEX reviews_created_at ON reviews (created_at)",
    "CREATE INDEX checkout_events_timestamp ON checkout_events (event_timestamp)",
)

#: What each notifier has told about each shipment (``opsctl sla check --notify``).
NOTIFICATION_TABLES = (
    """
    CREATE TABLE notification_state (
        notifier TEXT NOT NULL,
        audience TEXT NOT NULL,
        shipment_id TEXT NOT NULL,
        state TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (notifier, audience, shipment_id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE notification_log (
        notifier TEXT NOT NULL,
        audience TEXT NOT NULL,
        shipment_id TEXT NOT NULL,
        event TEXT NOT NULL,
        notified_at TEXT NOT NULL,
        PRIMARY KEY (notifier, audience, shipment_id, event)
    ) WITHOUT ROWID
    """,
)

#: Per-shipment polling state of ``opsctl track sync`` (see ``opsctl.store.tracking``).
TRACKING_POLL_TABLES = (
    """
    CREATE TABLE tracking_polls (
        shipment_id TEXT NOT NULL,
        carrier TEXT NOT NULL,
        tracking_number TEXT NOT NULL,
        first_polled_at TEXT,
        last_polled_at TEXT,
        next_poll_at TEXT,
        failures INTEGER NOT NULL,
        final INTEGER NOT NULL,
        final_reason TEXT,
        problem TEXT,
        PRIMARY KEY (shipment_id)
    ) WITHOUT ROWID
    """,
)

#: KPI values per period, written by ``opsctl kpi snapshot`` (see ``opsctl.store.kpi``).
KPI_SNAPSHOT_TABLES = (
    """
    CREATE TABLE kpi_snapshots (
        kpi TEXT NOT NULL,
        grain TEXT NOT NULL,
        period TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        dimensions TEXT NOT NULL,
        value TEXT,
        unit TEXT NOT NULL,
        n INTEGER NOT NULL,
        reason TEXT,
        as_of TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (kpi, grain, period_start, dimensions)
    ) WITHOUT ROWID
    """,
)

#: What ``opsctl route --apply`` records: each routed order's shipments, and the stock they
#: reserve until a shipment of the order is stored (see ``opsctl.routing.ledger``).
ROUTING_TABLES = (
    """
    CREATE TABLE routing_allocations (
        order_id TEXT NOT NULL,
        shipment INTEGER NOT NULL,
        location_id TEXT NOT NULL,
        carrier TEXT NOT NULL,
        service TEXT NOT NULL,
        ship_date TEXT NOT NULL,
        expected_delivery TEXT NOT NULL,
        cost TEXT NOT NULL,
        currency TEXT NOT NULL,
        promise_kept INTEGER,
        rule TEXT NOT NULL,
        routed_at TEXT NOT NULL,
        PRIMARY KEY (order_id, shipment)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE routing_reservations (
        order_id TEXT NOT NULL,
        shipment INTEGER NOT NULL,
        line_id TEXT NOT NULL,
        location_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (order_id, shipment, line_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX routing_allocations_day ON routing_allocations (location_id, ship_date)",
    "CREATE INDEX routing_reservations_stock ON routing_reservations (location_id, sku)",
)

#: One row per tracking number: its events folded into the facts of an SLA timeline
#: (:class:`opsctl.sla.timeline.Timeline`), kept up to date in the transaction that writes
#: the events, so that ``opsctl sla check --from-store`` reads one row per shipment. Events
#: are folded by tracking number whatever their carrier, as the SLA check does.
TIMELINE_TABLE = """
    CREATE TABLE tracking_timelines (
        tracking_number TEXT NOT NULL,
        events INTEGER NOT NULL,
        unmapped INTEGER NOT NULL,
        first_event_at TEXT NOT NULL,
        last_event_at TEXT NOT NULL,
        label_created_at TEXT,
        first_scan_at TEXT,
        last_scan_at TEXT,
        reached_customer_at TEXT,
        delivered_at TEXT,
        latest_status TEXT,
        latest_status_at TEXT,
        latest_reason TEXT,
        PRIMARY KEY (tracking_number)
    ) WITHOUT ROWID
"""

_SCANS = (
    "'attempt_failed', 'available_for_pickup', 'delivered', 'exception', 'in_transit', "
    "'out_for_delivery', 'picked_up', 'return_to_sender'"
)
_REACHED = "'attempt_failed', 'available_for_pickup', 'delivered'"
_RANK = (
    "CASE status WHEN 'unknown' THEN 0 WHEN 'pre_transit' THEN 1 WHEN 'picked_up' THEN 2 "
    "WHEN 'in_transit' THEN 3 WHEN 'exception' THEN 4 WHEN 'out_for_delivery' THEN 5 "
    "WHEN 'attempt_failed' THEN 6 WHEN 'available_for_pickup' THEN 7 "
    "WHEN 'return_to_sender' THEN 8 WHEN 'delivered' THEN 9 WHEN 'cancelled' THEN 10 END"
)

#: The rows of ``tracking_timelines`` for the events that ``{where}`` selects (a condition
#: on ``tracking_number`` that takes every event of a number or none). Timestamps are UTC
#: text of one width, so text order is time order. The fold is that of
#: :class:`opsctl.sla.timeline.Timeline`: the latest status is that of the latest mapped
#: event; at the same instant the later stage wins (``STAGE_RANK``), then the last in the
#: store's key order (carrier, event code), as folding the events in key order gives.
TIMELINE_FOLD = f"""
    SELECT f.*, l.status, l.occurred_at, l.why
    FROM (
        SELECT tracking_number,
            count(*) AS events,
            count(*) - count(status) AS unmapped,
            min(occurred_at) AS first_event_at,
            max(occurred_at) AS last_event_at,
            min(CASE WHEN status = 'pre_transit' THEN occurred_at END) AS label_created_at,
            min(CASE WHEN status IN ({_SCANS}) THEN occurred_at END) AS first_scan_at,
            max(CASE WHEN status IN ({_SCANS}) THEN occurred_at END) AS last_scan_at,
            min(CASE WHEN status IN ({_REACHED}) THEN occurred_at END) AS reached_customer_at,
            min(CASE WHEN status = 'delivered' THEN occurred_at END) AS delivered_at
        FROM tracking_events
        WHERE {{where}}
        GROUP BY tracking_number
    ) AS f
    LEFT JOIN (
        SELECT tracking_number, status, occurred_at, why FROM (
            SELECT tracking_number, status, occurred_at,
                coalesce(nullif(reason, ''), description) AS why,
                row_number() OVER (
                    PARTITION BY tracking_number
                    ORDER BY occurred_at DESC, {_RANK} DESC, carrier DESC, event_code DESC
                ) AS n
            FROM tracking_events
            WHERE status IS NOT NULL AND ({{where}})
        )
        WHERE n = 1
    ) AS l ON l.tracking_number = f.tracking_number
"""


def timeline_refresh(where: str) -> str:
    """The statement that (re)writes the timelines of the numbers ``where`` selects."""
    return "INSERT OR REPLACE INTO tracking_timelines " + TIMELINE_FOLD.format(where=where)


TIMELINE_TABLES = (
    TIMELINE_TABLE,
    timeline_refresh("1"),
    # Unmapped events are few: `opsctl sla check` and `carriers codes` count them by index.
    "CREATE INDEX tracking_events_unmapped ON tracking_events (carrier, raw_code) "
    "WHERE status IS NULL",
)


def _forget(table: str, when: str, which: str) -> str:
    """A trigger forgetting the kept verdicts of the shipments ``which`` selects (a
    condition on ``shipments``' columns, with NEW and OLD) after ``when`` on ``table``."""
    return (
        f"CREATE TRIGGER sla_verdicts_forget_{table}_{when.lower()} AFTER {when} ON {table} "
        "BEGIN DELETE FROM sla_verdicts WHERE shipment_id IN "
        f"(SELECT shipment_id FROM shipments WHERE {which}); END"
    )


#: Each shipment's last SLA verdict, kept while the clock cannot change it
#: (:mod:`opsctl.store.verdicts`). Writing a shipment, its order or its timeline forgets
#: it; writing a location or a carrier service forgets them all.
VERDICT_TABLES = (
    """
    CREATE TABLE sla_verdicts (
        shipment_id TEXT NOT NULL,
        basis TEXT NOT NULL,
        judged_at INTEGER NOT NULL,
        valid_until INTEGER,
        carrier TEXT,
        service TEXT,
        channel TEXT,
        verdict TEXT NOT NULL,
        promise_kept INTEGER,
        listed TEXT NOT NULL,
        PRIMARY KEY (shipment_id)
    ) WITHOUT ROWID
    """,
    *(
        "CREATE TRIGGER sla_verdicts_forget_shipments_"
        + when.lower()
        + " AFTER "
        + when
        + " ON shipments BEGIN DELETE FROM sla_verdicts WHERE shipment_id IN ("
        + ", ".join(f"{row}.shipment_id" for row in rows)
        + "); END"
        for when, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",)))
    ),
    _forget("orders", "INSERT", "order_id = NEW.order_id"),
    _forget("orders", "UPDATE", "order_id IN (OLD.order_id, NEW.order_id)"),
    _forget("orders", "DELETE", "order_id = OLD.order_id"),
    _forget("tracking_timelines", "INSERT", "tracking_number = NEW.tracking_number"),
    _forget(
        "tracking_timelines",
        "UPDATE",
        "tracking_number IN (OLD.tracking_number, NEW.tracking_number)",
    ),
    _forget("tracking_timelines", "DELETE", "tracking_number = OLD.tracking_number"),
    *(
        f"CREATE TRIGGER sla_verdicts_forget_{table}_{when.lower()} AFTER {when} ON {table} "
        "BEGIN DELETE FROM sla_verdicts; END"
        for table in ("locations", "carrier_services")
        for when in ("INSERT", "UPDATE", "DELETE")
    ),
)

#: Every migration, oldest first; the schema version is the last one applied.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial tables", INITIAL_TABLES + INITIAL_INDEXES),
    Migration(2, "notification state and log", NOTIFICATION_TABLES),
    Migration(3, "tracking poll state", TRACKING_POLL_TABLES),
    Migration(4, "kpi snapshots", KPI_SNAPSHOT_TABLES),
    Migration(5, "routing allocations and reservations", ROUTING_TABLES),
    Migration(6, "tracking timelines", TIMELINE_TABLES),
    Migration(7, "kept sla verdicts", VERDICT_TABLES),
)
