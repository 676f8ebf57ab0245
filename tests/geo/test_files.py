from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import numpy as np
import pytest

from tethers.geo.files import (
    DatasetArrays,
    DatasetFileError,
    atomic_write,
    packaged_dir,
    read_dataset,
    read_provenance,
    user_generated_dir,
    write_dataset,
    write_provenance,
)
from tethers.geo.table import RangeTable


def test_user_dir_follows_the_environment(user_data_dir: Path) -> None:
    assert user_generated_dir() == user_data_dir / "generated"


def test_packaged_dir_holds_the_shipped_datasets() -> None:
    names = sorted(p.name for p in packaged_dir().iterdir())
    assert names == [
        "asn.npz", "asn.provenance.json", "geo-whois-asn-country.npz", "geo-whois-asn-country.provenance.json"
    ]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]  # no temporary left behind
    with atomic_write(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o644


def test_asn_dataset_round_trips_names_including_empty_and_non_ascii(tmp_path: Path) -> None:
    table = RangeTable.from_ranges([(1, 2, 0), (5, 9, 2)], [(1 << 100, (1 << 100) + 5, 1)])
    names = ("Cloudflare, Inc.", None, "Société Générale")
    write_dataset(tmp_path / "a.npz", DatasetArrays(table, asn=np.array([13335, 0, 4294967294], dtype=np.uint32), names=names))
    back = read_dataset(tmp_path / "a.npz")
    assert back.names == names
    assert back.asn is not None and back.asn.tolist() == [13335, 0, 4294967294]
    assert back.table.lookup_many(["0.0.0.2", "0.0.0.7", str(ipaddress.IPv6Address(1 << 100))]).tolist() == [0, 2, 1]


def test_country_dataset_round_trips(tmp_path: Path) -> None:
    table = RangeTable.from_ranges([(1, 2, 1)])
    write_dataset(tmp_path / "c.npz", DatasetArrays(table, countries=("AU", "US")))
    back = read_dataset(tmp_path / "c.npz")
    assert back.countries == ("AU", "US")
    assert back.asn is None


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip at all", b"PK\x03\x04truncated"],
    ids=["empty", "text", "truncated-zip"],
)
def test_damaged_dataset_files_raise_dataset_file_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(DatasetFileError):
        read_dataset(path)


def test_dataset_whose_ranges_point_past_its_values_is_refused(tmp_path: Path) -> None:
    table = RangeTable.from_ranges([(1, 2, 5)])
    write_dataset(tmp_path / "c.npz", DatasetArrays(table, countries=("AU",)))
    with pytest.raises(DatasetFileError, match="values the file does not define"):
        read_dataset(tmp_path / "c.npz")


def test_provenance_round_trip_and_refusals(tmp_path: Path) -> None:
    good = {"format": 1, "dataset": "asn", "snapshot_date": "2026-06-17", "built_at": "2026-11-23T00:00:00Z", "sha256": "ab"}
    write_provenance(tmp_path / "p.json", good)
    prov = read_provenance(tmp_path / "p.json")
    assert prov.dataset == "asn" and prov.snapshot_date.isoformat() == "2026-06-17" and prov.raw == good
    for bad in ({**good, "format": 2}, {**good, "snapshot_date": "June"}, {k: v for k, v in good.items() if k != "sha256"}, [1]):
        (tmp_path / "p.json").write_text(json.dumps(bad))
        with pytest.raises(DatasetFileError):
            read_provenance(tmp_path / "p.json")
    (tmp_path / "p.json").write_text("{")
    with pytest.raises(DatasetFileError):
        read_provenance(tmp_path / "p.json")
