"""``opsctl carriers list`` and ``opsctl carriers codes [--unmapped]``."""

from __future__ import annotations

import importlib.metadata
import json
import logging
from datetime import datetime, timezone

import opsctl_files
import pytest

from opsctl.store import open_store
from opsctl.tracking import TrackingEvent, TrackingStatus

INSTALLED = {ep.name for ep in importlib.metadata.entry_points(group="opsctl")}
#: The file carrier's plugin, loaded as if installed until its entry point is.
FILES_PLUGIN = [] if "files" in INSTALLED else [("files", opsctl_files)]
FILES_CONFIG = """
[plugins.files]
path = "exports/events.ndjson"
carriers = ["royalmail", "dpd"]
[plugins.files.codes]
EVKSP = "delivered"
"""
EVENTS = [
    ("fedex", "794843185271", "DL", None),  # a documented FedEx code stored without a status
    ("fedex", "794843185271", "TR", None),
    ("fedex", "781234567895", "TR", None),
    ("ups", "1Z999AA10123456784", "W", None),
    ("royalmail", "TM123456785GB", "EVLUX", None),
    ("royalmail", "TM123456785GB", "EVKSP", None),  # mapped in [plugins.files.codes]
    ("hermes", "H0001", "X1", None),  # no carrier plugin at all
    ("dhl", "00340434161094042557", "transit", "in_transit"),
]


@pytest.fixture(autouse=True)
def restore_opsctl_logging():
    """Undo the stderr set-up of in-process runs, so later tests' ``caplog`` sees records."""
    logger = logging.getLogger("opsctl")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


@pytest.fixture
def run(opsctl_run):
    def run_carriers(*args: str, config: str = FILES_CONFIG):
        return opsctl_run("carriers", *args, config=config, plugins=FILES_PLUGIN)

    return run_carriers


def events_file(folder) -> str:
    path = folder / "events.ndjson"
    lines = [
        {
            "tracking_number": number,
            "carrier": carrier,
            "occurred_at": f"2026-10-0{index % 9 + 1}T10:00:00Z",
            "raw_code": code,
            "status": status,
        }
        for index, (carrier, number, code, status) in enumerate(EVENTS)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_list_shows_each_carrier_with_its_plugin_codes_and_transit_times(run):
    document = run("list", "--format", "json").assert_success().json()
    carriers = {entry["carrier"]: entry for entry in document}
    assert {"dhl", "fedex", "ups", "usps", "file"} <= set(carriers)
    fedex = carriers["fedex"]
    assert (fedex["plugin"], fedex["codes"], fedex["error"]) == ("fedex", 58, None)
    assert "Tracking Status Codes" in fedex["code_source"]
    ground = next(s for s in fedex["services"] if s["service"] == "FedEx Ground")
    assert (ground["min_days"], ground["max_days"]) == (1, 5)
    file = carriers["file"]
    assert (file["plugin"], file["serves"]) == ("files", ["royalmail", "dpd"])
    assert file["codes"] == len(TrackingStatus) + 1
    assert file["services"] == []


def test_list_as_a_table_has_carriers_sources_and_transit_times(run):
    table = run("list").assert_success().stdout
    for title in ("Carriers", "Sources", "Transit times (business days)"):
        assert title in table
    assert "royalmail, dpd" in table
    assert "UPS Ground Saver" in table


def test_list_reports_a_carrier_whose_settings_are_wrong(run):
    broken = run("list", "-f", "json", config="[plugins.files]\ncarriers = 7\n")
    file = next(entry for entry in broken.assert_success().json() if entry["carrier"] == "file")
    assert "plugins.files.carriers" in file["error"]
    assert file["codes"] == len(TrackingStatus)


def test_codes_lists_documented_codes_and_their_status(run):
    rows = run("codes", "--carrier", "ups", "--format", "json").assert_success().json()
    by_code = {row["raw_code"]: row for row in rows}
    assert by_code["011"]["status"] == "delivered"
    assert by_code["011"]["plugin"] == "ups"
    assert {row["carrier"] for row in rows} == {"ups"}


def test_codes_of_a_served_carrier_are_those_of_the_carrier_tracking_it(run):
    rows = run("codes", "--carrier", "royalmail", "-f", "json").assert_success().json()
    assert {row["carrier"] for row in rows} == {"file"}
    assert {"EVKSP", "delivered", "in_transit"} <= {row["raw_code"] for row in rows}


def test_codes_of_every_carrier_by_default(run):
    rows = run("codes", "-f", "json").assert_success().json()
    assert {row["carrier"] for row in rows} >= {"dhl", "fedex", "ups", "usps", "file"}


def test_an_unknown_carrier_is_a_usage_error(run):
    result = run("codes", "--carrier", "pigeon").assert_exit(2)
    assert "unknown carrier 'pigeon'" in result.stderr
    assert "royalmail" in result.stderr


def test_unmapped_codes_from_an_events_file(run, opsctl_env):
    result = run("codes", "--unmapped", "--events", events_file(opsctl_env), "-f", "json")
    rows = result.assert_success().json()
    assert rows == [
        {"carrier": "fedex", "raw_code": "TR", "events": 2, "tracked_by": "fedex"},
        {"carrier": "hermes", "raw_code": "X1", "events": 1, "tracked_by": None},
        {"carrier": "royalmail", "raw_code": "EVLUX", "events": 1, "tracked_by": "file"},
        {"carrier": "ups", "raw_code": "W", "events": 1, "tracked_by": "ups"},
    ]
    only = run("codes", "--unmapped", "--events", events_file(opsctl_env), "--carrier", "ups")
    assert "fedex" not in only.assert_success().stdout


def test_unmapped_codes_from_the_state_store(run, opsctl_env):
    state = opsctl_env / "state.db"
    moment = datetime(2026, 10, 2, tzinfo=timezone.utc)
    with open_store(state) as store:
        store.migrate()
        with store.transaction():
            store.tracking_events.write(
                TrackingEvent(
                    number, moment, TrackingStatus(status) if status else None, carrier, code
                )
                for carrier, number, code, status in EVENTS
            )
    rows = run("codes", "--unmapped", "--state", str(state), "-f", "json").assert_success().json()
    assert [(row["carrier"], row["raw_code"], row["events"]) for row in rows] == [
        ("fedex", "TR", 2),
        ("hermes", "X1", 1),
        ("royalmail", "EVLUX", 1),
        ("ups", "W", 1),
    ]


def test_unmapped_needs_an_existing_store(run, opsctl_env):
    missing = run("codes", "--unmapped", "--state", str(opsctl_env / "none.db")).assert_exit(2)
    assert "opsctl db init" in missing.stderr


def test_events_goes_with_unmapped(run, opsctl_env):
    run("codes", "--events", events_file(opsctl_env)).assert_exit(2)
