"""SPF (RFC 7208): find the record, and expand include:/redirect= into evidence.

Expansion follows RFC 7208 section 4.6.4: at most 10 DNS-querying terms
(include, a, mx, ptr, exists, redirect) across the whole evaluation. Past the
limit, terms are still reported as evidence (they show who may send for the
domain) but not queried. Loops are detected by the set of domains already
expanded. Domain specs with macros (``include:%{ir}.%{v}._spf.mta.salesforce.com``)
cannot be expanded without a sender; their literal tail is matched instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tethers.collect.resolver import Answer, Resolver
from tethers.model.evidence import DNS_SPF, CollectError, Evidence

LOOKUP_LIMIT = 10
QUERYING = ("include", "a", "mx", "ptr", "exists", "redirect")


@dataclass(frozen=True, slots=True)
class SpfTerm:
    kind: str  # include, redirect, a, mx, ptr, exists, ip4, ip6, all, exp, unknown
    value: str  # the domain spec or network; "" when absent
    text: str  # the term as written


def is_spf(text: str) -> bool:
    lowered = text.lower()
    return lowered == "v=spf1" or lowered.startswith("v=spf1 ")


@lru_cache(maxsize=4096)  # a provider's record (_spf.google.com) is parsed once per batch, not once per domain
def parse_spf(text: str) -> tuple[SpfTerm, ...]:
    """Split a ``v=spf1`` record into terms; tolerant of odd spacing and case."""
    terms = []
    for word in text.split()[1:]:
        body = word.lstrip("+-~?")
        lowered = body.lower()
        if lowered.startswith("redirect="):
            terms.append(SpfTerm("redirect", body.split("=", 1)[1].lower(), word))
        elif lowered.startswith("exp="):
            terms.append(SpfTerm("exp", body.split("=", 1)[1].lower(), word))
        else:
            name, _, arg = body.partition(":")
            name = name.split("/", 1)[0].lower()
            if name in ("include", "a", "mx", "ptr", "exists", "ip4", "ip6", "all"):
                terms.append(SpfTerm(name, arg.lower().rstrip("."), word))
            else:
                terms.append(SpfTerm("unknown", body, word))
    return tuple(terms)


def literal_tail(domain_spec: str) -> str:
    """The part of a domain spec after its last macro label (``%{..}``), for matching."""
    labels = domain_spec.split(".")
    while labels and "%" in labels[0]:
        labels = labels[1:]
    return ".".join(labels)


def spf_records(answer: Answer) -> list[str]:
    texts = []
    for record in answer.of_type("TXT"):
        text = b"".join(record.rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
        if is_spf(text):
            texts.append(text)
    return texts


async def expand_spf(
    domain: str, record: str, origin: Evidence, resolver: Resolver
) -> tuple[list[Evidence], list[CollectError]]:
    """Evidence for every include/redirect reachable from ``record`` (found at ``domain``)."""
    evidence: list[Evidence] = []
    errors: list[CollectError] = []
    lookups = 0
    expanded = {domain.lower()}
    limit_reported = False

    async def walk(at: str, text: str, parent: Evidence, depth: int) -> None:
        nonlocal lookups, limit_reported
        for term in parse_spf(text):
            if term.kind in QUERYING:
                lookups += 1
            if term.kind not in ("include", "redirect") or not term.value:
                continue
            target = literal_tail(term.value)
            if not target:
                continue
            ev = Evidence(DNS_SPF, at, term.text, target, via=parent)
            evidence.append(ev)
            if "%" in term.value:
                continue  # a macro: depends on the sender, nothing to query
            if lookups > LOOKUP_LIMIT:
                if not limit_reported:
                    errors.append(
                        CollectError(at, "TXT", "spf-lookup-limit",
                                     f"more than {LOOKUP_LIMIT} DNS-querying terms; {term.value} and later not expanded")
                    )
                    limit_reported = True
                continue
            if target in expanded:
                errors.append(CollectError(target, "TXT", "spf-loop", f"{at} includes {target}, already expanded"))
                continue
            expanded.add(target)
            answer = await resolver.query(target, "TXT")
            if answer.failure == "not-in-zones":
                continue  # zone-file mode: the include lies outside the files, as expected
            if answer.failure:
                errors.append(CollectError(target, "TXT", answer.failure, f"SPF {term.kind} from {at}"))
                continue
            found = spf_records(answer)
            if not found:
                errors.append(CollectError(target, "TXT", "spf-missing", f"{term.kind} target of {at} has no SPF record"))
                continue
            if len(found) > 1:
                errors.append(CollectError(target, "TXT", "spf-multiple", f"{len(found)} SPF records"))
            await walk(target, found[0], ev, depth + 1)

    await walk(domain.lower(), record, origin, 0)
    return evidence, errors
