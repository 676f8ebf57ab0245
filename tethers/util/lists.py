"""Domain lists: one entry a line, blank lines and ``#`` comments skipped, from a file or stdin."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from tethers.errors import InputError


def entries(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line that holds something once its comment is cut."""
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            yield number, text


def read_list(path: str | Path) -> Iterator[tuple[int, str]]:
    """The entries of the list at ``path`` (``-``: standard input), with one-line errors for a bad path."""
    if str(path) == "-":
        yield from entries(sys.stdin)
        return
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file with one domain a line")
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        yield from entries(handle)
