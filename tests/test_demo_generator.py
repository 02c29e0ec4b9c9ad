"""The demo shop generator and the committed fixtures it made.

The fixtures are checked against the data contract (../shared/FORMATS.md): required
columns, formats, enums, references between files, consistent tracking timelines,
and the planted scenarios that the rest of opsctl is demonstrated and tested on.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest

from opsctl.demo import generate
from opsctl.demo.calendars import day_number, is_holiday, is_working_day
from opsctl.demo.carrier_codes import EVENT_CODES, UNMAPPED_CODES
from opsctl.demo.catalogue import LOW_STOCK_SKUS, PRODUCTS, SOLD_OUT_SKUS
from opsctl.demo.generator import main
from opsctl.demo.outputs import FILES
from opsctl.tracking import TrackingStatus

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_ARGS = {"orders": 2000, "seed": 20261101, "days": 30, "start": date(2026, 10, 1)}
AS_OF = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)

REQUIRED = {
    "locations": {"location_id", "country", "timezone"},
    "stock": {"location_id", "sku", "on_hand"},
    "carrier_services": {
        "carrier",
        "service",
        "origin_country",
        "dest_country",
        "transit_days_max",
        "currency",
    },
    "orders": {"order_id", "channel", "placed_at", "currency", "ship_to_country"},
    "order_lines": {"order_id", "sku", "quantity", "unit_price"},
    "shipments": {"shipment_id", "order_id", "carrier", "tracking_number"},
    "tracking_events": {"tracking_number", "occurred_at"},
    "returns": {"return_id", "order_id", "sku", "quantity"},
    "reviews": {"review_id", "source", "rating", "created_at"},
    "checkout_events": {"event_timestamp", "event_name", "user_pseudo_id"},
}
MONEY = re.compile(r"^\d+\.\d{2}$")
STATUSES = {status.value for status in TrackingStatus}


def _load(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    if path.suffix == ".ndjson":
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shop() -> dict[str, list[dict]]:
    """Every entity of the committed fixtures, loaded."""
    return {entity: _load(FIXTURES / name) for entity, name in FILES.items()}


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".db" not in path.name
    }


def _parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


# ----------------------------------------------------------------------------- generation
def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", orders=150, seed=7)
    second = generate(tmp_path / "b", orders=150, seed=7)
    assert first == second
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_other_seed_gives_other_orders(tmp_path: Path) -> None:
    generate(tmp_path / "a", orders=150, seed=7)
    generate(tmp_path / "b", orders=150, seed=8)
    assert (tmp_path / "a" / "orders.csv").read_bytes() != (
        tmp_path / "b" / "orders.csv"
    ).read_bytes()


def test_committed_fixtures_equal_a_fresh_generation(tmp_path: Path) -> None:
    counts = generate(tmp_path, **FIXTURE_ARGS)
    fresh, committed = _files(tmp_path), _files(FIXTURES)
    fresh.pop("opsctl.toml")  # other commands add sections to it: see the config test
    missing = sorted(set(fresh) - set(committed))
    assert not missing, f"fixtures/ lacks generated files: {missing}"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert not drifted, (
        f"fixtures differ from the generator's output: {drifted}; regenerate "
        "with the command in fixtures/README.md"
    )
    assert counts["orders.csv"] == 2000


def test_generator_keeps_an_existing_config(tmp_path: Path) -> None:
    config = tmp_path / "opsctl.toml"
    config.write_text('[defaults]\ntimezone = "UTC"\n', encoding="utf-8")
    generate(tmp_path, orders=20, seed=1, days=2)
    assert config.read_text(encoding="utf-8") == '[defaults]\ntimezone = "UTC"\n'


def test_counts_match_the_files(tmp_path: Path) -> None:
    counts = generate(tmp_path, orders=120, seed=3, days=5)
    for entity, name in FILES.items():
        assert len(_load(tmp_path / name)) == counts[name], entity
    assert counts["orders.csv"] == 120


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "--out",
                str(tmp_path),
                "--orders",
                "40",
                "--seed",
                "5",
                "--days",
                "3",
                "--start",
                "2027-03-01",
            ]
        )
        == 0
    )
    assert "orders.csv" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["as_of"] == "2027-03-06T09:00:00Z"
    assert manifest["files"]["orders.csv"] == 40


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, orders=0)


def test_fixtures_stay_small() -> None:
    size = sum(path.stat().st_size for path in FIXTURES.rglob("*") if path.is_file())
    assert size < 8_000_000


# ----------------------------------------------------------------------------- the contract
def test_every_file_has_its_required_columns(shop: dict[str, list[dict]]) -> None:
    for entity, required in REQUIRED.items():
        records = shop[entity]
        assert records, entity
        for number, record in enumerate(records, start=2):
            missing = [column for column in required if record.get(column) in (None, "")]
            assert not missing, f"{entity} record {number} lacks {missing}"


def test_tracking_events_have_status_or_raw_code(shop: dict[str, list[dict]]) -> None:
    for event in shop["tracking_events"]:
        assert event.get("status") or event.get("raw_code")
        assert event["status"] is None or event["status"] in STATUSES


def test_config_ties_every_entity_to_its_file(tmp_path: Path) -> None:
    generate(tmp_path, orders=20, seed=1, days=2)
    generated = tomllib.loads((tmp_path / "opsctl.toml").read_text(encoding="utf-8"))
    assert set(generated) == {"defaults", "state", "data"}
    assert generated["defaults"] == {
        "timezone": "Europe/London",
        "currency": "GBP",
        "format": "table",
    }
    assert generated["state"] == {"path": "demo-state.db"}
    assert generated["data"] == FILES
    committed = tomllib.loads((FIXTURES / "opsctl.toml").read_text(encoding="utf-8"))
    for section, table in generated.items():
        for key, value in table.items():
            assert committed[section][key] == value, f"[{section}] {key}"
    for name in committed["data"].values():
        assert (FIXTURES / name).is_file()


def test_value_formats(shop: dict[str, list[dict]]) -> None:
    for order in shop["orders"]:
        _parse(order["placed_at"])
        date.fromisoformat(order["promised_by"])
        assert MONEY.match(order["shipping_paid"])
        assert order["currency"] in ("GBP", "EUR", "USD")
        assert order["channel"] in ("web", "amazon", "ebay", "wholesale")
        assert order["service_level"] in ("economy", "standard", "express")
        assert (order["status"] == "cancelled") == bool(order["cancel_reason"])
    for line in shop["order_lines"]:
        assert MONEY.match(line["unit_price"]) and int(line["quantity"]) >= 1
    for service in shop["carrier_services"]:
        assert service["saturday_delivery"] in ("true", "false")
        assert MONEY.match(service["base_cost"]) and MONEY.match(service["cost_per_kg"])
    for shipment in shop["shipments"]:
        assert MONEY.match(shipment["shipping_cost"])
        for column in ("shipped_at", "delivered_at"):
            if shipment[column]:
                assert _parse(shipment[column]).tzinfo is not None
    for review in shop["reviews"]:
        assert review["rating"] in (1, 2, 3, 4, 5)
        assert review["source"] in ("trustpilot", "google", "amazon")
    for event in shop["checkout_events"]:
        assert isinstance(event["event_timestamp"], int)


def test_placed_at_mixes_offsets(shop: dict[str, list[dict]]) -> None:
    suffixes = {order["placed_at"][19:] for order in shop["orders"]}
    assert {"Z", "+01:00", "+00:00"} <= suffixes


# ----------------------------------------------------------------------------- references
def test_references_between_files(shop: dict[str, list[dict]]) -> None:
    orders = {order["order_id"] for order in shop["orders"]}
    locations = {location["location_id"] for location in shop["locations"]}
    skus = {product.sku for product in PRODUCTS}
    shipments = {shipment["shipment_id"] for shipment in shop["shipments"]}
    tracking_numbers = {shipment["tracking_number"] for shipment in shop["shipments"]}
    assert len(orders) == len(shop["orders"])
    assert len(tracking_numbers) == len(shop["shipments"]), "tracking numbers repeat"
    assert {line["order_id"] for line in shop["order_lines"]} == orders
    assert {line["sku"] for line in shop["order_lines"]} <= skus
    assert {shipment["order_id"] for shipment in shop["shipments"]} <= orders
    assert {shipment["location_id"] for shipment in shop["shipments"]} <= locations
    assert {event["tracking_number"] for event in shop["tracking_events"]} == tracking_numbers
    assert {row["location_id"] for row in shop["stock"]} == locations
    assert {row["sku"] for row in shop["stock"]} <= skus
    assert {row["order_id"] for row in shop["returns"]} <= orders
    assert {row["shipment_id"] for row in shop["returns"]} <= shipments
    linked = {review["order_id"] for review in shop["reviews"] if review["order_id"]}
    assert linked <= orders
    purchases = [e for e in shop["checkout_events"] if e["event_name"] == "purchase"]
    assert {e["transaction_id"] for e in purchases} == {
        o["order_id"] for o in shop["orders"] if o["channel"] == "web"
    }


def test_cancelled_orders_have_no_shipments(shop: dict[str, list[dict]]) -> None:
    cancelled = {o["order_id"] for o in shop["orders"] if o["status"] == "cancelled"}
    assert cancelled
    assert not cancelled & {shipment["order_id"] for shipment in shop["shipments"]}


# ----------------------------------------------------------------------------- timelines
def test_tracking_timelines_are_consistent(shop: dict[str, list[dict]]) -> None:
    events = defaultdict(list)
    for event in shop["tracking_events"]:
        events[event["tracking_number"]].append(event)
    for shipment in shop["shipments"]:
        timeline = events[shipment["tracking_number"]]
        moments = [_parse(event["occurred_at"]) for event in timeline]
        assert moments == sorted(moments), shipment["shipment_id"]
        assert moments[0] >= _parse(shipment["shipped_at"])
        assert moments[-1] <= AS_OF
        assert all(moment.hour >= 5 and moment.weekday() != 6 for moment in moments)
        delivered = [_parse(e["occurred_at"]) for e in timeline if e["status"] == "delivered"]
        if shipment["delivered_at"]:
            assert _parse(shipment["delivered_at"]) == delivered[-1]
        else:
            assert not delivered


def test_raw_codes_map_to_one_status_per_carrier(shop: dict[str, list[dict]]) -> None:
    seen: dict[tuple[str, str], set] = defaultdict(set)
    for event in shop["tracking_events"]:
        seen[(event["carrier"], event["raw_code"])].add(event["status"])
    assert all(len(statuses) == 1 for statuses in seen.values())
    for carrier, codes in EVENT_CODES.items():
        table: dict[str, set] = defaultdict(set)
        for raw_code, status, _ in codes.values():
            table[raw_code].add(status)
        assert all(len(statuses) == 1 for statuses in table.values()), carrier


def test_tracking_numbers_look_like_the_carriers(shop: dict[str, list[dict]]) -> None:
    patterns = {
        "ups": r"1Z[0-9A-Z]{16}",
        "dhl": r"\d{10}",
        "fedex": r"\d{12}",
        "usps": r"9\d{21}",
        "royalmail": r"[A-Z]{2}\d{9}GB",
        "dpd": r"\d{14}",
    }
    for shipment in shop["shipments"]:
        number = shipment["tracking_number"]
        assert re.fullmatch(patterns[shipment["carrier"]], number), number
        if shipment["carrier"] == "dhl":
            assert int(number[:9]) % 7 == int(number[9])
    assert {shipment["carrier"] for shipment in shop["shipments"]} == set(patterns)


# ----------------------------------------------------------------------------- scenarios
def test_planted_delivery_scenarios(shop: dict[str, list[dict]]) -> None:
    scenarios = {shipment["demo_scenario"] for shipment in shop["shipments"]}
    assert {
        "late",
        "stalled_before_pickup",
        "stalled_in_transit",
        "lost",
        "failed_attempt",
        "returned_to_sender",
        "address_exception",
        "customs_hold",
    } <= scenarios
    late = [
        s
        for s in shop["shipments"]
        if s["delivered_at"]
        and _parse(s["delivered_at"]).date() > date.fromisoformat(s["promised_by"])
    ]
    assert len(late) > 50
    statuses = {event["status"] for event in shop["tracking_events"]}
    assert {
        "exception",
        "attempt_failed",
        "available_for_pickup",
        "return_to_sender",
        "out_for_delivery",
        "picked_up",
        "unknown",
        None,
    } <= statuses
    unmapped = {
        (e["carrier"], e["raw_code"]) for e in shop["tracking_events"] if e["status"] is None
    }
    assert unmapped and unmapped <= set(UNMAPPED_CODES.items())
    in_transit = [s for s in shop["shipments"] if not s["delivered_at"]]
    assert len(in_transit) > 50, "some parcels must still be on their way at the export"


def test_stalled_parcels_go_quiet_for_days(shop: dict[str, list[dict]]) -> None:
    events = defaultdict(list)
    for event in shop["tracking_events"]:
        events[event["tracking_number"]].append(_parse(event["occurred_at"]))
    quiet = 0
    for shipment in shop["shipments"]:
        if shipment["demo_scenario"] in ("stalled_in_transit", "lost"):
            moments = events[shipment["tracking_number"]]
            ends = [*moments, AS_OF] if not shipment["delivered_at"] else moments
            gaps = [later - earlier for earlier, later in pairwise(ends)]
            quiet += max(gaps) >= timedelta(days=3)
    assert quiet >= 10


def test_stock_runs_out(shop: dict[str, list[dict]]) -> None:
    stock = shop["stock"]
    sold_out = {row["sku"] for row in stock if row["on_hand"] == "0"}
    assert set(SOLD_OUT_SKUS) <= sold_out
    short = [row for row in stock if row["sku"] in LOW_STOCK_SKUS]
    assert all(int(row["on_hand"]) <= int(row["safety_stock"]) for row in short)
    assert any(int(row["reserved"]) > 0 for row in stock)
    out_of_stock = [o for o in shop["orders"] if o["cancel_reason"] == "out_of_stock"]
    assert len(out_of_stock) >= 10


def test_orders_split_and_wait(shop: dict[str, list[dict]]) -> None:
    per_order = defaultdict(int)
    for shipment in shop["shipments"]:
        per_order[shipment["order_id"]] += 1
    assert sum(count > 1 for count in per_order.values()) > 50
    statuses = {order["fulfillment_status"] for order in shop["orders"]}
    assert {"fulfilled", "partial", "unfulfilled"} <= statuses


def test_returns_share_of_delivered_orders(shop: dict[str, list[dict]]) -> None:
    delivered = {s["order_id"] for s in shop["shipments"] if s["delivered_at"]}
    returned = {row["order_id"] for row in shop["returns"]}
    assert 0.06 <= len(returned) / len(delivered) <= 0.14
    assert {"requested", "received", "refunded"} == {row["status"] for row in shop["returns"]}


def test_reviews_follow_delivery_outcomes(shop: dict[str, list[dict]]) -> None:
    reviews = shop["reviews"]
    assert 150 <= len(reviews) <= 500
    assert len({review["language"] for review in reviews}) >= 4
    assert {review["source"] for review in reviews} == {"trustpilot", "google", "amazon"}
    topics = {review["demo_topic"] for review in reviews}
    assert {"late_delivery", "no_updates", "out_of_stock", "shipping_cost", "slow_refund"} <= topics
    angry = [r for r in reviews if r["demo_topic"] in ("late_delivery", "no_updates")]
    assert sum(r["rating"] for r in angry) / len(angry) < 2.5
    assert sum(review["order_id"] is None for review in reviews) > 0
    assert sum(review["order_id"] is not None for review in reviews) > 0.8 * len(reviews)


def test_checkout_funnel_drops_off_worse_on_mobile(shop: dict[str, list[dict]]) -> None:
    sessions: dict[tuple[str, int], set[str]] = defaultdict(set)
    devices = {}
    for event in shop["checkout_events"]:
        key = (event["user_pseudo_id"], event["ga_session_id"])
        sessions[key].add(event["event_name"])
        devices[key] = event["device_category"]

    def abandonment(device: str | None) -> float:
        chosen = [
            names for key, names in sessions.items() if device is None or devices[key] == device
        ]
        return 1 - sum("purchase" in names for names in chosen) / len(chosen)

    assert 0.62 <= abandonment(None) <= 0.78
    assert abandonment("mobile") > abandonment("desktop") + 0.1


# ----------------------------------------------------------------------------- checkout
class _FormFields(HTMLParser):
    """Collects the form controls of a page: name -> attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("name"):
            kind = attributes.get("type") or tag
            self.fields.setdefault(str(attributes["name"]), {**attributes, "type": kind})


def test_checkout_pages_match_the_spec() -> None:
    spec = tomllib.loads((FIXTURES / "checkout" / "spec.toml").read_text(encoding="utf-8"))
    assert [step["id"] for step in spec["steps"]] == [
        "cart",
        "information",
        "shipping",
        "payment",
        "confirmation",
    ]
    assert spec["account"]["guest_checkout"] is True
    assert spec["help"]["live_chat"] is False
    for step in spec["steps"]:
        html = (FIXTURES / "checkout" / step["page"]).read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        parser = _FormFields()
        parser.feed(html)
        for field in step["fields"]:
            control = parser.fields.get(field["name"])
            assert control is not None, f"{step['id']}: {field['name']} not on the page"
            assert control["type"] == field["type"], field["name"]
            assert ("required" in control) == field["required"], field["name"]
            assert control.get("autocomplete") == field.get("autocomplete"), field["name"]


# ----------------------------------------------------------------------------- calendars
def test_holidays_carriers_skip() -> None:
    assert is_holiday("IE", day_number(date(2026, 10, 26)))  # October bank holiday
    assert is_holiday("US-NV", day_number(date(2026, 10, 12)))  # Columbus Day
    assert is_holiday("GB-ENG", day_number(date(2026, 4, 3)))  # Good Friday
    assert not is_working_day("GB-ENG", day_number(date(2026, 10, 31)))  # a Saturday
    assert is_working_day("GB-ENG", day_number(date(2026, 10, 31)), saturday=True)
