"""First-party notifiers: ``ndjson`` (stdout or a file), ``webhook`` (JSON or Slack) and ``email``.

Each is configured by its ``[notify.<name>]`` table; see ``docs/notifications.md``.
"""

from opsctl import hookimpl


@hookimpl
def register_notifiers(register):
    from opsctl_notify.email import EmailNotifier
    from opsctl_notify.ndjson import NdjsonNotifier
    from opsctl_notify.webhook import WebhookNotifier

    register(NdjsonNotifier())
    register(WebhookNotifier())
    register(EmailNotifier())
