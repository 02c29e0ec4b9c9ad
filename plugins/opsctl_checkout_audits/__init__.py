"""opsctl's built-in checkout audits, registered like any third-party audit.

Registered through the ``opsctl`` entry point ``checkout-audits =
"opsctl_checkout_audits"``. This module stays light: the audits are imported
only when ``opsctl checkout audit`` collects them.
"""

from opsctl.hookspecs import hookimpl


@hookimpl
def register_checkout_audits(register):
    """Register the built-in audits (see ``docs/checkout.md`` for the list)."""
    from opsctl_checkout_audits.catalogue import BUILTIN_AUDITS

    for audit in BUILTIN_AUDITS:
        register(audit)
