"""Streaming aggregation: records in, one row per (minute, vector, source address) out.

Each batch is filtered, its source addresses parsed in bulk, and reduced with one
``np.unique`` over a packed 64-bit key; the reduced parts are merged again whenever
they grow, so memory follows the number of distinct (minute, source) pairs, not the
number of lines. Side tables keep TTL, source-port and destination-port counts per
minute and vector, which is what the spoofing tests need later.

Source keys: an IPv4 address is its own 32-bit value; an IPv6 address gets a number
from ``2**32`` up, in order of first appearance (``V6_BASE + code``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tethers.attack.read import FileStats
from tethers.attack.records import Batch, Vector
from tethers.geo.address import parse_many
from tethers.geo.bogons import IPV4_MAPPED_PREFIX

V6_BASE = 1 << 32
_SRC_BITS = 34  # IPv4 space, then up to 2**33 IPv6 addresses
_VEC_BITS = 4
_MINUTE_SPAN = 1 << 25  # about 63 years of minutes around the first record
_COMPACT_ROWS = 4_000_000


@dataclass(frozen=True)
class Filters:
    since: int | None = None  # epoch seconds, inclusive
    until: int | None = None  # exclusive
    target: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None  # destination network
    host: str | None = None  # virtual host (access logs that record it)

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.since, self.until, self.target, self.host))


@dataclass
class Frame:
    """The aggregated traffic. Row arrays are sorted by (minute, vector, source)."""

    minute: npt.NDArray[np.int64]
    vector: npt.NDArray[np.int64]
    src: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]  # requests (HTTP) or packets (flows)
    count: npt.NDArray[np.float64]  # records: requests or flows
    nbytes: npt.NDArray[np.float64]
    v6: list[bytes]  # IPv6 address bytes by code
    side: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]]
    excluded: int = 0  # records the filters left out
    baseline_src: npt.NDArray[np.int64] | None = None  # sources seen in a given baseline window
    destinations: npt.NDArray[np.int64] | None = None  # addresses that received traffic (flows and captures)

    def __len__(self) -> int:
        return len(self.minute)


@dataclass
class Aggregator:
    filters: Filters = field(default_factory=Filters)
    _base: int | None = None
    _parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    _rows: int = 0
    _side: dict[str, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=lambda: {"ttl": [], "sport": [], "dport": []})
    _v6: dict[bytes, int] = field(default_factory=dict)
    excluded: int = 0
    baseline: tuple[int, int] | None = None  # epoch seconds [from, to): its sources are kept whatever the filters
    _baseline: list[np.ndarray] = field(default_factory=list)
    _dst: list[np.ndarray] = field(default_factory=list)

    def add(self, batch: Batch, stats: FileStats) -> None:
        if self.baseline is not None:
            lo, hi = self.baseline
            before = (batch.ts >= lo) & (batch.ts < hi)
            if before.any():
                keys = self._sources(batch.take(before), FileStats(stats.path))
                self._baseline.append(np.unique(keys[keys >= 0]))
        batch = self._filter(batch)
        if not len(batch):
            return
        if batch.dst is not None:
            self._destinations(batch.dst)
        src = self._sources(batch, stats)
        ok = src >= 0
        minute = batch.ts // 60
        if self._base is None:
            self._base = int(minute[ok].min()) - _MINUTE_SPAN // 2 if ok.any() else None
        if self._base is None:
            return
        offset = minute - self._base
        in_range = (offset >= 0) & (offset < _MINUTE_SPAN)
        if (ok & ~in_range).any():
            bad = np.flatnonzero(ok & ~in_range)
            stats.reject([f"{batch.src[i]}: time decades away from the rest of the data" for i in bad.tolist()])
        ok &= in_range
        vector = batch.vector.astype(np.int64)
        weight = np.where(vector == Vector.HTTP, 1, batch.packets)
        key = (offset << (_SRC_BITS + _VEC_BITS)) | (vector << _SRC_BITS) | src
        self._parts.append(_reduce(key[ok], weight[ok], np.ones(int(ok.sum())), batch.nbytes[ok]))
        self._rows += len(self._parts[-1][0])
        head = (offset << _VEC_BITS) | vector
        for name, values, bits in (("ttl", batch.ttl, 8), ("sport", batch.sport, 16), ("dport", batch.dport, 16)):
            known = ok & (values >= 0) & (values < (1 << bits))
            if known.any():
                k = (head[known] << bits) | values[known]
                keys, sums = _reduce(k, weight[known])[:2]
                self._side[name].append((keys, sums))
        if self._rows > _COMPACT_ROWS:
            self._parts = [_reduce(*map(np.concatenate, zip(*self._parts, strict=True)))]
            self._rows = len(self._parts[0][0])

    def _filter(self, batch: Batch) -> Batch:
        f = self.filters
        if not f.active:
            return batch
        keep = np.ones(len(batch), dtype=bool)
        if f.since is not None:
            keep &= batch.ts >= f.since
        if f.until is not None:
            keep &= batch.ts < f.until
        if f.target is not None:
            keep &= _in_network(batch.dst, f.target) if batch.dst is not None else False
        if f.host is not None:
            hosts = batch.host or [""] * len(batch)
            keep &= np.array([h.split(":")[0].rstrip(".").lower() == f.host for h in hosts], dtype=bool)
        self.excluded += int((~keep).sum())
        return batch if keep.all() else batch.take(keep)

    def _sources(self, batch: Batch, stats: FileStats) -> npt.NDArray[np.int64]:
        parsed = parse_many(batch.src)
        out = np.full(len(batch), -1, dtype=np.int64)
        out[parsed.v4_pos] = parsed.v4_keys
        if len(parsed.v6_pos):
            uniq, inverse = np.unique(parsed.v6_keys, return_inverse=True)
            codes = np.empty(len(uniq), dtype=np.int64)
            for i, raw in enumerate(uniq.tolist()):
                raw = raw.ljust(16, b"\0")  # numpy drops trailing NULs of S16 values
                if raw[:12] == IPV4_MAPPED_PREFIX:  # ::ffff:1.2.3.4 is the IPv4 address it carries
                    codes[i] = int.from_bytes(raw[12:], "big")
                else:
                    codes[i] = V6_BASE + self._v6.setdefault(raw, len(self._v6))
            out[parsed.v6_pos] = codes[inverse.ravel()]
        bad = np.flatnonzero(out < 0)
        if len(bad):
            stats.reject([f"{batch.src[i]!r}: not an IP address" for i in bad.tolist()])
            stats.records -= len(bad)
        return out

    def _destinations(self, dst: list[str]) -> None:
        """Remember which addresses received traffic (as source keys, where they have one)."""
        parsed = parse_many(dst)
        keys = [np.unique(parsed.v4_keys).astype(np.int64)]
        if len(parsed.v6_keys):
            known = [self._v6.get(raw.ljust(16, b"\0")) for raw in np.unique(parsed.v6_keys).tolist()]
            keys.append(np.array([V6_BASE + k for k in known if k is not None], dtype=np.int64))
        self._dst.append(np.unique(np.concatenate(keys)))
        if len(self._dst) > 64:
            self._dst = [np.unique(np.concatenate(self._dst))]

    def finish(self) -> Frame:
        v6 = list(self._v6)
        if not self._parts or self._base is None:
            empty = np.zeros(0, dtype=np.int64)
            return Frame(empty, empty, empty, empty.astype(float), empty.astype(float), empty.astype(float), v6,
                         {name: (empty, empty, empty, empty.astype(float)) for name in self._side}, self.excluded,
                         self._baseline_sources(), None)
        keys, weight, count, nbytes = _reduce(*map(np.concatenate, zip(*self._parts, strict=True)))
        side = {}
        for name, parts in self._side.items():
            bits = 8 if name == "ttl" else 16
            if parts:
                k, w = _reduce(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))[:2]
            else:
                k, w = np.zeros(0, dtype=np.int64), np.zeros(0)
            side[name] = ((k >> (bits + _VEC_BITS)) + self._base, (k >> bits) & 0xF, k & ((1 << bits) - 1), w)
        return Frame(
            (keys >> (_SRC_BITS + _VEC_BITS)) + self._base, (keys >> _SRC_BITS) & 0xF, keys & ((1 << _SRC_BITS) - 1),
            weight, count, nbytes, v6, side, self.excluded, self._baseline_sources(),
            np.unique(np.concatenate(self._dst)) if self._dst else None,
        )

    def _baseline_sources(self) -> npt.NDArray[np.int64] | None:
        if self.baseline is None:
            return None
        return np.unique(np.concatenate(self._baseline)) if self._baseline else np.zeros(0, dtype=np.int64)


def _reduce(key: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    keys, inverse = np.unique(key, return_inverse=True)
    return (keys, *(np.bincount(inverse, weights=v, minlength=len(keys)) for v in values))


def _in_network(addresses: list[str], net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> npt.NDArray[np.bool_]:
    parsed = parse_many(addresses)
    out = np.zeros(len(addresses), dtype=bool)
    if net.version == 4:
        lo, hi = int(net.network_address), int(net.broadcast_address)
        out[parsed.v4_pos] = (parsed.v4_keys >= lo) & (parsed.v4_keys <= hi)
    else:
        lo6, hi6 = net.network_address.packed, net.broadcast_address.packed
        for pos, raw in zip(parsed.v6_pos.tolist(), parsed.v6_keys.tolist(), strict=True):
            out[pos] = lo6 <= raw.ljust(16, b"\0") <= hi6
    return out
