"""What kind of network a source address sits in: hosting, CDN/proxy, residential/mobile, or not known.

Offline and approximate, in this order:
1. the knowledge base's ``asn`` and ``cidr`` rules: a network a provider documents as its
   own (AWS, Hetzner, Cloudflare...) takes the class of that provider's function;
2. the AS name as the shipped ASN dataset gives it, against two word lists: hosting and
   data-centre words (``hosting``, ``cloud``, ``server``, ``datacenter``, well-known hosting
   brands), then access-network words (``telecom``, ``mobile``, ``cable``, ``broadband``,
   well-known consumer carriers);
3. anything else is *unclassified*, never guessed.

Limits, stated in every report: a carrier's AS can hold both homes and data centres;
AS names are organisation names, not descriptions (``CONTENT DELIVERY NETWORK LTD``, AS13188,
is a Ukrainian access provider, which is why the CDN list holds brands, not the words); residential proxy services make hosted bots look residential;
and tethers ships no list of VPN endpoints or Tor exits, so neither is assessed.
"""

from __future__ import annotations

import re
from enum import IntEnum

from tethers.kb.match import KnowledgeBase
from tethers.types import Function, RuleKind


class NetClass(IntEnum):
    HOSTING = 0
    CDN = 1
    ACCESS = 2  # residential and mobile access networks
    UNCLASSIFIED = 3
    BOGON = 4  # private, reserved, documentation: never routed on the Internet
    UNROUTED = 5  # public space no AS announces in the shipped data
    LOCAL = 6  # private addresses that also received traffic: hosts of the network where the capture was taken

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    NetClass.HOSTING: "hosting/cloud", NetClass.CDN: "cdn/proxy", NetClass.ACCESS: "residential/mobile",
    NetClass.UNCLASSIFIED: "unclassified", NetClass.BOGON: "bogon", NetClass.UNROUTED: "unrouted",
    NetClass.LOCAL: "local network",
}

_HOSTING = re.compile(
    r"host|cloud|server|data ?cent(?:er|re)|datacenter|dedicated|\bvps\b|\bcolo|web services|compute"
    r"|digitalocean|\bovh|hetzner|linode|vultr|choopa|leaseweb|\bm247\b|contabo|scaleway|alibaba|tencent"
    r"|amazon|google|microsoft|oracle|ionos|netcup|g-core|gcore|frantech|psychz|quadranet|selectel|timeweb"
    r"|\baeza\b|stark industries|datacamp|zenlayer|hivelocity|nforce|worldstream|serverius|ikoula|online s\.?a\.?s",
    re.IGNORECASE,
)
_CDN = re.compile(r"cloudflare|fastly|akamai|\bcdn\b|edgecast|incapsula|imperva|stackpath|limelight|edgio|bunny",
                  re.IGNORECASE)
_ACCESS = re.compile(
    r"tele(?:com|kom|communica|komunika|comunica|fonica|net\b)|mobile|\bmobil|cable|broadband|wireless|cellular"
    r"|fib(?:er|re)|\bdsl\b|\bisp\b|internet service|communications|comcast|verizon|at&t|vodafone|orange"
    r"|kyivstar|rostelecom|liberty global|virgin media|\bkpn\b|viettel|vnpt|chinanet|china unicom|airtel"
    r"|reliance jio|bharat sanchar|korea telecom|lg powercomm|sk broadband|charter|\bcox\b|\bclaro\b|movistar"
    r"|turkcell|free sas|\bsfr\b|bouygues|telstra|optus|rogers|\bshaw\b|\btelus\b|beeline|megafon|ukrtelecom"
    r"|vf ukraine|lifecell|triolan|volia|uninet|telmex|softbank|kddi|chunghwa|pldt|indosat|telkomsel"
    r"|etisalat|\bbt\b|british telecom|deutsche telekom|proximus|swisscom|a1 telekom|telia|telenor|\belisa\b"
    r"|chinatelecom|china telecom|china mobile|totalplay|megacable|izzi|\bnet\b servicos|ooredoo|zain|jazz",
    re.IGNORECASE,
)

_FUNCTION_CLASS = {Function.CDN: NetClass.CDN}


def class_of_name(as_name: str | None) -> NetClass:
    """The class an AS name suggests, or UNCLASSIFIED."""
    if not as_name:
        return NetClass.UNCLASSIFIED
    if _CDN.search(as_name):
        return NetClass.CDN
    if _HOSTING.search(as_name):
        return NetClass.HOSTING
    if _ACCESS.search(as_name):
        return NetClass.ACCESS
    return NetClass.UNCLASSIFIED


def class_of_function(function: Function) -> NetClass:
    """Networks the knowledge base names are data-centre networks; CDNs relay others' traffic."""
    return _FUNCTION_CLASS.get(function, NetClass.HOSTING)


def kb_networks(kb: KnowledgeBase) -> tuple[dict[int, str], list[tuple[str, str]]]:
    """ASN → provider id, and (CIDR, provider id) pairs, from the knowledge base's network rules."""
    asns: dict[int, str] = {}
    cidrs: list[tuple[str, str]] = []
    for provider_id, spec in kb.files.providers.items():
        for rule in spec.rules:
            if rule.kind is RuleKind.ASN:
                asns.setdefault(int(rule.value[2:]), provider_id)
            elif rule.kind is RuleKind.CIDR:
                cidrs.append((rule.value, provider_id))
    return asns, cidrs


def provider_function(kb: KnowledgeBase, provider_id: str) -> Function:
    """The function of a provider's first network rule (its ``asn``/``cidr`` rules name one)."""
    for rule in kb.files.providers[provider_id].rules:
        if rule.kind in (RuleKind.ASN, RuleKind.CIDR):
            return rule.function
    return Function.HOSTING
