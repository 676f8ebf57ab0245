"""The scan command's history thread: batches what is queued, saves it all by close(), hands failures back."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from tethers.cli.scan import _Saver
from tethers.model import ScanResult
from tethers.store import HistoryStore
from tethers.types import Mode
from tests.store.test_history import row_count


def scan(i: int) -> ScanResult:
    return ScanResult(f"d{i}.example", Mode.LIVE, "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:01+00:00", "127.0.0.1:53")


UNENCODABLE = ScanResult(
    "bad.example", Mode.LIVE, "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:01+00:00", "x",
    meta={"k": object()},  # type: ignore[dict-item]
)


class RecordingStore(HistoryStore):
    """A real store that also notes the size of every batch it is given."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.batches: list[int] = []

    def save_many(self, scans: Iterable[ScanResult]) -> list[int]:
        scans = list(scans)
        self.batches.append(len(scans))
        return super().save_many(scans)


def test_queued_scans_are_saved_in_batches_and_all_kept_by_close(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = RecordingStore(path)
    # Hold the write lock while the scans are queued, so they pile up behind
    # the first save as they would behind a slow commit.
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    saver = _Saver(store, limit=1000, batch=100)
    try:
        for i in range(700):
            saver.save(scan(i))
    finally:
        holder.rollback()
        holder.close()
    saver.close()
    assert row_count(path) == 700  # close() returned only after everything was kept
    assert sum(store.batches) == 700
    # At most one batch went out before the lock was released; the rest came
    # in full batches of 100.
    assert max(store.batches) == 100 and len(store.batches) <= 8
    ordered = sorted(store.list_scans(limit=None), key=lambda s: s.id)
    assert [s.domain for s in ordered] == [f"d{i}.example" for i in range(700)]


def test_a_failed_save_is_raised_in_the_scanning_thread(tmp_path):
    path = tmp_path / "h.sqlite3"
    saver = _Saver(HistoryStore(path))
    saver.save(UNENCODABLE)
    deadline = time.monotonic() + 10
    while saver.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(TypeError):
        saver.save(scan(1))
    with pytest.raises(TypeError):
        saver.close()
    assert row_count(path) == 0


def test_after_a_failure_a_full_queue_never_blocks_the_scanner(tmp_path):
    path = tmp_path / "h.sqlite3"
    saver = _Saver(HistoryStore(path), limit=2, batch=2)
    raised: list[BaseException] = []

    def scanner() -> None:
        saver.save(UNENCODABLE)
        try:
            for i in range(10_000):
                saver.save(scan(i))
        except TypeError as exc:
            raised.append(exc)

    thread = threading.Thread(target=scanner, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the scanning thread blocked on the history queue"
    assert len(raised) == 1
    with pytest.raises(TypeError):
        saver.close()


def test_close_with_nothing_queued_saves_nothing(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = RecordingStore(path)
    _Saver(store).close()
    assert store.batches == [] and row_count(path) == 0
