"""opsctl's built-in routing strategies, registered through the same hook as any plugin's.

``cheapest-on-time``, ``nearest``, ``priority`` and ``fewest-shipments``; see
``docs/routing.md`` and :mod:`opsctl.routing.strategies`.
"""

from opsctl import hookimpl


@hookimpl
def register_routing_strategies(register):
    """Register the four built-in strategies."""
    from opsctl.routing.strategies import BUILTIN_STRATEGIES

    for strategy in BUILTIN_STRATEGIES:
        register(strategy)
