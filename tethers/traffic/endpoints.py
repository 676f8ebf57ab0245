"""Flows → endpoints: one per server address and the host name used to reach it.

A CDN address serving two sites is two endpoints (two SNIs); one site spread over
several addresses is several (each address has its own location). A flow with no
name of its own (UDP media, a bare TLS connection) takes the name of the DNS answer
that gave its address. Names that were resolved but never contacted in the input
become endpoints without flows, so a lookup of an SDK's host is not lost either.
"""

from __future__ import annotations

from tethers.model import Evidence
from tethers.traffic.model import DnsAnswer, Flow, iso
from tethers.traffic.names import DnsMap

MAX_EVIDENCE = 5
MAX_NOTES = 3
MAX_ENDPOINTS = 1_000_000  # past this (a scan, a resolver's capture), flows to new servers share one endpoint
OVERFLOW = ("", "")


class Draft:
    """An endpoint being accumulated."""

    __slots__ = ("server", "name", "names", "ports", "protocols", "flows", "packets_out", "packets_in",
                 "bytes_out", "bytes_in", "first", "last", "evidence", "inputs", "notes")

    def __init__(self, server: str, name: str, first: float) -> None:
        self.server = server
        self.name = name
        self.names: dict[str, None] = {name: None} if name else {}
        self.ports: dict[int, None] = {}
        self.protocols: dict[str, None] = {}
        self.flows = 0
        self.packets_out = self.packets_in = self.bytes_out = self.bytes_in = 0
        self.first = first
        self.last = first
        self.evidence: dict[Evidence, None] = {}
        self.inputs: dict[str, None] = {}
        self.notes: dict[str, None] = {}

    def cname_targets(self) -> list[str]:
        """Names after the first in DNS chains that led here, deepest first."""
        found: list[str] = []
        for ev in self.evidence:
            for step in ev.chain():
                if step.source.endswith(":dns") and step.value.startswith("CNAME "):
                    found.append(step.target)
        return list(dict.fromkeys(reversed(found)))


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def evidence_source(flow: Flow) -> str:
    """The evidence source a flow yields: ``pcap:sni``, ``har:request``, ``zeek:flow``..."""
    if flow.sni:
        return f"{flow.source}:{'quic-sni' if flow.app == 'quic' else 'sni'}"
    if flow.host:
        return f"{flow.source}:{'request' if flow.source == 'har' else 'http-host'}"
    return f"{flow.source}:flow"


def flow_evidence(flow: Flow, answer: DnsAnswer | None) -> Evidence:
    """What a flow shows, with the DNS answer behind its address as ``via``."""
    via = answer.evidence if answer is not None else None
    conn = f"{flow.proto} {_where(flow.client, flow.cport)} → {_where(flow.server, flow.sport)}" if flow.server else flow.proto
    when = iso(flow.first)
    tail = f"{conn} at {when}" if when else conn
    if flow.detail:
        tail = f"{flow.detail}; {tail}"
    if flow.sni:
        what = "QUIC ClientHello" if flow.app == "quic" else "TLS ClientHello"
        ech = " (public name: Encrypted Client Hello hides the real one)" if flow.ech else ""
        return Evidence(evidence_source(flow), flow.sni, f"{what} server_name {flow.sni}{ech}; {tail}", flow.sni, via)
    if flow.host:
        return Evidence(evidence_source(flow), flow.host, f"HTTP Host {flow.host}; {tail}", flow.host, via)
    return Evidence(evidence_source(flow), flow.server, tail, flow.server, via)


class EndpointBuilder:
    def __init__(self, dns: DnsMap) -> None:
        self.dns = dns
        self.drafts: dict[tuple[str, str], Draft] = {}
        self.overflow = 0  # flows folded into the shared endpoint

    def _answer(self, flow: Flow, name: str) -> DnsAnswer | None:
        if not flow.server:
            return None
        if name:  # the answer that gave this address for this name, if any did
            matching = [a for a in self.dns.names_for(flow.server) if name in a.chain]
            return max(matching, key=lambda a: a.time) if matching else None
        return self.dns.lookup(flow.server, flow.first)

    def add(self, flow: Flow, input_name: str) -> None:
        own_name = flow.sni or flow.host
        answer = self._answer(flow, own_name)
        name = own_name or (answer.qname if answer else "")
        key = (flow.server, name)
        draft = self.drafts.get(key)
        if draft is None and len(self.drafts) >= MAX_ENDPOINTS:
            self.overflow += 1
            draft = self.drafts.get(OVERFLOW)
            if draft is None:
                draft = self.drafts[OVERFLOW] = Draft("", "", flow.first)
                draft.notes[f"flows to servers past the first {MAX_ENDPOINTS:,} endpoints, counted together"] = None
            answer = None
        elif draft is None:
            draft = self.drafts[key] = Draft(flow.server, name, flow.first)
        if answer is not None:
            for step in answer.chain:
                draft.names.setdefault(step, None)
        if flow.sport:
            draft.ports.setdefault(flow.sport, None)
        draft.protocols.setdefault(f"{flow.proto}/{flow.app}" if flow.app else flow.proto, None)
        draft.flows += 1
        draft.packets_out += flow.packets_out
        draft.packets_in += flow.packets_in
        draft.bytes_out += flow.bytes_out
        draft.bytes_in += flow.bytes_in
        draft.first = min(draft.first, flow.first)
        draft.last = max(draft.last, flow.last)
        draft.inputs.setdefault(input_name, None)
        # The first flow of each kind (SNI, Host, bare flow) is its example; later ones add only counts.
        source = evidence_source(flow)
        if len(draft.evidence) < MAX_EVIDENCE and all(ev.source != source for ev in draft.evidence):
            draft.evidence.setdefault(flow_evidence(flow, answer), None)
        if flow.note and len(draft.notes) < MAX_NOTES:
            draft.notes.setdefault(flow.note, None)

    def build(self) -> list[Draft]:
        """Every endpoint, plus names resolved but never contacted."""
        drafts = list(self.drafts.values())
        seen = {n for d in drafts for n in d.names}
        for qname, answer in self.dns.questions.items():
            if qname in seen or any(step in seen for step in answer.chain):
                continue
            draft = Draft(answer.address, qname, answer.time)
            for step in answer.chain:
                draft.names.setdefault(step, None)
            draft.protocols["dns-answer"] = None
            draft.evidence[answer.evidence] = None
            drafts.append(draft)
            seen.update(answer.chain)
        return drafts
