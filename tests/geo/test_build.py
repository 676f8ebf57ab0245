from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.errors import InputError, OperationalError
from tethers.geo.build import Snapshot, SourceFile, _Values, build_dataset, flatten, read_ranges
from tethers.geo.datasets import ASN, COUNTRY
from tethers.geo.files import read_dataset, read_provenance, sha256_file

SNAPSHOT = Snapshot(date(2026, 6, 17), "package-version", "2.3.2026061719", "@ip-location-db/asn")


def csv_file(tmp_path: Path, name: str, body: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(body)
    return path


def read(tmp_path: Path, body: bytes, *, spec=ASN, version: int = 4) -> list[tuple[int, int, int]]:  # noqa: ANN001
    path = csv_file(tmp_path, "x.csv", body)
    return read_ranges(spec, SourceFile(version, path, "x.csv", ""), _Values(), InputError)


def test_reads_quoted_names_and_interns_values(tmp_path: Path) -> None:
    values = _Values()
    path = csv_file(
        tmp_path,
        "a.csv",
        b'1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n\n8.8.8.0,8.8.8.255,15169,Google LLC\n'
        b'1.1.1.0,1.1.1.255,13335,"Cloudflare, Inc."\n2.0.0.0,2.0.0.0,64512,\n',
    )
    rows = read_ranges(ASN, SourceFile(4, path, "a.csv", ""), values, InputError)
    assert rows == [(0x01000000, 0x010000FF, 0), (0x08080800, 0x080808FF, 1), (0x01010100, 0x010101FF, 0),
                    (0x02000000, 0x02000000, 2)]
    assert list(values.index) == [(13335, "Cloudflare, Inc."), (15169, "Google LLC"), (64512, None)]


@pytest.mark.parametrize(
    ("body", "spec", "version", "message"),
    [
        (b"1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.1.255\n", COUNTRY, 4, "x.csv line 2: expected 3 fields, found 2"),
        (b"1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.1.256,AU\n", COUNTRY, 4, "x.csv line 2: not an IPv4 address: '1.0.1.256'"),
        (b"::1,::2,AU\n", COUNTRY, 4, "x.csv line 1: not an IPv4 address: '::1'"),
        (b"1.0.0.0,1.0.0.255,AU\n", COUNTRY, 6, "x.csv line 1: not an IPv6 address: '1.0.0.0'"),
        (b"1.0.1.0,1.0.0.255,AU\n", COUNTRY, 4, "x.csv line 1: range ends before it starts"),
        (b"1.0.0.0,1.0.0.255,au\n", COUNTRY, 4, "x.csv line 1: bad country code 'au'"),
        (b"1.0.0.0,1.0.0.255,USA\n", COUNTRY, 4, "x.csv line 1: bad country code 'USA'"),
        (b"1.0.0.0,1.0.0.255,-5,X\n", ASN, 4, "x.csv line 1: bad AS number '-5'"),
        (b"1.0.0.0,1.0.0.255,4294967296,X\n", ASN, 4, "x.csv line 1: bad AS number '4294967296'"),
        (b"1.0.0.0,1.0.0.255,1,A\n1.0.1.0,1.0.1.255,2,\xff\xfe\n", ASN, 4, "x.csv line 2: not UTF-8 text"),
        (b"<!DOCTYPE html>\n<html><body>Not here</body></html>\n", ASN, 4, "x.csv line 1: expected 4 fields, found 1"),
        (b'1.0.0.0,1.0.0.255,1,"unterminated\n', ASN, 4, "x.csv line 1: unexpected end of data"),
    ],
    ids=["short-row", "bad-v4", "v6-in-v4-file", "v4-in-v6-file", "backwards", "lower-cc", "long-cc",
         "negative-asn", "huge-asn", "not-utf8", "html", "unterminated-quote"],
)
def test_bad_rows_name_file_and_line(body: bytes, spec, version: int, message: str, tmp_path: Path) -> None:  # noqa: ANN001
    with pytest.raises(InputError) as caught:
        read(tmp_path, body, spec=spec, version=version)
    assert caught.value.message.startswith(message)
    assert "\n" not in caught.value.message


def test_unreadable_file_is_an_error_of_the_given_class(tmp_path: Path) -> None:
    source = SourceFile(4, tmp_path / "missing.csv", "http://mirror.example/asn-ipv4.csv", "")
    with pytest.raises(OperationalError, match=r"^http://mirror.example/asn-ipv4.csv: cannot read"):
        read_ranges(ASN, source, _Values(), OperationalError)


# ---------------------------------------------------------------- flattening overlaps


def test_nested_geofeed_range_wins_inside_its_whois_block() -> None:
    # From the 2026-06 country data: 2.58.196.0-2.58.197.255 DE holds 2.58.197.15 BE.
    de, be = 0, 1
    block = (0x023AC400, 0x023AC5FF, de)
    inner = (0x023AC50F, 0x023AC50F, be)
    flat, overlapping = flatten([block, inner])
    assert overlapping == 1
    assert flat == [(0x023AC400, 0x023AC50E, de), (0x023AC50F, 0x023AC50F, be), (0x023AC510, 0x023AC5FF, de)]


def test_identical_ranges_later_row_wins_and_partial_overlap_narrower_wins() -> None:
    assert flatten([(10, 20, 1), (10, 20, 2)])[0] == [(10, 20, 2)]
    assert flatten([(0, 100, 1), (90, 110, 2)])[0] == [(0, 89, 1), (90, 110, 2)]


def test_clean_input_is_sorted_and_adjacent_equal_values_merge() -> None:
    assert flatten([(30, 40, 1), (0, 9, 1), (10, 19, 1), (20, 29, 2)]) == ([(0, 19, 1), (20, 29, 2), (30, 40, 1)], 0)


@st.composite
def overlapping_rows(draw: st.DrawFn) -> list[tuple[int, int, int]]:
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        first = draw(st.integers(0, 63))
        last = draw(st.integers(first, 63))
        rows.append((first, last, draw(st.integers(0, 3))))
    return rows


@settings(deadline=None)
@given(overlapping_rows())
def test_flatten_matches_narrowest_wins_point_by_point(rows: list[tuple[int, int, int]]) -> None:
    flat, _ = flatten(rows)
    for a, b in zip(flat, flat[1:], strict=False):
        assert a[1] < b[0], "ranges must be sorted and disjoint"
        assert not (a[1] + 1 == b[0] and a[2] == b[2]), "adjacent equal values must merge"
    for point in range(64):
        covering = [(last - first, -row, value) for row, (first, last, value) in enumerate(rows) if first <= point <= last]
        expected = min(covering)[2] if covering else None
        got = [v for first, last, v in flat if first <= point <= last]
        assert got == ([] if expected is None else [expected])


# ---------------------------------------------------------------- whole datasets


def test_build_dataset_writes_data_and_matching_provenance(tmp_path: Path) -> None:
    v4 = csv_file(tmp_path, "asn-ipv4.csv", b'1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n1.0.0.7,1.0.0.7,64500,Tiny\n')
    v6 = csv_file(tmp_path, "asn-ipv6.csv", b"2606:4700::,2606:4700:ffff:ffff:ffff:ffff:ffff:ffff,13335,\"Cloudflare, Inc.\"\n")
    out = tmp_path / "out"
    out.mkdir()
    sources = [SourceFile(4, v4, "asn-ipv4.csv", "http://m.example/asn/asn-ipv4.csv"), SourceFile(6, v6, "asn-ipv6.csv", "")]
    record = build_dataset(ASN, sources, SNAPSHOT, out, error=InputError, min_rows=1, fetched_from="http://m.example")
    prov = read_provenance(out / "asn.provenance.json")
    assert prov.raw == record == json.loads((out / "asn.provenance.json").read_text())
    assert prov.sha256 == sha256_file(out / "asn.npz")
    assert record["snapshot_date"] == "2026-06-17" and record["upstream_version"] == "2.3.2026061719"
    assert record["licence"] == "CC-BY-4.0" and "DB-IP" in record["attribution"]
    assert record["rows"] == {"ipv4": 3, "ipv6": 1}  # the nested /32 splits its block in three
    assert record["overlapping_source_rows"] == {"ipv4": 1, "ipv6": 0}
    assert [f["rows"] for f in record["source_files"]] == [2, 1]
    assert record["source_files"][0]["url"] == "http://m.example/asn/asn-ipv4.csv"
    data = read_dataset(out / "asn.npz")
    assert data.table.lookup_many(["1.0.0.6", "1.0.0.7", "1.0.0.8", "2606:4700::1"]).tolist() == [0, 1, 0, 0]
    assert data.names == ("Cloudflare, Inc.", "Tiny")
    assert data.asn is not None and data.asn.tolist() == [13335, 64500]


def test_build_dataset_refuses_too_few_rows_and_writes_nothing(tmp_path: Path) -> None:
    v4 = csv_file(tmp_path, "g4.csv", b"1.0.0.0,1.0.0.255,AU\n")
    v6 = csv_file(tmp_path, "g6.csv", b"2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n")
    out = tmp_path / "out"
    out.mkdir()
    sources = [SourceFile(4, v4, "g4.csv", ""), SourceFile(6, v6, "g6.csv", "")]
    with pytest.raises(OperationalError, match=r"^g4.csv: only 1 rows, expected at least 100000"):
        build_dataset(COUNTRY, sources, SNAPSHOT, out, error=OperationalError)
    assert list(out.iterdir()) == []
    with pytest.raises(OperationalError, match=r"^g4.csv: only 1 rows, expected at least 2"):
        build_dataset(COUNTRY, sources, SNAPSHOT, out, error=OperationalError, min_rows=2)
