"""Frame decoding: each link type, VLAN tags, IPv6 extension headers, fragments, and garbage."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.traffic.packets import Decoder
from tethers.traffic.writer import ethernet, ip_packet, tcp_segment, udp_datagram

V4 = ip_packet("192.168.1.5", "203.0.113.10", 6, tcp_segment(40000, 443, 1000, 0, 0x18, b"hello"))
V6 = ip_packet("2001:db8::5", "2001:db8::10", 17, udp_datagram(40000, 53, b"query"))
SLL = struct.pack("!HHH8sH", 0, 1, 6, bytes(8), 0x0800)  # packet type, ARPHRD, address length, address, protocol
SLL2 = struct.pack("!HHIHBB8s", 0x0800, 0, 1, 1, 0, 6, bytes(8))


@pytest.mark.parametrize(("linktype", "frame"), [
    (1, ethernet(V4)),
    (1, ethernet(V4)[:12] + b"\x81\x00\x00\x07" + ethernet(V4)[12:]),  # one 802.1Q tag
    (1, ethernet(V4)[:12] + b"\x88\xa8\x00\x07\x81\x00\x00\x08" + ethernet(V4)[12:]),  # QinQ
    (113, SLL + V4),
    (276, SLL2 + V4),
    (101, V4),
    (228, V4),
    (0, struct.pack("<I", 2) + V4),  # BSD loopback, AF_INET in little-endian
    (108, struct.pack(">I", 2) + V4),
], ids=["ethernet", "vlan", "qinq", "sll", "sll2", "raw", "ipv4", "null", "loop"])
def test_link_types(linktype, frame):
    p = Decoder().decode(linktype, frame)
    assert p is not None
    assert (p.proto, p.src, p.dst, p.sport, p.dport, p.ip_bytes) == (6, bytes([192, 168, 1, 5]), bytes([203, 0, 113, 10]), 40000, 443, len(V4))
    assert frame[p.offset : p.offset + p.length] == b"hello" and p.seq == 1000 and p.flags == 0x18


def test_ipv6_udp_and_extension_headers():
    p = Decoder().decode(1, ethernet(V6))
    assert p is not None and (p.proto, p.sport, p.dport, p.length) == (17, 40000, 53, 5)
    inner = V6[40:]
    hop_by_hop = bytes([17, 0]) + bytes(6)  # next header UDP, length 0 (8 bytes)
    with_ext = V6[:4] + struct.pack("!H", len(inner) + 8) + bytes([0]) + V6[7:40] + hop_by_hop + inner
    p = Decoder().decode(229, with_ext)
    assert p is not None and (p.proto, p.dport) == (17, 53) and with_ext[p.offset : p.offset + p.length] == b"query"


def test_later_ipv4_fragments_count_towards_their_ports():
    payload = udp_datagram(40000, 4700, bytes(3000))
    first = bytearray(ip_packet("192.168.1.5", "203.0.113.10", 17, payload[:1480], ident=77))
    first[6:8] = struct.pack("!H", 0x2000)  # more fragments
    second = bytearray(ip_packet("192.168.1.5", "203.0.113.10", 17, payload[1480:], ident=77))
    second[6:8] = struct.pack("!H", 1480 // 8)
    d = Decoder()
    a, b = d.decode(101, bytes(first)), d.decode(101, bytes(second))
    assert a is not None and b is not None
    assert (b.sport, b.dport, b.length) == (40000, 4700, 0) and b.ip_bytes == len(second)


def test_non_ip_and_cut_frames_decode_to_nothing():
    arp = bytes(12) + b"\x08\x06" + bytes(28)
    d = Decoder()
    assert d.decode(1, arp) is None
    assert d.decode(1, ethernet(V4)[:30]) is None  # IP header cut by the snapshot length
    assert d.decode(105, ethernet(V4)) is None  # 802.11: not a link type we read


def test_tcp_payload_length_comes_from_the_ip_header_not_the_snapshot():
    frame = ethernet(V4)
    p = Decoder().decode(1, frame[:-3])  # the last 3 payload bytes were not captured
    assert p is not None and p.length == 5 and p.ip_bytes == len(V4)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0, 1, 12, 101, 113, 228, 229, 276]), st.binary(max_size=120))
def test_random_bytes_never_raise(linktype, frame):
    Decoder().decode(linktype, frame)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=80))
def test_ip_packets_with_random_tails_never_raise(tail):
    d = Decoder()
    d.decode(101, V4[:20] + tail)
    d.decode(229, V6[:40] + tail)
