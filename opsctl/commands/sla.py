"""``opsctl sla check``: shipments against their delivery promises."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import click

from opsctl.app import App, pass_app
from opsctl.cli import lockable
from opsctl.output import LINE_FORMATS, current_format, emit, emit_lines, output_options

log = logging.getLogger("opsctl.sla")

ROW_COLUMNS = [
    "shipment_id",
    "order_id",
    "carrier",
    "service",
    "channel",
    "verdict",
    "promise",
    "expected",
    "business_days_late",
    "last_event_at",
    "reason",
]
GROUP_COLUMNS = ["shipments", "on_time_rate", "late", "at_risk", "stalled", "failed"]


@click.group()
def sla() -> None:
    """Watch shipments against their delivery promises."""


@sla.command()
@click.option(
    "--as-of",
    metavar="TIMESTAMP",
    help="Judge as of this moment (ISO 8601 with offset; default: now). Use the export time "
    "of the data to re-check an old export.",
)
@click.option("--shipments", "shipments_file", metavar="FILE", help="Shipments file.")
@click.option("--events", "events_file", metavar="FILE", help="Tracking events file.")
@click.option("--orders", "orders_file", metavar="FILE", help="Orders file (channel, destination).")
@click.option("--locations", "locations_file", metavar="FILE", help="Locations file (origin).")
@click.option(
    "--carrier-services", "services_file", metavar="FILE", help="Carrier services (transit days)."
)
@click.option("--from-store", is_flag=True, help="Read data from the state store instead of files.")
@click.option(
    "--state",
    "state_path",
    metavar="PATH",
    envvar="OPSCTL_STATE",
    help="State store file (with --from-store).",
)
@click.option("--carrier", "carriers", multiple=True, help="Only this carrier (repeatable).")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
@click.option("--since", metavar="DATE", help="Only shipments shipped (else ordered) since DATE.")
@click.option(
    "--verdict",
    "verdicts",
    multiple=True,
    metavar="LIST",
    help="List only these verdicts or groups (late, stalled, failed, breach; repeatable).",
)
@click.option("--all", "show_all", is_flag=True, help="List every shipment, not only breaches.")
@click.option(
    "--by",
    "dimensions",
    multiple=True,
    type=click.Choice(["carrier", "service", "channel"]),
    help="Summarise by these dimensions (default: carrier).",
)
@click.option(
    "--fail-on",
    metavar="LIST",
    help="Exit 1 when the share of shipments with these verdicts exceeds --max-rate "
    "(e.g. late,stalled,at_risk; default: [sla] fail_on).",
)
@click.option(
    "--max-rate",
    type=click.FloatRange(0, 1),
    default=None,
    help="Largest acceptable share of --fail-on shipments (default: [sla] max_rate, else 0).",
)
@click.option(
    "--notify",
    is_flag=True,
    help="Send notifications through the notifiers of [notify] ops and customer, once per "
    "change (remembered in the state store).",
)
@click.option(
    "--digest/--no-digest",
    default=None,
    help="Send each notifier's notifications together (default: [notify] digest).",
)
@click.option(
    "--on-bad-rows",
    type=click.Choice(["error", "skip"]),
    default=None,
    help="Bad rows in the input: stop (error) or quarantine and go on (skip).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="With --from-store: judge every shipment afresh, without reading or keeping the "
    "verdicts of earlier checks.",
)
@output_options
@lockable
@pass_app
def check(
    app: App,
    as_of: str | None,
    shipments_file: str | None,
    events_file: str | None,
    orders_file: str | None,
    locations_file: str | None,
    services_file: str | None,
    from_store: bool,
    state_path: str | None,
    carriers: tuple[str, ...],
    channels: tuple[str, ...],
    since: str | None,
    verdicts: tuple[str, ...],
    show_all: bool,
    dimensions: tuple[str, ...],
    fail_on: str | None,
    max_rate: float | None,
    notify: bool,
    digest: bool | None,
    on_bad_rows: str | None,
    no_cache: bool,
) -> None:
    """Check shipments against their delivery promises and list the breaches.

    Each shipment gets one verdict from its tracking events, its promise (the
    shipment's or order's promised_by, else the order date plus the service's
    standard transit days), the carrier's EDD and business calendars:
    delivered_on_time, delivered_late, late_in_transit, at_risk,
    stalled_before_pickup, stalled_in_transit, attempt_failed, exception,
    returning_to_sender, lost, on_track, awaiting_pickup, cancelled or unknown.
    The rules and limits are in docs/sla.md; [sla] in the config tunes them
    per carrier, service and channel.

    Data comes from the files given, else the config's [data] files, or from
    the state store with --from-store. A promise date means the end of that
    day in the destination's timezone; timestamps without an offset are read
    in [defaults] timezone.

    Prints the verdict counts, a summary by carrier (or --by), and the breaches
    (--all: every shipment). Exit code 1 when the share of --fail-on
    shipments is above --max-rate, for cron and CI.

    With --notify, each notifier named in [notify] ops gets every change of a
    shipment's verdict to a breach, once; each notifier in [notify] customer
    gets the stages shipped, out_for_delivery, delivered, delayed and
    exception, once each, for parcels with an event in the last [notify]
    max_age_hours (default 72). What was sent is remembered in the state
    store; a notifier that fails is retried next run (exit code 4).

    From the store, each verdict is kept with the time until which the clock
    cannot change it (the next local midnight, the promise's deadline, the
    day a silent parcel counts as lost); the next check judges only the
    shipments written since (new events, orders, shipments) or whose verdict
    has run out, with the same results. --no-cache judges them all.

    JSON shape: {"as_of", "summary": {"shipments", "on_time_rate", "verdicts",
    "fail_on", "fail_rate", "max_rate", "failed"}, "by": {DIMENSION: [rows]},
    "unmapped_codes": [{"carrier", "raw_code", "events"}], "shipments": [rows]};
    CSV and NDJSON give the shipment rows only.
    """
    from opsctl.datasets import Dataset
    from opsctl.errors import CheckFailed
    from opsctl.sla import check as sla_check
    from opsctl.sla.thresholds import policy_from_config

    config = app.config
    section = config.section("sla")
    now = sla_check.as_of(as_of, datetime.now(timezone.utc))
    files = {
        "shipments": shipments_file,
        "tracking_events": events_file,
        "orders": orders_file,
        "locations": locations_file,
        "carrier_services": services_file,
    }
    fail_set = sla_check.parse_verdicts(fail_on or section.get("fail_on", []))
    rate_limit = max_rate if max_rate is not None else float(section.get("max_rate", 0))
    listed = sla_check.parse_verdicts(verdicts) if verdicts else None
    with Dataset(
        app, files, from_store=from_store, state_path=state_path, on_bad_rows=on_bad_rows
    ) as data:
        filters = sla_check.Filters(
            frozenset(carriers), frozenset(channels), sla_check.since_moment(since, data.timezone)
        )
        policy = policy_from_config(section)

        def new_report(lines: tuple[str, list[str]] | None = None) -> sla_check.Report:
            return sla_check.Report(
                listed=listed, show_all=show_all, keep_verdicts=notify, lines=lines
            )

        checked = _check_files_directly(app, data, policy, now, filters, new_report)
        if checked is None:
            checked = _check_store_directly(
                app, data, policy, now, filters, new_report, cache=not no_cache
            )
        if checked is None:
            from opsctl.sla.facts import facts_builder_for

            report = new_report()
            fold = sla_check.EventFold.of(data.records("tracking_events", option="--events"))
            judged = sla_check.run_check(
                data.records("shipments", option="--shipments"),
                fold,
                facts_builder_for(app, data),
                policy,
                now,
                filters,
            )
            for position, verdict in enumerate(judged):
                report.add(position, verdict)
            unmapped_counts = fold.unmapped
        else:
            report, unmapped_counts = checked
        if notify:
            _notify(app, data.store, report.verdicts, now, digest)
    summary = report.summary
    rows = [] if report.line_format else report.rows
    rate, failed = sla_check.gate(summary, fail_set, rate_limit)
    by = list(dimensions) or ["carrier"]
    overview = {
        "shipments": summary.total.shipments,
        "on_time_rate": summary.total.on_time_rate,
        "verdicts": dict(sorted(summary.total.verdicts.items())),
        "fail_on": sorted(v.value for v in fail_set),
        "fail_rate": rate,
        "max_rate": rate_limit,
        "failed": failed,
    }
    unmapped = [
        {"carrier": carrier, "raw_code": code, "events": count}
        for (carrier, code), count in sorted(unmapped_counts.items())
    ]
    document = {
        "as_of": now,
        "summary": overview,
        "by": {dimension: summary.group_rows(dimension) for dimension in by},
        "unmapped_codes": unmapped,
        "shipments": rows,
    }
    verdict_rows = [
        {"verdict": name, "shipments": count} for name, count in overview["verdicts"].items()
    ]
    verdict_rows.append({"verdict": "on-time rate", "shipments": summary.total.on_time_rate})
    sections = [(f"Verdicts as of {now.isoformat()}", verdict_rows, ["verdict", "shipments"])]
    sections += [
        (f"By {dimension}", summary.group_rows(dimension), [dimension, *GROUP_COLUMNS])
        for dimension in by
    ]
    title = "Shipments" if show_all or listed else "Breaches"
    if report.line_format:
        emit_lines(report.lines, ROW_COLUMNS)
    else:
        emit(rows, ROW_COLUMNS, document=document, sections=sections, title=title)
    from opsctl.cli import outlive

    outlive(report, document)  # the console script then ends without freeing them one by one
    if unmapped:
        total = sum(item["events"] for item in unmapped)
        click.echo(
            f"opsctl: warning: {total} event(s) with {len(unmapped)} unmapped carrier code(s); "
            "see `opsctl carriers codes --unmapped`",
            err=True,
        )
    if failed:
        raise CheckFailed(
            f"{rate:.1%} of {summary.total.shipments} shipments are "
            f"{', '.join(overview['fail_on'])}: above the limit of {rate_limit:.1%}"
        )


def _check_files_directly(app: App, data, policy, now: datetime, filters, new_report):
    """The fast path over data files (:mod:`opsctl.sla.bulk`): ``(report, unmapped codes)``.

    ``None`` when it does not apply (the state store, ``--on-bad-rows skip``,
    ``OPSCTL_SLA_ENGINE=python``) or declines the files: the loaders then read
    them, with the same verdicts or their exact error.
    """
    if data.from_store or data.on_bad_rows != "error":
        return None
    from opsctl.errors import DataError
    from opsctl.sla import bulk

    files = {entity: data.file(entity) for entity in ("shipments", "tracking_events", "orders")}
    if not bulk.wanted(app.environ):
        return None
    if not (files["shipments"] and files["tracking_events"]):
        return None
    from opsctl.sla.facts import facts_builder_for

    # The rows listed in CSV or NDJSON are rendered by the processes that judge them.
    fmt = current_format()
    lines = (fmt, ROW_COLUMNS) if fmt in LINE_FORMATS else None
    # DuckDB out of memory (its hash tables are per thread): once more on one thread.
    for threads in (None, 1):
        report = new_report(lines)
        try:
            builder = facts_builder_for(app, data, with_orders=False)
            unmapped = bulk.check_files(
                {entity: path for entity, path in files.items() if path},
                timezone_name=data.timezone,
                builder=builder,
                policy=policy,
                now=now,
                filters=filters,
                report=report,
                threads=threads,
            )
        except (bulk.Declined, DataError) as reason:
            unexpected = getattr(reason, "unexpected", False)
            if unexpected and threads is None:
                log.info("DuckDB ran out of memory (%s): once more on one thread", reason)
                continue
            (log.warning if unexpected else log.info)(
                "reading the files with the loaders%s: %s",
                ", which is much slower" if unexpected else "",
                reason,
            )
            return None
        return report, unmapped
    return None


def _check_store_directly(
    app: App, data, policy, now: datetime, filters, new_report, *, cache: bool = True
):
    """The fast path over the state store (:mod:`opsctl.sla.storecheck`): ``(report,
    unmapped codes)``, each shipment read in one row with its order and its events' timeline.

    ``None`` when it does not apply: files given for shipments, events or orders, or
    ``OPSCTL_SLA_ENGINE=python`` (which reads every stored record, the reference path).
    """
    from opsctl.sla import ENGINE_VARIABLE

    if not data.from_store or app.environ.get(ENGINE_VARIABLE, "").strip().lower() == "python":
        return None
    if any(entity in data.files for entity in ("shipments", "tracking_events", "orders")):
        return None
    from opsctl.sla.facts import facts_builder_for
    from opsctl.sla.storecheck import check_store
    from opsctl.sla.verdictcache import basis

    # Verdicts kept by earlier checks hold while the reference data is the store's.
    stored = cache and not any(entity in data.files for entity in ("locations", "carrier_services"))
    report = new_report()
    unmapped = check_store(
        data.store,
        builder=facts_builder_for(app, data, with_orders=False),
        policy=policy,
        now=now,
        filters=filters,
        report=report,
        basis=basis(app.config, data.timezone) if stored else None,
    )
    return report, unmapped


def _notify(app: App, store, verdicts: list, now: datetime, digest: bool | None) -> None:
    """Send the notifications of this check (see ``--notify`` in the help)."""
    from opsctl.errors import ServiceError, UsageError
    from opsctl.sla.notifications import deliver

    config = app.config
    section = config.section("notify")
    routes = {}
    for audience in ("ops", "customer"):
        names = section.get(audience, [])
        routes[audience] = [names] if isinstance(names, str) else list(names)
    if not any(routes.values()):
        raise UsageError("--notify needs notifiers in [notify] ops and/or customer")
    registry = app.plugins.registry
    notifiers = {
        name: registry.get("notifiers", name) for names in routes.values() for name in names
    }
    settings = {name: section.get(name, {}) for name in notifiers}

    def secret(notifier: str, key: str):
        value = settings[notifier].get(key)
        return config.resolve(f"notify.{notifier}.{key}", value) if value is not None else None

    sent, errors = deliver(
        ledger=store.notifications(),
        notifiers=notifiers,
        routes=routes,
        settings=settings,
        secret=secret,
        verdicts=verdicts,
        now=now,
        digest=bool(section.get("digest", False)) if digest is None else digest,
        max_age_hours=float(section.get("max_age_hours", 72)),
    )
    for target, count in sent.items():
        click.echo(f"opsctl: notified {count} via {target}", err=True)
    if errors:
        raise ServiceError("; ".join(errors))
