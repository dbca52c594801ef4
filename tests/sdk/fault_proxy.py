"""A fault-injecting HTTP proxy between the SDK and a real server, for tests.

Requests are answered by a fixed cycle of faults, counted across all requests:

- ``429``: answered by the proxy with ``Retry-After``, never forwarded;
- ``503``: answered by the proxy, never forwarded;
- ``drop``: forwarded, the server's answer read in full, then the client's connection
  closed without a word, so the write happened but the client cannot know it;
- ``pass``: forwarded and relayed.

Every request is recorded with its fault and, when forwarded, the server's status and
whether the server said it replayed an earlier answer (``Idempotent-Replayed``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    fault: str
    status: int | None = None
    replayed: bool = False


class FaultProxy:
    def __init__(self, upstream: str, faults: tuple[str, ...], retry_after: int = 1) -> None:
        self.upstream = httpx.Client(base_url=upstream, timeout=30)
        self.faults = itertools.cycle(faults)
        self.retry_after = retry_after
        self.seen: list[Seen] = []
        self.lock = threading.Lock()

    def next_fault(self) -> str:
        with self.lock:
            return next(self.faults)

    def record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = proxy.next_fault()
            if fault in ("429", "503"):
                proxy.record(Seen(self.command, self.path, fault))
                self._answer(int(fault), {"Retry-After": str(proxy.retry_after)}, b"busy")
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            answer = proxy.upstream.request(self.command, self.path, headers=headers, content=body)
            replayed = answer.headers.get("idempotent-replayed") == "true"
            proxy.record(Seen(self.command, self.path, fault, answer.status_code, replayed))
            if fault == "drop":
                self.close_connection = True  # the write is done; the client never hears
                return
            relayed = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            self._answer(answer.status_code, relayed, answer.content)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def fault_proxy(upstream: str, faults: tuple[str, ...]) -> Iterator[tuple[str, FaultProxy]]:
    proxy = FaultProxy(upstream, faults)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", proxy
    finally:
        server.shutdown()
        server.server_close()
        proxy.upstream.close()
