"""``opsctl carriers list|codes``: the registered carriers, their code tables and unmapped codes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from opsctl.app import App, pass_app
from opsctl.commands.db import state_option, store_location
from opsctl.output import current_format, emit, output_options

if TYPE_CHECKING:
    from opsctl.carriers import RunCarriers
    from opsctl.tracking import TrackingEvent

LIST_COLUMNS = ["carrier", "plugin", "serves", "codes", "code_source", "transit_times", "error"]
TRANSIT_COLUMNS = ["carrier", "service", "min_days", "max_days", "aliases", "note"]
CODE_COLUMNS = ["carrier", "plugin", "raw_code", "status", "description"]
UNMAPPED_COLUMNS = ["carrier", "raw_code", "events", "tracked_by"]


@click.group()
def carriers() -> None:
    """Show the carriers plugins provide, their status codes and unmapped codes."""


@carriers.command("list")
@output_options
@pass_app
def list_carriers(app: App) -> None:
    """List the registered carriers: plugin, code table and transit times.

    A carrier is configured from the settings of the plugin that registered
    it ([plugins.<plugin>]); "serves" lists the other carrier names it tracks
    (the file carrier's [plugins.files] carriers). Transit times are the
    carrier's standard business days per service, used by `opsctl sla check`
    when the data has no carrier_services row for a service. A carrier whose
    settings are wrong is listed with the error.

    JSON shape: [{"carrier", "plugin", "serves": [NAME], "codes", "code_source",
    "transit_source", "services": [{"service", "min_days", "max_days", "aliases",
    "note"}], "error"}]; CSV and NDJSON give one row per carrier, its services
    joined in "transit_times".
    """
    from opsctl.carriers import RunCarriers

    run_carriers = RunCarriers.of(app)
    document = [_carrier_entry(run_carriers, name) for name in run_carriers.registrations]
    if current_format() not in ("table", "markdown"):
        emit([_flat(entry) for entry in document], LIST_COLUMNS, document=document)
        return
    summary = [{**entry, "serves": ", ".join(entry["serves"])} for entry in document]
    sources = [
        {"carrier": entry["carrier"], "table": table, "source": entry[f"{key}_source"]}
        for entry in document
        for table, key in (("codes", "code"), ("transit times", "transit"))
        if entry[f"{key}_source"]
    ]
    transit = [
        {"carrier": entry["carrier"], **service, "aliases": ", ".join(service["aliases"])}
        for entry in document
        for service in entry["services"]
    ]
    sections = [
        ("Carriers", summary, ["carrier", "plugin", "serves", "codes", "error"]),
        ("Sources", sources, ["carrier", "table", "source"]),
    ]
    emit(transit, TRANSIT_COLUMNS, sections=sections, title="Transit times (business days)")


@carriers.command()
@click.option(
    "--carrier",
    "carrier_names",
    multiple=True,
    metavar="NAME",
    help="Only this carrier: a registered name, or a name a carrier serves (repeatable).",
)
@click.option(
    "--unmapped",
    is_flag=True,
    help="List the raw codes seen in the data that no carrier maps, with event counts.",
)
@click.option(
    "--events",
    "events_file",
    metavar="FILE",
    help="With --unmapped: read tracking events from FILE instead of the state store.",
)
@state_option
@output_options
@pass_app
def codes(
    app: App,
    carrier_names: tuple[str, ...],
    unmapped: bool,
    events_file: str | None,
    state_path: str | None,
) -> None:
    """List each carrier's documented raw codes and the normalised status each means.

    With --unmapped, list instead the raw codes seen in the data that are not
    mapped: events whose status is empty and whose raw code the carrier
    tracking them does not know, counted per carrier and code. The data is the
    state store's tracking events (--state), or --events FILE (CSV, JSON or
    NDJSON; timestamps without an offset are read in [defaults] timezone). A
    raw code listed here is never guessed: map it in the carrier's plugin, or
    for the file carrier in [plugins.files.codes].

    JSON shape: [{"carrier", "plugin", "raw_code", "status", "description"}];
    with --unmapped: [{"carrier", "raw_code", "events", "tracked_by"}].
    """
    from opsctl.carriers import RunCarriers
    from opsctl.errors import UsageError

    run_carriers = RunCarriers.of(app)
    if events_file and not unmapped:
        raise UsageError("--events goes with --unmapped")
    if unmapped:
        counts = (
            _unmapped_from_file(app, events_file)
            if events_file
            else _unmapped_from_store(app, state_path)
        )
        rows = unmapped_rows(counts, run_carriers, set(carrier_names))
        emit(rows, UNMAPPED_COLUMNS)
        return
    names = _registered_names(run_carriers, carrier_names)
    rows = [row for name in names for row in _code_rows(run_carriers, name)]
    emit(rows, CODE_COLUMNS)


# -- carriers list -------------------------------------------------------------------------


def _flat(entry: dict[str, Any]) -> dict[str, Any]:
    """A ``carriers list`` entry as one CSV/NDJSON row."""
    services = (f"{s['service']} {s['min_days']}-{s['max_days']}" for s in entry["services"])
    return {**entry, "serves": ";".join(entry["serves"]), "transit_times": "; ".join(services)}


def _carrier_entry(run_carriers: RunCarriers, name: str) -> dict[str, Any]:
    """What ``carriers list`` shows of the registered carrier ``name``."""
    from opsctl.errors import OpsctlError

    registration = run_carriers.registrations[name]
    configured = run_carriers.configured.get(name)
    error = str(configured) if isinstance(configured, OpsctlError) else None
    carrier = registration.obj if error else configured
    table = carrier.known_codes() if hasattr(carrier, "known_codes") else None
    transit = getattr(carrier, "transit_times", None)
    return {
        "carrier": name,
        "plugin": registration.plugin,
        "serves": list(run_carriers.serves(name)),
        "codes": len(table) if table is not None else None,
        "code_source": getattr(table, "source", None),
        "transit_source": getattr(transit, "source", None),
        "services": [
            {
                "service": time.service,
                "min_days": time.min_days,
                "max_days": time.max_days,
                "aliases": list(time.aliases),
                "note": time.note,
            }
            for time in (transit or ())
        ],
        "error": error,
    }


# -- carriers codes ------------------------------------------------------------------------


def _registered_names(run_carriers: RunCarriers, wanted: Iterable[str]) -> list[str]:
    """The registered carriers asked for (all when none), by registered or served name."""
    from opsctl.errors import UsageError

    wanted = list(wanted)
    if not wanted:
        return list(run_carriers.registrations)
    names = []
    for name in wanted:
        if name in run_carriers.registrations:
            names.append(name)
        elif name in run_carriers.served:
            names.append(run_carriers.served[name])
        else:
            known = ", ".join([*run_carriers.registrations, *run_carriers.served]) or "none"
            raise UsageError(f"unknown carrier {name!r} (known: {known})")
    return list(dict.fromkeys(names))


def _code_rows(run_carriers: RunCarriers, name: str) -> list[dict[str, Any]]:
    plugin = run_carriers.registrations[name].plugin
    return [
        {
            "carrier": name,
            "plugin": plugin,
            "raw_code": entry.code,
            "status": entry.status,
            "description": entry.description,
        }
        for entry in run_carriers.carrier(name).known_codes().entries()
    ]


# -- carriers codes --unmapped -------------------------------------------------------------


def count_unmapped(events: Iterable[TrackingEvent]) -> Counter[tuple[str, str]]:
    """Events without a status, counted per (carrier, raw code)."""
    counts: Counter[tuple[str, str]] = Counter()
    for event in events:
        if event.status is None and event.raw_code:
            counts[(event.carrier or "", event.raw_code)] += 1
    return counts


def unmapped_rows(
    counts: Counter[tuple[str, str]] | dict[tuple[str, str], int],
    run_carriers: RunCarriers,
    only: set[str],
) -> list[dict[str, Any]]:
    """The counted codes that the carrier tracking them does not know, as output rows."""
    from opsctl.errors import OpsctlError

    rows = []
    for (carrier_name, raw_code), events in sorted(counts.items()):
        if only and carrier_name not in only:
            continue
        try:
            tracker = run_carriers.tracker(carrier_name) if carrier_name else None
        except OpsctlError:
            tracker = None
        if tracker is not None and tracker.carrier.map_status(raw_code) is not None:
            continue  # stored before the carrier learnt the code: known now
        rows.append(
            {
                "carrier": carrier_name,
                "raw_code": raw_code,
                "events": events,
                "tracked_by": tracker.name if tracker else None,
            }
        )
    return rows


def _unmapped_from_file(app: App, events_file: str) -> Counter[tuple[str, str]]:
    from zoneinfo import ZoneInfo

    from opsctl.loaders import load

    config = app.config
    events = load(
        "tracking_events",
        events_file,
        tz=ZoneInfo(config.get("defaults.timezone", "UTC")),
        on_bad_rows=config.get("defaults.on_bad_rows", "error"),
    )
    return count_unmapped(events)


def _unmapped_from_store(app: App, state_path: str | None) -> dict[tuple[str, str], int]:
    from opsctl.store import open_store

    with open_store(store_location(app, state_path), create=False) as store:
        if store.schema_version() == 0:
            return {}
        return {(c.carrier, c.raw_code): c.events for c in store.tracking_ledger().unmapped_codes()}
