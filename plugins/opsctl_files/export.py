"""Reading a tracking-events export: every event, indexed by tracking number."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from opsctl.tracking import TrackingEvent

EventIndex = dict[str, list[TrackingEvent]]


def read_export(path: Path, *, tz: tzinfo, on_bad_rows: str = "error") -> EventIndex:
    """The events of the export at ``path`` (CSV, JSON or NDJSON), by tracking number.

    Rows are read with opsctl's loaders (``tracking_events`` entity), so an
    export is held to the data contract: a bad row stops the read with an
    error naming file, line and column, unless ``on_bad_rows`` is ``"skip"``
    (then it goes to a quarantine file beside the export). ``tz`` is the zone
    of timestamps written without an offset.
    """
    from opsctl.loaders import load

    index: EventIndex = {}
    for event in load("tracking_events", path, tz=tz, on_bad_rows=on_bad_rows):
        index.setdefault(event.tracking_number, []).append(event)
    return index
