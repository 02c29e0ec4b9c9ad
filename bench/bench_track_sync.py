"""The incremental cron run: ``opsctl track sync`` then ``opsctl sla check --from-store``.

A state store holds 100,000 active FedEx shipments at full scale (orders,
shipments, three stored events each, and a polling state from a sync an hour
ago). A loopback server (``tests/carrier_server.py``, in a process of its
own) answers FedEx's Track API for those numbers, 30 a request, in the
documented shape; 1% of the parcels have one event more than the store. The
figures:

* ``opsctl track sync`` when every open shipment is due (the run an hour
  after the last one): all 100,000 polled, the 1,000 new events stored
  (checked), in its own process;
* where that run's time goes: inside the FedEx plugin's ``track`` (HTTP and
  parsing the answers) versus opsctl's own work (choosing the due shipments,
  finding new events by key, committing each batch), measured in-process;
* ``opsctl track sync`` in a steady 5-minute cron with the default hourly
  polls (``[track] poll_interval_minutes = 60``): one shipment in 12 is due;
* ``opsctl sla check --from-store`` on the store the sync left, the previous
  run's check (five minutes before) having kept its verdicts, and the first
  check of a store (nothing kept yet, every shipment judged and kept);
* the totals, against the goal of 5 s.

The store is built once through the store API and cached in ``bench/data/``
(git-ignored, one file per day: its times are relative to today); each run
works on a fresh copy.

    python bench/bench_track_sync.py --scale 0.1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # carrier_server

from harness import DATA_DIR, measure, row

FULL_SHIPMENTS = 100_000
CHANGED_SHARE = 0.01
#: With hourly polls ([track] poll_interval_minutes = 60), a run every 5 minutes
#: finds one shipment in 12 due.
CRON_SHARE = 12
BENCHMARK = "cron run: track sync + sla check"
#: The data's "now": today's midnight (UTC), so that no shipment has expired when the
#: benchmark runs; the store is cached per day. The last sync ran an hour before it.
AS_OF = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
SCANS = (
    ("PU", "Picked up", "MEMPHIS, TN, 38118, US"),
    ("AR", "Arrived at FedEx location", "INDIANAPOLIS, IN, 46241, US"),
    ("DP", "Departed FedEx location", "INDIANAPOLIS, IN, 46241, US"),
    ("OD", "On FedEx vehicle for delivery", "COLUMBUS, OH, 43219, US"),
)
SECRETS = {"FEDEX_CLIENT_ID": "bench-id", "FEDEX_CLIENT_SECRET": "bench-secret"}


# -- the shop's data ----------------------------------------------------------------------


def tracking_number(index: int) -> str:
    return f"7{index:011d}"


def scans_of(index: int, *, with_new: bool) -> list[tuple[datetime, str, str, str]]:
    """A parcel's scans, oldest first: three stored, and for the parcels that moved a
    fourth one, an hour before the data's "now"."""
    last = AS_OF - timedelta(hours=2 + index % 20)
    stored = [
        (last - timedelta(hours=10 * (2 - step)), code, text, place)
        for step, (code, text, place) in enumerate(SCANS[:3])
    ]
    code, text, place = SCANS[3]
    return [*stored, (AS_OF - timedelta(hours=1), code, text, place)] if with_new else stored


def shipped_at(index: int) -> datetime:
    return scans_of(index, with_new=False)[0][0] - timedelta(hours=3)


def changed(index: int) -> bool:
    """Whether the carrier has a new event for parcel ``index`` (1% of them, spread out)."""
    return index % round(1 / CHANGED_SHARE) == 7


def build_store(path: Path, shipments: int) -> None:
    """Orders, shipments, their stored events and last hour's polling state, via the store API."""
    from opsctl.model.records import CarrierService, Order, Shipment
    from opsctl.store import open_store
    from opsctl.store.tracking import PollState
    from opsctl.tracking import TrackingEvent, TrackingStatus

    statuses = {
        "PU": TrackingStatus.PICKED_UP,
        "AR": TrackingStatus.IN_TRANSIT,
        "DP": TrackingStatus.IN_TRANSIT,
    }
    last_sync = AS_OF - timedelta(hours=1)
    partial = path.with_suffix(".partial")
    for leftover in path.parent.glob(partial.name + "*"):
        leftover.unlink()
    with open_store(partial) as store:
        store.migrate()
        with store.transaction():
            store.carrier_services.write(
                [
                    CarrierService(
                        "fedex",
                        "FedEx Ground",
                        "US",
                        "US",
                        1,
                        5,
                        None,
                        None,
                        None,
                        "USD",
                        (0, 1, 2, 3, 4),
                        False,
                        "US",
                    )
                ]
            )
            store.orders.write(
                Order(
                    f"OR-{index:07d}",
                    "web",
                    shipped_at(index) - timedelta(hours=20),
                    "retail",
                    "USD",
                    "US",
                    None,
                    None,
                    None,
                    "standard",
                    (shipped_at(index) + timedelta(days=5)).date(),
                    None,
                    "open",
                    None,
                )
                for index in range(shipments)
            )
            store.shipments.write(
                Shipment(
                    f"SH-{index:07d}",
                    f"OR-{index:07d}",
                    "fedex",
                    tracking_number(index),
                    "FedEx Ground",
                    None,
                    shipped_at(index),
                    None,
                    None,
                    None,
                    None,
                    None,
                )
                for index in range(shipments)
            )
            store.tracking_events.write(
                TrackingEvent(
                    tracking_number(index), at, statuses[code], "fedex", code, text, place
                )
                for index in range(shipments)
                for at, code, text, place in scans_of(index, with_new=False)
            )
            store.tracking_ledger().record_polls(
                PollState(
                    f"SH-{index:07d}",
                    "fedex",
                    tracking_number(index),
                    first_polled_at=shipped_at(index) + timedelta(hours=4),
                    last_polled_at=last_sync,
                    next_poll_at=last_sync + timedelta(minutes=60),
                )
                for index in range(shipments)
            )
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(path)


def cached_store(shipments: int) -> Path:
    path = DATA_DIR / f"track_sync_{shipments}_{AS_OF:%Y%m%d}.db"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        for stale in DATA_DIR.glob(f"track_sync_{shipments}_*.db"):
            stale.unlink()
        started = time.perf_counter()
        build_store(path, shipments)
        print(
            f"  built {path.name} in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return path


# -- the carrier ----------------------------------------------------------------------------


class FedexReplay:
    """FedEx Track API answers for the shop's numbers, prepared once, joined per request."""

    def __init__(self, shipments: int) -> None:
        self.results = {
            tracking_number(index): self._result(index, changed(index)).encode()
            for index in range(shipments)
        }

    @staticmethod
    def _result(index: int, with_new: bool) -> str:
        number = tracking_number(index)
        scans = [
            {
                "date": at.isoformat(),
                "eventType": code,
                "eventDescription": text,
                "exceptionCode": "",
                "exceptionDescription": "",
                "scanLocation": dict(
                    zip(
                        ("city", "stateOrProvinceCode", "postalCode", "countryCode"),
                        place.split(", "),
                        strict=True,
                    )
                ),
                "derivedStatusCode": "IT",
            }
            for at, code, text, place in reversed(scans_of(index, with_new=with_new))
        ]
        result = {
            "trackingNumberInfo": {"trackingNumber": number, "carrierCode": "FDXG"},
            "serviceDetail": {"type": "FEDEX_GROUND", "description": "FedEx Ground"},
            "scanEvents": scans,
        }
        return json.dumps({"trackingNumber": number, "trackResults": [result]})

    def answer(self, request):
        from carrier_server import Reply

        asked = json.loads(request.body)["trackingInfo"]
        numbers = (info["trackingNumberInfo"]["trackingNumber"] for info in asked)
        body = b",".join(self.results[number] for number in numbers)
        return Reply(200, b'{"output": {"completeTrackResults": [' + body + b"]}}")


def _serve(shipments: int, ready) -> None:
    """The server process: build the replay, report the URL, serve until terminated."""
    from carrier_server import CarrierServer, Reply

    replay = FedexReplay(shipments)
    server = CarrierServer()
    server.reply("POST", "/oauth/token", Reply.payload("fedex/token.json"))
    server.respond("POST", "/track/v1/trackingnumbers", replay.answer)
    with server:
        ready.send(server.url)
        threading.Event().wait()


@contextlib.contextmanager
def replay_server(shipments: int) -> Iterator[str]:
    """The loopback FedEx server, in a process of its own so that it never competes with
    the measured run for this process's interpreter lock; yields its URL."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(shipments, sender), daemon=True)
    process.start()
    try:
        if not receiver.poll(300):
            raise RuntimeError("the replay server did not start")
        yield receiver.recv()
    finally:
        process.terminate()
        process.join(10)


def write_config(folder: Path, server_url: str) -> None:
    (folder / "opsctl.toml").write_text(
        f"""[defaults]
timezone = "America/New_York"

[sla]
calendar = "US"

[state]
path = "state.db"

[lock]
dir = "locks"

[plugins.fedex]
client_id = "${{FEDEX_CLIENT_ID}}"
client_secret = "${{FEDEX_CLIENT_SECRET}}"
base_url = "{server_url}"
rate_limit = "off"
request_budget = "off"
""",
        encoding="utf-8",
    )


def fresh_shop(folder: Path, shipments: int, server_url: str) -> None:
    """A copy of the cached store, at this opsctl's schema, and a config for the server."""
    from opsctl.store import open_store

    shutil.copyfile(cached_store(shipments), folder / "state.db")
    with open_store(folder / "state.db") as store:
        store.migrate()
    write_config(folder, server_url)


# -- measurements ---------------------------------------------------------------------------


def opsctl(*args: str) -> list[str]:
    return [sys.executable, "-m", "opsctl", *args]


def split_of_sync(folder: Path) -> dict[str, float]:
    """Run ``track sync`` in this process, timing the plugin's ``track`` apart from the rest."""
    from click.testing import CliRunner
    from opsctl_fedex.carrier import FedexCarrier

    from opsctl.app import App
    from opsctl.cli import cli

    inside = 0.0
    track = FedexCarrier.track

    def timed_track(self, numbers):
        nonlocal inside
        started = time.perf_counter()
        try:
            return track(self, numbers)
        finally:
            inside += time.perf_counter() - started

    FedexCarrier.track = timed_track
    try:
        cwd = os.getcwd()
        os.chdir(folder)
        started = time.perf_counter()
        result = CliRunner().invoke(
            cli, ["track", "sync", "-f", "json"], obj=App(environ={**os.environ, **SECRETS})
        )
        total = time.perf_counter() - started
    finally:
        FedexCarrier.track = track
        os.chdir(cwd)
    if result.exit_code:
        raise RuntimeError(f"track sync failed: {result.output}")
    return {"total": total, "plugin": inside, "opsctl": total - inside}


def defer_most(folder: Path, shipments: int) -> int:
    """Make the store that of a 5-minute cron with hourly polls: 1 shipment in 12 due.

    Returns how many of the due shipments have a new event at the carrier.
    """
    from opsctl.store import open_store
    from opsctl.store.tracking import PollState

    later = datetime.now(timezone.utc) + timedelta(minutes=30)
    with open_store(folder / "state.db") as store, store.transaction():
        store.tracking_ledger().record_polls(
            PollState(
                f"SH-{index:07d}",
                "fedex",
                tracking_number(index),
                first_polled_at=shipped_at(index) + timedelta(hours=4),
                last_polled_at=later - timedelta(minutes=60),
                next_poll_at=later,
            )
            for index in range(shipments)
            if not due_in_cron_run(index)
        )
    return sum(changed(index) and due_in_cron_run(index) for index in range(shipments))


def due_in_cron_run(index: int) -> bool:
    return index % CRON_SHARE == 7


def timed_sync(folder: Path, env: dict[str, str], polled: int, new_events: int):
    """``opsctl track sync`` in its own process, its counts checked."""
    sync = measure(opsctl("track", "sync", "--format", "json"), env=env, cwd=folder)
    totals = json.loads(sync.stdout)["totals"]
    if (totals["polled"], totals["new_events"]) != (polled, new_events):
        raise RuntimeError(f"track sync polled or stored the wrong events: {totals}")
    return sync


def check_command(folder: Path, as_of: datetime) -> list[str]:
    """``opsctl sla check --from-store`` as of ``as_of``, its verdicts written as JSON."""
    return opsctl(
        "sla",
        "check",
        "--from-store",
        "--as-of",
        as_of.isoformat(),
        "--format",
        "json",
        "--output",
        str(folder / "verdicts.json"),
    )


def run(scale: float = 1.0) -> list[dict]:
    shipments = max(1000, round(FULL_SHIPMENTS * scale))
    new_events = sum(changed(index) for index in range(shipments))
    cached_store(shipments)
    label = f"{shipments:,} active shipments, {new_events:,} with a new event"
    # The previous cron run's check, five minutes before: it kept its verdicts.
    previous = AS_OF - timedelta(minutes=5)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    with tempfile.TemporaryDirectory() as scratch, replay_server(shipments) as url:
        folder = Path(scratch)
        env = {**SECRETS, "OPSCTL_CONFIG": str(folder / "opsctl.toml")}
        fresh_shop(folder, shipments, url)
        first = measure(check_command(folder, previous), env=env, cwd=folder)
        full = timed_sync(folder, env, shipments, new_events)
        check = measure(check_command(folder, AS_OF), env=env, cwd=folder)
        fresh_shop(folder, shipments, url)
        split = split_of_sync(folder)
        fresh_shop(folder, shipments, url)
        measure(check_command(folder, previous), env=env, cwd=folder)
        due_new = defer_most(folder, shipments)
        due = sum(due_in_cron_run(index) for index in range(shipments))
        cron = timed_sync(folder, env, due, due_new)
        cron_check = measure(check_command(folder, AS_OF), env=env, cwd=folder)
    return [
        row(
            BENCHMARK,
            "track sync, every open shipment due (s)",
            round(full.seconds, 2),
            note=f"{label}; {math.ceil(shipments / 30):,} FedEx requests of 30; "
            f"peak RSS {full.peak_rss_mb:.0f} MB",
        ),
        row(
            BENCHMARK,
            "  in the FedEx plugin: HTTP + parsing (s)",
            round(split["plugin"], 2),
            note="in-process run, FedexCarrier.track",
        ),
        row(
            BENCHMARK,
            "  in opsctl: due shipments, new-event keys, commits (s)",
            round(split["opsctl"], 2),
            note="in-process run, the rest (start-up included)",
        ),
        row(
            BENCHMARK,
            "track sync, a 5-minute cron run (s)",
            round(cron.seconds, 2),
            note=f"hourly polls: {due:,} due, {due_new:,} with a new event",
        ),
        row(
            BENCHMARK,
            "sla check --from-store, no verdicts kept yet (s)",
            round(first.seconds, 2),
            note=f"{shipments:,} shipments judged and kept; peak RSS {first.peak_rss_mb:.0f} MB",
        ),
        row(
            BENCHMARK,
            "sla check --from-store after the full sync (s)",
            round(check.seconds, 2),
            note=f"verdicts kept 5 min before; peak RSS {check.peak_rss_mb:.0f} MB",
        ),
        row(
            BENCHMARK,
            "sla check --from-store after the cron sync (s)",
            round(cron_check.seconds, 2),
            note=f"verdicts kept 5 min before; peak RSS {cron_check.peak_rss_mb:.0f} MB",
        ),
        row(
            BENCHMARK,
            "total, every open shipment due (s)",
            round(full.seconds + check.seconds, 2),
            goal="< 5 s",
        ),
        row(
            BENCHMARK,
            "total, a 5-minute cron run (s)",
            round(cron.seconds + cron_check.seconds, 2),
            goal="< 5 s",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    for result in run(args.scale):
        print(f"{result['metric']:<58} {result['value']:>8}  {result['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
