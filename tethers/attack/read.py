"""Opening input files, recognising their format, and streaming them as batches.

Files are read in blocks of a few megabytes, cut at the last newline, so memory stays
flat whatever the file's size. Gzip is recognised by its magic bytes, not its name.
A file's format is guessed from its first lines; lines of another known format met
later (two logs concatenated) are parsed as that format, and lines no format reads
are counted as malformed, with a few kept as samples. A file that cannot be read at
all is reported and skipped; the run fails only when no file gave a record.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import zlib
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol

from tethers.attack.accesslog import COMBINED, NGINX_MAIN, VHOST_COMBINED, LogFormat, count_lines
from tethers.attack.flows import csv_format, is_vpc_header, looks_like_vpc, vpc_format
from tethers.attack.jsonlines import JsonLines
from tethers.attack.records import Batch
from tethers.errors import InputError

BLOCK = 8 << 20
SNIFF = 64 << 10
MAX_SAMPLES = 5
PARALLEL_FROM = 32 << 20  # files at least this large (on disk) are parsed in worker processes
WORKERS = min(2, os.cpu_count() or 1)
_GZIP = b"\x1f\x8b"
_PCAP = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")


class Parser(Protocol):
    name: str

    def parse(self, text: str) -> tuple[list[Batch], list[str]]: ...


@dataclass
class FileStats:
    path: str
    format: str = ""
    lines: int = 0
    records: int = 0
    malformed: int = 0
    samples: list[str] = field(default_factory=list)
    zoneless: int = 0  # records whose time had no zone, read as UTC
    forwarded: int = 0  # records whose client came from X-Forwarded-For
    skipped: str = ""  # why nothing was read, when nothing was

    def reject(self, lines: list[str]) -> None:
        self.malformed += len(lines)
        for line in lines:
            if len(self.samples) >= MAX_SAMPLES:
                break
            if line:
                self.samples.append(line[:200])


def open_binary(path: Path) -> BinaryIO:
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a log or flow file")
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with raw:
        magic = raw.read(2)
    opener = gzip.open if magic == _GZIP else open
    try:
        return opener(path, "rb")  # type: ignore[return-value]
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _line_formats(log_format: LogFormat | None, forwarded: bool) -> list[Parser]:
    """Line formats in order of preference; with ``forwarded``, ones that record X-Forwarded-For first."""
    if forwarded:
        builtin = [NGINX_MAIN, COMBINED, VHOST_COMBINED]
        chosen = replace(log_format, forwarded=True) if log_format is not None else None
        return [p for p in (chosen, *(replace(b, forwarded=True) for b in builtin)) if p is not None] + [JsonLines(True)]
    return [p for p in (log_format, COMBINED, VHOST_COMBINED) if p is not None] + [JsonLines()]


def sniff(head: str, log_format: LogFormat | None, forwarded: bool = False) -> Parser | None:
    """The parser for a file whose first bytes (decoded) are ``head``."""
    lines = [line for line in head.splitlines()[:-1] or head.splitlines() if line.strip()][:50]
    if not lines:
        return None
    first = lines[0]
    if is_vpc_header(first):
        return vpc_format(first)
    if looks_like_vpc(first):
        return vpc_format(None)
    if "," in first and not first.lstrip().startswith("{"):
        fmt = csv_format(first)
        if fmt is not None:
            return fmt
    candidates = _line_formats(log_format, forwarded)
    text = "\n".join(lines) + "\n"
    scores = [(sum(len(b) for b in p.parse(text)[0]), -i, p) for i, p in enumerate(candidates)]
    best = max(scores, key=lambda s: (s[0], s[1]))
    return best[2] if best[0] > 0 else None


def alternatives(primary: Parser, log_format: LogFormat | None, forwarded: bool = False) -> list[Parser]:
    """Line formats to try on lines the primary format rejects (two logs concatenated)."""
    return [p for p in _line_formats(log_format, forwarded) if p.name != primary.name]


class _Rewound:
    """A stream whose first bytes, already read to sniff the format, are served again."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                out, self._head = self._head + self._rest.read(), b""
                return out
            out, self._head = self._head[:size], self._head[size:]
            if len(out) < size:
                out += self._rest.read(size - len(out))
            return out
        return self._rest.read(size)


def _is_binary(head: bytes) -> bool:
    if not head:
        return False
    sample = head[:4096]  # a stray NUL or two in a log is garbage in a line, not a binary file
    text_bytes = sum(1 for b in sample if b >= 32 or b in (9, 10, 13))
    return text_bytes / len(sample) < 0.9


def read_file(path: Path, stats: FileStats, log_format: LogFormat | None, forwarded: bool = False) -> Iterator[Batch]:
    """Batches of records from one file; what went wrong goes into ``stats``."""
    with open_binary(path) as fh:
        try:
            head = fh.read(SNIFF)
        except (OSError, EOFError, zlib.error) as exc:
            stats.skipped = f"cannot decompress: {exc}"
            return
        if not head.strip():
            stats.skipped = "empty"
            return
        if head[:4] in _PCAP:
            from tethers.attack.capture import read_capture

            stats.format = "pcapng" if head[:4] == _PCAP[-1] else "pcap"
            for batch in read_capture(_Rewound(head, fh), path, head[:4], stats):
                stats.records += len(batch)
                yield batch
            return
        if _is_binary(head):
            stats.skipped = "binary data, not a text log or flow export"
            return
        parser = sniff(head.decode("utf-8", errors="replace"), log_format, forwarded)
        if parser is None:
            first = head.decode("utf-8", errors="replace").splitlines()[0][:120]
            stats.skipped = f"format not recognised (first line: {first!r})"
            return
        stats.format = parser.name
        others = alternatives(parser, log_format, forwarded)
        parallel = WORKERS > 1 and path.stat().st_size >= PARALLEL_FROM
        yield from _blocks(fh, head, parser, others, stats, parallel)


def _chunks(fh: BinaryIO, head: bytes, stats: FileStats) -> Iterator[bytes]:
    """The file in blocks of whole lines (the last may lack its newline)."""
    carry = head
    while True:
        try:
            block = fh.read(BLOCK)
        except (OSError, EOFError, zlib.error) as exc:
            stats.reject([f"(file cut short or corrupt after this point: {exc})"])
            block = b""
            carry += b"\n"
        data = carry + block
        if not block:
            cut = len(data)
        else:
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # no newline in the whole block: keep reading, up to a bound
                if len(data) > 4 * BLOCK:
                    stats.reject(["(a line longer than 32 MB)"])
                    carry = b""
                else:
                    carry = data
                continue
        carry = data[cut:]
        if cut:
            yield data[:cut]
        if not block:
            return


def parse_chunk(data: bytes, parser: Parser, others: list[Parser]) -> tuple[list[Batch], int, list[str], int]:
    """Batches of one block, with the count of lines no format read, a few of them, and the line count.

    A pure function of its arguments, so that worker processes can run it."""
    text = data.decode("utf-8", errors="replace")
    batches, rejected = parser.parse(text)
    for other in others:
        if not rejected:
            break
        more, rejected = other.parse("\n".join(rejected) + "\n")
        batches += more
    samples = [line for line in rejected[:50] if line][:MAX_SAMPLES]
    return batches, len(rejected), samples, count_lines(text)


def _blocks(fh: BinaryIO, head: bytes, parser: Parser, others: list[Parser], stats: FileStats,
            parallel: bool) -> Iterator[Batch]:
    chunks = _chunks(fh, head, stats)
    results = _in_workers(chunks, parser, others) if parallel else (parse_chunk(c, parser, others) for c in chunks)
    for batches, bad, samples, lines in results:
        stats.lines += lines
        stats.malformed += bad
        stats.samples.extend(samples[: MAX_SAMPLES - len(stats.samples)])
        for batch in batches:
            stats.records += len(batch)
            stats.zoneless += batch.extra.get("zoneless", 0)
            stats.forwarded += batch.extra.get("forwarded", 0)
            yield batch


def _in_workers(chunks: Iterator[bytes], parser: Parser, others: list[Parser]
                ) -> Iterator[tuple[list[Batch], int, list[str], int]]:
    """``parse_chunk`` over the blocks in worker processes, results in file order.

    Reading and decompression stay here, as does the caller's aggregation, which runs
    while the workers parse the next blocks: on two cores this nearly halves the time."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: parse here
        yield from (parse_chunk(c, parser, others) for c in chunks)
        return
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
        pending: deque[Future[tuple[list[Batch], int, list[str], int]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(parse_chunk, chunk, parser, others))
            if len(pending) > 2 * WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
