"""FedEx for opsctl: package tracking through the FedEx Track API (OAuth client credentials).

Registered through the ``opsctl`` entry point ``fedex = "opsctl_fedex"``. This
module stays light: the carrier (:mod:`opsctl_fedex.carrier`) is imported only
when opsctl collects carriers, and its HTTP library only when it tracks.
"""

from opsctl.hookspecs import hookimpl


@hookimpl
def register_carriers(register):
    """Register the ``fedex`` carrier."""
    from opsctl_fedex.carrier import FedexCarrier

    register(FedexCarrier())
