"""The one seam through which tethers reaches DNS.

A resolver answers ``query(name, rdtype)`` with an ``Answer``: the answer
section as dnspython rdata plus an outcome. ``DnsResolver`` sends real queries
(UDP, TCP on truncation) to one server with RD set; ``ZoneResolver`` in
``zonefile.py`` answers from master files with no network. Both sit behind
``CachingResolver``, which resolves each (name, type) once per run, so an SPF
include shared by a thousand domains costs one query.

Why dnspython: it parses every record type we read into typed rdata (MX
exchange, CAA tag/value, SRV target) with RFC-correct name handling, and its
async queries do UDP with TCP fallback. Its cost (~0.5 ms a query) bounds a
single process to a few thousand queries a second; the transport is isolated
here so a faster core can replace it without touching the collectors.
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver

from tethers.errors import InputError, OperationalError


@dataclass(frozen=True, slots=True)
class Record:
    owner: str  # without the trailing dot, lower case
    rdtype: str  # "MX", "CNAME", ...
    rdata: dns.rdata.Rdata

    @property
    def text(self) -> str:
        return self.rdata.to_text()


@dataclass(frozen=True, slots=True)
class Answer:
    name: str
    rdtype: str
    rcode: str  # NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or "" when no reply came
    records: tuple[Record, ...] = ()
    error: str = ""  # "timeout", "unreachable: ...", "malformed: ...", "not-in-zones"

    @property
    def ok(self) -> bool:
        return self.rcode == "NOERROR" and not self.error

    def of_type(self, rdtype: str) -> list[Record]:
        return [r for r in self.records if r.rdtype == rdtype]

    @property
    def failure(self) -> str:
        """Why this lookup gave nothing usable, or "" if it did (or the name simply has no such record)."""
        if self.error:
            return self.error
        if self.rcode in ("NOERROR", "NXDOMAIN"):
            return ""
        return self.rcode.lower()


class Resolver(Protocol):
    description: str

    async def query(self, name: str, rdtype: str) -> Answer: ...


def _records(message: dns.message.Message) -> tuple[Record, ...]:
    out = []
    for rrset in message.answer:
        owner = rrset.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(rrset.rdtype)
        out.extend(Record(owner, rdtype, rd) for rd in rrset)
    return tuple(out)


def parse_server(text: str) -> tuple[str, int]:
    """``HOST[:PORT]``, ``[V6]:PORT`` or a bare IPv6 address → (address, port)."""
    import ipaddress

    text = text.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        port = _port(port_text, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise InputError(f"invalid resolver {text!r}: give an IP address, optionally with :PORT") from None
    return host, port


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InputError(f"invalid resolver {whole!r}: bad port {text!r}")
    return int(text)


def system_servers() -> list[str]:
    try:
        servers = dns.resolver.Resolver(configure=True).nameservers
    except dns.resolver.NoResolverConfiguration:
        servers = []
    if not servers:
        raise OperationalError("no system resolver configured", hint="pass --resolver HOST[:PORT]")
    return [str(s) for s in servers]


class _UdpChannel(asyncio.DatagramProtocol):
    """One connected UDP socket to one server; replies are matched to queries by ID and question.

    Sharing one long-lived socket (instead of one per query) is what keeps a
    Python scanner fast: see docs/design.md.
    """

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[dns.message.Message, asyncio.Future[dns.message.Message]]] = {}
        self.error: OSError | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: object) -> None:
        if len(data) < 12:
            return
        entry = self.pending.get(int.from_bytes(data[:2], "big"))
        if entry is None:
            return  # late or stray reply
        request, future = entry
        try:
            reply = dns.message.from_wire(data, ignore_trailing=True)
        except dns.exception.DNSException:
            return  # garbage on our port is not an answer; the query times out or a good reply follows
        if not request.is_response(reply) or future.done():
            return
        future.set_result(reply)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and friends: fail every waiting query now.
        self.error = exc if isinstance(exc, OSError) else OSError(str(exc))
        for _, future in self.pending.values():
            if not future.done():
                future.set_exception(self.error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


class DnsResolver:
    """Queries one or more servers with RD set: UDP on one shared socket per server, TCP on truncation."""

    def __init__(
        self,
        servers: list[tuple[str, int]],
        *,
        timeout: float = 2.0,
        retries: int = 2,
        concurrency: int = 64,
        description: str = "",
    ) -> None:
        if not servers:
            raise OperationalError("no resolver to query")
        self.servers = servers
        self.timeout = timeout
        self.retries = retries
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._channels: dict[tuple[str, int], _UdpChannel] = {}
        self._opening: dict[tuple[str, int], asyncio.Lock] = {}
        self.description = description or ", ".join(f"{h}:{p}" for h, p in servers)
        self.sent = 0

    @classmethod
    def system(cls, **kwargs: float | int) -> DnsResolver:
        servers = system_servers()
        return cls([(s, 53) for s in servers], description=f"system ({', '.join(servers)})", **kwargs)  # type: ignore[arg-type]

    async def _channel(self, server: tuple[str, int]) -> _UdpChannel:
        channel = self._channels.get(server)
        if channel is not None and channel.transport is not None and channel.error is None:
            return channel
        lock = self._opening.setdefault(server, asyncio.Lock())
        async with lock:
            channel = self._channels.get(server)
            if channel is not None and channel.transport is not None and channel.error is None:
                return channel
            if channel is not None and channel.transport is not None:
                channel.transport.close()
            loop = asyncio.get_running_loop()
            _, channel = await loop.create_datagram_endpoint(_UdpChannel, remote_addr=server)
            self._channels[server] = channel
            return channel

    def close(self) -> None:
        for channel in self._channels.values():
            if channel.transport is not None:
                channel.transport.close()
        self._channels.clear()

    async def query(self, name: str, rdtype: str) -> Answer:
        try:
            qname = dns.name.from_text(name)
        except dns.exception.DNSException as exc:
            return Answer(name, rdtype, "", error=f"malformed: {exc}")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        last_error = "timeout"
        async with self._slots:
            for attempt in range(self.retries + 1):
                server = self.servers[attempt % len(self.servers)]
                try:
                    reply = await self._exchange(server, qname, rdtype)
                except TimeoutError:
                    last_error = "timeout"
                    continue
                except ConnectionRefusedError:
                    last_error = f"unreachable: {server[0]}:{server[1]} refused the connection"
                    continue
                except OSError as exc:
                    last_error = f"unreachable: {server[0]}:{server[1]}: {exc.strerror or exc}"
                    continue
                except dns.exception.DNSException as exc:
                    return Answer(name, rdtype, "", error=f"malformed: {type(exc).__name__}: {exc}")
                rcode = dns.rcode.to_text(reply.rcode())
                return Answer(name, rdtype, rcode, _records(reply))
        return Answer(name, rdtype, "", error=last_error)

    async def _exchange(self, server: tuple[str, int], qname: dns.name.Name, rdtype: str) -> dns.message.Message:
        channel = await self._channel(server)
        request = dns.message.make_query(qname, rdtype, use_edns=0, payload=1232)
        request.flags |= dns.flags.RD
        while request.id in channel.pending:
            request.id = random.randrange(65536)
        future: asyncio.Future[dns.message.Message] = asyncio.get_running_loop().create_future()
        channel.pending[request.id] = (request, future)
        try:
            assert channel.transport is not None
            channel.transport.sendto(request.to_wire())
            self.sent += 1
            reply = await asyncio.wait_for(future, self.timeout)
        finally:
            channel.pending.pop(request.id, None)
        if reply.flags & dns.flags.TC:
            # Truncated: ask again over TCP (RFC 7766).
            self.sent += 1
            reply = await dns.asyncquery.tcp(request, server[0], timeout=self.timeout, port=server[1])
        return reply


@dataclass
class CachingResolver:
    """De-duplicates queries for one run: each (name, type) is asked once, in-flight ones shared.

    The cache is bounded (LRU) so a batch of millions of domains keeps memory flat;
    answers are kept for the run, not for their TTL, since a run lasts minutes.
    """

    inner: Resolver
    max_entries: int = 200_000
    queries: int = 0
    hits: int = 0
    _cache: OrderedDict[tuple[str, str], asyncio.Future[Answer]] = field(default_factory=OrderedDict)

    @property
    def description(self) -> str:
        return self.inner.description

    async def query(self, name: str, rdtype: str) -> Answer:
        key = (name.lower().rstrip("."), rdtype)
        future = self._cache.get(key)
        if future is not None:
            self.hits += 1
            self._cache.move_to_end(key)
            return await asyncio.shield(future)
        future = asyncio.get_running_loop().create_future()
        self._cache[key] = future
        if len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
        self.queries += 1
        try:
            answer = await self.inner.query(key[0], rdtype)
        except BaseException as exc:
            self._cache.pop(key, None)
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        future.set_result(answer)
        return answer
