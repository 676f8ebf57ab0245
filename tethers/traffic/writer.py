"""Writing captures: a pcap writer and builders for the packets the case studies and tests need.

Frames are built byte by byte as the RFCs lay them out (Ethernet II, IPv4 with a
correct header checksum, IPv6, TCP, UDP), so the files open in Wireshark and tshark
like any capture. A ``Conversation`` writes a whole TCP connection (handshake, data
each way with running sequence numbers, FIN) or a UDP exchange.
"""

from __future__ import annotations

import ipaddress
import struct
from typing import BinaryIO

import dns.message
import dns.name
import dns.rdatatype
import dns.rrset

from tethers.traffic.packets import LINKTYPE_ETHERNET, LINKTYPE_RAW

CLIENT_MAC = bytes.fromhex("020000000001")  # locally administered addresses
SERVER_MAC = bytes.fromhex("020000000002")
MSS = 1460


class PcapWriter:
    """A classic pcap file, microsecond timestamps."""

    def __init__(self, fh: BinaryIO, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 262144) -> None:
        self.fh = fh
        self.linktype = linktype
        self.snaplen = snaplen
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))

    def write(self, ts: float, frame: bytes) -> None:
        seconds = int(ts)
        micros = min(int(round((ts - seconds) * 1e6)), 999_999)
        kept = frame[: self.snaplen]
        self.fh.write(struct.pack("<IIII", seconds, micros, len(kept), len(frame)) + kept)


def _checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip_packet(src: str, dst: str, proto: int, payload: bytes, ident: int = 0) -> bytes:
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 4:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, 64, proto, 0, s.packed, d.packed)
        header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
        return header + payload
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64, s.packed, d.packed) + payload


def ethernet(packet: bytes, outbound: bool = True) -> bytes:
    ethertype = 0x0800 if packet[0] >> 4 == 4 else 0x86DD
    dst, src = (SERVER_MAC, CLIENT_MAC) if outbound else (CLIENT_MAC, SERVER_MAC)
    return dst + src + struct.pack("!H", ethertype) + packet


def tcp_segment(sport: int, dport: int, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    # The checksum is left zero: captures taken with offloading show the same, and readers ignore it.
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0) + payload


def udp_datagram(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def client_hello(sni: str, alpn: tuple[str, ...] = ("h2", "http/1.1"), padding: int = 0) -> bytes:
    """A TLS 1.3-style ClientHello record naming ``sni``; ``padding`` grows it past one segment."""

    def ext(kind: int, body: bytes) -> bytes:
        return struct.pack("!HH", kind, len(body)) + body

    name = sni.encode("ascii")
    server_name = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    protocols = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
    extensions = ext(0, server_name) + ext(16, struct.pack("!H", len(protocols)) + protocols)
    extensions += ext(43, b"\x02\x03\x04")  # supported_versions: TLS 1.3
    if padding:
        extensions += ext(21, bytes(padding))
    body = b"\x03\x03" + bytes(range(32)) + b"\x20" + bytes(32) + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += struct.pack("!H", len(extensions)) + extensions
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def http_request(host: str, path: str = "/", method: str = "GET") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tethers-example\r\nAccept: */*\r\n\r\n".encode()


def dns_response(qname: str, addresses: list[str], cnames: tuple[str, ...] = (), ident: int = 0x1234, ttl: int = 60) -> bytes:
    """A response to ``qname`` A/AAAA: the CNAME chain, then the addresses at its end."""
    rdtype = dns.rdatatype.AAAA if addresses and ":" in addresses[0] else dns.rdatatype.A
    query = dns.message.make_query(qname, rdtype, id=ident)
    response = dns.message.make_response(query)
    owner = qname
    for target in cnames:
        response.answer.append(dns.rrset.from_text(dns.name.from_text(owner), ttl, "IN", "CNAME", target + "."))
        owner = target
    if addresses:
        response.answer.append(dns.rrset.from_text(dns.name.from_text(owner), ttl, "IN", dns.rdatatype.to_text(rdtype), *addresses))
    return response.to_wire()


def dns_query(qname: str, ident: int = 0x1234, aaaa: bool = False) -> bytes:
    return dns.message.make_query(qname, dns.rdatatype.AAAA if aaaa else dns.rdatatype.A, id=ident).to_wire()


class Conversation:
    """Writes the packets of one client ↔ server conversation into a capture, advancing time."""

    def __init__(self, writer: PcapWriter, client: str, cport: int, server: str, sport: int, start: float, rtt: float = 0.02) -> None:
        self.w = writer
        self.client, self.cport, self.server, self.sport = client, cport, server, sport
        self.t = start
        self.rtt = rtt
        self.cseq = 1_000_000
        self.sseq = 5_000_000

    def _frame(self, packet: bytes, outbound: bool) -> bytes:
        return ethernet(packet, outbound) if self.w.linktype == LINKTYPE_ETHERNET else packet

    def _tcp(self, outbound: bool, flags: int, payload: bytes = b"") -> None:
        if outbound:
            seg = tcp_segment(self.cport, self.sport, self.cseq, self.sseq, flags, payload)
            packet = ip_packet(self.client, self.server, 6, seg)
            self.cseq += len(payload) + (1 if flags & 0x03 else 0)
        else:
            seg = tcp_segment(self.sport, self.cport, self.sseq, self.cseq, flags, payload)
            packet = ip_packet(self.server, self.client, 6, seg)
            self.sseq += len(payload) + (1 if flags & 0x03 else 0)
        self.w.write(self.t, self._frame(packet, outbound))
        self.t += self.rtt / 2

    def handshake(self) -> Conversation:
        self._tcp(True, 0x02)
        self._tcp(False, 0x12)
        self._tcp(True, 0x10)
        return self

    def send(self, data: bytes, outbound: bool = True) -> Conversation:
        """``data`` one way, cut into segments of at most MSS bytes, acknowledged."""
        for at in range(0, len(data), MSS):
            self._tcp(outbound, 0x18, data[at : at + MSS])
        self._tcp(not outbound, 0x10)
        return self

    def close(self) -> Conversation:
        self._tcp(True, 0x11)
        self._tcp(False, 0x11)
        self._tcp(True, 0x10)
        return self

    def datagram(self, data: bytes, outbound: bool = True) -> Conversation:
        src, dst = (self.client, self.server) if outbound else (self.server, self.client)
        sp, dp = (self.cport, self.sport) if outbound else (self.sport, self.cport)
        self.w.write(self.t, self._frame(ip_packet(src, dst, 17, udp_datagram(sp, dp, data)), outbound))
        self.t += self.rtt / 2
        return self


__all__ = ["LINKTYPE_ETHERNET", "LINKTYPE_RAW", "Conversation", "PcapWriter", "client_hello", "dns_query", "dns_response", "http_request"]
