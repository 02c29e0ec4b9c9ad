"""``opsctl kpi``: list, export, snapshot and trend fulfilment KPIs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import click

from opsctl.app import App, pass_app
from opsctl.cli import lockable
from opsctl.output import OUTPUT_FORMATS, emit, output_options

EXPORT_FORMATS = (*OUTPUT_FORMATS, "prometheus", "openmetrics")
#: File options of the KPI commands: option name -> entity.
DATA_OPTIONS = {
    "orders": "orders",
    "order-lines": "order_lines",
    "shipments": "shipments",
    "events": "tracking_events",
    "returns": "returns",
    "reviews": "reviews",
    "checkout-events": "checkout_events",
    "locations": "locations",
    "carrier-services": "carrier_services",
}
VALUE_COLUMNS = ["kpi", "period", "value", "unit", "n", "reason"]


def data_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The period and data options shared by ``kpi export``, ``kpi snapshot`` and ``report``.

    The command receives ``window`` (a dict of the period options) and
    ``source`` (a dict of the data options) instead of each option.
    """

    @click.option(
        "--as-of",
        metavar="TIMESTAMP",
        help="Compute as of this moment (ISO 8601 with offset; default: now): the export time "
        "of the data for an old export, e.g. the demo shop's 2026-11-02T09:00Z.",
    )
    @click.option(
        "--period",
        metavar="NAME",
        help="The period: last-Nd, last-Nw, today, yesterday, this-week, last-week, this-month, "
        "last-month (default: [kpi] period, else last-7d).",
    )
    @click.option("--from", "start", metavar="DATE", help="Start of the period (a date or time).")
    @click.option(
        "--to", "end", metavar="DATE", help="End of the period: a date is included, a time is not."
    )
    @click.option("--from-store", is_flag=True, help="Read data from the state store.")
    @click.option(
        "--state",
        "state_path",
        metavar="PATH",
        envvar="OPSCTL_STATE",
        help="State store file (with --from-store, and for snapshots).",
    )
    @click.option(
        "--on-bad-rows",
        type=click.Choice(["error", "skip"]),
        default=None,
        help="Bad rows in the input: stop (error) or quarantine and go on (skip).",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        as_of: str | None,
        period: str | None,
        start: str | None,
        end: str | None,
        from_store: bool,
        state_path: str | None,
        on_bad_rows: str | None,
        **kwargs: Any,
    ) -> Any:
        files = {
            entity: kwargs.pop(option.replace("-", "_")) for option, entity in DATA_OPTIONS.items()
        }
        window = {"as_of": as_of, "period": period, "start": start, "end": end}
        source = {
            "files": files,
            "from_store": from_store,
            "state_path": state_path,
            "on_bad_rows": on_bad_rows,
        }
        return command(*args, window=window, source=source, **kwargs)

    for option, entity in reversed(DATA_OPTIONS.items()):
        wrapper = click.option(
            f"--{option}",
            option.replace("-", "_"),
            metavar="FILE",
            help=f"{entity.replace('_', ' ').capitalize()} file (default: [data] {entity}).",
        )(wrapper)
    return wrapper


def open_run(app: App, window: dict, source: dict):
    """The :class:`~opsctl.kpi.run.KpiRun` and the window ``(start, end, as_of)`` of the options."""
    from zoneinfo import ZoneInfo

    from opsctl.datasets import Dataset
    from opsctl.kpi.periods import window as period_window
    from opsctl.kpi.run import KpiRun
    from opsctl.sla.check import as_of

    dataset = Dataset(
        app,
        source["files"],
        from_store=source["from_store"],
        state_path=source["state_path"],
        on_bad_rows=source["on_bad_rows"],
    )
    now = as_of(window["as_of"], datetime.now(timezone.utc))
    start, end = period_window(
        period=window["period"] or app.config.get("kpi.period"),
        start=window["start"],
        end=window["end"],
        as_of=now,
        zone=ZoneInfo(dataset.timezone),
    )
    return KpiRun(app, dataset, now), start, end, now


def _names(values: tuple[str, ...]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@click.group()
def kpi() -> None:
    """Compute, export and track fulfilment KPIs.

    Every KPI has a precise definition (opsctl kpi list; docs/kpis.md), is
    computed from the same data the other commands read (files or the state
    store), and is reported as unavailable, with the reason, when its inputs
    are missing: never as 0.
    """


@kpi.command("list")
@output_options
@pass_app
def list_kpis(app: App) -> None:
    """List the KPIs plugins provide, with their definitions.

    JSON shape: a list of {"name", "kind", "unit", "definition", "inputs",
    "columns", "dimensions", "facts", "at", "population", "better", "metric",
    "plugin"}.
    """
    from opsctl.kpi.definitions import catalogue

    found = catalogue(app.plugins.registry)
    rows = [{**k.describe(), "plugin": found.plugins[k.name]} for k in found.kpis.values()]
    emit(rows, ["name", "kind", "unit", "definition"], document=rows)


@kpi.command()
@data_options
@click.option(
    "--kpi",
    "names",
    multiple=True,
    metavar="NAMES",
    help="Only these KPIs (comma-separated or repeated; default: all).",
)
@click.option(
    "--by",
    "grain",
    type=click.Choice(["day", "week", "month"]),
    default=None,
    help="Cut the period into days, ISO weeks or months (default: [kpi] by, else "
    "the whole period).",
)
@click.option(
    "--dimension",
    "-d",
    "dimensions",
    multiple=True,
    type=click.Choice(["channel", "carrier", "service", "location", "country"]),
    help="Cut by this dimension too (repeatable); KPIs that cannot be cut by it "
    "are reported uncut.",
)
@click.option(
    "--fail-if",
    "conditions",
    multiple=True,
    metavar="CONDITION",
    help="Exit 1 when a value meets this condition, e.g. "
    "'on_time_delivery_rate < 0.95' or 'late_rate{carrier=dpd} > 0.1' (repeatable; "
    "default: [kpi] fail_if). An unavailable value fails too.",
)
@output_options(formats=EXPORT_FORMATS)
@lockable
@pass_app
def export(
    app: App,
    window: dict,
    source: dict,
    names: tuple[str, ...],
    grain: str | None,
    dimensions: tuple[str, ...],
    conditions: tuple[str, ...],
) -> None:
    """Compute KPIs over a period and export them for people, scripts or Prometheus.

    The period is --period, or --from/--to, in the config's timezone
    ([defaults] timezone, where every day, week and month starts at local
    midnight); order KPIs count orders placed in it, parcel KPIs parcels
    shipped in it. Data comes from the files given, the config's [data]
    files, or the state store (--from-store).

    Formats: table, markdown, csv, ndjson, json, and prometheus or
    openmetrics: the text format of node_exporter's textfile collector
    (opsctl_ prefix, base units, one gauge per KPI, labels only for the
    dimensions asked for), written atomically to --output FILE.prom or
    [kpi] prometheus_file, else to stdout.

    JSON shape: {"as_of", "period": {"start", "end", "by", "timezone"},
    "values": [{"kpi", "period", "start", "end", DIMENSION..., "value",
    "unit", "n", "status", "reason"}], "alerts": [messages]}; CSV and NDJSON
    give the values only. Exit code 1 when a --fail-if condition is met.
    """
    from opsctl.errors import CheckFailed, UsageError
    from opsctl.kpi import alerts
    from opsctl.output import current_format

    section = app.config.section("kpi")
    fmt = click.get_current_context().meta.get("opsctl.format") or current_format()
    grain = grain or section.get("by")
    if fmt in ("prometheus", "openmetrics") and grain:
        raise UsageError(f"--format {fmt} holds the current values: use --period, not --by")
    dimensions = dimensions or tuple(
        [section["dimensions"]]
        if isinstance(section.get("dimensions"), str)
        else section.get("dimensions", ())
    )
    default_conditions = section.get("fail_if", [])
    texts = list(conditions) or (
        [default_conditions] if isinstance(default_conditions, str) else default_conditions
    )
    parsed = [alerts.parse_condition(text) for text in texts]
    run, start, end, now = open_run(app, window, source)
    with run:
        kpis = run.catalogue.select(_names(names))
        values = run.values(kpis, start=start, end=end, grain=grain, dimensions=dimensions)
    breaches = alerts.check(parsed, values)
    if fmt in ("prometheus", "openmetrics"):
        _write_prometheus(app, values, start, end, now, fmt)
    else:
        rows = [value.row() for value in values]
        dims = [d for d in (*dimensions, "currency") if any(d in row for row in rows)]
        document = {
            "as_of": now,
            "period": {"start": start, "end": end, "by": grain, "timezone": run.zone.key},
            "values": rows,
            "alerts": [breach.message() for breach in breaches],
        }
        shown = [
            {**row, "value": _shown(value)} if fmt in ("table", "markdown") else row
            for row, value in zip(rows, values, strict=True)
        ]
        columns = ["kpi", "period", *dims, "value", "unit", "n", "reason"]
        if fmt in ("csv", "ndjson"):
            columns = [
                "kpi",
                "period",
                "start",
                "end",
                *dims,
                "value",
                "unit",
                "n",
                "status",
                "reason",
            ]
        emit(shown, columns, document=document)
    if breaches:
        for breach in breaches:
            click.echo(f"opsctl: alert: {breach.message()}", err=True)
        raise CheckFailed(f"{len(breaches)} KPI value(s) met a --fail-if condition")


def _shown(value) -> str | None:
    """A value as people read it in a table (the exact value stays in csv/json)."""
    from opsctl.kpi.definitions import Kind

    if value.value is None:
        return None
    kind = value.kpi.kind
    if kind is Kind.RATIO:
        return f"{value.value:.1%}" if value.kpi.unit == "ratio" else f"{value.value:.2f}"
    if kind is Kind.DURATION:
        return _duration(float(value.value))
    if kind is Kind.SCORE:
        return f"{value.value:.2f}"
    if kind is Kind.AMOUNT:
        return f"{value.value:,.2f} {value.dims.get('currency', '')}".strip()
    return f"{value.value:,}"


def _duration(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def _write_prometheus(app: App, values, start, end, now, fmt: str) -> None:
    from opsctl.kpi.prometheus import render
    from opsctl.output import write_output

    ctx = click.get_current_context()
    text = render(values, start=start, end=end, as_of=now, openmetrics=fmt == "openmetrics")
    target = ctx.meta.get("opsctl.output") or app.config.path_for("kpi.prometheus_file")
    if target and str(target) != "-" and fmt == "prometheus" and not str(target).endswith(".prom"):
        click.echo(
            f"opsctl: warning: {target} does not end in .prom: node_exporter's textfile "
            "collector reads only *.prom files",
            err=True,
        )
    write_output(text, str(target) if target else None)
    if target and str(target) != "-":
        click.echo(f"opsctl: wrote {target}", err=True)


@kpi.command()
@data_options
@click.option(
    "--kpi",
    "names",
    multiple=True,
    metavar="NAMES",
    help="Only these KPIs (comma-separated or repeated; default: all).",
)
@click.option(
    "--by",
    "grain",
    type=click.Choice(["day", "week", "month"]),
    default="day",
    show_default=True,
    help="Store one value per day, ISO week or month.",
)
@click.option(
    "--dimension",
    "-d",
    "dimensions",
    multiple=True,
    type=click.Choice(["channel", "carrier", "service", "location", "country"]),
    help="Store values cut by this dimension too (repeatable).",
)
@output_options
@lockable
@pass_app
def snapshot(
    app: App,
    window: dict,
    source: dict,
    names: tuple[str, ...],
    grain: str,
    dimensions: tuple[str, ...],
) -> None:
    """Store each period's KPI values in the state store, for history and trends.

    Computes the KPIs as kpi export does, one value per --by period of
    --period (or --from/--to), and upserts them into the state store: a
    period stored before is replaced, so running it again (from cron, after
    late data arrives) never duplicates a period. Prints what was added,
    changed and left as it was.

    JSON shape: {"as_of", "state", "inserted", "updated", "unchanged",
    "periods": [labels]}.
    """
    from opsctl.kpi.history import snapshots
    from opsctl.store import open_store, state_location

    run, start, end, now = open_run(app, window, source)
    with run:
        kpis = run.catalogue.select(_names(names))
        values = run.values(kpis, start=start, end=end, grain=grain, dimensions=dimensions)
    rows = snapshots(values, grain=grain, as_of=now, computed_at=datetime.now(timezone.utc))
    location = state_location(app.config, source["state_path"])
    with open_store(location) as store:
        store.migrate()
        counts = store.kpi_snapshots().write(rows)
    periods = sorted({value.period.label for value in values})
    document = {
        "as_of": now,
        "state": str(location),
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "periods": periods,
    }
    click.echo(
        f"opsctl: {counts.inserted} new, {counts.updated} changed, {counts.unchanged} unchanged "
        f"KPI value(s) for {len(periods)} period(s) in {location}",
        err=True,
    )
    emit(
        [
            {
                "kpis": len(kpis),
                "periods": len(periods),
                "inserted": counts.inserted,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            }
        ],
        document=document,
    )


@kpi.command()
@click.option(
    "--kpi",
    "names",
    multiple=True,
    metavar="NAMES",
    help="Only these KPIs (comma-separated or repeated; default: all stored).",
)
@click.option(
    "--by",
    "grain",
    type=click.Choice(["day", "week", "month", "period"]),
    default="day",
    show_default=True,
    help="Which stored periods to show.",
)
@click.option("--since", metavar="DATE", help="Only periods starting on or after DATE.")
@click.option(
    "--last", type=click.IntRange(1), default=None, help="Only the last N periods of each series."
)
@click.option(
    "--state", "state_path", metavar="PATH", envvar="OPSCTL_STATE", help="State store file."
)
@output_options
@pass_app
def history(
    app: App,
    names: tuple[str, ...],
    grain: str,
    since: str | None,
    last: int | None,
    state_path: str | None,
) -> None:
    """Show stored KPI values over time, each with its change against the period before.

    Reads what kpi snapshot stored. For each KPI (and dimension values),
    every period's value, the change from the previous period (absolute,
    and relative as change_ratio) and an arrow: ▲ up, ▼ down, ► flat.

    JSON shape: a list of {"kpi", "grain", "period", DIMENSION..., "value",
    "unit", "n", "change", "change_ratio", "trend", "reason", "as_of"}.
    """
    from zoneinfo import ZoneInfo

    from opsctl.kpi.history import trends
    from opsctl.kpi.periods import parse_bound
    from opsctl.store import open_store, state_location

    start = None
    if since:
        zone = ZoneInfo(app.config.get("defaults.timezone", "UTC"))
        moment = parse_bound(since, zone, end=False).astimezone(timezone.utc)
        start = moment.isoformat().replace("+00:00", "Z")
    with open_store(state_location(app.config, state_path)) as store:
        store.migrate()
        stored = store.kpi_snapshots().read(kpis=_names(names), grain=grain, since=start)
    points = trends(stored)
    if last:
        series: dict[tuple, list] = {}
        for point in points:
            key = (point.snapshot.kpi, point.snapshot.dimensions)
            series.setdefault(key, []).append(point)
        points = [p for group in series.values() for p in group[-last:]]
    rows = [point.row() for point in points]
    dims = [
        d
        for d in ("channel", "carrier", "service", "location", "country", "currency")
        if any(d in row for row in rows)
    ]
    emit(rows, ["kpi", "period", *dims, "value", "unit", "change", "trend", "n"], document=rows)
