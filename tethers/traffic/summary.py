"""Totals over endpoints: by provider, by owner country, by server country. Pure functions.

Every renderer (terminal, JSON, HTML) shows these same groupings, so they are
computed once here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tethers.model import ProviderRef
from tethers.traffic.model import Endpoint

UNKNOWN = "??"  # a server the IP data cannot place, or a provider-less group with no owner


@dataclass
class Group:
    """Traffic to one provider (or one unattributed domain, or the organisation's own names)."""

    key: str  # provider id, "own", or "unattributed:<domain>"
    label: str
    provider: ProviderRef | None = None
    function: str = ""
    endpoints: int = 0
    flows: int = 0
    bytes_out: int = 0
    bytes_in: int = 0
    first: float = float("inf")
    last: float = float("-inf")
    server_countries: dict[str, int] = field(default_factory=dict)  # country → bytes

    @property
    def bytes(self) -> int:
        return self.bytes_out + self.bytes_in

    def add(self, ep: Endpoint) -> None:
        self.endpoints += 1
        self.flows += ep.flows
        self.bytes_out += ep.bytes_out
        self.bytes_in += ep.bytes_in
        if ep.flows:
            self.first = min(self.first, ep.first)
            self.last = max(self.last, ep.last)
        country = ep.location.country or UNKNOWN
        self.server_countries[country] = self.server_countries.get(country, 0) + ep.bytes


def group_key(ep: Endpoint) -> tuple[str, str]:
    a = ep.attribution
    if a.provider is not None:
        return a.provider.id, a.provider.name
    if a.own:
        return "own", "own names"
    if a.local:
        return "local", "local network"
    if a.domain:
        return f"unattributed:{a.domain}", a.domain
    label = ep.server or "unknown"
    return f"unattributed:{label}", label


def by_provider(endpoints: Iterable[Endpoint]) -> list[Group]:
    """Groups by provider, most bytes first; endpoints without traffic count as endpoints only."""
    groups: dict[str, Group] = {}
    for ep in endpoints:
        key, label = group_key(ep)
        group = groups.get(key)
        if group is None:
            a = ep.attribution
            group = groups[key] = Group(key, label, a.provider, a.function.value if a.function else "")
        group.add(ep)
    return sorted(groups.values(), key=lambda g: (-g.bytes, -g.flows, g.label))


def by_owner_country(endpoints: Iterable[Endpoint]) -> list[tuple[str, int, list[str]]]:
    """(owner country, bytes, provider names) for attributed traffic, most bytes first."""
    found: dict[str, tuple[int, dict[str, None]]] = {}
    for ep in endpoints:
        p = ep.attribution.provider
        if p is None:
            continue
        total, names = found.get(p.country, (0, {}))
        names.setdefault(p.name, None)
        found[p.country] = (total + ep.bytes, names)
    return sorted(((c, b, list(n)) for c, (b, n) in found.items()), key=lambda item: (-item[1], item[0]))


def by_server_country(endpoints: Iterable[Endpoint]) -> list[tuple[str, int, int]]:
    """(server country or "??", bytes, endpoints with traffic), most bytes first."""
    found: dict[str, list[int]] = {}
    for ep in endpoints:
        if not ep.flows:
            continue
        entry = found.setdefault(ep.location.country or UNKNOWN, [0, 0])
        entry[0] += ep.bytes
        entry[1] += 1
    return sorted(((c, b, n) for c, (b, n) in found.items()), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True, slots=True)
class Totals:
    endpoints: int
    flows: int
    bytes_out: int
    bytes_in: int
    providers: int
    unattributed: int  # endpoints with traffic that matched no provider (own names excluded)
    first: float | None
    last: float | None


def totals(endpoints: Iterable[Endpoint]) -> Totals:
    eps = list(endpoints)
    active = [e for e in eps if e.flows]
    return Totals(
        endpoints=len(eps),
        flows=sum(e.flows for e in eps),
        bytes_out=sum(e.bytes_out for e in eps),
        bytes_in=sum(e.bytes_in for e in eps),
        providers=len({e.attribution.provider.id for e in eps if e.attribution.provider}),
        unattributed=sum(1 for e in active if e.attribution.provider is None and not e.attribution.own and not e.attribution.local),
        first=min((e.first for e in active), default=None),
        last=max((e.last for e in active), default=None),
    )


def human_bytes(n: int) -> str:
    """``1.5 MB`` (decimal units, as capture tools show them)."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"
