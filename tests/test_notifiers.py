"""First-party notifiers against a real HTTP receiver and a real SMTP server on loopback."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from receivers import smtp_receiver, webhook_receiver

from opsctl.errors import ServiceError
from opsctl.notify import Delivery, Notification
from opsctl.plugins import PluginHost

WHEN = datetime(2026, 10, 6, 9, 15, tzinfo=timezone.utc)


def notification(shipment_id: str = "SH-1", event: str = "late_in_transit") -> Notification:
    return Notification(
        audience="ops",
        event=event,
        shipment_id=shipment_id,
        order_id="A-1001",
        tracking_number="1Z999AA10123456784",
        carrier="ups",
        title=f"{shipment_id} is late",
        message="promise 2026-10-02 passed 2 business day(s) ago; not delivered",
        occurred_at=WHEN,
        previous="on_track",
        details={"promise": "2026-10-02"},
    )


@pytest.fixture(scope="module")
def notifiers():
    host = PluginHost(environ={"OPSCTL_LOAD_PLUGINS": "notify"})
    return {r.name: r.obj for r in host.registry.registrations("notifiers")}


def delivery(settings, secrets=None, digest=False):
    secrets = secrets or {}
    return Delivery(settings, lambda key: secrets.get(key, settings.get(key)), digest)


def test_hook_register_notifiers_first_party(notifiers):
    assert sorted(notifiers) == ["email", "ndjson", "webhook"]


def test_ndjson_appends_one_line_per_notification(notifiers, tmp_path):
    path = tmp_path / "notifications.ndjson"
    notifiers["ndjson"].send([notification("SH-1")], delivery({"path": str(path)}))
    notifiers["ndjson"].send([notification("SH-2")], delivery({"path": str(path)}))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["shipment_id"] for line in lines] == ["SH-1", "SH-2"]
    assert lines[0]["occurred_at"] == "2026-10-06T09:15:00+00:00"
    assert lines[0]["previous"] == "on_track"


def test_webhook_posts_json_one_request_each(notifiers):
    with webhook_receiver() as (url, received):
        notifiers["webhook"].send(
            [notification("SH-1"), notification("SH-2")], delivery({"url": url})
        )
    assert [body["notifications"][0]["shipment_id"] for body in received] == ["SH-1", "SH-2"]


def test_webhook_slack_digest_is_one_message(notifiers):
    with webhook_receiver() as (url, received):
        notifiers["webhook"].send(
            [notification("SH-1"), notification("SH-2")],
            delivery({"url": url, "format": "slack"}, digest=True),
        )
    [body] = received
    assert body["text"].startswith("opsctl: 2 shipment updates\n")
    assert "• SH-2 is late: promise 2026-10-02 passed" in body["text"]


def test_webhook_retries_a_server_error(notifiers):
    with webhook_receiver(statuses=[503]) as (url, received):
        notifiers["webhook"].send(
            [notification()], delivery({"url": url, "backoff": 0, "backoff_max": 0})
        )
    assert len(received) == 1


def test_webhook_failure_is_a_service_error_without_the_secret_url(notifiers):
    with webhook_receiver(statuses=[403]) as (url, _), pytest.raises(ServiceError) as raised:
        notifiers["webhook"].send([notification()], delivery({"url": url}))
    assert "HTTP 403" in str(raised.value)
    assert "/hooks/opsctl" not in str(raised.value)


def test_email_one_message_each_and_a_digest(notifiers):
    with smtp_receiver() as (port, messages):
        settings = {
            "host": "127.0.0.1",
            "port": port,
            "from": "ops@shop.test",
            "to": ["a@shop.test"],
        }
        notifiers["email"].send([notification("SH-1"), notification("SH-2")], delivery(settings))
        notifiers["email"].send(
            [notification("SH-3"), notification("SH-4")], delivery(settings, digest=True)
        )
    subjects = [message["Subject"] for _, message in messages]
    assert subjects == ["SH-1 is late", "SH-2 is late", "opsctl: 2 shipment updates"]
    recipients, first = messages[0]
    assert recipients == ["a@shop.test"]
    assert "promise 2026-10-02 passed" in first.get_payload()


def test_email_unreachable_server_is_a_service_error(notifiers):
    settings = {"host": "127.0.0.1", "port": 9, "from": "o@s.test", "to": "a@s.test", "timeout": 2}
    with pytest.raises(ServiceError) as raised:
        notifiers["email"].send([notification()], delivery(settings))
    assert str(raised.value).startswith("email: SMTP server 127.0.0.1:9 failed")
