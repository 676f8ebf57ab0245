"""The fast DNS transport: one non-blocking UDP socket per server, many queries in flight.

Design, from measurements (docs/scale.md): per-query Python objects, not system
calls, are what limit a scanner. So each server gets one long-lived connected
UDP socket; queries are built from a template (``wire.build_query``) and replies
parsed by hand (``wire.parse_reply``); on each wake-up the socket is read until
empty; a reply is matched on its ID plus the echoed question; a sweep every
50 ms resends what timed out (no timer per query); TCP is used only for
truncated replies. At most ``concurrency`` queries are in flight per server, the
rest wait in a backlog, and an optional ``qps`` cap spreads sends over time.
Anything the hand parser does not cover goes through dnspython.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any
from random import getrandbits
from time import monotonic

import dns.exception
import dns.message
import dns.name
import dns.rdatatype
import dns.rcode

from tethers.collect import wire
from tethers.collect.resolver import Answer, Record, dnspython_records, system_servers
from tethers.errors import OperationalError

SWEEP_S = 0.05
RCVBUF = 4 * 1024 * 1024


class _Query:
    __slots__ = ("name", "rdtype", "question", "qname", "tail", "done", "finished", "attempt", "first", "deadline")

    def __init__(self, name: str, rdtype: str, question: bytes, done: Callable[[Answer], object], first: int) -> None:
        self.name = name
        self.rdtype = rdtype
        self.question = question  # wire name + type + class, as sent
        self.qname = question[:-4].lower()  # to match the echoed question, whatever its case
        self.tail = wire.query_tail(question)  # the query after its ID, so a (re)send is one concatenation
        self.done = done  # called once with the answer
        self.finished = False
        self.attempt = 0
        self.first = first  # index of the server the first attempt goes to
        self.deadline = 0.0

    def finish(self, answer: Answer) -> None:
        if not self.finished:
            self.finished = True
            self.done(answer)


class _Channel:
    """One server: its socket, the queries in flight (by ID) and those waiting for a slot."""

    def __init__(self, owner: DnsResolver, server: tuple[str, int], loop: asyncio.AbstractEventLoop) -> None:
        self.owner = owner
        self.server = server
        self.label = f"{server[0]}:{server[1]}"
        self.loop = loop
        self.pending: dict[int, _Query] = {}
        self.backlog: deque[_Query] = deque()
        family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self.sock.setblocking(False)
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            except OSError:
                pass  # the kernel's default will do, a little more loss under bursts
            self.sock.connect(server)
        except OSError as exc:
            self.sock.close()
            raise OperationalError(f"cannot open a socket to {self.label}: {exc.strerror or exc}") from None
        self.writing = False
        loop.add_reader(self.sock.fileno(), self._readable)

    def close(self) -> None:
        try:
            self.loop.remove_reader(self.sock.fileno())
            if self.writing:
                self.loop.remove_writer(self.sock.fileno())
        except (RuntimeError, ValueError):
            pass  # the loop is already closed
        self.sock.close()

    # -- sending -------------------------------------------------------------------

    def submit(self, query: _Query) -> None:
        if not self.backlog and len(self.pending) < self.owner.concurrency and self.owner.token():
            self._send(query)
        else:
            self.backlog.append(query)

    def fill(self) -> None:
        backlog, pending, limit = self.backlog, self.pending, self.owner.concurrency
        while backlog and len(pending) < limit and not self.writing and self.owner.token():
            self._send(backlog.popleft())

    def _send(self, query: _Query) -> None:
        pending = self.pending
        qid = getrandbits(16)
        while qid in pending:
            qid = getrandbits(16)
        try:
            self.sock.send(qid.to_bytes(2, "big") + query.tail)
        except BlockingIOError:
            # The socket buffer is full: wait until it drains rather than count a loss.
            self.backlog.appendleft(query)
            if not self.writing:
                self.writing = True
                self.loop.add_writer(self.sock.fileno(), self._writable)
            return
        except ConnectionRefusedError:
            self.owner.retry(query, f"unreachable: {self.label} refused the connection")
            return
        except OSError as exc:
            self.owner.retry(query, f"unreachable: {self.label}: {exc.strerror or exc}")
            return
        owner = self.owner
        query.deadline = monotonic() + owner.timeout  # the loop's clock (asyncio uses time.monotonic)
        pending[qid] = query
        owner.sent += 1
        if owner._sweep is None:
            owner.arm()

    def _writable(self) -> None:
        self.loop.remove_writer(self.sock.fileno())
        self.writing = False
        self.fill()

    # -- receiving -----------------------------------------------------------------

    def _readable(self) -> None:
        recv, pending, parse = self.sock.recv, self.pending, wire.parse_reply
        is_empty, parse_empty = wire.is_plain_empty, wire.parse_empty_reply
        while True:
            try:
                data = recv(65535)
            except BlockingIOError:
                break
            except ConnectionRefusedError:
                self._fail_all(f"unreachable: {self.label} refused the connection")
                break
            except OSError as exc:
                self._fail_all(f"unreachable: {self.label}: {exc.strerror or exc}")
                break
            if len(data) < 12:
                continue
            qid = (data[0] << 8) | data[1]
            query = pending.get(qid)
            if query is None:
                continue  # late, duplicate or stray
            end = 12 + len(query.qname)
            if data[12:end].lower() != query.qname or data[end:end + 4] != query.question[-4:]:
                continue  # not the question we asked: ignore it, like a stray packet
            if is_empty(data):  # most replies: the name or type does not exist
                try:
                    rcode, ttl = parse_empty(data, end + 4)
                except wire.WireError:
                    continue
                del pending[qid]
                if not query.finished:
                    query.finished = True
                    query.done(Answer(query.name, query.rdtype, rcode, (), "", ttl))
                continue
            try:
                reply = parse(data, end + 4)
            except wire.WireError:
                continue  # garbage on our port is not an answer; the real one or a timeout follows
            except wire.Unusual:
                reply = None
            del pending[qid]
            if reply is None:
                self.owner.finish(query, data, None)
            elif reply.flags & wire.FLAG_TC:
                self.owner.spawn(self.owner.tcp(query, self.server))
            elif not query.finished:
                query.finished = True
                records = reply.records
                query.done(Answer(query.name, query.rdtype, reply.rcode_text,
                                  tuple(map(Record._make, records)) if records else (), "", reply.ttl))
        self.fill()

    def _fail_all(self, reason: str) -> None:
        # An ICMP error on a connected UDP socket names no query: every one in flight is suspect.
        queries = list(self.pending.values())
        self.pending.clear()
        for query in queries:
            self.owner.retry(query, reason)

    def expire(self, now: float) -> None:
        late = [qid for qid, q in self.pending.items() if q.deadline <= now]
        for qid in late:
            self.owner.retry(self.pending.pop(qid), "timeout")
        if late:
            self.fill()


class DnsResolver:
    """Queries one or more servers with RD set: UDP on one socket per server, TCP on truncation.

    ``concurrency`` bounds the queries in flight per server, ``qps`` (0: none)
    caps the rate of sends across all servers; attempt ``n`` of a query goes to
    server ``first + n``, so a retry after a timeout tries the next server.
    """

    def __init__(
        self,
        servers: list[tuple[str, int]],
        *,
        timeout: float = 2.0,
        retries: int = 2,
        concurrency: int = 200,
        qps: float = 0.0,
        description: str = "",
    ) -> None:
        if not servers:
            raise OperationalError("no resolver to query")
        self.servers = list(servers)
        self.timeout = timeout
        self.retries = retries
        self.concurrency = max(1, concurrency)
        self.qps = qps
        self.description = description or ", ".join(f"{h}:{p}" for h, p in servers)
        self.sent = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channels: list[_Channel] = []
        self._next = 0
        self._sweep: asyncio.TimerHandle | None = None
        self._tokens = 0.0
        self._stamp = 0.0
        self._refill: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()  # asyncio keeps only weak references to tasks

    @classmethod
    def system(cls, **kwargs: float | int) -> DnsResolver:
        servers = system_servers()
        return cls([(s, 53) for s in servers], description=f"system ({', '.join(servers)})", **kwargs)  # type: ignore[arg-type]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """A task kept alive until it ends (TCP retries, dnspython lookups)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for handle in (self._sweep, self._refill):
            if handle is not None:
                handle.cancel()
        self._sweep = self._refill = None
        for channel in self._channels:
            for query in [*channel.pending.values(), *channel.backlog]:
                query.finish(Answer(query.name, query.rdtype, "", error="closed"))
            channel.close()
        self._channels = []
        self._loop = None

    def _open(self) -> list[_Channel]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self.close()
            self._loop = loop
            self._stamp = loop.time()
            self._tokens = self._burst()
            self._channels = [_Channel(self, server, loop) for server in self.servers]
        return self._channels

    async def query(self, name: str, rdtype: str) -> Answer:
        if rdtype not in wire.TYPE_CODES:
            return await self._dnspython_query(name, rdtype)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._open()
        future: asyncio.Future[Answer] = loop.create_future()
        self.submit(name, rdtype, lambda answer: future.done() or future.set_result(answer))
        return await future

    def submit(self, name: str, rdtype: str, done: Callable[[Answer], object]) -> None:
        """Send a query; ``done(answer)`` is called from the event loop when it is answered or given up.

        The callback form costs no task and no future per query, which is what
        lets a batch of a domain's queries go out together (see ``CachingResolver.prefetch``).
        """
        # Not asyncio.get_running_loop() on each query: on 3.11 it calls getpid(), a system call.
        loop = self._loop
        channels = self._channels if loop is not None and not loop.is_closed() else self._open()
        qtype = wire.TYPE_CODES.get(rdtype)
        if qtype is None:
            task = self.spawn(self._dnspython_query(name, rdtype))
            task.add_done_callback(lambda t: None if t.cancelled() else done(t.result()))
            return
        try:
            question = wire.question(name, qtype)
        except wire.WireError:
            try:  # escapes or IDNA: let dnspython encode the name
                question = dns.name.from_text(name).to_wire() + qtype.to_bytes(2, "big") + b"\x00\x01"
            except dns.exception.DNSException as exc:
                done(Answer(name, rdtype, "", error=f"malformed: {exc}"))
                return
        first = self._next
        self._next = (first + 1) % len(channels)
        channels[first].submit(_Query(name, rdtype, question, done, first))

    # -- outcomes --------------------------------------------------------------------

    def finish(self, query: _Query, data: bytes, reply: wire.Reply | None) -> None:
        if query.finished:
            return
        if reply is None:
            answer = _dnspython_answer(query, data)
        else:
            answer = Answer(query.name, query.rdtype, reply.rcode_text, tuple(map(Record._make, reply.records)),
                            ttl=reply.ttl)
        query.finish(answer)

    def retry(self, query: _Query, reason: str) -> None:
        if query.finished:
            return
        query.attempt += 1
        if query.attempt > self.retries:
            query.finish(Answer(query.name, query.rdtype, "", error=reason))
            return
        self._channels[(query.first + query.attempt) % len(self._channels)].submit(query)

    async def tcp(self, query: _Query, server: tuple[str, int]) -> None:
        """Ask a truncated query again over TCP (RFC 7766)."""
        try:
            data = await asyncio.wait_for(self._tcp_exchange(query, server), self.timeout)
        except (TimeoutError, asyncio.IncompleteReadError):
            self.retry(query, "timeout")
            return
        except ConnectionRefusedError:
            self.retry(query, f"unreachable: {server[0]}:{server[1]} refused the connection")
            return
        except OSError as exc:
            self.retry(query, f"unreachable: {server[0]}:{server[1]}: {exc.strerror or exc}")
            return
        except wire.WireError as exc:
            query.finish(Answer(query.name, query.rdtype, "", error=f"malformed: {exc}"))
            return
        try:
            reply: wire.Reply | None = wire.parse_reply(data)
        except wire.WireError as exc:
            query.finish(Answer(query.name, query.rdtype, "", error=f"malformed: {exc}"))
            return
        except wire.Unusual:
            reply = None
        self.finish(query, data, reply)

    async def _tcp_exchange(self, query: _Query, server: tuple[str, int]) -> bytes:
        reader, writer = await asyncio.open_connection(server[0], server[1])
        try:
            qid = getrandbits(16)
            packet = wire.build_query(qid, query.question)
            writer.write(len(packet).to_bytes(2, "big") + packet)
            self.sent += 1
            while True:
                size = int.from_bytes(await reader.readexactly(2), "big")
                data = await reader.readexactly(size)
                end = 12 + len(query.qname)
                if len(data) >= 12 and (data[0] << 8 | data[1]) == qid and data[12:end].lower() == query.qname:
                    return data
                if len(data) < 12:
                    raise wire.WireError("short reply over TCP")
        finally:
            writer.close()

    async def _dnspython_query(self, name: str, rdtype: str) -> Answer:
        """Types the hand-built path does not know go through dnspython whole."""
        import dns.asyncquery

        try:
            request = dns.message.make_query(name, rdtype, use_edns=0, payload=wire.PAYLOAD)
        except (dns.exception.DNSException, ValueError) as exc:
            return Answer(name, rdtype, "", error=f"malformed: {exc}")
        error = "timeout"
        for attempt in range(self.retries + 1):
            host, port = self.servers[attempt % len(self.servers)]
            try:
                reply, _ = await dns.asyncquery.udp_with_fallback(request, host, timeout=self.timeout, port=port)
            except dns.exception.Timeout:
                continue
            except OSError as exc:
                error = f"unreachable: {host}:{port}: {exc.strerror or exc}"
                continue
            except dns.exception.DNSException as exc:
                return Answer(name, rdtype, "", error=f"malformed: {type(exc).__name__}: {exc}")
            return Answer(name, rdtype, dns.rcode.to_text(reply.rcode()), dnspython_records(reply))
        return Answer(name, rdtype, "", error=error)

    # -- timers ------------------------------------------------------------------------

    def arm(self) -> None:
        if self._sweep is None and self._loop is not None:
            self._sweep = self._loop.call_later(SWEEP_S, self._expire)

    def _expire(self) -> None:
        self._sweep = None
        now = self._loop.time()  # type: ignore[union-attr]
        busy = False
        for channel in self._channels:
            channel.expire(now)
            busy = busy or bool(channel.pending or channel.backlog)
        if busy:
            self.arm()

    def _burst(self) -> float:
        return max(1.0, self.qps * SWEEP_S) if self.qps else 0.0

    def token(self) -> bool:
        """Whether a query may be sent now under the ``qps`` cap (a token bucket)."""
        if not self.qps:
            return True
        now = self._loop.time()  # type: ignore[union-attr]
        self._tokens = min(self._burst(), self._tokens + (now - self._stamp) * self.qps)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        if self._refill is None:
            self._refill = self._loop.call_later((1.0 - self._tokens) / self.qps, self._resume)  # type: ignore[union-attr]
        return False

    def _resume(self) -> None:
        self._refill = None
        for channel in self._channels:
            channel.fill()


def _dnspython_answer(query: _Query, data: bytes) -> Answer:
    try:
        message = dns.message.from_wire(data, ignore_trailing=True)
    except dns.exception.DNSException as exc:
        return Answer(query.name, query.rdtype, "", error=f"malformed: {type(exc).__name__}: {exc}")
    ttl = min((rrset.ttl for rrset in message.answer), default=0)
    return Answer(query.name, query.rdtype, dns.rcode.to_text(message.rcode()), dnspython_records(message), ttl=ttl)
