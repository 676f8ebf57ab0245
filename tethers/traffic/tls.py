"""The TLS ClientHello: the server name (SNI), ALPN and whether Encrypted Client Hello was offered.

``parse_records`` reads the start of a client's TCP stream: TLS handshake records,
whose ClientHello may span several records and several TCP segments (a post-quantum
key share makes it larger than one segment). ``parse_hello`` reads one handshake
message, as QUIC carries it in CRYPTO frames. Both are lenient with a message cut
short: whatever extensions arrived whole are read, so an SNI that fits inside a
short snapshot length is still found.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

MAX_HELLO = 1 << 16  # bytes of handshake data worth waiting for


class Need(Enum):
    MORE = "more"  # the message is not complete yet
    NOT_TLS = "not-tls"  # the stream is something else


@dataclass(frozen=True, slots=True)
class Hello:
    sni: str = ""
    alpn: tuple[str, ...] = ()
    ech: bool = False  # encrypted_client_hello extension present: ``sni`` is the public (outer) name
    complete: bool = True  # False when read from a message cut short


_EXT_SNI = 0
_EXT_ALPN = 16
_EXT_ECH = 0xFE0D


def looks_like_tls(data: bytes) -> bool:
    """A TLS handshake record with a plausible version: ``16 03 0x``."""
    return len(data) >= 3 and data[0] == 0x16 and data[1] == 3 and data[2] <= 4


def parse_records(data: bytes, final: bool = False) -> Hello | Need:
    """The ClientHello at the start of a client's byte stream.

    ``final`` says no more bytes will come (the snapshot length cut them, or the flow
    ended): a partial message is then parsed for what it holds.
    """
    if len(data) < 3:
        return Need.NOT_TLS if final else Need.MORE
    if not looks_like_tls(data):
        return Need.NOT_TLS
    handshake = bytearray()
    pos = 0
    while True:
        if len(handshake) >= 4:
            wanted = 4 + int.from_bytes(handshake[1:4], "big")
            if handshake[0] != 1:
                return Need.NOT_TLS  # a handshake, but not a ClientHello: the server's side, or a resumption
            if len(handshake) >= wanted:
                return parse_hello(bytes(handshake[:wanted]))
            if wanted > MAX_HELLO:
                return Need.NOT_TLS
        if pos + 5 > len(data):
            break
        if data[pos] != 0x16:
            return Need.NOT_TLS
        length = int.from_bytes(data[pos + 3 : pos + 5], "big")
        handshake += data[pos + 5 : pos + 5 + length]
        if pos + 5 + length > len(data):
            break
        pos += 5 + length
    if len(handshake) >= 4 and handshake[0] == 1 and len(handshake) >= 4 + int.from_bytes(handshake[1:4], "big"):
        return parse_hello(bytes(handshake))
    if not final:
        return Need.MORE
    if len(handshake) < 4 or handshake[0] != 1:
        return Need.NOT_TLS
    return parse_hello(bytes(handshake))


def parse_hello(message: bytes) -> Hello | Need:
    """A ClientHello handshake message (type 1, 3-byte length, body), whole or cut short."""
    if len(message) < 4 or message[0] != 1:
        return Need.NOT_TLS
    declared = int.from_bytes(message[1:4], "big")
    body = message[4 : 4 + declared]
    complete = len(body) == declared
    # legacy_version(2) random(32) session_id<0..32> cipher_suites<2..> compression_methods<1..>
    pos = 34
    if pos >= len(body):
        return Hello(complete=False)
    pos += 1 + body[pos]
    if pos + 2 > len(body):
        return Hello(complete=False)
    pos += 2 + int.from_bytes(body[pos : pos + 2], "big")
    if pos >= len(body):
        return Hello(complete=False)
    pos += 1 + body[pos]
    if pos + 2 > len(body):
        return Hello(complete=complete)  # no extensions at all (TLS 1.0-era clients)
    end = min(pos + 2 + int.from_bytes(body[pos : pos + 2], "big"), len(body))
    pos += 2
    sni, alpn, ech = "", (), False
    while pos + 4 <= end:
        kind = int.from_bytes(body[pos : pos + 2], "big")
        length = int.from_bytes(body[pos + 2 : pos + 4], "big")
        value = body[pos + 4 : pos + 4 + length]
        if len(value) < length:
            complete = False
            break
        if kind == _EXT_SNI:
            sni = _server_name(value)
        elif kind == _EXT_ALPN:
            alpn = _alpn(value)
        elif kind == _EXT_ECH:
            ech = True
        pos += 4 + length
    return Hello(sni, alpn, ech, complete)


def _server_name(value: bytes) -> str:
    # server_name_list<1..2^16-1>: name_type(1) = 0 host_name, HostName<1..2^16-1>
    pos = 2
    while pos + 3 <= len(value):
        name_type = value[pos]
        length = int.from_bytes(value[pos + 1 : pos + 3], "big")
        name = value[pos + 3 : pos + 3 + length]
        if name_type == 0:
            # RFC 6066 host names are ASCII; anything else is shown escaped, never trusted as a name
            return name.decode("ascii", "backslashreplace").rstrip(".").lower()
        pos += 3 + length
    return ""


def _alpn(value: bytes) -> tuple[str, ...]:
    out = []
    pos = 2
    while pos < len(value):
        length = value[pos]
        out.append(value[pos + 1 : pos + 1 + length].decode("ascii", "backslashreplace"))
        pos += 1 + length
    return tuple(out)
