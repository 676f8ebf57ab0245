"""The first bytes a client sends on a flow → what it is and which host it names.

TCP: segments are put back in sequence order (retransmissions and reordering
happen) until the start of the stream says TLS (the ClientHello's SNI), HTTP (the
Host header) or something else; then inspection stops and the flow costs nothing
more. UDP: QUIC Initial packets are decrypted for their ClientHello. A payload the
snapshot length cut short is inspected for what arrived, and the flow notes why its
name may be missing.
"""

from __future__ import annotations

from tethers.traffic import http, quic, tls
from tethers.traffic.model import Flow

LIMIT = 1 << 16  # stream bytes kept per flow while inspecting
MAX_PENDING = 32  # out-of-order segments held per flow
CUT_NOTE = "the snapshot length cut the {what} short: capture with a larger snaplen (tcpdump -s 0) to read it"


class StreamSniffer:
    """The start of a client's TCP byte stream, reassembled by sequence number."""

    __slots__ = ("base", "data", "pending", "cut")

    def __init__(self, base: int | None = None) -> None:
        self.base = base  # sequence number of the first stream byte (ISN + 1), when the SYN was seen
        self.data = bytearray()
        self.pending: dict[int, bytes] = {}
        self.cut = False  # a segment arrived shorter than sent: no more bytes can be trusted

    def add(self, seq: int, chunk: bytes, sent: int) -> None:
        if self.base is None:
            self.base = seq
        offset = (seq - self.base) & 0xFFFFFFFF
        if offset >= LIMIT:
            return  # before the stream start (a stray retransmission) or far past what matters
        if len(chunk) < sent:
            if offset <= len(self.data):
                self.data += chunk[len(self.data) - offset :]
            self.cut = True
            return
        if offset > len(self.data):
            if len(self.pending) < MAX_PENDING:
                self.pending.setdefault(offset, chunk)
            return
        self.data += chunk[len(self.data) - offset :]
        while self.pending:
            ready = [o for o in self.pending if o <= len(self.data)]
            if not ready:
                break
            for o in ready:
                piece = self.pending.pop(o)
                if o + len(piece) > len(self.data):
                    self.data += piece[len(self.data) - o :]


def start_tcp(flow: Flow, syn_seq: int | None) -> None:
    flow.sniffer = StreamSniffer(None if syn_seq is None else (syn_seq + 1) & 0xFFFFFFFF)


def tcp_segment(flow: Flow, seq: int, chunk: bytes, sent: int) -> None:
    """A client → server segment of a flow still being inspected."""
    sniffer = flow.sniffer
    if not isinstance(sniffer, StreamSniffer):
        return
    sniffer.add(seq, chunk, sent)
    decide_tcp(flow, final=sniffer.cut)


def decide_tcp(flow: Flow, final: bool) -> None:
    sniffer = flow.sniffer
    if not isinstance(sniffer, StreamSniffer):
        return
    data = bytes(sniffer.data)
    if not data and not final:
        return
    if data[:1] == b"\x16":
        result = tls.parse_records(data, final=final)
        if result is tls.Need.MORE:
            return
        if tls.looks_like_tls(data):
            flow.app = "tls"
        if isinstance(result, tls.Hello):
            _take_hello(flow, result, "TLS ClientHello")
    elif data[:1].isalpha():
        host = http.parse_request(data, final=final)
        if host is http.Need.MORE:
            return
        if isinstance(host, str):
            flow.app = "http"
            flow.host = host
            if not host and sniffer.cut:
                flow.note = CUT_NOTE.format(what="HTTP request")
    flow.sniffer = None
    if sniffer.cut and not flow.note and flow.app == "tls" and not flow.sni:
        flow.note = CUT_NOTE.format(what="TLS ClientHello")


def _take_hello(flow: Flow, hello: tls.Hello, what: str) -> None:
    flow.sni = hello.sni
    flow.alpn = ",".join(hello.alpn)
    flow.ech = hello.ech
    if not hello.complete and not hello.sni:
        flow.note = CUT_NOTE.format(what=what)


def start_udp(flow: Flow, datagram: bytes) -> None:
    """Inspect a UDP flow only when its first client datagram is a QUIC Initial."""
    if quic.looks_like_initial(datagram):
        flow.app = "quic"
        flow.sniffer = quic.QuicSniffer() if QUIC_READABLE else None
        if not QUIC_READABLE:
            flow.note = "QUIC Initial not decrypted: install the 'cryptography' package to read its SNI"


def udp_datagram(flow: Flow, datagram: bytes, sent: int) -> None:
    sniffer = flow.sniffer
    if not isinstance(sniffer, quic.QuicSniffer):
        return
    if not quic.looks_like_initial(datagram):
        if datagram[:1] and not datagram[0] & 0x80:
            finish(flow)  # a short-header packet: the handshake is over, no more Initials will come
        return
    if len(datagram) < sent:
        flow.sniffer = None
        flow.note = CUT_NOTE.format(what="QUIC Initial")
        return
    result = sniffer.add(datagram)
    if result is tls.Need.MORE:
        return
    flow.sniffer = None
    if isinstance(result, tls.Hello):
        _take_hello(flow, result, "QUIC ClientHello")


def finish(flow: Flow) -> None:
    """The flow ends (or the input does): read whatever was gathered."""
    if isinstance(flow.sniffer, StreamSniffer):
        decide_tcp(flow, final=True)
    elif isinstance(flow.sniffer, quic.QuicSniffer):
        result = flow.sniffer.result(final=True)
        if isinstance(result, tls.Hello):
            _take_hello(flow, result, "QUIC ClientHello")
    flow.sniffer = None


QUIC_READABLE = quic.available()
