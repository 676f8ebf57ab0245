"""`data update` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path

import pytest

from tests.geo.loopback import Reply, closed_port, serve, small_upstream
from tethers.errors import InputError, OperationalError
from tethers.geo.files import read_provenance, sha256_file, user_generated_dir
from tethers.geo.locate import Locator
from tethers.geo.update import snapshot_from_version, update

NAMES = ["asn.npz", "asn.provenance.json", "geo-whois-asn-country.npz", "geo-whois-asn-country.provenance.json"]


def state(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` (hidden ones too) with its checksum: what "untouched" compares."""
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir())}


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """A target folder holding a previous successful update."""
    target = tmp_path / "generated"
    with serve(small_upstream("2.3.2026100100")) as base:
        update(base, target, min_rows=1)
    return target


def test_update_installs_both_datasets_with_provenance(tmp_path: Path) -> None:
    target = tmp_path / "generated"
    seen: list[tuple[str, int, int | None]] = []
    with serve(small_upstream()) as base:
        records = update(base, target, min_rows=1, progress=lambda *a: seen.append(a))
    assert sorted(p.name for p in target.iterdir()) == NAMES
    asn = read_provenance(target / "asn.provenance.json")
    assert asn.raw == records[0]
    assert asn.snapshot_date == date(2026, 11, 23)
    assert asn.raw["snapshot_basis"] == "package-version"
    assert asn.raw["upstream_version"] == "2.3.2026112300"
    assert asn.raw["upstream_package"] == "@ip-location-db/asn"
    assert asn.raw["fetched_from"] == base
    assert [f["url"] for f in asn.raw["source_files"]] == [f"{base}/asn/asn-ipv4.csv", f"{base}/asn/asn-ipv6.csv"]
    assert asn.raw["rows"] == {"ipv4": 3, "ipv6": 1}
    assert asn.sha256 == sha256_file(target / "asn.npz")
    assert ("asn-ipv4.csv", len(small_upstream()["/asn/asn-ipv4.csv"]), len(small_upstream()["/asn/asn-ipv4.csv"])) in seen  # type: ignore[arg-type]

    locator = Locator([("user", target)])
    loc = locator.locate("9.9.9.9")
    assert (loc.asn, loc.as_name, loc.country) == (19281, "Quad9", "CH")
    assert locator.locate("2606:4700::1").asn == 13335


def test_stale_staging_folders_are_removed_live_ones_kept(installed: Path) -> None:
    stale = installed / ".update-killed"
    stale.mkdir()
    (stale / "asn-ipv4.csv").write_bytes(b"partial")
    os.utime(stale, (time.time() - 2 * 86_400,) * 2)
    recent = installed / ".update-running"
    recent.mkdir()
    with serve(small_upstream()) as base:
        update(base, installed, min_rows=1)
    assert not stale.exists() and recent.is_dir()


def test_default_target_is_the_user_data_dir(user_data_dir: Path) -> None:
    with serve(small_upstream()) as base:
        update(base, min_rows=1)
    assert user_generated_dir() == user_data_dir / "generated"
    assert sorted(p.name for p in (user_data_dir / "generated").iterdir()) == NAMES


def test_snapshot_falls_back_to_last_modified_without_package_json(tmp_path: Path) -> None:
    files = small_upstream()
    del files["/asn/package.json"]
    files["/asn/asn-ipv4.csv"] = Reply(files["/asn/asn-ipv4.csv"], headers={"Last-Modified": "Tue, 03 Nov 2026 10:00:00 GMT"})  # type: ignore[arg-type]
    files["/geo-whois-asn-country/package.json"] = b"<html>not json</html>"
    with serve(files) as base:
        update(base, tmp_path / "g", min_rows=1)
    asn = read_provenance(tmp_path / "g" / "asn.provenance.json")
    assert (asn.snapshot_date, asn.raw["snapshot_basis"], asn.raw["upstream_version"]) == (date(2026, 11, 3), "last-modified", None)
    country = read_provenance(tmp_path / "g" / "geo-whois-asn-country.provenance.json")
    assert country.raw["snapshot_basis"] == "download-time"


@pytest.mark.parametrize(
    ("path", "reply", "message"),
    [
        ("/asn/asn-ipv6.csv", Reply(b"gone", 404), r"^cannot fetch http://127\.0\.0\.1:\d+/asn/asn-ipv6\.csv: HTTP 404"),
        ("/asn/asn-ipv4.csv", Reply(b"oops", 500), r"^cannot fetch .*/asn/asn-ipv4\.csv: HTTP 500"),
        ("/asn/asn-ipv4.csv", Reply(b"<!DOCTYPE html>\n<p>rate limited</p>\n"), r"^http://.*/asn/asn-ipv4\.csv line 1: expected 4 fields"),
        (
            "/geo-whois-asn-country/geo-whois-asn-country-ipv6.csv",
            Reply(b"2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n2001:201::,2001:201::ff,JP\nzzz,2001:202::,JP\n"),
            r"geo-whois-asn-country-ipv6\.csv line 3: not an IPv6 address: 'zzz'$",
        ),
        ("/asn/asn-ipv4.csv", Reply(b"1.0.0.0,1.0.0.255,13335,Cloud", claim_length=5000), r"connection closed after 29 of 5000 bytes"),
    ],
    ids=["404", "500", "html-instead-of-csv", "garbage-on-line-3", "cut-off"],
)
def test_a_failed_update_leaves_the_installed_data_untouched(
    installed: Path, path: str, reply: Reply, message: str
) -> None:
    before = state(installed)
    files = small_upstream("2.3.2026112300")
    files[path] = reply
    with serve(files) as base, pytest.raises(OperationalError, match=message) as caught:
        update(base, installed, min_rows=1)
    assert "\n" not in caught.value.message
    assert state(installed) == before  # same files, same bytes, no staging folder left behind
    assert read_provenance(installed / "asn.provenance.json").raw["upstream_version"] == "2.3.2026100100"


def test_truncated_but_well_formed_files_are_refused_by_the_default_floor(installed: Path) -> None:
    before = state(installed)
    with serve(small_upstream()) as base, pytest.raises(OperationalError, match=r"asn-ipv4\.csv: only 3 rows, expected at least 100000"):
        update(base, installed)
    assert state(installed) == before


def test_unreachable_server_is_a_one_line_operational_error(installed: Path) -> None:
    before = state(installed)
    port = closed_port()
    with pytest.raises(OperationalError, match=rf"^cannot reach 127\.0\.0\.1:{port}: ") as caught:
        update(f"http://127.0.0.1:{port}", installed, timeout=5)
    assert "\n" not in caught.value.message
    assert state(installed) == before


def test_local_directory_source(tmp_path: Path) -> None:
    source = tmp_path / "upstream"
    for path, body in small_upstream().items():
        (source / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (source / path.lstrip("/")).write_bytes(body)  # type: ignore[arg-type]
    update(source, tmp_path / "a", min_rows=1)
    update(str(source), tmp_path / "b", min_rows=1)
    prov = json.loads((tmp_path / "a" / "asn.provenance.json").read_text())
    assert prov["fetched_from"] == "local copy of the upstream files"
    assert [f["url"] for f in prov["source_files"]] == ["", ""]  # no machine paths recorded
    (source / "asn" / "asn-ipv6.csv").write_bytes(b"2001::,nope,1,X\n")
    with pytest.raises(InputError, match=r"asn-ipv6\.csv line 1: not an IPv6 address: 'nope'"):
        update(source, tmp_path / "c", min_rows=1)
    (source / "asn" / "asn-ipv6.csv").unlink()
    with pytest.raises(InputError, match=r"cannot reach .*asn-ipv6\.csv"):
        update(source, tmp_path / "c", min_rows=1)


@pytest.mark.parametrize(
    ("source", "message"),
    [("ftp://mirror.example/ip", "unsupported source URL"), ("/no/such/folder", "does not exist"), (Path("/no/such"), "does not exist")],
)
def test_bad_sources_are_input_errors(tmp_path: Path, source: str | Path, message: str) -> None:
    with pytest.raises(InputError, match=message):
        update(source, tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("version", "expected"),
    [("2.3.2026061719", date(2026, 6, 17)), ("1.0.20250101", date(2025, 1, 1)), ("2.3.2026023119", None), ("2.3.0", None), ("latest", None)],
)
def test_snapshot_from_version(version: str, expected: date | None) -> None:
    assert snapshot_from_version(version) == expected
