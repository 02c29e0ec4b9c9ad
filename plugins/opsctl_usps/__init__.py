"""USPS for opsctl: package tracking through the USPS Tracking 3.0 API (OAuth).

Registered through the ``opsctl`` entry point ``usps = "opsctl_usps"``. This
module stays light: the carrier (:mod:`opsctl_usps.carrier`) is imported only
when opsctl collects carriers, and its HTTP library only when it tracks.
"""

from opsctl.hookspecs import hookimpl


@hookimpl
def register_carriers(register):
    """Register the ``usps`` carrier."""
    from opsctl_usps.carrier import UspsCarrier

    register(UspsCarrier())
