"""`opsctl sla check` end to end, on small files written by hand."""

from __future__ import annotations

import json
import textwrap

import pytest

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
