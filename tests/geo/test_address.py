from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tethers.geo.address import parse_many, parse_one, v4_key, v6_key, v6_keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.0", (4, 0)),
        ("255.255.255.255", (4, 0xFFFFFFFF)),
        ("1.1.1.1", (4, 0x01010101)),
        ("::", (6, bytes(16))),
        ("::1", (6, bytes(15) + b"\x01")),
        ("2606:4700:4700::1111", (6, bytes.fromhex("26064700470000000000000000001111"))),
        ("2606:4700:4700:0:0:0:0:1111", (6, bytes.fromhex("26064700470000000000000000001111"))),
        ("2606:4700:4700::1111".upper(), (6, bytes.fromhex("26064700470000000000000000001111"))),
        ("::ffff:1.2.3.4", (6, bytes(10) + b"\xff\xff\x01\x02\x03\x04")),
        ("2c0f:e9a0:2:0:0:0:2a::", (6, bytes.fromhex("2c0fe9a00002000000000000002a0000"))),  # seen upstream
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_parse_one_accepts(text: str, expected: tuple[int, object]) -> None:
    assert parse_one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "1.1.1", "1.1.1.1.1", "01.1.1.1", "1.1.1.256", "0x1.1.1.1", " 1.1.1.1", "1.1.1.1\n",
        "1.1.1.1/32", "::g", "1::2:3:4:5:6:7:8", "fe80::1%eth0", "١.١.١.١", "1.1.1.1\x00", "\ud800", "example.com",
    ],
    ids=repr,
)
def test_parse_one_refuses(text: str) -> None:
    assert parse_one(text) is None
    assert parse_many([text]).v4_pos.tolist() == []
    assert parse_many([text]).v6_pos.tolist() == []


def test_parse_many_fast_path_and_mixed_path_agree() -> None:
    v4_only = parse_many(["1.1.1.1", "8.8.8.8"])
    assert v4_only.count == 2 and v4_only.v4_pos.tolist() == [0, 1]
    assert v4_only.v4_keys.tolist() == [0x01010101, 0x08080808]
    mixed = parse_many(iter(["x", "1.1.1.1", "::1", None, "8.8.8.8"]))
    assert mixed.count == 5
    assert mixed.v4_pos.tolist() == [1, 4]
    assert mixed.v4_keys.tolist() == [0x01010101, 0x08080808]
    assert mixed.v6_pos.tolist() == [2]
    assert mixed.v6_keys.tolist() == [bytes(15) + b"\x01"]


def test_a_single_string_is_a_caller_bug() -> None:
    with pytest.raises(TypeError):
        parse_many("1.1.1.1")


def test_keys_refuse_out_of_range_values() -> None:
    with pytest.raises(ValueError):
        v4_key(1 << 32)
    with pytest.raises(ValueError):
        v6_key(-1)
    assert v6_keys([]).tolist() == []


@given(st.ip_addresses())
def test_every_address_parses_to_its_value(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    for form in {str(addr), addr.exploded}:
        parsed = parse_one(form)
        assert parsed is not None
        version, key = parsed
        assert version == addr.version
        assert (key if version == 4 else int.from_bytes(key, "big")) == int(addr)  # type: ignore[arg-type]


@given(st.text(alphabet="0123456789abcdefABCDEF.:%/ x-", max_size=45))
def test_whatever_parses_is_an_address_to_ipaddress_too(text: str) -> None:
    parsed = parse_one(text)
    if parsed is None:
        return
    version, key = parsed
    addr = ipaddress.ip_address(text)  # raises (fails the test) if we accepted a non-address
    assert addr.version == version
    assert int(addr) == (key if version == 4 else int.from_bytes(key, "big"))  # type: ignore[arg-type]
