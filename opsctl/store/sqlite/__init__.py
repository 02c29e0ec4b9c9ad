"""The SQLite backend of the state store (the default)."""

from opsctl.store.sqlite.backend import SqliteStore

__all__ = ["SqliteStore"]
