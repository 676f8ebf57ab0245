"""The resolver seam: the UDP transport against real servers on loopback, the cache, eager gather."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from tethers.collect.eager import gather
from tethers.collect.resolver import Answer, CachingResolver
from tethers.collect.transport import DnsResolver
from tethers.collect.zonefile import ZoneResolver, load_zone_file
from tethers.demo.server import BuiltinServer

QUESTIONS = [
    ("example.com", "NS"), ("example.com", "SOA"), ("example.com", "MX"), ("example.com", "TXT"),
    ("example.com", "CAA"), ("example.com", "A"), ("example.com", "AAAA"), ("www.example.com", "A"),
    ("_dmarc.example.com", "TXT"), ("selector1._domainkey.example.com", "TXT"), ("nothing.example.com", "A"),
    ("example.net", "MX"), ("example.org", "TXT"), ("_sip._tls.example.com", "SRV"), ("www.example.net", "A"),
]


def _records(answer: Answer) -> list[tuple[str, str, str]]:
    return [(r.owner, r.rdtype, r.text) for r in answer.records]


def _dnspython(server: tuple[str, int], name: str, rdtype: str) -> tuple[str, list[tuple[str, str, str]]]:
    query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
    reply, _ = dns.query.udp_with_fallback(query, server[0], port=server[1], timeout=2)
    records = [(rrset.name.to_text(omit_final_dot=True).lower(), dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
               for rrset in reply.answer for rd in rrset]
    return dns.rcode.to_text(reply.rcode()), records


def _ask(resolver: DnsResolver, questions: list[tuple[str, str]]) -> list[Answer]:
    async def run() -> list[Answer]:
        try:
            return list(await asyncio.gather(*(resolver.query(n, t) for n, t in questions)))
        finally:
            resolver.close()

    return asyncio.run(run())


def _same_as_dnspython(address: tuple[str, int]) -> None:
    answers = _ask(DnsResolver([address], timeout=2, retries=1), QUESTIONS)
    for (name, rdtype), answer in zip(QUESTIONS, answers, strict=True):
        rcode, records = _dnspython(address, name, rdtype)
        assert (answer.error, answer.rcode) == ("", rcode), (name, rdtype)
        assert _records(answer) == records, (name, rdtype)


def test_answers_match_dnspython_builtin_server(builtin_server):
    _same_as_dnspython(builtin_server.address)


@pytest.mark.knot
def test_answers_match_dnspython_knot(knot_server):
    _same_as_dnspython(knot_server.address)


def test_truncated_replies_are_asked_again_over_tcp(tmp_path: Path):
    zone = tmp_path / "big.example.zone"
    texts = "\n".join(f'@ IN TXT "record {i} {"x" * 80}"' for i in range(20))
    zone.write_text(f"$ORIGIN big.example.\n$TTL 60\n@ IN SOA ns. hm. 1 2 3 4 5\n@ IN NS ns.big.example.\n{texts}\n")
    with BuiltinServer([zone], max_udp_payload=512) as server:
        resolver = DnsResolver([server.address], timeout=2, retries=0)
        (answer,) = _ask(resolver, [("big.example", "TXT")])
        assert answer.ok and len(answer.of_type("TXT")) == 20
        assert _records(answer) == _dnspython(server.address, "big.example", "TXT")[1]
        assert resolver.sent == 2  # once over UDP (truncated), once over TCP


# -- a scripted server on loopback: it answers each query with whatever the test says -----------


class ScriptedServer:
    """A UDP server on 127.0.0.1 that replies to each query with ``script(query_bytes)`` (a list of datagrams)."""

    def __init__(self, script: Callable[[bytes], list[bytes]]) -> None:
        self.script = script
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = self.sock.getsockname()
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            self.received.append(data)
            for packet in self.script(data):
                self.sock.sendto(packet, peer)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def _good_reply(query_bytes: bytes) -> bytes:
    query = dns.message.from_wire(query_bytes)
    response = dns.message.make_response(query)
    response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", "192.0.2.7"))
    return response.to_wire()


@pytest.fixture
def silent() -> Iterator[ScriptedServer]:
    with ScriptedServer(lambda q: []) as server:
        yield server


def test_no_reply_is_a_timeout_after_the_retries(silent):
    resolver = DnsResolver([silent.address], timeout=0.2, retries=2)
    (answer,) = _ask(resolver, [("example.com", "A")])
    assert answer.error == "timeout" and answer.rcode == ""
    assert len(silent.received) == 3  # the query and two retries
    assert len({bytes(q[:2]) for q in silent.received}) >= 1


def test_a_closed_port_is_unreachable():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: the kernel answers ICMP port unreachable
    (answer,) = _ask(DnsResolver([("127.0.0.1", port)], timeout=1, retries=1), [("example.com", "A")])
    assert answer.error == f"unreachable: 127.0.0.1:{port} refused the connection"


def test_garbage_and_mismatched_replies_are_ignored():
    def script(query_bytes: bytes) -> list[bytes]:
        good = _good_reply(query_bytes)
        wrong_question = bytearray(good)
        wrong_question[13] ^= 0x01  # first letter of the echoed name changed
        return [
            query_bytes[:2] + b"\x81",  # too short to be a reply
            query_bytes[:2] + b"\xff" * 40,  # the right ID, then garbage
            bytes(wrong_question),
            bytes([query_bytes[0] ^ 0xFF]) + good[1:],  # another ID
            good,
        ]

    with ScriptedServer(script) as server:
        (answer,) = _ask(DnsResolver([server.address], timeout=1, retries=0), [("Example.COM", "A")])
    assert answer.ok and _records(answer) == [("example.com", "A", "192.0.2.7")]


def test_a_second_server_answers_what_the_first_does_not(silent):
    with ScriptedServer(lambda q: [_good_reply(q)]) as good:
        resolver = DnsResolver([silent.address, good.address], timeout=0.2, retries=1)
        answers = _ask(resolver, [(f"n{i}.example", "A") for i in range(6)])
    assert all(a.ok and a.records for a in answers)
    assert len(good.received) == 6 and len(silent.received) == 3  # round robin, then the retry moves on


def test_in_flight_queries_are_bounded_per_server_and_the_rate_is_capped(silent):
    async def run(resolver: DnsResolver) -> tuple[int, int]:
        for i in range(10):
            resolver.submit(f"n{i}.example", "A", lambda answer: None)
        channel = resolver._channels[0]
        counts = (len(channel.pending), len(channel.backlog))
        resolver.close()
        return counts

    assert asyncio.run(run(DnsResolver([silent.address], concurrency=3))) == (3, 7)
    # 4 queries/s allows a burst of one; the rest wait for tokens (the next comes 250 ms later).
    assert asyncio.run(run(DnsResolver([silent.address], concurrency=100, qps=4))) == (1, 9)
    # 400 queries/s allows a burst of twenty (one sweep period's worth).
    assert asyncio.run(run(DnsResolver([silent.address], concurrency=100, qps=400)))[0] >= 10


def test_names_that_need_escaping_still_go_out(silent):
    with ScriptedServer(lambda q: [_good_reply(q)]) as server:
        answers = _ask(DnsResolver([server.address], timeout=1, retries=0),
                       [("bücher.example", "A"), ("a\\.b.example", "A"), ("a..b", "A")])
    assert answers[0].ok and answers[0].records[0].owner == "xn--bcher-kva.example"
    assert answers[1].ok
    assert answers[2].error.startswith("malformed")


# -- the cache ------------------------------------------------------------------------------


class Counting:
    """Counts the lookups that reach a real resolver (here one reading zone files)."""

    def __init__(self, inner: ZoneResolver) -> None:
        self.inner = inner
        self.description = inner.description
        self.asked: list[tuple[str, str]] = []

    async def query(self, name: str, rdtype: str) -> Answer:
        self.asked.append((name, rdtype))
        await asyncio.sleep(0)
        return self.inner.lookup(name, rdtype)


@pytest.fixture
def zones(fixture_zones: list[Path]) -> ZoneResolver:
    return ZoneResolver([load_zone_file(p) for p in fixture_zones])


def test_each_name_is_asked_once_while_its_answer_lives(zones):
    inner = Counting(zones)

    async def run(cache: CachingResolver) -> None:
        await asyncio.gather(*(cache.query("Example.com.", "MX") for _ in range(5)))
        await cache.query("example.com", "MX")

    cache = CachingResolver(inner)
    asyncio.run(run(cache))
    assert inner.asked == [("example.com", "MX")] and cache.hits == 5
    expired = CachingResolver(inner, min_ttl=0, max_ttl=0)  # every answer expires at once
    inner.asked.clear()
    asyncio.run(run(expired))
    assert inner.asked == [("example.com", "MX"), ("example.com", "MX")]


def test_prefetch_answers_later_queries_from_the_cache(zones):
    inner = Counting(zones)
    cache = CachingResolver(inner)
    pairs = [("example.com", t) for t in ("NS", "MX", "TXT")]

    async def run() -> list[Answer]:
        await cache.prefetch(pairs + pairs)
        return [await cache.query(n, t) for n, t in pairs]

    answers = asyncio.run(run())
    assert inner.asked == pairs
    assert [a.of_type(t)[0].text for a, (_, t) in zip(answers, pairs, strict=True)] == [
        zones.lookup(n, t).of_type(t)[0].text for n, t in pairs]


def test_the_cache_is_bounded(zones):
    cache = CachingResolver(Counting(zones), max_entries=3)

    async def run() -> None:
        for i in range(10):
            await cache.query(f"n{i}.example.com", "A")

    asyncio.run(run())
    assert len(cache) <= 3


def test_an_error_in_the_inner_resolver_reaches_every_waiter_and_is_not_kept(zones):
    class Broken:
        description = "broken"

        async def query(self, name: str, rdtype: str) -> Answer:
            await asyncio.sleep(0)
            raise RuntimeError("bug")

    cache = CachingResolver(Broken())

    async def run() -> list[object]:
        return list(await asyncio.gather(cache.query("a", "A"), cache.query("a", "A"), return_exceptions=True))

    outcomes = asyncio.run(run())
    assert [type(o) for o in outcomes] == [RuntimeError, RuntimeError]
    assert len(cache) == 0


# -- eager gather -------------------------------------------------------------------------------


def test_eager_gather_keeps_order_runs_at_once_and_propagates_errors():
    order: list[str] = []

    async def now(tag: str) -> str:
        order.append(tag)
        return tag

    async def later(tag: str) -> str:
        await asyncio.sleep(0)
        order.append(tag)
        return tag

    async def boom() -> str:
        await asyncio.sleep(0)
        raise ValueError("x")

    async def run() -> list[str]:
        return await gather(later("a"), now("b"), later("c"), now("d"))

    assert asyncio.run(run()) == ["a", "b", "c", "d"]
    assert order[:2] == ["b", "d"]  # the ones that need not wait ran before any that did

    async def failing() -> None:
        await gather(now("x"), boom(), later("y"))

    with pytest.raises(ValueError, match="x"):
        asyncio.run(failing())


def test_unusual_replies_and_types_go_through_dnspython():
    def script(query_bytes: bytes) -> list[bytes]:
        query = dns.message.from_wire(query_bytes)
        response = dns.message.make_response(query)
        # An HINFO record beside the answer: a type the hand parser leaves to dnspython.
        response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "HINFO", '"x86" "linux"'))
        return [response.to_wire()]

    with ScriptedServer(script) as server:
        answers = _ask(DnsResolver([server.address], timeout=1, retries=0),
                       [("example.com", "A"), ("example.com", "HINFO")])
    for answer in answers:
        assert answer.ok and _records(answer) == [("example.com", "HINFO", '"x86" "linux"')]
