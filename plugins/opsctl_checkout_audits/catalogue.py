"""Every built-in audit, in report order."""

from __future__ import annotations

from opsctl_checkout_audits import account, after_purchase, costs, form, funnel, reassurance

BUILTIN_AUDITS = (
    *costs.AUDITS,
    *account.AUDITS,
    *form.AUDITS,
    *reassurance.AUDITS,
    *after_purchase.AUDITS,
    *funnel.AUDITS,
)
