"""Small helpers the built-in audits share: facts to evidence, shares to text."""

from __future__ import annotations

from collections.abc import Iterable

from opsctl.checkout.facts import Evidence, Fact, FormField


def evidence_of(*facts: Fact | None) -> tuple[Evidence, ...]:
    """The evidence of the known facts among ``facts``."""
    return tuple(e for fact in facts if fact is not None for e in fact.evidence)


def field_evidence(fields: Iterable[FormField], limit: int = 8) -> tuple[Evidence, ...]:
    return tuple(f.evidence for f in list(fields)[:limit])


def share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def names(fields: Iterable[FormField]) -> str:
    return ", ".join(f.label or f.name for f in fields)
