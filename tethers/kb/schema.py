"""The knowledge base's file format, as pydantic models.

One TOML file per provider (``data/providers/<id>.toml``) and owners in ``data/owners/*.toml`` (one id space across the files).
Structural checks live here; checks that need the whole base (owners resolve,
no two providers claim the same rule) live in ``tethers.kb.load``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from tethers.types import HOST_REGEX_KINDS, SUFFIX_KINDS, Function, RuleKind

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$")
_ASN = re.compile(r"^AS[1-9][0-9]{0,9}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class OwnerSpec(_Strict):
    name: str = Field(min_length=1)
    country: Country
    parent: Id | None = None
    source: str = ""
    note: str = ""


class RuleSpec(_Strict):
    kind: RuleKind
    function: Function
    value: str = Field(min_length=1, max_length=300)
    match: list[str] = Field(min_length=1)
    no_match: list[str] = Field(min_length=1)
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _value_fits_kind(self) -> RuleSpec:
        kind, value = self.kind, self.value
        if kind in SUFFIX_KINDS:
            if not _HOST.match(value) or "." not in value:
                raise ValueError(f"{kind} value must be a lower-case domain name without a trailing dot, got {value!r}")
        elif kind is RuleKind.TXT_REGEX or kind in HOST_REGEX_KINDS:
            if not (value.startswith("^") and value.endswith("$")):
                raise ValueError(f"{kind} must be anchored with ^ and $")
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"{kind} does not compile: {exc}") from None
        elif kind is RuleKind.TXT_PREFIX:
            if len(value) < 4:
                raise ValueError("txt-prefix is too short to be specific (at least 4 characters)")
        elif kind is RuleKind.ASN:
            if not _ASN.match(value):
                raise ValueError(f"asn value must look like AS13335, got {value!r}")
        elif kind is RuleKind.CIDR:
            try:
                ipaddress.ip_network(value, strict=True)
            except ValueError as exc:
                raise ValueError(f"cidr value is not a network: {exc}") from None
        return self


class ProviderSpec(_Strict):
    id: Id
    name: str = Field(min_length=1)
    owner: Id
    website: str = ""
    description: str = ""
    aliases: list[str] = []
    # Functions the provider offers that no DNS rule can show (an app store, card
    # payments); they let an inventory declare the dependency. Rules add their own.
    offers: list[Function] = []
    rules: list[RuleSpec] = []

    @model_validator(mode="after")
    def _says_something(self) -> ProviderSpec:
        if not self.rules and not self.offers:
            raise ValueError("a provider needs detection rules, or `offers` for functions only an inventory declares")
        return self

    @field_validator("website")
    @classmethod
    def _https(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("website must be a URL")
        return value

    @property
    def functions(self) -> list[Function]:
        """Every function the provider offers: declared in ``offers`` or shown by a rule."""
        seen: dict[Function, None] = dict.fromkeys(self.offers)
        for rule in self.rules:
            seen.setdefault(rule.function)
        return list(seen)
