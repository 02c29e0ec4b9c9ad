"""``opsctl route`` and ``opsctl route replay``: rule-based order routing and its sandbox."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any

import click

import opsctl.routing.settings  # noqa: F401  (declares [routing] before the config loads)
from opsctl.app import App, pass_app
from opsctl.cli import lockable
from opsctl.errors import UsageError
from opsctl.output import output_options

log = logging.getLogger("opsctl.routing")


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The data options shared by ``route`` and ``route replay``."""
    options = [
        click.option(
            "--orders",
            "orders_file",
            metavar="FILE",
            help="Orders (may also hold their lines, one row per line).",
        ),
        click.option("--lines", "lines_file", metavar="FILE", help="Order lines."),
        click.option("--stock", "stock_file", metavar="FILE", help="Stock per location and SKU."),
        click.option("--locations", "locations_file", metavar="FILE", help="Locations."),
        click.option(
            "--carrier-services",
            "services_file",
            metavar="FILE",
            help="Carrier services: lanes, transit days, rate cards.",
        ),
        click.option(
            "--from-store", is_flag=True, help="Read data from the state store instead of files."
        ),
        click.option(
            "--state",
            "state_path",
            metavar="PATH",
            envvar="OPSCTL_STATE",
            help="State store file (default: [state] path, else the user data dir).",
        ),
        click.option(
            "--placed-since",
            metavar="WHEN",
            help="Only orders placed at or after WHEN (date or ISO 8601 timestamp).",
        ),
        click.option(
            "--placed-until",
            metavar="WHEN",
            help="Only orders placed before WHEN (date or ISO 8601 timestamp).",
        ),
        click.option(
            "--on-bad-rows",
            type=click.Choice(["error", "skip"]),
            default=None,
            help="Bad input rows: stop (error) or quarantine them and go on (skip).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _moment(text: str | None, tz: tzinfo) -> datetime | None:
    """A date (its start, in ``tz``) or an ISO 8601 timestamp (no offset: in ``tz``)."""
    if text is None:
        return None
    if text == "now":
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date or an ISO 8601 timestamp") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


class _Routing:
    """The pieces one invocation shares: config, strategies, timezone, data."""

    def __init__(self, app: App, files: dict[str, str | None], options: dict[str, Any]):
        from zoneinfo import ZoneInfo

        from opsctl.datasets import Dataset

        self.app, self.config = app, app.config
        self.strategies = {
            registration.name: registration.obj
            for registration in app.plugins.registry.registrations("routing_strategies")
        }
        self.tz = ZoneInfo(self.config.get("defaults.timezone", "UTC"))
        self.data = Dataset(
            app,
            files,
            from_store=options["from_store"],
            state_path=options["state_path"],
            on_bad_rows=options["on_bad_rows"],
        )
        self.since = _moment(options["placed_since"], self.tz)
        self.until = _moment(options["placed_until"], self.tz)
        self.postal_codes = self.config.path_for("routing.postal_codes")

    def settings(self):
        from opsctl.routing.rules import read_settings

        return read_settings(self.config, self.strategies)

    def inputs(self, ledger=None, *, shipments: bool = False):
        from opsctl.routing.inputs import read_inputs

        return read_inputs(
            self.data,
            ledger=ledger,
            placed_since=self.since,
            placed_until=self.until,
            postal_codes=self.postal_codes,
            shipments=shipments,
        )


def _files(orders, lines, stock, locations, services) -> dict[str, str | None]:
    return {
        "orders": orders,
        "order_lines": lines,
        "stock": stock,
        "locations": locations,
        "carrier_services": services,
    }


def _write_tables(
    sections: Sequence[tuple[list[dict[str, Any]], list[str]]], document: Any, primary: int = 0
) -> None:
    """Write the tables one after the other (table, markdown), the ``primary`` one (CSV,
    NDJSON), or ``document`` (JSON)."""
    from opsctl.output import current_format, render, write_output

    fmt = current_format()
    output = click.get_current_context().meta.get("opsctl.output")
    if fmt in ("table", "markdown"):
        text = "\n".join(render(fmt, rows, columns) for rows, columns in sections if rows)
    else:
        rows, columns = sections[primary]
        text = render(fmt, rows, columns, document)
    write_output(text, output)


def _timed(label: str):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            result = func(*args, **kwargs)
            log.info("%s in %.2f s", label, time.perf_counter() - started)
            return result

        return wrapper

    return decorate


@click.group(invoke_without_command=True)
@input_options
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Record allocations and reserve stock in the state store (one transaction).",
)
@click.option(
    "--as-of",
    metavar="WHEN",
    help="Process no order before WHEN (ISO 8601, or 'now'; default: when each order "
    "was placed, and now with --apply).",
)
@click.option(
    "--explain",
    "explain_id",
    metavar="ORDER_ID",
    help="Print the decision trace of ORDER_ID instead of the routing.",
)
@click.option(
    "--summary",
    "summary_only",
    is_flag=True,
    help="Print only the summary and the load per location.",
)
@output_options
@lockable
@pass_app
@click.pass_context
def route(
    ctx: click.Context,
    app: App,
    orders_file: str | None,
    lines_file: str | None,
    stock_file: str | None,
    locations_file: str | None,
    services_file: str | None,
    from_store: bool,
    state_path: str | None,
    placed_since: str | None,
    placed_until: str | None,
    on_bad_rows: str | None,
    apply_: bool,
    as_of: str | None,
    explain_id: str | None,
    summary_only: bool,
) -> None:
    """Route orders to locations and carrier services by rules, keeping promises.

    Each open order follows the first [[routing.rules]] rule that takes it
    (criteria on channel, customer type, service level, country, value, SKU,
    tags or any column). The rule says which locations may serve it, how to
    rank the plans (strategy: cheapest-on-time, nearest, priority,
    fewest-shipments, or a plugin's), whether it may be split, and what to do
    when nothing fits (next rule, backorder, hold). Plans respect stock
    (on_hand - reserved - safety_stock), daily capacity, the channels a
    location serves, cutoffs and handling days in the location's timezone and
    calendar, the carrier's pickup days, transit business days, weight limit
    and rate card. The batch is allocated together, tightest promise first,
    so that the most promises are kept (docs/routing.md).

    Data comes from the files given, else the config's [data] files, or from
    the state store with --from-store. Timestamps without an offset are read
    in [defaults] timezone. Without --apply nothing is written anywhere.

    --apply routes the store's orders that have no allocation yet, and records
    their allocations and stock reservations in ONE transaction: an order is
    never routed twice, and a run killed half way records nothing, so the
    next run simply routes again.

    \b
    Examples:
      opsctl route --summary
      opsctl route --explain FO-1000123
      opsctl route --apply --as-of now
      opsctl route replay --rules candidate.toml --placed-since 2026-10-01

    JSON shape: {"orders": [{"order_id", "status" (routed, backordered or
    held), "rule", "promised_by", "promise_kept", "expected_delivery", "cost",
    "shipments": [{"location_id", "carrier", "service", "ship_date",
    "expected_delivery", "cost", "currency", "weight_kg", "promise_kept",
    "lines": [{"line_id", "sku", "quantity"}]}], "reason", "short": [{"sku",
    "quantity", "available"}]}], "summary": {"orders", "routed", "split",
    "backordered", "held", "skipped", "shipments", "with_promise",
    "promises_kept", "promises_at_risk", "total_cost", "cost_per_order",
    "currency", "load": [{"location_id", "orders", "shipments", "units",
    "cost", "busiest_day", "busiest_day_shipments", "daily_capacity"}]}}, plus
    "recorded_orders" with --apply. CSV and NDJSON give one row per shipment.
    With --explain ORDER_ID, the trace's shape is in docs/routing.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    from opsctl.routing.batch import route as route_batch
    from opsctl.routing.ledger import ledger_for

    options = {
        "from_store": from_store or apply_,
        "state_path": state_path,
        "on_bad_rows": on_bad_rows,
        "placed_since": placed_since,
        "placed_until": placed_until,
    }
    routing = _Routing(
        app, _files(orders_file, lines_file, stock_file, locations_file, services_file), options
    )
    settings = routing.settings()
    with routing.data as data:
        ledger = ledger_for(data.store) if options["from_store"] else None
        inputs = _timed("read the inputs")(routing.inputs)(ledger, shipments=True)
        start = _moment(as_of, routing.tz) or (datetime.now(timezone.utc) if apply_ else None)
        run = _timed(f"routed {len(inputs.orders)} orders")(route_batch)(
            inputs, settings, routing.strategies, tz=routing.tz, as_of=start
        )
        if explain_id is not None:
            _print_explain(run, explain_id)
            return
        recorded = None
        if apply_ and ledger is not None:
            recorded = ledger.record(run.decisions, datetime.now(timezone.utc))
            log.info("recorded %d routed orders in %s", recorded, data.store.location)
    _print_routing(run, summary_only, recorded)


def _print_routing(run, summary_only: bool, recorded: int | None) -> None:
    """Write the run: its decisions (unless ``summary_only``) and summary, as a document
    for JSON and as tables for the other formats; each is built only for its formats."""
    from opsctl.cli import outlive
    from opsctl.output import current_format
    from opsctl.routing.report import (
        DECISION_COLUMNS,
        LOAD_COLUMNS,
        SUMMARY_COLUMNS,
        decision_rows,
        load_rows,
        route_document,
        summary_rows,
    )

    summary = run.summary()
    document = None
    if current_format() == "json":
        document = route_document(() if summary_only else run.decisions, summary)
        if summary_only:
            del document["orders"]
        if recorded is not None:
            document["recorded_orders"] = recorded
    sections = [
        (summary_rows(summary), SUMMARY_COLUMNS),
        (load_rows(summary), LOAD_COLUMNS),
    ]
    if not summary_only:
        rows = decision_rows(run.decisions) if document is None else []
        sections.insert(0, (rows, DECISION_COLUMNS))
    _write_tables(sections, document)
    outlive(run, document, sections)


def _print_explain(run, order_id: str) -> None:
    from opsctl.routing.explain import TRACE_COLUMNS, explain, trace_rows

    document = explain(run, order_id)
    decision = document.get("decision") or {}
    head = [
        {"item": "order", "value": order_id},
        {"item": "status", "value": document["status"]},
    ]
    if "fair_order" in document:
        fair = document["fair_order"]
        head += [
            {
                "item": "batch position",
                "value": f"{fair['position']} of {fair['of']} (promised by {fair['promised_by']}, "
                f"placed {fair['placed_at']})",
            },
            {
                "item": "rules",
                "value": "; ".join(
                    f"{r['name']}: "
                    + ("takes it" if r["takes_order"] else f"no ({r['why_not']})")
                    + (" [followed]" if r["followed"] else "")
                    for r in document["rules"]
                ),
            },
            {
                "item": "decision",
                "value": " + ".join(
                    f"{s['location_id']} {s['carrier']}/{s['service']} ships {s['ship_date']}, "
                    f"delivers {s['expected_delivery']}, {s['cost']} {s['currency']}"
                    for s in decision.get("shipments", [])
                )
                or decision.get("reason"),
            },
            {"item": "why", "value": document["note"]},
        ]
    else:
        head.append({"item": "why", "value": document["reason"]})
    _write_tables(
        [(head, ["item", "value"]), (trace_rows(document), TRACE_COLUMNS)], document, primary=1
    )


@route.command()
@click.option(
    "--rules",
    "candidate_path",
    required=True,
    metavar="FILE",
    help="TOML file with the candidate [routing] section (its keys replace the "
    "config's; guardrails always come from the config).",
)
@input_options
@click.option(
    "--max-changes",
    default=50,
    show_default=True,
    metavar="N",
    help="Orders whose routing changed to list in a table (JSON lists all).",
)
@output_options
@pass_app
def replay(
    app: App,
    candidate_path: str,
    orders_file: str | None,
    lines_file: str | None,
    stock_file: str | None,
    locations_file: str | None,
    services_file: str | None,
    from_store: bool,
    state_path: str | None,
    placed_since: str | None,
    placed_until: str | None,
    on_bad_rows: str | None,
    max_changes: int,
) -> None:
    """Route past orders with the current and the candidate rules, and compare.

    Both runs route the same orders (--placed-since/--placed-until pick the
    period; from the state store, orders already routed are routed again) on
    the same stock and network, each as if placed at its own time. Prints the
    differences: promises kept, cost, splits, backorders, holds, shipments per
    location, and the orders whose routing changed.

    Guardrails in [routing.guardrails] of the config, such as
    min_promises_kept_change = 0 (promises kept must not fall) or
    max_total_cost_change_pct = 2 (cost may rise at most 2 %), make the
    command exit 1 when the candidate breaks one, so a rule change can be
    gated in CI. Bad candidate rules exit 2, naming the file, line, rule and key.

    JSON shape: {"metrics": [{"metric", "current", "candidate", "change",
    "change_pct"}], "changed_orders": [{"order_id", "current", "candidate",
    "kept_current", "kept_candidate", "cost_change"}], "guardrails":
    [{"guardrail", "rule", "limit", "change", "ok"}], "passed"}.
    """
    from opsctl.errors import CheckFailed
    from opsctl.routing.batch import route as route_batch
    from opsctl.routing.replay import compare
    from opsctl.routing.rules import read_candidate

    options = {
        "from_store": from_store,
        "state_path": state_path,
        "on_bad_rows": on_bad_rows,
        "placed_since": placed_since,
        "placed_until": placed_until,
    }
    routing = _Routing(
        app, _files(orders_file, lines_file, stock_file, locations_file, services_file), options
    )
    current = routing.settings()
    candidate = read_candidate(candidate_path, routing.config, routing.strategies)
    with routing.data:
        inputs = routing.inputs()
    runs = [  # a what-if over past orders: shipped since or not, they are all routed
        route_batch(inputs, settings, routing.strategies, tz=routing.tz, fulfilled_too=True)
        for settings in (current, candidate)
    ]
    comparison = compare(*runs, current.guardrails)
    metric_rows = [
        {**row, "change_pct": None if row["change_pct"] is None else f"{row['change_pct']} %"}
        for row in comparison.metrics
    ]
    _write_tables(
        [
            (metric_rows, ["metric", "current", "candidate", "change", "change_pct"]),
            (comparison.guardrails, ["guardrail", "rule", "change", "ok"]),
            (
                comparison.changed[:max_changes],
                [
                    "order_id",
                    "current",
                    "candidate",
                    "kept_current",
                    "kept_candidate",
                    "cost_change",
                ],
            ),
        ],
        comparison.document(),
    )
    click.echo(
        f"{len(comparison.changed)} of {len(runs[0].decisions)} orders routed differently",
        err=True,
    )
    failed = [check for check in comparison.guardrails if not check["ok"]]
    if failed:
        raise CheckFailed(
            "the candidate rules break the guardrail(s): "
            + "; ".join(f"{c['guardrail']} ({c['rule']}; change {c['change']})" for c in failed)
        )
