"""CSV files: a header, then one record per row (orders may carry their lines).

Lines are read with a bound (:func:`~opsctl.loaders.lines.line_blocks`),
so line numbers are physical ones even when quoted fields span lines.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import TYPE_CHECKING, Any, BinaryIO

from opsctl.errors import DataError
from opsctl.loaders.lines import line_blocks
from opsctl.loaders.orders import LINE_COLUMNS, ORDER_COLUMNS, OrderSequence, has_lines
from opsctl.loaders.rowparser import CONVERSION_ERRORS, RowParser, missing_columns, row_error
from opsctl.model.entities import ORDER_LINES, ORDERS

if TYPE_CHECKING:
    from opsctl.loaders.loader import Loader

_CSV_FAULTS = {
    "unexpected end of data": "a quoted field is never closed (unterminated quote)",
    "field larger than field limit": "a field is longer than the limit: is a quote unterminated?",
}


#: What makes a block of lines need the csv module (with a text, line breaks are plain).
_NOT_PLAIN = ('"', "\0")


class CsvReader:
    """``csv.reader(lines, strict=True)`` over blocks of lines, with the same rows and line_num.

    A block whose text has no quote or NUL and no line break but ``\\n`` and
    ``\\r\\n`` (see :func:`~opsctl.loaders.lines.line_blocks`), starting where
    no record is open, is split at commas here: for such lines that is exactly
    what the csv module does, with none of its per-character work. Other
    blocks go through the csv module, record by record.
    """

    def __init__(self, blocks: Iterable[tuple[list[str], str | None]]):
        self.line_num = 0
        self._blocks = iter(blocks)
        self._queue: deque[str] = deque()
        self._rows = self._generate()

    def __iter__(self) -> Iterator[list[str]]:
        return self._rows

    def __next__(self) -> list[str]:
        return next(self._rows)

    def _generate(self) -> Iterator[list[str]]:
        queue = self._queue
        reader = csv.reader(self._lines(), strict=True)
        for lines, text in self._blocks:
            if text is not None and not queue and not any(c in text for c in _NOT_PLAIN):
                for line in lines:
                    self.line_num += 1
                    line = line.rstrip("\r\n")
                    yield line.split(",") if line else []
                continue
            queue.extend(lines)
            while queue:
                yield next(reader)

    def _lines(self) -> Iterator[str]:
        """What the csv module reads: the lines queued, then more blocks if a record is open."""
        queue = self._queue
        while True:
            while queue:
                self.line_num += 1
                yield queue.popleft()
            lines = next(self._blocks, None)
            if lines is None:
                return
            queue.extend(lines[0])


class CsvFile:
    """Reads one CSV file for a :class:`~opsctl.loaders.loader.Loader`."""

    def __init__(self, loader: Loader):
        self.loader, self.schema, self.name, self.tz = loader, loader.schema, loader.name, loader.tz
        self.counts, self.max_line_bytes = loader.counts, loader.max_line_bytes
        self._reject, self._duplicate = loader.reject, loader.duplicate_error

    def records(self, stream: BinaryIO) -> Iterator[Any]:
        """The records of a CSV file."""
        problems: list[tuple[int, str]] = []
        # Process-wide in the csv module: each CSV load sets its own bound.
        csv.field_size_limit(self.max_line_bytes)
        reader = CsvReader(line_blocks(stream, self.name, self.max_line_bytes, problems))
        try:
            header = self._header(next(reader, None))
        except csv.Error as error:
            raise self._fault(error, 1) from None
        if problems:
            raise DataError(problems[0][1], source=self.name, line=problems[0][0])
        if self.schema is ORDERS and has_lines(header):
            return self._orders_with_lines(reader, header, problems)
        return self._rows(reader, header, problems)

    def _fault(self, error: csv.Error, line: int) -> DataError:
        """A CSV structure fault of the record starting on ``line``."""
        message = str(error)
        reason = next((v for k, v in _CSV_FAULTS.items() if message.startswith(k)), None)
        return DataError(reason or f"broken CSV quoting: {message}", source=self.name, line=line)

    def _header(self, header: list[str] | None) -> list[str]:
        if not header:
            raise DataError(
                "empty file: expected a header row naming the columns", source=self.name, line=1
            )
        header = [name.strip() for name in header]
        for index, name in enumerate(header):
            if not name:
                raise DataError(
                    f"column {index + 1} of the header has no name", source=self.name, line=1
                )
            if header.index(name) != index:
                raise DataError(
                    f"column {name!r} appears twice in the header", source=self.name, line=1
                )
        with_lines = self.schema is ORDERS and has_lines(header)
        for schema in (ORDERS, ORDER_LINES) if with_lines else (self.schema,):
            for name in missing_columns(schema, header):
                raise DataError(
                    f"missing required column (the header has: {', '.join(header)})",
                    source=self.name,
                    line=1,
                    column=name,
                )
        return header

    def _undecodable(self, problems: list[tuple[int, str]], cells: list[str], header: list[str]):
        line, reason = problems[0]
        problems.clear()
        self._reject(DataError(reason, source=self.name, line=line), cells, header)

    def _rows(self, reader: Any, header: list[str], problems: list) -> Iterator[Any]:
        schema = self.schema
        parser = RowParser(schema, header, tz=self.tz, source=self.name)
        parse, explain, reject = parser.parse, parser.explain, self._reject
        seen: set[str] = set()
        end = reader.line_num
        count = 0
        try:
            for cells in reader:
                start, end = end + 1, reader.line_num
                if problems:
                    self._undecodable(problems, cells, header)
                    continue
                if not cells:
                    continue
                try:
                    record, key = parse(cells)
                except CONVERSION_ERRORS:
                    try:
                        record, key = explain(cells, start)
                    except DataError as error:
                        reject(error, cells, header)
                        continue
                if key in seen:
                    reject(self._duplicate(schema, record, start), cells, header)
                    continue
                seen.add(key)
                count += 1
                yield record
        except csv.Error as error:
            raise self._fault(error, end + 1) from None
        finally:
            self.counts[schema.name] += count

    def _orders_with_lines(self, reader: Any, header: list[str], problems: list) -> Iterator[Any]:
        order_parser = RowParser(
            ORDERS, header, tz=self.tz, source=self.name, ignore=LINE_COLUMNS, keep_extra=False
        )
        line_parser = RowParser(
            ORDER_LINES, header, tz=self.tz, source=self.name, ignore=ORDER_COLUMNS
        )
        positions = [i for i, name in enumerate(header) if name in ORDER_COLUMNS]
        order_cells_of = itemgetter(*positions)
        orders = OrderSequence()
        seen_lines: set[str] = set()
        previous_cells: Any = None
        end = reader.line_num
        try:
            for cells in reader:
                start, end = end + 1, reader.line_num
                if problems:
                    self._undecodable(problems, cells, header)
                    continue
                if not cells:
                    continue
                order_cells = order_cells_of(cells) if len(cells) == len(header) else None
                if order_cells is None or order_cells != previous_cells:
                    try:
                        order, key = order_parser.parse_or_explain(cells, start)
                        new, fault = orders.admit(order, key)
                        if fault is not None:
                            column, value, reason = fault
                            raise row_error(
                                reason, source=self.name, where=start, column=column, value=value
                            )
                    except DataError as error:
                        self._reject(error, cells, header)
                        continue
                    previous_cells = order_cells
                    if new:
                        self.counts["orders"] += 1
                        yield order
                try:
                    line, key = line_parser.parse_or_explain(cells, start)
                except DataError as error:
                    self._reject(error, cells, header)
                    continue
                if key in seen_lines:
                    self._reject(self._duplicate(ORDER_LINES, line, start), cells, header)
                    continue
                seen_lines.add(key)
                self.counts["order_lines"] += 1
                yield line
        except csv.Error as error:
            raise self._fault(error, end + 1) from None
