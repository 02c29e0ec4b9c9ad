"""The hooks an opsctl plugin can implement.

A plugin is any module or object registered under the ``opsctl`` entry-point
group whose functions are marked with :data:`hookimpl`::

    # pyproject.toml of your plugin
    [project.entry-points.opsctl]
    acme = "opsctl_acme"

    # opsctl_acme/__init__.py
    from opsctl import hookimpl

    @hookimpl
    def register_carriers(register):
        register(AcmeCarrier())

Hooks that add things receive a ``register`` callback: ``register(thing)``
uses ``thing.name``; ``register(thing, name="...")`` names it explicitly.
opsctl remembers which plugin registered what, and refuses two things of the
same kind with the same name. Keep the module behind your entry point light:
import heavy libraries inside the objects you register, not at import time,
so that ``opsctl --help`` stays fast.

Every hook is documented in ``docs/plugins.md``.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("opsctl")
hookimpl = pluggy.HookimplMarker("opsctl")


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``opsctl`` command line.

    ``cli`` is a :class:`click.Group`: use ``@cli.command()``, ``@cli.group()``
    or ``cli.add_command(command)``. A name that clashes with a built-in
    command or with another plugin's command is an error naming both.
    """


@hookspec
def register_carriers(register):
    """Register carriers: objects that turn tracking numbers into events.

    A carrier has a ``name`` (e.g. ``"dhl"``) and maps its raw status codes to
    opsctl's normalised tracking statuses.
    """


@hookspec
def register_marketplaces(register):
    """Register marketplaces: sources of orders and stock for a sales channel."""


@hookspec
def register_review_sources(register):
    """Register review sources: objects that fetch or read customer reviews."""


@hookspec
def register_notifiers(register):
    """Register notifiers: objects that deliver notifications (NDJSON, webhook, e-mail...)."""
