"""Tracking from exported files, for carriers without an API.

Registered through the ``opsctl`` entry point ``files = "opsctl_files"``. The
carrier it registers, ``file``, reads tracking events exported as CSV, JSON
or NDJSON (the ``tracking_events`` entity of the data contract) and serves
them to ``opsctl track sync`` like an API carrier would. This module stays
light: the carrier (:mod:`opsctl_files.carrier`) is imported only when opsctl
collects carriers, and the loaders only when it tracks.
"""

from opsctl.hookspecs import hookimpl


@hookimpl
def register_carriers(register):
    """Register the ``file`` carrier."""
    from opsctl_files.carrier import FileCarrier

    register(FileCarrier())
