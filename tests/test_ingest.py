"""``opsctl ingest``: upserts by natural key in one transaction, whatever happens to the run."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from opsctl.store import Migration, open_store
from opsctl.store.sqlite.migrations import MIGRATIONS

ORDERS = (
    "order_id,channel,placed_at,currency,ship_to_country,shipping_paid\n"
    "A-1,web,2026-03-02 10:00,EUR,DE,4.95\n"
    "A-2,amazon,2026-03-02T11:00:00Z,EUR,FR,0\n"
)
LINES = "order_id,sku,quantity,unit_price\nA-1,MUG,2,9.99\nA-1,TEA,1,4.50\nA-2,MUG,1,9.99\n"
REPO = Path(__file__).resolve().parents[1]
FIXTURE_CONFIG = REPO / "fixtures" / "opsctl.toml"


@pytest.fixture
def state(opsctl_env: Path) -> Path:
    return opsctl_env / "state.db"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(state: Path) -> dict[str, int]:
    with open_store(state, create=False) as store:
        return {name: count for name, count in store.counts().items() if count}


def test_ingesting_the_same_file_twice_changes_nothing(opsctl_run, opsctl_env, state):
    orders = write(opsctl_env, "orders.csv", ORDERS)
    first = opsctl_run("ingest", "orders", str(orders), "--state", str(state), "-f", "json")
    assert first.assert_success().json() == [
        {
            "entity": "orders",
            "file": str(orders),
            "records": 2,
            "inserted": 2,
            "updated": 0,
            "unchanged": 0,
            "bad_rows": 0,
            "quarantine": None,
        }
    ]
    second = opsctl_run("ingest", "orders", str(orders), "--state", str(state), "-f", "json")
    assert second.assert_success().json()[0] | {"file": None} == {
        "entity": "orders",
        "file": None,
        "records": 2,
        "inserted": 0,
        "updated": 0,
        "unchanged": 2,
        "bad_rows": 0,
        "quarantine": None,
    }
    with open_store(state) as store:
        placed = {order.order_id: order for order in store.orders.all()}
    assert placed["A-1"].shipping_paid == Decimal("4.95")
    assert placed["A-1"].placed_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert placed["A-2"].channel == "amazon"


def test_a_changed_row_counts_as_updated(opsctl_run, opsctl_env, state):
    orders = write(opsctl_env, "orders.csv", ORDERS)
    opsctl_run("ingest", "orders", str(orders), "--state", str(state)).assert_success()
    write(
        opsctl_env, "orders.csv", ORDERS.replace("amazon", "ebay") + "A-3,web,2026-03-03,EUR,GB,\n"
    )
    result = opsctl_run("ingest", "orders", str(orders), "--state", str(state), "-f", "json")
    row = result.assert_success().json()[0]
    assert (row["inserted"], row["updated"], row["unchanged"]) == (1, 1, 1)
    with open_store(state) as store:
        assert store.orders.get("A-2").channel == "ebay"


def test_timestamps_without_offset_are_read_in_the_configured_timezone(
    opsctl_run, opsctl_env, state
):
    orders = write(opsctl_env, "orders.csv", ORDERS)
    config = '[defaults]\ntimezone = "Europe/Berlin"\n'
    opsctl_run(
        "ingest", "orders", str(orders), "--state", str(state), config=config
    ).assert_success()
    with open_store(state) as store:
        assert store.orders.get("A-1").placed_at.isoformat() == "2026-03-02T09:00:00+00:00"


def test_a_bad_row_stops_the_run_and_nothing_is_written(opsctl_run, opsctl_env, state):
    orders = write(opsctl_env, "orders.csv", ORDERS)
    lines = write(opsctl_env, "lines.csv", LINES + "A-2,TEA,lots,4.50\n")
    result = opsctl_run("ingest", "order_lines", str(lines), "--state", str(state))
    result.assert_exit(3)
    assert (
        f"opsctl: error: {lines}:5: quantity: 'lots' is not an integer of at least 1"
        in result.stderr
    )
    # The good file of the same run is not written either: one transaction.
    bad = write(opsctl_env, "bad.csv", ORDERS + "A-3,web,2026-02-30,EUR,DE,0\n")
    result = opsctl_run("ingest", "orders", str(orders), str(bad), "--state", str(state))
    assert f"{bad}:4: placed_at: '2026-02-30'" in result.assert_exit(3).stderr
    assert counts(state) == {}
    assert sorted(p.name for p in opsctl_env.iterdir()) == [
        "bad.csv",
        "lines.csv",
        "orders.csv",
        "state.db",
    ]


def test_skip_quarantines_counts_and_warns(opsctl_run, opsctl_env, state):
    lines = write(opsctl_env, "lines.csv", LINES + "A-2,TEA,lots,4.50\nA-2,,1,1.00\n")
    orders = write(opsctl_env, "orders.csv", ORDERS)
    result = opsctl_run(
        "ingest",
        "orders",
        str(orders),
        "--state",
        str(state),
    ).assert_success()
    result = opsctl_run(
        "ingest",
        "order_lines",
        str(lines),
        "--state",
        str(state),
        "--on-bad-rows",
        "skip",
        "-f",
        "json",
    ).assert_success()
    quarantine = opsctl_env / "lines.quarantine.csv"
    (row,) = result.json()
    assert (row["inserted"], row["bad_rows"], row["quarantine"]) == (3, 2, str(quarantine))
    assert result.stderr == (
        f"opsctl: warning: 2 bad rows in {lines} quarantined to {quarantine}\n"
    )
    with open(quarantine, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["_error"] for r in rows] == [
        f"{lines}:5: quantity: 'lots' is not an integer of at least 1",
        f"{lines}:6: sku: missing value (the column is required)",
    ]
    assert counts(state) == {"orders": 2, "order_lines": 3}


def test_the_config_can_make_skip_the_default_and_quarantine_can_be_a_folder(
    opsctl_run, opsctl_env, state
):
    one = write(opsctl_env, "one.ndjson", '{"location_id": "L", "sku": "S", "on_hand": "x"}\n')
    two = write(opsctl_env, "two.csv", "location_id,sku,on_hand\nL,S,oops\n")
    (opsctl_env / "bad").mkdir()
    result = opsctl_run(
        "ingest",
        "stock",
        str(one),
        str(two),
        "--state",
        str(state),
        "--quarantine",
        "bad",
        config='[defaults]\non_bad_rows = "skip"\n',
    ).assert_success()
    assert sorted(p.name for p in (opsctl_env / "bad").iterdir()) == [
        "one.quarantine.ndjson",
        "two.quarantine.csv",
    ]
    assert result.stderr.count("opsctl: warning:") == 2


def test_orders_with_lines_in_one_file_fill_both_tables(opsctl_run, opsctl_env, state):
    export = write(
        opsctl_env,
        "export.csv",
        "order_id,channel,placed_at,currency,ship_to_country,sku,quantity,unit_price,"
        "Lineitem name\n"
        "A-1,web,2026-03-02T10:00Z,EUR,DE,MUG,2,9.99,Mug\n"
        "A-1,web,2026-03-02T10:00Z,EUR,DE,TEA,1,4.50,Tea\n",
    )
    result = opsctl_run("ingest", "orders", str(export), "--state", str(state), "-f", "json")
    rows = result.assert_success().json()
    assert [(r["entity"], r["inserted"]) for r in rows] == [("orders", 1), ("order_lines", 2)]
    with open_store(state) as store:
        assert store.order_lines.get("A-1", "TEA").extra == {"Lineitem name": "Tea"}
        assert store.orders.get("A-1").extra == {}


def test_lines_of_unknown_orders_are_refused(opsctl_run, opsctl_env, state):
    lines = write(opsctl_env, "lines.csv", LINES)
    result = opsctl_run("ingest", "order_lines", str(lines), "--state", str(state)).assert_exit(3)
    assert result.stderr == (
        "opsctl: error: order_lines.order_id names rows missing from orders: 'A-1' (2 rows), "
        "'A-2' (1 row); ingest those orders first or in the same run\n"
    )
    orders = write(opsctl_env, "orders.csv", ORDERS)
    # Both in one run: the orders come first in the transaction (or not: the check is at the end).
    opsctl_run("ingest", "order_lines", str(lines), "--state", str(state)).assert_exit(3)
    opsctl_run("ingest", "orders", str(orders), "--state", str(state)).assert_success()
    opsctl_run("ingest", "order_lines", str(lines), "--state", str(state)).assert_success()
    assert counts(state) == {"orders": 2, "order_lines": 3}


def test_ingest_all_follows_dependency_order(opsctl_run, opsctl_env, state):
    data = opsctl_env / "data"
    data.mkdir()
    write(data, "lines.csv", LINES)
    write(
        data,
        "orders.json",
        json.dumps(
            [
                {
                    "order_id": "A-1",
                    "channel": "web",
                    "placed_at": "2026-03-02T10:00Z",
                    "currency": "EUR",
                    "ship_to_country": "DE",
                },
                {
                    "order_id": "A-2",
                    "channel": "web",
                    "placed_at": "2026-03-02T10:00Z",
                    "currency": "EUR",
                    "ship_to_country": "DE",
                },
            ]
        ),
    )
    write(data, "stock.csv", "location_id,sku,on_hand\nLEEDS,MUG,4\n")
    write(data, "locations.csv", "location_id,country,timezone\nLEEDS,GB,Europe/London\n")
    config = (
        '[state]\npath = "state.db"\n[data]\n'
        'order_lines = "data/lines.csv"\nstock = "data/stock.csv"\n'
        'orders = "data/orders.json"\nlocations = "data/locations.csv"\n'
    )
    result = opsctl_run("ingest", "--all", "-f", "json", config=config).assert_success()
    assert [(r["entity"], r["inserted"]) for r in result.json()] == [
        ("locations", 1),
        ("stock", 1),
        ("orders", 2),
        ("order_lines", 3),
    ]
    again = opsctl_run("ingest", "--all", "-f", "json").assert_success().json()
    assert [(r["inserted"], r["updated"]) for r in again] == [(0, 0)] * 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--all", "orders"), "give either --all or KIND FILE..., not both"),
        (("orders",), "give KIND and at least one FILE, or --all"),
        (("--all",), "--all found no entity files in [data]"),
    ],
)
def test_usage_errors(opsctl_run, args, message):
    result = opsctl_run("ingest", *args).assert_exit(2)
    assert message in result.stderr


def test_stdin_needs_and_takes_an_input_format(opsctl_run, state):
    payload = '{"review_id": "R1", "source": "google", "rating": 5, "created_at": "2026-01-01"}\n'
    opsctl_run("ingest", "reviews", "-", "--state", str(state), input=payload).assert_exit(2)
    result = opsctl_run(
        "ingest", "reviews", "-", "--input-format", "ndjson", "--state", str(state), input=payload
    )
    assert result.assert_success()
    assert counts(state) == {"reviews": 1}


def test_a_store_from_an_older_opsctl_must_be_migrated_first(opsctl_run, state, monkeypatch):
    payload = '{"review_id": "R1", "source": "google", "rating": 5, "created_at": "2026-01-01"}\n'
    ingest = ("ingest", "reviews", "-", "--input-format", "ndjson", "--state", str(state))
    opsctl_run(*ingest, input=payload).assert_success()
    latest = MIGRATIONS[-1].version
    replies = Migration(latest + 1, "review replies", ("ALTER TABLE reviews ADD reply TEXT",))
    newer = (*MIGRATIONS, replies)
    monkeypatch.setattr("opsctl.store.sqlite.backend.MIGRATIONS", newer)

    result = opsctl_run(*ingest, input=payload).assert_exit(2)
    assert "needs schema migrations: run `opsctl db migrate`" in result.stderr
    status = opsctl_run("db", "status", "--state", str(state), "-f", "json").json()
    assert status["pending_migrations"] == [{"version": latest + 1, "name": "review replies"}]
    migrated = opsctl_run("db", "migrate", "--state", str(state)).assert_success()
    assert f"applied migration {latest + 1}: review replies" in migrated.stderr
    opsctl_run(*ingest, input=payload).assert_success()

    monkeypatch.setattr("opsctl.store.sqlite.backend.MIGRATIONS", MIGRATIONS)
    result = opsctl_run(*ingest, input=payload).assert_exit(2)
    expected = f"has schema version {latest + 1}, newer than this opsctl knows ({latest})"
    assert expected in result.stderr


def _write_many_orders(path: Path, count: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "channel", "placed_at", "currency", "ship_to_country"])
        for number in range(count):
            writer.writerow([f"B-{number:07d}", "web", "2026-03-02T10:00:00Z", "EUR", "GB"])


def _read_position(pid: int, path: Path) -> int:
    """How far process ``pid`` has read into ``path`` (Linux /proc)."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                fdinfo = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
                return int(fdinfo.split("pos:")[1].split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return 0


def test_a_run_killed_mid_transaction_leaves_the_store_as_it_was(opsctl_run, opsctl_env, state):
    orders = write(opsctl_env, "orders.csv", ORDERS)
    opsctl_run("ingest", "orders", str(orders), "--state", str(state)).assert_success()
    big = opsctl_env / "big.csv"
    _write_many_orders(big, 150_000)
    size = big.stat().st_size
    command = [sys.executable, "-m", "opsctl", "ingest", "orders", str(big), "--state", str(state)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _read_position(process.pid, big) < size // 3:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the ingest never got a third of the way"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL

    with open_store(state, create=False) as store:
        assert store.integrity_problems() == []
        assert store.counts()["orders"] == 2
        assert store.orders.get("A-1").shipping_paid == Decimal("4.95")
    rerun = opsctl_run("ingest", "orders", str(big), "--state", str(state), "-f", "json")
    assert rerun.assert_success().json()[0]["inserted"] == 150_000
    assert counts(state) == {"orders": 150_002}


def test_the_demo_shop_ingests_cleanly_and_a_second_run_changes_nothing(
    opsctl_run, opsctl_env, state
):
    config = FIXTURE_CONFIG
    if not config.exists():  # the fixtures are generated: make a small copy of them
        from opsctl.demo.generator import generate

        generate(opsctl_env / "demo", orders=300, seed=5)
        config = opsctl_env / "demo" / "opsctl.toml"
    ingest = ("--config", str(config), "ingest", "--all", "--state", str(state), "-f", "json")
    first = opsctl_run(*ingest).assert_success().json()
    assert [row["entity"] for row in first] == [
        "locations",
        "carrier_services",
        "stock",
        "orders",
        "order_lines",
        "shipments",
        "tracking_events",
        "returns",
        "reviews",
        "checkout_events",
    ]
    assert all(row["inserted"] == row["records"] > 0 and row["bad_rows"] == 0 for row in first)
    second = opsctl_run(*ingest).assert_success().json()
    assert [(row["inserted"], row["updated"]) for row in second] == [(0, 0)] * len(first)
    assert [row["unchanged"] for row in second] == [row["records"] for row in first]
