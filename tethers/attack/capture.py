"""Packet captures (pcap, pcapng) as flow records, through the traffic module's reader and decoder.

Packets are grouped per direction into flows (source, destination, protocol, ports) with
their packet and byte counts, the TCP flags seen and the first packet's TTL (hop limit
for IPv6), which is what the spoofing tests need. Flows are handed on in blocks of at
most ``FLUSH`` open flows, so a spoofed flood, where every packet opens a flow, does not
hold the whole capture in memory; a long connection cut by a flush shows up as two
records. The capture sees both directions: ``--target`` keeps only traffic towards the
victim.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tethers.attack.records import Batch, flow_batch
from tethers.errors import InputError
from tethers.traffic.model import InputInfo
from tethers.traffic.packets import Decoder, network_offset
from tethers.traffic.pcap import read_pcap
from tethers.traffic.pcapng import read_pcapng

FLUSH = 200_000
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


def read_capture(fh: BinaryIO, path: Path, magic: bytes, stats) -> Iterator[Batch]:  # type: ignore[no-untyped-def]
    info = InputInfo(str(path))
    frames = read_pcapng(fh, info) if magic == PCAPNG_MAGIC else read_pcap(fh, info)
    decoder = Decoder()
    flows: dict[tuple[bytes, bytes, int, int, int], list[int]] = {}
    packets = 0
    try:
        for ts, link, frame, _wire in frames:
            packets += 1
            pkt = decoder.decode(link, frame)
            if pkt is None:
                continue  # ARP, LLDP and other frames without IP: not traffic sources
            key = (pkt.src, pkt.dst, pkt.proto, pkt.sport, pkt.dport)
            flow = flows.get(key)
            if flow is None:
                at = network_offset(link, frame)
                ttl = frame[at + 8] if len(pkt.src) == 4 else frame[at + 7]
                flows[key] = [int(ts), 1, pkt.ip_bytes, pkt.flags, ttl]
                if len(flows) >= FLUSH:
                    yield _batch(flows)
                    flows = {}
            else:
                flow[1] += 1
                flow[2] += pkt.ip_bytes
                flow[3] |= pkt.flags
    except InputError as exc:  # not a capture after all, or a link type the decoder does not read
        if packets == 0:
            stats.skipped = exc.message.removeprefix(f"{path}: ")
        else:
            stats.reject([f"({exc.message})"])
    finally:
        stats.lines += packets
        stats.reject([f"({w})" for w in info.warnings])
    if flows:
        yield _batch(flows)


def _text(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


def _batch(flows: dict[tuple[bytes, bytes, int, int, int], list[int]]) -> Batch:
    keys = list(flows)
    values = np.array(list(flows.values()), dtype=np.int64).reshape(-1, 5)
    proto = np.array([k[2] for k in keys], dtype=np.int64)
    flags = np.where(proto == 6, values[:, 3], -1)
    return flow_batch(values[:, 0], [_text(k[0]) for k in keys], [_text(k[1]) for k in keys], proto,
                      np.array([k[3] for k in keys], dtype=np.int64), np.array([k[4] for k in keys], dtype=np.int64),
                      values[:, 1], values[:, 2], flags, values[:, 4])
