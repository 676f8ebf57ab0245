"""pcapng files (as written by Wireshark and dumpcap), streamed block by block.

Each section declares its byte order; each interface its link type, snapshot length
and timestamp resolution, so one file can mix link types. Packets of interfaces
whose link type is not understood are skipped with one warning per interface. Blocks
tethers has no use for (statistics, name resolution, decryption secrets) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from struct import Struct
from typing import BinaryIO

from tethers.errors import InputError
from tethers.traffic.model import InputInfo
from tethers.traffic.packets import LINKTYPE_NAMES, SUPPORTED
from tethers.traffic.pcap import CHUNK, Frame

MAGIC = b"\x0a\x0d\x0d\x0a"
MAX_BLOCK = 1 << 24  # 16 MiB: far past any frame; a larger length means damage
SHB, IDB, OPB, SPB, EPB = 0x0A0D0D0A, 1, 2, 3, 6
_STRUCTS = {
    order: (Struct(order + "II"), Struct(order + "IIIII"), Struct(order + "HHIIII"), Struct(order + "I"))
    for order in "<>"
}


@dataclass(slots=True)
class _Interface:
    linktype: int
    snaplen: int
    unit: float = 1e-6  # seconds per timestamp tick
    offset: int = 0  # if_tsoffset, seconds


def _options(body: bytes, at: int, order: str) -> Iterator[tuple[int, bytes]]:
    head = Struct(order + "HH")
    while at + 4 <= len(body):
        code, length = head.unpack_from(body, at)
        if code == 0:
            return
        yield code, body[at + 4 : at + 4 + length]
        at += 4 + (length + 3) // 4 * 4


def _interface(body: bytes, order: str) -> _Interface:
    linktype, _, snaplen = Struct(order + "HHI").unpack_from(body, 0)
    iface = _Interface(linktype, snaplen)
    for code, value in _options(body, 8, order):
        if code == 9 and value:  # if_tsresol: a power of ten, or of two when the top bit is set
            exponent = value[0] & 0x7F
            iface.unit = 2.0**-exponent if value[0] & 0x80 else 10.0**-exponent
        elif code == 14 and len(value) == 8:  # if_tsoffset
            iface.offset = Struct(order + "q").unpack(value)[0]
    return iface


def read_pcapng(fh: BinaryIO, info: InputInfo) -> Iterator[Frame]:
    """Every packet of every section, in file order."""
    buf = fh.read(CHUNK)
    if len(buf) < 12 or buf[:4] != MAGIC:
        raise InputError(f"{info.path}: not a pcapng file (no section header block)")
    pos = 0
    base = 0
    order = "<"
    interfaces: list[_Interface] = []
    unsupported: set[int] = set()
    while True:
        if len(buf) - pos < 12:
            more = fh.read(CHUNK)
            if not more:
                if len(buf) > pos:
                    info.warn(f"the file ends inside a block header at byte {base + pos}: the capture was cut")
                return
            base += pos
            buf, pos = buf[pos:] + more, 0
            continue
        if buf[pos : pos + 4] == MAGIC:  # a section header fixes the byte order of what follows
            bom = buf[pos + 8 : pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            else:
                info.warn(f"section header at byte {base + pos} has no valid byte-order mark; reading stops there")
                return
        kind, length = _STRUCTS[order][0].unpack_from(buf, pos)
        if length < 12 or length % 4 or length > MAX_BLOCK:
            info.warn(f"block at byte {base + pos} has an impossible length ({length}); the file is damaged there")
            return
        if pos + length > len(buf):
            more = fh.read(max(CHUNK, length))
            if not more:
                info.warn(
                    f"the file ends inside a block at byte {base + pos} ({pos + length - len(buf)} bytes missing): "
                    "the capture was cut; that block is left out"
                )
                return
            base += pos
            buf, pos = buf[pos:] + more, 0
            continue
        body = buf[pos + 8 : pos + length - 4]
        pos += length
        if kind == SHB:
            interfaces = []
        elif kind == IDB:
            iface = _interface(body, order)
            interfaces.append(iface)
            if not info.link:
                info.link = LINKTYPE_NAMES.get(iface.linktype, f"link type {iface.linktype}")
                info.snaplen = iface.snaplen
            if iface.linktype not in SUPPORTED and iface.linktype not in unsupported:
                unsupported.add(iface.linktype)
                info.warn(f"interface {len(interfaces) - 1} has link type {iface.linktype}, which is not supported; its packets are skipped")
        elif kind in (EPB, OPB, SPB):
            frame = _packet(kind, body, order, interfaces)
            if frame is None:
                info.warn(f"packet block at byte {base + pos - length} names no interface; skipped")
                continue
            if frame[1] in SUPPORTED:
                yield frame


def _packet(kind: int, body: bytes, order: str, interfaces: list[_Interface]) -> Frame | None:
    _, epb, opb, u32 = _STRUCTS[order]
    if len(body) < (4 if kind == SPB else 20):
        return None
    if kind == SPB:  # simple packet block: interface 0, no timestamp
        if not interfaces:
            return None
        iface = interfaces[0]
        wire = u32.unpack_from(body, 0)[0]
        captured = min(wire, len(body) - 4, iface.snaplen or wire)
        return 0.0, iface.linktype, body[4 : 4 + captured], wire
    if kind == EPB:
        index, high, low, captured, wire = epb.unpack_from(body, 0)
        start = 20
    else:  # obsolete packet block
        index, _, high, low, captured, wire = opb.unpack_from(body, 0)
        start = 20
    if index >= len(interfaces):
        return None
    iface = interfaces[index]
    captured = min(captured, len(body) - start)
    return ((high << 32) | low) * iface.unit + iface.offset, iface.linktype, body[start : start + captured], wire
