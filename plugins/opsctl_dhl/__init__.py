"""DHL for opsctl: shipment tracking through DHL's Shipment Tracking – Unified API.

Registered through the ``opsctl`` entry point ``dhl = "opsctl_dhl"``. This module
stays light: the carrier (:mod:`opsctl_dhl.carrier`) is imported only when opsctl
collects carriers, and its HTTP library only when it tracks.
"""

from opsctl.hookspecs import hookimpl


@hookimpl
def register_carriers(register):
    """Register the ``dhl`` carrier."""
    from opsctl_dhl.carrier import DhlCarrier

    register(DhlCarrier())
