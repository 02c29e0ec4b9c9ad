"""Physical lines of a file, read with a bound on their length and checked as UTF-8."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from opsctl.errors import DataError

#: The longest line (and CSV field) opsctl reads; longer ones are refused unread.
DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024
#: Bytes read from a stream at a time.
BLOCK_BYTES = 256 * 1024
#: Where :meth:`str.splitlines` cuts a line, besides ``\n``.
_OTHER_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


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
    reading no more than that (and one block). A line that is not UTF-8 is
    yielded decoded with replacement characters and ``(line number, reason)``
    is appended to ``problems`` as it is yielded, so that the caller can treat
    that row as bad and go on. A UTF-8 byte-order mark at the start is dropped.
    """
    for lines, _ in line_blocks(stream, source, max_line_bytes, problems):
        yield from lines


def line_blocks(
    stream: BinaryIO,
    source: str,
    max_line_bytes: int,
    problems: list[tuple[int, str]],
) -> Iterator[tuple[list[str], str | None]]:
    """The lines of :func:`physical_lines`, a block of them at a time, each with its text.

    The stream is read in blocks of :data:`BLOCK_BYTES`; the whole lines of a
    block are decoded at once and cut at ``\\n`` only, as ``readline`` would
    cut them. They come with the block's text if its only line breaks are
    ``\\n`` and ``\\r\\n`` (and maybe a ``\\r`` at its very end), else with
    ``None``. Around a line that is not UTF-8 (or may be too long) each line
    comes alone, with ``None``.
    """
    read = stream.read
    limit = max_line_bytes + 1
    number = 0  # lines yielded so far
    offset = 0  # byte offset of the next line
    pending = b""  # the start of a line whose end is not read yet
    at_start = True
    while True:
        block = read(BLOCK_BYTES)
        data = pending + block if pending else block
        if at_start:
            if block and len(data) < len(codecs.BOM_UTF8):
                pending = data
                continue
            at_start = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
                offset = len(codecs.BOM_UTF8)
        cut = data.rfind(b"\n") + 1 if block else len(data)
        whole, pending = (data[:cut], data[cut:]) if cut < len(data) else (data, b"")
        if whole:
            # Shorter than the limit, no line of it can be too long.
            text = _utf8(whole) if len(whole) < limit else None
            if text is not None:
                lines = text.splitlines(keepends=True)
                if not _cut_as_readline(text, lines):
                    lines, text = list(io.StringIO(text, newline="\n")), None
                yield lines, text
                number += len(lines)
                offset += len(whole)
            else:
                for raw in _lines(whole):
                    number += 1
                    if len(raw) >= limit:
                        raise _too_long(max_line_bytes, source, number)
                    yield [_decoded(raw, number, offset, problems)], None
                    offset += len(raw)
        if len(pending) >= limit:
            raise _too_long(max_line_bytes, source, number + 1)
        if not block:
            return


def _cut_as_readline(text: str, lines: list[str]) -> bool:
    """Whether ``text.splitlines(keepends=True)`` cut ``text`` after each ``\\n`` only.

    It cuts at each ``\\n`` too (``\\r\\n`` is one cut); any other cut inside
    the text would make one line more than ``text`` has ``\\n``.
    """
    if not any(char in text for char in _OTHER_BREAKS):
        return True
    return len(lines) == text.count("\n") + (not text.endswith("\n"))


def _utf8(data: bytes) -> str | None:
    """``data`` decoded, or ``None`` if it is not UTF-8."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def _lines(data: bytes) -> list[bytes]:
    """``data`` cut after each ``\\n`` (and only there), as ``readline`` cuts it."""
    lines = [line + b"\n" for line in data.split(b"\n")]
    last = lines.pop()
    if len(last) > 1:
        lines.append(last[:-1])
    return lines


def _decoded(raw: bytes, number: int, offset: int, problems: list[tuple[int, str]]) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError as error:
        problems.append((number, undecodable(raw, error, offset)))
        return raw.decode(errors="replace")


def _too_long(max_line_bytes: int, source: str, number: int) -> LineTooLong:
    return LineTooLong(
        f"line is longer than {max_line_bytes} bytes: is this really a "
        "line-oriented file? (the limit guards memory)",
        source=source,
        line=number,
    )
