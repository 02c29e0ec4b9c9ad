"""Real loopback receivers for notification tests: an HTTP webhook endpoint and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def webhook_receiver(statuses: list[int] | None = None) -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server on 127.0.0.1 that records JSON POST bodies.

    ``statuses`` are answered in turn (then 200), to exercise retries.
    Yields the URL and the list of received bodies.
    """
    received: list[dict] = []
    answers = list(statuses or [])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            status = answers.pop(0) if answers else 200
            if status == 200:
                received.append(json.loads(self.rfile.read(length)))
            else:
                self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/opsctl", received
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_receiver() -> Iterator[tuple[int, list]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields its port and received messages."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    messages: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.original_content)
            messages.append((envelope.rcpt_tos, message))
            return "250 Message accepted for delivery"

    with socket.socket() as probe:  # aiosmtpd needs a fixed port: borrow a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, messages
    finally:
        controller.stop()
