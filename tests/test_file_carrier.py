"""The file carrier: tracking events from CSV, JSON or NDJSON exports, as a Carrier."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import opsctl_files
import pytest
from opsctl_files.carrier import FileCarrier

from opsctl.errors import ConfigError, DataError
from opsctl.tracking import Carrier, ProblemKind, TrackingStatus

ROWS = [
    {
        "tracking_number": "TM123456785GB",
        "carrier": "royalmail",
        "occurred_at": "2026-10-02T09:10:00+01:00",
        "status": "in_transit",
        "raw_code": "EVNMI",
        "description": "Item received at mail centre",
    },
    {
        "tracking_number": "TM123456785GB",
        "carrier": "royalmail",
        "occurred_at": "2026-10-01T16:46:52+01:00",
        "raw_code": "picked_up",
        "description": "Item collected from sender",
    },
    {
        "tracking_number": "TM123456785GB",
        "carrier": "royalmail",
        "occurred_at": "2026-10-03T11:08:29+01:00",
        "raw_code": "EVKSP",
        "description": "Delivered",
    },
    {
        "tracking_number": "15501234567890",
        "carrier": "dpd",
        "occurred_at": "2026-10-02 08:00:00",
        "raw_code": "SCAN_99",
        "description": "Scanned",
    },
]


def write_export(folder: Path, fmt: str, rows: list[dict] = ROWS) -> Path:
    path = folder / f"events.{fmt}"
    if fmt == "ndjson":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        lines = [",".join(columns)]
        lines += [",".join(str(row.get(column, "")) for column in columns) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_file_carrier_follows_the_carrier_protocol():
    carrier = FileCarrier()
    assert isinstance(carrier, Carrier)
    assert carrier.name == "file"
    assert carrier.transit_time("Tracked 24") is None


def test_hook_register_carriers_registers_the_file_carrier():
    registered = []
    opsctl_files.register_carriers(registered.append)
    assert [type(carrier) for carrier in registered] == [FileCarrier]


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_events_of_each_number_come_from_the_export_oldest_first(tmp_path, fmt):
    carrier = FileCarrier().configure({"path": str(write_export(tmp_path, fmt))})
    result = carrier.track(["TM123456785GB", " TM123456785GB ", "LX000000000GB"])
    assert [parcel.tracking_number for parcel in result] == ["TM123456785GB", "LX000000000GB"]
    parcel = result["TM123456785GB"]
    assert [event.raw_code for event in parcel.events] == ["picked_up", "EVNMI", "EVKSP"]
    assert parcel.events[0].occurred_at == datetime(2026, 10, 1, 15, 46, 52, tzinfo=timezone.utc)
    missing = result["LX000000000GB"]
    assert missing.problem.kind is ProblemKind.NOT_FOUND
    assert f"events.{fmt} has no events" in missing.problem.message


def test_statuses_pass_through_and_unknown_raw_codes_stay_unmapped(tmp_path):
    carrier = FileCarrier().configure({"path": str(write_export(tmp_path, "ndjson"))})
    events = carrier.track(["TM123456785GB"])["TM123456785GB"].events
    assert [event.status for event in events] == [
        TrackingStatus.PICKED_UP,  # a raw code that is a normalised status passes through
        TrackingStatus.IN_TRANSIT,  # the export's own status is kept
        None,  # EVKSP: not guessed
    ]
    assert carrier.map_status("delivered") is TrackingStatus.DELIVERED
    assert carrier.map_status("Delivered") is None
    assert carrier.map_status("EVKSP") is None
    assert len(carrier.known_codes()) == len(TrackingStatus)


def test_configured_codes_map_raw_codes(tmp_path):
    carrier = FileCarrier().configure(
        {"path": str(write_export(tmp_path, "ndjson")), "codes": {"EVKSP": "delivered"}}
    )
    latest = carrier.track(["TM123456785GB"])["TM123456785GB"].latest
    assert latest.raw_code == "EVKSP"
    assert latest.status is TrackingStatus.DELIVERED
    entry = carrier.known_codes().entry("EVKSP")
    assert "[plugins.files.codes]" in entry.description


def test_times_without_an_offset_are_read_in_the_timezone_setting(tmp_path):
    carrier = FileCarrier().configure(
        {"path": str(write_export(tmp_path, "ndjson")), "timezone": "Europe/Berlin"}
    )
    event = carrier.track(["15501234567890"])["15501234567890"].latest
    assert event.occurred_at.astimezone(timezone.utc).hour == 6  # 08:00 CEST


def test_serves_the_carrier_names_it_is_given():
    assert FileCarrier().configure({"carriers": ["royalmail", "dpd"]}).serves == (
        "royalmail",
        "dpd",
    )
    assert FileCarrier().configure({"carriers": "royalmail"}).serves == ("royalmail",)


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"codes": {"EVKSP": "arrived"}}, "plugins.files.codes.EVKSP"),
        ({"codes": {"delivered": "in_transit"}}, "plugins.files.codes"),
        ({"carriers": [1, 2]}, "plugins.files.carriers"),
        ({"on_bad_rows": "ignore"}, "plugins.files.on_bad_rows"),
        ({"timezone": "Mars/Olympus"}, "plugins.files.timezone"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_key(settings, key):
    with pytest.raises(ConfigError) as raised:
        FileCarrier().configure(settings)
    assert raised.value.key == key


def test_tracking_without_a_path_says_how_to_set_it():
    with pytest.raises(ConfigError, match=r'add path = "exports/events.ndjson"'):
        FileCarrier().configure({}).track(["TM123456785GB"])


def test_a_bad_row_names_file_and_line_unless_skipped(tmp_path):
    rows = [*ROWS, {"tracking_number": "X1", "occurred_at": "yesterday", "status": "delivered"}]
    path = write_export(tmp_path, "ndjson", rows)
    with pytest.raises(DataError, match=r"events.ndjson:5"):
        FileCarrier().configure({"path": str(path)}).track(["X1"])
    lenient = FileCarrier().configure({"path": str(path), "on_bad_rows": "skip"})
    assert lenient.track(["X1"])["X1"].problem.kind is ProblemKind.NOT_FOUND
    assert len(lenient.track(["TM123456785GB"])["TM123456785GB"].events) == 3
    assert (tmp_path / "events.quarantine.ndjson").exists()


def test_a_missing_export_is_a_data_error(tmp_path):
    carrier = FileCarrier().configure({"path": str(tmp_path / "absent.ndjson")})
    with pytest.raises(DataError, match="cannot read"):
        carrier.track(["TM123456785GB"])


def test_the_export_is_read_once_per_configured_carrier(tmp_path):
    path = write_export(tmp_path, "ndjson")
    carrier = FileCarrier().configure({"path": str(path)})
    assert carrier.track(["TM123456785GB"])["TM123456785GB"].events
    path.unlink()
    assert carrier.track(["TM123456785GB"])["TM123456785GB"].events
    with pytest.raises(DataError):
        FileCarrier().configure({"path": str(path)}).track(["TM123456785GB"])
