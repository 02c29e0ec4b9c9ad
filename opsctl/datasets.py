"""Where a command's records come from: data files or the state store.

Commands that analyse data (``sla check``, ``kpi export``, ``route``) read
each entity from, in order: a file given on the command line; the file named
for it in the config's ``[data]`` table; or, with ``--from-store``, the state
store that ``opsctl ingest`` and ``opsctl track sync`` fill. Either way they
get the same typed records (:mod:`opsctl.model`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from opsctl.app import App
from opsctl.errors import UsageError


class Dataset:
    """The records available to one command run."""

    def __init__(
        self,
        app: App,
        files: Mapping[str, str | None] | None = None,
        *,
        from_store: bool = False,
        state_path: str | None = None,
        on_bad_rows: str | None = None,
    ) -> None:
        self.app = app
        self.config = app.config
        self.files = {entity: path for entity, path in (files or {}).items() if path}
        self.from_store = from_store
        self.state_path = state_path
        self.on_bad_rows = on_bad_rows or self.config.get("defaults.on_bad_rows", "error")
        self._store = None

    @property
    def timezone(self) -> str:
        """The config's timezone, for timestamps written without an offset."""
        return self.config.get("defaults.timezone", "UTC")

    def file(self, entity: str) -> str | None:
        """The file to read ``entity`` from, if any (an option wins over ``[data]``)."""
        if entity in self.files:
            return self.files[entity]
        if entity in self.config.section("data"):
            return str(self.config.path_for(f"data.{entity}"))
        return None

    @property
    def store(self):
        """The state store (opened and migrated on first use)."""
        if self._store is None:
            from opsctl.store import open_store, state_location

            self._store = open_store(state_location(self.config, self.state_path))
            self._store.migrate()
        return self._store

    def has(self, entity: str) -> bool:
        """Whether ``entity`` has a source in this run."""
        if self.from_store and entity not in self.files:
            return self.store.repository(entity).count() > 0
        return self.file(entity) is not None

    def records(self, entity: str, *, required: bool = True, option: str = "") -> Iterable[Any]:
        """The records of ``entity``, streamed; empty if it has no source and is optional."""
        if self.from_store and entity not in self.files:
            return self.store.repository(entity).all()
        path = self.file(entity)
        if path is None:
            if required:
                hint = f"{option} FILE, " if option else ""
                raise UsageError(
                    f"no {entity} data: give {hint}a [data] {entity} file in the config, "
                    "or --from-store"
                )
            return ()
        from zoneinfo import ZoneInfo

        from opsctl.loaders import load

        return load(entity, path, tz=ZoneInfo(self.timezone), on_bad_rows=self.on_bad_rows)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
