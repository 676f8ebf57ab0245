from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tethers.attack.timeparse import BAD, parse_instant, parse_time, parse_times

T = 1741599902  # 2025-03-10T09:45:02Z


@pytest.mark.parametrize(
    ("text", "expected", "zoned"),
    [
        ("10/Mar/2025:09:45:02 +0000", T, True),
        ("10/Mar/2025:11:45:02 +0200", T, True),
        ("[10/Mar/2025:04:45:02 -0500]", T, True),
        ("2025-03-10T09:45:02Z", T, True),
        ("2025-03-10T09:45:02.123456+00:00", T, True),
        ("2025-03-10 10:45:02+0100", T, True),
        ("2025-03-10T09:45:02", T, False),
        ("1741599902", T, True),
        ("1741599902123", T, True),
        ("1741599902.5", T, True),
    ],
    ids=["clf-utc", "clf-plus2", "clf-bracketed-minus5", "iso-z", "iso-fraction", "iso-space-offset", "iso-no-zone",
         "epoch-s", "epoch-ms", "epoch-fraction"],
)
def test_formats(text: str, expected: int, zoned: bool) -> None:
    assert parse_time(text) == (expected, zoned)


@pytest.mark.parametrize("text", ["", "junk", "31/Feb/2025:00:00:00 +0000", "10/Foo/2025:09:45:02 +0000",
                                  "2025-13-01T00:00:00Z", "10/Mar/2025:09:45:02 +9900", "12345"])
def test_rejects(text: str) -> None:
    assert parse_time(text) is None


def test_batch_counts_zoneless_and_marks_bad() -> None:
    values, zoneless = parse_times(["2025-03-10T09:45:02", "2025-03-10T09:45:02", "nope", "1741599902"])
    assert values.tolist() == [T, T, BAD, T]
    assert zoneless == 2


def test_instant_raises_value_error() -> None:
    with pytest.raises(ValueError):
        parse_instant("yesterday")


@given(st.text(max_size=40))
def test_never_raises(text: str) -> None:
    parse_time(text)
