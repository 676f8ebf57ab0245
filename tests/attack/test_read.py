from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.attack.read import FileStats, read_file
from tethers.errors import InputError
from tests.attack.conftest import clf, write


def read(path: Path) -> tuple[list, FileStats]:
    stats = FileStats(str(path))
    return list(read_file(path, stats, None)), stats


def test_gzip_is_read_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "access.log"  # no .gz suffix on purpose
    path.write_bytes(gzip.compress((clf("192.0.2.1") * 3).encode()))
    batches, stats = read(path)
    assert sum(len(b) for b in batches) == 3
    assert (stats.format, stats.lines, stats.malformed) == ("combined", 3, 0)


def test_mixed_formats_in_one_file(tmp_path: Path) -> None:
    obj = json.dumps({"remote_addr": "192.0.2.9", "time": "2025-03-10T09:45:02Z"})
    path = write(tmp_path / "mixed.log", clf("192.0.2.1") + obj + "\n" + clf("2001:db8::1") + "\x00\x01junk\n")
    batches, stats = read(path)
    assert sorted(s for b in batches for s in b.src) == ["192.0.2.1", "192.0.2.9", "2001:db8::1"]
    assert stats.malformed == 1 and stats.samples == ["\x00\x01junk"]


def test_malformed_lines_counted_and_few_sampled(tmp_path: Path) -> None:
    path = write(tmp_path / "a.log", clf("192.0.2.1") + "".join(f"bad {i}\n" for i in range(50)))
    batches, stats = read(path)
    assert stats.malformed == 50 and len(stats.samples) == 5 and stats.records == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(12) + b"\x93\x00\x00\x00", "link type 147 is not supported"),
        (b"hello world\nthis is prose\n", "format not recognised"),
        (b"\x1f\x8b\x08\x00broken gzip", "cannot decompress"),
    ],
    ids=["empty", "blank", "binary", "pcap", "prose", "broken-gzip"],
)
def test_unreadable_files_are_skipped_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    batches, stats = read(write(tmp_path / "x", content))
    assert batches == [] and reason in stats.skipped


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nope.log")
    with pytest.raises(InputError, match="is a directory"):
        read(tmp_path)


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    data = gzip.compress((clf("192.0.2.1") * 20000).encode())
    path = write(tmp_path / "cut.gz", data[: len(data) // 2])
    batches, stats = read(path)
    assert 0 < sum(len(b) for b in batches) < 20000
    assert any("cut short" in s for s in stats.samples)


def test_blocks_split_at_line_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tethers.attack.read as read_module

    monkeypatch.setattr(read_module, "BLOCK", 100)  # a line straddles every block boundary
    path = write(tmp_path / "a.log", "".join(clf(f"192.0.2.{i}") for i in range(1, 200)))
    batches, stats = read(path)
    assert sum(len(b) for b in batches) == 199 and stats.malformed == 0


@settings(max_examples=50)
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_skipped_never_raised(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(data)
    stats = FileStats(str(path))
    records = sum(len(b) for b in read_file(path, stats, None))
    assert records == stats.records >= 0


def test_worker_processes_give_the_same_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tethers.attack.read as read_module

    lines = "".join(clf(f"192.0.2.{i % 250}", f"10/Mar/2025:09:{i % 60:02d}:02 +0000") for i in range(3000))
    path = write(tmp_path / "a.log", lines + "junk line\n" + lines)
    monkeypatch.setattr(read_module, "BLOCK", 20_000)
    monkeypatch.setattr(read_module, "WORKERS", 1)
    serial, serial_stats = read(path)
    monkeypatch.setattr(read_module, "WORKERS", 2)
    monkeypatch.setattr(read_module, "PARALLEL_FROM", 0)
    parallel, parallel_stats = read(path)
    flat = lambda batches: [(s, t) for b in batches for s, t in zip(b.src, b.ts.tolist(), strict=True)]  # noqa: E731
    assert flat(parallel) == flat(serial) and len(flat(serial)) == 6000
    assert (parallel_stats.lines, parallel_stats.malformed, parallel_stats.samples) == (6001, 1, ["junk line"])
    assert serial_stats.malformed == 1
