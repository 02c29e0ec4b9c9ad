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


@hookspec
def register_checkout_audits(register):
    """Register checkout audits: :class:`opsctl.checkout.audit.Audit` objects.

    Each audit has a unique ``id`` (its name), a title, a description citing
    the figure it rests on, a weight in the checkout-friction score and an
    ``evaluate(context)`` that returns an ``Outcome`` (a score from 0 to 1 with
    evidence) or ``NotApplicable`` when its input is missing. ``opsctl
    checkout audit`` runs every registered audit; opsctl's own audits come
    from the first-party plugin ``checkout-audits`` through this same hook.
    """


@hookspec
def register_kpis(register):
    """Register KPIs: :class:`opsctl.kpi.Kpi` definitions.

    A KPI has a unique ``name``, a kind (ratio, duration, count, amount or
    score), a unit in base units (seconds, ratios from 0 to 1), a one-line
    definition naming the standard it follows, the inputs and columns it
    needs, the dimensions it can be cut by, and its formula: one SQL
    aggregate over a fact table of :mod:`opsctl.kpi.facts`. ``opsctl kpi``
    and ``opsctl report`` compute every registered KPI; opsctl's own
    catalogue comes from the first-party plugin ``kpis`` through this hook.
    """


@hookspec
def register_routing_strategies(register):
    """Register routing strategies: objects that rank the plans that can serve an order.

    A strategy has a unique ``name`` (the value of ``strategy`` in a
    ``[[routing.rules]]`` table), a one-line ``description`` and a
    ``key(plan, request, rule)`` method returning a tuple: the plan with the
    smallest key wins, ties broken by :func:`opsctl.routing.strategies.tie_break`.
    It must be a pure function of its arguments; set ``uses_distance = True``
    when it reads ``shipment.distance_km``. opsctl's own strategies
    (``cheapest-on-time``, ``nearest``, ``priority``, ``fewest-shipments``) come
    from the first-party plugin ``routing-strategies`` through this same hook.
    """
