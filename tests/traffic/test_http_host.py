"""HTTP request heads: the Host header, proxy forms, partial heads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.traffic.http import Need, parse_request


@pytest.mark.parametrize(("head", "host"), [
    (b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n", "www.example.com"),
    (b"POST /api HTTP/1.1\r\nUser-Agent: x\r\nhOsT:API.Example.COM:8080\r\n\r\n", "api.example.com"),
    (b"GET http://proxy.example.org/x HTTP/1.1\r\nHost: other\r\n\r\n", "proxy.example.org"),
    (b"CONNECT tunnel.example.net:443 HTTP/1.1\r\n\r\n", "tunnel.example.net"),
    (b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n", "2001:db8::1"),
    (b"GET / HTTP/1.0\r\n\r\n", ""),
], ids=["plain", "case-and-port", "absolute", "connect", "ipv6", "no-host"])
def test_hosts(head, host):
    assert parse_request(head) == host


def test_partial_heads_wait_for_more():
    assert parse_request(b"GE") is Need.MORE
    assert parse_request(b"GET / HTTP/1.1\r\nHost: www.exa") is Need.MORE
    assert parse_request(b"GET / HTTP/1.1\r\nHost: www.example.com\r\nAccept") == "www.example.com"


def test_not_http():
    assert parse_request(b"\x16\x03\x01\x00") is Need.NOT_HTTP
    assert parse_request(b"SSH-2.0-OpenSSH_9.2\r\n") is Need.NOT_HTTP


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_random_heads_never_raise(tail, final):
    parse_request(b"GET " + tail, final=final)
