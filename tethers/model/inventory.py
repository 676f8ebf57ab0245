"""What an organisation declares about itself, and the merged map of its tethers.

DNS cannot see everything: app stores, payment processors, SMS gateways called
from a backend. An inventory declares those; ``DependencyMap`` merges them with
what scans discovered, each tether keeping its origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tethers.model.evidence import Evidence
from tethers.model.result import Location, ProviderRef, ScanResult
from tethers.types import Function


class Origin(StrEnum):
    DECLARED = "declared"
    DISCOVERED = "discovered"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class DeclaredDependency:
    function: Function
    provider_id: str
    critical: bool = False
    note: str = ""
    line: int = 0  # where the inventory file declares it, for messages


@dataclass(frozen=True, slots=True)
class Inventory:
    organisation: str
    path: str
    domains: tuple[str, ...] = ()
    zone_files: tuple[str, ...] = ()  # resolved paths
    critical: frozenset[Function] = frozenset()
    dependencies: tuple[DeclaredDependency, ...] = ()


@dataclass(frozen=True, slots=True)
class Tether:
    """One function held by one provider: the unit what-ifs and policies reason about."""

    function: Function
    provider: ProviderRef
    origin: Origin
    critical: bool
    evidence: tuple[Evidence, ...] = ()
    locations: tuple[Location, ...] = ()
    domains: tuple[str, ...] = ()  # which scanned domains showed it
    note: str = ""


@dataclass(frozen=True, slots=True)
class DependencyMap:
    organisation: str
    tethers: tuple[Tether, ...]
    critical: frozenset[Function] = frozenset()
    scans: tuple[ScanResult, ...] = field(default=(), compare=False)

    def functions(self) -> list[Function]:
        seen = dict.fromkeys(t.function for t in self.tethers)
        return [f for f in Function if f in seen]

    def by_function(self, function: Function) -> list[Tether]:
        return [t for t in self.tethers if t.function is function]
