"""File locks so that two cron runs of the same command never overlap.

The lock is an ``fcntl`` advisory lock on ``<dir>/<command>.lock``: the
kernel releases it when the process dies, so a crashed run never leaves a
stale lock behind. The file holds the holder's PID for the error message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

from opsctl.errors import LockHeldError


def default_lock_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(user_state_dir("opsctl", appauthor=False)) / "locks"


@contextlib.contextmanager
def command_lock(name: str, directory: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """Hold the lock called ``name`` for the duration of the block, or fail at once.

    Raises :class:`LockHeldError` (exit code 5) when another process holds it.
    """
    folder = Path(directory) if directory else default_lock_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") + ".lock")
    handle = open(path, "a+")  # noqa: SIM115 - held open for the whole block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise LockHeldError(
                f"another run of `opsctl {name}` holds the lock {path} (pid {holder}); "
                "try again when it has finished"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield path
    finally:
        handle.close()
