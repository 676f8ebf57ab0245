"""A range table: sorted, non-overlapping inclusive address ranges, each with a value index.

One table holds an IPv4 part and an IPv6 part. A lookup finds the last range
starting at or before the address (``searchsorted``) and checks the address is
not past that range's end, so gaps between ranges answer "missing" (-1) without
storing them. Values are small non-negative integers; what they mean (an AS, a
country) is the caller's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tethers.geo.address import V4_DTYPE, V6_DTYPE, ParsedAddresses, parse_many, parse_one, v4_key, v6_keys

MISSING = -1
VALUE_DTYPE = np.dtype(np.int32)
_SORT_FROM = 1 << 15  # batches at least this large are looked up in sorted order


@dataclass(frozen=True, slots=True, eq=False)
class _Part:
    """The ranges of one address family."""

    starts: npt.NDArray[np.generic]
    ends: npt.NDArray[np.generic]
    values: npt.NDArray[np.int32]

    def check(self, family: str) -> None:
        n = len(self.starts)
        if len(self.ends) != n or len(self.values) != n:
            raise ValueError(f"IPv{family} ranges: starts, ends and values differ in length")
        if n == 0:
            return
        if bool((self.ends < self.starts).any()):
            raise ValueError(f"IPv{family} ranges: a range ends before it starts")
        if bool((self.starts[1:] <= self.ends[:-1]).any()):
            raise ValueError(f"IPv{family} ranges: ranges overlap or are not sorted")
        if bool((self.values < 0).any()):
            raise ValueError(f"IPv{family} ranges: values must be non-negative")

    def find(self, keys: npt.NDArray[np.generic]) -> npt.NDArray[np.int32]:
        if len(self.starts) == 0 or len(keys) == 0:
            return np.full(len(keys), MISSING, dtype=VALUE_DTYPE)
        if len(keys) < _SORT_FROM:
            return self._find(keys)
        # Searching in key order walks the table once instead of jumping around it
        # at random: for a million addresses the sort pays for itself three times over.
        order = np.argsort(keys)
        out = np.empty(len(keys), dtype=VALUE_DTYPE)
        out[order] = self._find(keys[order])
        return out

    def _find(self, keys: npt.NDArray[np.generic]) -> npt.NDArray[np.int32]:
        idx = np.searchsorted(self.starts, keys, side="right") - 1
        np.maximum(idx, 0, out=idx)  # idx -1 (before the first range) fails the start test below
        hit = (keys <= self.ends[idx]) & (keys >= self.starts[idx])
        return np.where(hit, self.values[idx], MISSING).astype(VALUE_DTYPE, copy=False)


class RangeTable:
    """Address → value index over sorted, non-overlapping inclusive ranges.

    IPv4 bounds are ``uint32``; IPv6 bounds are ``S16`` keys (see
    ``tethers.geo.address``), exact for every address.
    """

    def __init__(
        self,
        v4_starts: npt.ArrayLike,
        v4_ends: npt.ArrayLike,
        v4_values: npt.ArrayLike,
        v6_starts: npt.ArrayLike,
        v6_ends: npt.ArrayLike,
        v6_values: npt.ArrayLike,
    ) -> None:
        self._v4 = _Part(
            np.asarray(v4_starts, dtype=V4_DTYPE),
            np.asarray(v4_ends, dtype=V4_DTYPE),
            np.asarray(v4_values, dtype=VALUE_DTYPE),
        )
        self._v6 = _Part(
            np.asarray(v6_starts, dtype=V6_DTYPE),
            np.asarray(v6_ends, dtype=V6_DTYPE),
            np.asarray(v6_values, dtype=VALUE_DTYPE),
        )
        self._v4.check("4")
        self._v6.check("6")

    @classmethod
    def from_ranges(
        cls,
        v4: Iterable[tuple[int, int, int]] = (),
        v6: Iterable[tuple[int, int, int]] = (),
    ) -> RangeTable:
        """Build from ``(first, last, value)`` triples of integer addresses, sorted."""
        v4_rows = list(v4)
        v6_rows = list(v6)
        return cls(
            np.array([v4_key(a) for a, _, _ in v4_rows], dtype=V4_DTYPE),
            np.array([v4_key(b) for _, b, _ in v4_rows], dtype=V4_DTYPE),
            np.array([v for _, _, v in v4_rows], dtype=VALUE_DTYPE),
            v6_keys(a for a, _, _ in v6_rows),
            v6_keys(b for _, b, _ in v6_rows),
            np.array([v for _, _, v in v6_rows], dtype=VALUE_DTYPE),
        )

    @property
    def v4_rows(self) -> int:
        return len(self._v4.starts)

    @property
    def v6_rows(self) -> int:
        return len(self._v6.starts)

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The six arrays the table is made of, by name (for saving)."""
        return {
            "v4_start": self._v4.starts,
            "v4_end": self._v4.ends,
            "v4_value": self._v4.values,
            "v6_start": self._v6.starts,
            "v6_end": self._v6.ends,
            "v6_value": self._v6.values,
        }

    def lookup(self, ip: object) -> int:
        """The value index of the range holding ``ip``, or -1 (no range, or not an address)."""
        parsed = parse_one(ip)
        if parsed is None:
            return MISSING
        family, key = parsed
        part = self._v4 if family == 4 else self._v6
        keys = np.array([key], dtype=V4_DTYPE if family == 4 else V6_DTYPE)
        return int(part.find(keys)[0])

    def lookup_many(self, ips: Iterable[object]) -> npt.NDArray[np.int32]:
        """Value indexes for many addresses at once; -1 where there is none."""
        return self.lookup_parsed(parse_many(ips))

    def lookup_parsed(self, parsed: ParsedAddresses) -> npt.NDArray[np.int32]:
        out = np.full(parsed.count, MISSING, dtype=VALUE_DTYPE)
        if len(parsed.v4_pos) == parsed.count:  # all IPv4, in input order: skip the scatter
            return self._v4.find(parsed.v4_keys)
        out[parsed.v4_pos] = self._v4.find(parsed.v4_keys)
        out[parsed.v6_pos] = self._v6.find(parsed.v6_keys)
        return out

    def lookup_v4_keys(self, keys: npt.NDArray[np.uint32]) -> npt.NDArray[np.int32]:
        return self._v4.find(keys)

    def lookup_v6_keys(self, keys: npt.NDArray[np.bytes_]) -> npt.NDArray[np.int32]:
        return self._v6.find(keys)
