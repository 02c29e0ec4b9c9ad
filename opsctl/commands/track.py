"""``opsctl track sync``: poll the carriers for open shipments and store their new events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from opsctl.app import App, pass_app
from opsctl.cli import lockable
from opsctl.commands.db import state_option, store_location
from opsctl.output import emit, output_options
from opsctl.sync import settings as _track_section  # noqa: F401 - declares [track]


def locked_by_default(command: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`opsctl.cli.lockable`, with ``--lock`` on unless ``--no-lock`` is given.

    ``track sync`` is meant for cron every few minutes, where two overlapping
    runs would only poll the same parcels twice.
    """
    decorated = lockable(command)
    for param in getattr(decorated, "__click_params__", []):
        if param.name == "use_lock":
            param.default = True
            param.help = "Hold a lock so two runs never overlap (default: on; --no-lock: off)."
    return decorated


@click.group()
def track() -> None:
    """Keep the state store's tracking events up to date from the carriers."""


@track.command()
@click.option(
    "--carrier",
    "carriers",
    multiple=True,
    metavar="NAME",
    help="Only shipments of this carrier, as the shipments name it (repeatable).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Poll at most N shipments, the longest overdue first; the rest wait for the next run.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Poll and count, but write nothing to the store (carrier requests are still made).",
)
@click.option(
    "--fail-on-error",
    is_flag=True,
    help="Exit 4 when a carrier failed (2 when all failures are configuration problems); "
    "without it, failures are reported and the exit code is 0.",
)
@state_option
@output_options
@locked_by_default
@pass_app
def sync(
    app: App,
    carriers: tuple[str, ...],
    limit: int | None,
    dry_run: bool,
    fail_on_error: bool,
    state_path: str | None,
) -> None:
    """Poll the carriers for shipments not final yet and store their new tracking events.

    Polls every shipment of the state store that is still open: not delivered
    (no delivered_at, latest status not delivered or cancelled) and not
    expired (shipped less than [track] max_age_days ago, default 60, and an
    event within [track] max_silence_days, default 30). A shipment is polled
    again [track] poll_interval_minutes (default 60) after a poll that
    worked; a number the carrier does not know is retried after
    not_found_retry_minutes (60), doubling up to not_found_retry_max_hours
    (24). Final and expired shipments are never polled again.

    Each shipment is tracked by the carrier plugin of its carrier name
    (settings in [plugins.<plugin>]), or by the file carrier for the names in
    [plugins.files] carriers. Numbers go to the carrier in batches (its own
    batch size, else [track] batch_size, default 30). Events are stored by
    natural key, so a run never stores an event twice; the carrier's
    estimated delivery day becomes the shipment's carrier_edd.

    Safe for cron: --lock is on by default (a second run exits with code 5),
    and each batch is committed in its own transaction, so a run that is
    killed keeps what it stored and the next run carries on. A carrier that
    fails never stops the others: the failure is reported on stderr and in
    the output, and the exit code stays 0 unless --fail-on-error.

    Prints one row per carrier name: open, due, polled, new_events,
    unchanged, now_final, expired, problems (numbers unknown to the carrier),
    deferred (left for the next run: --limit or request budget), failed,
    error.

    JSON shape: {"as_of", "dry_run", "totals": {COUNT: n}, "carriers":
    [{"carrier", "plugin", "open", "due", "polled", "new_events",
    "unchanged", "now_final", "expired", "problems", "deferred", "failed",
    "error"}], "errors": [{"carrier", "message"}]}.
    """
    from opsctl.carriers import RunCarriers
    from opsctl.errors import UsageError
    from opsctl.store import open_store
    from opsctl.sync.policy import SyncPolicy
    from opsctl.sync.report import COLUMNS
    from opsctl.sync.run import SyncRequest, TrackSync

    policy = SyncPolicy.from_section(app.config.section("track"))
    request = SyncRequest(carriers=carriers, limit=limit, dry_run=dry_run)
    with open_store(store_location(app, state_path), create=False) as store:
        if store.pending_migrations():
            if store.schema_version():
                raise UsageError(
                    f"the state store {store.location} needs schema migrations: "
                    "run `opsctl db migrate`"
                )
            store.migrate()
        report = TrackSync(store, RunCarriers.of(app), policy, request).run()
    emit(report.rows(), COLUMNS, document=report.document())
    failure = report.failure_error()
    if fail_on_error and failure is not None:
        raise failure
