"""Authority.respond on untrusted bytes: whatever arrives, a reply or silence, never an exception."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.demo.helpers import LAB_ZONE
from tethers.demo.answer import Authority
from tethers.demo.zones import load_zone, zone_sources


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    path = tmp_path_factory.mktemp("answer") / "lab.test.zone"
    path.write_text(LAB_ZONE, encoding="utf-8")
    return Authority([load_zone(source) for source in zone_sources([path])])


def _check(authority: Authority, wire: bytes) -> None:
    for tcp in (False, True):
        reply = authority.respond(wire, tcp=tcp)
        if reply is None:
            # Silence only for what cannot be addressed, or must not be answered (a response).
            assert len(wire) < 12 or wire[2] & 0x80
            continue
        assert reply[:2] == wire[:2]  # the client's query id
        parsed = dns.message.from_wire(reply)
        assert parsed.flags & dns.flags.QR
        if not tcp:
            assert len(reply) <= max(512, authority.max_udp_payload)


VALID = [
    dns.message.make_query(name, rdtype, use_edns=edns).to_wire()
    for name, rdtype, edns in [
        ("lab.test", "A", False), ("a.wild.lab.test", "TXT", True), ("big.lab.test", "TXT", True),
        ("www.sub.lab.test", "A", False), ("cname-nx.lab.test", "A", True), ("nowhere.example", "MX", False),
    ]
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_random_bytes(authority: Authority, wire: bytes) -> None:
    _check(authority, wire)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=255)), max_size=6),
    st.integers(min_value=0, max_value=200),
)
def test_mutated_queries(authority: Authority, base: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    wire = bytearray(base)
    for position, value in flips:
        if position < len(wire):
            wire[position] = value
    _check(authority, bytes(wire[: max(cut, 12)]) if cut < len(wire) else bytes(wire))


def test_truncated_udp_reply_sets_tc(authority: Authority) -> None:
    wire = dns.message.make_query("big.lab.test", "TXT").to_wire()
    udp = dns.message.from_wire(authority.respond(wire, tcp=False) or b"")
    whole = dns.message.from_wire(authority.respond(wire, tcp=True) or b"")
    assert udp.flags & dns.flags.TC and not whole.flags & dns.flags.TC
    assert sum(len(r) for r in udp.answer) < sum(len(r) for r in whole.answer) == 40


def test_the_same_zone_gives_the_same_bytes(authority: Authority) -> None:
    # Canonical order, no shuffling: golden files and diffs of demo output stay stable.
    wire = dns.message.make_query("lab.test", "NS").to_wire()
    assert len({authority.respond(wire, tcp=True) for _ in range(20)}) == 1


def test_nxdomain_from_authority_directly(authority: Authority) -> None:
    reply = authority.answer(dns.message.make_query("missing.lab.test", "A"))
    assert reply.rcode() == dns.rcode.NXDOMAIN
