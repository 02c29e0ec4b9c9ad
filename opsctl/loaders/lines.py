"""Physical lines of a file, read with a bound on their length and checked as UTF-8."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from opsctl.errors import DataError

#: The longest line (and CSV field) opsctl reads; longer ones are refused unread.
DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024


class LineTooLong(DataError):
    """A line is longer than the limit: the file is corrupt or not in the format it claims."""


def undecodable(raw: bytes, error: UnicodeDecodeError, offset: int) -> str:
    """Why ``raw`` (a line starting at byte ``offset``) is not UTF-8."""
    return (
        f"byte 0x{raw[error.start]:02x} at byte offset {offset + error.start} is not valid "
        "UTF-8 (is the file in another encoding, such as Latin-1? save it as UTF-8)"
    )


def physical_lines(
    stream: BinaryIO,
    source: str,
    max_line_bytes: int,
    problems: list[tuple[int, str]],
) -> Iterator[str]:
    """Yield each line of ``stream`` as text, with its line ending.

    A line longer than ``max_line_bytes`` raises :class:`LineTooLong` after
    reading no more than that. A line that is not UTF-8 is yielded decoded with
    replacement characters and ``(line number, reason)`` is appended to
    ``problems``, so that the caller can treat that row as bad and go on.
    A UTF-8 byte-order mark at the start is dropped.
    """
    readline = stream.readline
    limit = max_line_bytes + 1
    number = 0
    offset = 0
    raw = readline(limit)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
        offset = len(codecs.BOM_UTF8)
    while raw:
        number += 1
        if len(raw) == limit:
            raise LineTooLong(
                f"line is longer than {max_line_bytes} bytes: is this really a "
                "line-oriented file? (the limit guards memory)",
                source=source,
                line=number,
            )
        try:
            line = raw.decode()
        except UnicodeDecodeError as error:
            problems.append((number, undecodable(raw, error, offset)))
            line = raw.decode(errors="replace")
        yield line
        offset += len(raw)
        raw = readline(limit)
