"""The state store: where ``opsctl ingest`` keeps records between runs.

:func:`open_store` opens the store at :func:`state_location`: ``--state`` or
``OPSCTL_STATE``, else ``[state] path`` in the config (relative to the config
file), else ``state.db`` in the user data folder. SQLite is the backend; the
:class:`~opsctl.store.base.Store` interface is the seam for another one
(``docs/store.md``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from opsctl.errors import ConfigError
from opsctl.store.base import Migration, MissingParent, Repository, Store, UpsertCounts

if TYPE_CHECKING:
    from opsctl.config import Config

__all__ = [
    "Migration",
    "MissingParent",
    "Repository",
    "Store",
    "UpsertCounts",
    "backend_migrations",
    "default_state_path",
    "open_store",
    "state_location",
]

STATE_FILE = "state.db"


def default_state_path() -> Path:
    """``state.db`` in the user data folder (``~/.local/share/opsctl`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("opsctl", appauthor=False)) / STATE_FILE


def state_location(config: Config, override: str | os.PathLike[str] | None = None) -> str:
    """Where the store is: ``override``, else ``[state] path``, else the default."""
    if override:
        return str(override) if "://" in str(override) else str(Path(override).resolve())
    configured = config.get("state.path")
    if configured:
        return configured if "://" in configured else str(config.path_for("state.path"))
    return str(default_state_path())


def backend_migrations(location: str | os.PathLike[str]) -> tuple[Migration, ...]:
    """The migrations of the backend that :func:`open_store` would use for ``location``."""
    from opsctl.store.sqlite.migrations import MIGRATIONS

    return MIGRATIONS


def open_store(location: str | os.PathLike[str], *, create: bool = True) -> Store:
    """Open the store at ``location``: a file path, or a ``sqlite:///path`` URL.

    Another URL scheme is a config error: SQLite is the only backend so far.
    """
    text = str(location)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme != "sqlite":
            raise ConfigError(
                f"unsupported state store {scheme}://...: this opsctl stores state in SQLite "
                "files only (give a file path)",
                key="state.path",
            )
        text = rest
    from opsctl.store.sqlite import SqliteStore

    return SqliteStore(text, create=create)
