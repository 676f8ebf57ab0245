"""pcapng: sections, byte orders, timestamp resolution, simple packet blocks, damage."""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.errors import InputError
from tethers.traffic.model import InputInfo
from tethers.traffic.pcapng import read_pcapng

from tests.traffic.helpers import T0, pcapng_block, pcapng_file, udp_frame

FRAME = udp_frame("192.168.1.5", "203.0.113.10", 40000, 443, b"q" * 40)


def read(data: bytes) -> tuple[list, InputInfo]:
    info = InputInfo("test.pcapng")
    return list(read_pcapng(io.BytesIO(data), info)), info


@pytest.mark.parametrize("order", ["<", ">"], ids=["little-endian", "big-endian"])
def test_enhanced_packet_blocks_in_either_byte_order(order):
    got, info = read(pcapng_file([(T0, FRAME), (T0 + 0.5, FRAME)], order=order))
    assert [(round(ts, 6), link, frame) for ts, link, frame, _ in got] == [(T0, 1, FRAME), (T0 + 0.5, 1, FRAME)]
    assert info.link == "Ethernet"


def test_nanosecond_resolution_option():
    got, _ = read(pcapng_file([(T0 + 0.123456789, FRAME)], nanos=True))
    assert got[0][0] == pytest.approx(T0 + 0.123456789, abs=1e-6)


def test_simple_packet_block_uses_interface_zero():
    data = pcapng_file([]) + pcapng_block(3, struct.pack("<I", len(FRAME)) + FRAME)
    got, _ = read(data)
    assert got[0][1:3] == (1, FRAME)


def test_interfaces_with_unknown_link_types_are_skipped_with_a_warning():
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb_bad = pcapng_block(1, struct.pack("<HHI", 147, 0, 65535))
    idb_eth = pcapng_block(1, struct.pack("<HHI", 1, 0, 65535))

    def epb(iface: int) -> bytes:
        return pcapng_block(6, struct.pack("<IIIII", iface, 0, 0, len(FRAME), len(FRAME)) + FRAME)

    got, info = read(shb + idb_bad + idb_eth + epb(0) + epb(1) + epb(0))
    assert len(got) == 1 and "link type 147" in info.warnings[0]


def test_cut_inside_a_block_keeps_what_came_before():
    data = pcapng_file([(T0, FRAME), (T0 + 1, FRAME)])
    got, info = read(data[:-20])
    assert len(got) == 1 and "ends inside a block" in info.warnings[0]


def test_impossible_block_length():
    data = pcapng_file([(T0, FRAME)]) + struct.pack("<II", 6, 7) + bytes(8)
    got, info = read(data)
    assert len(got) == 1 and "impossible length" in info.warnings[0]


def test_not_pcapng():
    with pytest.raises(InputError, match="not a pcapng file"):
        read(b"\x00" * 40)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_damaged_bytes_after_a_valid_section_never_raise(tail):
    read(pcapng_file([(T0, FRAME)]) + tail)
