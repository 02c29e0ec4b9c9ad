"""The :class:`Loader`: one file of one entity, streamed as typed records.

The bad-rows policy lives here. With ``on_bad_rows="error"`` (the default)
the first bad row raises its :class:`~opsctl.errors.DataError`; with
``"skip"`` each bad row goes to the quarantine with its reason, is counted,
and loading goes on. Faults of the file itself (no header, a missing
required column, broken CSV quoting, an over-long line, invalid JSON
structure) always stop the load: past them no row boundary can be trusted.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any, BinaryIO

from opsctl.errors import DataError, UsageError
from opsctl.loaders.csvfile import CsvFile
from opsctl.loaders.jsonfile import JsonObjects
from opsctl.loaders.jsonrows import JsonArray, ndjson_objects
from opsctl.loaders.lines import DEFAULT_MAX_LINE_BYTES
from opsctl.loaders.quarantine import Quarantine, default_quarantine_path
from opsctl.loaders.rowparser import row_error
from opsctl.loaders.sources import Source, detect_format, open_binary, source_name
from opsctl.model import EntitySchema, schema_for
from opsctl.model.types import UTC

log = logging.getLogger("opsctl.loaders")

BAD_ROW_POLICIES = ("error", "skip")


class Loader:
    """Reads ``source`` as records of ``entity``; iterate it to load.

    ``tz`` is the timezone of timestamps written without an offset (the
    config's ``[defaults] timezone``). Orders with line columns, or with a
    nested ``lines`` array, also yield their :class:`~opsctl.model.OrderLine`
    records, each after its order. After iterating, :attr:`counts` holds the
    records per entity and :attr:`bad_rows` the rows quarantined.
    """

    def __init__(
        self,
        entity: str,
        source: Source,
        *,
        tz: tzinfo = UTC,
        input_format: str | None = None,
        on_bad_rows: str = "error",
        quarantine: str | Path | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ):
        if on_bad_rows not in BAD_ROW_POLICIES:
            raise UsageError(f"unknown bad-rows policy {on_bad_rows!r}; expected error or skip")
        self.schema = schema_for(entity)
        self.source = source
        self.name = source_name(source)
        self.input_format = detect_format(source, input_format)
        self.tz = tz
        self.on_bad_rows = on_bad_rows
        self.max_line_bytes = max_line_bytes
        self.quarantine_path: Path | None = None
        if on_bad_rows == "skip":
            self.quarantine_path = (
                Path(quarantine)
                if quarantine
                else default_quarantine_path(self.name, self.input_format)
            )
        self.counts: Counter[str] = Counter()
        self.bad_rows = 0
        self._quarantine: Quarantine | None = None

    def __iter__(self) -> Iterator[Any]:
        if self.quarantine_path is not None:
            self._quarantine = Quarantine(self.quarantine_path, self.input_format)
        try:
            with open_binary(self.source) as stream:
                yield from self._records(stream)
        except BaseException:
            if self._quarantine is not None:
                self._quarantine.discard()
            raise
        if self._quarantine is not None:
            self._quarantine.commit()
            if self.bad_rows:
                log.warning(
                    "%d bad row%s in %s quarantined to %s",
                    self.bad_rows,
                    "" if self.bad_rows == 1 else "s",
                    self.name,
                    self.quarantine_path,
                )

    def _records(self, stream: BinaryIO) -> Iterator[Any]:
        if self.input_format == "csv":
            return CsvFile(self).records(stream)
        if self.input_format == "ndjson":
            items = ndjson_objects(stream, self.name, self.max_line_bytes)
        else:
            items = (
                (pointer, value, None)
                for pointer, _, value in JsonArray(stream, self.name, self.max_line_bytes)
            )
        return JsonObjects(self).records(items)

    # -- bad rows ------------------------------------------------------------------------

    def reject(self, error: DataError, raw: Any, header: Sequence[str] = ()) -> None:
        """Apply the bad-rows policy to one bad row: raise, or quarantine and count it."""
        if self._quarantine is None:
            raise error
        self.bad_rows += 1
        self._quarantine.add(raw, error, header)

    def duplicate_error(self, schema: EntitySchema, record: Any, where: int | str) -> DataError:
        """The error of a record whose natural key an earlier row of the file had."""
        key = schema.key_of(record)
        shown = ", ".join(repr(str(part)) for part in key)
        return row_error(
            f"{shown} is a duplicate: an earlier row of this file has the same natural key",
            source=self.name,
            where=where,
            column=", ".join(schema.natural_key),
            value=shown,
        )


def load(entity: str, source: Source, **options: Any) -> Loader:
    """A :class:`Loader` of ``entity`` records from ``source``: iterate it (see Loader)."""
    return Loader(entity, source, **options)
