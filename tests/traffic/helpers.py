"""Small builders shared by the traffic tests: frames, pcap bytes, pcapng blocks, QUIC Initials."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from tethers.traffic.writer import Conversation, PcapWriter, ethernet, ip_packet, tcp_segment, udp_datagram

T0 = 1_600_000_000.0


def pcap_bytes(frames: list[tuple[float, bytes]], linktype: int = 1, snaplen: int = 262144) -> bytes:
    buf = io.BytesIO()
    w = PcapWriter(buf, linktype=linktype, snaplen=snaplen)
    for ts, frame in frames:
        w.write(ts, frame)
    return buf.getvalue()


def write_pcap(path: Path, build, linktype: int = 1, snaplen: int = 262144) -> Path:  # type: ignore[no-untyped-def]
    """``build(writer)`` writes packets; the file is returned."""
    with path.open("wb") as fh:
        build(PcapWriter(fh, linktype=linktype, snaplen=snaplen))
    return path


def udp_frame(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    return ethernet(ip_packet(src, dst, 17, udp_datagram(sport, dport, payload)))


def tcp_frame(src: str, dst: str, sport: int, dport: int, seq: int, flags: int, payload: bytes = b"") -> bytes:
    return ethernet(ip_packet(src, dst, 6, tcp_segment(sport, dport, seq, 0, flags, payload)))


def pcapng_block(kind: int, body: bytes, order: str = "<") -> bytes:
    body += bytes(-len(body) % 4)
    length = 12 + len(body)
    return struct.pack(order + "II", kind, length) + body + struct.pack(order + "I", length)


def pcapng_file(frames: list[tuple[float, bytes]], linktype: int = 1, order: str = "<", nanos: bool = False) -> bytes:
    shb = pcapng_block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1), order)
    options = b""
    if nanos:
        options = struct.pack(order + "HH", 9, 1) + b"\x09\x00\x00\x00" + struct.pack(order + "HH", 0, 0)
    idb = pcapng_block(1, struct.pack(order + "HHI", linktype, 0, 262144) + options, order)
    blocks = [shb, idb]
    unit = 1e9 if nanos else 1e6
    for ts, frame in frames:
        ticks = int(round(ts * unit))
        blocks.append(pcapng_block(6, struct.pack(order + "IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF, len(frame), len(frame)) + frame, order))
    return b"".join(blocks)


def conversation(w: PcapWriter, server: str = "203.0.113.10", sport: int = 443, start: float = T0,
                 client: str = "192.168.1.5", cport: int = 50000) -> Conversation:
    return Conversation(w, client, cport, server, sport, start)


# -- QUIC: a client Initial built the way RFC 9001 §5 describes, to test decryption ----------


def _varint(value: int) -> bytes:
    if value < 0x40:
        return bytes([value])
    if value < 0x4000:
        return struct.pack("!H", value | 0x4000)
    return struct.pack("!I", value | 0x80000000)


def quic_initial(dcid: bytes, frames: bytes, packet_number: int = 0, version: int = 1, pad_to: int = 1200) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from tethers.traffic.quic import VERSIONS, client_keys

    key, iv, hp = client_keys(version, dcid)
    type_bits = VERSIONS[version][2]
    pn = struct.pack("!I", packet_number)  # 4-byte packet number
    header_len = 1 + 4 + 1 + len(dcid) + 1 + 0 + 1 + 2  # first, version, dcid, scid(0), token len, length(2)
    payload = frames + bytes(max(pad_to - header_len - 4 - len(frames) - 16, 0))  # PADDING frames
    length = len(pn) + len(payload) + 16
    first = 0xC0 | (type_bits << 4) | 0x03
    header = bytes([first]) + struct.pack("!I", version) + bytes([len(dcid)]) + dcid + b"\x00" + _varint(0)
    header += struct.pack("!H", length | 0x4000) + pn
    nonce = (int.from_bytes(iv, "big") ^ packet_number).to_bytes(12, "big")
    sealed = AESGCM(key).encrypt(nonce, payload, header)
    pn_offset = len(header) - 4
    sample = sealed[:16]  # the sample starts 4 bytes after the packet number starts: right after the header
    encryptor = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = encryptor.update(sample) + encryptor.finalize()
    protected = bytearray(header)
    protected[0] ^= mask[0] & 0x0F
    for i in range(4):
        protected[pn_offset + i] ^= mask[1 + i]
    return bytes(protected) + sealed


def crypto_frame(offset: int, data: bytes) -> bytes:
    return b"\x06" + _varint(offset) + _varint(len(data)) + data
