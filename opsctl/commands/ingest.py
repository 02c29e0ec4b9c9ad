"""``opsctl ingest``: load data files into the state store."""

from __future__ import annotations

from pathlib import Path

import click

from opsctl.app import App, pass_app
from opsctl.cli import lockable
from opsctl.commands.db import state_option, store_location
from opsctl.errors import UsageError
from opsctl.loaders.sources import FORMATS
from opsctl.model import ENTITIES
from opsctl.output import emit, output_options

COLUMNS = [
    "entity",
    "file",
    "records",
    "inserted",
    "updated",
    "unchanged",
    "bad_rows",
    "quarantine",
]


@click.command()
@click.argument("kind", required=False, type=click.Choice(list(ENTITIES)), metavar="KIND")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Ingest every file of the config's [data] table, in dependency order.",
)
@click.option(
    "--on-bad-rows",
    type=click.Choice(["error", "skip"]),
    default=None,
    help="error: stop at the first bad row, store nothing; skip: quarantine bad rows and go on "
    "(default: [defaults] on_bad_rows, else error).",
)
@click.option(
    "--quarantine",
    metavar="PATH",
    help="Where skipped rows go: a file, or a folder for several inputs "
    "(default: NAME.quarantine.csv or .ndjson beside each input).",
)
@click.option(
    "--input-format",
    type=click.Choice(FORMATS),
    default=None,
    help="Format of the input (default: from each file's extension; needed for stdin).",
)
@state_option
@output_options
@lockable
@pass_app
def ingest(
    app: App,
    kind: str | None,
    files: tuple[str, ...],
    everything: bool,
    on_bad_rows: str | None,
    quarantine: str | None,
    input_format: str | None,
    state_path: str | None,
) -> None:
    """Load data files into the state store, upserting records by natural key.

    KIND is an entity of docs/formats.md (locations, carrier_services, stock,
    orders, order_lines, shipments, tracking_events, returns, reviews,
    checkout_events); FILE is CSV, JSON or NDJSON, or - for stdin. An orders
    file whose rows carry line columns (sku, quantity, unit_price), or JSON
    orders with a nested "lines" array, fills both orders and order_lines.

    All files of a run go in ONE transaction: a bad row (under the default
    --on-bad-rows error), a missing order for a line, a crash or a kill leaves
    the store exactly as it was. Ingesting the same file again changes
    nothing: the output counts records inserted, updated and unchanged.

    Timestamps without an offset are read in the config's [defaults] timezone
    (UTC unless set). The store is created on first use (see `opsctl db`).

    \b
    Examples:
      opsctl ingest orders exports/orders.csv
      opsctl ingest tracking_events events.ndjson --on-bad-rows skip
      opsctl ingest --all
    """
    from zoneinfo import ZoneInfo

    from opsctl.store import open_store
    from opsctl.store.ingest import IngestJob
    from opsctl.store.ingest import ingest as ingest_jobs

    config = app.config
    if everything:
        if kind or files:
            raise UsageError("give either --all or KIND FILE..., not both")
        sources = _configured_sources(app)
    else:
        if not kind or not files:
            raise UsageError("give KIND and at least one FILE, or --all (see --help)")
        sources = [(kind, file) for file in files]
    jobs = [
        IngestJob(entity, source, _quarantine_for(quarantine, source, input_format, len(sources)))
        for entity, source in sources
    ]
    policy = on_bad_rows or config.get("defaults.on_bad_rows", "error")
    tz = ZoneInfo(config.get("defaults.timezone", "UTC"))
    with open_store(store_location(app, state_path)) as store:
        if store.pending_migrations() and store.schema_version():
            raise UsageError(
                f"the state store {store.location} needs schema migrations: run `opsctl db migrate`"
            )
        store.migrate()
        results = ingest_jobs(store, jobs, tz=tz, input_format=input_format, on_bad_rows=policy)
    emit([result.as_row() for result in results], COLUMNS)


def _configured_sources(app: App) -> list[tuple[str, str]]:
    """The files of ``[data]`` that are entities, in dependency order."""
    config = app.config
    named = config.section("data")
    sources = [
        (entity, str(config.path_for(f"data.{entity}"))) for entity in ENTITIES if entity in named
    ]
    if not sources:
        where = config.path or "the configuration"
        raise UsageError(
            f"--all found no entity files in [data] of {where}; expected keys among: "
            + ", ".join(ENTITIES)
        )
    return sources


def _quarantine_for(
    option: str | None, source: str, input_format: str | None, inputs: int
) -> Path | None:
    """The quarantine file of one input: ``--quarantine`` as a file or a folder."""
    if option is None:
        return None
    path = Path(option)
    if inputs > 1 or path.is_dir() or option.endswith(("/", "\\")):
        from opsctl.loaders.quarantine import default_quarantine_path
        from opsctl.loaders.sources import detect_format, source_name

        default = default_quarantine_path(source_name(source), detect_format(source, input_format))
        return path / default.name
    return path
