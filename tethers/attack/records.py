"""Columnar batches of traffic records, whatever file they were read from.

A record is one HTTP request from an access log or one flow (a packet capture's
flows, a VPC flow log line, a NetFlow/IPFIX export row). Readers hand the
aggregator ``Batch`` values: equal-length numpy columns, so that filtering and
grouping a million records costs a few array operations instead of a million
Python steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

UNKNOWN = -1  # in the integer columns: not recorded by this input


class Vector(IntEnum):
    """What kind of traffic a record is, as far as source trust is concerned."""

    HTTP = 0  # a request in an access log: the TCP handshake completed
    TCP_ESTABLISHED = 1  # a TCP flow that carried ACKs: handshake seen
    TCP_SYN = 2  # a TCP flow of SYNs without ACK: half-open, source never confirmed
    TCP = 3  # a TCP flow without flag information
    UDP_REFLECTION = 4  # UDP from a port of a service known to amplify (DNS, NTP, memcached...)
    UDP = 5
    ICMP = 6
    OTHER = 7

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @property
    def unit(self) -> str:
        return "requests" if self is Vector.HTTP else "packets"


# Source ports of UDP services abused for reflection and amplification (US-CERT TA14-017A
# and later advisories): replies from these ports, unasked for, mean the sender was a
# reflector answering requests forged in the victim's name.
REFLECTION_PORTS: dict[int, str] = {
    17: "QOTD", 19: "CharGEN", 53: "DNS", 111: "Portmap", 123: "NTP", 137: "NetBIOS",
    161: "SNMP", 389: "CLDAP", 427: "SLP", 1434: "MS SQL", 1900: "SSDP", 3283: "ARD",
    3702: "WS-Discovery", 5353: "mDNS", 5683: "CoAP", 10001: "Ubiquiti discovery",
    11211: "memcached", 37810: "DVR DHCPDiscover",
}

PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_ICMP6 = 6, 17, 1, 58
TCP_SYN, TCP_ACK = 0x02, 0x10
_REFLECTION = np.array(sorted(REFLECTION_PORTS), dtype=np.int64)


@dataclass(slots=True)
class Batch:
    """Equal-length columns; ``src`` holds address text, parsed in bulk downstream."""

    ts: npt.NDArray[np.int64]  # seconds since the epoch, UTC
    src: list[str]
    vector: npt.NDArray[np.uint8]
    packets: npt.NDArray[np.int64]  # 0 where unknown (access logs)
    nbytes: npt.NDArray[np.int64]
    sport: npt.NDArray[np.int64]
    dport: npt.NDArray[np.int64]
    ttl: npt.NDArray[np.int64]
    dst: list[str] | None = None  # destination address text, where the input has it
    host: list[str] | None = None  # virtual host of a request, where the log has it
    kind: str = "log"  # "log" or "flow": what the file was
    extra: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, mask: npt.NDArray[np.bool_]) -> Batch:
        idx = np.flatnonzero(mask)
        pick = idx.tolist()
        return Batch(
            self.ts[idx], [self.src[i] for i in pick], self.vector[idx], self.packets[idx], self.nbytes[idx],
            self.sport[idx], self.dport[idx], self.ttl[idx],
            [self.dst[i] for i in pick] if self.dst is not None else None,
            [self.host[i] for i in pick] if self.host is not None else None,
            self.kind, dict(self.extra),
        )


def unknown(n: int) -> npt.NDArray[np.int64]:
    return np.full(n, UNKNOWN, dtype=np.int64)


def http_batch(ts: npt.NDArray[np.int64], src: list[str], nbytes: npt.NDArray[np.int64] | None = None,
               dst: list[str] | None = None, host: list[str] | None = None,
               sport: npt.NDArray[np.int64] | None = None, dport: npt.NDArray[np.int64] | None = None) -> Batch:
    n = len(ts)
    return Batch(
        ts, src, np.full(n, Vector.HTTP, dtype=np.uint8), np.zeros(n, dtype=np.int64),
        nbytes if nbytes is not None else np.zeros(n, dtype=np.int64),
        sport if sport is not None else unknown(n), dport if dport is not None else unknown(n), unknown(n),
        dst, host, "log",
    )


def flow_vectors(proto: npt.NDArray[np.int64], flags: npt.NDArray[np.int64],
                 sport: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """The vector of each flow from its protocol, cumulative TCP flags (-1 unknown) and source port."""
    out = np.full(len(proto), Vector.OTHER, dtype=np.uint8)
    tcp = proto == PROTO_TCP
    known = flags >= 0
    out[tcp & ~known] = Vector.TCP
    out[tcp & known & ((flags & TCP_ACK) != 0)] = Vector.TCP_ESTABLISHED
    out[tcp & known & ((flags & TCP_ACK) == 0) & ((flags & TCP_SYN) != 0)] = Vector.TCP_SYN
    out[tcp & known & ((flags & (TCP_ACK | TCP_SYN)) == 0)] = Vector.TCP  # RST/FIN only: not telling
    udp = proto == PROTO_UDP
    out[udp] = Vector.UDP
    out[udp & np.isin(sport, _REFLECTION)] = Vector.UDP_REFLECTION
    out[(proto == PROTO_ICMP) | (proto == PROTO_ICMP6)] = Vector.ICMP
    return out


def flow_batch(ts: npt.NDArray[np.int64], src: list[str], dst: list[str] | None, proto: npt.NDArray[np.int64],
               sport: npt.NDArray[np.int64], dport: npt.NDArray[np.int64], packets: npt.NDArray[np.int64],
               nbytes: npt.NDArray[np.int64], flags: npt.NDArray[np.int64], ttl: npt.NDArray[np.int64]) -> Batch:
    return Batch(ts, src, flow_vectors(proto, flags, sport), np.maximum(packets, 1), nbytes, sport, dport, ttl,
                 dst, None, "flow")
