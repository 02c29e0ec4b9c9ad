"""Replay guardrails: how much a candidate rule set may change what routing achieves.

A guardrail is a key of ``[routing.guardrails]`` named
``{min|max}_{metric}_change`` (a change in units: orders, or money) or
``{min|max}_{metric}_change_pct`` (a change in percent of the current value)::

    [routing.guardrails]
    min_promises_kept_change = 0     # promises kept must not fall
    max_total_cost_change_pct = 2    # shipping cost may rise at most 2 %

``opsctl route replay`` exits 1 when the candidate breaks one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from opsctl.errors import ConfigError

#: Metrics a guardrail can bound, and how they read in messages.
METRICS: dict[str, str] = {
    "routed": "orders routed",
    "promises_kept": "promises kept",
    "promises_at_risk": "promises at risk",
    "backordered": "orders backordered",
    "held": "orders held",
    "split": "split orders",
    "total_cost": "total shipping cost",
    "cost_per_order": "shipping cost per routed order",
}
_KEY = re.compile(rf"(min|max)_({'|'.join(METRICS)})_change(_pct)?")


@dataclass(frozen=True)
class Guardrail:
    """A bound on the change of one metric from the current rules to the candidate."""

    key: str
    metric: str
    bound: str  # "min" or "max"
    limit: Decimal
    percent: bool

    def change(self, current: Decimal, candidate: Decimal) -> Decimal | None:
        """The change the guardrail bounds; None for a percentage of a current zero."""
        difference = candidate - current
        if not self.percent:
            return difference
        if current == 0:
            return Decimal(0) if difference == 0 else None
        return (difference * 100 / current).quantize(Decimal("0.01"))

    def holds(self, current: Decimal, candidate: Decimal) -> bool:
        change = self.change(current, candidate)
        if change is None:  # from zero to something: an infinite rise or fall
            rose = candidate > current
            return self.bound == ("min" if rose else "max")
        return change >= self.limit if self.bound == "min" else change <= self.limit

    def describe(self) -> str:
        """The guardrail in plain words: ``total shipping cost may rise by at most 2 %``."""
        what, unit = METRICS[self.metric], " %" if self.percent else ""
        if self.limit == 0:
            return f"{what} must not {'fall' if self.bound == 'min' else 'rise'}"
        if self.bound == "min":
            if self.limit < 0:
                return f"{what} may fall by at most {-self.limit}{unit}"
            return f"{what} must rise by at least {self.limit}{unit}"
        if self.limit > 0:
            return f"{what} may rise by at most {self.limit}{unit}"
        return f"{what} must fall by at least {-self.limit}{unit}"


def parse_guardrails(table: Any, error: Callable[[str, str], ConfigError]) -> tuple[Guardrail, ...]:
    """Read ``[routing.guardrails]``; ``error(key, message)`` builds a located config error."""
    if not isinstance(table, Mapping):
        raise error("guardrails", f"{table!r} is not a table of guardrails")
    guardrails = []
    for key, value in table.items():
        match = _KEY.fullmatch(key)
        if match is None:
            examples = "min_promises_kept_change, max_total_cost_change_pct"
            raise error(
                f"guardrails.{key}",
                f"unknown guardrail {key!r}; expected {{min|max}}_METRIC_change[_pct] with METRIC "
                f"one of {', '.join(METRICS)} (e.g. {examples})",
            )
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidOperation
            limit = Decimal(str(value))
            if not limit.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise error(f"guardrails.{key}", f"{value!r} is not a number") from None
        guardrails.append(
            Guardrail(key, match.group(2), match.group(1), limit, bool(match.group(3)))
        )
    return tuple(guardrails)
