from __future__ import annotations

import bisect
import ipaddress
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.geo.table import _SORT_FROM, MISSING, RangeTable

V4_MAX = (1 << 32) - 1
V6_MAX = (1 << 128) - 1
LOW64 = 1 << 64


def text(value: int, version: int) -> str:
    return str(ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value))


def brute_force(ranges: list[tuple[int, int, int]], value: int) -> int:
    for first, last, v in ranges:
        if first <= value <= last:
            return v
    return MISSING


# ---------------------------------------------------------------- exact boundaries

V4_RANGES = [(0, 0, 7), (10, 20, 0), (21, 21, 1), (30, 40, 2), (V4_MAX - 1, V4_MAX, 3)]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (0, 7), (1, MISSING), (9, MISSING), (10, 0), (15, 0), (20, 0), (21, 1), (22, MISSING),
        (29, MISSING), (30, 2), (40, 2), (41, MISSING), (V4_MAX - 2, MISSING), (V4_MAX - 1, 3), (V4_MAX, 3),
    ],
)
def test_ipv4_boundaries(address: int, expected: int) -> None:
    table = RangeTable.from_ranges(V4_RANGES)
    assert table.lookup(text(address, 4)) == expected
    assert table.lookup_many([text(address, 4)]).tolist() == [expected]


V6_RANGES = [
    (0, 0, 0),  # ::
    (LOW64 - 1, LOW64, 1),  # crosses the /64 boundary: 0:0:0:0:ffff:ffff:ffff:ffff - 0:0:0:1::
    (0x2001_0DB8 << 96, (0x2001_0DB8 << 96) + 0xFF, 2),  # sub-/64, differs only in the last byte
    ((0x2001_0DB8 << 96) + 0x100, (0x2001_0DB8 << 96) + 0x100, 3),  # one address, right after
    ((0x7FFF << 112) | ((1 << 112) - 1), 0x8000 << 112, 4),  # 7fff:ffff:...:ffff - 8000:: (sign bit of a byte)
    (V6_MAX, V6_MAX, 5),  # ffff:...:ffff
]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (0, 0), (1, MISSING), (LOW64 - 2, MISSING), (LOW64 - 1, 1), (LOW64, 1), (LOW64 + 1, MISSING),
        ((0x2001_0DB8 << 96) - 1, MISSING), (0x2001_0DB8 << 96, 2), ((0x2001_0DB8 << 96) + 0xFF, 2),
        ((0x2001_0DB8 << 96) + 0x100, 3), ((0x2001_0DB8 << 96) + 0x101, MISSING),
        ((0x7FFF << 112) | ((1 << 112) - 2), MISSING), ((0x7FFF << 112) | ((1 << 112) - 1), 4),
        (0x8000 << 112, 4), ((0x8000 << 112) + 1, MISSING), (V6_MAX - 1, MISSING), (V6_MAX, 5),
    ],
    ids=lambda v: hex(v) if isinstance(v, int) and v > 99 else str(v),
)
def test_ipv6_boundaries_are_exact_below_64_bits(address: int, expected: int) -> None:
    table = RangeTable.from_ranges(v6=V6_RANGES)
    assert table.lookup(text(address, 6)) == expected
    assert table.lookup_many([text(address, 6)]).tolist() == [expected]


def test_families_do_not_mix() -> None:
    # 1.2.3.4 and ::102:304 have the same integer value; each family has its own ranges.
    table = RangeTable.from_ranges(v4=[(0x01020304, 0x01020304, 1)], v6=[(0x01020304, 0x01020304, 2)])
    assert table.lookup_many(["1.2.3.4", "::102:304", "::1.2.3.4"]).tolist() == [1, 2, 2]


@pytest.mark.parametrize("bad", ["", "garbage", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", "::g", "fe80::1%eth0"])
def test_not_an_address_is_missing(bad: str) -> None:
    table = RangeTable.from_ranges([(0, V4_MAX, 1)], [(0, V6_MAX, 2)])
    assert table.lookup(bad) == MISSING
    assert table.lookup_many(["1.1.1.1", bad, "::1"]).tolist() == [1, MISSING, 2]


def test_non_strings_are_missing_and_ipaddress_objects_work() -> None:
    table = RangeTable.from_ranges([(0, V4_MAX, 1)])
    assert table.lookup_many([None, 16843009, ipaddress.IPv4Address("1.1.1.1")]).tolist() == [MISSING, MISSING, 1]
    assert table.lookup(None) == MISSING


def test_empty_table_and_empty_batch() -> None:
    empty = RangeTable.from_ranges()
    assert empty.lookup("1.1.1.1") == MISSING
    assert empty.lookup_many(["1.1.1.1", "::1"]).tolist() == [MISSING, MISSING]
    assert RangeTable.from_ranges(V4_RANGES).lookup_many([]).tolist() == []


@pytest.mark.parametrize(
    "ranges",
    [
        [(10, 20, 0), (20, 30, 1)],  # overlap by one
        [(30, 40, 0), (10, 20, 1)],  # unsorted
        [(20, 10, 0)],  # backwards
        [(10, 20, -2)],  # negative value
    ],
)
def test_bad_ranges_are_refused(ranges: list[tuple[int, int, int]]) -> None:
    with pytest.raises(ValueError):
        RangeTable.from_ranges(ranges)


def test_large_batches_take_the_sorted_path_and_agree() -> None:
    rng = random.Random(7)
    bounds = sorted(rng.sample(range(1 << 32), 2000))
    ranges = [(bounds[i], bounds[i + 1], i) for i in range(0, len(bounds), 2)]
    table = RangeTable.from_ranges(ranges)
    values = [rng.getrandbits(32) for _ in range(_SORT_FROM + 1000)] + [r[0] for r in ranges]
    starts = [r[0] for r in ranges]

    def reference(v: int) -> int:
        i = bisect.bisect_right(starts, v) - 1
        return ranges[i][2] if i >= 0 and v <= ranges[i][1] else MISSING

    got = table.lookup_many([text(v, 4) for v in values])
    assert got.dtype == np.int32
    assert got.tolist() == [reference(v) for v in values]
    assert (got >= 0).sum() >= len(ranges)  # the starts at least hit: the test has teeth


# ---------------------------------------------------------------- against a brute-force reference


@st.composite
def range_sets(draw: st.DrawFn, version: int) -> list[tuple[int, int, int]]:
    top = V4_MAX if version == 4 else V6_MAX
    edges = [0, 1, top - 1, top] + ([] if version == 4 else [LOW64 - 1, LOW64, LOW64 + 1, 0x8000 << 112])
    point = st.one_of(st.integers(0, top), st.sampled_from(edges))
    points = sorted(draw(st.lists(point, max_size=30, unique=True)))
    ranges: list[tuple[int, int, int]] = []
    i = 0
    while i < len(points):
        value = draw(st.integers(0, 9))
        if i + 1 < len(points) and draw(st.booleans()):
            ranges.append((points[i], points[i + 1], value))
            i += 2
        else:
            ranges.append((points[i], points[i], value))  # a single address
            i += 1
    return ranges


def _queries(ranges: list[tuple[int, int, int]], top: int, extra: list[int]) -> list[int]:
    near = {max(0, min(top, p + d)) for first, last, _ in ranges for p in (first, last) for d in (-1, 0, 1)}
    return sorted(near | set(extra))


@settings(deadline=None)
@given(range_sets(4), st.lists(st.integers(0, V4_MAX), max_size=20))
def test_ipv4_matches_brute_force(ranges: list[tuple[int, int, int]], extra: list[int]) -> None:
    table = RangeTable.from_ranges(ranges)
    queries = _queries(ranges, V4_MAX, extra)
    expected = [brute_force(ranges, q) for q in queries]
    assert table.lookup_many([text(q, 4) for q in queries]).tolist() == expected
    assert [table.lookup(text(q, 4)) for q in queries] == expected


@settings(deadline=None)
@given(range_sets(6), st.lists(st.integers(0, V6_MAX), max_size=20))
def test_ipv6_matches_brute_force(ranges: list[tuple[int, int, int]], extra: list[int]) -> None:
    table = RangeTable.from_ranges(v6=ranges)
    queries = _queries(ranges, V6_MAX, extra)
    expected = [brute_force(ranges, q) for q in queries]
    assert table.lookup_many([text(q, 6) for q in queries]).tolist() == expected
    assert [table.lookup(text(q, 6)) for q in queries] == expected


@settings(deadline=None)
@given(range_sets(4), range_sets(6), st.lists(st.tuples(st.sampled_from([4, 6, 0]), st.integers(0, V6_MAX))))
def test_mixed_batches_keep_input_order(
    v4: list[tuple[int, int, int]], v6: list[tuple[int, int, int]], picks: list[tuple[int, int]]
) -> None:
    table = RangeTable.from_ranges(v4, v6)
    items: list[str] = []
    expected: list[int] = []
    for version, raw in picks:
        if version == 4:
            items.append(text(raw & V4_MAX, 4))
            expected.append(brute_force(v4, raw & V4_MAX))
        elif version == 6:
            items.append(text(raw, 6))
            expected.append(brute_force(v6, raw))
        else:
            items.append(f"not-an-address-{raw}")
            expected.append(MISSING)
    assert table.lookup_many(items).tolist() == expected
