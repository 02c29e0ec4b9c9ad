"""Fulfilment KPIs: definitions, the fact tables they aggregate, periods, exports and history.

Modules, by job:

* :mod:`~opsctl.kpi.definitions`: what a KPI is (:class:`Kpi`, :class:`Kind`) and the
  catalogue plugins register through ``register_kpis(register)``;
* :mod:`~opsctl.kpi.sources`: the inputs, read into DuckDB (directly, or through
  opsctl's loader);
* :mod:`~opsctl.kpi.verdicts`: every shipment's SLA verdict in bulk, by the SLA engine's
  rules;
* :mod:`~opsctl.kpi.facts`: the fact tables (orders, shipments, deliveries...);
* :mod:`~opsctl.kpi.periods`: windows and day/week/month buckets in the config's timezone;
* :mod:`~opsctl.kpi.compute`: evaluating KPIs, unavailable values with their reasons;
* :mod:`~opsctl.kpi.run`: one KPI run from a command's options to values;
* :mod:`~opsctl.kpi.alerts`: ``--fail-if`` conditions, parsed without ``eval``;
* :mod:`~opsctl.kpi.prometheus`: the Prometheus textfile and OpenMetrics formats;
* :mod:`~opsctl.kpi.history`: snapshots in the state store and their trends.
"""

from opsctl.kpi.definitions import Kind, Kpi

__all__ = ["Kind", "Kpi"]
