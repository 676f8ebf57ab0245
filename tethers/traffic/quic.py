"""The ClientHello inside a QUIC client's Initial packets (RFC 9001 §5, RFC 9369 for version 2).

Initial packets are encrypted with keys anyone can derive from the Destination
Connection ID the client chose, so an observer can read the ClientHello and its SNI
exactly as with TLS over TCP. The key schedule is HKDF over SHA-256 (a single HMAC
block per label here, from the standard library); header protection and the payload
need AES, from the ``cryptography`` package.

A client may spread its ClientHello over several Initial packets and CRYPTO frames,
out of order (browsers do, to keep middleboxes from depending on the layout), so
CRYPTO data is gathered by offset until the handshake message is whole.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

from tethers.traffic.tls import Hello, Need, parse_hello

# version → (initial salt, HKDF label prefix, long-header type bits of an Initial packet)
VERSIONS: dict[int, tuple[bytes, bytes, int]] = {
    0x00000001: (bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), b"quic ", 0),
    0x6B3343CF: (bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), b"quicv2 ", 1),
    **{0xFF000000 + d: (bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"), b"quic ", 0) for d in range(29, 33)},
}
MAX_CRYPTO = 1 << 16
MAX_DATAGRAMS = 8  # client datagrams inspected per flow before giving up


def available() -> bool:
    try:
        import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401
    except ImportError:
        return False
    return True


def looks_like_initial(datagram: bytes) -> bool:
    """A long-header packet of a QUIC version we can read."""
    return len(datagram) >= 7 and datagram[0] & 0xC0 == 0xC0 and int.from_bytes(datagram[1:5], "big") in VERSIONS


def _expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\x00"
    return hmac.new(secret, info + b"\x01", hashlib.sha256).digest()[:length]  # one block: length <= 32


def client_keys(version: int, dcid: bytes) -> tuple[bytes, bytes, bytes]:
    """(key, iv, header-protection key) for the client's Initial packets."""
    salt, prefix, _ = VERSIONS[version]
    initial = hmac.new(salt, dcid, hashlib.sha256).digest()
    secret = _expand_label(initial, b"client in", 32)
    return _expand_label(secret, prefix + b"key", 16), _expand_label(secret, prefix + b"iv", 12), _expand_label(secret, prefix + b"hp", 16)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise IndexError("varint past the end")
    size = 1 << (data[pos] >> 6)
    if pos + size > len(data):
        raise IndexError("varint past the end")
    value = data[pos] & 0x3F
    for i in range(1, size):
        value = (value << 8) | data[pos + i]
    return value, pos + size


class QuicSniffer:
    """Collects CRYPTO data from a client's Initial packets until the ClientHello is whole."""

    def __init__(self) -> None:
        self.keys: tuple[int, bytes, bytes, bytes] | None = None  # version, key, iv, hp: from the first DCID
        self.crypto: dict[int, bytes] = {}
        self.datagrams = 0

    def add(self, datagram: bytes) -> Hello | Need:
        self.datagrams += 1
        try:
            for payload in self._initial_payloads(datagram):
                for offset, data in _crypto_frames(payload):
                    if offset + len(data) <= MAX_CRYPTO:
                        self.crypto.setdefault(offset, data)
        except (IndexError, ValueError):
            return Need.NOT_TLS if not self.crypto else self.result(final=True)
        return self.result(final=self.datagrams >= MAX_DATAGRAMS)

    def result(self, final: bool) -> Hello | Need:
        stream = bytearray()
        for offset in sorted(self.crypto):
            if offset > len(stream):
                break
            stream += self.crypto[offset][len(stream) - offset :]
        if len(stream) >= 4:
            wanted = 4 + int.from_bytes(stream[1:4], "big")
            if stream[0] != 1:
                return Need.NOT_TLS
            if len(stream) >= wanted:
                return parse_hello(bytes(stream[:wanted]))
        if final:
            return parse_hello(bytes(stream)) if stream else Need.NOT_TLS
        return Need.MORE

    def _initial_payloads(self, data: bytes) -> Iterator[bytes]:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        pos = 0
        while pos + 7 <= len(data) and data[pos] & 0x80:  # coalesced long-header packets
            first = data[pos]
            version = int.from_bytes(data[pos + 1 : pos + 5], "big")
            if version not in VERSIONS:
                return
            at = pos + 6 + data[pos + 5]  # past the DCID
            dcid = data[pos + 6 : at]
            at += 1 + data[at]  # past the SCID
            initial = (first >> 4) & 3 == VERSIONS[version][2]
            if initial:
                token, at = _varint(data, at)
                at += token
            length, pn_offset = _varint(data, at)
            end = pn_offset + length
            if end > len(data) or length < 20:
                return
            if initial:
                if self.keys is None:
                    self.keys = (version, *client_keys(version, dcid))
                _, key, iv, hp = self.keys
                encryptor = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()  # noqa: S305 - RFC 9001 header protection
                mask = encryptor.update(data[pn_offset + 4 : pn_offset + 20]) + encryptor.finalize()
                header = bytearray(data[pos : pn_offset + 4])
                header[0] ^= mask[0] & 0x0F
                pn_length = (header[0] & 0x03) + 1
                rel = pn_offset - pos
                for i in range(pn_length):
                    header[rel + i] ^= mask[1 + i]
                header = header[: rel + pn_length]
                number = int.from_bytes(header[rel:], "big")
                nonce = (int.from_bytes(iv, "big") ^ number).to_bytes(12, "big")
                try:
                    yield AESGCM(key).decrypt(nonce, data[pn_offset + pn_length : end], bytes(header))
                except InvalidTag:
                    pass  # not the client's Initial keys (a server packet, a retry): skip it
            pos = end


def _crypto_frames(payload: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset, data) of each CRYPTO frame, skipping the other frames an Initial may hold."""
    pos = 0
    while pos < len(payload):
        kind = payload[pos]
        if kind in (0x00, 0x01):  # PADDING, PING
            pos += 1
        elif kind in (0x02, 0x03):  # ACK
            pos += 1
            _, pos = _varint(payload, pos)  # largest acknowledged
            _, pos = _varint(payload, pos)  # delay
            ranges, pos = _varint(payload, pos)
            _, pos = _varint(payload, pos)  # first range
            for _ in range(ranges * 2 + (3 if kind == 0x03 else 0)):
                _, pos = _varint(payload, pos)
        elif kind == 0x06:
            offset, pos = _varint(payload, pos + 1)
            length, pos = _varint(payload, pos)
            yield offset, payload[pos : pos + length]
            pos += length
        else:  # CONNECTION_CLOSE or anything unexpected: nothing more to read here
            return
