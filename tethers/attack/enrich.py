"""Bulk attribution of source addresses: country, AS, provider, network class, prefix.

Every distinct source is looked up once, with array lookups over the shipped range
tables (a million addresses take well under a second). The knowledge base's CIDR
rules are applied as masks over the IPv4 keys, one rule at a time: they are few.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from tethers.attack.aggregate import V6_BASE
from tethers.attack.classify import NetClass, class_of_function, class_of_name, kb_networks, provider_function
from tethers.geo import default_locator
from tethers.geo.bogons import bogon_table
from tethers.kb.match import KnowledgeBase, default_kb


@dataclass(frozen=True)
class Attribution:
    """Per-source arrays, aligned with ``src`` (sorted, distinct)."""

    src: npt.NDArray[np.int64]
    country: npt.NDArray[np.int64]  # index into ``countries``, -1 unknown
    asn: npt.NDArray[np.int64]  # AS number, -1 unknown
    as_name: npt.NDArray[np.int64]  # index into ``names``, -1 unknown
    provider: npt.NDArray[np.int64]  # index into ``providers``, -1 none
    netclass: npt.NDArray[np.int64]
    countries: tuple[str, ...]
    names: tuple[str, ...]
    providers: tuple[str, ...]
    v6: list[bytes]

    def index(self, src: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
        """Positions of ``src`` values (all present) in the attribution arrays."""
        return np.searchsorted(self.src, src)


def address_text(key: int, v6: list[bytes]) -> str:
    if key < V6_BASE:
        return str(ipaddress.IPv4Address(key))
    return str(ipaddress.IPv6Address(v6[key - V6_BASE].ljust(16, b"\0")))


def prefix_text(key: int, v6: list[bytes]) -> str:
    """The /24 (IPv4) or /48 (IPv6) holding an address key."""
    if key < V6_BASE:
        return f"{ipaddress.IPv4Address(key & 0xFFFFFF00)}/24"
    raw = v6[key - V6_BASE].ljust(16, b"\0")[:6] + bytes(10)
    return f"{ipaddress.IPv6Address(raw)}/48"


def prefix_keys(src: npt.NDArray[np.int64], v6: list[bytes]) -> npt.NDArray[np.int64]:
    """A number per /24 or /48, for counting distinct prefixes."""
    out = src >> 8
    is6 = src >= V6_BASE
    if is6.any():
        raw = [v6[k - V6_BASE].ljust(16, b"\0")[:6] for k in src[is6].tolist()]
        out[is6] = (1 << 50) + np.array([int.from_bytes(r, "big") for r in raw], dtype=np.int64)
    return out


@lru_cache(maxsize=1)
def _kb_tables() -> tuple[KnowledgeBase, dict[int, str], list[tuple[ipaddress.IPv4Network, str]], tuple[str, ...]]:
    kb = default_kb()
    asns, cidrs = kb_networks(kb)
    nets = [(ipaddress.ip_network(c), p) for c, p in cidrs]
    v4 = sorted(((n, p) for n, p in nets if n.version == 4), key=lambda item: item[0].prefixlen)
    providers = tuple(sorted(set(asns.values()) | {p for _, p in v4}))
    return kb, asns, v4, providers  # type: ignore[return-value]


def attribute(src: npt.NDArray[np.int64], v6: list[bytes], local: npt.NDArray[np.int64] | None = None) -> Attribution:
    """Attribution of distinct, sorted source keys. ``local``: addresses that also received
    traffic; private ones among them are hosts of the captured network, not forgeries."""
    asn_ds, cc_ds = default_locator().datasets()
    n = len(src)
    as_idx = np.full(n, -1, dtype=np.int64)
    cc_idx = np.full(n, -1, dtype=np.int64)
    bogon = np.zeros(n, dtype=bool)
    is4 = src < V6_BASE
    keys4 = src[is4].astype(np.uint32)
    as_idx[is4] = asn_ds.arrays.table.lookup_v4_keys(keys4)
    cc_idx[is4] = cc_ds.arrays.table.lookup_v4_keys(keys4)
    bogon[is4] = bogon_table().lookup_v4_keys(keys4) >= 0
    if (~is4).any():
        keys6 = np.array([v6[k - V6_BASE] for k in src[~is4].tolist()], dtype="S16")
        as_idx[~is4] = asn_ds.arrays.table.lookup_v6_keys(keys6)
        cc_idx[~is4] = cc_ds.arrays.table.lookup_v6_keys(keys6)
        bogon[~is4] = bogon_table().lookup_v6_keys(keys6) >= 0
    as_idx[bogon] = -1
    cc_idx[bogon] = -1
    numbers = asn_ds.arrays.asn
    assert numbers is not None and asn_ds.arrays.names is not None
    asn = np.where(as_idx >= 0, numbers.astype(np.int64)[np.maximum(as_idx, 0)], -1)

    kb, kb_asns, kb_v4, providers = _kb_tables()
    position = {p: i for i, p in enumerate(providers)}
    provider = np.full(n, -1, dtype=np.int64)
    distinct = np.unique(asn[asn >= 0])
    for number in distinct.tolist():
        pid = kb_asns.get(number)
        if pid is not None:
            provider[asn == number] = position[pid]
    for net, pid in kb_v4:  # widest first, so the most specific rule is written last and wins
        lo, hi = int(net.network_address), int(net.broadcast_address)
        provider[is4 & (src >= lo) & (src <= hi)] = position[pid]

    netclass = np.full(n, int(NetClass.UNCLASSIFIED), dtype=np.int64)
    named = as_idx >= 0
    if named.any():
        used, inverse = np.unique(as_idx[named], return_inverse=True)
        names = asn_ds.arrays.names
        classes = np.array([int(class_of_name(names[i])) for i in used.tolist()], dtype=np.int64)
        netclass[named] = classes[inverse.ravel()]
    for i, pid in enumerate(providers):
        hit = provider == i
        if hit.any():
            netclass[hit] = int(class_of_function(provider_function(kb, pid)))
    netclass[~named & ~bogon] = int(NetClass.UNROUTED)
    netclass[bogon] = int(NetClass.BOGON)
    if local is not None and len(local):
        netclass[bogon & np.isin(src, local)] = int(NetClass.LOCAL)
    return Attribution(src, cc_idx, asn, as_idx, provider, netclass, tuple(cc_ds.arrays.countries or ()),
                       tuple(asn_ds.arrays.names), providers, v6)
