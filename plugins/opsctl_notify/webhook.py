"""The ``webhook`` notifier: JSON POSTs to a URL, or Slack-compatible text messages."""

from __future__ import annotations

from collections.abc import Sequence

from opsctl.errors import ConfigError, ServiceError
from opsctl.notify import Delivery, Notification


class WebhookNotifier:
    """POSTs notifications to ``[notify.webhook] url``.

    Settings: ``url`` (required; put a secret URL such as a Slack webhook in an
    environment variable: ``url = "${SLACK_WEBHOOK_URL}"``), ``format``
    (``json``, the default: ``{"notifications": [...]}``; or ``slack``:
    ``{"text": "..."}``), and the HTTP settings of ``docs/carriers.md``
    (``timeout``, ``max_retries``, ...). With a digest, one request carries
    every notification; without, one request each.
    """

    name = "webhook"

    def send(self, notifications: Sequence[Notification], delivery: Delivery) -> None:
        if not notifications:
            return
        from opsctl.http import HttpClient, HttpOptions, public_endpoint

        url = delivery.secret("url")
        if not url:
            raise ConfigError("[notify.webhook] needs a url")
        fmt = delivery.settings.get("format", "json")
        if fmt not in ("json", "slack"):
            raise ConfigError(f"[notify.webhook] format {fmt!r} is not json or slack")
        client = HttpClient(
            "webhook", url, HttpOptions().with_settings("webhook", delivery.settings)
        )
        client.protect(url)  # the URL itself is often the secret: never show it
        batches = [list(notifications)] if delivery.digest else [[n] for n in notifications]
        for batch in batches:
            try:
                client.request("POST", url, json_body=self.body(batch, fmt))
            except ServiceError as exc:
                # The URL often is the secret (Slack webhooks): name the setting instead.
                message = str(exc).replace(public_endpoint("POST", url), "POST to the url")
                raise ServiceError(
                    message.replace("[plugins.webhook]", "[notify.webhook]")
                ) from None

    @staticmethod
    def body(batch: Sequence[Notification], fmt: str) -> dict:
        """The JSON body of one request."""
        if fmt == "slack":
            if len(batch) == 1:
                return {"text": batch[0].line()}
            lines = "\n".join(f"• {n.line()}" for n in batch)
            return {"text": f"opsctl: {len(batch)} shipment updates\n{lines}"}
        return {"notifications": [n.to_dict() for n in batch]}
