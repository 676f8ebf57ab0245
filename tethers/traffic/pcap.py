"""Classic libpcap files, streamed: one frame at a time from a fixed-size read buffer.

Memory stays at about one read chunk whatever the file's size. A file that ends
inside a record (a capture cut while it was written, a truncated download) yields
every whole packet before the cut and notes where it stopped; a record whose length
cannot be right (past the file's own snapshot length and any sane frame size) stops
the reading there, since nothing after it can be framed reliably.
"""

from __future__ import annotations

from collections.abc import Iterator
from struct import Struct
from typing import BinaryIO

from tethers.errors import InputError
from tethers.traffic.model import InputInfo
from tethers.traffic.packets import LINKTYPE_NAMES, SUPPORTED

CHUNK = 1 << 20
MAX_FRAME = 1 << 18  # 256 KiB: libpcap's own largest snapshot length

# Magic number as it appears on disk → (struct byte order, seconds per timestamp unit).
MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}

Frame = tuple[float, int, bytes, int]  # (time, link type, frame as captured, length on the wire)


def read_pcap(fh: BinaryIO, info: InputInfo) -> Iterator[Frame]:
    """Every frame of a classic pcap file, in file order."""
    header = fh.read(24)
    if len(header) < 24 or header[:4] not in MAGICS:
        raise InputError(f"{info.path}: not a pcap file (bad magic number)")
    order, unit = MAGICS[header[:4]]
    snaplen, network = Struct(order + "II").unpack_from(header, 16)
    linktype = network & 0xFFFF  # the upper bits may carry FCS information
    info.link = LINKTYPE_NAMES.get(linktype, f"link type {linktype}")
    info.snaplen = snaplen
    if linktype not in SUPPORTED:
        raise InputError(
            f"{info.path}: link type {linktype} is not supported",
            hint="tethers reads Ethernet, Linux cooked (SLL, SLL2), raw IP and loopback captures",
        )
    limit = max(MAX_FRAME, snaplen if snaplen < (1 << 26) else 0)
    record = Struct(order + "IIII")
    buf = b""
    pos = 0
    base = 24  # file offset of buf[0]
    count = 0
    while True:
        if len(buf) - pos < 16:
            more = fh.read(CHUNK)
            if not more:
                if len(buf) > pos:
                    info.warn(f"the file ends inside a record header at byte {base + pos}: the capture was cut")
                return
            base += pos
            buf, pos = buf[pos:] + more, 0
            continue
        seconds, fraction, captured, wire = record.unpack_from(buf, pos)
        if captured > limit:
            info.warn(
                f"record {count + 1} at byte {base + pos} claims {captured} bytes, more than any frame: "
                "the file is damaged there; packets after it are not read"
            )
            return
        end = pos + 16 + captured
        if end > len(buf):
            more = fh.read(max(CHUNK, captured + 16))
            if not more:
                info.warn(
                    f"the file ends inside packet {count + 1} (at byte {base + pos}, {end - len(buf)} bytes missing): "
                    "the capture was cut; that packet is left out"
                )
                return
            base += pos
            buf, pos = buf[pos:] + more, 0
            continue
        count += 1
        yield seconds + fraction * unit, linktype, buf[pos + 16 : end], wire
        pos = end
