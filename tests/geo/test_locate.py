"""The locator over the real shipped datasets, and how it picks between copies."""

from __future__ import annotations

import ipaddress
import shutil
from datetime import date
from pathlib import Path

import pytest

from tethers.errors import InputError, OperationalError
from tethers.geo.build import Snapshot, SourceFile, build_dataset
from tethers.geo.datasets import ASN, COUNTRY
from tethers.geo.files import packaged_dir
from tethers.geo.locate import Locator, default_locator, load_newest
from tethers.model import Location

PACKAGED = [("packaged", packaged_dir())]


@pytest.fixture(scope="module")
def shipped() -> Locator:
    locator = Locator(PACKAGED)
    locator.datasets()
    return locator


@pytest.mark.parametrize(
    ("ip", "asn", "name_part"),
    [
        ("1.1.1.1", 13335, "Cloudflare"),
        ("1.0.0.1", 13335, "Cloudflare"),
        ("8.8.8.8", 15169, "Google"),
        ("9.9.9.9", 19281, "Quad9"),
        ("2606:4700:4700::1111", 13335, "Cloudflare"),
        ("2001:4860:4860::8888", 15169, "Google"),
    ],
)
def test_well_known_resolvers(shipped: Locator, ip: str, asn: int, name_part: str) -> None:
    loc = shipped.locate(ip)
    assert loc.ip == ip
    assert loc.asn == asn
    assert loc.as_name is not None and name_part in loc.as_name
    assert loc.country is not None and len(loc.country) == 2 and loc.country.isupper()


def test_countries_of_well_known_addresses(shipped: Locator) -> None:
    assert shipped.locate("8.8.8.8").country == "US"
    # A geofeed entry nested inside a whois block in the source data: the narrower range wins.
    assert shipped.locate("2.58.197.15").country == "BE"
    assert shipped.locate("2.58.197.14").country == "DE"


@pytest.mark.parametrize(
    "ip",
    ["10.0.0.1", "192.168.1.1", "172.16.5.4", "127.0.0.1", "100.64.0.1", "169.254.169.254", "0.0.0.0",
     "192.0.2.10", "224.0.0.251", "255.255.255.255", "::", "::1", "fe80::1", "fd00::1", "ff02::fb", "2001:db8::1",
     "::ffff:10.0.0.1"],
)
def test_private_and_reserved_addresses_are_not_looked_up(shipped: Locator, ip: str) -> None:
    assert shipped.locate(ip) == Location(ip, None, None, None)


@pytest.mark.parametrize("bad", ["", "garbage", "1.1.1", "1.1.1.1.1", "01.1.1.1", " 8.8.8.8", "8.8.8.8/32",
                                 "fe80::1%eth0", "\x00", "example.com"])
def test_malformed_input_gives_nones_not_an_exception(shipped: Locator, bad: str) -> None:
    assert shipped.locate(bad) == Location(bad, None, None, None)


def test_non_string_input(shipped: Locator) -> None:
    assert shipped.locate(None) == Location("None", None, None, None)
    assert shipped.locate(ipaddress.ip_address("8.8.8.8")).asn == 15169


def test_ipv4_mapped_ipv6_is_judged_as_ipv4(shipped: Locator) -> None:
    mapped = shipped.locate("::ffff:8.8.8.8")
    plain = shipped.locate("8.8.8.8")
    assert (mapped.ip, mapped.asn, mapped.as_name, mapped.country) == ("::ffff:8.8.8.8", plain.asn, plain.as_name, plain.country)


def test_locate_many_keeps_order_and_agrees_with_locate(shipped: Locator) -> None:
    ips = ["8.8.8.8", "nonsense", "2606:4700:4700::1111", "10.0.0.1", "::ffff:1.1.1.1", "1.1.1.1", "::1"]
    many = shipped.locate_many(ips)
    assert many == [shipped.locate(ip) for ip in ips]
    assert [loc.asn for loc in many] == [15169, None, 13335, None, 13335, 13335, None]
    assert shipped.locate_many([]) == []


def test_default_locator_is_shared_and_uses_packaged_data() -> None:
    assert default_locator() is default_locator()
    asn, country = default_locator().datasets()
    assert (asn.origin, country.origin) == ("packaged", "packaged")
    assert asn.provenance.snapshot_date == date(2026, 6, 17)


# ---------------------------------------------------------------- choosing between copies


def small_asn_copy(tmp_path: Path, folder: Path, when: date, asn: int = 64500) -> None:
    v4 = tmp_path / "asn-ipv4.csv"
    v6 = tmp_path / "asn-ipv6.csv"
    v4.write_text(f"8.8.8.0,8.8.8.255,{asn},Test Net\n")
    v6.write_text(f"2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,{asn},Test Net\n")
    folder.mkdir(parents=True, exist_ok=True)
    build_dataset(
        ASN, [SourceFile(4, v4, "v4", ""), SourceFile(6, v6, "v6", "")], Snapshot(when, "download-time"),
        folder, error=InputError, min_rows=1,
    )


def test_a_newer_user_copy_wins(tmp_path: Path, user_data_dir: Path) -> None:
    small_asn_copy(tmp_path, user_data_dir / "generated", date(2027, 1, 1))
    locator = Locator()
    asn, country = locator.datasets()
    assert (asn.origin, country.origin) == ("user", "packaged")
    assert locator.locate("8.8.8.8").asn == 64500
    assert locator.locate("1.1.1.1").asn is None  # only what the user copy holds
    assert locator.locate("8.8.8.8").country == "US"  # country still from the packaged copy


def test_an_older_user_copy_loses(tmp_path: Path, user_data_dir: Path) -> None:
    small_asn_copy(tmp_path, user_data_dir / "generated", date(2020, 1, 1))
    assert Locator().locate("8.8.8.8").asn == 15169


def test_a_damaged_newer_copy_is_skipped(tmp_path: Path, user_data_dir: Path) -> None:
    folder = user_data_dir / "generated"
    small_asn_copy(tmp_path, folder, date(2027, 1, 1))
    (folder / "asn.npz").write_bytes(b"damaged")
    loaded = load_newest(ASN, [("user", folder), *PACKAGED])
    assert loaded.origin == "packaged"
    assert any("checksum" in reason for reason in loaded.skipped)


def test_no_usable_copy_is_an_operational_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OperationalError, match="no usable geo-whois-asn-country dataset"):
        load_newest(COUNTRY, [("user", empty)])
    broken = tmp_path / "broken"
    shutil.copytree(packaged_dir(), broken)
    (broken / "asn.provenance.json").write_text("{not json")
    with pytest.raises(OperationalError, match=r"no usable asn dataset .*asn.provenance.json"):
        Locator([("user", broken)]).locate("8.8.8.8")
