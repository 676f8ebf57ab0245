"""Frames → flows: per-conversation counters, the names each flow used, DNS answers on the way.

The table holds only live flows. A flow idle for ``IDLE`` seconds of capture time
(or ``ENDED_IDLE`` after a FIN or RST) is handed to the sink and forgotten, so memory
follows the number of conversations open at once, not the file's size. Past
``MAX_FLOWS`` live flows the least recently active half is handed over early.

Which side is the client: the sender of a TCP SYN; otherwise the side whose port
is not a service port (well-known ports and the few that apps use for media), then
the side with a private address talking to a public one, then the side with an
ephemeral port, and failing all of those the sender of the first packet seen.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

from tethers.traffic import sniff
from tethers.traffic.dnsmsg import parse_response
from tethers.traffic.model import Flow, InputInfo
from tethers.traffic.names import DnsMap
from tethers.traffic.packets import TCP, UDP, Decoder, Packet
from tethers.traffic.pcap import Frame

IDLE = 300.0
ENDED_IDLE = 30.0
SWEEP_EVERY = 1 << 16  # packets between sweeps of the table
MAX_FLOWS = 500_000
EPHEMERAL = 32768  # Linux's default ephemeral ports start here; Windows' and BSDs' at 49152

FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
DNS_PORTS = frozenset({53, 5353, 5355})  # DNS, mDNS, LLMNR: answers map addresses to names
# Ports that mark the server side of a flow when no SYN says so.
SERVICE_PORTS = frozenset({
    53, 80, 123, 443, 853, 1935, 3478, 3479, 3480, 3481, 4433, 5060, 5061, 5222, 5223, 5228, 5349,
    8080, 8443, *range(8801, 8811), *range(19302, 19310),
})
PROTOCOLS = {TCP: "tcp", UDP: "udp", 1: "icmp", 58: "icmpv6", 47: "gre", 50: "esp", 132: "sctp"}

Sink = Callable[[Flow], None]


def _private(address: bytes) -> bool:
    if len(address) == 4:
        a, b = address[0], address[1]
        return a == 10 or a == 127 or (a == 172 and 16 <= b < 32) or (a == 192 and b == 168) or (a == 100 and 64 <= b < 128) or (a == 169 and b == 254)
    return address[0] & 0xFE == 0xFC or address[:2] == b"\xfe\x80" or address == bytes(15) + b"\x01"


def _src_is_client(src: bytes, dst: bytes, sport: int, dport: int) -> bool:
    if (sport in SERVICE_PORTS) != (dport in SERVICE_PORTS):
        return dport in SERVICE_PORTS
    if (sport < 1024) != (dport < 1024):
        return dport < 1024
    if _private(src) != _private(dst):
        return _private(src)
    if (sport >= EPHEMERAL) != (dport >= EPHEMERAL):
        return sport >= EPHEMERAL
    return True  # nothing tells: the first packet seen is the client's


class FlowTable:
    def __init__(self, sink: Sink, dns: DnsMap) -> None:
        self.sink = sink
        self.dns = dns
        self.flows: dict[tuple[int, bytes, int, bytes, int], Flow] = {}
        self._text: dict[bytes, str] = {}
        self.skipped = 0  # frames without IP, or with headers cut short
        self.multicast = 0

    def _address(self, raw: bytes) -> str:
        text = self._text.get(raw)
        if text is None:
            if len(self._text) > 1_000_000:
                self._text.clear()
            text = self._text[raw] = socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)
        return text

    def run(self, frames: Iterable[Frame], info: InputInfo) -> None:
        """Account every frame; flows still open at the end are handed to the sink."""
        decode = Decoder().decode
        flows = self.flows
        count = 0
        first: float | None = None
        ts = 0.0
        for ts, linktype, frame, _wire in frames:
            count += 1
            if first is None:
                first = ts
            if not count & (SWEEP_EVERY - 1):
                self.sweep(ts)
            packet = decode(linktype, frame)
            if packet is None:
                self.skipped += 1
                continue
            proto, src, dst, sport, dport, size, flags, seq, offset, length = packet
            key = (proto, src, sport, dst, dport)
            flow = flows.get(key)
            outbound = True
            if flow is None:
                flow = flows.get((proto, dst, dport, src, sport))
                outbound = False
            if flow is None:
                if (224 <= dst[0] < 240 or dst == b"\xff\xff\xff\xff") if len(dst) == 4 else dst[0] == 0xFF:
                    self.multicast += 1  # mDNS, SSDP, broadcasts: no server at the other end
                    if proto == UDP and sport in DNS_PORTS and length:
                        self._dns(frame, offset, ts)
                    continue
                flow, outbound = self._open(packet, frame, ts)
            elif flow.ended and proto == TCP and flags & SYN and not flags & ACK:
                self._close(flow)  # the same ports reused by a new connection
                flow, outbound = self._open(packet, frame, ts)
            flow.last = ts
            if outbound:
                flow.packets_out += 1
                flow.bytes_out += size
            else:
                flow.packets_in += 1
                flow.bytes_in += size
            if proto == TCP:
                if flags & (FIN | RST):
                    flow.ended = True
                if length and outbound and flow.sniffer is not None:
                    sniff.tcp_segment(flow, seq, frame[offset : offset + length], length)
                elif length and not outbound and flow.app == "dns":
                    self._dns(frame, offset + 2, ts)  # DNS over TCP: a 2-byte length, then the message
            elif proto == UDP and length:
                if sport in DNS_PORTS or dport in DNS_PORTS:
                    flow.app = "dns"
                    if sport in DNS_PORTS:
                        self._dns(frame, offset, ts)
                elif outbound and flow.sniffer is not None:
                    sniff.udp_datagram(flow, frame[offset : offset + length], length)
        info.records += count
        if first is not None:
            info.first = first if info.first is None else min(info.first, first)
            info.last = ts if info.last is None else max(info.last, ts)

    def _open(self, packet: Packet, frame: bytes, ts: float) -> tuple[Flow, bool]:
        proto, src, dst, sport, dport = packet.proto, packet.src, packet.dst, packet.sport, packet.dport
        if proto == TCP and packet.flags & SYN:
            src_client = not packet.flags & ACK
        else:
            src_client = _src_is_client(src, dst, sport, dport)
        name = PROTOCOLS.get(proto) or f"proto-{proto}"
        if src_client:
            flow = Flow(name, self._address(src), sport, self._address(dst), dport, ts, "pcap")
            flow.key = (proto, src, sport, dst, dport)
        else:
            flow = Flow(name, self._address(dst), dport, self._address(src), sport, ts, "pcap")
            flow.key = (proto, dst, dport, src, sport)
        self.flows[flow.key] = flow
        if proto == TCP:
            if flow.sport == 53:
                flow.app = "dns"
            else:
                syn = packet.flags & SYN and not packet.flags & ACK
                sniff.start_tcp(flow, packet.seq if syn else None)
        elif proto == UDP and src_client and packet.length and sport not in DNS_PORTS and dport not in DNS_PORTS:
            sniff.start_udp(flow, frame[packet.offset : packet.offset + packet.length])
        return flow, src_client

    def _dns(self, frame: bytes, offset: int, ts: float) -> None:
        answers = parse_response(frame[offset:])
        if answers:
            for answer in answers:
                self.dns.add("pcap", answer, ts)

    def _close(self, flow: Flow) -> None:
        self.flows.pop(flow.key, None)  # type: ignore[arg-type]
        flow.key = None
        sniff.finish(flow)
        self.sink(flow)

    def sweep(self, now: float) -> None:
        """Hand over flows that went quiet; past MAX_FLOWS, the least recently active half."""
        for flow in [f for f in self.flows.values() if f.last < now - (ENDED_IDLE if f.ended else IDLE)]:
            self._close(flow)
        if len(self.flows) > MAX_FLOWS:
            ordered = sorted(self.flows.values(), key=lambda f: f.last)
            for flow in ordered[: len(ordered) // 2]:
                self._close(flow)

    def close_all(self) -> None:
        for flow in list(self.flows.values()):
            self._close(flow)
