"""``BuiltinServer``: a small authoritative DNS server in Python, over UDP and TCP on loopback.

    with BuiltinServer(["tests/fixtures/zones/example.com.zone"]) as server:
        host, port = server.address        # ("127.0.0.1", 40123)

It runs its own asyncio event loop in a background thread, so synchronous code (the demo, the
tests, a benchmark) can query it with blocking clients. The answers come from
``tethers.demo.answer.Authority``; this module only moves bytes. It is the fallback when Knot
DNS is not installed, so ``tethers demo`` works on any fresh clone.

A handler never lets an exception end the server: a query that cannot be parsed gets FORMERR
(or silence), and anything unexpected is answered SERVFAIL and kept in ``errors`` so tests can
insist that none happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import struct
import threading
from typing import Any, cast

from tethers.demo.answer import Authority
from tethers.demo.serving import Served
from tethers.demo.zones import ZoneFiles, ZoneSource, load_zone, zone_sources
from tethers.errors import OperationalError

_TCP_IDLE = 10.0  # seconds a TCP client may stay silent before we hang up (RFC 7766 section 6.2.3)
_TCP_MAX_BUFFERED = 1 << 20  # unread reply bytes one TCP client may pile up
_STARTUP = 10.0
_SERVFAIL = 2


class BuiltinServer(Served):
    """Serves ``zones`` authoritatively on ``host`` (port 0 picks a free one) until stopped."""

    def __init__(
        self,
        zones: ZoneFiles,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_udp_payload: int = 1232,
    ) -> None:
        self.zones: tuple[ZoneSource, ...] = zone_sources(zones)
        self.host = host
        self.port = port
        # Loaded now, not in start(): a bad zone file is the caller's error, reported at once.
        self.authority = Authority(
            [load_zone(source) for source in self.zones], max_udp_payload=max_udp_payload
        )
        self.errors: list[BaseException] = []
        self._address: tuple[str, int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise OperationalError("the built-in DNS server is not running")
        return self._address

    def start(self) -> BuiltinServer:
        if self._thread is not None:
            return self
        udp, tcp = _bind_pair(self.host, self.port)
        ready = threading.Event()
        failure: list[BaseException] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._run,
            args=(udp, tcp, ready, failure),
            name=f"tethers-dns-{udp.getsockname()[1]}",
            daemon=True,  # never keep the interpreter alive; stop() is the clean way out
        )
        self._thread.start()
        if not ready.wait(_STARTUP) or failure:
            self.stop()
            detail = f": {failure[0]}" if failure else ""
            raise OperationalError(f"the built-in DNS server did not start{detail}")
        self._address = (self.host, int(udp.getsockname()[1]))
        return self

    def stop(self) -> None:
        thread, loop, stop = self._thread, self._loop, self._stop
        self._thread = self._loop = self._stop = None
        self._address = None
        if thread is None or loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended on its own
            # The stop event exists once serving began; before that, stopping the loop aborts
            # the start-up, which _run reports and cleans up after.
            loop.call_soon_threadsafe(stop.set if stop is not None else loop.stop)
        thread.join()

    # -- the event loop thread ---------------------------------------------------------------

    def _run(
        self,
        udp: socket.socket,
        tcp: socket.socket,
        ready: threading.Event,
        failure: list[BaseException],
    ) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(self._on_loop_error)
        try:
            loop.run_until_complete(self._serve(udp, tcp, ready))
        except BaseException as exc:  # noqa: BLE001 - reported to start() in the caller's thread
            failure.append(exc)
            ready.set()
        finally:
            udp.close()
            tcp.close()
            with contextlib.suppress(RuntimeError):
                loop.run_until_complete(loop.shutdown_asyncgens())
            asyncio.set_event_loop(None)
            loop.close()

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # Errors in callbacks would otherwise only be printed to stderr; keep them for tests.
        exc = context.get("exception")
        self.errors.append(exc if isinstance(exc, BaseException) else RuntimeError(context["message"]))

    async def _serve(self, udp: socket.socket, tcp: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        # Open TCP connections, closed at shutdown (Python 3.11's Server.close() leaves them).
        connections: set[asyncio.Transport] = set()
        transport, _ = await loop.create_datagram_endpoint(lambda: _UdpProtocol(self), sock=udp)
        server = await loop.create_server(lambda: _TcpProtocol(self, connections), sock=tcp)
        try:
            ready.set()
            await self._stop.wait()
        finally:
            transport.close()
            server.close()
            for connection in list(connections):
                connection.close()
            await server.wait_closed()
            # Transports finish closing in callbacks: let them run before the loop ends.
            for _ in range(3):
                await asyncio.sleep(0)

    def handle(self, wire: bytes, *, tcp: bool) -> bytes | None:
        """One query's reply; a bug in answering becomes SERVFAIL plus an entry in ``errors``."""
        try:
            return self.authority.respond(wire, tcp=tcp)
        except Exception as exc:  # noqa: BLE001 - the server must outlive its own bugs
            self.errors.append(exc)
            if len(wire) < 12:
                return None
            query_id, flags = struct.unpack("!HH", wire[:4])
            return struct.pack("!HHHHHH", query_id, 0x8000 | (flags & 0x7900) | _SERVFAIL, 0, 0, 0, 0)


class _TcpProtocol(asyncio.Protocol):
    """DNS over TCP (RFC 7766): two-byte length frames, answered in order, idle timeout."""

    def __init__(self, server: BuiltinServer, connections: set[asyncio.Transport]) -> None:
        self._server = server
        self._connections = connections
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._connections.add(self._transport)
        self._arm_idle_timer()

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        self._buffer += data
        while len(self._buffer) >= 2:
            (length,) = struct.unpack("!H", self._buffer[:2])
            if len(self._buffer) < 2 + length:
                break
            wire = bytes(self._buffer[2 : 2 + length])
            del self._buffer[: 2 + length]
            reply = self._server.handle(wire, tcp=True)
            if reply is None:
                transport.close()  # unanswerable bytes on a stream: the framing is suspect
                return
            transport.write(struct.pack("!H", len(reply)) + reply)
        if transport.get_write_buffer_size() > _TCP_MAX_BUFFERED:
            transport.abort()  # a client that sends queries but never reads the answers
            return
        self._arm_idle_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if self._transport is not None:
            self._connections.discard(self._transport)

    def _arm_idle_timer(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if self._transport is not None:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(_TCP_IDLE, self._transport.close)


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: BuiltinServer) -> None:
        self._server = server
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's UDP transport does not subclass DatagramTransport; it has sendto().
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:  # (host, port[, flow, scope])
        reply = self._server.handle(data, tcp=False)
        if reply is not None and self._transport is not None:
            self._transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a client that went away: nothing to do.
        pass


def _bind_pair(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same port on ``host`` (retrying when port is 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    attempts = 50 if port == 0 else 1
    last: OSError | None = None
    for _ in range(attempts):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            udp.bind((host, port))
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((host, udp.getsockname()[1]))
            tcp.listen(64)
            udp.setblocking(False)
            tcp.setblocking(False)
            return udp, tcp
        except OSError as exc:
            udp.close()
            tcp.close()
            last = exc
            if exc.errno != errno.EADDRINUSE:
                break
    raise OperationalError(f"cannot listen on {host} port {port}: {last}")
