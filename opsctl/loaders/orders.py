"""Orders that come with their lines: one row per line, or JSON with nested ``lines``.

Shop exports repeat the order's columns on each of its lines. The rows of
one order must be consecutive and agree on the order's columns; the order is
yielded once (from its first row), then each line. Columns neither orders nor
lines know go to the line's ``extra``, so nothing is dropped.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from opsctl.model.entities import ORDER_LINES, ORDERS

#: Columns of a line that an order row does not have: their presence means "with lines".
LINE_COLUMNS = frozenset(ORDER_LINES.column_names) - {"order_id"}
#: Columns that tell a file of orders it also holds lines.
LINE_MARKERS = frozenset({"sku", "quantity", "unit_price"})
ORDER_COLUMNS = frozenset(ORDERS.column_names)


def has_lines(columns: Any) -> bool:
    """Whether a header (or JSON object) of orders also holds line columns."""
    return not LINE_MARKERS.isdisjoint(columns)


class OrderSequence:
    """Follows the orders of a one-file export: each must come in one run of rows."""

    def __init__(self) -> None:
        self.current_key: str | None = None
        self.current: Any = None
        self.seen: set[str] = set()

    def admit(self, order: Any, key: str) -> tuple[bool, tuple[str, Any, str] | None]:
        """Whether ``order`` starts a new order, or why its row is bad.

        Returns ``(True, None)`` for a new order (to be yielded), ``(False,
        None)`` for another row of the current one, or ``(False, (column,
        value, reason))`` when the row contradicts what came before.
        """
        if key == self.current_key:
            if order == self.current:
                return False, None
            for field in fields(order):
                here, before = getattr(order, field.name), getattr(self.current, field.name)
                if here != before:
                    return False, (
                        field.name,
                        here,
                        f"{here!r} differs from the earlier rows of order {key!r} ({before!r}): "
                        "rows of one order must repeat the same order columns",
                    )
        if key in self.seen:
            return False, (
                "order_id",
                key,
                f"{key!r} appeared earlier in the file: rows of one order must be consecutive",
            )
        self.seen.add(key)
        self.current_key, self.current = key, order
        return True, None
