"""A batch's input: (position, domain) pairs from a list file, shared among workers.

A domain's position is its line number in the file, so it means the same thing
in every run and every worker; the done-index records positions. Worker ``k``
of ``n`` takes the domains whose CRC-32 is ``k`` modulo ``n``: a domain listed
twice always lands with the same worker, which scans it once.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from tethers.batch.folder import is_done
from tethers.errors import InputError
from tethers.util.lists import read_list
from tethers.util.names import parse_domain


def count_entries(path: Path) -> int:
    """How many non-blank, non-comment lines the list has (the batch's total, for the ETA)."""
    return sum(1 for _ in read_list(path))


def share(domain: str, workers: int) -> int:
    return zlib.crc32(domain.encode()) % workers if workers > 1 else 0


class Source:
    """The domains one worker scans: valid, first occurrence only, its share, not done yet.

    ``skipped`` counts invalid lines (all workers see them; worker 0 reports them).
    """

    def __init__(self, path: Path, *, worker: int = 0, workers: int = 1, done: bytearray | None = None) -> None:
        self.path = path
        self.worker = worker
        self.workers = workers
        self.done = done or bytearray()
        self.skipped: list[tuple[int, str]] = []  # (line, reason) of the first few invalid lines
        self.invalid = 0
        self.already = 0  # done in an earlier run

    def __iter__(self) -> Iterator[tuple[int, str]]:
        seen: set[int] = set()  # hashes, not names: a million domains take tens of MB, not hundreds
        for number, text in read_list(self.path):
            try:
                domain = parse_domain(text)
            except InputError as exc:
                self.invalid += 1
                if len(self.skipped) < 5:
                    self.skipped.append((number, exc.message))
                continue
            if share(domain, self.workers) != self.worker:
                continue
            key = hash(domain)
            if key in seen:
                continue
            seen.add(key)
            if is_done(self.done, number):
                self.already += 1
                continue
            yield number, domain
