"""The loopback HTTP server every fake of tests/fakes/ runs on.

A fake's ``Server`` subclasses ``LoopbackServer`` and says how a request is answered in
``answer(method, path, query, headers, body)``: ``path`` without its query, ``query`` as it
came (each fake parses it its own way), ``headers`` the request's, ``body`` its bytes. It
returns ``(status, body, headers)``, or raises ``Reply`` with the same from deep inside the
fake, or ``Hangup`` to close the connection without an answer (a reply lost on the way).

The body is sent as bytes when it is bytes (``application/octet-stream``), as UTF-8 text
when it is a string (``text/plain; charset=utf-8``), as JSON otherwise (``application/json``,
``null`` for None); a ``Content-Type`` among the answer's headers says otherwise. Redirects are
answers like the others (a status and a ``Location``), which the client decides to follow.

The server listens on 127.0.0.1 (port 0: a free one), serves each connection in a daemon
thread after ``start()``, HTTP/1.1 with ``Content-Length``, logs nothing, and ``stop()``
closes it; ``serve()`` serves in the calling thread, for a stand-in run alone
(``python -m tests.fakes.<name>``, as ``make run`` does).
"""

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

Answer = tuple[int, object, dict[str, str]]  # status, body, headers


class Reply(Exception):
    """Answer now with this status, body and headers."""

    def __init__(self, status: int, body: object, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Hangup(Exception):
    """Close the connection without answering (a reset after the request arrived)."""


def encode(body: object, content_type: str | None) -> tuple[bytes, str]:
    """The bytes of an answer's body and their content type."""
    if isinstance(body, bytes):
        return body, content_type or "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), content_type or "text/plain; charset=utf-8"
    return json.dumps(body, ensure_ascii=False).encode(), content_type or "application/json"


class LoopbackServer:
    """A fake on ``127.0.0.1:port`` (0: a free one); ``url`` is where it answers.

    ``tls``: serve HTTPS with this context. ``methods``: the HTTP methods it takes (another
    one is a 501). ``max_body``: a request whose ``Content-Length`` is larger is answered
    ``too_large()`` without its body being read."""

    methods: tuple[str, ...] = ("GET", "POST")
    max_body: int | None = None

    def __init__(self, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def dispatch(self) -> None:
                server._serve(self)

            def log_message(self, *args: object) -> None:
                pass

        for method in self.methods:
            setattr(Handler, f"do_{method}", Handler.dispatch)
        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.http.daemon_threads = True
        if tls is not None:
            self.http.socket = tls.wrap_socket(self.http.socket, server_side=True)
        self.port = self.http.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        raise NotImplementedError

    def common_headers(self) -> dict[str, str]:
        """Headers sent with every answer (before the answer's own)."""
        return {}

    def too_large(self) -> Answer:
        return 413, "Payload too large", {}

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()

    def serve(self) -> None:
        """Serve in this thread until interrupted, then close."""
        try:
            self.http.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.http.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        try:
            if self.max_body is not None and length > self.max_body:
                status, data, headers = self.too_large()
            else:
                body = request.rfile.read(length) if length else b""
                status, data, headers = self.answer(
                    request.command, parts.path, parts.query, request.headers, body
                )
        except Reply as reply:
            status, data, headers = reply.status, reply.body, reply.headers
        except Hangup:
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        headers = {**self.common_headers(), **headers}
        payload, content_type = encode(data, headers.pop("Content-Type", None))
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(payload)
        except OSError:  # the client gave up (an answer that stalled past its timeout)
            pass
