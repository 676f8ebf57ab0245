"""What one episode's traffic looked like: who sent it, from where, and the signs of forgery.

Everything here is measured, not judged; ``tethers.attack.trust`` turns the measures
into claims. Shares are of the episode's weight (requests for HTTP, packets for flows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tethers.attack.aggregate import Frame
from tethers.attack.classify import NetClass
from tethers.attack.enrich import Attribution, address_text, prefix_keys, prefix_text
from tethers.attack.episodes import Episode
from tethers.attack.records import REFLECTION_PORTS, Vector

TOP = 10


@dataclass
class Measures:
    total: float
    records: float
    nbytes: float
    sources: int
    prefixes: int
    countries: int
    asns: int
    median_per_source: float
    shares: dict[str, float]  # network class label → share, rounded for the report
    countries_top: list[dict[str, Any]]
    asns_top: list[dict[str, Any]]
    providers_top: list[dict[str, Any]]
    prefixes_top: list[dict[str, Any]]
    talkers: list[dict[str, Any]]
    new_sources: int | None = None
    new_share: float | None = None
    baseline_sources: int = 0
    ttl: dict[str, Any] = field(default_factory=dict)
    sport: dict[str, Any] = field(default_factory=dict)
    dport: dict[str, Any] = field(default_factory=dict)
    fractions: dict[str, float] = field(default_factory=dict)  # the same shares unrounded, for sums

    def share(self, label: str) -> float:
        return self.shares.get(label, 0.0)

    def fraction(self, *labels: str) -> float:
        """The unrounded share of these classes together: summing rounded shares can pass 1."""
        return sum(self.fractions.get(label, 0.0) for label in labels)


def measure(frame: Frame, attr: Attribution, ep: Episode, baseline: npt.NDArray[np.int64] | None) -> Measures:
    mask = (frame.vector == ep.vector) & (frame.minute >= ep.start) & (frame.minute < ep.end)
    src, inverse = np.unique(frame.src[mask], return_inverse=True)
    inverse = inverse.ravel()
    weight = np.bincount(inverse, weights=frame.weight[mask], minlength=len(src))
    total = float(weight.sum())
    at = attr.index(src)
    country, asn, name, provider, netclass = (attr.country[at], attr.asn[at], attr.as_name[at], attr.provider[at],
                                              attr.netclass[at])
    pkeys = prefix_keys(src, attr.v6)

    def top(keys: npt.NDArray[np.int64], label: Any, skip_missing: bool = True) -> list[dict[str, Any]]:
        uniq, inv = np.unique(keys, return_inverse=True)
        sums = np.bincount(inv.ravel(), weights=weight, minlength=len(uniq))
        count = np.bincount(inv.ravel(), minlength=len(uniq))
        order = np.argsort(-sums, kind="stable")
        rows = []
        for i in order.tolist():
            if skip_missing and uniq[i] < 0:
                continue
            rows.append({**label(int(uniq[i])), "share": _r(sums[i] / total), "weight": float(sums[i]),
                         "sources": int(count[i])})
            if len(rows) == TOP:
                break
        return rows

    def country_row(i: int) -> dict[str, Any]:
        return {"country": attr.countries[i]}

    first_of_asn = {int(a): int(n) for a, n in zip(asn.tolist(), name.tolist(), strict=True)}
    def asn_row(a: int) -> dict[str, Any]:
        n = first_of_asn.get(a, -1)
        return {"asn": a, "as_name": attr.names[n] if n >= 0 else None}

    class_sums = np.bincount(netclass, weights=weight, minlength=len(NetClass))
    fractions = {c.label: float(class_sums[c] / total) for c in NetClass if class_sums[c] > 0}
    order = np.argsort(-weight, kind="stable")[:TOP]
    talkers = [
        {"address": address_text(int(src[i]), attr.v6), "share": _r(weight[i] / total), "weight": float(weight[i]),
         "country": attr.countries[country[i]] if country[i] >= 0 else None,
         "asn": int(asn[i]) if asn[i] >= 0 else None,
         "as_name": attr.names[name[i]] if name[i] >= 0 else None,
         "class": NetClass(int(netclass[i])).label}
        for i in order.tolist()
    ]
    pfx_first = {}
    for k, s in zip(pkeys.tolist(), src.tolist(), strict=True):
        pfx_first.setdefault(k, s)
    m = Measures(
        total=total, records=float(frame.count[mask].sum()), nbytes=float(frame.nbytes[mask].sum()),
        sources=len(src), prefixes=len(np.unique(pkeys)), countries=len(np.unique(country[country >= 0])),
        asns=len(np.unique(asn[asn >= 0])), median_per_source=float(np.median(weight)) if len(weight) else 0.0,
        shares={label: _r(f) for label, f in fractions.items()}, fractions=fractions,
        countries_top=top(country, country_row),
        asns_top=top(asn, asn_row),
        providers_top=top(provider, lambda i: {"provider": attr.providers[i]}),
        prefixes_top=top(pkeys, lambda k: {"prefix": prefix_text(pfx_first[k], attr.v6)}, skip_missing=False),
        talkers=talkers,
    )
    if baseline is not None and len(baseline):
        new = ~np.isin(src, baseline, assume_unique=True)
        m.new_sources, m.new_share, m.baseline_sources = int(new.sum()), _r(weight[new].sum() / total), len(baseline)
    m.ttl = _side(frame, "ttl", ep, total)
    m.sport = _side(frame, "sport", ep, total, reflection=ep.vector in (Vector.UDP, Vector.UDP_REFLECTION))
    m.dport = _side(frame, "dport", ep, total)
    return m


def _side(frame: Frame, name: str, ep: Episode, total: float, reflection: bool = False) -> dict[str, Any]:
    """The most common values of one header field; with ``reflection``, also the share of the
    listed values that are ports of amplifying services."""
    minute, vector, value, weight = frame.side[name]
    mask = (vector == ep.vector) & (minute >= ep.start) & (minute < ep.end)
    if not mask.any() or total <= 0:
        return {}
    uniq, inv = np.unique(value[mask], return_inverse=True)
    sums = np.bincount(inv.ravel(), weights=weight[mask], minlength=len(uniq))
    known = float(sums.sum())
    order = np.argsort(-sums, kind="stable")[:5]
    values = [{"value": int(uniq[i]), "share": _r(sums[i] / known)} for i in order.tolist()]
    for v in values:
        if name == "sport" and v["value"] in REFLECTION_PORTS:
            v["service"] = REFLECTION_PORTS[v["value"]]
    out: dict[str, Any] = {"known_share": _r(known / total), "distinct": len(uniq), "values": values}
    if name == "ttl":
        # Senders start at 64, 128 or 255 and paths are rarely over 32 hops long: other values are crafted.
        plausible = ((uniq > 32) & (uniq <= 64)) | ((uniq > 96) & (uniq <= 128)) | (uniq > 222)
        out["implausible_share"] = _r(sums[~plausible].sum() / known)
    if reflection:
        # Summed before rounding: the rounded shares of the listed values can add up past 1.
        out["reflection_share"] = _r(sum(float(sums[i]) for i in order.tolist() if int(uniq[i]) in REFLECTION_PORTS)
                                     / known)
    return out


def baseline_sources(frame: Frame, episodes: list[Episode], before: int) -> npt.NDArray[np.int64] | None:
    """Sources seen in the baseline: the window given (``frame.baseline_src``), or else every
    minute before ``before`` outside any surge."""
    if frame.baseline_src is not None:
        return frame.baseline_src if len(frame.baseline_src) else None
    mask = frame.minute < before
    for ep in episodes:
        if ep.surge:
            mask &= ~((frame.minute >= ep.start) & (frame.minute < ep.end))
    if not mask.any():
        return None
    return np.unique(frame.src[mask])


def _r(x: float) -> float:
    return round(float(x), 4)
