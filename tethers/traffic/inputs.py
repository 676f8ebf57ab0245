"""Which kind of file an input is, from its first bytes (never its name), and opening it.

pcap and pcapng by their magic numbers; HAR by being one JSON document; Zeek logs by
their ``#separator`` header (TSV) or by a first line that is a JSON object with Zeek's
field names. gzip-compressed files are read through, so ``conn.log.gz`` works.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from pathlib import Path
from typing import BinaryIO

from tethers.errors import InputError
from tethers.traffic.pcap import MAGICS
from tethers.traffic.pcapng import MAGIC as PCAPNG_MAGIC

HEAD = 4096
ZEEK_KINDS = ("dns", "ssl", "http", "conn")  # the order they are read in: names before connections


class _Gunzip(io.RawIOBase):
    """gzip that hands over everything before a cut or damage, then ends; ``damage`` says why.

    ``GzipFile.read`` raises on a truncated stream and loses the data it had decoded
    for that call; reading in ``read1`` steps keeps it.
    """

    def __init__(self, path: str) -> None:
        self._gz = gzip.open(path, "rb")
        self.damage = ""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self.damage:
            return 0
        try:
            data = self._gz.read1(len(buffer))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            self.damage = str(exc) or type(exc).__name__
            return 0
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._gz.close()
        super().close()


def damage(fh: BinaryIO) -> str:
    """Why a compressed input ended early, or ``""``."""
    raw = getattr(fh, "raw", None)
    return raw.damage if isinstance(raw, _Gunzip) else ""


def open_input(path: str) -> BinaryIO:
    """The file's bytes, decompressed when it is gzip."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, expected a capture, HAR file or Zeek log")
    try:
        fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if fh.read(2) == b"\x1f\x8b":
        fh.close()
        return io.BufferedReader(_Gunzip(path), buffer_size=1 << 16)  # type: ignore[return-value]
    fh.seek(0)
    return fh


def _zeek_kind(fields: set[str]) -> str:
    if "query" in fields:
        return "dns"
    if "server_name" in fields or ("version" in fields and "cipher" in fields):
        return "ssl"
    if "host" in fields and "method" in fields:
        return "http"
    if "id.resp_h" in fields and ("proto" in fields or "conn_state" in fields):
        return "conn"
    return ""


def detect(path: str) -> str:
    """``pcap``, ``pcapng``, ``har``, or ``zeek-<kind>`` (``zeek-conn``...); InputError otherwise."""
    with open_input(path) as fh:
        try:
            head = fh.read(HEAD)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read: {exc}") from None
    if not head:
        raise InputError(f"{path}: the file is empty")
    if head[:4] in MAGICS:
        return "pcap"
    if head[:4] == PCAPNG_MAGIC:
        return "pcapng"
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("#separator") or text.startswith("#fields"):
        for line in text.splitlines():
            if line.startswith("#path"):
                kind = line.split(maxsplit=1)[-1].strip()
                if kind in ZEEK_KINDS:
                    return f"zeek-{kind}"
            if line.startswith("#fields"):
                kind = _zeek_kind(set(line.split("\t")[1:]))
                if kind:
                    return f"zeek-{kind}"
        raise InputError(f"{path}: a Zeek log, but not one tethers reads", hint="give conn.log, dns.log, ssl.log or http.log")
    if text.startswith("{"):
        first = text.split("\n", 1)[0]
        try:
            record = json.loads(first)
        except ValueError:
            record = None
        if isinstance(record, dict) and ("uid" in record or "id.orig_h" in record or "_path" in record):
            kind = str(record.get("_path", "")) if record.get("_path") in ZEEK_KINDS else _zeek_kind(set(record))
            if not kind:
                raise InputError(f"{path}: a Zeek JSON log, but not one tethers reads", hint="give conn.log, dns.log, ssl.log or http.log")
            return f"zeek-{kind}"
        return "har"
    first_line = head[:40].split(b"\n", 1)[0]
    if first_line and first_line.isascii() and first_line.decode("ascii").isprintable():
        shown = repr(first_line.decode("ascii")[:32])  # text: an access log, a CSV...
    else:
        shown = head[:8].hex(" ")
    raise InputError(
        f"{path}: not a packet capture, HAR file or Zeek log (it starts with {shown})",
        hint="tethers traffic reads pcap, pcapng, HAR (JSON) and Zeek conn/dns/ssl/http logs, plain or gzip",
    )
