"""Conclusions: dependencies, unattributed evidence and the scan that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field

from tethers.model.evidence import CollectError, Evidence
from tethers.types import Function, Mode


@dataclass(frozen=True, slots=True)
class ProviderRef:
    """A provider as a dependency names it, with its ownership resolved.

    ``operator`` is the company that runs the service as the knowledge base
    names it (SendGrid); ``owner`` its ultimate parent (Twilio) and ``country``
    the owner's headquarters (ISO 3166-1 alpha-2), which is the jurisdiction
    that can compel it.
    """

    id: str
    name: str
    owner: str
    country: str
    owner_id: str = ""
    operator: str = ""
    ownership: tuple[str, ...] = ()  # owner ids from the operator up to the ultimate owner


@dataclass(frozen=True, slots=True)
class Location:
    """Where one server address sits, by offline IP data."""

    ip: str
    country: str | None
    asn: int | None
    as_name: str | None


@dataclass(frozen=True, slots=True)
class Dependency:
    function: Function
    provider: ProviderRef
    evidence: tuple[Evidence, ...]
    locations: tuple[Location, ...] = ()
    rules: tuple[str, ...] = ()  # "<provider id>:<rule index> <kind> <value>" for each matching rule


@dataclass(frozen=True, slots=True)
class Unattributed:
    """Evidence that points outside the organisation but matches no provider.

    ``function`` is what the evidence suggests (an MX host suggests
    email-inbound) and ``domain`` the registrable domain it points at.
    """

    function: Function | None
    domain: str
    evidence: Evidence
    locations: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanResult:
    domain: str
    mode: Mode
    started: str  # ISO 8601, UTC
    finished: str
    resolver: str  # "127.0.0.1:53", "system (…)", or "zone-file: <path>"
    dependencies: tuple[Dependency, ...] = ()
    unattributed: tuple[Unattributed, ...] = ()
    errors: tuple[CollectError, ...] = ()
    evidence_count: int = 0
    queries: int = 0
    # The apex record sets as seen (NS and MX hosts, CAA, addresses), own hosts included,
    # so that history can tell when name servers or mail exchangers move.
    apex: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def failed(self) -> bool:
        """True when nothing at all could be learnt about the domain."""
        return self.evidence_count == 0 and bool(self.errors)
