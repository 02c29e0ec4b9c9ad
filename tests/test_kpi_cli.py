"""``opsctl kpi`` on the demo shop: list, export in every format, alerts, snapshots, history."""

from __future__ import annotations

import json
import types
from pathlib import Path

import opsctl_kpis
import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families as prometheus_families

from opsctl import hookimpl
from opsctl.kpi import Kind, Kpi

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "opsctl.toml"
AS_OF = "2026-11-02T09:00Z"
KPIS = [("kpis", opsctl_kpis)]
#: What the demo shop's data cannot give, and why.
DEMO_UNAVAILABLE = {"line_fill_rate", "free_shipping_threshold_attainment"}


@pytest.fixture
def kpi(opsctl_run):
    """Run ``opsctl kpi ...`` on the demo shop with the built-in KPIs."""

    def run(*args: str, plugins=(), **kwargs):
        return opsctl_run(
            "--config",
            str(DEMO),
            "kpi",
            *args,
            plugins=[*KPIS, *plugins],
            only_plugins=True,
            **kwargs,
        )

    return run


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory) -> dict:
    """The demo shop's October, exported as JSON once for the tests that only read it."""
    from click.testing import CliRunner

    from opsctl.app import App
    from opsctl.cli import cli

    app = App(environ={"OPSCTL_LOAD_PLUGINS": ""}, extra_plugins=KPIS)
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(DEMO),
            "kpi",
            "export",
            "--as-of",
            AS_OF,
            "--period",
            "last-month",
            "-f",
            "json",
        ],
        obj=app,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_list_shows_every_kpi_with_its_definition(kpi):
    rows = kpi("list", "-f", "json").assert_success().json()
    names = {row["name"] for row in rows}
    assert {
        "orders",
        "revenue",
        "on_time_delivery_rate",
        "otif_rate",
        "perfect_order_rate",
        "order_cycle_time_p50",
        "click_to_door_p90",
        "first_attempt_delivery_rate",
        "order_fill_rate",
        "line_fill_rate",
        "backorder_rate",
        "cancellation_rate",
        "stockout_cancellations",
        "split_shipment_rate",
        "exception_rate",
        "stalled_rate",
        "return_rate",
        "refund_time_p50",
        "shipping_cost_share",
        "free_shipping_threshold_attainment",
        "tracking_update_latency_p50",
        "average_review_rating",
        "low_rating_share",
        "rating_late_orders",
        "rating_on_time_orders",
        "checkout_abandonment_rate",
    } <= names
    for row in rows:
        assert row["definition"] and "\n" not in row["definition"]
        assert row["plugin"] == "kpis" and row["metric"].startswith("opsctl_")
    table = kpi("list").assert_success().stdout
    assert "SCOR RL.1.1" in table and "not a product of rates" in table


def test_demo_export_gives_every_kpi_but_those_its_data_lacks(demo_export):
    values = demo_export["values"]
    unavailable = {row["kpi"] for row in values if row["status"] == "unavailable"}
    assert unavailable == DEMO_UNAVAILABLE
    reasons = {row["kpi"]: row["reason"] for row in values if row["reason"]}
    assert "[kpi] free_shipping_threshold" in reasons["free_shipping_threshold_attainment"]
    on_time = next(r for r in values if r["kpi"] == "on_time_delivery_rate")
    assert on_time["value"] == pytest.approx(0.9136, abs=5e-5)  # opsctl sla check's on_time_rate
    assert demo_export["period"]["timezone"] == "Europe/London"


def test_prometheus_textfile_is_accepted_by_a_real_parser(kpi, opsctl_env):
    target = opsctl_env / "opsctl.prom"
    kpi(
        "export",
        "--as-of",
        AS_OF,
        "--period",
        "last-7d",
        "-d",
        "carrier",
        "-f",
        "prometheus",
        "-o",
        str(target),
    ).assert_success()
    text = target.read_text()
    families = {f.name: f for f in prometheus_families(text)}
    on_time = families["opsctl_on_time_delivery_rate_ratio"]
    assert on_time.type == "gauge" and "SCOR RL.2.2" in on_time.documentation
    carriers = {s.labels["carrier"] for s in on_time.samples}
    assert {"dpd", "royalmail", "ups"} <= carriers
    assert all(0 <= s.value <= 1 for s in on_time.samples)
    assert all(
        set(s.labels) <= {"carrier", "currency"}
        for f in families.values()
        for s in f.samples
        if f.name.startswith("opsctl_") and f.name != "opsctl_kpi_available"
    )
    available = {s.labels["kpi"]: s.value for s in families["opsctl_kpi_available"].samples}
    assert available["line_fill_rate"] == 0 and available["orders"] == 1
    assert families["opsctl_line_fill_rate_ratio"].samples == []  # unavailable: never 0
    seconds = families["opsctl_click_to_door_p50_seconds"].samples
    assert all(s.value > 3600 for s in seconds)  # base unit: seconds
    assert not list(opsctl_env.glob(".opsctl.prom.*"))  # written atomically, nothing left over


def test_openmetrics_is_accepted_by_a_real_parser(kpi):
    text = (
        kpi(
            "export",
            "--as-of",
            AS_OF,
            "--period",
            "last-7d",
            "--kpi",
            "on_time_delivery_rate,orders,revenue",
            "-f",
            "openmetrics",
        )
        .assert_success()
        .stdout
    )
    assert text.endswith("# EOF\n")
    families = {f.name: f for f in openmetrics_families(text)}
    assert families["opsctl_on_time_delivery_rate_ratio"].unit == "ratio"
    revenue = families["opsctl_revenue"].samples
    assert {s.labels["currency"] for s in revenue} == {"EUR", "GBP", "USD"}


def test_prometheus_holds_current_values_so_by_is_refused(kpi):
    result = kpi("export", "--as-of", AS_OF, "--by", "day", "-f", "prometheus").assert_exit(2)
    assert "use --period, not --by" in result.stderr


def test_fail_if_sets_the_exit_code(kpi):
    base = (
        "export",
        "--as-of",
        AS_OF,
        "--period",
        "last-month",
        "--kpi",
        "on_time_delivery_rate",
        "-f",
        "json",
    )
    failed = kpi(*base, "--fail-if", "on_time_delivery_rate < 0.95").assert_exit(1)
    assert (
        "on_time_delivery_rate < 0.95: on_time_delivery_rate is 0.913598 for 2026-10-01..2026-10-31"
        in failed.stderr
    )
    assert failed.json()["alerts"]
    kpi(*base, "--fail-if", "on_time_delivery_rate < 0.9").assert_success()
    kpi(
        *base, "-d", "carrier", "--fail-if", "on_time_delivery_rate{carrier=usps} < 0.9"
    ).assert_success()


def test_fail_if_is_parsed_never_evaluated(kpi):
    base = ("export", "--as-of", AS_OF, "--kpi", "orders")
    for text in ("__import__('os').system('true')", "orders < 1; rm -rf /", "orders <"):
        result = kpi(*base, "--fail-if", text).assert_exit(2)
        assert "expected KPI OPERATOR NUMBER" in result.stderr
    assert "not exported" in kpi(*base, "--fail-if", "late_rate > 0").assert_exit(2).stderr


def test_an_unavailable_value_fails_its_condition(kpi):
    result = kpi(
        "export",
        "--as-of",
        AS_OF,
        "--period",
        "last-month",
        "--kpi",
        "line_fill_rate",
        "--fail-if",
        "line_fill_rate < 0.9",
    ).assert_exit(1)
    assert "unavailable" in result.stderr and "quantity_shipped" in result.stderr


def test_csv_and_ndjson_give_one_row_per_value(kpi):
    base = (
        "export",
        "--as-of",
        AS_OF,
        "--period",
        "last-month",
        "--by",
        "week",
        "--kpi",
        "orders,revenue",
    )
    rows = kpi(*base, "-f", "ndjson").assert_success().ndjson()
    assert {row["period"] for row in rows} == {
        "2026-W40",
        "2026-W41",
        "2026-W42",
        "2026-W43",
        "2026-W44",
    }
    csv_text = kpi(*base, "-f", "csv").assert_success().stdout
    header = csv_text.splitlines()[0]
    assert header == "kpi,period,start,end,currency,value,unit,n,status,reason"
    assert len(csv_text.splitlines()) == len(rows) + 1


def test_snapshots_are_idempotent_and_history_shows_the_change(kpi, opsctl_env):
    state = str(opsctl_env / "state.db")
    args = (
        "snapshot",
        "--as-of",
        AS_OF,
        "--period",
        "last-month",
        "--by",
        "week",
        "--kpi",
        "orders,on_time_delivery_rate",
        "--state",
        state,
        "-f",
        "json",
    )
    first = kpi(*args).assert_success().json()
    assert (first["inserted"], first["updated"], first["unchanged"]) == (10, 0, 0)
    again = kpi(*args).assert_success().json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 10)
    rows = (
        kpi("history", "--by", "week", "--kpi", "orders", "--state", state, "-f", "json")
        .assert_success()
        .json()
    )
    assert [row["period"] for row in rows][:2] == ["2026-W40", "2026-W41"]
    assert rows[0]["change"] is None
    second = rows[1]
    assert float(second["change"]) == pytest.approx(
        float(second["value"]) - float(rows[0]["value"])
    )
    assert second["trend"] in "▲▼►"


def test_from_store_gives_the_same_values_as_the_files(kpi, opsctl_run, opsctl_env, demo_export):
    state = str(opsctl_env / "state.db")
    opsctl_run("--config", str(DEMO), "ingest", "--all", "--state", state).assert_success()
    stored = (
        kpi(
            "export",
            "--as-of",
            AS_OF,
            "--period",
            "last-month",
            "--from-store",
            "--state",
            state,
            "-f",
            "json",
        )
        .assert_success()
        .json()
    )
    assert stored["values"] == demo_export["values"]


def count_reviews_kpi() -> types.SimpleNamespace:
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_kpis(register):
        register(
            Kpi(
                "five_star_reviews",
                Kind.COUNT,
                "reviews",
                "Reviews with five stars, a plugin's own KPI.",
                facts="reviews",
                value="count(*) FILTER (WHERE rating = 5)",
                at="created_at",
                inputs=("reviews",),
                dimensions=("channel",),
                population="reviews",
            )
        )

    plugin.register_kpis = register_kpis
    return plugin


def test_hook_register_kpis_adds_a_kpi_to_list_and_export(kpi):
    plugins = [("stars", count_reviews_kpi())]
    listed = {r["name"]: r for r in kpi("list", "-f", "json", plugins=plugins).json()}
    assert listed["five_star_reviews"]["plugin"] == "stars"
    rows = (
        kpi(
            "export",
            "--as-of",
            AS_OF,
            "--period",
            "last-month",
            "--kpi",
            "five_star_reviews",
            "-f",
            "json",
            plugins=plugins,
        )
        .assert_success()
        .json()["values"]
    )
    assert rows[0]["value"] == 105  # five-star reviews written in October, London time


def test_two_plugins_registering_one_kpi_name_is_an_error(kpi):
    plugins = [("stars", count_reviews_kpi()), ("more-stars", count_reviews_kpi())]
    result = kpi("list", plugins=plugins).assert_exit(2)
    assert "KPI 'five_star_reviews' is registered by both plugin 'stars'" in result.stderr


def test_a_kpi_must_be_well_formed():
    from opsctl.errors import PluginError

    with pytest.raises(PluginError, match="unknown dimension"):
        Kpi(
            "x",
            Kind.COUNT,
            "orders",
            "One line.",
            facts="orders",
            value="count(*)",
            at="placed_at",
            inputs=("orders",),
            dimensions=("planet",),
        )
