"""The file carrier: tracking events from an export, served like an API carrier's.

For carriers without a tracking API (or without API access), the shop exports
their tracking events to a file, and ``opsctl track sync`` reads it through
this carrier: new events are stored, final parcels stop being polled, exactly
as with DHL or FedEx.

Settings (``[plugins.files]``)::

    [plugins.files]
    path = "exports/events.ndjson"    # CSV, JSON or NDJSON; relative to the config file
    carriers = ["royalmail", "dpd"]   # the shipments' carrier names it tracks
    timezone = "Europe/London"        # for timestamps without an offset (default UTC)
    on_bad_rows = "error"             # or "skip": quarantine bad rows beside the export
    [plugins.files.codes]             # optional: raw codes -> normalised statuses
    EVKSP = "delivered"

The export has the columns of the ``tracking_events`` entity (``docs/formats.md``):
``tracking_number``, ``occurred_at``, ``status`` or ``raw_code``, and optionally
``carrier``, ``description``, ``location``, ``reason``. The carrier is
registered as ``file``; shipments whose carrier is named in ``carriers`` (or
is ``file`` itself) are tracked from the export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from typing import Any

from opsctl.errors import ConfigError
from opsctl.http import SecretResolver
from opsctl.tracking import (
    CodeTable,
    ParcelTracking,
    ProblemKind,
    TrackingEvent,
    TrackingProblem,
    TrackingStatus,
    TrackResult,
    TransitTime,
    carrier_timezone,
    sorted_events,
    unique_numbers,
)
from opsctl_files.codes import PLUGIN, code_table
from opsctl_files.export import EventIndex, read_export

BAD_ROW_POLICIES = ("error", "skip")


class FileCarrier:
    """Tracking events read from an exported CSV, JSON or NDJSON file."""

    name = "file"
    #: Settings that are file paths: opsctl makes them absolute against the config's folder.
    path_settings = ("path",)
    #: Numbers per ``track`` call in ``track sync``: look-ups in memory are cheap.
    batch_size = 500

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        serves: Iterable[str] = (),
        codes: CodeTable | None = None,
        timezone: tzinfo | None = None,
        on_bad_rows: str = "error",
    ) -> None:
        self.path = Path(path) if path else None
        #: The shipments' carrier names whose tracking this carrier serves.
        self.serves = tuple(serves)
        self.codes = codes or code_table()
        self.timezone = timezone or carrier_timezone(PLUGIN, {})
        self.on_bad_rows = on_bad_rows
        self._index: EventIndex | None = None

    def configure(
        self, settings: Mapping[str, Any], *, resolve: SecretResolver | None = None
    ) -> FileCarrier:
        """A copy configured from ``[plugins.files]`` (no secrets: ``resolve`` is unused)."""
        on_bad_rows = settings.get("on_bad_rows", "error")
        if on_bad_rows not in BAD_ROW_POLICIES:
            raise ConfigError(
                f"{on_bad_rows!r} is not one of {', '.join(BAD_ROW_POLICIES)}",
                key=f"plugins.{PLUGIN}.on_bad_rows",
            )
        return FileCarrier(
            settings.get("path") or None,
            serves=_carrier_names(settings.get("carriers", [])),
            codes=code_table(settings.get("codes")),
            timezone=carrier_timezone(PLUGIN, settings),
            on_bad_rows=on_bad_rows,
        )

    # -- codes and services ----------------------------------------------------------

    def map_status(self, raw_code: str) -> TrackingStatus | None:
        """A normalised status as itself, a configured code's status, else ``None``."""
        return self.codes.status_of(raw_code)

    def known_codes(self) -> CodeTable:
        """The normalised statuses and the codes of ``[plugins.files.codes]``."""
        return self.codes

    def transit_time(self, service: str) -> TransitTime | None:
        """Always ``None``: an export has no service table (use ``carrier_services`` data)."""
        return None

    # -- tracking ----------------------------------------------------------------------

    def track(self, tracking_numbers: Iterable[str]) -> TrackResult:
        """The export's events of each number; a number it lacks is ``not_found``."""
        numbers = unique_numbers(tracking_numbers)
        if not numbers:
            return TrackResult(self.name)
        path = self._export_path()
        if self._index is None:  # read once per configured carrier, i.e. once a sync run
            self._index = read_export(path, tz=self.timezone, on_bad_rows=self.on_bad_rows)
        missing = TrackingProblem(ProblemKind.NOT_FOUND, f"{path.name} has no events for it")
        parcels = (self._parcel(n, self._index.get(n, ()), missing) for n in numbers)
        return TrackResult(self.name, tuple(parcels))

    def _export_path(self) -> Path:
        if self.path is None:
            raise ConfigError(
                'is not set: add path = "exports/events.ndjson" to '
                f"[plugins.{PLUGIN}] (relative to the config file)",
                key=f"plugins.{PLUGIN}.path",
            )
        return self.path

    def _parcel(
        self, number: str, events: Iterable[TrackingEvent], missing: TrackingProblem
    ) -> ParcelTracking:
        found = [self._mapped(event) for event in events]
        if not found:
            return ParcelTracking(number, problem=missing)
        return ParcelTracking(number, events=sorted_events(found))

    def _mapped(self, event: TrackingEvent) -> TrackingEvent:
        """The event with a status from its raw code when the export gave none."""
        if event.status is None and event.raw_code:
            status = self.map_status(event.raw_code)
            if status is not None:
                return replace(event, status=status)
        return event

    def __repr__(self) -> str:
        return f"<FileCarrier {str(self.path) if self.path else 'unconfigured'!r}>"


def _carrier_names(value: Any) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(
            f'{value!r} is not a list of carrier names such as ["royalmail", "dpd"]',
            key=f"plugins.{PLUGIN}.carriers",
        )
    return tuple(name.strip() for name in names)
