"""A real HTTP server on 127.0.0.1 serving small upstream-shaped datasets, for update tests.

    with serve(small_upstream()) as base:      # base = "http://127.0.0.1:<port>"
        update(base, target, min_rows=1)

``files`` maps a path (``/asn/asn-ipv4.csv``) to a body, or to a ``Reply`` for
other status codes, headers, or a body cut short of its Content-Length.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLOUDFLARE_V6 = "2606:4700::,2606:4700:ffff:ffff:ffff:ffff:ffff:ffff"


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    claim_length: int | None = None  # a Content-Length larger than the body: a cut-off download


def small_upstream(version: str = "2.3.2026112300") -> dict[str, bytes | Reply]:
    """Two datasets of a few rows each, laid out like upstream."""
    return {
        "/asn/asn-ipv4.csv": (
            b'1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n'
            b"8.8.8.0,8.8.8.255,15169,Google LLC\n"
            b"9.9.9.0,9.9.9.255,19281,Quad9\n"
        ),
        "/asn/asn-ipv6.csv": f'{CLOUDFLARE_V6},13335,"Cloudflare, Inc."\n'.encode(),
        "/asn/package.json": json.dumps({"name": "@ip-location-db/asn", "version": version}).encode(),
        "/geo-whois-asn-country/geo-whois-asn-country-ipv4.csv": (
            b"1.0.0.0,1.0.0.255,AU\n8.8.8.0,8.8.8.255,US\n9.9.9.0,9.9.9.255,CH\n"
        ),
        "/geo-whois-asn-country/geo-whois-asn-country-ipv6.csv": f"{CLOUDFLARE_V6},US\n".encode(),
        "/geo-whois-asn-country/package.json": json.dumps(
            {"name": "@ip-location-db/geo-whois-asn-country", "version": version}
        ).encode(),
    }


class _Handler(BaseHTTPRequestHandler):
    files: dict[str, bytes | Reply] = {}
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.requests.append(self.path)
        found = self.files.get(self.path)
        reply = found if isinstance(found, Reply) else Reply(found) if found is not None else Reply(b"no", 404)
        self.send_response(reply.status)
        self.send_header("Content-Length", str(reply.claim_length or len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)
        if reply.claim_length:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
        pass


@contextmanager
def serve(files: dict[str, bytes | Reply]) -> Iterator[str]:
    """Serve ``files`` on 127.0.0.1, an ephemeral port; yield the base URL."""
    handler = type("Handler", (_Handler,), {"files": files, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval so shutdown() returns at once rather than after half a second.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="loopback-http", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
