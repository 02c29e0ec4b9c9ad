"""Comparing a report with a previous one: what got worse, what got better.

``--baseline previous.json`` fails the run (exit code 1) when the score
dropped or an audit that passed (score ≥ 0.9, Lighthouse's green) no longer
does; the changes are listed either way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsctl.checkout.report import CATEGORY_ID
from opsctl.errors import DataError


@dataclass(frozen=True)
class AuditChange:
    """How one audit moved: ``regressed``, ``improved``, ``new``, ``removed`` or ``changed``."""

    audit: str
    kind: str
    before: str
    after: str

    def describe(self) -> str:
        return f"{self.audit}: {self.before} -> {self.after} ({self.kind})"


@dataclass(frozen=True)
class Comparison:
    """The difference between a baseline report and the current one."""

    baseline: str
    previous_score: int | None
    score: int | None
    changes: tuple[AuditChange, ...] = field(default=())

    @property
    def score_dropped(self) -> bool:
        return (
            self.previous_score is not None
            and self.score is not None
            and self.score < self.previous_score
        )

    @property
    def regressions(self) -> tuple[AuditChange, ...]:
        return tuple(c for c in self.changes if c.kind == "regressed")

    @property
    def failed(self) -> bool:
        """The gate: the score dropped or a passing audit no longer passes."""
        return self.score_dropped or bool(self.regressions)

    def summary(self) -> str:
        before = "n/a" if self.previous_score is None else self.previous_score
        after = "n/a" if self.score is None else self.score
        return f"checkout-friction score {before} -> {after} (baseline {self.baseline})"

    def lines(self) -> list[str]:
        """What changed, one line each, the score first."""
        return [self.summary(), *(c.describe() for c in self.changes)]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.baseline,
            "previousScore": self.previous_score,
            "score": self.score,
            "scoreDropped": self.score_dropped,
            "failed": self.failed,
            "changes": [
                {"audit": c.audit, "kind": c.kind, "before": c.before, "after": c.after}
                for c in self.changes
            ],
        }


def load_baseline(path: str | Path) -> dict[str, Any]:
    """Read a previous JSON report; anything else is a :class:`DataError` naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the baseline report: {exc}", source=str(path)) from None
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not JSON: {exc.msg}", source=str(path), line=exc.lineno) from None
    if (
        not isinstance(report, dict)
        or not isinstance(report.get("audits"), dict)
        or CATEGORY_ID not in (report.get("categories") or {})
    ):
        raise DataError(
            "not an opsctl checkout report: expected the JSON of "
            "`opsctl checkout audit --format json` (with 'audits' and 'categories')",
            source=str(path),
        )
    return report


def _state(audit: dict[str, Any]) -> str:
    score = audit.get("score")
    if score is None:
        return str(audit.get("scoreDisplayMode", "n/a"))
    return f"{audit.get('rating', '?')} {score:g}"


def compare(previous: dict[str, Any], current: dict[str, Any], baseline: str) -> Comparison:
    """How ``current`` differs from ``previous`` (both report documents)."""
    changes: list[AuditChange] = []
    before_audits, after_audits = previous["audits"], current["audits"]
    for audit_id, after in after_audits.items():
        before = before_audits.get(audit_id)
        if before is None:
            changes.append(AuditChange(audit_id, "new", "absent", _state(after)))
            continue
        if before.get("score") == after.get("score") and before.get(
            "scoreDisplayMode"
        ) == after.get("scoreDisplayMode"):
            continue
        was_passing = before.get("rating") == "pass"
        passes = after.get("rating") == "pass"
        if was_passing and not passes and after.get("score") is not None:
            kind = "regressed"
        elif after.get("score") is not None and (before.get("score") or 0) < after["score"]:
            kind = "improved"
        elif after.get("score") is not None and before.get("score") is not None:
            kind = "worse"
        else:
            kind = "changed"
        changes.append(AuditChange(audit_id, kind, _state(before), _state(after)))
    for audit_id, before in before_audits.items():
        if audit_id not in after_audits:
            changes.append(AuditChange(audit_id, "removed", _state(before), "absent"))
    return Comparison(baseline, previous.get("score"), current.get("score"), tuple(changes))
