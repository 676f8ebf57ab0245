"""One captured frame → its IP addresses, transport ports and where the payload starts.

Only the few header fields that attribution needs are read, with ``struct.unpack_from``
at fixed offsets into the frame as captured: no object per layer and no copy of the
payload. That is the reason for hand parsing here rather than a dissection library
(dpkt, scapy): they build every layer's fields into objects, which costs several
times more per packet than the flow accounting itself (see docs/traffic.md).

``decode`` answers a ``Packet`` tuple or ``None`` for frames that carry no IP (ARP,
LLDP, spanning tree) or whose headers are cut short by the snapshot length.
"""

from __future__ import annotations

from struct import Struct
from typing import NamedTuple

# Link types (https://www.tcpdump.org/linktypes.html) this decoder understands.
LINKTYPE_NULL = 0  # BSD loopback: 4-byte address family in the capturing host's byte order
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW_BSD = 12  # DLT_RAW as some systems number it in pcap files
LINKTYPE_RAW_OPENBSD = 14
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108  # OpenBSD loopback: the address family in network byte order
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

LINKTYPE_NAMES = {
    LINKTYPE_NULL: "BSD loopback",
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_RAW_BSD: "raw IP",
    LINKTYPE_RAW_OPENBSD: "raw IP",
    LINKTYPE_RAW: "raw IP",
    LINKTYPE_LOOP: "OpenBSD loopback",
    LINKTYPE_LINUX_SLL: "Linux cooked (SLL)",
    LINKTYPE_IPV4: "raw IPv4",
    LINKTYPE_IPV6: "raw IPv6",
    LINKTYPE_LINUX_SLL2: "Linux cooked v2 (SLL2)",
}
SUPPORTED = frozenset(LINKTYPE_NAMES)

TCP = 6
UDP = 17
ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
_VLAN_TAGS = frozenset({0x8100, 0x88A8, 0x9100})
_PPPOE_SESSION = 0x8864
_IPV6_EXTENSIONS = frozenset({0, 43, 60})  # hop-by-hop, routing, destination options (44, fragment, apart)

_ETH_IPV4 = Struct("!12xHBxH2xHxB2x4s4s")  # ethertype; IPv4 version/IHL, total length, flags/fragment, protocol, addresses
_TCP_FAST = Struct("!HHIIBB")  # ports, seq, ack, data offset, flags
_U16 = Struct("!H")
_U32 = Struct("!I")
_PORTS = Struct("!HH")
_TCP_HEAD = Struct("!HHI")  # ports, sequence number
_FRAG_LIMIT = 4096  # fragment trains remembered at once


class Packet(NamedTuple):
    proto: int  # IP protocol number: 6 TCP, 17 UDP, others carry ports 0
    src: bytes  # 4 or 16 bytes
    dst: bytes
    sport: int
    dport: int
    ip_bytes: int  # the IP packet's length as sent, headers included, whatever the snapshot kept
    flags: int  # TCP flags (0 otherwise)
    seq: int  # TCP sequence number (0 otherwise)
    offset: int  # where the transport payload starts in the frame
    length: int  # the payload's length as sent (the frame may hold less)


class Decoder:
    """Decodes frames; remembers the ports of fragmented datagrams so later fragments count too."""

    def __init__(self) -> None:
        self._fragments: dict[tuple[bytes, bytes, int, int], tuple[int, int]] = {}

    def decode(self, linktype: int, frame: bytes) -> Packet | None:
        # Fast path for the common case, Ethernet + IPv4 without options, unfragmented TCP or UDP:
        # two unpack calls and a tuple, about a fifth of the general path's cost.
        if linktype == 1 and len(frame) >= 42 and frame[12:15] == b"\x08\x00\x45":
            _, _, total, frag, proto, src, dst = _ETH_IPV4.unpack_from(frame, 0)
            if not frag & 0x3FFF:
                if proto == TCP and len(frame) >= 54:
                    sport, dport, seq, _, off, flags = _TCP_FAST.unpack_from(frame, 34)
                    header = (off >> 4) * 4
                    if header >= 20:
                        return Packet(TCP, src, dst, sport, dport, total, flags, seq, 34 + header, max(total - 20 - header, 0))
                elif proto == UDP:
                    sport, dport = _PORTS.unpack_from(frame, 34)
                    return Packet(UDP, src, dst, sport, dport, total, 0, 0, 42, max(total - 28, 0))
        offset = network_offset(linktype, frame)
        if offset < 0 or offset >= len(frame):
            return None
        version = frame[offset] >> 4
        if version == 4:
            return self._ipv4(frame, offset)
        if version == 6:
            return self._ipv6(frame, offset)
        return None

    def _ipv4(self, frame: bytes, at: int) -> Packet | None:
        if len(frame) < at + 20:
            return None
        ihl = (frame[at] & 0x0F) * 4
        if ihl < 20:
            return None
        total = _U16.unpack_from(frame, at + 2)[0]
        frag = _U16.unpack_from(frame, at + 6)[0]
        proto = frame[at + 9]
        src = frame[at + 12 : at + 16]
        dst = frame[at + 16 : at + 20]
        start = at + ihl
        if frag & 0x1FFF:  # a later fragment: no transport header of its own
            ports = self._fragments.get((src, dst, proto, _U16.unpack_from(frame, at + 4)[0]), (0, 0))
            return Packet(proto, src, dst, ports[0], ports[1], total, 0, 0, len(frame), 0)
        packet = _transport(proto, src, dst, frame, start, at + total, total)
        if packet is not None and frag & 0x2000:  # more fragments follow: remember the ports
            self._remember((src, dst, proto, _U16.unpack_from(frame, at + 4)[0]), packet)
        return packet

    def _ipv6(self, frame: bytes, at: int) -> Packet | None:
        if len(frame) < at + 40:
            return None
        payload_length = _U16.unpack_from(frame, at + 4)[0]
        proto = frame[at + 6]
        src = frame[at + 8 : at + 24]
        dst = frame[at + 24 : at + 40]
        total = 40 + payload_length
        end = at + total
        start = at + 40
        while proto in _IPV6_EXTENSIONS or proto == 44:
            if len(frame) < start + 8:
                return None
            if proto == 44:  # fragment header
                ident = _U32.unpack_from(frame, start + 4)[0]
                offset_flags = _U16.unpack_from(frame, start + 2)[0]
                proto = frame[start]
                start += 8
                key = (src, dst, proto, ident)
                if offset_flags & 0xFFF8:
                    ports = self._fragments.get(key, (0, 0))
                    return Packet(proto, src, dst, ports[0], ports[1], total, 0, 0, len(frame), 0)
                packet = _transport(proto, src, dst, frame, start, end, total)
                if packet is not None and offset_flags & 1:
                    self._remember(key, packet)
                return packet
            proto, start = frame[start], start + (frame[start + 1] + 1) * 8
        return _transport(proto, src, dst, frame, start, end, total)

    def _remember(self, key: tuple[bytes, bytes, int, int], packet: Packet) -> None:
        if len(self._fragments) >= _FRAG_LIMIT:
            self._fragments.clear()  # a bound, not a cache policy: trains are short-lived
        self._fragments[key] = (packet.sport, packet.dport)


def network_offset(linktype: int, frame: bytes) -> int:
    """Where the IP header starts in a frame, or -1 when the frame carries no IP."""
    if linktype == LINKTYPE_ETHERNET:
        if len(frame) < 14:
            return -1
        ethertype = _U16.unpack_from(frame, 12)[0]
        at = 14
        while ethertype in _VLAN_TAGS and len(frame) >= at + 4:
            ethertype = _U16.unpack_from(frame, at + 2)[0]
            at += 4
        if ethertype == _PPPOE_SESSION and len(frame) >= at + 8:
            ppp = _U16.unpack_from(frame, at + 6)[0]
            return at + 8 if ppp in (0x0021, 0x0057) else -1
        return at if ethertype in (ETH_IPV4, ETH_IPV6) else -1
    if linktype == LINKTYPE_LINUX_SLL:
        if len(frame) < 16:
            return -1
        return 16 if _U16.unpack_from(frame, 14)[0] in (ETH_IPV4, ETH_IPV6) else -1
    if linktype == LINKTYPE_LINUX_SLL2:
        if len(frame) < 20:
            return -1
        return 20 if _U16.unpack_from(frame, 0)[0] in (ETH_IPV4, ETH_IPV6) else -1
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW_BSD, LINKTYPE_RAW_OPENBSD):
        return 0
    if linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        return 4  # the family field's byte order varies; the IP version nibble decides
    return -1


def _transport(proto: int, src: bytes, dst: bytes, frame: bytes, start: int, end: int, total: int) -> Packet | None:
    """The transport header at ``start``; ``end`` is where the IP packet ends as sent."""
    if proto == TCP:
        if len(frame) < start + 14:
            return None
        sport, dport, seq = _TCP_HEAD.unpack_from(frame, start)
        header = (frame[start + 12] >> 4) * 4
        if header < 20:
            return None
        flags = frame[start + 13]
        return Packet(TCP, src, dst, sport, dport, total, flags, seq, start + header, max(end - start - header, 0))
    if proto == UDP:
        if len(frame) < start + 8:
            return None
        sport, dport = _PORTS.unpack_from(frame, start)
        return Packet(UDP, src, dst, sport, dport, total, 0, 0, start + 8, max(end - start - 8, 0))
    return Packet(proto, src, dst, 0, 0, total, 0, 0, start, max(end - start, 0))
