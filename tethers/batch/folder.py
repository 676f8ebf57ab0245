"""A results folder: resumable batch output, committed one chunk at a time.

    results/
      manifest.json                  what the batch scans (input, its checksum, format), and its runs
      parts/part-r001-w00-000007.jsonl   (or .parquet) a chunk of scans, one per domain
      parts/part-r001-w00-000007.idx     the input positions of those scans, one per line

A chunk is committed by renaming its data file into place, after its index was
renamed into place: so a data file never exists without its index, and a scan
counts as done exactly when the data file holding it exists. An index whose
data file is missing (a crash between the two renames) is an orphan and is
removed on resume. Interrupted at any moment, a batch resumes with every
committed scan kept and every other one scanned again: nothing lost, nothing
twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tethers.errors import InputError, OperationalError

SCHEMA = "tethers/batch@1"
FORMATS = ("jsonl", "parquet")
_PART = re.compile(r"^part-r(\d{3,})-w(\d{2,})-(\d{6,})\.(jsonl|parquet)$")


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks (a million-line list is a few tens of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes | Callable[[Path], None]) -> None:
    """Write ``path`` so that it appears whole or not at all (write, fsync, rename).

    ``data`` is the bytes, or a function that writes the file it is given.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    if callable(data):
        data(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
    else:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ResultsFolder:
    """One batch's results folder: its manifest, committed chunks and done-index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts = path / "parts"
        self.manifest_path = path / "manifest.json"

    # -- one run at a time ---------------------------------------------------------------

    @contextmanager
    def locked(self, wait: float = 30.0) -> Iterator[None]:
        """Hold the folder's lock for a run; forked workers inherit it, so it lasts until the last one exits.

        A resume right after a kill waits here (up to ``wait`` seconds) for
        orphaned workers to commit and go, rather than scanning beside them.
        """
        try:
            import fcntl
        except ImportError:  # no flock (Windows): one run at a time is then the user's care
            yield
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = (self.path / ".lock").open("a")
        except OSError as exc:
            raise InputError(f"{self.path}: cannot create the results folder: {exc.strerror}") from None
        with handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise OperationalError(f"{self.path}: another tethers run is writing to this folder") from None
                    time.sleep(0.1)
            yield

    # -- the manifest ------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{self.path}: not a tethers results folder (no manifest.json)") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{self.manifest_path}: unreadable manifest: {exc}") from None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise InputError(f"{self.manifest_path}: not a {SCHEMA} manifest")
        return data

    def create(self, *, input_path: str, digest: str, fmt: str, options: dict[str, Any]) -> dict[str, Any]:
        """Start a new batch here; refuses a folder that already holds results."""
        if self.manifest_path.exists() or (self.parts.exists() and any(self.parts.iterdir())):
            raise InputError(f"{self.path}: already holds a batch", hint="add --resume to continue it, or choose another folder")
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot create the results folder: {exc.strerror}") from None
        manifest = {
            "schema": SCHEMA, "input": input_path, "input_sha256": digest, "format": fmt,
            "created": _now(), "runs": 0, "options": options,
        }
        return self._save(manifest)

    def resume(self, *, input_path: str, digest: str, fmt: str, depth: str = "full", ask_all: bool = False) -> dict[str, Any]:
        """Continue the batch here: same input (by checksum), format and query plan, or an InputError saying why not."""
        manifest = self.manifest()
        options = manifest.get("options") or {}
        # One folder, one query plan: a portfolio report over scans that asked different names would mislead.
        was = (options.get("depth", "full"), bool(options.get("ask_all", False)))
        if was != (depth, ask_all):
            flags = f"--depth {was[0]}" + (" --ask-all" if was[1] else "")
            raise InputError(f"{self.path}: this batch was scanned with {flags}",
                             hint=f"resume with {flags}, or start a new folder")
        if manifest.get("input_sha256") != digest:
            raise InputError(f"{self.path}: the input {input_path} differs from the one this batch started with "
                             f"({manifest.get('input')})", hint="resume with the same list, or start a new folder")
        if manifest.get("format") != fmt:
            raise InputError(f"{self.path}: this batch writes {manifest.get('format')}, not {fmt}",
                             hint=f"resume with --format {manifest.get('format')}")
        self.parts.mkdir(exist_ok=True)
        self.clean()
        return manifest

    def start_run(self, manifest: dict[str, Any]) -> int:
        """Count a new run (each run names its chunks after its number, so none collide)."""
        manifest["runs"] = int(manifest.get("runs", 0)) + 1
        manifest["resumed"] = _now() if manifest["runs"] > 1 else None
        self._save(manifest)
        return int(manifest["runs"])

    def _save(self, manifest: dict[str, Any]) -> dict[str, Any]:
        _write_atomic(self.manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
        return manifest

    # -- chunks ------------------------------------------------------------------------

    def data_files(self, fmt: str | None = None) -> list[Path]:
        """Committed data files, in name order."""
        if not self.parts.is_dir():
            return []
        out = []
        for path in self.parts.iterdir():
            m = _PART.match(path.name)
            if m and (fmt is None or m.group(4) == fmt):
                out.append(path)
        return sorted(out)

    def clean(self) -> None:
        """Remove what an interrupted commit left: temporary files and indexes without data."""
        committed = {p.with_suffix("").name for p in self.data_files()}
        for path in self.parts.iterdir():
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)
            elif path.suffix == ".idx" and path.with_suffix("").name not in committed:
                path.unlink(missing_ok=True)

    def commit(self, name: str, fmt: str, data: bytes | Callable[[Path], None], positions: Iterable[int]) -> Path:
        """Commit one chunk: its index first, then its data (the rename of the data is the commit)."""
        index = "".join(f"{p}\n" for p in positions).encode()
        _write_atomic(self.parts / f"{name}.idx", index)
        target = self.parts / f"{name}.{fmt}"
        _write_atomic(target, data)
        _fsync_dir(self.parts)
        return target

    def done_positions(self) -> Iterator[int]:
        """Input positions of every committed scan."""
        for data in self.data_files():
            index = data.with_suffix(".idx")
            try:
                text = index.read_text(encoding="ascii")
            except OSError as exc:
                raise InputError(f"{index}: unreadable done-index: {exc}") from None
            for line in text.split():
                yield int(line)

    def done_bitmap(self) -> bytearray:
        """A bitmap of done positions: one bit per input line, so a million domains take 125 kB."""
        bitmap = bytearray()
        for position in self.done_positions():
            byte = position >> 3
            if byte >= len(bitmap):
                bitmap.extend(bytes(byte - len(bitmap) + 1 + 1024))
            bitmap[byte] |= 1 << (position & 7)
        return bitmap


def is_done(bitmap: bytearray, position: int) -> bool:
    byte = position >> 3
    return byte < len(bitmap) and bool(bitmap[byte] & (1 << (position & 7)))


def part_name(run: int, worker: int, seq: int) -> str:
    return f"part-r{run:03d}-w{worker:02d}-{seq:06d}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
