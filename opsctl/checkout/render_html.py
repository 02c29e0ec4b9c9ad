"""The report as one self-contained HTML page: no script, no external file, inline CSS."""

from __future__ import annotations

from html import escape
from typing import Any

from opsctl.checkout.render import FUNNEL_HEADERS, _funnel_rows, _result_cell, _score_cell
from opsctl.checkout.report import GROUPS, ordered_audits

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#202124;
padding:0 1rem}
h1{font-size:1.4rem}.score{font-size:3rem;font-weight:700;border-radius:50%;width:6rem;height:6rem;
display:flex;align-items:center;justify-content:center;border:.4rem solid}
.pass{color:#0c7c3e;border-color:#0c7c3e}.average{color:#b45c00;border-color:#b45c00}
.fail{color:#c5221f;border-color:#c5221f}.na{color:#5f6368;border-color:#5f6368}
details{border-bottom:1px solid #e0e0e0;padding:.4rem 0}summary{cursor:pointer}
summary .s{display:inline-block;min-width:3.5rem;font-weight:600}
.evidence{font:13px ui-monospace,monospace;background:#f5f5f5;padding:.5rem;overflow-x:auto}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #e0e0e0;
text-align:left}footer{margin-top:2rem;color:#5f6368;font-size:13px}
"""
CSS_CLASS = {"pass": "pass", "average": "average", "fail": "fail", "n/a": "na"}


def render_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page of the report."""
    score = report["score"]
    rating = (
        "n/a"
        if score is None
        else ("pass" if score >= 90 else "average" if score >= 50 else "fail")
    )
    title = "Checkout friction" + (f" — {report['checkout']}" if report.get("checkout") else "")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<div class="score {CSS_CLASS[rating]}" role="img" aria-label="score">'
        f"{'–' if score is None else score}</div>",
        f"<p>Generated {escape(report['fetchTime'])} by opsctl "
        f"{escape(report['opsctlVersion'])}.</p>",
    ]
    audits = ordered_audits(report)
    for group, group_title in GROUPS.items():
        in_group = [a for a in audits if (a["group"] if a["group"] in GROUPS else "other") == group]
        if not in_group:
            continue
        parts.append(f"<h2>{escape(group_title)}</h2>")
        parts += [_audit(audit) for audit in in_group]
    funnel = report.get("funnel")
    if funnel:
        parts.append(
            f"<h2>Funnel</h2><p>{escape(funnel['source'])}: {funnel['events']} events, "
            f"{funnel['sessions']} sessions; worst step: "
            f"{escape(funnel['worstStep'] or 'n/a')}</p>"
        )
        parts.append(_table(FUNNEL_HEADERS, _funnel_rows(funnel)))
    if report.get("baseline"):
        baseline = report["baseline"]
        parts.append(
            f"<h2>Against the baseline</h2><p>{escape(baseline['path'])}: "
            f"{baseline['previousScore']} → {baseline['score']}</p>"
        )
        parts.append(
            _table(
                ["audit", "before", "after", "change"],
                [[c["audit"], c["before"], c["after"], c["kind"]] for c in baseline["changes"]],
            )
        )
    if report.get("notes"):
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{escape(note)}</li>" for note in report["notes"]]
        parts.append("</ul>")
    parts.append(
        "<footer>Scores as Lighthouse computes them: each audit 0–1, the category the "
        "weighted mean of the audits that apply. Figures cited from the Baymard Institute "
        "and the other sources named in each audit.</footer></body></html>"
    )
    return "\n".join(parts) + "\n"


def _audit(audit: dict[str, Any]) -> str:
    rating = CSS_CLASS[audit["rating"]]
    lines = [
        f'<details id="{escape(audit["id"])}"><summary><span class="s {rating}">'
        f"{escape(_score_cell(audit))}</span> {escape(audit['title'])} — "
        f"{escape(_result_cell(audit))}</summary>",
        f"<p>{escape(audit['description'])}</p>",
    ]
    if audit["evidence"]:
        lines.append('<div class="evidence">')
        for evidence in audit["evidence"]:
            where = evidence["source"] + (f":{evidence['line']}" if evidence.get("line") else "")
            selector = f" {evidence['selector']}" if evidence.get("selector") else ""
            lines.append(f"{escape(where)}{escape(selector)} “{escape(evidence['snippet'])}”<br>")
        lines.append("</div>")
    if audit["details"]:
        lines.append("<ul>" + "".join(f"<li>{escape(d)}</li>" for d in audit["details"]) + "</ul>")
    lines.append(f"<p><strong>How to fix:</strong> {escape(audit['howToFix'])}</p></details>")
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
