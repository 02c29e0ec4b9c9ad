"""A loopback HTTP server that replays recorded carrier API answers, for tests over real HTTP.

Carrier tests talk to a real :class:`http.server.ThreadingHTTPServer` on
``127.0.0.1`` and a random port, never to a carrier and never to a mock of
opsctl's own code::

    with CarrierServer() as server:
        server.reply("GET", "/track/shipments", Reply.payload("dhl/parcel_de_delivered.json"))
        carrier = DhlCarrier("test-key", base_url=server.url)
        result = carrier.track(["00340434161094042557"])
        assert server.requests()[0].headers["DHL-API-Key"] == "test-key"

Scripted replies for one method and path are served in order, the last one
again and again; ``respond`` takes a function of the request instead. Replies
are the recorded payloads under ``tests/payloads/<carrier>/``, in the documented
shape of each API. A request nobody scripted gets HTTP 501, which opsctl does
not retry, so a test missing a route fails fast.

:class:`FakeTime` stands in for the clock: ``sleep`` records the wait and moves
the clock forward instead of sleeping, so retries and rate limits are instant
and their waits can be asserted.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from opsctl.http import Timekeeper

PAYLOADS = Path(__file__).resolve().parent / "payloads"


def load_payload(name: str) -> bytes:
    """The bytes of ``tests/payloads/<name>``."""
    return (PAYLOADS / name).read_bytes()


def payload_json(name: str) -> Any:
    """``tests/payloads/<name>`` parsed as JSON."""
    return json.loads(load_payload(name))


@dataclass
class Reply:
    """One scripted answer: status, headers, body, and how long to wait before answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def json(cls, document: Any, status: int = 200, **kwargs: Any) -> Reply:
        return cls(status, json.dumps(document).encode(), **kwargs)

    @classmethod
    def payload(cls, name: str, status: int = 200, **kwargs: Any) -> Reply:
        """A recorded payload from ``tests/payloads``."""
        return cls(status, load_payload(name), **kwargs)

    @classmethod
    def truncated(cls, name: str, keep: float = 0.6) -> Reply:
        """A recorded payload cut short, as a dropped connection leaves it."""
        body = load_payload(name)
        return cls(200, body[: int(len(body) * keep)])


@dataclass
class Recorded:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


Responder = Callable[[Recorded], Reply]


class CarrierServer:
    """A threaded HTTP server on 127.0.0.1 that replays scripted replies and records requests."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Responder] = {}
        self._recorded: list[Recorded] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        """Answer ``method path`` with ``replies`` in order, repeating the last one."""
        queue = list(replies)

        def next_reply(_: Recorded) -> Reply:
            with self._lock:
                return queue.pop(0) if len(queue) > 1 else queue[0]

        self._routes[(method, path)] = next_reply

    def respond(self, method: str, path: str, responder: Responder) -> None:
        """Answer ``method path`` with ``responder(request)``."""
        self._routes[(method, path)] = responder

    def requests(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """The requests received so far, optionally only those to ``method``/``path``."""
        with self._lock:
            return [
                r
                for r in self._recorded
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    def _answer(self, request: Recorded) -> Reply:
        with self._lock:
            self._recorded.append(request)
        responder = self._routes.get((request.method, request.path))
        if responder is None:
            detail = f"no scripted reply for {request.method} {request.path}"
            return Reply.json({"detail": detail}, status=501)
        return responder(request)

    def __enter__(self) -> CarrierServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: CarrierServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as two writes: without this, Nagle's algorithm holds
            # the body until the client's delayed ACK, 40 ms a request, as no real API does.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            reply = server._answer(request)
            if reply.delay:
                threading.Event().wait(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    return Handler


class FakeTime:
    """A clock that only moves when someone sleeps; records every sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc)
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds

    @property
    def timekeeper(self) -> Timekeeper:
        """A :class:`Timekeeper` on this clock, with jitter fixed at its midpoint."""
        return Timekeeper(
            sleep=self.sleep, monotonic=self.monotonic, now=self.now, random=lambda: 0.5
        )
