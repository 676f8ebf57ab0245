"""Packet captures through the traffic module's reader: flows, flags and TTLs reach the trust tests."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from tethers.attack import Filters, Options, analyse
from tethers.attack.casestudy import _ip, _Space
from tethers.traffic.writer import PcapWriter, ethernet, ip_packet, tcp_segment

VICTIM = "198.51.100.10"
SYN, ACK, PSH = 0x02, 0x10, 0x08


def write_capture(path: Path, spoofed: list[str], t0: float = 1741599902.0) -> None:
    with path.open("wb") as fh:
        w = PcapWriter(fh)
        client = "5.9.1.1"
        for i, (flags, payload) in enumerate([(SYN, b""), (ACK, b""), (ACK | PSH, b"GET / HTTP/1.1\r\n\r\n")]):
            w.write(t0 + i * 0.01, ethernet(ip_packet(client, VICTIM, 6, tcp_segment(40000, 443, i, 0, flags, payload))))
        w.write(t0 + 0.02, ethernet(ip_packet(VICTIM, client, 6, tcp_segment(443, 40000, 0, 1, SYN | ACK)), False))
        for i, src in enumerate(spoofed):
            w.write(t0 + 1 + i * 0.001, ethernet(ip_packet(src, VICTIM, 6, tcp_segment(1024 + i, 443, i, 0, SYN))))
        fh.write(b"\x01\x02")  # cut inside the next record header


def test_spoofed_syn_flood_in_a_capture(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    spoofed = _ip(_Space().anywhere(rng, 400))
    path = tmp_path / "flood.pcap"
    write_capture(path, spoofed)
    report = analyse([path], Options(filters=Filters(target=__import__("ipaddress").ip_network(VICTIM))))
    (f,) = report["inputs"]
    assert f["format"] == "pcap" and f["lines"] == 404 and f["malformed"] == 1  # the cut is noted
    by_vector = {e["vector"]: e for e in report["episodes"]}
    assert set(by_vector) == {"tcp-established", "tcp-syn"}
    assert by_vector["tcp-established"]["trust"] == "real" and by_vector["tcp-established"]["total"] == 3
    syn = by_vector["tcp-syn"]
    fired = {i["name"] for i in syn["indicators"] if i["fires"]}
    assert {"even-spread", "one-ttl", "syn-only"} <= fired
    assert syn["trust"] == "spoofed-likely" and syn["ttl"]["values"][0] == {"value": 64, "share": 1.0}


def test_gzipped_capture_and_local_hosts(tmp_path: Path) -> None:
    raw = tmp_path / "c.pcap"
    write_capture(raw, ["192.168.1.20"])
    (tmp_path / "c.pcap.gz").write_bytes(gzip.compress(raw.read_bytes()))
    report = analyse([tmp_path / "c.pcap.gz"])
    assert report["inputs"][0]["format"] == "pcap"
    classes = {e["vector"]: e["network_classes"] for e in report["episodes"]}
    # The victim (a documentation address) answered, so it counts as a source too without --target.
    assert "bogon" in classes["tcp-syn"]  # 192.168.1.20 never received anything: not a local host
