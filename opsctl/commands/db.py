"""``opsctl db init|migrate|status``: the state store's life cycle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from opsctl.app import App, pass_app
from opsctl.output import emit, output_options


def state_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--state PATH`` (env ``OPSCTL_STATE``): the store to use instead of the config's."""
    return click.option(
        "--state",
        "state_path",
        metavar="PATH",
        envvar="OPSCTL_STATE",
        show_envvar=True,
        help="State store file (default: [state] path in the config, else the user data dir).",
    )(func)


def store_location(app: App, state_path: str | None) -> str:
    from opsctl.store import state_location

    return state_location(app.config, state_path)


@click.group()
def db() -> None:
    """Create, migrate and inspect the state store.

    The store is a SQLite file: --state PATH or OPSCTL_STATE, else [state] path
    in the config (relative to the config file), else state.db in the user
    data folder. See docs/store.md.
    """


@db.command()
@state_option
@pass_app
def init(app: App, state_path: str | None) -> None:
    """Create the state store with the latest schema (does nothing if it exists)."""
    from opsctl.store import open_store

    location = store_location(app, state_path)
    existed = Path(location).exists()
    with open_store(location) as store:
        if existed and store.schema_version():
            pending = store.pending_migrations()
            hint = (
                f"; {len(pending)} pending migration(s): run `opsctl db migrate`" if pending else ""
            )
            click.echo(
                f"state store already exists: {location} (schema version "
                f"{store.schema_version()}){hint}",
                err=True,
            )
            return
        store.migrate()
        click.echo(
            f"created state store {location} (schema version {store.schema_version()})", err=True
        )


@db.command()
@state_option
@pass_app
def migrate(app: App, state_path: str | None) -> None:
    """Apply the pending schema migrations to the state store.

    Each migration runs in its own transaction with the row that records it,
    so an interrupted migrate leaves the store at the last complete version.
    """
    from opsctl.store import open_store

    location = store_location(app, state_path)
    with open_store(location, create=False) as store:
        applied = store.migrate()
        for migration in applied:
            click.echo(f"applied migration {migration.version}: {migration.name}", err=True)
        click.echo(
            f"state store {location} is at schema version {store.schema_version()}"
            + ("" if applied else " (nothing to apply)"),
            err=True,
        )


@db.command()
@state_option
@output_options
@pass_app
def status(app: App, state_path: str | None) -> None:
    """Show the state store's path, schema version, pending migrations and row counts.

    JSON shape: {"path", "exists", "schema_version", "latest_version",
    "pending_migrations": [{"version", "name"}], "tables": {table: rows}}.
    """
    from opsctl.store import backend_migrations, open_store

    location = store_location(app, state_path)
    exists = Path(location).exists()
    migrations = backend_migrations(location)
    document: dict[str, Any] = {
        "path": location,
        "exists": exists,
        "schema_version": 0,
        "latest_version": migrations[-1].version,
        "pending_migrations": [{"version": m.version, "name": m.name} for m in migrations],
        "tables": {},
    }
    if exists:
        with open_store(location, create=False) as store:
            version = store.schema_version()
            document["schema_version"] = version
            document["latest_version"] = store.migrations()[-1].version
            document["pending_migrations"] = [
                {"version": m.version, "name": m.name} for m in store.pending_migrations()
            ]
            if version:
                document["tables"] = store.counts()
    pending = ", ".join(f"{m['version']} {m['name']}" for m in document["pending_migrations"])
    rows = [
        {"item": "path", "value": location},
        {"item": "exists", "value": exists},
        {
            "item": "schema version",
            "value": f"{document['schema_version']} (latest {document['latest_version']})",
        },
        {"item": "pending migrations", "value": pending or "none"},
        *(
            {"item": f"rows: {table}", "value": count}
            for table, count in document["tables"].items()
        ),
    ]
    emit(rows, ["item", "value"], document=document)
