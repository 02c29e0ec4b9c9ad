"""``opsctl track sync`` over real HTTP, against the loopback carrier server.

A :class:`CarrierWorld` plays the carriers: it knows each parcel's scans and
answers DHL's and FedEx's tracking APIs in their documented shapes, so a test
changes what "the carrier" knows between two runs and watches the store.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import opsctl_files
import pytest
from carrier_server import CarrierServer, Recorded, Reply

from opsctl.locking import command_lock
from opsctl.model.records import Shipment
from opsctl.store import open_store
from opsctl.store.base import Store
from opsctl.tracking import TrackingEvent, TrackingStatus

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SECRETS = {
    "DHL_API_KEY": "dhl-test-key",
    "FEDEX_CLIENT_ID": "fedex-id",
    "FEDEX_CLIENT_SECRET": "fedex-secret",
}
INSTALLED = {ep.name for ep in importlib.metadata.entry_points(group="opsctl")}
#: The file carrier's plugin, loaded as if installed until its entry point is.
FILES_PLUGIN = [] if "files" in INSTALLED else [("files", opsctl_files)]


@pytest.fixture(autouse=True)
def restore_opsctl_logging():
    """Undo the stderr set-up of in-process runs, so later tests' ``caplog`` sees records."""
    logger = logging.getLogger("opsctl")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class CarrierWorld:
    """What the carriers know, served in the shapes of DHL's and FedEx's tracking APIs."""

    #: tracking number -> [(moment, carrier code, description)], oldest first
    scans: dict[str, list[tuple[datetime, str, str]]] = field(default_factory=dict)
    #: carrier -> replies to give before the real answers (errors, slow answers)
    upsets: dict[str, list[Reply]] = field(default_factory=dict)
    #: carrier -> a reply given to every request instead of the real answer
    outage: dict[str, Reply] = field(default_factory=dict)
    #: FedEx answers given before the next ones wait for ``released`` (None: never wait)
    fedex_hold_after: int | None = None
    released: threading.Event = field(default_factory=threading.Event)
    fedex_answers: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def scan(self, number: str, code: str, description: str, at: datetime) -> None:
        self.scans.setdefault(number, []).append((at, code, description))

    def serve(self, server: CarrierServer) -> None:
        server.respond("GET", "/track/shipments", self.dhl)
        server.reply("POST", "/oauth/token", Reply.payload("fedex/token.json"))
        server.respond("POST", "/track/v1/trackingnumbers", self.fedex)

    def _upset(self, carrier: str) -> Reply | None:
        with self._lock:
            if carrier in self.outage:
                return self.outage[carrier]
            queue = self.upsets.get(carrier)
            return queue.pop(0) if queue else None

    def dhl(self, request: Recorded) -> Reply:
        number = request.query["trackingNumber"][0]
        upset = self._upset("dhl")
        if upset is not None:
            return upset
        if number not in self.scans:
            return Reply.payload("dhl/not_found.json", status=404)
        events = [
            {"timestamp": at.isoformat(), "statusCode": code, "description": text}
            for at, code, text in reversed(self.scans[number])
        ]
        return Reply.json({"shipments": [{"id": number, "service": "parcel-de", "events": events}]})

    def fedex(self, request: Recorded) -> Reply:
        upset = self._upset("fedex")
        if upset is not None:
            return upset
        numbers = [
            i["trackingNumberInfo"]["trackingNumber"] for i in request.json()["trackingInfo"]
        ]
        results = [self._fedex_result(number) for number in numbers]
        with self._lock:
            self.fedex_answers += 1
            held = self.fedex_hold_after is not None and self.fedex_answers > self.fedex_hold_after
        if held:
            self.released.wait(timeout=10)
        return Reply.json({"output": {"completeTrackResults": results}})

    def _fedex_result(self, number: str) -> dict[str, Any]:
        if number not in self.scans:
            error = {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "not found"}
            return {"trackingNumber": number, "trackResults": [{"error": error}]}
        scans = [
            {"date": at.isoformat(), "eventType": code, "eventDescription": text}
            for at, code, text in reversed(self.scans[number])
        ]
        edd = (self.scans[number][-1][0] + timedelta(days=2)).isoformat()
        result = {
            "scanEvents": scans,
            "dateAndTimes": [{"type": "ESTIMATED_DELIVERY", "dateTime": edd}],
        }
        return {"trackingNumber": number, "trackResults": [result]}


@dataclass
class Shop:
    """A shop folder with a config, a state store and shipments, and opsctl to run in it."""

    folder: Path
    run: Any
    server: CarrierServer
    world: CarrierWorld

    @property
    def state(self) -> Path:
        return self.folder / "state.db"

    def configure(self, **track: int) -> None:
        settings = {"poll_interval_minutes": 0, **track}
        http = f'base_url = "{self.server.url}"\nbackoff = 0\nrate_limit = "off"\ntimeout = 1\n'
        (self.folder / "opsctl.toml").write_text(
            '[state]\npath = "state.db"\n\n[track]\n'
            + "".join(f"{key} = {value}\n" for key, value in settings.items())
            + f'\n[plugins.dhl]\napi_key = "${{DHL_API_KEY}}"\n{http}'
            + '\n[plugins.fedex]\nclient_id = "${FEDEX_CLIENT_ID}"\n'
            + f'client_secret = "${{FEDEX_CLIENT_SECRET}}"\n{http}'
            + '\n[plugins.files]\npath = "exports/events.ndjson"\ncarriers = ["royalmail"]\n',
            encoding="utf-8",
        )

    def ship(self, *shipments: tuple[str, str, str, datetime]) -> None:
        """Store shipments (id, carrier, tracking number, shipped at), as an ingest would."""
        records = [
            Shipment(
                shipment_id,
                f"O-{shipment_id}",
                carrier,
                number,
                None,
                None,
                shipped_at,
                None,
                None,
                None,
                None,
                None,
            )
            for shipment_id, carrier, number, shipped_at in shipments
        ]
        with open_store(self.state) as store:
            store.migrate()
            with store.transaction():
                store.shipments.write(records)

    def export(self, *rows: dict[str, str]) -> None:
        """Append rows to the export the file carrier reads."""
        path = self.folder / "exports" / "events.ndjson"
        path.parent.mkdir(exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row) + "\n" for row in rows)

    def sync(self, *args: str, expect: int = 0):
        result = self.run(
            "track", "sync", "--format", "json", *args, env=SECRETS, plugins=FILES_PLUGIN
        )
        return result.assert_exit(expect)

    def store(self) -> Store:
        return open_store(self.state, create=False)

    def event_count(self, number: str | None = None) -> int:
        with self.store() as store:
            events = list(store.tracking_events.all())
        return sum(1 for e in events if number is None or e.tracking_number == number)

    def requests_for(self, number: str) -> int:
        dhl = [r for r in self.server.requests("GET") if r.query["trackingNumber"] == [number]]
        fedex = [
            r
            for r in self.server.requests("POST", "/track/v1/trackingnumbers")
            if number in r.body.decode()
        ]
        return len(dhl) + len(fedex)


def by_carrier(result) -> dict[str, dict[str, Any]]:
    return {row["carrier"]: row for row in result.json()["carriers"]}


@pytest.fixture
def server(monkeypatch) -> Iterator[CarrierServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with CarrierServer() as server:
        yield server


@pytest.fixture
def world(server) -> CarrierWorld:
    world = CarrierWorld()
    world.serve(server)
    return world


@pytest.fixture
def shop(opsctl_env, opsctl_run, server, world) -> Shop:
    shop = Shop(opsctl_env, opsctl_run, server, world)
    shop.configure()
    world.scan("00340434161094042557", "pre-transit", "Label created", days_ago(2))
    world.scan("00340434161094042557", "transit", "Picked up", days_ago(1.5))
    world.scan("794843185271", "PU", "Picked up", days_ago(2))
    world.scan("794843185271", "AR", "At local FedEx facility", days_ago(1))
    world.scan("781234567895", "PU", "Picked up", days_ago(1))
    shop.ship(
        ("S-1", "dhl", "00340434161094042557", days_ago(2)),
        ("S-2", "fedex", "794843185271", days_ago(2)),
        ("S-3", "fedex", "781234567895", days_ago(1)),
    )
    return shop


# -- incremental and idempotent --------------------------------------------------------


def test_sync_stores_new_events_and_a_second_run_adds_nothing(shop):
    first = shop.sync()
    rows = by_carrier(first)
    assert (
        rows["dhl"] | {"plugin": "dhl", "polled": 1, "new_events": 2, "unchanged": 0} == rows["dhl"]
    )
    assert rows["fedex"]["polled"] == 2
    assert rows["fedex"]["new_events"] == 3
    assert first.json()["totals"]["new_events"] == 5
    assert shop.event_count() == 5

    second = shop.sync()
    assert second.json()["totals"]["new_events"] == 0
    assert second.json()["totals"]["unchanged"] == 3
    assert shop.event_count() == 5


def test_new_events_appear_after_the_carrier_learns_more(shop):
    shop.sync()
    shop.world.scan("794843185271", "OD", "On FedEx vehicle for delivery", days_ago(0.1))
    again = by_carrier(shop.sync())
    assert again["fedex"]["new_events"] == 1
    assert again["fedex"]["unchanged"] == 1
    assert again["dhl"]["new_events"] == 0
    assert shop.event_count("794843185271") == 3
    with shop.store() as store:
        latest = max(
            (e for e in store.tracking_events.all() if e.tracking_number == "794843185271"),
            key=lambda e: e.occurred_at,
        )
    assert (latest.carrier, latest.raw_code, latest.status.value) == (
        "fedex",
        "OD",
        "out_for_delivery",
    )


def test_sla_check_from_the_store_judges_the_synced_events_as_the_records_say(shop):
    """The store's folded timelines (kept by each sync) give the verdicts that reading
    every stored event back gives (``OPSCTL_SLA_ENGINE=python``), after each sync."""

    with (shop.folder / "opsctl.toml").open("a", encoding="utf-8") as config:
        config.write('\n[sla]\ncalendar = "GB-ENG"\n')

    def both() -> tuple[str, str]:
        args = ("sla", "check", "--from-store", "--all", "--as-of", NOW.isoformat(), "-f", "json")
        fast = shop.run(*args)
        slow = shop.run(*args, env={"OPSCTL_SLA_ENGINE": "python"})
        return fast.assert_success().stdout, slow.assert_success().stdout

    shop.sync()
    fast, slow = both()
    assert fast == slow
    assert {row["shipment_id"] for row in json.loads(fast)["shipments"]} == {"S-1", "S-2", "S-3"}
    shop.world.scan("794843185271", "OD", "On FedEx vehicle for delivery", days_ago(0.1))
    shop.world.scan("781234567895", "DL", "Delivered", days_ago(0.05))
    shop.sync()
    fast, slow = both()
    assert fast == slow
    verdicts = {row["shipment_id"]: row["latest_status"] for row in json.loads(fast)["shipments"]}
    assert verdicts["S-2"] == "out_for_delivery"
    assert verdicts["S-3"] == "delivered"


def test_the_carriers_estimated_delivery_becomes_the_shipments_carrier_edd(shop):
    shop.sync()
    with shop.store() as store:
        shipment = store.shipments.get("S-2")
    assert shipment.carrier_edd == (days_ago(1) + timedelta(days=2)).date()


def test_a_dry_run_polls_and_counts_but_writes_nothing(shop):
    dry = shop.sync("--dry-run")
    assert dry.json()["dry_run"] is True
    assert dry.json()["totals"]["new_events"] == 5
    assert shop.event_count() == 0
    with shop.store() as store:
        assert store.tracking_ledger().poll_state("S-1") is None


# -- when polling stops ---------------------------------------------------------------------


def test_delivered_shipments_are_no_longer_polled(shop):
    shop.sync()
    shop.world.scan("794843185271", "DL", "Delivered", days_ago(0.1))
    delivered = by_carrier(shop.sync())
    assert delivered["fedex"]["now_final"] == 1
    with shop.store() as store:
        state = store.tracking_ledger().poll_state("S-2")
    assert (state.final, state.final_reason, state.next_poll_at) == (True, "delivered", None)

    asked = shop.requests_for("794843185271")
    later = by_carrier(shop.sync())
    assert shop.requests_for("794843185271") == asked
    assert later["fedex"]["open"] == 1
    assert later["fedex"]["polled"] == 1


def test_shipments_already_delivered_in_the_store_stop_without_a_poll(shop):
    delivered = TrackingEvent("781234567895", days_ago(0.5), TrackingStatus.DELIVERED, "fedex")
    with shop.store() as store, store.transaction():
        store.tracking_events.write([delivered])
    rows = by_carrier(shop.sync())
    assert rows["fedex"]["now_final"] == 1
    assert rows["fedex"]["polled"] == 1
    assert shop.requests_for("781234567895") == 0


def test_old_and_silent_shipments_expire(shop):
    shop.world.scan("794800000017", "PU", "Picked up", days_ago(40))
    shop.ship(
        ("S-OLD", "fedex", "794800000010", days_ago(90)),
        ("S-SILENT", "fedex", "794800000017", days_ago(41)),
    )
    rows = by_carrier(shop.sync())
    assert rows["fedex"]["expired"] == 2
    assert shop.requests_for("794800000010") == shop.requests_for("794800000017") == 0
    with shop.store() as store:
        ledger = store.tracking_ledger()
        assert ledger.poll_state("S-OLD").final_reason == "expired"
        assert ledger.poll_state("S-SILENT").final_reason == "expired"
    assert by_carrier(shop.sync())["fedex"]["expired"] == 0  # stopped for good


def test_numbers_the_carrier_does_not_know_are_retried_with_backoff(shop):
    shop.ship(("S-NEW", "dhl", "00340434000000000001", days_ago(0.2)))
    rows = by_carrier(shop.sync())
    assert rows["dhl"]["problems"] == 1
    with shop.store() as store:
        state = store.tracking_ledger().poll_state("S-NEW")
    assert state.failures == 1
    assert "not_found" in state.problem
    assert timedelta(minutes=59) < state.next_poll_at - state.last_polled_at <= timedelta(hours=1)

    again = by_carrier(shop.sync())
    assert again["dhl"]["due"] == 1  # S-1 only: S-NEW waits for its backoff
    assert shop.requests_for("00340434000000000001") == 1


def test_limit_polls_the_longest_overdue_first_and_defers_the_rest(shop):
    limited = shop.sync("--limit", "2").json()
    assert limited["totals"]["polled"] == 2
    assert limited["totals"]["deferred"] == 1
    rest = shop.sync("--limit", "2").json()
    assert rest["totals"]["polled"] == 2
    polled_twice = [
        n
        for n in ("00340434161094042557", "794843185271", "781234567895")
        if shop.requests_for(n) == 2
    ]
    assert len(polled_twice) == 1  # the one left out first went first next time


def test_carrier_filter(shop):
    rows = shop.sync("--carrier", "dhl").json()["carriers"]
    assert [row["carrier"] for row in rows] == ["dhl"]
    assert shop.event_count() == 2


# -- failures ------------------------------------------------------------------------------


def test_sync_survives_429_500_and_timeouts(shop):
    shop.world.upsets["dhl"] = [Reply(429, headers={"Retry-After": "0"}), Reply(500)]
    shop.world.upsets["fedex"] = [Reply(503), Reply(200, b"{}", delay=1.5)]
    result = shop.sync()
    assert result.json()["errors"] == []
    assert result.json()["totals"]["new_events"] == 5
    assert shop.event_count() == 5


def test_a_failing_carrier_never_stops_the_others(shop):
    shop.world.outage["dhl"] = Reply.payload("dhl/unauthorized.json", status=401)
    result = shop.sync()
    rows = by_carrier(result)
    assert rows["fedex"]["new_events"] == 3
    assert rows["dhl"]["failed"] == 1
    assert "HTTP 401" in rows["dhl"]["error"]
    assert "check the credentials in [plugins.dhl]" in result.stderr
    assert result.json()["errors"][0]["carrier"] == "dhl"
    assert "dhl-test-key" not in result.stdout + result.stderr

    failed = shop.sync("--fail-on-error", expect=4)
    assert "1 carrier(s) failed: dhl" in failed.stderr
    assert by_carrier(failed)["fedex"]["unchanged"] == 2  # the output is still written


def test_a_truncated_answer_fails_that_carrier_for_this_run_only(shop):
    shop.world.upsets["fedex"] = [Reply(200, b'{"output": {"completeTrackRes')]
    rows = by_carrier(shop.sync())
    assert "may be truncated" in rows["fedex"]["error"]
    assert rows["fedex"]["failed"] == 2
    assert rows["dhl"]["new_events"] == 2
    assert by_carrier(shop.sync())["fedex"]["new_events"] == 3


def test_a_carrier_without_a_plugin_is_reported(shop):
    shop.ship(("S-H", "hermes", "H0001", days_ago(1)))
    result = shop.sync()
    assert "no carrier plugin tracks 'hermes'" in by_carrier(result)["hermes"]["error"]
    assert by_carrier(result)["dhl"]["new_events"] == 2
    shop.sync("--fail-on-error", "--carrier", "hermes", expect=2)


# -- the file carrier ------------------------------------------------------------------------


def test_the_file_carrier_serves_carriers_without_an_api(shop):
    shop.export(
        {
            "tracking_number": "TM123456785GB",
            "carrier": "royalmail",
            "occurred_at": days_ago(1).isoformat(),
            "status": "picked_up",
            "raw_code": "EVNCO",
        }
    )
    shop.ship(("S-RM", "royalmail", "TM123456785GB", days_ago(1)))
    rows = by_carrier(shop.sync())
    assert (
        rows["royalmail"] | {"plugin": "files", "polled": 1, "new_events": 1} == rows["royalmail"]
    )
    shop.export(
        {
            "tracking_number": "TM123456785GB",
            "occurred_at": days_ago(0.1).isoformat(),
            "raw_code": "EVLUX",
        }
    )
    again = by_carrier(shop.sync())["royalmail"]
    assert (again["new_events"], again["unchanged"]) == (1, 0)
    with shop.store() as store:
        stored = [e for e in store.tracking_events.all() if e.tracking_number == "TM123456785GB"]
    assert {e.carrier for e in stored} == {"royalmail"}
    assert [e.status for e in stored if e.raw_code == "EVLUX"] == [None]


# -- cron safety ------------------------------------------------------------------------------


def test_lock_is_on_by_default_and_a_second_run_exits_5(shop, opsctl_env):
    lock_dir = Path(os.environ["XDG_STATE_HOME"]) / "opsctl" / "locks"
    with command_lock("track sync", lock_dir):
        held = shop.sync(expect=5)
        assert "another run of `opsctl track sync` holds the lock" in held.stderr
        shop.sync("--no-lock")


def test_a_killed_run_leaves_a_consistent_store_and_the_next_run_completes(shop, world):
    numbers = [f"79{index:010d}" for index in range(300)]
    for index, number in enumerate(numbers):
        for step in range(1 + index % 3):
            world.scan(number, ("PU", "AR", "DP")[step], "scan", days_ago(2 - step / 2))
    shop.ship(*((f"K-{n}", "fedex", n, days_ago(2)) for n in numbers))
    world.fedex_hold_after = 1  # the first batch is answered, the second waits: kill then
    environment = {**os.environ, **SECRETS}
    running = subprocess.Popen(
        [sys.executable, "-m", "opsctl", "track", "sync"],
        cwd=shop.folder,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while _count(shop.state, "tracking_polls") < 30 and time.monotonic() < deadline:
            assert running.poll() is None, running.stderr.read().decode()
            time.sleep(0.02)
        shop.sync(expect=5)  # the running sync holds the lock
        running.send_signal(signal.SIGKILL)
    finally:
        running.wait(timeout=10)
        running.stderr.close()
        world.released.set()

    with sqlite3.connect(shop.state) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        polled = {
            row[0] for row in connection.execute("SELECT tracking_number FROM tracking_polls")
        }
        stored = dict(
            connection.execute(
                "SELECT tracking_number, count(*) FROM tracking_events GROUP BY tracking_number"
            ).fetchall()
        )
    assert len(polled & set(numbers)) == 30, "the first FedEx batch, and only it, was committed"
    # Each committed batch stored its events and its polling state together, and only then.
    assert set(stored) == polled
    assert all(stored[number] == len(world.scans[number]) for number in polled)
    # ... and the timelines of those events, in the same transaction.
    with sqlite3.connect(shop.state) as connection:
        folded = dict(connection.execute("SELECT tracking_number, events FROM tracking_timelines"))
    assert folded == stored

    world.fedex_hold_after = None
    rerun = shop.sync().json()
    every_event = sum(len(scans) for scans in world.scans.values())
    assert rerun["totals"]["new_events"] == every_event - sum(stored.values())
    assert shop.event_count() == every_event
    assert shop.sync().json()["totals"]["new_events"] == 0


def _count(state: Path, table: str) -> int:
    if not state.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # not migrated yet, or busy
        return 0


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05T10:22:00-06:00",
        "2024-03-05T10:22:00-00:00",
        "2024-10-27T01:30:00+01:00",
        "2024-03-05T10:22:00+23:59",
        "2024-03-05T10:22:00+05:60",  # minutes out of range
        "2024-03-05T10:22:00+24:00",  # hours out of range
        "2024-02-30T10:22:00-06:00",  # no such day
        "2024-W10-2T10:22:00-06:00",  # a week date
        "2024-03-05T10:22:00.123-06:00",
        "2024-03-05T10:22:00Z",
        "2024-03-05T10:22:00",
    ],
)
def test_fedex_scan_dates_read_as_the_shared_parser_reads_them(text):
    """The FedEx plugin reads its usual date form by a shorter road: same values, same errors."""
    from opsctl_fedex.parse import scan_time

    from opsctl.tracking import UnreadablePayload, parse_timestamp

    def outcome(parse):
        try:
            moment, assumed = parse()
        except UnreadablePayload as error:
            return str(error)
        return moment, moment.utcoffset(), assumed

    zone = timezone(timedelta(hours=-5))
    assert outcome(lambda: scan_time(text, zone)) == outcome(
        lambda: parse_timestamp(text, assume=zone)
    )
