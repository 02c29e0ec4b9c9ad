"""``--fail-if`` conditions: ``on_time_delivery_rate < 0.95``, parsed, never ``eval``-ed.

A condition is ``KPI[{dimension=value,...}] OPERATOR NUMBER`` with one of
``<  <=  >  >=  ==  !=``. It is checked against every value of that KPI in
the export whose dimensions match the selector; a value that is unavailable
fails the condition too (a gate that cannot see must not say "fine").
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from opsctl.errors import UsageError
from opsctl.kpi.compute import KpiValue

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(
    r"\s*(?P<kpi>[a-z][a-z0-9_]*)\s*(?:\{(?P<labels>[^}]*)\})?\s*"
    r"(?P<op><=|>=|==|!=|<|>)\s*(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
)
_LABEL = re.compile(r"\s*([a-z_]+)\s*=\s*\"?([^\",]*?)\"?\s*")


@dataclass(frozen=True)
class Condition:
    """A parsed ``--fail-if``: the KPI, its dimension selector, the comparison."""

    text: str
    kpi: str
    op: str
    threshold: float
    labels: dict[str, str] = field(default_factory=dict)

    def matches(self, value: KpiValue) -> bool:
        if value.kpi.name != self.kpi:
            return False
        return all(value.dims.get(key) == wanted for key, wanted in self.labels.items())

    def breached_by(self, value: KpiValue) -> bool:
        """Whether ``value`` sets off the alert (unavailable values do)."""
        if value.value is None:
            return True
        return OPERATORS[self.op](float(value.value), self.threshold)


def parse_condition(text: str) -> Condition:
    """Parse one condition; a malformed one is a usage error showing the expected form."""
    match = _CONDITION.fullmatch(text)
    if not match:
        raise UsageError(
            f"--fail-if {text!r}: expected KPI OPERATOR NUMBER, e.g. "
            "'on_time_delivery_rate < 0.95' or 'late_rate{carrier=dpd} > 0.1'"
        )
    labels = {}
    for part in filter(str.strip, (match.group("labels") or "").split(",")):
        label = _LABEL.fullmatch(part)
        if not label:
            raise UsageError(f"--fail-if {text!r}: {part.strip()!r} is not dimension=value")
        labels[label.group(1)] = label.group(2)
    return Condition(
        text.strip(), match.group("kpi"), match.group("op"), float(match.group("number")), labels
    )


@dataclass(frozen=True)
class Breach:
    """A value that set off a condition."""

    condition: Condition
    value: KpiValue

    def message(self) -> str:
        value = self.value
        where = ", ".join(f"{k}={v}" for k, v in value.dims.items())
        scope = f"{value.period.label}{' ' + where if where else ''}"
        if value.value is None:
            return f"{self.condition.text}: unavailable for {scope} ({value.reason})"
        return f"{self.condition.text}: {value.kpi.name} is {value.value} for {scope}"


def check(conditions: Iterable[Condition], values: list[KpiValue]) -> list[Breach]:
    """Every value that sets off a condition; a condition naming no exported KPI is an error."""
    breaches = []
    for condition in conditions:
        matching = [value for value in values if condition.matches(value)]
        if not any(value.kpi.name == condition.kpi for value in values):
            raise UsageError(f"--fail-if {condition.text!r}: {condition.kpi} is not exported")
        breaches += [Breach(condition, v) for v in matching if condition.breached_by(v)]
    return breaches
