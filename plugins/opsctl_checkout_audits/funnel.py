"""The funnel audit: how many sessions that start the funnel end without buying."""

from __future__ import annotations

from opsctl.checkout.audit import Audit, AuditContext, NotApplicable, Outcome
from opsctl.checkout.facts import Evidence
from opsctl.checkout.scoring import LogNormalCurve

ABANDONMENT_CURVE = LogNormalCurve(p10=0.5, median=0.7019)


def cart_abandonment(context: AuditContext) -> Outcome | NotApplicable:
    funnel = context.funnel
    if funnel is None or funnel.overall.abandonment_rate is None:
        return NotApplicable("needs funnel events (--events)")
    overall = funnel.overall
    rate = overall.abandonment_rate
    shown = f"{rate:.1%} of {overall.sessions} sessions did not purchase"
    details = []
    if overall.worst_step:
        worst = overall.step(overall.worst_step)
        shown += f"; worst step: {worst.step} ({worst.abandonment_rate:.0%} lost)"
    for device, segment in sorted(funnel.by_device.items()):
        if segment.abandonment_rate is not None:
            details.append(
                f"{device}: {segment.abandonment_rate:.1%} abandoned of {segment.sessions} "
                f"sessions, worst step {segment.worst_step or 'n/a'}"
            )
    evidence = Evidence(funnel.source, None, None, shown)
    return Outcome(
        ABANDONMENT_CURVE.score(rate),
        shown,
        (evidence,),
        numeric_value=round(rate, 4),
        numeric_unit="share of sessions",
        details=tuple(details),
    )


AUDITS = (
    Audit(
        id="cart-abandonment",
        title="Fewer carts are abandoned than on average",
        failure_title="More carts are abandoned than on average",
        description=(
            "The average documented cart abandonment rate is 70.19% over 49 studies (Baymard "
            "Institute). Scored on a log-normal curve: 70.19% scores 0.5, 50% (opsctl's "
            "choice) scores 0.9."
        ),
        how_to_fix=(
            "Start with the worst step of the funnel (and the worst device): the audits above "
            "name the friction most likely behind it."
        ),
        weight=10,
        group="funnel",
        scoring="numeric",
        curve=ABANDONMENT_CURVE,
        evaluate=cart_abandonment,
    ),
)
