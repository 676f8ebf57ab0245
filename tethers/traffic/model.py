"""What traffic analysis observes and concludes: inputs, flows, DNS answers, endpoints, policy findings.

``Flow`` and ``InputInfo`` are filled in while files are read; everything a report
holds (``Endpoint``, ``TrafficReport``) is frozen. Times are POSIX seconds (floats) as
the capture recorded them; renderers turn them into ISO 8601.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tethers.model import Evidence, Location, ProviderRef
from tethers.types import Function

MAX_WARNINGS = 20  # per input; more are counted, not kept


def iso(ts: float | None) -> str:
    """``2020-04-03T14:02:11.120Z``, or ``""`` for a missing or impossible time."""
    if ts is None:
        return ""
    try:
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return ""


@dataclass
class InputInfo:
    """One input file as read: its format, what it held, and what was wrong with it."""

    path: str
    format: str = ""  # pcap, pcapng, har, zeek-conn, zeek-dns, zeek-ssl, zeek-http
    link: str = ""  # link layer of a capture ("Ethernet", "Linux cooked (SLL)"...)
    snaplen: int = 0
    records: int = 0  # packets, HAR entries or log lines read
    first: float | None = None
    last: float | None = None
    warnings: list[str] = field(default_factory=list)
    more_warnings: int = 0

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.more_warnings += 1


class Flow:
    """One conversation (a TCP connection, a UDP exchange), its counters and what it named.

    ``client`` is the side that opened it (the TCP SYN's sender, else the side that is
    not the server by the rules in ``tethers.traffic.flows``).
    """

    __slots__ = (
        "proto", "client", "cport", "server", "sport", "first", "last",
        "packets_out", "packets_in", "bytes_out", "bytes_in",
        "app", "sni", "host", "alpn", "ech", "note", "source", "sniffer", "uid", "ended", "key", "detail",
    )

    def __init__(self, proto: str, client: str, cport: int, server: str, sport: int, first: float, source: str) -> None:
        self.proto = proto  # "tcp", "udp", "icmp", "proto-50"...
        self.client = client
        self.cport = cport
        self.server = server
        self.sport = sport
        self.first = first
        self.last = first
        self.packets_out = 0  # client → server
        self.packets_in = 0
        self.bytes_out = 0
        self.bytes_in = 0
        self.app = ""  # "tls", "quic", "http", "dns" when recognised
        self.sni = ""
        self.host = ""  # HTTP Host, or the host of a HAR request URL
        self.alpn = ""
        self.ech = False  # the ClientHello offered Encrypted Client Hello: the SNI is only its public name
        self.note = ""  # why a name could not be read ("ClientHello cut by the snapshot length")
        self.source = source  # evidence source prefix: "pcap", "har", "zeek"
        self.sniffer: object | None = None  # payload inspection state while it lasts (tethers.traffic.sniff)
        self.uid = ""  # Zeek connection uid, for joining ssl/http logs
        self.ended = False  # a TCP FIN or RST was seen
        self.key: object = None  # the flow table's key while the flow is live
        self.detail = ""  # what a log or HAR entry said, for the evidence ("GET https://host/path → 200")


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """One address a DNS answer gave for a name, with the CNAME chain that led to it."""

    time: float
    qname: str
    chain: tuple[str, ...]  # qname, then each CNAME target, ending with the address's owner name
    rtype: str  # "A" or "AAAA"
    address: str
    ttl: int
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who an endpoint belongs to, and why."""

    provider: ProviderRef | None = None
    function: Function | None = None
    rule: str = ""  # "<provider>#<index> <kind> <value>", the rule that matched
    matched: str = ""  # what it matched: a host name or the server address
    own: bool = False  # a name under one of the --own domains
    local: bool = False  # a private, loopback or link-local server with no name: the local network
    domain: str = ""  # unattributed: the registrable domain named, or "AS64500 Example Net"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One server as the traffic named it: an address, with the host name used to reach it."""

    server: str  # IP address ("" for a HAR request without one)
    name: str  # SNI, HTTP Host or the DNS name behind the address; "" when none was seen
    names: tuple[str, ...]  # every name seen for it: SNI, Host, DNS questions and CNAME targets
    ports: tuple[int, ...]
    protocols: tuple[str, ...]  # "tcp/tls", "udp/quic", "tcp/http", "udp/dns", "udp"...
    flows: int
    packets_out: int
    packets_in: int
    bytes_out: int
    bytes_in: int
    first: float
    last: float
    evidence: tuple[Evidence, ...]
    inputs: tuple[str, ...]  # the files it was seen in
    location: Location
    attribution: Attribution = Attribution()
    notes: tuple[str, ...] = ()

    @property
    def bytes(self) -> int:
        return self.bytes_out + self.bytes_in


@dataclass(frozen=True, slots=True)
class Violation:
    """An endpoint the region policy does not allow, and each reason why."""

    endpoint: Endpoint
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyResult:
    description: str  # "only server countries EEA; no owner countries CN"
    violations: tuple[Violation, ...]  # break a rule of severity error: the run fails
    unlocated: tuple[Endpoint, ...] = ()  # public servers whose country is unknown: not judged
    warnings: tuple[Violation, ...] = ()  # break only rules of severity warning

    @property
    def violated(self) -> bool:
        return bool(self.violations)


@dataclass(frozen=True, slots=True)
class TrafficReport:
    inputs: tuple[InputInfo, ...]
    endpoints: tuple[Endpoint, ...]  # by bytes, largest first
    dns_answers: int = 0
    policy: PolicyResult | None = None
    started: str = ""
    finished: str = ""
