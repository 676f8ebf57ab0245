"""ClientHello parsing: whole, split over records, cut short, and not TLS at all."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.traffic.tls import Hello, Need, parse_hello, parse_records
from tethers.traffic.writer import client_hello


def test_sni_and_alpn():
    hello = parse_records(client_hello("api.mixpanel.com", alpn=("h2", "http/1.1")))
    assert hello == Hello("api.mixpanel.com", ("h2", "http/1.1"), False, True)


def test_waits_for_the_rest_of_a_record():
    record = client_hello("edge.agora.io", padding=2000)
    assert parse_records(record[:1000]) is Need.MORE
    assert isinstance(parse_records(record), Hello)


def test_handshake_split_over_two_records():
    record = client_hello("us04web.zoom.us")
    handshake = record[5:]
    cut = 40
    two = b"\x16\x03\x01" + struct.pack("!H", cut) + handshake[:cut] + b"\x16\x03\x01" + struct.pack("!H", len(handshake) - cut) + handshake[cut:]
    result = parse_records(two)
    assert isinstance(result, Hello) and result.sni == "us04web.zoom.us"


def test_message_cut_short_still_gives_the_sni_when_it_arrived():
    record = client_hello("sdk.example.org", padding=3000)  # SNI comes first, padding last
    result = parse_records(record[:300], final=True)
    assert isinstance(result, Hello) and result.sni == "sdk.example.org" and not result.complete


def test_message_cut_before_the_sni():
    result = parse_records(client_hello("sdk.example.org")[:60], final=True)
    assert isinstance(result, Hello) and result.sni == "" and not result.complete


def test_encrypted_client_hello_is_flagged():
    record = client_hello("cloudflare-ech.com")
    ech = struct.pack("!HH", 0xFE0D, 4) + b"\x00\x01\x02\x03"
    body = record[9:]
    ext_len_at = 2 + 32 + 1 + 32 + 2 + 2 + 2  # version, random, session id, suites, compression
    ext_len = struct.unpack_from("!H", body, ext_len_at)[0] + len(ech)
    body = body[:ext_len_at] + struct.pack("!H", ext_len) + body[ext_len_at + 2 :] + ech
    message = b"\x01" + len(body).to_bytes(3, "big") + body
    hello = parse_hello(message)
    assert isinstance(hello, Hello) and hello.ech and hello.sni == "cloudflare-ech.com"


def test_other_streams_are_not_tls():
    assert parse_records(b"GET / HTTP/1.1\r\n") is Need.NOT_TLS
    assert parse_records(b"\x17\x03\x03\x00\x10" + bytes(16)) is Need.NOT_TLS  # application data mid-stream
    assert parse_records(b"\x16\x03\x03\x00\x04\x02\x00\x00\x00") is Need.NOT_TLS  # a ServerHello


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_random_bytes_after_a_record_header_never_raise(tail, final):
    parse_records(b"\x16\x03\x01" + tail, final=final)
    parse_hello(b"\x01" + tail)
