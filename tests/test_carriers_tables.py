"""Carrier plugins as plugins: registration, light imports, code and transit tables, helpers."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import opsctl_dhl
import opsctl_fedex
import opsctl_ups
import opsctl_usps
import pytest
from opsctl_dhl.carrier import DhlCarrier
from opsctl_fedex.carrier import FedexCarrier
from opsctl_ups.carrier import UpsCarrier
from opsctl_usps.carrier import UspsCarrier

from opsctl.errors import ConfigError
from opsctl.plugins import PluginHost
from opsctl.tracking import (
    CodeTable,
    ParcelTracking,
    TrackingEvent,
    TrackResult,
    TransitTable,
    TransitTime,
    UnreadablePayload,
    carrier_timezone,
    parse_timestamp,
    parse_utc_offset,
)
from opsctl.tracking import TrackingStatus as S

CARRIERS = [DhlCarrier, UpsCarrier, FedexCarrier, UspsCarrier]
PLUGINS = [("dhl", opsctl_dhl), ("ups", opsctl_ups), ("fedex", opsctl_fedex), ("usps", opsctl_usps)]


def test_the_plugins_register_their_carriers_through_the_hook():
    host = PluginHost(environ={}, extra_plugins=PLUGINS, discover=False)
    assert host.registry.names("carriers") == ["dhl", "fedex", "ups", "usps"]
    for name, _ in PLUGINS:
        assert host.registry.by_plugin(name) == {"carriers": [name]}
    assert host.problems == []


def test_loading_the_plugins_and_their_carriers_imports_no_http_library():
    script = (
        "import sys\n"
        "from opsctl.plugins import PluginHost\n"
        "import opsctl_dhl, opsctl_ups, opsctl_fedex, opsctl_usps\n"
        "plugins = [(m.__name__, m) for m in (opsctl_dhl, opsctl_ups, opsctl_fedex, opsctl_usps)]\n"
        "host = PluginHost(environ={}, extra_plugins=plugins, discover=False)\n"
        "assert len(host.registry.names('carriers')) == 4\n"
        "heavy = sorted(m for m in ('requests', 'urllib3', 'httpx') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.strip() == ""


# -- code tables --------------------------------------------------------------------------

#: The statuses each carrier's documented codes must be able to express.
EXPECTED_STATUSES = {
    "dhl": set(S) - {S.CANCELLED},
    "ups": set(S),
    "fedex": set(S) - {S.ATTEMPT_FAILED, S.UNKNOWN},
    "usps": set(S) - {S.CANCELLED, S.UNKNOWN},
}


@pytest.mark.parametrize("carrier", CARRIERS, ids=lambda c: c.name)
def test_each_code_table_cites_its_source_and_covers_the_lifecycle(carrier):
    table = carrier().known_codes()
    assert isinstance(table, CodeTable)
    assert len(table.source) > 40
    assert {entry.status for entry in table.entries()} == EXPECTED_STATUSES[carrier.name]
    assert all(entry.description for entry in table.entries())


@pytest.mark.parametrize("carrier", CARRIERS, ids=lambda c: c.name)
@pytest.mark.parametrize("code", ["NOT-A-CODE", "", "999", "?"])
def test_unknown_codes_are_unmapped(carrier, code):
    assert carrier().map_status(code) is None


def test_a_code_table_refuses_duplicates():
    with pytest.raises(ValueError, match="listed twice"):
        CodeTable(
            [("A", S.DELIVERED, "a"), ("a ", S.IN_TRANSIT, "b")],
            source="x",
            normalize=lambda code: code.strip().upper(),
        )


def test_a_code_table_is_a_mapping_in_table_order():
    table = CodeTable([("B", S.DELIVERED, "b"), ("A", S.IN_TRANSIT, "a")], source="test")
    assert list(table) == ["B", "A"]
    assert table["A"].status is S.IN_TRANSIT
    assert "B" in table and "C" not in table
    assert table.status_of(None) is None


# -- transit tables --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("carrier", "service", "days"),
    [
        (UpsCarrier, "UPS Ground", (1, 5)),
        (UpsCarrier, "03", (1, 5)),
        (UpsCarrier, "UPS Next Day Air®", (1, 1)),
        (UpsCarrier, "ups 2nd day air", (2, 2)),
        (DhlCarrier, "EXPRESS WORLDWIDE", (1, 3)),
        (DhlCarrier, "parcel-de", (1, 2)),
        (FedexCarrier, "FEDEX_GROUND", (1, 5)),
        (FedexCarrier, "FedEx Priority Overnight", (1, 1)),
        (UspsCarrier, "USPS_GROUND_ADVANTAGE", (2, 5)),
        (UspsCarrier, "Priority Mail Express", (1, 2)),
    ],
)
def test_standard_transit_times(carrier, service, days):
    transit = carrier().transit_time(service)
    assert (transit.min_days, transit.max_days) == days


@pytest.mark.parametrize("carrier", CARRIERS, ids=lambda c: c.name)
def test_each_transit_table_cites_its_source(carrier):
    table = carrier.transit_times
    assert isinstance(table, TransitTable)
    assert table.source
    assert len(table) >= 7
    assert carrier().transit_time("Teleportation Overnight") is None
    assert carrier().transit_time("") is None


def test_a_transit_table_refuses_a_name_for_two_services():
    with pytest.raises(ValueError, match="names two services"):
        TransitTable(
            [TransitTime("Fast", 1, 1), TransitTime("Slow", 3, 5, aliases=("FAST",))], source="x"
        )
    with pytest.raises(ValueError):
        TransitTime("Backwards", 5, 1)


# -- timestamps --------------------------------------------------------------------------------

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T10:22:00Z", datetime(2024, 3, 5, 10, 22, tzinfo=UTC)),
        ("2024-03-05T10:22:00.1234567Z", datetime(2024, 3, 5, 10, 22, 0, 123456, tzinfo=UTC)),
        ("2024-03-05T10:22:00-05:00", datetime(2024, 3, 5, 15, 22, tzinfo=UTC)),
        ("2024-03-05T10:22:00+0100", datetime(2024, 3, 5, 9, 22, tzinfo=UTC)),
        ("2024-03-05 10:22-7:00", datetime(2024, 3, 5, 17, 22, tzinfo=UTC)),
    ],
)
def test_timestamps_with_an_offset_are_exact(text, expected):
    moment, assumed = parse_timestamp(text, assume=ZoneInfo("Asia/Tokyo"))
    assert moment == expected
    assert not assumed


def test_timestamps_without_an_offset_are_read_in_the_assumed_zone_and_flagged():
    moment, assumed = parse_timestamp("2024-07-01T12:00:00", assume=ZoneInfo("Europe/Berlin"))
    assert moment.utcoffset() == timedelta(hours=2)
    assert assumed


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01T00:00:00", "2024-03-05", ""])
def test_bad_timestamps_are_unreadable(text):
    with pytest.raises(UnreadablePayload):
        parse_timestamp(text, assume=UTC)


def test_utc_offsets_in_carrier_notation():
    assert parse_utc_offset("-7:00") == timezone(timedelta(hours=-7))
    assert parse_utc_offset("+0530") == timezone(timedelta(hours=5, minutes=30))
    assert parse_utc_offset("Z") == UTC
    with pytest.raises(UnreadablePayload):
        parse_utc_offset("-25:00")


def test_the_timezone_setting_is_validated():
    assert carrier_timezone("dhl", {"timezone": "Europe/Berlin"}) == ZoneInfo("Europe/Berlin")
    assert carrier_timezone("dhl", {}) == ZoneInfo("UTC")
    with pytest.raises(ConfigError, match=r"plugins\.dhl\.timezone: 'Mars/Olympus' is not"):
        carrier_timezone("dhl", {"timezone": "Mars/Olympus"})


def test_a_bad_setting_fails_when_the_carrier_is_configured():
    with pytest.raises(ConfigError, match=r"plugins\.fedex\.timeout"):
        FedexCarrier().configure({"timeout": "never"})


# -- results ------------------------------------------------------------------------------------


def test_track_results_index_by_tracking_number():
    event = TrackingEvent("A1", datetime(2024, 1, 1, tzinfo=UTC), None, raw_code="ZZ")
    result = TrackResult("acme", (ParcelTracking("A1", (event,)), ParcelTracking("B2")))
    assert result["A1"].unmapped_codes == ("ZZ",)
    assert result.events == [event]
    assert result.problems == {}
    with pytest.raises(KeyError):
        result["C3"]
