"""Classic pcap files: byte orders, resolutions, and every way a file can be cut or damaged."""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.errors import InputError
from tethers.traffic.model import InputInfo
from tethers.traffic.pcap import read_pcap

from tests.traffic.helpers import T0, pcap_bytes, udp_frame

FRAME = udp_frame("192.168.1.5", "203.0.113.10", 40000, 443, b"x" * 50)


def frames(data: bytes) -> tuple[list[tuple[float, int, bytes, int]], InputInfo]:
    info = InputInfo("test.pcap")
    return list(read_pcap(io.BytesIO(data), info)), info


def test_reads_every_frame_with_time_and_link_type():
    got, info = frames(pcap_bytes([(T0, FRAME), (T0 + 1.5, FRAME)]))
    assert [(round(ts, 6), link, frame) for ts, link, frame, _ in got] == [(T0, 1, FRAME), (T0 + 1.5, 1, FRAME)]
    assert info.link == "Ethernet" and info.warnings == []


@pytest.mark.parametrize(("magic", "order", "unit"), [
    (0xA1B2C3D4, "<", 1e-6), (0xA1B2C3D4, ">", 1e-6), (0xA1B23C4D, "<", 1e-9), (0xA1B23C4D, ">", 1e-9),
], ids=["le-micro", "be-micro", "le-nano", "be-nano"])
def test_byte_orders_and_resolutions(magic, order, unit):
    header = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, 1)
    fraction = 250_000 if unit == 1e-6 else 250_000_000
    record = struct.pack(order + "IIII", 1_600_000_000, fraction, len(FRAME), len(FRAME)) + FRAME
    got, _ = frames(header + record)
    assert got[0][0] == pytest.approx(1_600_000_000.25) and got[0][2] == FRAME


def test_file_cut_inside_a_packet_keeps_the_packets_before_it():
    data = pcap_bytes([(T0, FRAME), (T0 + 1, FRAME), (T0 + 2, FRAME)])
    got, info = frames(data[:-10])
    assert len(got) == 2
    assert "ends inside packet 3" in info.warnings[0] and "10 bytes missing" in info.warnings[0]


def test_file_cut_inside_a_record_header():
    data = pcap_bytes([(T0, FRAME)]) + b"\x00" * 7
    got, info = frames(data)
    assert len(got) == 1 and "inside a record header" in info.warnings[0]


def test_impossible_record_length_stops_reading_there():
    good = pcap_bytes([(T0, FRAME)])
    bad = struct.pack("<IIII", 1_600_000_001, 0, 50_000_000, 50_000_000) + FRAME
    got, info = frames(good + bad + good[24:])
    assert len(got) == 1 and "damaged" in info.warnings[0]


def test_unknown_link_type_is_one_clear_error():
    data = pcap_bytes([(T0, FRAME)], linktype=147)
    with pytest.raises(InputError, match="link type 147 is not supported"):
        frames(data)


def test_not_a_pcap():
    with pytest.raises(InputError, match="not a pcap file"):
        frames(b"GET / HTTP/1.1\r\n\r\n" + bytes(30))


def test_large_file_is_read_in_bounded_chunks():
    # 3 MiB of frames crosses several read chunks; every frame comes back whole.
    big = udp_frame("192.168.1.5", "203.0.113.10", 40000, 443, b"y" * 1400)
    got, info = frames(pcap_bytes([(T0 + i * 0.001, big) for i in range(2200)]))
    assert len(got) == 2200 and all(f == big for _, _, f, _ in got) and not info.warnings


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_damaged_bytes_after_a_valid_header_never_raise(tail):
    data = pcap_bytes([]) + tail
    frames(data)  # warnings, partial results, but no exception
