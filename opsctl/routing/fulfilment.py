"""Which orders still need routing: open ones, less what has already shipped.

An order the channels still call ``open`` may well have shipped: Shopify
keeps a fulfilled order open until it is archived. Routing it again against
today's stock would ship it twice, or report it backordered for stock that
went out with it. So, for ``opsctl route`` (not ``route replay``, which
re-routes a past period whatever happened to it since):

* an order whose ``fulfillment_status`` (an optional orders column, as
  Shopify exports it) is ``fulfilled`` is skipped as already fulfilled;
* when its lines carry ``quantity_shipped`` (an optional order_lines
  column), only the units left are routed, and an order with nothing left is
  skipped as already fulfilled;
* else an order whose ``fulfillment_status`` is ``partial`` is held: the
  data does not say which units are left, and guessing would ship some twice;
* else an order without a ``fulfillment_status`` that has a shipment in the
  data's shipments (files or the state store) is skipped as already fulfilled.

Any other ``fulfillment_status`` (``unfulfilled``, empty) is routed whole.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from opsctl.errors import DataError
from opsctl.model import Order, OrderLine

#: Skip reasons, as the summary counts them.
NOT_OPEN = "not open"
FULFILLED = "already fulfilled"
SKIP_REASONS = (NOT_OPEN, FULFILLED)

STATUS_COLUMN = "fulfillment_status"
SHIPPED_COLUMN = "quantity_shipped"
PARTIAL_STATUSES = frozenset({"partial", "partially_fulfilled", "partially fulfilled"})


class Skipped(NamedTuple):
    """An order routing leaves out, with the reason the summary counts and the detail
    ``--explain`` gives."""

    order: Order
    reason: str
    detail: str

    @property
    def order_id(self) -> str:
        return self.order.order_id


class Left(NamedTuple):
    """What is left to do for an open order: route these lines (None: skip it as
    fulfilled), or hold it with ``hold`` as the reason."""

    lines: tuple[OrderLine, ...] | None
    detail: str = ""
    hold: str | None = None


def fulfilment_status(order: Order, lines: Sequence[OrderLine]) -> str:
    """The order's ``fulfillment_status``, lower case ('' when it has none); one-file
    exports may carry it on the lines."""
    value = order.extra.get(STATUS_COLUMN)
    if value is None:
        value = next(
            (line.extra[STATUS_COLUMN] for line in lines if line.extra.get(STATUS_COLUMN)), None
        )
    return str(value).strip().lower() if value is not None else ""


def shipped_units(line: OrderLine) -> int | None:
    """The line's ``quantity_shipped`` (None when the data does not say); checked by
    :func:`check_shipped_units` when the inputs are read."""
    value = line.extra.get(SHIPPED_COLUMN)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return int(str(value).strip())


def left_to_route(order: Order, lines: Sequence[OrderLine], shipped: Collection[str]) -> Left:
    """What routing should do with an open order, given the shipments data (``shipped``:
    the ids of orders with a shipment)."""
    status = fulfilment_status(order, lines)
    if status == "fulfilled":
        return Left(None, f"its {STATUS_COLUMN} is 'fulfilled'")
    counts = [shipped_units(line) for line in lines]
    if any(count is not None for count in counts):
        left = tuple(
            line if not count else dataclasses.replace(line, quantity=line.quantity - count)
            for line, count in zip(lines, counts, strict=True)
            if line.quantity - (count or 0) > 0
        )
        if not left:
            return Left(None, f"every line's {SHIPPED_COLUMN} is its quantity")
        return Left(left)
    if status in PARTIAL_STATUSES:
        return Left(
            None,
            hold=f"partly fulfilled ({STATUS_COLUMN} {status!r}) and the order lines do not say "
            f"which units shipped ({SHIPPED_COLUMN}): held rather than risk shipping units twice",
        )
    if not status and order.order_id in shipped:
        return Left(None, "it has a shipment in the shipments data")
    return Left(tuple(lines))


def check_shipped_units(lines: Sequence[OrderLine], source: str | None) -> None:
    """Every ``quantity_shipped`` must be a whole number from 0 to the line's quantity; a
    bad one is a :class:`DataError` naming the file, its line when it can be found, the
    value and what was expected."""
    for line in lines:
        value = line.extra.get(SHIPPED_COLUMN)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            count = int(str(value).strip())
        except ValueError:
            count = -1
        if not 0 <= count <= line.quantity:
            raise DataError(
                f"{value!r} is not a whole number from 0 to the line's quantity "
                f"{line.quantity} (order {line.order_id}, line {line.line_id})",
                source=source or "order_lines",
                line=_line_number(source, line),
                column=SHIPPED_COLUMN,
                value=value,
            )


def _line_number(source: str | None, record: OrderLine) -> int | None:
    """The line of a CSV file that holds ``record`` (found again only for an error)."""
    if source is None or Path(source).suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    try:
        with open(source, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t" if source.endswith(".tsv") else ",")
            header = next(reader, [])
            where: dict[str, Any] = {name.strip(): index for index, name in enumerate(header)}
            order = where.get("order_id")
            key, wanted = (
                (where.get("line_id"), record.line_id)
                if "line_id" in where
                else (where.get("sku"), record.sku)
            )
            if order is None or key is None:
                return None
            for row in reader:
                if len(row) > max(order, key) and (row[order], row[key]) == (
                    record.order_id,
                    wanted,
                ):
                    return reader.line_num
    except OSError:
        return None
    return None
