"""The report as text for a terminal and as Markdown for a pull-request comment.

Both are pure functions of the report document (:mod:`opsctl.checkout.report`);
the HTML page is in :mod:`opsctl.checkout.render_html`.
"""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from opsctl.checkout.report import CATEGORY_ID, findings, ordered_audits

MAX_EVIDENCE = 5
STATUS = {"pass": "pass", "average": "WARN", "fail": "FAIL", "n/a": "n/a"}
MARKS = {"pass": "✅", "average": "⚠️", "fail": "❌", "n/a": "➖"}


def _score_text(score: int | None) -> str:
    return "n/a (no audit applies)" if score is None else f"{score}/100"


def _inputs_line(report: dict[str, Any]) -> str:
    inputs = report["inputs"]
    parts = []
    if inputs["spec"]:
        parts.append(f"spec {inputs['spec']}")
    if inputs["pages"]:
        count = len(inputs["pages"])
        parts.append(f"{count} page{'s' if count != 1 else ''}")
    if inputs["events"]:
        parts.append(f"events {inputs['events']}")
    if inputs["stock"]:
        parts.append(f"stock {inputs['stock']}")
    return "; ".join(parts) or "none"


def _evidence_line(evidence: dict[str, Any]) -> str:
    where = evidence["source"] + (f":{evidence['line']}" if evidence.get("line") else "")
    selector = f"  {evidence['selector']}" if evidence.get("selector") else ""
    snippet = f'  "{evidence["snippet"]}"' if evidence.get("snippet") else ""
    return f"{where}{selector}{snippet}"


def _score_cell(audit: dict[str, Any]) -> str:
    return "-" if audit["score"] is None else f"{audit['score']:.2f}"


def _result_cell(audit: dict[str, Any]) -> str:
    if audit["scoreDisplayMode"] in ("notApplicable", "error"):
        return audit.get("explanation") or audit.get("errorMessage") or ""
    return audit["displayValue"]


def render_table(report: dict[str, Any]) -> str:
    """The report for a terminal: score, audits, findings with evidence, funnel, notes."""
    name = f" — {report['checkout']}" if report.get("checkout") else ""
    lines = [
        f"Checkout friction score: {_score_text(report['score'])}{name}",
        f"inputs: {_inputs_line(report)}",
        "",
    ]
    rows = [
        [STATUS[a["rating"]], _score_cell(a), a["id"], _result_cell(a)]
        for a in ordered_audits(report)
    ]
    lines.append(tabulate(rows, headers=["status", "score", "audit", "result"], tablefmt="simple"))
    found = findings(report)
    if found:
        lines += ["", "Findings"]
        for audit in found:
            weight = _weight(report, audit["id"])
            lines.append(
                f"  {STATUS[audit['rating']]} {audit['id']}: {audit['title']} "
                f"(score {audit['score']:.2f}, weight {weight:g})"
            )
            for evidence in audit["evidence"][:MAX_EVIDENCE]:
                lines.append(f"      {_evidence_line(evidence)}")
            if len(audit["evidence"]) > MAX_EVIDENCE:
                lines.append(f"      ... and {len(audit['evidence']) - MAX_EVIDENCE} more")
            lines += [f"      {detail}" for detail in audit["details"]]
            lines.append(f"      fix: {audit['howToFix']}")
    lines += _funnel_table(report.get("funnel"), "simple")
    lines += _baseline_lines(report.get("baseline"))
    if report.get("notes"):
        lines += ["", "Notes"] + [f"  {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def _weight(report: dict[str, Any], audit_id: str) -> float:
    refs = report["categories"][CATEGORY_ID]["auditRefs"]
    return next((r["weight"] for r in refs if r["id"] == audit_id), 0)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:g} s"


def _funnel_rows(segment: dict[str, Any]) -> list[list[str]]:
    return [
        [
            s["step"],
            str(s["sessions"]),
            _percent(s["completionRate"]),
            _percent(s["abandonmentRate"]),
            _seconds(s["medianSecondsToNext"]),
        ]
        for s in segment["steps"]
    ]


FUNNEL_HEADERS = ["step", "sessions", "completion", "abandonment", "median to next"]


def _funnel_table(funnel: dict[str, Any] | None, tablefmt: str) -> list[str]:
    if not funnel:
        return []
    lines = [
        "",
        f"Funnel ({funnel['source']}: {funnel['events']} events, {funnel['sessions']} sessions)",
        tabulate(_funnel_rows(funnel), headers=FUNNEL_HEADERS, tablefmt=tablefmt),
        f"worst step: {funnel['worstStep'] or 'n/a'}; "
        f"abandonment overall: {_percent(funnel['abandonmentRate'])}",
    ]
    for device, segment in funnel["byDevice"].items():
        lines.append(
            f"  {device}: {segment['sessions']} sessions, abandonment "
            f"{_percent(segment['abandonmentRate'])}, worst step {segment['worstStep'] or 'n/a'}"
        )
    return lines


def _baseline_lines(baseline: dict[str, Any] | None) -> list[str]:
    if not baseline:
        return []
    before = "n/a" if baseline["previousScore"] is None else baseline["previousScore"]
    after = "n/a" if baseline["score"] is None else baseline["score"]
    lines = ["", f"Baseline {baseline['path']}: score {before} -> {after}"]
    lines += [
        f"  {c['audit']}: {c['before']} -> {c['after']} ({c['kind']})" for c in baseline["changes"]
    ]
    if not baseline["changes"]:
        lines.append("  no audit changed")
    return lines


# -- Markdown ---------------------------------------------------------------------------------


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    """The report as a GitHub pull-request comment."""
    name = f" — {report['checkout']}" if report.get("checkout") else ""
    lines = [f"## Checkout friction score: **{_score_text(report['score'])}**{name}", ""]
    baseline = report.get("baseline")
    if baseline:
        delta = (
            ""
            if baseline["score"] is None or baseline["previousScore"] is None
            else f" ({baseline['score'] - baseline['previousScore']:+d})"
        )
        verdict = "❌ regression" if baseline["failed"] else "✅ no regression"
        lines += [
            f"{verdict} against the baseline: {baseline['previousScore']} → "
            f"{baseline['score']}{delta}",
            "",
        ]
        for change in baseline["changes"]:
            lines.append(
                f"- `{change['audit']}`: {change['before']} → {change['after']} ({change['kind']})"
            )
        if baseline["changes"]:
            lines.append("")
    lines += [
        f"Inputs: {_inputs_line(report)}",
        "",
        "| | Audit | Score | Result |",
        "|---|---|---|---|",
    ]
    for audit in ordered_audits(report):
        lines.append(
            f"| {MARKS[audit['rating']]} | {_cell(audit['title'])} (`{audit['id']}`) | "
            f"{_score_cell(audit)} | {_cell(_result_cell(audit))} |"
        )
    found = findings(report)
    if found:
        lines += ["", "<details><summary>Findings: evidence and fixes</summary>", ""]
        for audit in found:
            lines.append(f"#### {MARKS[audit['rating']]} {audit['title']}")
            lines.append("")
            for evidence in audit["evidence"][:MAX_EVIDENCE]:
                lines.append(f"- `{_evidence_line(evidence)}`")
            lines += [f"- {_cell(detail)}" for detail in audit["details"]]
            lines += ["", f"**Fix:** {audit['howToFix']}", "", f"_{audit['description']}_", ""]
        lines.append("</details>")
    funnel = report.get("funnel")
    if funnel:
        lines += _funnel_table(funnel, "github")
    if report.get("notes"):
        lines += ["", "**Notes**", ""] + [f"- {_cell(note)}" for note in report["notes"]]
    return "\n".join(lines) + "\n"
