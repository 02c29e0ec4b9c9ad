"""Objects of JSON and NDJSON files, streamed.

A JSON file is an array of objects, read element by element: the standard
library's C scanner (:meth:`json.JSONDecoder.raw_decode`) decodes each element
from a sliding text buffer, so memory holds one element, not the file (no
dependency needed). Each element is bounded by the same limit as a line.
Numbers with a fraction become :class:`~decimal.Decimal`, never ``float``.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from opsctl.errors import DataError
from opsctl.loaders.lines import LineTooLong, physical_lines

DECODER = json.JSONDecoder(parse_float=Decimal)
CHUNK_BYTES = 1 << 16
#: A parse error this far before the end of the buffer cannot be a truncated token.
TRUNCATION_MARGIN = 4096
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class NotJson:
    """An NDJSON line that is not JSON: its text and why."""

    __slots__ = ("reason", "text")

    def __init__(self, text: str, reason: str):
        self.text, self.reason = text, reason


def ndjson_objects(
    stream: BinaryIO, source: str, max_line_bytes: int
) -> Iterator[tuple[int, Any, str | None]]:
    """Yield ``(line number, value, problem)`` for each non-blank line.

    ``value`` is the decoded JSON value, or a :class:`NotJson`; ``problem``
    says why the line's bytes are not UTF-8, else ``None``.
    """
    problems: list[tuple[int, str]] = []
    loads = DECODER.decode
    for number, text in enumerate(physical_lines(stream, source, max_line_bytes, problems), 1):
        problem = problems.pop()[1] if problems else None
        if not text.strip():
            continue
        try:
            value = loads(text)
        except json.JSONDecodeError as error:
            value = NotJson(
                text.rstrip("\r\n"), f"not valid JSON: {error.msg} (column {error.colno})"
            )
        yield number, value, problem


class JsonArray:
    """The elements of a JSON array, decoded one at a time from ``stream``."""

    def __init__(self, stream: BinaryIO, source: str, max_element_bytes: int):
        self.stream, self.source, self.limit = stream, source, max_element_bytes
        self.text = ""
        self.pos = 0
        self.line = 1  # the line of self.pos
        self.bytes_read = 0
        self.eof = False
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def __iter__(self) -> Iterator[tuple[str, int, Any]]:
        """Yield ``(JSON pointer, line, value)`` for each element."""
        if self._next_char() != "[":
            found = "an empty file" if self._peek() == "" else f"{self._peek()!r}"
            raise self._error(f"expected a JSON array of objects, found {found}")
        self.pos += 1
        if self._next_char() == "]":
            self.pos += 1
        else:
            index = 0
            while True:
                self._next_char()
                line = self.line
                value = self._decode_element(index)
                yield f"/{index}", line, value
                separator = self._next_char()
                self.pos += 1
                if separator == "]":
                    break
                if separator != ",":
                    self.pos -= 1
                    raise self._error(f"expected ',' or ']' after element /{index}")
                index += 1
        if self._next_char() != "":
            raise self._error("unexpected data after the JSON array")

    # -- the buffer --------------------------------------------------------------------

    def _fill(self, at_least: int = CHUNK_BYTES) -> bool:
        """Read more text into the buffer; ``False`` at the end of the file."""
        if self.eof:
            return False
        chunk = self.stream.read(max(at_least, CHUNK_BYTES))
        if chunk and self.pos > CHUNK_BYTES and self.pos * 2 > len(self.text):
            self.text = self.text[self.pos :]
            self.pos = 0
        try:
            self.text += self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            line = self.line + self.text.count("\n", self.pos) + chunk[: error.start].count(b"\n")
            raise DataError(
                f"byte 0x{chunk[error.start]:02x} at byte offset {self.bytes_read + error.start} "
                "is not valid UTF-8 (is the file in another encoding, such as Latin-1?)",
                source=self.source,
                line=line,
            ) from None
        self.bytes_read += len(chunk)
        if not chunk:
            self.eof = True
        return bool(chunk)

    def _advance(self, end: int) -> None:
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def _peek(self) -> str:
        while self.pos >= len(self.text):
            if not self._fill():
                return ""
        return self.text[self.pos]

    def _next_char(self) -> str:
        """Skip whitespace; the next character, or ``""`` at the end of the file."""
        while True:
            self._advance(_WHITESPACE.match(self.text, self.pos).end())
            if self.pos < len(self.text) or not self._fill():
                return self._peek()

    def _decode_element(self, index: int) -> Any:
        while True:
            try:
                value, end = DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                truncated = error.pos >= len(self.text) - TRUNCATION_MARGIN or error.msg.startswith(
                    "Unterminated string"
                )
                if not truncated or not self._grow(index):
                    self._advance(min(error.pos, len(self.text)))
                    raise self._error(f"element /{index} is not valid JSON: {error.msg}") from None
                continue
            if end < len(self.text) or not self._grow(index):
                self._advance(end)
                return value

    def _grow(self, index: int) -> bool:
        """Read more of a long element (doubling the buffer); ``False`` at the end of the file."""
        pending = len(self.text) - self.pos
        if pending > self.limit:
            raise LineTooLong(
                f"element /{index} is longer than {self.limit} bytes (the limit guards memory)",
                source=self.source,
                line=self.line,
            )
        return self._fill(at_least=pending)

    def _error(self, reason: str) -> DataError:
        return DataError(reason, source=self.source, line=self.line)
