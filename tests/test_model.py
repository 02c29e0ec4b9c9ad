"""The typed data model: schemas match the data contract, values convert exactly."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opsctl.errors import UsageError
from opsctl.model import ENTITIES, Order, key_text, schema_for
from opsctl.model.types import (
    BOOLEAN,
    DEADLINE,
    EPOCH_OR_TIMESTAMP,
    TIMESTAMP,
    WEEKDAYS,
    parse_list,
)
from opsctl.tracking import TrackingEvent, TrackingStatus

FORMATS = Path(__file__).resolve().parents[2] / "shared" / "FORMATS.md"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "formats.md"
LONDON = ZoneInfo("Europe/London")


def contract_columns() -> dict[str, tuple[list[str], list[str]]]:
    """entity -> (all columns, required columns) as FORMATS.md's table lists them."""
    entities = {}
    for line in FORMATS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (\w+) \| (.+) \|$", line)
        if not match or match.group(1) == "entity":
            continue
        names, required = [], []
        cells = match.group(2).removeprefix("GA4 event shape: ")
        for cell in re.split(r",(?![^(]*\))", cells):
            found = re.match(r"\s*(\*\*)?(\w+)", cell)
            names.append(found.group(2))
            if found.group(1):
                required.append(found.group(2))
            names += re.findall(r"\*\*(\w+)\*\* \(one of them\)", cell)
        entities[match.group(1)] = (names, required)
    return entities


def test_every_entity_and_column_of_the_contract_has_a_schema():
    for entity, (columns, required) in contract_columns().items():
        schema = schema_for(entity)
        assert set(columns) <= set(schema.column_names), entity
        # "status or raw_code" is required as a pair, by a record check.
        assert set(required) - {"status", "raw_code"} <= set(schema.required), entity
    assert set(contract_columns()) == set(ENTITIES)


def test_docs_describe_every_column_of_every_entity():
    text = DOCS.read_text(encoding="utf-8")
    for entity, schema in ENTITIES.items():
        section = text.split(f"### {entity}\n", 1)[1].split("\n### ", 1)[0]
        for column in schema.columns:
            assert f"`{column.name}`" in section, f"{entity}.{column.name} missing from docs"


def test_entities_are_in_dependency_order():
    names = list(ENTITIES)
    assert names.index("locations") < names.index("stock")
    assert names.index("orders") < names.index("order_lines") < names.index("shipments")


def test_unknown_entity_names_the_known_ones():
    with pytest.raises(UsageError, match="expected one of locations, carrier_services"):
        schema_for("parcels")


def test_timestamps_without_offset_are_read_in_the_given_timezone():
    summer = TIMESTAMP.parse("2026-07-01 10:00", LONDON)
    assert summer.utcoffset() == timedelta(hours=1)
    assert TIMESTAMP.parse("2026-07-01T10:00:00Z", LONDON).utcoffset() == timedelta(0)
    with pytest.raises(ValueError):
        TIMESTAMP.parse("2026-02-31 10:00", LONDON)


def test_a_deadline_is_a_date_alone_or_a_timestamp():
    assert DEADLINE.parse("2026-03-01", LONDON) == date(2026, 3, 1)
    assert DEADLINE.parse("2026-03-01T18:00:00+01:00", LONDON) == datetime(
        2026, 3, 1, 17, tzinfo=timezone.utc
    )


def test_ga4_microseconds_convert_exactly():
    moment = EPOCH_OR_TIMESTAMP.parse("1767225600123456", timezone.utc)
    assert moment == datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc)
    assert EPOCH_OR_TIMESTAMP.parse("2026-01-01T00:00:00Z", LONDON) == datetime(
        2026, 1, 1, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("Yes", True), ("no", False)],
)
def test_booleans(text, value):
    assert BOOLEAN.parse(text, timezone.utc) is value


def test_weekdays_and_lists():
    assert WEEKDAYS.parse("Mon-Fri", timezone.utc) == (0, 1, 2, 3, 4)
    assert WEEKDAYS.parse("mon;wed;Sat-Sun", timezone.utc) == (0, 2, 5, 6)
    with pytest.raises(KeyError):
        WEEKDAYS.parse("Mon-Funday", timezone.utc)
    assert parse_list(" web; amazon ;;ebay") == ("web", "amazon", "ebay")


def test_closed_and_open_enums():
    tracking = schema_for("tracking_events")
    assert tracking.column("status").choices["delivered"] is TrackingStatus.DELIVERED
    assert tracking.record is TrackingEvent
    orders = schema_for("orders")
    assert orders.column("status").choices is None  # open: any status text is kept
    assert orders.column("customer_type").default == "retail"


def test_locations_default_their_calendar_to_their_country():
    locations = schema_for("locations")
    assert locations.column("calendar").default_from == "country"
    assert locations.column("cutoff_local").default == time(14, 0)


def test_key_text_is_unambiguous():
    assert key_text(("ab", "c")) != key_text(("a", "bc"))
    assert key_text(("a:1", "b")) != key_text(("a", "1b"))


def test_records_keep_money_exact_and_extra_columns():
    order = Order(
        "A1",
        "web",
        datetime(2026, 1, 1, tzinfo=timezone.utc),
        "retail",
        "EUR",
        "GB",
        None,
        None,
        None,
        "standard",
        None,
        Decimal("0.10"),
        "open",
        None,
        {"gift": "yes"},
    )
    assert order.shipping_paid * 3 == Decimal("0.30")
    assert order.extra == {"gift": "yes"}
