"""``opsctl track sync``: poll carriers for open shipments and keep their events in the store.

The parts, each with one job:

* :mod:`opsctl.sync.settings` declares the ``[track]`` section of the config;
* :mod:`opsctl.sync.policy` decides, without I/O, which shipments are due,
  which stop (final or expired) and when a shipment is polled next;
* :mod:`opsctl.sync.reconcile` turns one carrier answer into new events and
  polling states, also without I/O;
* :mod:`opsctl.sync.run` is the edge: it reads the store, calls the carriers
  batch by batch and commits each batch in its own transaction;
* :mod:`opsctl.sync.report` counts what happened, per carrier.
"""
