"""The fast path of `opsctl sla check` (DuckDB reads the files): same verdicts, same errors.

Every test runs the check twice, directly and through the loaders
(``OPSCTL_SLA_ENGINE=python``), and wants the same output, or the same error
with the same exit code. ``-vv`` says which path ran: the fast path logs its
steps, a declined run why the loaders read the files.
"""

from __future__ import annotations

import json
import pickle
import re
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from opsctl.model.types import EPOCH, parse_timestamp
from opsctl.sla import bulk
from opsctl.sla.bulkfiles import epoch_micros, sql_text, zone_rules_agree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_AS_OF = "2026-11-02T09:00Z"
FAST = "sla: shipments judged in"
DECLINED = "reading the files with the loaders"
PYTHON = {"OPSCTL_SLA_ENGINE": "python"}


def both(opsctl_run, *args: str):
    """Run ``opsctl -vv ARGS`` on the fast path and on the loaders' path."""
    return opsctl_run("-vv", *args), opsctl_run("-vv", *args, env=PYTHON)


def same_output(fast, slow) -> None:
    assert (fast.exit_code, fast.stdout) == (slow.exit_code, slow.stdout)


# -- the demo shop ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        ("--all",),
        ("--by", "channel", "--by", "service"),
        ("--verdict", "late", "--carrier", "dhl", "--channel", "amazon"),
        ("--since", "2026-10-20", "--fail-on", "late,stalled", "--max-rate", "0.05"),
    ],
)
def test_demo_shop_gives_identical_verdicts(opsctl_run, options):
    config = str(FIXTURES / "opsctl.toml")
    fast, slow = both(
        opsctl_run,
        "--config",
        config,
        "sla",
        "check",
        "--as-of",
        DEMO_AS_OF,
        *options,
        "--format",
        "json",
    )
    assert FAST in fast.stderr and FAST not in slow.stderr
    same_output(fast, slow)
    assert fast.json()["summary"]["shipments"] > 2000 if options == ("--all",) else True


def test_deadlines_shared_by_forked_processes_settle_the_same_deliveries(opsctl_run, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(bulk, "SHARED_DEADLINES_MIN", 10)
    monkeypatch.setattr(bulk, "_processes", lambda: 3)
    config = str(FIXTURES / "opsctl.toml")
    options = ("--config", config, "sla", "check", "--as-of", DEMO_AS_OF, "--format", "json")
    fast, slow = both(opsctl_run, *options)
    assert "destinations' deadlines in 3 shares, one per process" in fast.stderr
    same_output(fast, slow)
    # The forked processes looked up the terms of the services settled here while this
    # process wrote the rows to judge.
    lookups = re.findall(r"terms of (\d+) settled profiles looked up before judging", fast.stderr)
    assert len(lookups) == 2 and int(lookups[0]) > 0, fast.stderr
    # Each process's share counts: the same deliveries as this process alone settles.
    monkeypatch.setattr(bulk, "_processes", lambda: 1)
    alone = opsctl_run("-vv", *options)
    assert "destinations' deadlines in" not in alone.stderr

    def by_deadline(run) -> int:
        found = re.search(r"(\d+) of them with their destination's deadline", run.stderr)
        assert found, run.stderr
        return int(found[1])

    assert by_deadline(fast) == by_deadline(alone) > 30


@pytest.mark.parametrize("fmt", ["json", "csv", "ndjson"])
def test_parts_judged_in_forked_processes_give_identical_verdicts(opsctl_run, monkeypatch, fmt):
    """CSV and NDJSON rows are rendered by the processes that judge them: the same text."""
    monkeypatch.setattr(bulk, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(bulk, "BATCH_ROWS", 100)
    monkeypatch.setattr(bulk, "_processes", lambda: 3)
    config = str(FIXTURES / "opsctl.toml")
    fast, slow = both(
        opsctl_run,
        "--config",
        config,
        "sla",
        "check",
        "--as-of",
        DEMO_AS_OF,
        "--all",
        "--format",
        fmt,
    )
    assert FAST in fast.stderr
    assert "rows judged in 3 shares, one per process" in fast.stderr
    same_output(fast, slow)
    assert len(fast.stdout.splitlines()) > 2000


def test_csv_events_give_identical_verdicts(opsctl_run, opsctl_env):
    events = [json.loads(line) for line in (FIXTURES / "tracking_events.ndjson").open()]
    names = [
        "tracking_number",
        "carrier",
        "occurred_at",
        "status",
        "raw_code",
        "description",
        "location",
        "reason",
    ]
    lines = [",".join(names)]
    for event in events:
        cells = [str(event.get(name) or "") for name in names]
        lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    (opsctl_env / "events.csv").write_text("\n".join(lines) + "\n")
    config = str(FIXTURES / "opsctl.toml")
    fast, slow = both(
        opsctl_run,
        "--config",
        config,
        "sla",
        "check",
        "--as-of",
        DEMO_AS_OF,
        "--events",
        "events.csv",
        "--all",
        "--format",
        "json",
    )
    assert FAST in fast.stderr
    same_output(fast, slow)


# -- a small shop, written by hand --------------------------------------------------------

CONFIG = """\
[defaults]
timezone = "Europe/London"

[data]
locations = "locations.csv"
carrier_services = "carrier_services.csv"
orders = "orders.csv"
shipments = "shipments.csv"
tracking_events = "events.csv"
"""
FILES = {
    "locations.csv": """\
        location_id,country,timezone,calendar
        leeds,GB,Europe/London,GB-ENG
        """,
    "carrier_services.csv": """\
        carrier,service,origin_country,dest_country,transit_days_max,currency,calendar
        royalmail,standard,GB,GB,2,GBP,GB-ENG
        """,
    "orders.csv": """\
        order_id,channel,placed_at,currency,ship_to_country,promised_by
        O-1,web,2026-10-22T09:00,GBP,GB,2026-10-26
        O-2,amazon,2026-10-22T09:00+01:00,GBP,GB,
        O-3,web,2026-10-23T10:00Z,GBP,GB,2026-10-27
        """,
    "shipments.csv": """\
        shipment_id,order_id,carrier,tracking_number,service,location_id,shipped_at
        S-1,O-1,royalmail,RM1,standard,leeds,2026-10-22T14:00
        S-2,O-2,royalmail,RM2,standard,leeds,2026-10-22T14:00+01:00
        S-3,O-3,royalmail,RM3,standard,leeds,2026-10-23T15:00Z
        """,
}
#: Times without an offset are read in Europe/London, where 01:30 on 25 October 2026
#: happens twice (the first time is meant) and 28 October is a Wednesday.
EVENTS = """\
    tracking_number,occurred_at,status,raw_code,carrier,reason
    RM1,2026-10-22T17:00,picked_up,,royalmail,
    RM1,2026-10-25T01:30,in_transit,,royalmail,
    RM1,2026-10-26T23:30,delivered,,royalmail,
    RM2,2026-10-22T17:00+01:00,picked_up,,royalmail,
    RM2,2026-10-23T08:00:00.250+01:00,exception,,royalmail,address incomplete
    RM3,2026-10-23T16:00:00Z,pre_transit,,royalmail,
    RM3,2026-10-24T09:00:00.000001Z,,ZZ9,royalmail,
    RM9,2026-10-24T09:00Z,in_transit,,royalmail,
    """
AS_OF = "2026-10-28T12:00Z"


@pytest.fixture
def shop(opsctl_env):
    (opsctl_env / "opsctl.toml").write_text(CONFIG)
    for name, text in {**FILES, "events.csv": EVENTS}.items():
        (opsctl_env / name).write_text(textwrap.dedent(text))
    return opsctl_env


def check(opsctl_run, *options: str):
    return both(opsctl_run, "sla", "check", "--as-of", AS_OF, "--all", "-f", "json", *options)


def test_times_without_offset_are_read_in_the_config_timezone(shop, opsctl_run):
    fast, slow = check(opsctl_run)
    assert FAST in fast.stderr
    same_output(fast, slow)
    rows = {row["shipment_id"]: row for row in fast.json()["shipments"]}
    # Delivered at 23:30 on the promised day, London time: on time, shown as written.
    assert rows["S-1"]["verdict"] == "delivered_on_time"
    assert rows["S-1"]["last_event_at"] == "2026-10-26T23:30:00+00:00"
    assert rows["S-2"]["reason"] == "carrier exception: address incomplete"
    assert fast.json()["unmapped_codes"] == [
        {"carrier": "royalmail", "raw_code": "ZZ9", "events": 1}
    ]


def append(shop: Path, name: str, line: str) -> None:
    with (shop / name).open("a") as handle:
        handle.write(line + "\n")


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("events.csv", "RM1,2026-10-27T10:00Z,lost_forever,,royalmail,", "'lost_forever' is not"),
        ("events.csv", "RM1,2026-02-31T10:00Z,delivered,,royalmail,", "'2026-02-31T10:00Z'"),
        ("events.csv", "RM1,2026-10-22T17:00,picked_up,,royalmail,", "is a duplicate"),
        ("events.csv", "RM1,2026-10-27T10:00Z,,,royalmail,", "needs a status or a raw_code"),
        ("shipments.csv", "S-1,O-3,royalmail,RM3,standard,leeds,", "is a duplicate"),
        ("shipments.csv", "S-4,O-3,royalmail,RM4,standard,leeds,yesterday", "'yesterday'"),
        ("orders.csv", "O-4,web,2026-10-23T10:00Z,GBP,gb,", "'gb' is not"),
    ],
)
def test_a_bad_row_gives_the_loaders_error(shop, opsctl_run, name, line, message):
    append(shop, name, line)
    fast, slow = check(opsctl_run)
    fast.assert_exit(3)
    assert DECLINED in fast.stderr
    assert message in fast.stderr
    assert fast.stderr.splitlines()[-1] == slow.stderr.splitlines()[-1]


def test_a_missing_column_gives_the_loaders_error(shop, opsctl_run):
    text = (shop / "events.csv").read_text().replace("occurred_at", "occured_at")
    (shop / "events.csv").write_text(text)
    fast, slow = check(opsctl_run)
    fast.assert_exit(3)
    assert "occurred_at: missing required column" in fast.stderr
    assert fast.stderr.splitlines()[-1] == slow.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("line", "declined"),
    [
        ("RM1,2026-10-27 10:00:00,in_transit,,royalmail,", False),  # a space for the T
        ("RM1,2026-10-27T10:00:00+0100,in_transit,,royalmail,", True),  # another offset form
        ("RM1,2026-10-27T10:00:00.1Z,in_transit,,royalmail,", True),  # one decimal
    ],
)
def test_other_timestamp_forms_give_the_same_verdicts(shop, opsctl_run, line, declined):
    append(shop, "events.csv", line)
    fast, slow = check(opsctl_run)
    assert (DECLINED in fast.stderr) is declined
    same_output(fast, slow)


def test_ndjson_events_with_numbers_go_to_the_loaders(shop, opsctl_run):
    events = [
        {"tracking_number": "RM1", "occurred_at": "2026-10-22T17:00", "status": "picked_up"},
        {"tracking_number": "RM2", "occurred_at": "2026-10-22T17:00Z", "raw_code": 42},
    ]
    (shop / "events.ndjson").write_text("".join(json.dumps(e) + "\n" for e in events))
    fast, slow = check(opsctl_run, "--events", "events.ndjson")
    assert DECLINED in fast.stderr
    same_output(fast, slow)


def test_skipping_bad_rows_uses_the_loaders(shop, opsctl_run):
    append(shop, "events.csv", "RM1,2026-10-27T10:00Z,lost_forever,,royalmail,")
    fast, slow = check(opsctl_run, "--on-bad-rows", "skip")
    assert FAST not in fast.stderr
    same_output(fast, slow)


def test_orders_with_their_lines_go_to_the_loaders(shop, opsctl_run):
    (shop / "orders.csv").write_text(
        "order_id,channel,placed_at,currency,ship_to_country,sku,quantity,unit_price\n"
        "O-1,web,2026-10-22T09:00,GBP,GB,SKU-1,1,9.99\n"
    )
    fast, slow = check(opsctl_run)
    assert DECLINED in fast.stderr
    same_output(fast, slow)


# -- times without an offset -----------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Lord_Howe"])
def test_sql_reads_local_times_as_python_does_across_clock_changes(zone):
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"SET TimeZone = {sql_text(zone)}")
    assert zone_rules_agree(connection, zone, 2026, 2026)
    walls = ["2026-03-29T01:30", "2026-10-25T01:30:00", "2026-11-01T01:45:00.500"]
    walls += ["2026-04-05T01:45", "2026-10-04T02:15"]  # Lord Howe's half hours
    for wall in walls:
        (micros,) = connection.execute(f"SELECT {epoch_micros(sql_text(wall))}").fetchone()
        expected = (parse_timestamp(wall, _zone(zone)) - EPOCH) // timedelta(microseconds=1)
        assert micros == expected, wall


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_the_latest_reason_of_an_event_before_1970_is_kept(opsctl_env, opsctl_run):
    """The latest status's rank is read from its packed key also when the instant is
    negative (SQL's remainder keeps the sign), so its reason is kept as Python keeps it."""
    events = """\
        tracking_number,occurred_at,status,raw_code,carrier,reason
        RM1,1969-12-30T09:00:00Z,picked_up,,royalmail,
        RM1,1969-12-31T23:00:00Z,exception,,royalmail,gate locked
        RM2,2026-10-23T08:00:00Z,exception,,royalmail,address incomplete
        """
    small_shop(opsctl_env, {}, events)
    fast, slow = check(opsctl_run)
    assert FAST in fast.stderr
    same_output(fast, slow)
    reasons = {row["shipment_id"]: row["reason"] for row in fast.json()["shipments"]}
    assert reasons["S-1"] == "carrier exception: gate locked"
    assert reasons["S-2"] == "carrier exception: address incomplete"


@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_events_of_one_instant_and_stage_give_the_reason_of_the_greater_code(
    opsctl_env, opsctl_run, order
):
    """Whatever their order in the file, as the state store's fold chooses."""
    exceptions = {
        1: "RM1,2026-10-23T08:00:00Z,exception,X1,royalmail,first reason",
        2: "RM1,2026-10-23T08:00:00Z,exception,X2,royalmail,second reason",
    }
    lines = ["tracking_number,occurred_at,status,raw_code,carrier,reason"]
    lines += ["RM1,2026-10-22T17:00:00Z,picked_up,,royalmail,"]
    lines += [exceptions[number] for number in order]
    small_shop(opsctl_env, {}, "\n".join(lines) + "\n")
    fast, slow = check(opsctl_run)
    assert FAST in fast.stderr
    same_output(fast, slow)
    reasons = {row["shipment_id"]: row["reason"] for row in fast.json()["shipments"]}
    assert reasons["S-1"] == "carrier exception: second reason"


def test_zone_rules_are_held_over_the_years_of_timelines_with_local_times(
    shop, opsctl_run, monkeypatch
):
    """The shop's one timeline with times without an offset (RM1, October 2026) sets the
    years whose rules are compared; a shop whose times all have offsets compares none."""
    spans = []

    def agree(connection, zone, first_year, last_year):
        spans.append((zone, first_year, last_year))
        return zone_rules_agree(connection, zone, first_year, last_year)

    monkeypatch.setattr(bulk, "zone_rules_agree", agree)
    fast, _ = check(opsctl_run)
    assert FAST in fast.stderr
    assert spans == [("Europe/London", 2025, 2027)]
    spans.clear()
    small_shop(shop, TRACK_FILES, TRACK_EVENTS)
    fast, _ = both(opsctl_run, *SETTLING)
    assert FAST in fast.stderr and spans == []


def test_zone_rules_disagreement_is_noticed(monkeypatch):
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'Europe/London'")
    # Python with Paris's rules against DuckDB with London's: an hour apart all year.
    monkeypatch.setattr("opsctl.model.types.parse_timestamp", lambda text, tz: _paris(text))
    assert not zone_rules_agree(connection, "Europe/London", 2026, 2026)


def _paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=_zone("Europe/Paris"))


def test_duckdb_out_of_memory_warns_and_uses_the_loaders(shop, opsctl_run, monkeypatch):
    monkeypatch.setattr(bulk, "MEMORY_LIMIT_MB", 1)
    fast, slow = check(opsctl_run)
    assert "opsctl: warning: reading the files with the loaders, which is much slower" in (
        fast.stderr
    )
    same_output(fast, slow)


# -- shipments settled in SQL -------------------------------------------------------------

#: Promises by 26 October, met or missed around the end of that day in zones from
#: UTC-10 to UTC+14: the first reaches before 10:00 UTC (when the day has ended nowhere
#: yet) are counted in SQL; those up to a day and a half later too when they meet their
#: destination's own deadline (from Python, as judging reckons it), else judged.
SETTLED_FILES = {
    "orders.csv": """\
        order_id,channel,placed_at,currency,ship_to_country,ship_to_latitude,ship_to_longitude,promised_by
        O-1,web,2026-10-22T09:00Z,GBP,KI,1.87,-157.43,2026-10-26
        O-2,web,2026-10-22T09:00Z,GBP,KI,1.87,-157.43,2026-10-26
        O-3,web,2026-10-22T09:00Z,GBP,GB,,,2026-10-26
        O-4,amazon,2026-10-22T09:00Z,USD,US,21.31,-157.86,2026-10-26
        O-5,web,2026-10-22T09:00Z,GBP,GB,,,2026-10-26
        O-6,web,2026-10-22T09:00Z,GBP,GB,,,2026-10-26
        O-7,web,2026-10-22T09:00Z,GBP,GB,,,
        """,
    "shipments.csv": """\
        shipment_id,order_id,carrier,tracking_number,service,location_id,shipped_at,promised_by,delivered_at
        S-1,O-1,royalmail,RM1,standard,leeds,2026-10-22T14:00Z,,
        S-2,O-2,royalmail,RM2,standard,leeds,2026-10-22T14:00Z,,
        S-3,O-3,royalmail,RM3,standard,leeds,2026-10-22T14:00Z,,
        S-4,O-4,royalmail,RM4,standard,leeds,2026-10-22T14:00Z,,
        S-5,O-5,royalmail,RM5,standard,leeds,2026-10-22T14:00Z,,
        S-6,O-6,royalmail,RM6,standard,leeds,2026-10-22T14:00Z,2026-10-26T12:00Z,
        S-7,O-7,royalmail,RM7,standard,leeds,2026-10-22T14:00Z,,2026-10-24T12:00Z
        S-8,O-5,royalmail,RM8,standard,leeds,2026-10-22T14:00Z,,2026-10-25T12:00Z
        """,
}
SETTLED_EVENTS = """\
    tracking_number,occurred_at,status,raw_code,carrier,reason
    RM1,2026-10-26T09:59:59.999999Z,delivered,,royalmail,
    RM2,2026-10-26T10:00:00Z,delivered,,royalmail,
    RM3,2026-10-26T23:30:00Z,delivered,,royalmail,
    RM4,2026-10-27T09:00:00Z,delivered,,royalmail,
    RM5,2026-10-25T08:00:00Z,available_for_pickup,,royalmail,
    RM6,2026-10-25T08:00:00Z,delivered,,royalmail,
    RM7,2026-10-24T08:00:00Z,picked_up,,royalmail,
    RM8,2026-10-24T08:00:00Z,delivered,,royalmail,
    RM8,2026-10-25T08:00:00Z,cancelled,,royalmail,
    """


def small_shop(folder: Path, files: dict[str, str], events: str) -> Path:
    """The hand-written shop of :data:`FILES` in ``folder``, with ``files`` replacing some
    of them and ``events`` as its tracking events."""
    (folder / "opsctl.toml").write_text(CONFIG)
    for name, text in {**FILES, **files, "events.csv": events}.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


@pytest.fixture
def promises(opsctl_env):
    return small_shop(opsctl_env, SETTLED_FILES, SETTLED_EVENTS)


SETTLING = ("sla", "check", "--as-of", AS_OF, "-f", "json", "--by", "channel")


def settled_in_sql(opsctl_run, log_line: str):
    """Check the shop with :data:`SETTLING` both ways (the same output), want ``log_line``
    from the fast path, then list every shipment, which judges each in Python: the same
    summary. Return both fast runs."""
    fast, slow = both(opsctl_run, *SETTLING)
    same_output(fast, slow)
    assert log_line in fast.stderr, fast.stderr
    listed, _ = both(opsctl_run, *SETTLING, "--all")
    assert "settled in SQL" not in listed.stderr
    assert listed.json()["summary"] == fast.json()["summary"]
    return fast, listed


def test_shipments_surely_on_time_are_counted_in_sql_with_the_same_verdicts(promises, opsctl_run):
    # S-1 (delivered a microsecond before 26 October ends in Kiritimati) and S-5 (at a
    # pickup point on the 25th); not S-6 (promised by a time), S-7 (a promise from
    # transit days), S-8 (cancelled after delivery) or any reach after 10:00 UTC.
    # With their destination's deadline, S-3 (23:30 UTC, before midnight in London) and
    # S-4 (09:00 UTC on the 27th, still the 26th in Honolulu); not S-2 (10:00 UTC, after
    # midnight in Kiritimati).
    fast, _ = settled_in_sql(
        opsctl_run, "sla: 4 shipments settled in SQL, 2 of them with their destination's deadline"
    )
    verdicts = {row["shipment_id"]: row["verdict"] for row in fast.json()["shipments"]}
    assert verdicts == {"S-2": "delivered_late"}
    assert fast.json()["summary"]["verdicts"]["delivered_on_time"] == 6  # S-1, S-3 to S-7


#: Parcels in flight as of 28 October 12:00 UTC, around what settles one surely on track:
#: a last scan since 27 October 12:00 UTC (the start of the day before today at UTC-12,
#: the latest anywhere: fewer days quiet than the least stalled limit, 2), or since
#: 25 October 12:00 UTC for a parcel bound abroad (T-13 to T-15, Leeds to Germany: limit
#: 4), a date EDD not after a date promise whose day has not ended anywhere (10:00 UTC
#: that day).
TRACK_FILES = {
    "orders.csv": """\
        order_id,channel,placed_at,currency,ship_to_country,ship_to_latitude,ship_to_longitude,promised_by
        O-1,web,2026-10-26T09:00Z,GBP,GB,,,2026-10-30
        O-2,web,2026-10-26T09:00Z,GBP,GB,,,
        O-3,web,2026-10-26T09:00Z,GBP,GB,0.0,-179.0,2026-10-30
        O-4,web,2026-10-26T09:00Z,EUR,DE,,,2026-10-30
        """,
    "shipments.csv": """\
        shipment_id,order_id,carrier,tracking_number,service,location_id,shipped_at,promised_by,carrier_edd,delivered_at
        T-1,O-1,royalmail,RT1,standard,leeds,2026-10-26T14:00Z,,2026-10-29,
        T-2,O-1,royalmail,RT2,standard,leeds,2026-10-26T14:00Z,,2026-10-29,
        T-3,O-1,royalmail,RT3,standard,leeds,2026-10-26T14:00Z,,2026-10-31,
        T-4,O-1,royalmail,RT4,standard,leeds,2026-10-26T14:00Z,2026-10-28,2026-10-28,
        T-5,O-1,royalmail,RT5,standard,leeds,2026-10-26T14:00Z,2026-10-29,2026-10-29,
        T-6,O-1,royalmail,RT6,standard,leeds,2026-10-26T14:00Z,,2026-10-29,
        T-7,O-1,royalmail,RT7,standard,leeds,2026-10-26T14:00Z,,2026-10-29T18:00Z,
        T-8,O-1,royalmail,RT8,standard,leeds,2026-10-26T14:00Z,,2026-10-29,
        T-9,O-1,royalmail,RT9,standard,leeds,2026-10-26T14:00Z,,2026-10-29,2026-10-28T08:00Z
        T-10,O-2,royalmail,RT10,standard,leeds,2026-10-26T14:00Z,,2026-10-29,
        T-11,O-1,royalmail,RT11,standard,leeds,2026-10-26T14:00Z,,2026-10-29,
        T-12,O-3,royalmail,RT12,standard,leeds,2026-10-26T14:00Z,,2026-10-29,
        T-13,O-4,royalmail,RT13,standard,leeds,2026-10-23T14:00Z,,2026-10-29,
        T-14,O-1,royalmail,RT14,standard,leeds,2026-10-23T14:00Z,,2026-10-29,
        T-15,O-4,royalmail,RT15,standard,leeds,2026-10-23T14:00Z,,2026-10-29,
        """,
    "carrier_services.csv": """\
        carrier,service,origin_country,dest_country,transit_days_max,currency,calendar
        royalmail,standard,GB,GB,2,GBP,GB-ENG
        royalmail,standard,GB,DE,4,GBP,GB-ENG
        """,
}
TRACK_EVENTS = """\
    tracking_number,occurred_at,status,raw_code,carrier,reason
    RT1,2026-10-27T12:00:00Z,picked_up,,royalmail,
    RT2,2026-10-26T18:00:00Z,picked_up,,royalmail,
    RT2,2026-10-27T11:59:59.999999Z,in_transit,,royalmail,
    RT3,2026-10-28T08:00:00Z,in_transit,,royalmail,
    RT4,2026-10-28T08:00:00Z,in_transit,,royalmail,
    RT5,2026-10-28T08:00:00Z,in_transit,,royalmail,
    RT6,2026-10-28T08:00:00Z,exception,,royalmail,damaged
    RT7,2026-10-28T08:00:00Z,in_transit,,royalmail,
    RT8,2026-10-28T07:00:00Z,out_for_delivery,,royalmail,
    RT9,2026-10-27T08:00:00Z,in_transit,,royalmail,
    RT10,2026-10-28T08:00:00Z,in_transit,,royalmail,
    RT11,2026-10-28T08:00:00Z,pre_transit,,royalmail,
    RT12,2026-10-27T11:59:59.999999Z,in_transit,,royalmail,
    RT13,2026-10-25T12:00:00Z,picked_up,,royalmail,
    RT14,2026-10-25T12:00:00Z,picked_up,,royalmail,
    RT15,2026-10-25T11:59:59.999999Z,picked_up,,royalmail,
    """


@pytest.fixture
def in_flight(opsctl_env):
    return small_shop(opsctl_env, TRACK_FILES, TRACK_EVENTS)


def test_shipments_surely_on_track_are_counted_in_sql_with_the_same_verdicts(
    in_flight, opsctl_run, monkeypatch
):
    # T-1 (scanned at the cut), T-5 (promised by the 29th: not ended anywhere at 12:00 UTC
    # on the 28th) and T-8 (out for delivery); not T-2 (scanned a microsecond before the
    # cut), T-3 (EDD after the promise), T-4 (promised by today), T-6 (an exception),
    # T-7 (an EDD with a time), T-9 (delivered, says the shipment: settled on time
    # instead), T-10 (a promise from transit days), T-11 (not scanned yet) or T-12
    # (scanned as T-2 but bound for UTC-12, where that scan was on the 26th: stalled).
    # Abroad, T-13 (scanned at the international cut), not T-15 (a microsecond before it)
    # or T-14 (scanned as T-13 but within Britain: stalled).
    fast, listed = settled_in_sql(
        opsctl_run,
        "sla: 5 shipments settled in SQL, 0 of them with their destination's deadline, "
        "4 surely on track",
    )
    summary = fast.json()["summary"]
    verdicts = {row["shipment_id"]: row["verdict"] for row in listed.json()["shipments"]}
    assert {verdicts[s] for s in ("T-1", "T-5", "T-8", "T-13")} == {"on_track"}
    assert (verdicts["T-2"], verdicts["T-12"]) == ("on_track", "stalled_in_transit")
    assert (verdicts["T-15"], verdicts["T-14"]) == ("on_track", "stalled_in_transit")
    # With more locations than the SQL looks up, T-13 must meet the domestic bounds too.
    most = bulk.MAX_ORIGINS_IN_SQL
    monkeypatch.setattr(bulk, "MAX_ORIGINS_IN_SQL", 0)
    settled_in_sql(
        opsctl_run,
        "sla: 4 shipments settled in SQL, 0 of them with their destination's deadline, "
        "3 surely on track",
    )
    monkeypatch.setattr(bulk, "MAX_ORIGINS_IN_SQL", most)
    # Listing on-track shipments judges them too.
    on_track, _ = both(opsctl_run, *SETTLING, "--verdict", "on_track")
    assert ", 0 surely on track" in on_track.stderr
    assert len(on_track.json()["shipments"]) == summary["verdicts"]["on_track"]


# -- positions ------------------------------------------------------------------------------


def test_shipment_positions_follow_the_file_when_duckdb_reads_it_on_several_threads(tmp_path):
    """The joins run on every thread and keep no order: each shipment's position (which
    orders the listed rows) is its row in ``shipment_ids``, which must follow the file
    even when DuckDB reads it in parallel chunks (12 MB of rows here)."""
    from opsctl.sla.bulkfiles import file_relation

    path = tmp_path / "shipments.csv"
    header = "shipment_id,order_id,carrier,tracking_number,service,location_id,shipped_at\n"
    ids = [f"S-{(i * 7919) % 400_000:07d}" for i in range(400_000)]  # not sorted
    path.write_text(
        header + "".join(f"{i},O-1,royalmail,T{i},standard,leeds,2026-10-22T14:00Z\n" for i in ids)
    )
    relations = {"shipments": file_relation("shipments", str(path))}
    connection = bulk._connect("Europe/London", str(tmp_path), relations, threads=2)
    try:
        bulk.check_files_sql(connection, relations)
        found = connection.execute("SELECT shipment_id FROM shipment_ids ORDER BY rowid").fetchall()
    finally:
        connection.close()
    assert [shipment_id for (shipment_id,) in found] == ids


# -- repeated events, found in the one read of the events file ------------------------------

DUPLICATE_EVENT = "RM1,2026-10-22T17:00,picked_up,,royalmail,"


def test_timelines_whose_key_hashes_collide_are_compared_value_by_value(
    shop, opsctl_run, monkeypatch
):
    # One bit of hash: two events of a timeline collide half the time, so most timelines
    # are suspects, and none of them may be taken for a repeated event unless it is one.
    monkeypatch.setattr(bulk, "KEY_HASH_BITS", 1)
    fast, slow = check(opsctl_run)
    assert "event keys compared value by value" in fast.stderr
    assert FAST in fast.stderr and DECLINED not in fast.stderr
    same_output(fast, slow)
    append(shop, "events.csv", DUPLICATE_EVENT)
    fast, slow = check(opsctl_run)
    fast.assert_exit(3)
    assert DECLINED in fast.stderr and "is a duplicate" in fast.stderr
    assert fast.stderr.splitlines()[-1] == slow.stderr.splitlines()[-1]


class _KeysOutOfMemory:
    """A DuckDB connection that runs out of memory folding with the events' keys, as it
    does when they do not fit in its budget; everything else runs as usual."""

    def __init__(self, connection):
        self._connection = connection

    def execute(self, sql: str, *args):
        import duckdb

        if f"CREATE TEMP TABLE {bulk.TIMELINES}" in sql and "list((hash(" in sql:
            raise duckdb.OutOfMemoryException("Out of Memory Error: the keys do not fit")
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._connection, name)


@pytest.mark.parametrize("duplicate", [False, True])
def test_without_memory_for_the_keys_the_timelines_are_folded_without_them(
    shop, opsctl_run, monkeypatch, duplicate
):
    connect = bulk._connect
    monkeypatch.setattr(bulk, "_connect", lambda *a, **k: _KeysOutOfMemory(connect(*a, **k)))
    if duplicate:
        append(shop, "events.csv", DUPLICATE_EVENT)
    fast, slow = check(opsctl_run)
    assert "out of memory folding with the events' keys: folding without" in fast.stderr
    if duplicate:
        fast.assert_exit(3)
        assert DECLINED in fast.stderr and "is a duplicate" in fast.stderr
        assert fast.stderr.splitlines()[-1] == slow.stderr.splitlines()[-1]
    else:
        assert FAST in fast.stderr and DECLINED not in fast.stderr
        same_output(fast, slow)


def test_a_report_sent_between_processes_keeps_its_listed_rows():
    """A forked judge's report comes back with its rows (marshalled) and its counts."""
    from opsctl.sla.check import Report
    from opsctl.sla.engine import Verdict

    report = Report()
    report.count("dhl", "express", "web", Verdict.DELIVERED_ON_TIME, True, 5)
    row = ("SH-1", "O-1", "dhl", "express", "web", "TN1", "late_in_transit", "2026-10-02")
    report.listed_rows.append((7, (*row, None, False, 2, "in_transit", None, "late")))
    report.listed_rows.append((3, (*row, None, True, 0, None, "2026-10-01T10:00:00Z", "x")))
    copy = pickle.loads(pickle.dumps(report))
    assert copy.listed_rows == report.listed_rows
    assert copy.counted == 5 and copy.summary.total.shipments == 5
    assert [r["promise_kept"] for r in copy.rows] == [True, False]  # input order
    # A value marshal cannot write goes by pickle instead.
    report.listed_rows.append((1, (*row, date(2026, 10, 2), None, 0, None, None, "x")))
    assert pickle.loads(pickle.dumps(report)).listed_rows[-1][1][8] == date(2026, 10, 2)


def test_a_report_sent_between_processes_keeps_its_listed_lines():
    """Listed rows kept as CSV lines come back as text and list in input order."""
    from opsctl.sla.check import Report

    report = Report(lines=("csv", ["shipment_id", "verdict", "promise_kept", "reason"]))
    row = ("SH-1", "O-1", "dhl", "express", "web", "TN1", "late_in_transit", "2026-10-02")
    report._rows.append((7, report.line((*row, None, False, 2, "in_transit", None, "a, b"))))
    report._rows.append((3, report.line((*row, None, True, 0, None, None, 'say "hi"\n'))))
    copy = pickle.loads(pickle.dumps(report))
    assert copy.lines == (
        'SH-1,late_in_transit,true,"say ""hi""\n"\nSH-1,late_in_transit,false,"a, b"\n'
    )
    with pytest.raises(ValueError):
        Report().merge(copy)  # lines and values do not mix
    with pytest.raises(ValueError):
        copy.rows  # noqa: B018


def test_every_timestamp_form_is_told_with_or_without_offset_by_its_length():
    """has_offset (SQL) agrees with Python's reading on each form the fast path takes."""
    import duckdb

    from opsctl.sla.bulkfiles import TIMESTAMP_PATTERN, has_offset

    forms = [
        f"2026-10-01{sep}15:24{seconds}{suffix}"
        for sep in ("T", " ")
        for seconds in ("", ":40", ":40.123", ":40.123456")
        for suffix in ("", "Z", "+01:00", "-05:30")
    ]
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"SELECT text, regexp_full_match(text, '{TIMESTAMP_PATTERN}'), {has_offset('text')} "
            "FROM (SELECT unnest($1::VARCHAR[]) AS text)",
            [forms],
        ).fetchall()
    assert len(rows) == 32 and all(matched for _, matched, _ in rows)
    for text, _, offset in rows:
        assert offset == (datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None)


def test_on_track_bounds_follow_the_least_limits_of_the_policy():
    """The last scan must be on or after the start of the day before today at UTC-12 (the
    latest such start) with the default domestic stalled limit of 2 days, three days
    before with the international 4; of today with 1; a limit of 0 days settles nothing
    in its scope."""
    from opsctl.sla.thresholds import Override, ThresholdPolicy

    now = datetime.fromisoformat("2026-10-28T12:00:00+00:00")

    def instant(text: str) -> int:
        return (datetime.fromisoformat(text) - EPOCH) // timedelta(microseconds=1)

    bounds = bulk.track_bounds(now, ThresholdPolicy())
    assert bounds.now_us == instant("2026-10-28T12:00:00+00:00")
    assert bounds.domestic == bulk.ScopeBounds(
        scanned_since_us=instant("2026-10-27T12:00:00+00:00"),
        heard_since_us=instant("2026-10-18T12:00:00+00:00"),
    )
    assert bounds.international == bulk.ScopeBounds(  # 4 and 15 days
        scanned_since_us=instant("2026-10-25T12:00:00+00:00"),
        heard_since_us=instant("2026-10-13T12:00:00+00:00"),
    )
    strict = Override({"carrier": "dhl"}, {"stalled_transit_days_international": 1})
    bounds = bulk.track_bounds(now, ThresholdPolicy(overrides=[strict]))
    assert bounds.international.scanned_since_us == instant("2026-10-28T12:00:00+00:00")
    assert bounds.domestic.scanned_since_us == instant("2026-10-27T12:00:00+00:00")
    never = Override({"channel": "web"}, {"lost_days_domestic": 0})
    bounds = bulk.track_bounds(now, ThresholdPolicy(overrides=[never]))
    assert bounds.domestic is None and bounds.international is not None
    nowhere = Override({"channel": "web"}, {"stalled_transit_days_international": 0})
    assert bulk.track_bounds(now, ThresholdPolicy(overrides=[never, nowhere])) is None
