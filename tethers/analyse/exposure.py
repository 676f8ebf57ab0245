"""Who can compel each tether: the controlling jurisdiction and its regimes, apart from server locations.

Two different questions, kept apart everywhere:

* **controls**: the country of the provider's ultimate owner. Its laws (and those of the
  regions it belongs to, such as the EU) can make the company hand over data or stop
  serving a customer wherever the data sits: the US CLOUD Act reaches a US company's
  servers in Frankfurt.
* **servers**: the countries where the server addresses we saw sit, by offline IP data.
  Where a server sits says who can seize or tap it locally, not who controls the company.
"""

from __future__ import annotations

from dataclasses import dataclass

from tethers.config.jurisdictions import Capability, Jurisdictions, Regime
from tethers.model import DependencyMap, ProviderRef, Tether
from tethers.types import Function


@dataclass(frozen=True, slots=True)
class TetherExposure:
    tether: Tether
    controls: str  # ultimate owner's country ("" when the knowledge base has none)
    regimes: tuple[Regime, ...]  # regimes that apply in ``controls``
    servers: tuple[str, ...]  # countries of the seen server addresses, first seen first
    located: int  # addresses with a country
    unlocated: int  # addresses the IP data has no country for

    @property
    def function(self) -> Function:
        return self.tether.function

    @property
    def provider(self) -> ProviderRef:
        return self.tether.provider

    def capabilities(self) -> list[Capability]:
        found = {c for r in self.regimes for c in r.allows}
        return [c for c in Capability if c in found]

    def summary(self) -> str:
        """``email-inbound (Microsoft 365, US) is reachable under the US CLOUD Act and FISA 702; ...``."""
        head = f"{self.function.value} ({self.provider.name}, {self.controls or 'owner country unknown'})"
        if self.regimes:
            reach = f"is reachable under {join_and([r.short for r in self.regimes])}"
        elif self.controls:
            reach = f"is under {self.controls} law; tethers lists no regime for {self.controls}"
        else:
            reach = "has no known controlling jurisdiction"
        return f"{head} {reach}; {self.servers_text()}"

    def servers_text(self) -> str:
        if self.servers:
            text = f"its servers we saw sit in {', '.join(self.servers)}"
            return text + (f" ({self.unlocated} more without a country)" if self.unlocated else "")
        if self.unlocated:
            return f"none of its {self.unlocated} server addresses has a country in the IP data"
        return "we saw no server address for it"


@dataclass(frozen=True, slots=True)
class ExposureReport:
    organisation: str
    tethers: tuple[TetherExposure, ...]

    def by_controller(self) -> dict[str, list[TetherExposure]]:
        """Controlling country → its tethers, countries sorted ("" last)."""
        out: dict[str, list[TetherExposure]] = {}
        for te in self.tethers:
            out.setdefault(te.controls, []).append(te)
        return {c: out[c] for c in sorted(out, key=lambda c: (c == "", c))}

    def by_server_country(self) -> dict[str, list[TetherExposure]]:
        """Server country → tethers with a seen server there; sorted by country."""
        out: dict[str, list[TetherExposure]] = {}
        for te in self.tethers:
            for country in te.servers:
                out.setdefault(country, []).append(te)
        return {c: out[c] for c in sorted(out)}

    def by_regime(self) -> list[tuple[Regime, list[TetherExposure]]]:
        """Each regime that reaches at least one tether, in data-file order, with the tethers it reaches."""
        order: dict[str, tuple[Regime, list[TetherExposure]]] = {}
        for te in self.tethers:
            for regime in te.regimes:
                order.setdefault(regime.id, (regime, []))[1].append(te)
        return list(order.values())

    def unseen(self) -> list[TetherExposure]:
        """Tethers with no located server: their server countries are unknown, not absent."""
        return [te for te in self.tethers if not te.servers]


def join_and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def exposure(dmap: DependencyMap, jurisdictions: Jurisdictions) -> ExposureReport:
    out = []
    for tether in dmap.tethers:
        country = tether.provider.country
        servers = tuple(dict.fromkeys(loc.country for loc in tether.locations if loc.country))
        located = sum(1 for loc in tether.locations if loc.country)
        out.append(TetherExposure(
            tether=tether,
            controls=country,
            regimes=tuple(jurisdictions.regimes_for(country)) if country else (),
            servers=servers,
            located=located,
            unlocated=len(tether.locations) - located,
        ))
    return ExposureReport(dmap.organisation, tuple(out))
