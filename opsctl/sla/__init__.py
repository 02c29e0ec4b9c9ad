"""Delivery SLAs: each shipment's events and promise turned into one verdict.

* :mod:`opsctl.sla.timeline` folds a shipment's tracking events into the few
  facts a verdict needs, in any event order and in constant memory;
* :mod:`opsctl.sla.thresholds` holds the configurable limits (stalled, lost)
  per carrier, service and channel;
* :mod:`opsctl.sla.engine` decides the verdict: a pure function of the
  shipment, its timeline, the thresholds and the moment of the check.
"""

#: ``python`` makes ``opsctl sla check`` read every input with the loaders and judge every
#: shipment (the reference path), instead of its fast paths over files and the store.
ENGINE_VARIABLE = "OPSCTL_SLA_ENGINE"
