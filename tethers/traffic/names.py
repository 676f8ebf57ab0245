"""Addresses → the DNS answers that gave them, so a flow to an address gets the name behind it.

An app resolves ``x.agora.io`` and then sends UDP to the address it got: the flow has
no name of its own, but the answer does. Each address keeps a few answers (a CDN
address serves many names); a flow takes the latest answer given before it started,
the way the client itself would have used it.
"""

from __future__ import annotations

from tethers.model import Evidence
from tethers.traffic.dnsmsg import Answer
from tethers.traffic.model import DnsAnswer, iso

MAX_PER_ADDRESS = 8
MAX_ADDRESSES = 1_000_000  # a bound for captures of resolvers' traffic; answers past it are counted, not kept
SLACK = 1.0  # seconds: capture clocks of the answer and the first packet may disagree slightly


def answer_evidence(source: str, answer: Answer, when: float) -> Evidence:
    """``x.agora.io A 198.51.100.7``, via each CNAME step back to the question."""
    via: Evidence | None = None
    for owner, target in zip(answer.chain, answer.chain[1:], strict=False):
        via = Evidence(f"{source}:dns", owner, f"CNAME {target}", target, via)
    stamp = iso(when)
    detail = f"{answer.rtype} {answer.address} (ttl {answer.ttl}" + (f", answered {stamp})" if stamp else ")")
    return Evidence(f"{source}:dns", answer.chain[-1], detail, answer.address, via)


class DnsMap:
    def __init__(self) -> None:
        self.by_address: dict[str, list[DnsAnswer]] = {}
        self.questions: dict[str, DnsAnswer] = {}  # question name → its first answer
        self.count = 0
        self.dropped = 0  # answers for new addresses once MAX_ADDRESSES were held

    def add(self, source: str, answer: Answer, when: float) -> None:
        self.count += 1
        entries = self.by_address.get(answer.address)
        if entries is None:
            if len(self.by_address) >= MAX_ADDRESSES:
                self.dropped += 1
                return
            entries = self.by_address[answer.address] = []
        for i, known in enumerate(entries):
            if known.chain == answer.chain:
                if when > known.time:  # the same answer again: keep the latest time
                    entries[i] = _answer(source, answer, when)
                return
        if len(entries) >= MAX_PER_ADDRESS:
            entries.pop(0)
        item = _answer(source, answer, when)
        entries.append(item)
        self.questions.setdefault(answer.qname, item)

    def lookup(self, address: str, when: float) -> DnsAnswer | None:
        """The latest answer for ``address`` given before ``when``, else the earliest given after."""
        entries = self.by_address.get(address)
        if not entries:
            return None
        before = [a for a in entries if a.time <= when + SLACK]
        if before:
            return max(before, key=lambda a: a.time)
        return min(entries, key=lambda a: a.time)

    def names_for(self, address: str) -> list[DnsAnswer]:
        return list(self.by_address.get(address, ()))


def _answer(source: str, answer: Answer, when: float) -> DnsAnswer:
    return DnsAnswer(when, answer.qname, answer.chain, answer.rtype, answer.address, answer.ttl,
                     answer_evidence(source, answer, when))
