"""The state store: migrations, exact round trips, upsert counts, transactions, db commands."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from opsctl.errors import ConfigError, DataError, UsageError
from opsctl.model import (
    CarrierService,
    CheckoutEvent,
    Location,
    Order,
    OrderLine,
    Return,
    Review,
    Shipment,
    StockLevel,
    TrackingEvent,
)
from opsctl.sla.check import EventFold
from opsctl.sla.timeline import Timeline
from opsctl.store import UpsertCounts, open_store
from opsctl.store.sqlite.migrations import MIGRATIONS
from opsctl.store.tables import TABLES
from opsctl.store.tracking import SHIPMENT_TIMELINE_COLUMNS
from opsctl.tracking import TrackingStatus

UTC = timezone.utc
PLACED = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)

SAMPLES = {
    "locations": Location(
        "LEEDS",
        "GB",
        "LS1",
        53.8,
        -1.55,
        "Europe/London",
        time(15, 30),
        1,
        None,
        ("web", "amazon"),
        1,
        "GB-ENG",
        {"manager": "Ann"},
    ),
    "carrier_services": CarrierService(
        "dhl",
        "parcel",
        "GB",
        "*",
        1,
        3,
        Decimal("4.10"),
        Decimal("0.35"),
        None,
        "GBP",
        (0, 1, 2, 3, 4),
        True,
        "GB",
    ),
    "stock": StockLevel("LEEDS", "MUG-1", 12, 2, 1),
    "orders": Order(
        "A-1",
        "web",
        PLACED,
        "retail",
        "EUR",
        "DE",
        "10115",
        None,
        None,
        "express",
        date(2026, 3, 4),
        Decimal("4.95"),
        "open",
        None,
        {"coupon": "SPRING"},
    ),
    "order_lines": OrderLine("A-1", "MUG-1", 2, Decimal("9.99"), "MUG-1", Decimal("0.350")),
    "shipments": Shipment(
        "SH-1",
        "A-1",
        "dhl",
        "JD0001",
        "parcel",
        "LEEDS",
        PLACED,
        datetime(2026, 3, 4, 18, tzinfo=UTC),
        date(2026, 3, 5),
        None,
        Decimal("3.20"),
        "GBP",
    ),
    "tracking_events": TrackingEvent(
        "JD0001",
        PLACED,
        TrackingStatus.IN_TRANSIT,
        None,
        None,
        "departed hub",
        "Leeds",
        None,
    ),
    "returns": Return(
        "R-1", "A-1", "MUG-1", 1, PLACED, None, None, "broken", Decimal("9.99"), "EUR"
    ),
    "reviews": Review("RV-1", "trustpilot", 2, "Late.", None, "en", PLACED, "A-1"),
    "checkout_events": CheckoutEvent(
        datetime(2026, 3, 2, 10, 0, 0, 1, tzinfo=UTC),
        "purchase",
        "u1",
        "s1",
        "A-1",
        "mobile",
        Decimal("19.98"),
        "EUR",
    ),
}


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "state.db") as store:
        store.migrate()
        yield store


def test_migrations_create_the_tables_the_code_describes(store):
    assert store.schema_version() == MIGRATIONS[-1].version
    assert store.pending_migrations() == []
    for name, table in TABLES.items():
        info = store.connection.execute(f"PRAGMA table_info({name})").fetchall()
        assert [row[1] for row in info] == list(table.column_names), name
        assert [bool(row[3]) for row in info] == [not c.nullable for c in table.columns], name
        key = sorted((row[5], row[1]) for row in info if row[5])
        assert tuple(name for _, name in key) == table.key


def test_the_store_runs_in_wal_mode_with_foreign_keys(store):
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_migrating_twice_applies_nothing(store):
    assert store.migrate() == []
    versions = store.connection.execute("SELECT version, name FROM opsctl_migrations").fetchall()
    assert versions == [(m.version, m.name) for m in MIGRATIONS]


def test_every_entity_round_trips_exactly(store):
    with store.transaction():
        for entity, record in SAMPLES.items():
            assert store.repository(entity).upsert([record]) == UpsertCounts(1, 0, 0)
    for entity, record in SAMPLES.items():
        table = TABLES[entity]
        key = [table.row_of(record)[table.column_names.index(name)] for name in table.key]
        assert store.repository(entity).get(*key) == record, entity
        assert list(store.repository(entity).all()) == [record]


def test_money_and_timestamps_are_stored_as_exact_sortable_text(store):
    store.orders.upsert([SAMPLES["orders"]])
    placed_at, paid, extra = store.connection.execute(
        "SELECT placed_at, shipping_paid, extra FROM orders"
    ).fetchone()
    assert placed_at == "2026-03-02T10:30:00.000000Z"
    assert paid == "4.95"
    assert extra == '{"coupon": "SPRING"}'


def test_upsert_counts_inserted_updated_and_unchanged(store):
    first = SAMPLES["reviews"]
    second = Review("RV-2", "google", 5, None, None, None, PLACED, None)
    assert store.reviews.upsert([first, second]) == UpsertCounts(2, 0, 0)
    assert store.reviews.upsert([first, second]) == UpsertCounts(0, 0, 2)
    changed = Review("RV-2", "google", 4, "Changed my mind", None, None, PLACED, None)
    assert store.reviews.upsert([first, changed]) == UpsertCounts(0, 1, 1)
    assert store.reviews.get("google", "RV-2").rating == 4
    assert store.reviews.count() == 2


def test_a_failed_transaction_leaves_the_store_as_it_was(store):
    first = SAMPLES["reviews"]
    store.reviews.upsert([first])
    with pytest.raises(RuntimeError), store.transaction():
        store.reviews.upsert([Review("RV-1", "trustpilot", 5, "Changed", None, None, PLACED, None)])
        store.reviews.upsert([Review("RV-9", "google", 5, None, None, None, PLACED, None)])
        raise RuntimeError("crash")
    assert list(store.reviews.all()) == [first]


def test_a_commit_with_orphan_rows_is_refused_and_rolled_back(store):
    with pytest.raises(DataError) as caught:
        store.stock.upsert([SAMPLES["stock"]])
    assert str(caught.value) == (
        "stock.location_id names rows missing from locations: 'LEEDS' (1 row); "
        "ingest those locations first or in the same run"
    )
    assert store.stock.count() == 0


def test_lines_whose_order_is_missing_are_found(store):
    with store.transaction():
        store.order_lines.upsert([SAMPLES["order_lines"]])
        (missing,) = store.missing_parents()
        assert (missing.table, missing.value, missing.parent, missing.rows) == (
            "order_lines",
            "A-1",
            "orders",
            1,
        )
        store.orders.upsert([SAMPLES["orders"]])
        assert store.missing_parents() == []


def test_tracking_events_without_carrier_keep_a_unique_key(store):
    event = SAMPLES["tracking_events"]
    assert store.tracking_events.upsert([event, event]) == UpsertCounts(1, 0, 1)
    assert store.connection.execute(
        "SELECT carrier, event_code FROM tracking_events"
    ).fetchall() == [("", "in_transit")]


def test_a_database_url_of_another_kind_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="SQLite files only"):
        open_store("postgresql://db.example/opsctl")
    with open_store(f"sqlite://{tmp_path}/url.db") as store:
        assert store.location == f"{tmp_path}/url.db"


def test_opening_a_missing_store_without_create_says_how_to_create_it(tmp_path):
    with pytest.raises(UsageError, match="create it with `opsctl db init`"):
        open_store(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database " * 100)
    with pytest.raises((UsageError, sqlite3.DatabaseError)):
        open_store(path).migrate()


# -- the db commands ---------------------------------------------------------------------


def test_db_init_status_and_migrate(opsctl_run, opsctl_env: Path):
    state = opsctl_env / "var" / "state.db"
    status = opsctl_run("db", "status", "--state", str(state), "--format", "json").assert_success()
    assert status.json()["exists"] is False
    assert status.json()["pending_migrations"] == [
        {"version": m.version, "name": m.name} for m in MIGRATIONS
    ]
    assert not state.exists()

    opsctl_run("db", "migrate", "--state", str(state)).assert_exit(2)
    created = opsctl_run("db", "init", "--state", str(state)).assert_success()
    latest = MIGRATIONS[-1].version
    assert f"created state store {state} (schema version {latest})" in created.stderr
    again = opsctl_run("db", "init", "--state", str(state)).assert_success()
    assert "already exists" in again.stderr
    assert "nothing to apply" in opsctl_run("db", "migrate", "--state", str(state)).stderr

    document = opsctl_run("db", "status", "--state", str(state), "-f", "json").json()
    assert document["schema_version"] == document["latest_version"] == latest
    assert document["pending_migrations"] == []
    assert document["tables"] == dict.fromkeys(TABLES, 0)
    table = opsctl_run("db", "status", "--state", str(state)).stdout
    assert re.search(r"^pending migrations +none$", table, re.MULTILINE)
    assert re.search(r"^rows: orders +0$", table, re.MULTILINE)


def test_the_state_path_comes_from_the_config_then_the_user_data_dir(opsctl_run, opsctl_env):
    opsctl_run("db", "init", config='[state]\npath = "data/opsctl.db"\n').assert_success()
    assert (opsctl_env / "data" / "opsctl.db").exists()
    (opsctl_env / "opsctl.toml").unlink()
    document = opsctl_run("db", "status", "-f", "json").json()
    assert document["path"].endswith("/.local/share/opsctl/state.db")
    env = {"OPSCTL_STATE": str(opsctl_env / "env.db")}
    assert opsctl_run("db", "status", "-f", "json", env=env).json()["path"] == env["OPSCTL_STATE"]


# -- tracking timelines: each number's events folded, kept with the events ----------------


def stored_timelines(store) -> dict[str, Timeline]:
    """The timelines the store gives with its shipments, as :class:`Timeline` objects."""
    names = SHIPMENT_TIMELINE_COLUMNS
    timelines = {}
    for row in store.tracking_ledger().shipment_timelines():
        values = dict(zip(names, row, strict=True))
        if values["events"] is None:
            continue
        instants = {
            name: datetime.fromisoformat(values[name].replace("Z", "+00:00"))
            if values[name]
            else None
            for name in (*names[19:26], "latest_status_at")
        }
        timelines[values["tracking_number"]] = Timeline(
            first_event_at=instants["first_event_at"],
            last_event_at=instants["last_event_at"],
            label_created_at=instants["label_created_at"],
            first_scan_at=instants["first_scan_at"],
            last_scan_at=instants["last_scan_at"],
            reached_customer_at=instants["reached_customer_at"],
            delivered_at=instants["delivered_at"],
            latest_status=TrackingStatus(values["latest_status"])
            if values["latest_status"]
            else None,
            latest_status_at=instants["latest_status_at"],
            latest_reason=values["latest_reason"],
            events=values["events"],
            unmapped=values["unmapped"],
        )
    return timelines


def folded_events(store) -> dict[str, Timeline]:
    """Every stored event read back and folded in key order (the reference)."""
    fold = EventFold.of(store.tracking_events.all())
    return fold.timelines


def event(number: str, hour: int, status, *, carrier="dhl", code=None, reason=None, text=None):
    return TrackingEvent(
        number,
        datetime(2026, 3, 2, hour, tzinfo=UTC),
        status,
        carrier,
        code,
        text,
        None,
        reason,
    )


def test_timelines_follow_every_write_of_events(store):
    with store.transaction():
        store.orders.write([SAMPLES["orders"]])
        store.shipments.write(
            [
                Shipment(
                    "SH-1", "A-1", "dhl", "JD1", None, None, None, None, None, None, None, None
                ),
                Shipment(
                    "SH-2", "A-1", "dhl", "JD2", None, None, None, None, None, None, None, None
                ),
                Shipment(
                    "SH-3", "A-1", "dhl", "JD3", None, None, None, None, None, None, None, None
                ),
            ]
        )
    S = TrackingStatus
    store.tracking_events.upsert(
        [
            event("JD1", 9, S.PRE_TRANSIT, code="LC"),
            event("JD1", 12, S.IN_TRANSIT, code="DP", text="departed"),
            event("JD2", 8, None, code="ZZ9"),
        ]
    )
    assert stored_timelines(store) == folded_events(store)
    # Later events, an export without a carrier, ties at one instant, an unmapped code.
    store.tracking_events.upsert(
        [
            event("JD1", 15, S.OUT_FOR_DELIVERY, code="OD", text="on van"),
            event("JD1", 15, S.IN_TRANSIT, code="AR", text="arrived"),
            event("JD1", 15, S.OUT_FOR_DELIVERY, carrier=None, code="OFD", reason="second"),
            event("JD1", 11, S.PICKED_UP, code="PU"),
            event("JD2", 10, S.AVAILABLE_FOR_PICKUP, code="PP", reason=""),
            event("JD2", 10, S.AVAILABLE_FOR_PICKUP, code="PQ", text="at the shop"),
        ]
    )
    assert stored_timelines(store) == folded_events(store)
    timeline = stored_timelines(store)["JD1"]
    assert (timeline.latest_status, timeline.latest_reason, timeline.events) == (
        TrackingStatus.OUT_FOR_DELIVERY,
        "on van",
        6,
    )
    # An event written again with another status: the timeline is folded anew.
    store.tracking_events.upsert([event("JD1", 15, S.DELIVERED, code="OD", text="delivered")])
    assert stored_timelines(store) == folded_events(store)
    assert stored_timelines(store)["JD1"].delivered_at == datetime(2026, 3, 2, 15, tzinfo=UTC)
    assert "JD3" not in stored_timelines(store)


def test_a_failed_transaction_leaves_the_timelines_as_they_were(store):
    store.tracking_events.upsert([event("JD1", 9, TrackingStatus.PICKED_UP, code="PU")])
    before = store.connection.execute("SELECT * FROM tracking_timelines").fetchall()
    with pytest.raises(RuntimeError), store.transaction():
        store.tracking_events.write([event("JD1", 10, TrackingStatus.DELIVERED, code="DL")])
        raise RuntimeError("crash")
    assert store.connection.execute("SELECT * FROM tracking_timelines").fetchall() == before
    assert store.tracking_events.count() == 1


def test_migrating_an_older_store_folds_its_events(tmp_path):
    with open_store(tmp_path / "old.db") as old:
        old.migrations = lambda: MIGRATIONS[:5]  # the store as opsctl wrote it before 6
        old.migrate()
        old.connection.executemany(
            "INSERT INTO tracking_events (tracking_number, occurred_at, status, carrier, "
            "raw_code, description, event_code) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ("JD1", "2026-03-02T09:00:00.000000Z", "picked_up", "dhl", "PU", None, "PU"),
                ("JD1", "2026-03-03T09:00:00.000000Z", "delivered", "dhl", "DL", "ok", "DL"),
                ("JD1", "2026-03-03T08:00:00.000000Z", None, "dhl", "Z", None, "Z"),
            ],
        )
        assert old.schema_version() == 5
    with open_store(tmp_path / "old.db") as store:
        store.migrate()
        store.shipments.upsert(
            [Shipment("SH-1", "A-1", "dhl", "JD1", None, None, None, None, None, None, None, None)]
        )
        assert stored_timelines(store) == folded_events(store)
        assert stored_timelines(store)["JD1"].unmapped == 1
