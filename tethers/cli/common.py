"""Helpers shared by the subcommands: output files, consoles, domain lists, the history store."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.console import Console

from tethers.errors import InputError
from tethers.util.lists import read_list
from tethers.util.names import parse_domain

FORMATS = ("terminal", "json", "jsonl", "md", "html")


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def stdout_console(file: TextIO | None = None) -> Console:
    stream = file or sys.stdout
    # A terminal sets its own width; a pipe or file gets room for the wide tables.
    return Console(file=stream, highlight=False, soft_wrap=False, width=None if is_tty(stream) else 120)


def domains_from(args_domains: list[str], input_path: str | None, warn: Console) -> Iterator[str]:
    """Validated domains: positional ones strictly (bad → InputError), list files leniently (bad → warning)."""
    seen: set[str] = set()
    for text in args_domains:
        name = parse_domain(text)
        if name not in seen:
            seen.add(name)
            yield name
    if input_path:
        skipped = 0
        for number, text in read_list(input_path):
            try:
                name = parse_domain(text)
            except InputError as exc:
                skipped += 1
                if skipped <= 5:
                    warn.print(f"tethers: skipping {input_path}:{number}: {exc.message}", markup=False)
                continue
            if name not in seen:
                seen.add(name)
                yield name
        if skipped > 5:
            warn.print(f"tethers: skipped {skipped} invalid lines in {input_path} in all", markup=False)


@contextmanager
def report_output(path: str | None, fmt: str, what: str = "report") -> Iterator[TextIO]:
    """The stream a report goes to (stdout or ``path``); closes the file and says where it went."""
    out = open_output(path)
    to_file = out is not sys.stdout
    try:
        yield out
    finally:
        if to_file:
            out.close()
    if to_file:
        stderr_console().print(f"tethers: wrote {fmt} {what} to {path}", markup=False)


def open_output(path: str | None) -> TextIO:
    if not path or path == "-":
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None


def open_store(db: str | None):  # type: ignore[no-untyped-def]
    """The history store at ``--db`` or the default path; the store creates its folder itself."""
    from tethers.store import HistoryStore, default_path

    return HistoryStore(Path(db) if db else default_path())


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False
