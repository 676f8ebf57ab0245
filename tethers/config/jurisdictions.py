"""Legal regimes per jurisdiction, and named regions of countries, as validated package data.

``data/jurisdictions.toml`` lists the laws under which a state can compel a provider
(hand over data, cut service, allow interception, keep data in the country);
``data/regions.toml`` names groups of countries (EU, EEA, Five Eyes, EU adequacy...).
A regime whose jurisdiction is a region applies in each member: the EU e-Evidence
Regulation reaches a provider owned in Germany. Both files are checked at load: every
regime has a source, every member is a country code from ``data/countries.toml``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from tethers.config.lines import entry_key_line
from tethers.config.toml import read_toml, table_lines
from tethers.errors import ConfigError

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
RegionId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]+(-[A-Z0-9]+)*$", max_length=32)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Line = Annotated[str, StringConstraints(min_length=1, max_length=240, pattern=r"^[^\n\r]*$")]


class Capability(StrEnum):
    """What a regime lets a state make a provider do."""

    COMPEL_DATA = "compel-data"  # hand over data it holds
    COMPEL_CUTOFF = "compel-cutoff"  # stop serving someone, or be blocked
    INTERCEPTION = "interception"  # communications collected in transit
    DATA_LOCALISATION = "data-localisation"  # keep data inside the country


def _urls(values: list[str]) -> list[str]:
    for url in values:
        if not url.startswith(("https://", "http://")) or " " in url:
            raise ValueError(f"source must be a web address, got {url!r}")
    if len(set(values)) != len(values):
        raise ValueError("a source is listed twice")
    return values


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Regime(_Strict):
    id: Id
    name: Line
    short: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    jurisdiction: str  # a country code or a region id; checked against both at load
    year: int = Field(ge=1900, le=2100)
    applies_from: dt.date | None = None
    allows: list[Capability] = Field(min_length=1)
    scope: Line
    summary: Line
    sources: list[str] = Field(min_length=1)
    note: str = ""

    _sources = field_validator("sources")(_urls)

    @field_validator("allows")
    @classmethod
    def _distinct(cls, value: list[Capability]) -> list[Capability]:
        if len(set(value)) != len(value):
            raise ValueError("a capability is listed twice")
        return value


class Region(_Strict):
    id: RegionId
    name: Line
    as_of: dt.date
    members: list[Code] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    note: str = ""
    since: dict[str, dt.date] = Field(default_factory=dict)  # member → the date that applies to it

    _sources = field_validator("sources")(_urls)


@lru_cache(maxsize=1)
def load_countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English short name, from the packaged list."""
    with resources.files("tethers.data").joinpath("countries.toml").open("rb") as fh:
        return {str(k): str(v) for k, v in tomllib.load(fh).items()}


@dataclass(frozen=True)
class Regions:
    """Named regions, looked up case-insensitively (``eea`` finds ``EEA``)."""

    by_id: dict[str, Region]
    path: str = ""

    def get(self, name: str) -> Region | None:
        return self.by_id.get(name.strip().upper())

    def names(self) -> list[str]:
        return list(self.by_id)

    def expand(self, names: Iterable[str]) -> frozenset[str]:
        """The member countries of every named region; an unknown name is a ConfigError."""
        out: set[str] = set()
        for name in names:
            region = self.get(name)
            if region is None:
                raise ConfigError(f"unknown region {name!r}", hint="regions: " + ", ".join(self.by_id))
            out.update(region.members)
        return frozenset(out)

    def containing(self, code: str) -> list[Region]:
        return [r for r in self.by_id.values() if code in r.members]


@dataclass(frozen=True)
class Jurisdictions:
    """Every regime, with the regions that let a regional regime reach member countries."""

    regimes: tuple[Regime, ...]
    regions: Regions
    path: str = ""

    def get(self, regime_id: str) -> Regime | None:
        return next((r for r in self.regimes if r.id == regime_id), None)

    def regimes_for(self, country: str) -> list[Regime]:
        """Regimes that can compel a company headquartered in ``country``: its own, then its regions'."""
        own = [r for r in self.regimes if r.jurisdiction == country]
        regional = [r for r in self.regimes if (reg := self.regions.get(r.jurisdiction)) is not None
                    and country in reg.members]
        return own + regional


_Entry = TypeVar("_Entry", Region, Regime)


def _validation_error(path: Path, text: str, header: str, index: int, exc: ValidationError) -> ConfigError:
    err = exc.errors()[0]
    lines = table_lines(text, header)
    start = lines[index] if index < len(lines) else 0
    field = str(err["loc"][0]) if err["loc"] else ""
    line = entry_key_line(text, start, field) if field else start
    where = f"{path}:{line}" if line else str(path)
    message = err["msg"].removeprefix("Value error, ")
    return ConfigError(f"{where}: [[{header}]] #{index + 1}{f' {field}' if field else ''}: {message}")


def _validated(path: Path, data: dict[str, Any], text: str, header: str,
               model: type[_Entry]) -> Iterator[tuple[_Entry, Callable[[str, str], ConfigError]]]:
    """Each ``[[header]]`` table validated as ``model``, with a ``fail(key, message)`` naming its line."""
    extra = sorted(set(data) - {header})
    if extra:
        raise ConfigError(f"{path}: unknown top-level key {extra[0]!r}; write entries as [[{header}]] tables")
    entries = data.get(header, [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[{header}]] entries")
    lines = table_lines(text, header)
    for index, entry in enumerate(entries):
        try:
            item = model.model_validate(entry)
        except ValidationError as exc:
            raise _validation_error(path, text, header, index, exc) from None
        start = lines[index] if index < len(lines) else 0

        def fail(key: str, message: str, start: int = start, item: _Entry = item) -> ConfigError:
            return ConfigError(f"{path}:{entry_key_line(text, start, key)}: {header} {item.id}: {message}")

        yield item, fail


def _default_path(name: str) -> Path:
    return Path(str(resources.files("tethers.data").joinpath(name)))


def load_regions(path: Path | None = None) -> Regions:
    path = path or _default_path("regions.toml")
    data, text = read_toml(path)
    countries = load_countries()
    found: dict[str, Region] = {}
    for region, fail in _validated(path, data, text, "region", Region):
        if region.id in countries:
            raise fail("id", "a region id must not be a country code")
        if region.id in found:
            raise fail("id", "duplicate region id")
        unknown = [c for c in region.members if c not in countries]
        if unknown:
            raise fail("members", f"{unknown[0]!r} is not an ISO 3166-1 country code")
        twice = sorted({c for c in region.members if region.members.count(c) > 1})
        if twice:
            raise fail("members", f"{twice[0]} is listed twice")
        stray = sorted(set(region.since) - set(region.members))
        if stray:
            raise fail("since", f"{stray[0]} has a date but is not a member")
        found[region.id] = region
    return Regions(found, str(path))


def load_jurisdictions(path: Path | None = None, regions: Regions | None = None) -> Jurisdictions:
    path = path or _default_path("jurisdictions.toml")
    regions = regions or default_regions()
    data, text = read_toml(path)
    countries = load_countries()
    regimes: list[Regime] = []
    seen: set[str] = set()
    for regime, fail in _validated(path, data, text, "regime", Regime):
        if regime.id in seen:
            raise fail("id", "duplicate regime id")
        if regime.jurisdiction not in countries and regions.get(regime.jurisdiction) is None:
            raise fail("jurisdiction", f"{regime.jurisdiction!r} is neither a country code nor a region id")
        if not regime.id.startswith(regime.jurisdiction.lower() + "-"):
            raise fail("id", f"the id must start with the jurisdiction: {regime.jurisdiction.lower()}-...")
        seen.add(regime.id)
        regimes.append(regime)
    return Jurisdictions(tuple(regimes), regions, str(path))


@lru_cache(maxsize=1)
def default_regions() -> Regions:
    return load_regions()


@lru_cache(maxsize=1)
def default_jurisdictions() -> Jurisdictions:
    return load_jurisdictions(regions=default_regions())
