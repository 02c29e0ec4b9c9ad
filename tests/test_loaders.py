"""Loaders: every way a file can be wrong is reported precisely; real-world quirks load."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opsctl.errors import DataError, ExitCode, UsageError
from opsctl.loaders import Loader, load
from opsctl.model import Order, OrderLine
from opsctl.tracking import TrackingStatus

ORDER_HEADER = "order_id,channel,placed_at,currency,ship_to_country"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load_all(entity: str, source, **options) -> list:
    return list(load(entity, source, **options))


def error_of(entity: str, source, **options) -> DataError:
    with pytest.raises(DataError) as caught:
        load_all(entity, source, **options)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    return caught.value


# -- values ------------------------------------------------------------------------------


def test_a_good_orders_file_becomes_typed_records(tmp_path):
    path = write(
        tmp_path,
        "orders.csv",
        "order_id,channel,placed_at,currency,ship_to_country,shipping_paid,promised_by\n"
        "A-1,web,2026-03-02 10:00,EUR,DE,4.95,2026-03-05\n"
        "A-2,amazon,2026-03-02T11:00:00+01:00,EUR,FR,,\n",
    )
    first, second = load_all("orders", path, tz=ZoneInfo("Europe/Berlin"))
    assert first == Order(
        "A-1",
        "web",
        datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Europe/Berlin")),
        "retail",
        "EUR",
        "DE",
        None,
        None,
        None,
        "standard",
        datetime(2026, 3, 5).date(),
        Decimal("4.95"),
        "open",
        None,
        {},
    )
    assert second.placed_at == datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    assert second.shipping_paid is None and second.status == "open"


def test_wrong_type_names_file_line_column_value_and_expectation(tmp_path):
    lines = [ORDER_HEADER] + [f"A-{n},web,2026-02-01 10:00,EUR,GB" for n in range(1830)]
    lines.append("A-bad,web,2026-02-31 10:00,EUR,GB")
    path = write(tmp_path, "orders.csv", "\n".join(lines) + "\n")
    error = error_of("orders", path)
    assert str(error) == (
        f"{path}:1832: placed_at: '2026-02-31 10:00' is not a valid ISO 8601 timestamp"
    )
    assert (error.line, error.column, error.value) == (1832, "placed_at", "2026-02-31 10:00")


@pytest.mark.parametrize(
    ("entity", "header", "row", "message"),
    [
        (
            "order_lines",
            "order_id,sku,quantity,unit_price",
            "A,S,0,1.00",
            "quantity: '0' is not an integer of at least 1",
        ),
        (
            "order_lines",
            "order_id,sku,quantity,unit_price",
            "A,S,1,NaN",
            "unit_price: 'NaN' is not a decimal number of at least 0",
        ),
        (
            "reviews",
            "review_id,source,rating,created_at",
            "R,g,6,2026-01-01",
            "rating: '6' is not an integer from 1 to 5",
        ),
        (
            "locations",
            "location_id,country,timezone",
            "L,gb,Europe/London",
            "country: 'gb' is not an ISO 3166-1 alpha-2 country code such as 'GB'",
        ),
        (
            "locations",
            "location_id,country,timezone",
            "L,GB,Europe/Leeds",
            "timezone: 'Europe/Leeds' is not an IANA timezone name such as 'Europe/London'",
        ),
        (
            "carrier_services",
            "carrier,service,origin_country,dest_country,transit_days_min,transit_days_max,currency",
            "dhl,parcel,DE,*,3,2,EUR",
            "transit_days_min: '3' is more than transit_days_max (2)",
        ),
        (
            "carrier_services",
            "carrier,service,origin_country,dest_country,transit_days_max,currency,saturday_delivery",
            "dhl,parcel,DE,FR,2,EUR,perhaps",
            "saturday_delivery: 'perhaps' is not a boolean (true/false, yes/no, 1/0)",
        ),
        (
            "shipments",
            "shipment_id,order_id,carrier,tracking_number,shipping_cost",
            "S,A,dhl,T1,4.20",
            "currency: missing value: shipping_cost needs a currency",
        ),
        (
            "orders",
            ORDER_HEADER,
            "A,,2026-01-01,EUR,GB",
            "channel: missing value (the column is required)",
        ),
    ],
)
def test_bad_values(tmp_path, entity, header, row, message):
    path = write(tmp_path, "data.csv", f"{header}\n{row}\n")
    assert str(error_of(entity, path)) == f"{path}:2: {message}"


def test_unknown_enum_lists_the_accepted_values(tmp_path):
    path = write(tmp_path, "events.csv", "tracking_number,occurred_at,status\nT1,2026-01-01,lost\n")
    error = error_of("tracking_events", path)
    assert str(error).startswith(f"{path}:2: status: 'lost' is not one of pre_transit, picked_up")


def test_a_tracking_event_needs_a_status_or_a_raw_code(tmp_path):
    path = write(
        tmp_path,
        "events.csv",
        "tracking_number,occurred_at,status,raw_code\n"
        "T1,2026-01-01T08:00Z,in_transit,\nT1,2026-01-01T09:00Z,,X42\nT1,2026-01-01T10:00Z,,\n",
    )
    error = error_of("tracking_events", path)
    assert (
        str(error)
        == f"{path}:4: status: missing value: a tracking event needs a status or a raw_code"
    )
    first, second = load_all("tracking_events", path, on_bad_rows="skip")
    assert first.status is TrackingStatus.IN_TRANSIT and second.raw_code == "X42"


def test_missing_required_column_is_a_header_error_naming_the_column(tmp_path):
    path = write(
        tmp_path, "orders.csv", "order_id,channel,currency,ship_to_country\nA,web,EUR,GB\n"
    )
    error = error_of("orders", path)
    assert str(error) == (
        f"{path}:1: placed_at: missing required column "
        "(the header has: order_id, channel, currency, ship_to_country)"
    )
    # A header error is about the whole file: skipping rows cannot help.
    error_of("orders", path, on_bad_rows="skip")


def test_duplicate_natural_key_within_a_file(tmp_path):
    path = write(
        tmp_path,
        "stock.csv",
        "location_id,sku,on_hand\nLEEDS,S1,4\nLEEDS,S2,1\nLEEDS,S1,7\n",
    )
    error = error_of("stock", path)
    assert str(error) == (
        f"{path}:4: location_id, sku: 'LEEDS', 'S1' is a duplicate: "
        "an earlier row of this file has the same natural key"
    )


def test_tracking_events_key_on_carrier_number_time_and_code(tmp_path):
    path = write(
        tmp_path,
        "events.csv",
        "carrier,tracking_number,occurred_at,status\n"
        "dhl,T1,2026-01-01T10:00:00Z,in_transit\n"
        "ups,T1,2026-01-01T10:00:00Z,in_transit\n"
        "dhl,T1,2026-01-01T11:00:00+01:00,in_transit\n",
    )
    error = error_of("tracking_events", path)  # 11:00+01:00 is 10:00Z: the same event
    assert error.line == 4 and "is a duplicate" in str(error)


def test_broken_quoting_stops_the_load(tmp_path):
    path = write(tmp_path, "orders.csv", f'{ORDER_HEADER}\nA,"web"x,2026-01-01,EUR,GB\n')
    error = error_of("orders", path, on_bad_rows="skip")
    assert str(error).startswith(f"{path}:2: broken CSV quoting: ")


def test_unterminated_quote_names_the_line_where_it_opens(tmp_path):
    rows = [f"A{n},web,2026-01-01,EUR,GB" for n in range(5)]
    rows.insert(2, 'B,"web,2026-01-01,EUR,GB')
    path = write(tmp_path, "orders.csv", ORDER_HEADER + "\n" + "\n".join(rows) + "\n")
    error = error_of("orders", path)
    assert str(error) == f"{path}:4: a quoted field is never closed (unterminated quote)"


def test_latin1_bytes_name_the_line_and_byte_offset(tmp_path):
    content = f"{ORDER_HEADER}\nA,web,2026-01-01,EUR,GB\nB,caf\xe9,2026-01-01,EUR,GB\n"
    path = write(tmp_path, "orders.csv", content.encode("latin-1"))
    offset = content.encode("latin-1").index(b"\xe9")
    error = error_of("orders", path)
    assert str(error) == (
        f"{path}:3: byte 0xe9 at byte offset {offset} is not valid UTF-8 "
        "(is the file in another encoding, such as Latin-1? save it as UTF-8)"
    )


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n"])
def test_empty_file_has_no_header(tmp_path, content):
    path = write(tmp_path, "orders.csv", content)
    assert str(error_of("orders", path)) == (
        f"{path}:1: empty file: expected a header row naming the columns"
    )


def test_a_1_gb_line_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.write(f"{ORDER_HEADER}\nA,".encode())
        handle.truncate(1 << 30)  # sparse: a 1 GB line that costs no disk
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = error_of("orders", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error) == (
        f"{path}:2: line is longer than 8388608 bytes: is this really a line-oriented file? "
        "(the limit guards memory)"
    )
    assert peak < 64 * 2**20
    assert time.perf_counter() - started < 5


def test_a_quoted_field_larger_than_the_limit_is_refused(tmp_path):
    body = "\n".join("x" * 100 for _ in range(100))
    path = write(tmp_path, "orders.csv", f'{ORDER_HEADER}\nA,"{body}",2026-01-01,EUR,GB\n')
    error = error_of("orders", path, max_line_bytes=4096)
    assert str(error) == f"{path}:2: a field is longer than the limit: is a quote unterminated?"


# -- quirks real files have --------------------------------------------------------------


def test_bom_crlf_quoted_newlines_and_extra_columns_are_accepted(tmp_path):
    content = (
        "\ufefforder_id,channel,placed_at,currency,ship_to_country,gift_note\r\n"
        'A-1,web,2026-01-01T09:00Z,EUR,GB,"Happy\r\nbirthday, Sam"\r\n'
        "A-2,web,2026-01-01T09:05Z,EUR,GB,\r\n"
        "A-3,web,2026-02-30T09:05Z,EUR,GB,\r\n"
    )
    path = write(tmp_path, "orders.csv", content)
    first, second = load_all("orders", path, on_bad_rows="skip", quarantine=tmp_path / "q.csv")
    assert first.order_id == "A-1"  # the BOM is not part of the first column's name
    assert first.extra == {"gift_note": "Happy\r\nbirthday, Sam"}
    assert second.extra == {"gift_note": ""}
    quarantined = (tmp_path / "q.csv").read_text(encoding="utf-8")
    assert f"{path}:5: placed_at:" in quarantined  # physical line, past the quoted newline


def test_blank_lines_are_not_rows(tmp_path):
    path = write(tmp_path, "orders.csv", f"{ORDER_HEADER}\n\nA,web,2026-01-01,EUR,GB\n\n")
    assert [order.order_id for order in load_all("orders", path)] == ["A"]


def test_a_row_with_more_fields_than_the_header_is_bad(tmp_path):
    path = write(tmp_path, "orders.csv", f"{ORDER_HEADER}\nA,web,2026-01-01,EUR,GB,surplus\n")
    assert str(error_of("orders", path)) == f"{path}:2: the row has 6 fields but the header has 5"


# -- the bad-rows policy -----------------------------------------------------------------


def test_skip_quarantines_every_kind_of_bad_row_with_its_reason(tmp_path):
    content = (
        f"{ORDER_HEADER},status\n"
        "A1,web,2026-01-01,EUR,GB,open\n"
        "A2,web,not a date,EUR,GB,open\n"  # wrong type
        "A3,web,2026-01-01,EUR,GB\n"  # too few fields
        "A1,web,2026-01-01,EUR,GB,open\n"  # duplicate key
        "A4,web,2026-01-01,EUR,\xe9\xe9,open\n"  # not UTF-8
        "A5,web,2026-01-01,EUR,GB,cancelled\n"
    ).encode("latin-1")
    path = write(tmp_path, "orders.csv", content)
    loader = Loader("orders", path, on_bad_rows="skip")
    assert [order.order_id for order in loader] == ["A1", "A5"]
    assert loader.bad_rows == 4
    assert loader.counts["orders"] == 2
    with open(tmp_path / "orders.quarantine.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["order_id"] for row in rows] == ["A2", "A3", "A1", "A4"]
    assert (
        rows[0]["_error"] == f"{path}:3: placed_at: 'not a date' is not a valid ISO 8601 timestamp"
    )
    assert rows[1]["_error"] == f"{path}:4: the row has 5 fields but the header has 6"
    assert "is a duplicate" in rows[2]["_error"]
    assert rows[3]["_error"].startswith(f"{path}:6: byte 0xe9 at byte offset ")
    assert rows[3]["ship_to_country"] == "\ufffd\ufffd"


def test_error_policy_writes_no_quarantine(tmp_path):
    path = write(tmp_path, "orders.csv", f"{ORDER_HEADER}\nA,web,never,EUR,GB\n")
    error_of("orders", path)
    assert list(tmp_path.iterdir()) == [path]


def test_a_load_that_fails_leaves_no_quarantine_file(tmp_path):
    path = write(
        tmp_path, "orders.csv", f'{ORDER_HEADER}\nA,web,never,EUR,GB\nB,"web"x,2026-01-01,EUR,GB\n'
    )
    error_of("orders", path, on_bad_rows="skip")
    assert list(tmp_path.iterdir()) == [path]


def test_unknown_policy_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="expected error or skip"):
        Loader("orders", write(tmp_path, "o.csv", ORDER_HEADER), on_bad_rows="ignore")


# -- JSON and NDJSON ---------------------------------------------------------------------


def test_json_errors_name_a_json_pointer(tmp_path):
    reviews = [
        {"review_id": str(n), "source": "trustpilot", "rating": 4, "created_at": "2026-01-01"}
        for n in range(12)
    ]
    reviews.append(
        {"review_id": "12", "source": "trustpilot", "rating": 9, "created_at": "2026-01-01"}
    )
    path = write(tmp_path, "reviews.json", json.dumps(reviews, indent=2))
    error = error_of("reviews", path)
    assert str(error) == f"{path}:/12/rating: '9' is not an integer from 1 to 5"
    assert error.column == "rating"


def test_json_numbers_are_exact_decimals_and_extra_values_are_kept(tmp_path):
    path = write(
        tmp_path,
        "lines.json",
        '[{"order_id": "A", "sku": "S", "quantity": 2, "unit_price": 0.1,'
        ' "attributes": {"colour": "red"}}]',
    )
    (line,) = load_all("order_lines", path)
    assert line.unit_price == Decimal("0.1") and line.quantity == 2
    assert line.extra == {"attributes": {"colour": "red"}}


def test_json_objects_may_have_their_own_keys(tmp_path):
    path = write(
        tmp_path,
        "locations.json",
        '[{"location_id": "L1", "country": "GB", "timezone": "Europe/London"},'
        ' {"timezone": "Europe/Berlin", "location_id": "L2", "country": "DE",'
        '  "channels": ["web", "amazon"], "daily_capacity": null},'
        ' {"location_id": "L3", "timezone": "Europe/Paris"}]',
    )
    error = error_of("locations", path)
    assert str(error) == f"{path}:/2/country: missing required column (the column is required)"
    first, second = load_all("locations", path, on_bad_rows="skip")
    assert first.channels == () and first.daily_capacity is None
    assert second.channels == ("web", "amazon") and second.calendar == "DE"


def test_a_non_scalar_value_for_a_plain_column_is_bad(tmp_path):
    path = write(tmp_path, "stock.json", '[{"location_id": "L", "sku": ["S"], "on_hand": 1}]')
    assert str(error_of("stock", path)).startswith(f"{path}:/0/sku: ['S'] is not a string")


def test_broken_json_names_the_line(tmp_path):
    path = write(
        tmp_path, "stock.json", '[\n{"location_id": "L", "sku": "S", "on_hand": 1},\n{"sku": }\n]'
    )
    error = error_of("stock", path, on_bad_rows="skip")
    assert str(error) == f"{path}:3: element /1 is not valid JSON: Expecting value"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "expected a JSON array of objects, found an empty file"),
        ('{"sku": "S"}', "expected a JSON array of objects, found '{'"),
        (
            '[{"location_id": "L", "sku": "S", "on_hand": 1}] []',
            "unexpected data after the JSON array",
        ),
    ],
)
def test_json_structure_faults(tmp_path, content, message):
    path = write(tmp_path, "stock.json", content)
    assert str(error_of("stock", path)) == f"{path}:1: {message}"


class CountingStream(io.RawIOBase):
    """A byte stream that remembers how much of it was read."""

    def __init__(self, content: bytes):
        self.content, self.position = content, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.content[self.position : self.position + len(buffer)]
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)


def test_json_arrays_are_streamed_not_read_whole():
    element = '{"location_id": "L", "sku": "S%d", "on_hand": 1}'
    content = ("[" + ",\n".join(element % n for n in range(30_000)) + "]").encode()
    stream = CountingStream(content)
    records = iter(load("stock", io.BufferedReader(stream), input_format="json"))
    assert next(records).sku == "S0"
    assert stream.position < 200_000 < len(content)
    assert sum(1 for _ in records) == 29_999


def test_ndjson_errors_name_the_line_and_bad_lines_can_be_skipped(tmp_path):
    path = write(
        tmp_path,
        "events.ndjson",
        '{"tracking_number": "T1", "occurred_at": "2026-01-01T10:00Z", "status": "delivered"}\n'
        "\n"
        "not json\n"
        '{"tracking_number": "T2", "occurred_at": 1.5, "status": "delivered"}\n'
        "[1, 2]\n",
    )
    assert str(error_of("tracking_events", path)) == (
        f"{path}:3: not valid JSON: Expecting value (column 1)"
    )
    loader = Loader("tracking_events", path, on_bad_rows="skip")
    assert [event.tracking_number for event in loader] == ["T1"]
    quarantined = [
        json.loads(line)
        for line in (tmp_path / "events.quarantine.ndjson").read_text().splitlines()
    ]
    assert quarantined[0] == {
        "_error": f"{path}:3: not valid JSON: Expecting value (column 1)",
        "_raw": "not json",
    }
    assert quarantined[1]["occurred_at"] == "1.5"  # JSON numbers are kept exact, as text
    assert quarantined[1]["_error"] == (
        f"{path}:4: occurred_at: '1.5' is not a valid ISO 8601 timestamp"
    )
    assert quarantined[2]["_error"] == f"{path}:5: expected an object, found list: [1, 2]"


def test_stdin_and_explicit_format(monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(b'{"location_id": "L", "sku": "S", "on_hand": 3}\n'))
    monkeypatch.setattr("sys.stdin", stdin)
    (level,) = load_all("stock", "-", input_format="ndjson")
    assert level.on_hand == 3 and level.available == 3


def test_a_name_without_a_known_extension_needs_a_format(tmp_path):
    path = write(tmp_path, "stock.txt", "location_id,sku,on_hand\nL,S,1\n")
    with pytest.raises(UsageError, match="give --input-format"):
        load("stock", path)
    assert load_all("stock", path, input_format="csv")[0].sku == "S"


def test_timestamps_without_offset_use_the_loader_timezone(tmp_path):
    path = write(
        tmp_path, "events.csv", "tracking_number,occurred_at,status\nT,2026-07-01 12:00,delivered\n"
    )
    (event,) = load_all("tracking_events", path, tz=ZoneInfo("America/New_York"))
    assert event.occurred_at.utcoffset() == timedelta(hours=-4)


def test_checkout_events_take_ga4_microseconds(tmp_path):
    path = write(
        tmp_path,
        "checkout.ndjson",
        '{"event_timestamp": 1767225600000001, "event_name": "purchase", "user_pseudo_id": "u1",'
        ' "value": 19.99, "currency": "EUR"}\n',
    )
    (event,) = load_all("checkout_events", path)
    assert event.event_timestamp == datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc)
    assert event.value == Decimal("19.99")


# -- orders with their lines -------------------------------------------------------------

COMBINED = (
    "order_id,channel,placed_at,currency,ship_to_country,sku,quantity,unit_price,Lineitem name\n"
)


def test_orders_with_lines_in_one_csv(tmp_path):
    path = write(
        tmp_path,
        "export.csv",
        COMBINED
        + "A,web,2026-01-01T10:00Z,EUR,GB,S1,1,9.99,Mug\n"
        + "A,web,2026-01-01T10:00Z,EUR,GB,S2,2,5.00,Tea\n"
        + "B,web,2026-01-01T11:00Z,EUR,GB,S1,1,9.99,Mug\n",
    )
    loader = Loader("orders", path)
    records = list(loader)
    assert [type(r).__name__ for r in records] == [
        "Order",
        "OrderLine",
        "OrderLine",
        "Order",
        "OrderLine",
    ]
    assert records[2] == OrderLine(
        "A", "S2", 2, Decimal("5.00"), "S2", None, {"Lineitem name": "Tea"}
    )
    assert records[0].extra == {}
    assert loader.counts == {"orders": 2, "order_lines": 3}


def test_rows_of_one_order_must_agree_and_be_consecutive(tmp_path):
    path = write(
        tmp_path,
        "export.csv",
        COMBINED
        + "A,web,2026-01-01T10:00Z,EUR,GB,S1,1,9.99,Mug\n"
        + "A,ebay,2026-01-01T10:00Z,EUR,GB,S2,1,9.99,Mug\n"
        + "B,web,2026-01-01T11:00Z,EUR,GB,S1,1,9.99,Mug\n"
        + "A,web,2026-01-01T10:00Z,EUR,GB,S3,1,9.99,Mug\n",
    )
    assert str(error_of("orders", path)) == (
        f"{path}:3: channel: 'ebay' differs from the earlier rows of order 'A' ('web'): "
        "rows of one order must repeat the same order columns"
    )
    loader = Loader("orders", path, on_bad_rows="skip")
    assert [(type(r).__name__, r.order_id) for r in loader] == [
        ("Order", "A"),
        ("OrderLine", "A"),
        ("Order", "B"),
        ("OrderLine", "B"),
    ]
    assert loader.bad_rows == 2


def test_orders_with_nested_lines_in_json(tmp_path):
    orders = [
        {
            "order_id": "A",
            "channel": "web",
            "placed_at": "2026-01-01T10:00Z",
            "currency": "EUR",
            "ship_to_country": "GB",
            "lines": [
                {"sku": "S1", "quantity": 1, "unit_price": "9.99"},
                {"sku": "S2", "quantity": 0, "unit_price": "1.00"},
            ],
        },
    ]
    path = write(tmp_path, "orders.json", json.dumps(orders))
    assert str(error_of("orders", path)) == (
        f"{path}:/0/lines/1/quantity: '0' is not an integer of at least 1"
    )
    order, line = load_all("orders", path, on_bad_rows="skip")
    assert order.order_id == "A" and order.extra == {}
    assert line == OrderLine("A", "S1", 1, Decimal("9.99"), "S1", None, {})


def test_a_line_needs_its_own_line_id_when_an_order_repeats_a_sku(tmp_path):
    path = write(
        tmp_path,
        "lines.csv",
        "order_id,sku,quantity,unit_price\nA,S1,1,9.99\nA,S1,1,0.00\n",
    )
    assert "is a duplicate" in str(error_of("order_lines", path))
    path = write(
        tmp_path,
        "lines.csv",
        "order_id,line_id,sku,quantity,unit_price\nA,1,S1,1,9.99\nA,2,S1,1,0.00\n",
    )
    assert [line.line_id for line in load_all("order_lines", path)] == ["1", "2"]
