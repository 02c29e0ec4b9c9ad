"""Ingesting files into the store: load, validate and upsert, all in one transaction.

Either every file of a run lands, or (on a bad row under the ``error``
policy, a missing parent row, a crash, a kill) none does: a run that is
repeated after a fix starts from the same store. Records are upserted by
natural key, so ingesting the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from opsctl.errors import DataError
from opsctl.loaders import Loader
from opsctl.loaders.sources import Source
from opsctl.model import ENTITIES
from opsctl.model.types import UTC
from opsctl.store.base import MissingParent, Store

#: Records of one entity gathered before they are written.
BATCH_SIZE = 5000


ENTITY_OF_RECORD = {schema.record: name for name, schema in ENTITIES.items()}


@dataclass
class IngestResult:
    """What one file did to one entity's table."""

    entity: str
    file: str
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    quarantine: str | None = None

    def as_row(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "file": self.file,
            "records": self.records,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "bad_rows": self.bad_rows,
            "quarantine": self.quarantine,
        }


@dataclass(frozen=True)
class IngestJob:
    """One file to ingest as one entity, and where its bad rows go under ``skip``."""

    entity: str
    source: Source
    quarantine: str | Path | None = None


def ingest(
    store: Store,
    jobs: Sequence[IngestJob],
    *,
    tz: tzinfo = UTC,
    input_format: str | None = None,
    on_bad_rows: str = "error",
) -> list[IngestResult]:
    """Ingest every job in one transaction; return what each file did, per entity."""
    results: list[IngestResult] = []
    with store.transaction():
        for job in jobs:
            loader = Loader(
                job.entity,
                job.source,
                tz=tz,
                input_format=input_format,
                on_bad_rows=on_bad_rows,
                quarantine=job.quarantine,
            )
            results += _ingest_file(store, loader)
        missing = store.missing_parents({result.entity for result in results})
        if missing:
            raise missing_parents_error(missing)
    return results


def _ingest_file(store: Store, loader: Loader) -> list[IngestResult]:
    """Stream one file's records into their tables, batch by batch.

    A file of orders with their lines gives two results: orders and order_lines.
    """
    results: dict[str, IngestResult] = {}
    before: dict[str, int] = {}
    written: dict[str, int] = {}
    batches: dict[str, list[Any]] = {}

    def flush(entity: str) -> None:
        repository = store.repository(entity)
        if entity not in results:
            results[entity] = IngestResult(entity, loader.name)
            before[entity], written[entity] = repository.count(), 0
        given, changed = repository.write(batches[entity])
        results[entity].records += given
        written[entity] += changed
        batches[entity] = []

    from opsctl.progress import counting

    for record in counting(loader, f"ingesting {loader.name}"):
        entity = ENTITY_OF_RECORD[type(record)]
        batch = batches.setdefault(entity, [])
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            flush(entity)
    for entity in list(batches):
        flush(entity)
    if not results:  # an empty file still reports its entity
        results[loader.schema.name] = IngestResult(loader.schema.name, loader.name)
    for entity, result in results.items():
        if entity in before:
            result.inserted = store.repository(entity).count() - before[entity]
            result.updated = written[entity] - result.inserted
            result.unchanged = result.records - written[entity]
    first = next(iter(results.values()))
    first.bad_rows = loader.bad_rows
    if loader.bad_rows:
        first.quarantine = str(loader.quarantine_path)
    return list(results.values())


def missing_parents_error(missing: Iterable[MissingParent]) -> DataError:
    """The error of rows whose parent row (a line's order) is not in the store."""
    missing = list(missing)
    first = missing[0]
    examples = ", ".join(
        f"{m.value!r} ({m.rows} row{'s' if m.rows != 1 else ''})"
        for m in missing
        if m.table == first.table
    )
    return DataError(
        f"{first.table}.{first.column} names rows missing from {first.parent}: {examples}; "
        f"ingest those {first.parent} first or in the same run"
    )
