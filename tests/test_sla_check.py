"""`opsctl sla check` end to end, on small files written by hand."""

from __future__ import annotations

import csv
import json
import re
import textwrap
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from opsctl.sla import storecheck

CONFIG = """\
[defaults]
timezone = "Europe/London"
currency = "GBP"

[data]
locations = "locations.csv"
carrier_services = "carrier_services.csv"
orders = "orders.csv"
shipments = "shipments.csv"
tracking_events = "events.ndjson"

[state]
path = "state.db"
"""

FILES = {
    "locations.csv": """\
        location_id,country,timezone,cutoff_local,calendar
        leeds,GB,Europe/London,15:00,GB-ENG
        """,
    "carrier_services.csv": """\
        carrier,service,origin_country,dest_country,transit_days_min,transit_days_max,currency,calendar
        royalmail,standard,GB,GB,1,2,GBP,GB-ENG
        dhl,express,GB,*,1,3,GBP,GB-ENG
        """,
    "orders.csv": """\
        order_id,channel,placed_at,currency,ship_to_country,promised_by
        O-1,web,2026-10-01T09:00+01:00,GBP,GB,2026-10-02
        O-2,amazon,2026-10-01T09:00+01:00,GBP,GB,2026-10-02
        O-3,web,2026-10-05T09:00+01:00,GBP,GB,2026-10-08
        O-4,web,2026-10-02T09:00+01:00,GBP,DE,2026-10-09
        O-5,amazon,2026-10-05T09:00+01:00,GBP,GB,2026-10-09
        """,
    "shipments.csv": """\
        shipment_id,order_id,carrier,tracking_number,service,location_id,shipped_at
        S-1,O-1,royalmail,RM1,standard,leeds,2026-10-01T14:00+01:00
        S-2,O-2,royalmail,RM2,standard,leeds,2026-10-01T14:00+01:00
        S-3,O-3,royalmail,RM3,standard,leeds,2026-10-05T14:00+01:00
        S-4,O-4,dhl,JD4,express,leeds,2026-10-02T14:00+01:00
        S-5,O-5,royalmail,RM5,standard,leeds,2026-10-05T14:00+01:00
        """,
}

EVENTS = [
    ("RM1", "2026-10-01T17:00+01:00", "picked_up"),
    ("RM1", "2026-10-02T11:00+01:00", "delivered"),  # on time
    ("RM2", "2026-10-01T17:00+01:00", "picked_up"),
    ("RM2", "2026-10-05T11:00+01:00", "delivered"),  # one business day late
    ("RM3", "2026-10-05T17:00+01:00", "picked_up"),  # then silence: stalled in transit
    ("JD4", "2026-10-02T17:00+01:00", "picked_up"),
    ("JD4", "2026-10-06T10:00+02:00", "in_transit"),  # international: still on track
    ("RM5", "2026-10-05T15:00+01:00", "pre_transit"),  # label only, four days: stalled
]
AS_OF = "2026-10-09T08:00+01:00"


@pytest.fixture
def shop(opsctl_env):
    (opsctl_env / "opsctl.toml").write_text(CONFIG)
    for name, text in FILES.items():
        (opsctl_env / name).write_text(textwrap.dedent(text))
    lines = [
        json.dumps({"tracking_number": t, "occurred_at": at, "status": s}) for t, at, s in EVENTS
    ]
    lines.append(
        json.dumps(
            {
                "tracking_number": "JD4",
                "carrier": "dhl",
                "occurred_at": "2026-10-03T01:00+02:00",
                "raw_code": "ZZ9",
            }
        )
    )
    (opsctl_env / "events.ndjson").write_text("\n".join(lines) + "\n")
    return opsctl_env


def verdicts(result):
    return {row["shipment_id"]: row["verdict"] for row in result.json()["shipments"]}


def test_verdicts_and_summary(shop, opsctl_run):
    result = opsctl_run("sla", "check", "--as-of", AS_OF, "--all", "--format", "json")
    result.assert_success()
    assert verdicts(result) == {
        "S-1": "delivered_on_time",
        "S-2": "delivered_late",
        "S-3": "stalled_in_transit",
        "S-4": "on_track",
        "S-5": "stalled_before_pickup",
    }
    summary = result.json()["summary"]
    assert summary["shipments"] == 5
    # Decided promises: S-1 kept; S-2 delivered late; S-3's date (8 Oct) has passed.
    assert summary["on_time_rate"] == 0.3333
    assert result.json()["unmapped_codes"] == [{"carrier": "dhl", "raw_code": "ZZ9", "events": 1}]
    assert "1 event(s) with 1 unmapped carrier code(s)" in result.stderr


def test_breaches_only_by_default_and_filters(shop, opsctl_run):
    breaches = opsctl_run("sla", "check", "--as-of", AS_OF, "--format", "json")
    assert set(verdicts(breaches)) == {"S-2", "S-3", "S-5"}
    amazon = opsctl_run("sla", "check", "--as-of", AS_OF, "--channel", "amazon", "-f", "json")
    assert set(verdicts(amazon)) == {"S-2", "S-5"}
    stalled = opsctl_run("sla", "check", "--as-of", AS_OF, "--verdict", "stalled", "-f", "json")
    assert set(verdicts(stalled)) == {"S-3", "S-5"}
    recent = opsctl_run("sla", "check", "--as-of", AS_OF, "--since", "2026-10-05", "-f", "json")
    assert recent.json()["summary"]["shipments"] == 2


def test_fail_on_sets_exit_code_1_above_max_rate(shop, opsctl_run):
    failing = opsctl_run("sla", "check", "--as-of", AS_OF, "--fail-on", "late,stalled")
    failing.assert_exit(1)
    assert "60.0% of 5 shipments are" in failing.stderr
    relaxed = opsctl_run(
        "sla", "check", "--as-of", AS_OF, "--fail-on", "late,stalled", "--max-rate", "0.6"
    )
    relaxed.assert_success()
    bad = opsctl_run("sla", "check", "--as-of", AS_OF, "--fail-on", "tardy")
    bad.assert_exit(2)
    assert "unknown verdict 'tardy'" in bad.stderr


def test_table_output_has_sections(shop, opsctl_run):
    result = opsctl_run("sla", "check", "--as-of", AS_OF, "--by", "channel")
    result.assert_success()
    assert "Verdicts as of 2026-10-09T08:00:00+01:00" in result.stdout
    assert "By channel" in result.stdout
    assert "Breaches" in result.stdout
    assert "S-3" in result.stdout and "S-1 " not in result.stdout


def test_csv_rows_only(shop, opsctl_run):
    result = opsctl_run("sla", "check", "--as-of", AS_OF, "--format", "csv")
    header, *rows = result.stdout.splitlines()
    assert header.startswith("shipment_id,order_id,carrier,service,channel,verdict")
    assert len(rows) == 3


def test_from_store_gives_the_same_verdicts(shop, opsctl_run):
    opsctl_run("ingest", "--all").assert_success()
    files = opsctl_run("sla", "check", "--as-of", AS_OF, "--all", "-f", "json")
    store = opsctl_run("sla", "check", "--as-of", AS_OF, "--all", "--from-store", "-f", "json")
    store.assert_success()
    assert verdicts(store) == verdicts(files)


def test_missing_events_is_a_usage_error(opsctl_env, opsctl_run):
    result = opsctl_run("sla", "check", "--shipments", "nowhere.csv")
    result.assert_exit(2)
    assert "no tracking_events data: give --events FILE" in result.stderr


def test_bad_event_row_is_exit_3_with_location(shop, opsctl_run):
    with (shop / "events.ndjson").open("a") as handle:
        bad = {"tracking_number": "RM1", "occurred_at": "2026-02-31T10:00Z", "status": "delivered"}
        handle.write(json.dumps(bad) + "\n")
    result = opsctl_run("sla", "check", "--as-of", AS_OF)
    result.assert_exit(3)
    assert "events.ndjson:10: occurred_at: '2026-02-31T10:00Z'" in result.stderr


NOTIFY = """
[notify]
ops = ["webhook"]
customer = ["ndjson"]
max_age_hours = 240

[notify.webhook]
url = "${TEST_WEBHOOK_URL}"
format = "slack"

[notify.ndjson]
path = "customer.ndjson"
"""


def test_notifications_once_per_change(shop, opsctl_run):
    from receivers import webhook_receiver

    with (shop / "opsctl.toml").open("a") as handle:
        handle.write(NOTIFY)
    customer = shop / "customer.ndjson"
    with webhook_receiver() as (url, received):
        env = {"TEST_WEBHOOK_URL": url}
        first = opsctl_run("sla", "check", "--as-of", AS_OF, "--notify", env=env)
        first.assert_success()
        assert "notified 3 via webhook (ops)" in first.stderr
        texts = sorted(body["text"] for body in received)
        assert [text.split(" ")[0] for text in texts] == ["S-2", "S-3", "S-5"]
        assert "S-3 (royalmail RM3) is stalled in transit: no scan for" in texts[1]
        stages = [json.loads(line) for line in customer.read_text().splitlines()]
        # S-5 has no carrier scan yet: nothing to tell its customer.
        assert sorted((s["shipment_id"], s["event"]) for s in stages) == [
            ("S-1", "delivered"),
            ("S-2", "delivered"),
            ("S-3", "delayed"),
            ("S-3", "shipped"),
            ("S-4", "shipped"),
        ]

        again = opsctl_run("sla", "check", "--as-of", AS_OF, "--notify", env=env)
        again.assert_success()
        assert len(received) == 3
        assert len(customer.read_text().splitlines()) == 5

        # S-3 gets a scan: stalled -> on track, no message; S-4 is delivered: one stage.
        with (shop / "events.ndjson").open("a") as handle:
            for number, at, status in [
                ("RM3", "2026-10-09T07:30+01:00", "out_for_delivery"),
                ("JD4", "2026-10-09T07:45+01:00", "delivered"),
            ]:
                handle.write(
                    json.dumps({"tracking_number": number, "occurred_at": at, "status": status})
                    + "\n"
                )
        later = opsctl_run("sla", "check", "--as-of", AS_OF, "--notify", env=env)
        later.assert_success()
        new = [json.loads(line) for line in customer.read_text().splitlines()][5:]
        assert sorted((s["shipment_id"], s["event"]) for s in new) == [
            ("S-3", "out_for_delivery"),
            ("S-4", "delivered"),
        ]
        # S-3 is now late (promise 8 Oct passed) rather than stalled: a new verdict, told once.
        assert len(received) == 4
        assert received[-1]["text"].startswith("S-3 (royalmail RM3) is late in transit")


def test_a_failing_notifier_exits_4_and_is_retried(shop, opsctl_run):
    from receivers import webhook_receiver

    with (shop / "opsctl.toml").open("a") as handle:
        handle.write(NOTIFY)
    with webhook_receiver(statuses=[403]) as (url, received):
        env = {"TEST_WEBHOOK_URL": url}
        failed = opsctl_run("sla", "check", "--as-of", AS_OF, "--notify", env=env)
        failed.assert_exit(4)
        assert "notifier webhook (ops)" in failed.stderr and "HTTP 403" in failed.stderr
        assert url not in failed.stderr
        retried = opsctl_run("sla", "check", "--as-of", AS_OF, "--notify", env=env)
        retried.assert_success()
        assert len(received) == 3  # the first was refused and nothing recorded; then all went


# -- the state store: one folded row per shipment -----------------------------------------

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_AS_OF = "2026-11-02T09:00Z"
DEMO_ENTITIES = ("locations", "carrier_services", "orders", "shipments")


@pytest.fixture
def demo_store(opsctl_env, opsctl_run):
    """The demo shop's config with its data files, and a store holding them."""
    config = (FIXTURES / "opsctl.toml").read_text(encoding="utf-8")
    config = re.sub(r'^(\w+) = "(\w+\.\w+)"', rf'\1 = "{FIXTURES}/\2"', config, flags=re.M)
    config = re.sub(r"^path = .*$", 'path = "state.db"', config, count=1, flags=re.M)
    (opsctl_env / "opsctl.toml").write_text(config, encoding="utf-8")
    for entity in DEMO_ENTITIES:
        opsctl_run("ingest", entity, str(FIXTURES / f"{entity}.csv")).assert_success()
    return opsctl_env


def demo_check(opsctl_run, *args: str, env=None):
    result = opsctl_run("sla", "check", "--as-of", DEMO_AS_OF, *args, "-f", "json", env=env)
    result.assert_success()
    return result


@pytest.mark.parametrize(
    "options",
    [
        ("--all",),
        ("--by", "channel", "--by", "service", "--verdict", "late"),
        ("--carrier", "dhl", "--since", "2026-10-20", "--all"),
    ],
)
def test_the_store_path_gives_the_verdicts_of_every_stored_record(demo_store, opsctl_run, options):
    """Events ingested in two parts (each part folds anew): the one-row-per-shipment path
    and the reference path over every stored record (OPSCTL_SLA_ENGINE=python) agree."""
    events = (FIXTURES / "tracking_events.ndjson").read_text(encoding="utf-8").splitlines()
    first, second = demo_store / "first.ndjson", demo_store / "second.ndjson"
    first.write_text("\n".join(events[1::2]) + "\n", encoding="utf-8")
    second.write_text("\n".join(events[0::2]) + "\n", encoding="utf-8")
    for part in (first, second):
        opsctl_run("ingest", "tracking_events", str(part)).assert_success()
    fast = demo_check(opsctl_run, "--from-store", *options)
    slow = demo_check(opsctl_run, "--from-store", *options, env={"OPSCTL_SLA_ENGINE": "python"})
    assert fast.stdout == slow.stdout
    assert fast.json()["summary"]["shipments"] > (2000 if options == ("--all",) else 10)


def test_the_store_path_gives_the_verdicts_of_the_files(demo_store, opsctl_run):
    opsctl_run("ingest", "tracking_events", str(FIXTURES / "tracking_events.ndjson"))
    store = demo_check(opsctl_run, "--from-store", "--all").json()
    files = demo_check(opsctl_run, "--all").json()

    def instants(document):  # the store keeps instants in UTC, files their offsets
        for row in document["shipments"]:
            if row["last_event_at"]:
                row["last_event_at"] = datetime.fromisoformat(row["last_event_at"])
        return document

    assert instants(store) == instants(files)
    assert len(store["shipments"]) > 2000


def test_a_forked_process_judging_half_of_the_store_changes_nothing(
    demo_store, opsctl_run, monkeypatch
):
    opsctl_run("ingest", "tracking_events", str(FIXTURES / "tracking_events.ndjson"))
    alone = demo_check(opsctl_run, "--from-store", "--all", "--by", "channel")
    monkeypatch.setattr(storecheck, "PARALLEL_MIN_SHIPMENTS", 2)
    shared = opsctl_run(
        "-vv",
        "sla",
        "check",
        "--as-of",
        DEMO_AS_OF,
        "--from-store",
        "--no-cache",
        "--all",
        "--by",
        "channel",
        "-f",
        "json",
    )
    assert shared.assert_success().stdout == alone.stdout
    assert "shipments judged by a forked process" in shared.stderr


def test_json_output_is_valid_indented_json_with_exact_money(shop, opsctl_run):
    """``--format json`` is written by orjson; the values are what to_jsonable makes of them."""
    from decimal import Decimal
    from enum import Enum

    from opsctl.output import dumps_json, to_jsonable

    class Colour(str, Enum):
        RED = "red"

    result = opsctl_run("sla", "check", "--as-of", AS_OF, "--all", "--format", "json")
    assert result.stdout.startswith('{\n  "') and result.stdout.endswith("}\n")
    document = result.json()
    for row in document["shipments"]:
        row["promise"] = datetime.fromisoformat(row["promise"]).date()
        row["last_event_at"] = datetime.fromisoformat(row["last_event_at"])
    assert json.loads(dumps_json(document)) == json.loads(json.dumps(to_jsonable(document)))
    odd = {
        "nested": [{"a": [1, {"b": {}}]}, [], {}, (1.5, -0.0)],
        "values": [Decimal("4.10"), {3, 1, 2}, Colour.RED, 'tab\t"quote" }\n, {', "\u2028é"],
        "when": [datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc), date(2026, 2, 28)],
        "empty": [None, False, "", 0],
        "keys": {2: "two"},
    }
    assert json.loads(dumps_json(odd)) == {
        "nested": [{"a": [1, {"b": {}}]}, [], {}, [1.5, -0.0]],
        "values": ["4.10", [1, 2, 3], "red", 'tab\t"quote" }\n, {', "\u2028é"],
        "when": ["2026-03-29T01:30:00+00:00", "2026-02-28"],
        "empty": [None, False, "", 0],
        "keys": {"2": "two"},
    }
    # Integers beyond 64 bits are still written (by the json module).
    assert json.loads(dumps_json({"big": 10**30})) == {"big": 10**30}
    # NaN is not JSON: it is written as null, so any JSON parser can read the output.
    assert json.loads(dumps_json([float("nan")])) == [None]


def test_the_forked_helper_reads_its_rows_itself_only_outside_a_transaction(tmp_path):
    """Through a connection of its own the helper would miss what a transaction in
    progress wrote: then its rows are read before forking, by this connection."""
    from opsctl.store import open_store

    with open_store(tmp_path / "state.db") as store:
        store.migrate()
        assert storecheck._own_connection_location(store) == store.location
        with store.transaction():
            assert storecheck._own_connection_location(store) is None
        rows = storecheck._read_own_rows(store.location, "")
        assert rows == list(store.tracking_ledger().shipment_timelines(start=""))
    assert storecheck._own_connection_location(object()) is None


# -- verdicts kept between checks from the store -----------------------------------------

HELD = re.compile(r"sla: (\d+) kept verdicts still held, (\d+) shipments judged")


def store_check(opsctl_run, *args: str, as_of: str = DEMO_AS_OF):
    """``opsctl -vv sla check --from-store --all``: (its result, (held, judged))."""
    result = opsctl_run(
        "-vv", "sla", "check", "--as-of", as_of, "--from-store", "--all", *args, "-f", "json"
    )
    result.assert_success()
    match = HELD.search(result.stderr)
    return result, (int(match[1]), int(match[2])) if match else None


def test_kept_verdicts_are_reused_until_something_may_change_them(demo_store, opsctl_run):
    opsctl_run("ingest", "tracking_events", str(FIXTURES / "tracking_events.ndjson"))
    first, counts = store_check(opsctl_run)
    shipments = first.json()["summary"]["shipments"]
    assert counts == (0, shipments)
    fresh, none = store_check(opsctl_run, "--no-cache")
    assert none is None and fresh.stdout == first.stdout

    # Nothing written, the same moment: every verdict holds.
    again, counts = store_check(opsctl_run)
    assert counts == (shipments, 0)
    assert again.stdout == first.stdout

    # One new event: that parcel alone is judged again, with the verdict judging all gives.
    rows = first.json()["shipments"]
    moving = next(row for row in rows if row["verdict"] in ("on_track", "at_risk"))
    event = {
        "tracking_number": moving["tracking_number"],
        "carrier": moving["carrier"],
        "occurred_at": "2026-11-02T08:00:00Z",
        "status": "delivered",
    }
    (demo_store / "new.ndjson").write_text(json.dumps(event) + "\n", encoding="utf-8")
    opsctl_run("ingest", "tracking_events", "new.ndjson").assert_success()
    after, counts = store_check(opsctl_run)
    same_number = sum(row["tracking_number"] == moving["tracking_number"] for row in rows)
    assert counts == (shipments - same_number, same_number)
    assert after.stdout == store_check(opsctl_run, "--no-cache")[0].stdout
    changed = {row["shipment_id"]: row["verdict"] for row in after.json()["shipments"]}
    assert changed[moving["shipment_id"]].startswith("delivered")

    # A day later, the verdicts of parcels on the way have run out; delivered ones hold.
    later = "2026-11-03T09:00Z"
    next_day, counts = store_check(opsctl_run, as_of=later)
    summary = next_day.json()["summary"]["verdicts"]
    timeless = sum(summary.get(v, 0) for v in ("delivered_on_time", "delivered_late", "cancelled"))
    assert counts == (timeless, shipments - timeless)
    assert next_day.stdout == store_check(opsctl_run, "--no-cache", as_of=later)[0].stdout

    # Another configuration judges everything again.
    config = demo_store / "opsctl.toml"
    config.write_text(config.read_text() + "\n[sla]\nlost_days_domestic = 3\n")
    _, counts = store_check(opsctl_run, as_of=later)
    assert counts == (0, shipments)


def test_writing_reference_data_forgets_every_kept_verdict(demo_store, opsctl_run):
    opsctl_run("ingest", "tracking_events", str(FIXTURES / "tracking_events.ndjson"))
    first, _ = store_check(opsctl_run)
    shipments = first.json()["summary"]["shipments"]
    assert store_check(opsctl_run)[1] == (shipments, 0)
    # The same locations again change nothing: the kept verdicts hold.
    opsctl_run("ingest", "locations", str(FIXTURES / "locations.csv")).assert_success()
    assert store_check(opsctl_run)[1] == (shipments, 0)
    # A location that changes (its handling days) forgets them all.
    header, first_row, *others = (FIXTURES / "locations.csv").read_text().splitlines()
    names = header.split(",")
    cells = next(csv.reader([first_row]))
    cells[names.index("handling_days")] = str(int(cells[names.index("handling_days")]) + 1)
    changed = ",".join(f'"{cell}"' if "," in cell else cell for cell in cells)
    (demo_store / "locations.csv").write_text("\n".join([header, changed, *others]) + "\n")
    opsctl_run("ingest", "locations", "locations.csv").assert_success()
    assert store_check(opsctl_run)[1] == (0, shipments)


def test_kept_verdicts_judged_by_a_forked_process_are_kept_too(demo_store, opsctl_run, monkeypatch):
    opsctl_run("ingest", "tracking_events", str(FIXTURES / "tracking_events.ndjson"))
    monkeypatch.setattr(storecheck, "PARALLEL_MIN_SHIPMENTS", 2)
    first, counts = store_check(opsctl_run)
    shipments = first.json()["summary"]["shipments"]
    assert counts == (0, shipments)
    assert "shipments judged by a forked process" in first.stderr
    assert first.stdout == store_check(opsctl_run, "--no-cache")[0].stdout
    again, counts = store_check(opsctl_run)
    assert counts == (shipments, 0) and again.stdout == first.stdout
