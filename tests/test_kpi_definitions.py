"""KPI definitions on a small shop computed by hand, edge cases included.

Eight October orders, six parcels, one return, three reviews, three checkout
sessions (Europe/London; data as of 2026-11-02T09:00Z):

====  =======  ================================================================
O1    web GB   3 units, £50, parcel S1 delivered on time; returned damaged
O2    web GB   £100, S2: failed attempt before the promise, delivered next day
O3    amzn DE  €40, S3 delivered three days after the promise
O4    web GB   £40, two parcels: S4a on time, S4b (backorder, new promise
               2026-11-05) still on the way: partial, undecided
O5    web GB   £60, cancelled by the customer after S5 was delivered
O6    amzn GB  £25, cancelled out of stock, never shipped
O7    web GB   £10, placed 2026-10-01T23:30Z = 2 October in London
O8    web GB   £15, placed 2026-09-30T23:30Z = 1 October in London
====  =======  ================================================================
"""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import opsctl_kpis
import pytest

CONFIG = """\
[defaults]
timezone = "Europe/London"
currency = "GBP"

[kpi]
free_shipping_threshold = { GBP = "50.00", EUR = "60.00" }

[data]
orders = "orders.csv"
order_lines = "order_lines.csv"
shipments = "shipments.csv"
tracking_events = "events.ndjson"
returns = "returns.csv"
reviews = "reviews.json"
checkout_events = "checkout.ndjson"

[state]
path = "state.db"
"""

FILES = {
    "orders.csv": """\
        order_id,channel,placed_at,currency,ship_to_country,promised_by,status,cancel_reason,fulfillment_status
        O1,web,2026-10-05T10:00:00+01:00,GBP,GB,2026-10-08,open,,fulfilled
        O2,web,2026-10-06T09:00:00+01:00,GBP,GB,2026-10-08,open,,fulfilled
        O3,amazon,2026-10-06T12:00:00Z,EUR,DE,2026-10-09,open,,fulfilled
        O4,web,2026-10-20T10:00:00+01:00,GBP,GB,2026-10-23,open,,partial
        O5,web,2026-10-10T10:00:00+01:00,GBP,GB,2026-10-13,cancelled,customer_request,
        O6,amazon,2026-10-11T10:00:00Z,GBP,GB,2026-10-14,cancelled,out_of_stock,
        O7,web,2026-10-01T23:30:00Z,GBP,GB,2026-10-06,open,,unfulfilled
        O8,web,2026-09-30T23:30:00Z,GBP,GB,2026-10-06,open,,unfulfilled
        """,
    "order_lines.csv": """\
        order_id,line_id,sku,quantity,unit_price
        O1,1,TENT,2,10.00
        O1,2,BAG,1,30.00
        O2,1,BOOT,1,100.00
        O3,1,HAT,1,40.00
        O4,1,SOCK,1,20.00
        O4,2,CAP,1,20.00
        O5,1,JACKET,1,60.00
        O6,1,FLEECE,1,25.00
        O7,1,MUG,1,10.00
        O8,1,MAP,1,15.00
        """,
    "shipments.csv": """\
        shipment_id,order_id,carrier,tracking_number,service,location_id,shipped_at,promised_by,shipping_cost,currency
        S1,O1,royalmail,RM1,standard,leeds,2026-10-05T16:00:00+01:00,,3.00,GBP
        S2,O2,dpd,DP2,standard,leeds,2026-10-06T16:00:00+01:00,,4.00,GBP
        S3,O3,dhl,DH3,standard,venlo,2026-10-06T16:00:00+02:00,,8.00,EUR
        S4a,O4,royalmail,RM4A,standard,leeds,2026-10-20T15:00:00+01:00,,3.00,GBP
        S4b,O4,royalmail,RM4B,standard,leeds,2026-10-30T09:00:00Z,2026-11-05,3.00,GBP
        S5,O5,royalmail,RM5,standard,leeds,2026-10-10T15:00:00+01:00,,3.00,GBP
        """,
    "returns.csv": """\
        return_id,order_id,sku,quantity,requested_at,received_at,refunded_at,reason,refund_amount,currency
        R1,O1,TENT,1,2026-10-08T10:00:00Z,2026-10-10T10:00:00Z,2026-10-11T16:00:00Z,damaged,10.00,GBP
        """,
}

EVENTS = [
    ("RM1", "2026-10-05T16:30:00+01:00", "pre_transit"),
    ("RM1", "2026-10-05T18:00:00+01:00", "picked_up"),
    ("RM1", "2026-10-07T12:00:00+01:00", "delivered"),
    ("DP2", "2026-10-06T18:00:00+01:00", "picked_up"),
    ("DP2", "2026-10-08T11:00:00+01:00", "attempt_failed"),
    ("DP2", "2026-10-09T10:00:00+01:00", "delivered"),
    ("DH3", "2026-10-06T18:00:00+02:00", "picked_up"),
    ("DH3", "2026-10-12T10:00:00+02:00", "delivered"),
    ("RM4A", "2026-10-20T18:00:00+01:00", "picked_up"),
    ("RM4A", "2026-10-22T12:00:00+01:00", "delivered"),
    ("RM4B", "2026-10-30T17:00:00Z", "picked_up"),
    ("RM4B", "2026-11-02T07:00:00Z", "in_transit"),
    ("RM5", "2026-10-10T18:00:00+01:00", "picked_up"),
    ("RM5", "2026-10-12T10:00:00+01:00", "delivered"),
]

REVIEWS = [
    {
        "review_id": "V1",
        "source": "google",
        "rating": 5,
        "created_at": "2026-10-09T10:00:00Z",
        "order_id": "O1",
        "text": "Great",
    },
    {
        "review_id": "V2",
        "source": "trustpilot",
        "rating": 1,
        "created_at": "2026-10-13T10:00:00Z",
        "order_id": "O3",
        "text": "Arrived late",
    },
    {
        "review_id": "V3",
        "source": "google",
        "rating": 3,
        "created_at": "2026-10-15T10:00:00Z",
        "order_id": None,
        "text": "Fine",
    },
]

# GA4 sessions: A buys, B begins the checkout and leaves, C only views the cart.
CHECKOUT = [
    ("A", "2026-10-05T09:00:00Z", "begin_checkout"),
    ("A", "2026-10-05T09:05:00Z", "purchase"),
    ("B", "2026-10-06T09:00:00Z", "begin_checkout"),
    ("C", "2026-10-07T09:00:00Z", "view_cart"),
]
AS_OF = "2026-11-02T09:00Z"


def write_shop(folder: Path) -> None:
    (folder / "opsctl.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in FILES.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (folder / "events.ndjson").write_text(
        "".join(
            json.dumps({"tracking_number": n, "occurred_at": at, "status": s}) + "\n"
            for n, at, s in EVENTS
        ),
        encoding="utf-8",
    )
    (folder / "reviews.json").write_text(json.dumps(REVIEWS), encoding="utf-8")
    (folder / "checkout.ndjson").write_text(
        "".join(
            json.dumps(
                {
                    "event_timestamp": at,
                    "event_name": name,
                    "user_pseudo_id": user,
                    "ga_session_id": "1",
                }
            )
            + "\n"
            for user, at, name in CHECKOUT
        ),
        encoding="utf-8",
    )


@pytest.fixture
def export(opsctl_run, opsctl_env):
    """Run ``opsctl kpi export -f json`` on the hand-made shop; return {kpi: [values]}."""
    write_shop(opsctl_env)

    def run(*args: str) -> dict[str, list[dict]]:
        result = opsctl_run(
            "kpi",
            "export",
            "--as-of",
            AS_OF,
            "-f",
            "json",
            *args,
            plugins=[("kpis", opsctl_kpis)],
            only_plugins=True,
        ).assert_success()
        values: dict[str, list[dict]] = {}
        for row in result.json()["values"]:
            values.setdefault(row["kpi"], []).append(row)
        return values

    return run


def one(values: dict, kpi: str, **dims: str):
    rows = [r for r in values[kpi] if all(r.get(k) == v for k, v in dims.items())]
    assert len(rows) == 1, rows
    return rows[0]


def test_order_kpis_count_orders_placed_in_the_local_month(export):
    values = export("--period", "last-month")
    assert one(values, "orders")["value"] == 8  # O8 is 1 October in London, not 30 September
    assert one(values, "cancellation_rate")["value"] == 0.25
    assert one(values, "stockout_cancellations")["value"] == 1
    assert one(values, "stockout_cancellation_rate")["value"] == 0.125
    assert one(values, "split_shipment_rate")["value"] == 0.2  # O4 of five shipped orders
    assert one(values, "backorder_rate")["value"] == 0.2  # S4b left Leeds ten days after S4a


def test_revenue_is_exact_and_never_added_across_currencies(export):
    values = export("--period", "last-month")
    gbp, eur = one(values, "revenue", currency="GBP"), one(values, "revenue", currency="EUR")
    assert Decimal(gbp["value"]) == Decimal("215.00")  # O1+O2+O4+O7+O8; cancelled O5, O6 out
    assert Decimal(eur["value"]) == Decimal("40.00")
    share = one(values, "shipping_cost_share", currency="GBP")["value"]
    assert share == pytest.approx(13 / 190, abs=1e-6)  # parcels of O1, O2, O4 / their revenue
    assert one(values, "shipping_cost_share", currency="EUR")["value"] == 0.2
    # O1 (£50) reaches the £50 threshold, O2 too; O4, O7, O8 do not; O3's €40 misses €60.
    assert one(values, "free_shipping_threshold_attainment", currency="GBP")["value"] == 0.4
    assert one(values, "free_shipping_threshold_attainment", currency="EUR")["value"] == 0


def test_delivery_kpis_follow_the_sla_verdicts(export):
    values = export("--period", "last-month")
    assert one(values, "shipments")["value"] == 6
    # S1, S2 (first attempt in time), S4a, S5 kept; S3 late; S4b still undecided.
    on_time = one(values, "on_time_delivery_rate")
    assert (on_time["value"], on_time["n"]) == (0.8, 5)
    assert one(values, "late_rate")["value"] == pytest.approx(1 / 6, abs=1e-6)
    assert one(values, "first_attempt_delivery_rate")["value"] == 0.8  # S2 needed two
    # Click-to-door of the five delivered parcels: 48h (S5), 50h, 50h, 73h, 140h.
    assert one(values, "click_to_door_p50")["value"] == 50 * 3600
    assert one(values, "click_to_door_p90")["value"] == pytest.approx(
        73 * 3600 + 0.6 * (140 - 73) * 3600
    )


def test_order_outcomes_count_orders_meeting_every_criterion(export):
    values = export("--period", "last-month")
    # Decided, not cancelled: O1 and O2 on time and in full, O3 late; O4 is undecided.
    assert one(values, "otif_rate")["value"] == pytest.approx(2 / 3, abs=1e-6)
    # O1 came back damaged: not perfect, though on time and in full.
    assert one(values, "perfect_order_rate")["value"] == pytest.approx(1 / 3, abs=1e-6)
    # Shipped and not cancelled, or cancelled out of stock: O1, O2, O3 full; O4 partial; O6.
    assert one(values, "order_fill_rate")["value"] == 0.6
    assert one(values, "return_rate")["value"] == 0.25
    assert one(values, "refund_time_p50")["value"] == 30 * 3600
    # O1, O2, O3 are delivered complete: 50h, 73h and 140h after the order.
    assert one(values, "order_cycle_time_p50")["value"] == 73 * 3600


def test_reviews_and_checkout(export):
    values = export("--period", "last-month")
    assert one(values, "average_review_rating")["value"] == 3
    assert one(values, "low_rating_share")["value"] == pytest.approx(2 / 3, abs=1e-6)
    assert one(values, "rating_late_orders")["value"] == 1
    assert one(values, "rating_on_time_orders")["value"] == 5
    assert one(values, "checkout_abandonment_rate")["value"] == 0.5


def test_missing_inputs_make_a_kpi_unavailable_with_the_reason_never_zero(export):
    values = export("--period", "last-month")
    line_fill = one(values, "line_fill_rate")
    assert line_fill["value"] is None and line_fill["status"] == "unavailable"
    assert "order_lines.quantity_shipped" in line_fill["reason"]


def test_a_period_without_deliveries_is_unavailable_not_zero(export):
    values = export("--from", "2026-10-01", "--to", "2026-10-03")
    assert one(values, "orders")["value"] == 2  # O7 and O8
    on_time = one(values, "on_time_delivery_rate")
    assert on_time["value"] is None
    assert on_time["reason"] == "no shipments with a decided promise in this period"
    assert one(values, "shipments")["value"] is None


def test_days_start_at_local_midnight(export):
    values = export("--from", "2026-10-01", "--to", "2026-10-02", "--by", "day")
    orders = {row["period"]: row["value"] for row in values["orders"]}
    assert orders == {"2026-10-01": 1, "2026-10-02": 1}  # O8 and O7, by London's calendar


def test_dimensions_cut_the_kpis_that_have_them(export):
    values = export("--period", "last-month", "-d", "carrier")
    rates = {r["carrier"]: r["value"] for r in values["on_time_delivery_rate"]}
    assert rates == {"dhl": 0.0, "dpd": 1.0, "royalmail": 1.0}
    assert "carrier" not in one(values, "orders")  # orders are not cut by carrier


def test_kpis_evaluated_together_give_what_each_gives_alone(export):
    # The KPIs of one fact table share one query: each must still get its own rows.
    args = ("--period", "last-month", "--by", "week", "-d", "carrier", "-d", "channel")
    together = export(*args)
    for kpi, rows in together.items():
        assert export(*args, "--kpi", kpi)[kpi] == rows, kpi


def test_timestamps_without_an_offset_are_read_in_the_config_timezone(export, opsctl_env):
    orders = opsctl_env / "orders.csv"
    orders.write_text(
        orders.read_text().replace("2026-09-30T23:30:00Z", "2026-10-01T00:30:00"),
        encoding="utf-8",
    )
    assert one(export("--period", "last-month"), "orders")["value"] == 8


def test_orders_with_their_lines_in_one_file_go_through_the_loader(export, opsctl_env):
    lines = {}
    for row in textwrap.dedent(FILES["order_lines.csv"]).splitlines()[1:]:
        order, line, sku, quantity, price = row.split(",")
        lines.setdefault(order, []).append(f"{line},{sku},{quantity},{price}")
    head, *orders = textwrap.dedent(FILES["orders.csv"]).splitlines()
    combined = [f"{head},line_id,sku,quantity,unit_price"] + [
        f"{order},{line}" for order in orders for line in lines[order.split(",")[0]]
    ]
    (opsctl_env / "orders.csv").write_text("\n".join(combined) + "\n", encoding="utf-8")
    config = opsctl_env / "opsctl.toml"
    config.write_text(config.read_text().replace('order_lines = "order_lines.csv"\n', ""))
    values = export("--period", "last-month")
    assert one(values, "orders")["value"] == 8
    assert Decimal(one(values, "revenue", currency="GBP")["value"]) == Decimal("215.00")


def export_refused(opsctl_run, kpi: str):
    """``opsctl kpi export --kpi KPI`` of last month on the hand-made shop, which must stop
    with exit code 3 (a bad input file)."""
    return opsctl_run(
        "kpi",
        "export",
        "--as-of",
        AS_OF,
        "--period",
        "last-month",
        "--kpi",
        kpi,
        plugins=[("kpis", opsctl_kpis)],
        only_plugins=True,
    ).assert_exit(3)


def test_a_bad_row_stops_with_the_loaders_error(opsctl_run, opsctl_env):
    write_shop(opsctl_env)
    lines = opsctl_env / "order_lines.csv"
    lines.write_text(lines.read_text().replace("O3,1,HAT,1,40.00", "O3,1,HAT,one,40.00"))
    result = export_refused(opsctl_run, "revenue")
    assert "order_lines.csv:5: quantity: 'one' is not an integer" in result.stderr


def test_a_repeated_order_id_stops_with_the_loaders_error(opsctl_run, opsctl_env):
    write_shop(opsctl_env)
    orders = opsctl_env / "orders.csv"
    orders.write_text(orders.read_text() + "O2,web,2026-10-07T09:00:00+01:00,GBP,GB,,open,,\n")
    result = export_refused(opsctl_run, "orders")
    assert "orders.csv:10" in result.stderr and "O2" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_tracking_status_stops_with_the_loaders_error(opsctl_run, opsctl_env):
    write_shop(opsctl_env)
    events = opsctl_env / "events.ndjson"
    events.write_text(events.read_text().replace('"in_transit"', '"teleported"'))
    result = export_refused(opsctl_run, "on_time_delivery_rate")
    assert "events.ndjson:12: status: 'teleported'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("promise", ["2026-13-45", "2026-1-5", "next week", "2026-11-05T25:00Z"])
def test_a_bad_promise_stops_with_the_loaders_error(opsctl_run, opsctl_env, promise):
    write_shop(opsctl_env)
    shipments = opsctl_env / "shipments.csv"
    shipments.write_text(shipments.read_text().replace(",2026-11-05,", f",{promise},"))
    result = export_refused(opsctl_run, "on_time_delivery_rate")
    assert f"shipments.csv:6: promised_by: '{promise}' is not an ISO 8601 date" in result.stderr
    assert "Traceback" not in result.stderr
