"""The ``email`` notifier: plain-text e-mail over SMTP."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from opsctl.errors import ConfigError, ServiceError
from opsctl.notify import Delivery, Notification


class EmailNotifier:
    """Sends notifications by e-mail.

    Settings (``[notify.email]``): ``host`` (required), ``port`` (default 25,
    or 465 with ``tls = true``), ``starttls`` (default false), ``tls``
    (implicit TLS), ``username`` and ``password`` (a ``${ENV_VAR}``
    reference), ``from`` (required), ``to`` (required: an address or a list),
    ``timeout`` (seconds, default 30). With a digest, one e-mail lists every
    notification; without, one e-mail each.
    """

    name = "email"

    def send(self, notifications: Sequence[Notification], delivery: Delivery) -> None:
        if not notifications:
            return
        settings = delivery.settings
        missing = [key for key in ("host", "from", "to") if not settings.get(key)]
        if missing:
            raise ConfigError(f"[notify.email] needs {', '.join(missing)}")
        recipients = settings["to"] if isinstance(settings["to"], list) else [settings["to"]]
        messages = (
            [self.digest_message(notifications)]
            if delivery.digest
            else [self.message(n) for n in notifications]
        )
        host = settings["host"]
        port = int(settings.get("port", 465 if settings.get("tls") else 25))
        timeout = float(settings.get("timeout", 30))
        try:
            smtp_class = smtplib.SMTP_SSL if settings.get("tls") else smtplib.SMTP
            with smtp_class(host, port, timeout=timeout) as smtp:
                if settings.get("starttls"):
                    smtp.starttls()
                if settings.get("username"):
                    smtp.login(settings["username"], delivery.secret("password") or "")
                for message in messages:
                    message["From"] = settings["from"]
                    message["To"] = ", ".join(recipients)
                    smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            reason = exc.smtp_error.decode(errors="replace") if hasattr(exc, "smtp_error") else exc
            raise ServiceError(f"email: SMTP server {host}:{port} failed: {reason}") from None

    @staticmethod
    def message(notification: Notification) -> EmailMessage:
        """One e-mail for one notification."""
        message = EmailMessage()
        message["Subject"] = notification.title
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="opsctl.invalid")
        details = "".join(f"{key}: {value}\n" for key, value in notification.details.items())
        message.set_content(f"{notification.message}\n\n{details}")
        return message

    @staticmethod
    def digest_message(notifications: Sequence[Notification]) -> EmailMessage:
        """One e-mail listing several notifications."""
        message = EmailMessage()
        message["Subject"] = f"opsctl: {len(notifications)} shipment updates"
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="opsctl.invalid")
        message.set_content("".join(f"- {n.line()}\n" for n in notifications))
        return message
