"""UPS for opsctl: package tracking through the UPS Track API (OAuth client credentials).

Registered through the ``opsctl`` entry point ``ups = "opsctl_ups"``. This module
stays light: the carrier (:mod:`opsctl_ups.carrier`) is imported only when opsctl
collects carriers, and its HTTP library only when it tracks.
"""

from opsctl.hookspecs import hookimpl


@hookimpl
def register_carriers(register):
    """Register the ``ups`` carrier."""
    from opsctl_ups.carrier import UpsCarrier

    register(UpsCarrier())
