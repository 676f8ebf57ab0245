"""DNS responses on the wire: addresses with the CNAME chain behind them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.traffic.dnsmsg import Answer, parse_response
from tethers.traffic.writer import dns_query, dns_response


def test_chain_from_question_to_address():
    wire = dns_response("app.example.com", ["198.51.100.7", "198.51.100.8"], cnames=("x.agora.io", "y.sd-rtn.com"), ttl=30)
    chain = ("app.example.com", "x.agora.io", "y.sd-rtn.com")
    assert sorted(parse_response(wire) or []) == [Answer("app.example.com", chain, "A", "198.51.100.7", 30),
                                    Answer("app.example.com", chain, "A", "198.51.100.8", 30)]


def test_ipv6_answers():
    [answer] = parse_response(dns_response("v6.example.com", ["2001:db8::7"])) or []
    assert answer.rtype == "AAAA" and answer.address == "2001:db8::7"


def test_queries_and_garbage_are_not_responses():
    assert parse_response(dns_query("example.com")) is None
    assert parse_response(b"\x12\x34\x81\x80") is None
    assert parse_response(dns_response("nx.example.com", [])) == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise(data):
    parse_response(data)
