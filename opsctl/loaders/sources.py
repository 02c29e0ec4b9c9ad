"""Where rows come from: a file path or ``-`` (stdin), and which format it is in."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from opsctl.errors import DataError, UsageError

FORMATS = ("csv", "json", "ndjson")
EXTENSIONS = {".csv": "csv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson"}
STDIN = "-"

Source = str | os.PathLike[str] | BinaryIO


def source_name(source: Source) -> str:
    """How messages name a source: its path as given, ``<stdin>`` or the stream's name."""
    if isinstance(source, str | os.PathLike):
        return "<stdin>" if str(source) == STDIN else str(source)
    return str(getattr(source, "name", "<stream>"))


def detect_format(source: Source, explicit: str | None = None) -> str:
    """``explicit`` if given, else the format the file name's extension says."""
    if explicit:
        if explicit not in FORMATS:
            raise UsageError(
                f"unknown input format {explicit!r}; expected one of {', '.join(FORMATS)}"
            )
        return explicit
    name = source_name(source)
    suffix = Path(name).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    raise UsageError(
        f"cannot tell the format of {name} from its name: give --input-format "
        f"({', '.join(FORMATS)})"
    )


@contextlib.contextmanager
def open_binary(source: Source) -> Iterator[BinaryIO]:
    """Open a path (or ``-`` for stdin) for reading bytes; a stream is used as it is."""
    if not isinstance(source, str | os.PathLike):
        yield source
        return
    if str(source) == STDIN:
        yield sys.stdin.buffer
        return
    try:
        stream = open(source, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise DataError(f"cannot read: {error.strerror}", source=str(source)) from None
    with stream:
        yield stream
