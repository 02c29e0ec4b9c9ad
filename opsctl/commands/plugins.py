"""``opsctl plugins``: what is installed and what each plugin provides."""

from __future__ import annotations

import click

from opsctl.app import App, pass_app
from opsctl.output import emit, output_options


@click.command()
@output_options
@pass_app
def plugins(app: App) -> None:
    """List plugins and what each one provides.

    Shows every plugin loaded from the ``opsctl`` entry-point group with its
    version, the hooks it implements and what it registered (carriers,
    marketplaces, review sources, notifiers, commands). Plugins that failed
    to load are listed with the reason and status "skipped".

    JSON shape: a list of objects with the keys name, version, module, status,
    hooks, registered (kind -> names) and problem.
    """
    host = app.plugins
    registry = host.registry
    commands = host.commands(_builtin_names())
    rows = []
    for name, info in sorted(host.plugins.items()):
        registered = registry.by_plugin(name)
        own_commands = sorted(c for c, r in commands.items() if r.plugin == name)
        if own_commands:
            registered["commands"] = own_commands
        rows.append(
            {
                "name": name,
                "version": info.version,
                "module": info.module,
                "status": "loaded",
                "hooks": info.hooks,
                "registered": registered,
                "problem": None,
            }
        )
    for problem in host.problems:
        rows = [row for row in rows if row["name"] != problem.plugin]
        rows.append(
            {
                "name": problem.plugin,
                "version": None,
                "module": None,
                "status": "skipped",
                "hooks": [],
                "registered": {},
                "problem": problem.reason,
            }
        )
    rows.sort(key=lambda row: row["name"])
    table = [
        {
            "plugin": row["name"],
            "version": row["version"],
            "status": row["status"],
            "hooks": row["hooks"],
            "provides": "; ".join(
                f"{kind.replace('_', ' ')}: {', '.join(names)}"
                for kind, names in sorted(row["registered"].items())
            )
            or row["problem"],
        }
        for row in rows
    ]
    emit(table, ["plugin", "version", "status", "hooks", "provides"], document=rows)


def _builtin_names() -> list[str]:
    from opsctl.cli import BUILTIN_COMMANDS

    return list(BUILTIN_COMMANDS)
