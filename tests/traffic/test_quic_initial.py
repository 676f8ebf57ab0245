"""QUIC Initial decryption: RFC key vectors, ClientHellos spread over packets and frames, damage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.traffic.quic import QuicSniffer, client_keys, looks_like_initial
from tethers.traffic.tls import Hello, Need
from tethers.traffic.writer import client_hello
from tests.traffic.helpers import crypto_frame, quic_initial

DCID = bytes.fromhex("8394c8f03e515708")  # the connection ID of RFC 9001 Appendix A


def test_initial_keys_match_rfc_9001_appendix_a():
    key, iv, hp = client_keys(1, DCID)
    assert (key.hex(), iv.hex(), hp.hex()) == (
        "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2")


def test_initial_keys_match_rfc_9369_appendix_a():
    key, iv, hp = client_keys(0x6B3343CF, DCID)
    assert (key.hex(), iv.hex(), hp.hex()) == (
        "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9")


@pytest.mark.parametrize("version", [1, 0x6B3343CF, 0xFF00001D], ids=["v1", "v2", "draft-29"])
def test_sni_from_one_initial(version):
    message = client_hello("blog.example.com", alpn=("h3",))[5:]
    packet = quic_initial(DCID, crypto_frame(0, message), version=version)
    assert looks_like_initial(packet)
    result = QuicSniffer().add(packet)
    assert isinstance(result, Hello) and result.sni == "blog.example.com" and result.alpn == ("h3",)


def test_hello_split_across_packets_and_out_of_order_frames():
    message = client_hello("meet.example.net", padding=1500)[5:]  # larger than one datagram
    cut = 700
    second = quic_initial(DCID, b"\x01" + crypto_frame(cut, message[cut:1300]) + crypto_frame(0, message[:cut]), packet_number=0)
    third = quic_initial(DCID, crypto_frame(1300, message[1300:]), packet_number=1)
    sniffer = QuicSniffer()
    assert sniffer.add(second) is Need.MORE
    result = sniffer.add(third)
    assert isinstance(result, Hello) and result.sni == "meet.example.net" and result.complete


def test_a_corrupted_packet_is_skipped_not_trusted():
    packet = bytearray(quic_initial(DCID, crypto_frame(0, client_hello("x.example.com")[5:])))
    packet[-5] ^= 0xFF  # breaks the AEAD tag
    assert QuicSniffer().add(bytes(packet)) is Need.MORE


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=7, max_size=300))
def test_random_long_header_datagrams_never_raise(tail):
    QuicSniffer().add(b"\xc3\x00\x00\x00\x01" + tail)
