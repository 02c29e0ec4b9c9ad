"""opsctl's built-in fulfilment KPIs, registered through the same hook any plugin uses.

The definitions are in :mod:`opsctl_kpis.catalogue`; ``opsctl kpi list`` shows
them and ``docs/kpis.md`` explains each.
"""

from __future__ import annotations

from opsctl import hookimpl


@hookimpl
def register_kpis(register):
    """Register the built-in catalogue of KPIs."""
    from opsctl_kpis.catalogue import KPIS

    for kpi in KPIS:
        register(kpi)
