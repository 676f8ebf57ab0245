"""Compiled matchers over the knowledge base: each lookup costs a few dict probes.

Suffix kinds are looked up by every whole-label suffix of the subject, longest
first, so ``mail.protection.outlook.com`` can never match ``...outlook.com.evil.example``.
CIDR rules are probed once per distinct prefix length; TXT prefixes once per
distinct prefix length. Only the anchored ``txt-regex``, ``ns-regex`` and ``cname-regex`` rules
are tried one by one, and they are few.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

from tethers.kb.load import KnowledgeBaseFiles, load_default
from tethers.model import ProviderRef
from tethers.types import HOST_REGEX_KINDS, SUFFIX_KINDS, Function, RuleKind
from tethers.util.names import normalise


@dataclass(frozen=True, slots=True)
class RuleHit:
    provider_id: str
    rule_index: int
    kind: RuleKind
    value: str
    function: Function

    @property
    def label(self) -> str:
        return f"{self.provider_id}#{self.rule_index} {self.kind} {self.value}"


class KnowledgeBase:
    """The loaded knowledge base with its compiled matchers."""

    def __init__(self, files: KnowledgeBaseFiles) -> None:
        self.files = files
        self._suffix: dict[tuple[RuleKind, str], list[RuleHit]] = {}
        self._asn: dict[int, list[RuleHit]] = {}
        self._cidr: dict[tuple[int, int, int], list[RuleHit]] = {}  # (version, prefixlen, network int)
        self._cidr_lengths: dict[int, list[int]] = {4: [], 6: []}
        self._txt_prefix: dict[str, list[RuleHit]] = {}
        self._txt_prefix_lengths: list[int] = []
        self._txt_regex: list[tuple[re.Pattern[str], RuleHit]] = []
        self._host_regex: dict[RuleKind, list[tuple[re.Pattern[str], RuleHit]]] = {k: [] for k in HOST_REGEX_KINDS}
        self._refs: dict[str, ProviderRef] = {}
        for provider_id, spec in files.providers.items():
            self._refs[provider_id] = files.provider_ref(provider_id)
            for index, rule in enumerate(spec.rules):
                hit = RuleHit(provider_id, index, rule.kind, rule.value, rule.function)
                self._add(hit)
        for lengths in self._cidr_lengths.values():
            lengths.sort(reverse=True)
        self._txt_prefix_lengths.sort(reverse=True)

    def _add(self, hit: RuleHit) -> None:
        kind = hit.kind
        if kind in SUFFIX_KINDS:
            self._suffix.setdefault((kind, hit.value.lower()), []).append(hit)
        elif kind is RuleKind.ASN:
            self._asn.setdefault(int(hit.value[2:]), []).append(hit)
        elif kind is RuleKind.CIDR:
            net = ipaddress.ip_network(hit.value)
            key = (net.version, net.prefixlen, int(net.network_address))
            self._cidr.setdefault(key, []).append(hit)
            if net.prefixlen not in self._cidr_lengths[net.version]:
                self._cidr_lengths[net.version].append(net.prefixlen)
        elif kind is RuleKind.TXT_PREFIX:
            prefix = hit.value.lower()
            self._txt_prefix.setdefault(prefix, []).append(hit)
            if len(prefix) not in self._txt_prefix_lengths:
                self._txt_prefix_lengths.append(len(prefix))
        elif kind is RuleKind.TXT_REGEX:
            self._txt_regex.append((re.compile(hit.value, re.IGNORECASE), hit))
        elif kind in HOST_REGEX_KINDS:
            self._host_regex[kind].append((re.compile(hit.value), hit))

    # -- lookups ---------------------------------------------------------

    def provider(self, provider_id: str) -> ProviderRef:
        return self._refs[provider_id]

    def match_suffix(self, kind: RuleKind, name: str) -> list[RuleHit]:
        """Rules of ``kind`` whose suffix is the longest one ``name`` ends with."""
        labels = normalise(name).split(".")
        for start in range(len(labels) - 1):  # stop before the bare TLD
            hits = self._suffix.get((kind, ".".join(labels[start:])))
            if hits:
                return hits
        return []

    def match_host_regex(self, kind: RuleKind, name: str) -> list[RuleHit]:
        host = normalise(name)
        return [hit for pattern, hit in self._host_regex[kind] if pattern.match(host)][:1]

    def match_asn(self, asn: int) -> list[RuleHit]:
        return self._asn.get(asn, [])

    def match_ip(self, ip: str) -> list[RuleHit]:
        """CIDR rules containing ``ip``, most specific first."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return []
        bits = 32 if addr.version == 4 else 128
        value = int(addr)
        for length in self._cidr_lengths[addr.version]:
            network = value >> (bits - length) << (bits - length)
            hits = self._cidr.get((addr.version, length, network))
            if hits:
                return hits
        return []

    def match_txt(self, text: str) -> list[RuleHit]:
        lowered = text.lower()
        for length in self._txt_prefix_lengths:
            hits = self._txt_prefix.get(lowered[:length]) if len(lowered) >= length else None
            if hits:
                return hits
        for pattern, hit in self._txt_regex:
            if pattern.match(text):
                return [hit]
        return []

    def match(self, kind: RuleKind, subject: str) -> list[RuleHit]:
        """Match one subject against one rule kind; the single entry point tests use."""
        if kind in SUFFIX_KINDS:
            return self.match_suffix(kind, subject)
        if kind is RuleKind.ASN:
            text = subject.upper().removeprefix("AS")
            return self.match_asn(int(text)) if text.isdigit() else []
        if kind is RuleKind.CIDR:
            return self.match_ip(subject)
        if kind in HOST_REGEX_KINDS:
            return self.match_host_regex(kind, subject)
        return self.match_txt(subject)

    def search(self, text: str) -> list[str]:
        """Provider ids whose id, name, owner or alias contains ``text`` (case-insensitive)."""
        needle = text.lower()
        found = []
        for provider_id, spec in self.files.providers.items():
            ref = self._refs[provider_id]
            haystack = " ".join([provider_id, spec.name, ref.owner, ref.operator, *spec.aliases]).lower()
            if needle in haystack:
                found.append(provider_id)
        return found


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    return KnowledgeBase(load_default())
