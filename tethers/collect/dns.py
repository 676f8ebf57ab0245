"""The DNS collector: the queries that reveal a domain's providers, and what their answers show.

It yields facts (``Evidence``) and expected failures (``CollectError``), never
conclusions. Every fact links (``via``) to the one that led to it: the MX record
behind a mail host's address, the CNAME step behind the next, the SPF record
behind an include.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property

from tethers.collect.eager import gather
from tethers.collect.resolver import Answer, Record, Resolver, prefetch
from tethers.collect.spf import expand_spf, is_spf
from tethers.errors import InputError
from tethers.model.evidence import (
    DNS_A,
    DNS_AAAA,
    DNS_BIMI,
    DNS_CAA,
    DNS_CNAME,
    DNS_DKIM,
    DNS_DMARC,
    DNS_MTA_STS,
    DNS_MX,
    DNS_NS,
    DNS_SOA,
    DNS_SRV,
    DNS_TLSRPT,
    DNS_TXT,
    CollectError,
    Evidence,
)

NAME = "dns"
DESCRIPTION = "Queries a domain's public DNS: apex records, mail policy records, DKIM selectors, service names and SRV."
SOURCES = (DNS_NS, DNS_SOA, DNS_MX, DNS_TXT, "dns:SPF", DNS_DMARC, DNS_DKIM, DNS_CAA, DNS_CNAME,
           DNS_A, DNS_AAAA, DNS_SRV, DNS_MTA_STS, DNS_TLSRPT, DNS_BIMI)

# Names where organisations commonly point services at providers.
SERVICE_NAMES = (
    "www", "mail", "webmail", "email", "autodiscover", "lyncdiscover", "enterpriseregistration",
    "enterpriseenrollment", "login", "sso", "auth", "id", "accounts", "support", "help", "helpdesk",
    "status", "shop", "store", "api", "cdn", "static", "assets", "media", "app", "portal", "docs", "blog",
    "news", "community", "careers", "jobs", "events", "developer", "go", "link", "click", "track", "info",
    "remote", "vpn", "meet", "mta-sts", "smtp", "imap",
    # Where SaaS tools usually get a company's name: wikis and trackers, recruiting, marketing
    # links and bounce domains, knowledge bases, forms, video, payments, staging hosts.
    "jira", "confluence", "wiki", "git", "gitlab", "sentry", "grafana", "talent", "hr",
    "em", "bounce", "links", "url", "newsletter", "marketing", "learn", "academy", "training",
    "forum", "feedback", "ideas", "roadmap", "changelog", "developers", "sandbox", "staging", "dev",
    "beta", "pay", "payments", "billing", "secure", "my", "account", "partners", "knowledge", "kb",
    "video", "files", "download", "webinar", "survey", "forms", "calendar", "chat", "owa", "sip",
    "citrix", "zoom", "m", "mobile", "cloud", "img", "images",
)
# DKIM selectors that providers hand out: Microsoft (selector1/2), Google (google), SendGrid
# (s1/s2), Mailchimp/Mandrill (k1-k3, mandrill), Zendesk, Proton, Fastmail, Constant Contact,
# Campaign Monitor, Mailjet, Brevo and generic ones.
DKIM_SELECTORS = (
    "selector1", "selector2", "google", "k1", "k2", "k3", "s1", "s2", "mandrill", "zendesk1", "zendesk2",
    "default", "dkim", "mail", "smtp", "mte1", "protonmail", "protonmail2", "protonmail3", "fm1", "fm2",
    "fm3", "ctct1", "ctct2", "cm", "mailjet",
)
SRV_NAMES = (
    "_autodiscover._tcp", "_sip._tls", "_sipfederationtls._tcp", "_xmpp-server._tcp", "_submission._tcp",
    "_imaps._tcp",
)
APEX_TYPES = ("NS", "SOA", "MX", "TXT", "CAA", "A", "AAAA")
# Mail policy records: (name prefix, evidence source), all TXT.
POLICY_NAMES = (("_dmarc", DNS_DMARC), ("_smtp._tls", DNS_TLSRPT), ("_mta-sts", DNS_MTA_STS), ("default._bimi", DNS_BIMI))
MAX_CNAME_CHAIN = 10
_MAILTO = re.compile(r"mailto:[^@,;\s]+@([^,;!\s]+)", re.IGNORECASE)
_URL_HOST = re.compile(r"https?://([^/:;,\s]+)", re.IGNORECASE)


def txt_string(record: Record) -> str:
    """A TXT record's character-strings joined and decoded (bytes that are not UTF-8 become U+FFFD)."""
    return b"".join(record.rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]


# RFC 8020: an NXDOMAIN for a name means nothing exists below it. A scan asks
# for these parents first and skips the names under one that does not exist
# (most domains publish no DKIM key under a selector we know, and no SRV).
DKIM_PARENT = "_domainkey"


def _srv_parent(srv_name: str) -> str:
    return srv_name.rsplit(".", 1)[-1]  # "_sip._tls" → "_tls"


@dataclass(frozen=True)
class QueryPlan:
    """Which names a live scan asks about beyond the apex and the mail policy records.

    ``cut``: ask ``_domainkey`` and ``_tcp``/``_tls`` first and skip the names
    under one that answers NXDOMAIN (RFC 8020). Off, every name is asked, for
    servers that wrongly answer NXDOMAIN for names with children.
    """

    name: str
    service_names: tuple[str, ...]
    dkim_selectors: tuple[str, ...]
    srv_names: tuple[str, ...]
    cut: bool = True

    @cached_property
    def parents(self) -> tuple[str, ...]:
        """Labels asked first under the cut: ``_domainkey`` (if any selector), the SRV names' ``_tcp``/``_tls``."""
        labels = [DKIM_PARENT] if self.dkim_selectors else []
        return tuple(dict.fromkeys(labels + [_srv_parent(s) for s in self.srv_names]))

    def first_queries(self, domain: str) -> list[tuple[str, str]]:
        """The lookups that follow the apex, none depending on another's answer (one batch)."""
        if self.cut:
            under: list[tuple[str, str]] = [(f"{p}.{domain}", "TXT") for p in self.parents]
        else:
            under = [*((f"{s}.{DKIM_PARENT}.{domain}", "TXT") for s in self.dkim_selectors),
                     *((f"{s}.{domain}", "SRV") for s in self.srv_names)]
        return [
            *((f"{prefix}.{domain}", "TXT") for prefix, _ in POLICY_NAMES),
            *under,
            *((f"{n}.{domain}", "A") for n in self.service_names),
        ]

    def static_queries(self, domain: str) -> list[tuple[str, str]]:
        """Every lookup of this plan a tool that cannot skip would make (benchmarks compare with it)."""
        return [
            *((domain, t) for t in APEX_TYPES),
            *((f"{prefix}.{domain}", "TXT") for prefix, _ in POLICY_NAMES),
            *((f"{s}.{DKIM_PARENT}.{domain}", "TXT") for s in self.dkim_selectors),
            *((f"{s}.{domain}", "SRV") for s in self.srv_names),
            *((f"{n}.{domain}", "A") for n in self.service_names),
        ]


# The default: every name above. "quick" is for internet-scale surveys: the apex, mail policy,
# www, and one DKIM selector for each of the four providers that hand out most keys (Google,
# Microsoft, Mailchimp, SendGrid), about 13 lookups for a domain without DKIM keys.
PLANS = {
    "full": QueryPlan("full", SERVICE_NAMES, DKIM_SELECTORS, SRV_NAMES),
    "quick": QueryPlan("quick", ("www",), ("google", "selector1", "k2", "s1"), ()),
}
FULL = PLANS["full"]


def plan_named(name: str, *, cut: bool = True) -> QueryPlan:
    """The plan called ``name`` (see ``PLANS``), with the RFC 8020 cut on or off."""
    try:
        plan = PLANS[name]
    except KeyError:
        raise InputError(f"unknown scan depth {name!r} (choose from {', '.join(PLANS)})") from None
    return plan if plan.cut == cut else replace(plan, cut=cut)


def first_queries(domain: str) -> list[tuple[str, str]]:
    """The full plan's lookups after the apex, every name asked (what a tool that cannot skip would send)."""
    return FULL.static_queries(domain)[len(APEX_TYPES):]


def _host(name: object) -> str:
    return str(name).rstrip(".").lower()


@dataclass
class Collected:
    evidence: list[Evidence] = field(default_factory=list)
    errors: list[CollectError] = field(default_factory=list)
    silenced: Counter[str] = field(default_factory=Counter)  # expected gaps, e.g. not-in-zones
    apex: dict[str, tuple[str, ...]] = field(default_factory=dict)  # NS, MX, CAA, A, AAAA at the apex
    absent: list[str] = field(default_factory=list)  # parents that do not exist, so nothing under them was asked

    def fail(self, answer: Answer) -> bool:
        """Record why ``answer`` failed, if it did; True when it did."""
        reason = answer.failure
        if not reason:
            return False
        if reason == "not-in-zones":
            self.silenced[reason] += 1
        else:
            self.errors.append(CollectError(answer.name, answer.rdtype, reason))
        return True


class DnsCollector:
    """Collects one domain's DNS evidence through a resolver.

    ``names`` (zone-file mode) lists extra owner names with the record types they
    hold; they are examined like the built-in service names, so a published zone
    is read in full.
    """

    name = NAME

    def __init__(self, resolver: Resolver, *, locate_hosts: bool = True, plan: QueryPlan = FULL) -> None:
        self.resolver = resolver
        self.locate_hosts = locate_hosts
        self.plan = plan

    async def collect(self, domain: str, names: list[tuple[str, list[str]]] | None = None) -> Collected:
        out = Collected()
        plan = self.plan
        extra = {n: set(t) for n, t in (names or []) if n != domain}
        await prefetch(self.resolver, [(domain, t) for t in APEX_TYPES])
        apex = await gather(*(self.resolver.query(domain, t) for t in APEX_TYPES))
        by_type = dict(zip(APEX_TYPES, apex, strict=True))
        if all(a.rcode == "NXDOMAIN" for a in apex):
            out.errors.append(CollectError(domain, "ANY", "nxdomain", "the domain does not exist"))
            return out
        if all(a.failure and a.failure != "not-in-zones" for a in apex):
            # Refused, SERVFAIL or silence for every apex type: names below would go the same way (a lame
            # or dead zone), and asking ~130 of them would only load the resolver and wait for timeouts.
            for answer in apex:
                out.fail(answer)
            reasons = sorted({a.failure for a in apex})
            out.errors.append(CollectError(domain, "ANY", reasons[0] if len(reasons) == 1 else "apex-unanswered",
                                           "no apex lookup was answered; names below the apex were not asked"))
            return out
        # The independent first queries go out as one batch when the resolver can (see resolver.prefetch).
        await prefetch(self.resolver, plan.first_queries(domain))
        tasks = [self._apex(domain, by_type, out), self._policy(domain, out), self._under(domain, out)]
        service = {f"{n}.{domain}" for n in plan.service_names}
        asked = {f"{s}.{domain}" for s in plan.srv_names} if extra else set()  # zone files only
        for name, types in extra.items():
            if "._domainkey." in name:
                if f"{name.split('._domainkey.')[0]}" not in plan.dkim_selectors:
                    tasks.append(self._dkim(name, out))
            elif "SRV" in types and name not in asked:
                tasks.append(self._srv(name, out))
            if types & {"A", "AAAA", "CNAME"} and "._domainkey." not in name:
                service.add(name)
            if "TXT" in types and not name.startswith(("_dmarc.", "_mta-sts.", "_smtp._tls.")) and "._domainkey." not in name:
                tasks.append(self._txt(name, out))
            if "MX" in types:
                tasks.append(self._mx(name, out))
            if "NS" in types:
                tasks.append(self._ns(name, out))
        tasks.extend(self._service(name, out) for name in sorted(service))
        await gather(*tasks)
        return out

    async def _under(self, domain: str, out: Collected) -> None:
        """DKIM selectors and SRV names, skipping those under a parent that does not exist (RFC 8020)."""
        plan = self.plan
        dkim = [f"{s}.{DKIM_PARENT}.{domain}" for s in plan.dkim_selectors]
        srv = plan.srv_names
        if plan.cut:
            gone = set()
            for parent in plan.parents:
                answer = await self.resolver.query(f"{parent}.{domain}", "TXT")
                if answer.rcode == "NXDOMAIN" and not answer.error:
                    gone.add(parent)
                    out.absent.append(f"{parent}.{domain}")
            dkim = [] if DKIM_PARENT in gone else dkim
            srv = tuple(s for s in srv if _srv_parent(s) not in gone)
            await prefetch(self.resolver, [*((n, "TXT") for n in dkim), *((f"{s}.{domain}", "SRV") for s in srv)])
        await gather(*(self._dkim(n, out) for n in dkim), *(self._srv(f"{s}.{domain}", out) for s in srv))

    # -- apex ------------------------------------------------------------

    async def _apex(self, domain: str, answers: dict[str, Answer], out: Collected) -> None:
        for rdtype, answer in answers.items():
            if out.fail(answer):
                continue
            if rdtype != "SOA" and rdtype != "TXT":
                texts = sorted({r.text.lower() for r in answer.records if r.rdtype == rdtype and r.owner == domain})
                if texts:
                    out.apex[rdtype] = tuple(texts)
            if rdtype == "NS":
                await self._ns_records(answer.of_type("NS"), out)
            elif rdtype == "SOA":
                for rec in answer.of_type("SOA"):
                    rd = rec.rdata
                    out.evidence.append(Evidence(DNS_SOA, rec.owner, rec.text, _host(rd.mname)))  # type: ignore[attr-defined]
                    out.evidence.append(Evidence(DNS_SOA, rec.owner, rec.text, _host(rd.rname)))  # type: ignore[attr-defined]
            elif rdtype == "MX":
                await self._mx_records(answer.of_type("MX"), out)
            elif rdtype == "TXT":
                await self._txt_records(domain, answer.of_type("TXT"), out)
            elif rdtype == "CAA":
                for rec in answer.of_type("CAA"):
                    rd = rec.rdata
                    tag = rd.tag.decode("ascii", "replace").lower()  # type: ignore[attr-defined]
                    value = rd.value.decode("utf-8", "replace")  # type: ignore[attr-defined]
                    issuer = value.split(";", 1)[0].strip().lower()
                    if tag in ("issue", "issuewild") and issuer:
                        out.evidence.append(Evidence(DNS_CAA, rec.owner, rec.text, issuer))
            elif rdtype in ("A", "AAAA"):
                self._addresses(answer, None, out)

    async def _ns(self, name: str, out: Collected) -> None:
        answer = await self.resolver.query(name, "NS")
        if not out.fail(answer):
            await self._ns_records(answer.of_type("NS"), out)

    async def _ns_records(self, records: list[Record], out: Collected) -> None:
        found = []
        for rec in records:
            ev = Evidence(DNS_NS, rec.owner, rec.text, _host(rec.rdata.target))  # type: ignore[attr-defined]
            out.evidence.append(ev)
            found.append(ev)
        await gather(*(self._locate(ev, out) for ev in found))

    async def _mx(self, name: str, out: Collected) -> None:
        answer = await self.resolver.query(name, "MX")
        if not out.fail(answer):
            await self._mx_records(answer.of_type("MX"), out)

    async def _mx_records(self, records: list[Record], out: Collected) -> None:
        found = []
        for rec in records:
            host = _host(rec.rdata.exchange)  # type: ignore[attr-defined]
            if not host:  # "0 ." is a null MX (RFC 7505): the domain accepts no mail
                continue
            ev = Evidence(DNS_MX, rec.owner, rec.text, host)
            out.evidence.append(ev)
            found.append(ev)
        await gather(*(self._locate(ev, out) for ev in found))

    async def _locate(self, ev: Evidence, out: Collected) -> None:
        """Addresses of a host named by NS/MX/SRV evidence, linked to it."""
        if not self.locate_hosts:
            return
        for rdtype in ("A", "AAAA"):
            answer = await self.resolver.query(ev.target, rdtype)
            if not out.fail(answer):
                self._addresses(answer, ev, out)

    def _addresses(self, answer: Answer, via: Evidence | None, out: Collected) -> None:
        for rec in answer.records:
            if rec.rdtype in ("A", "AAAA"):
                source = DNS_A if rec.rdtype == "A" else DNS_AAAA
                out.evidence.append(Evidence(source, rec.owner, rec.text, rec.text, via=via))

    # -- TXT and mail policy ----------------------------------------------

    async def _txt(self, name: str, out: Collected) -> None:
        answer = await self.resolver.query(name, "TXT")
        if not out.fail(answer):
            await self._txt_records(name, answer.of_type("TXT"), out)

    async def _txt_records(self, name: str, records: list[Record], out: Collected) -> None:
        spf = []
        for rec in records:
            text = txt_string(rec)
            ev = Evidence(DNS_TXT, rec.owner, rec.text, text)
            out.evidence.append(ev)
            if is_spf(text):
                spf.append((text, ev))
        if len(spf) > 1:
            out.errors.append(CollectError(name, "TXT", "spf-multiple", f"{len(spf)} SPF records (RFC 7208 permerror)"))
        for text, ev in spf:
            evidence, errors = await expand_spf(name, text, ev, self.resolver)
            out.evidence.extend(evidence)
            out.errors.extend(errors)

    async def _policy(self, domain: str, out: Collected) -> None:
        names = {f"{prefix}.{domain}": source for prefix, source in POLICY_NAMES}
        answers = await gather(*(self.resolver.query(n, "TXT") for n in names))
        for (name, source), answer in zip(names.items(), answers, strict=True):
            if out.fail(answer):
                continue
            for rec in answer.of_type("TXT"):
                text = txt_string(rec)
                if source in (DNS_DMARC, DNS_TLSRPT):
                    receivers = sorted({m.lower().rstrip(".") for m in _MAILTO.findall(text)})
                    receivers += sorted({h.lower() for h in _URL_HOST.findall(text)} - set(receivers))
                    for receiver in receivers:
                        out.evidence.append(Evidence(source, rec.owner, rec.text, receiver))
                    if not receivers:
                        out.evidence.append(Evidence(source, rec.owner, rec.text, ""))
                elif source == DNS_BIMI:
                    hosts = _URL_HOST.findall(text)
                    out.evidence.append(Evidence(source, rec.owner, rec.text, hosts[0].lower() if hosts else ""))
                else:
                    out.evidence.append(Evidence(source, rec.owner, rec.text, ""))

    async def _dkim(self, name: str, out: Collected) -> None:
        answer = await self.resolver.query(name, "TXT")
        if out.fail(answer) or not answer.records:
            return
        cnames = answer.of_type("CNAME")
        if cnames:
            first = cnames[0]
            ev = Evidence(DNS_DKIM, first.owner, first.text, _host(first.rdata.target))  # type: ignore[attr-defined]
            out.evidence.append(ev)
            for rec in cnames[1:]:
                ev = Evidence(DNS_CNAME, rec.owner, rec.text, _host(rec.rdata.target), via=ev)  # type: ignore[attr-defined]
                out.evidence.append(ev)
        else:
            for rec in answer.of_type("TXT"):
                out.evidence.append(Evidence(DNS_DKIM, rec.owner, rec.text, ""))

    async def _srv(self, name: str, out: Collected) -> None:
        answer = await self.resolver.query(name, "SRV")
        if out.fail(answer):
            return
        found = []
        for rec in answer.of_type("SRV"):
            target = _host(rec.rdata.target)  # type: ignore[attr-defined]
            if target:
                ev = Evidence(DNS_SRV, rec.owner, rec.text, target)
                out.evidence.append(ev)
                found.append(ev)
        await gather(*(self._locate(ev, out) for ev in found))

    # -- service names and CNAME chains -------------------------------------

    async def _service(self, name: str, out: Collected) -> None:
        """Follow a service name's CNAME chain to its addresses, one evidence per step."""
        via: Evidence | None = None
        seen = {name}
        current = name
        answer = await self.resolver.query(current, "A")
        while True:
            if out.fail(answer) or not answer.records:
                return
            last_target = None
            for rec in answer.records:
                if rec.rdtype == "CNAME":
                    target = _host(rec.rdata.target)  # type: ignore[attr-defined]
                    via = Evidence(DNS_CNAME, rec.owner, rec.text, target, via=via)
                    out.evidence.append(via)
                    if target in seen:
                        out.errors.append(CollectError(name, "CNAME", "cname-loop", f"{rec.owner} points back to {target}"))
                        return
                    seen.add(target)
                    last_target = target
            self._addresses(answer, via, out)
            has_address = any(r.rdtype in ("A", "AAAA") for r in answer.records)
            if last_target is None or has_address:
                break
            if len(seen) > MAX_CNAME_CHAIN:
                out.errors.append(CollectError(name, "CNAME", "cname-chain-too-long", f"more than {MAX_CNAME_CHAIN} steps"))
                return
            # An authoritative server stops at its zone's edge; ask for the next step.
            current = last_target
            answer = await self.resolver.query(current, "A")
