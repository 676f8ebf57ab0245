"""The one seam through which tethers reaches DNS.

A resolver answers ``query(name, rdtype)`` with an ``Answer``: the answer
section as ``Record`` values plus an outcome. ``DnsResolver`` (``transport.py``)
sends real queries (UDP, TCP on truncation) to one or more servers with RD set,
building and parsing messages by hand (``wire.py``); ``ZoneResolver`` in
``zonefile.py`` answers from master files with no network. Both sit behind
``CachingResolver``, which resolves each (name, type) once while its TTL lasts,
so an SPF include shared by a thousand domains costs one query.

A record's ``rdata`` offers the attributes of dnspython's rdata that the
collectors read (``target``, ``exchange``, ``strings``, ``mname``, ``rname``,
``tag``, ``value``...) and ``to_text()`` in dnspython's presentation format: it
is a dnspython rdata for zone files and unusual replies, and one of
``wire.py``'s light classes for ordinary replies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

import dns.message
import dns.rdatatype
import dns.resolver

from tethers.errors import InputError, OperationalError


class Record(NamedTuple):
    owner: str  # without the trailing dot, lower case
    rdtype: str  # "MX", "CNAME", ...
    rdata: Any  # dns.rdata.Rdata or a wire.Rdata: the same attributes and to_text()

    @property
    def text(self) -> str:
        return self.rdata.to_text()  # type: ignore[no-any-return]


class Answer(NamedTuple):
    """One lookup's outcome. A named tuple rather than a dataclass: a scan makes ~90 of them a domain."""

    name: str
    rdtype: str
    rcode: str  # NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or "" when no reply came
    records: tuple[Record, ...] = ()
    error: str = ""  # "timeout", "unreachable: ...", "malformed: ...", "not-in-zones"
    ttl: int = 0  # seconds the answer may be reused (0: unknown, e.g. zone files)

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


def dnspython_records(message: dns.message.Message) -> tuple[Record, ...]:
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


class _Flight:
    """A lookup on its way: the callbacks waiting for its answer; called with the answer when it lands."""

    __slots__ = ("cache", "key", "waiters")

    def __init__(self, cache: CachingResolver, key: tuple[str, str],
                 waiters: list[Callable[[Answer | BaseException], object]]) -> None:
        self.cache = cache
        self.key = key
        self.waiters = waiters

    def __call__(self, outcome: Answer | BaseException) -> None:
        self.cache._land(self, outcome)
        for waiter in self.waiters:
            waiter(outcome)


def _setter(future: asyncio.Future[Answer]) -> Callable[[Answer | BaseException], None]:
    def land(outcome: Answer | BaseException) -> None:
        if future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    return land


Entry = tuple[Answer, float] | _Flight


class CachingResolver:
    """De-duplicates queries: each (name, type) is asked once while its answer lives, in-flight ones shared.

    An answer is reused for its TTL, clamped to [``min_ttl``, ``max_ttl``] so a
    long batch refreshes provider names now and then without re-asking one every
    second. Memory is bounded by ``max_entries``: entries live in two
    generations, and when the young one is full the old one is dropped; a hit in
    the old generation moves the entry to the young one. So names shared across
    domains (provider hosts, SPF includes) stay, a domain's own names age out,
    and no access pays for reordering (an approximate LRU, O(1) throughout).

    ``prefetch`` starts a batch of lookups at once and waits for them all; with
    a resolver that has ``submit`` (the UDP transport) the batch costs one
    future in all instead of a task and a future per query, and the collector's
    own ``query`` calls that follow are answered from the cache without waiting.
    """

    def __init__(self, inner: Resolver, max_entries: int = 50_000, min_ttl: float = 30.0,
                 max_ttl: float = 3600.0) -> None:
        self.inner = inner
        self.max_entries = max_entries
        self.min_ttl = min_ttl
        self.max_ttl = max_ttl
        self.queries = 0
        self.hits = 0
        self._young: dict[tuple[str, str], Entry] = {}
        self._old: dict[tuple[str, str], Entry] = {}
        self._submit = getattr(inner, "submit", None)
        self._tasks: set[asyncio.Task[Answer]] = set()

    @property
    def description(self) -> str:
        return self.inner.description

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def _get(self, key: tuple[str, str]) -> Entry | None:
        entry = self._young.get(key)
        if entry is None:
            entry = self._old.pop(key, None)
            if entry is not None:
                self._put(key, entry)
        return entry

    def _put(self, key: tuple[str, str], entry: Entry) -> None:
        young = self._young
        young[key] = entry
        if len(young) > self.max_entries // 2:
            self._old = young
            self._young = {}

    async def query(self, name: str, rdtype: str) -> Answer:
        key = (name.lower().rstrip("."), rdtype)
        entry = self._get(key)
        if entry is not None:
            if type(entry) is tuple:
                if time.monotonic() < entry[1]:
                    self.hits += 1
                    return entry[0]
            else:
                self.hits += 1
                future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
                entry.waiters.append(_setter(future))  # type: ignore[union-attr]
                return await future
        future = asyncio.get_running_loop().create_future()
        self._start(key, [_setter(future)])
        return await future

    async def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Start every lookup in ``pairs`` not answered yet, together; return once all have landed."""
        left = 0
        future: asyncio.Future[None] | None = None

        def landed(_: object) -> None:
            nonlocal left
            left -= 1
            if left == 0 and future is not None and not future.done():
                future.set_result(None)

        now = time.monotonic()
        for name, rdtype in pairs:
            key = (name.lower().rstrip("."), rdtype)
            entry = self._get(key)
            if entry is None or type(entry) is tuple and now >= entry[1]:
                left += 1
                self._start(key, [landed])
            elif type(entry) is _Flight:
                left += 1
                entry.waiters.append(landed)
        if left:
            future = asyncio.get_running_loop().create_future()
            await future

    def _start(self, key: tuple[str, str], waiters: list[Callable[[Answer | BaseException], object]]) -> None:
        flight = _Flight(self, key, waiters)
        self._put(key, flight)
        self.queries += 1
        if self._submit is not None:
            self._submit(key[0], key[1], flight)
            return
        task = asyncio.get_running_loop().create_task(self.inner.query(key[0], key[1]))
        self._tasks.add(task)  # asyncio keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda t: flight(_outcome(t)))

    def _land(self, flight: _Flight, outcome: Answer | BaseException) -> None:
        key = flight.key
        holder = self._young if self._young.get(key) is flight else self._old if self._old.get(key) is flight else None
        if holder is None:
            return  # evicted meanwhile, or replaced by a fresher lookup
        if isinstance(outcome, BaseException):
            del holder[key]  # a bug or a cancellation: do not keep it
            return
        ttl = outcome.ttl
        life = self.min_ttl if ttl < self.min_ttl else self.max_ttl if ttl > self.max_ttl else ttl
        holder[key] = (outcome, time.monotonic() + life)


def _outcome(task: asyncio.Task[Answer]) -> Answer | BaseException:
    if task.cancelled():
        return asyncio.CancelledError()
    return task.exception() or task.result()


async def prefetch(resolver: Resolver, pairs: Iterable[tuple[str, str]]) -> None:
    """Start a batch of lookups together when the resolver can (a cache in front of the transport)."""
    method = getattr(resolver, "prefetch", None)
    if method is not None:
        await method(pairs)
