"""How far the evidence carries each "it came from X" claim.

The trust in a source address comes from the protocol first:
- an HTTP request in an access log, or a TCP flow with ACKs, needed a completed handshake,
  so the address is real: it received the server's reply. It can still be a proxy, a VPN
  exit, a rented cloud machine or an infected device, none of which is the attacker;
- a UDP flood from ports of amplifying services (DNS 53, NTP 123, memcached 11211...) is
  made of replies: the listed addresses are reflectors answering requests forged in the
  victim's name, and say nothing of where the attacker is;
- SYN-only, UDP and ICMP floods need no reply, so their source addresses can be anything.
  They are judged forged when the traffic shows it: bogon or unrouted sources, sources
  spread evenly with a packet or two each, or one TTL shared by "many" networks.

Each claim gets a verdict (``partly``, ``weak``, ``unproven``, ``does-not-hold``), its
support (the share of traffic it rests on), what it rests on, and what would refute it.
No traffic analysis makes "the attacker is in X" hold outright, so there is no stronger verdict.
"""

from __future__ import annotations

from typing import Any

from tethers.attack.assess import Measures
from tethers.attack.episodes import Episode
from tethers.attack.records import Vector

REAL = "real"
REFLECTORS = "reflectors"
SPOOFED = "spoofed-likely"
UNVERIFIED = "unverified"

_TRUST_TEXT = {
    REAL: "Source addresses are real: each completed a TCP handshake. They may still be proxies, VPN exits, "
          "rented cloud machines or botnet members rather than the attacker.",
    REFLECTORS: "Source addresses are reflectors: servers answering requests forged in the victim's name. They are "
                "real but unwitting, and say nothing about where the attacker is.",
    SPOOFED: "Source addresses are probably forged: the traffic needs no reply, and it shows signs of spoofing.",
    UNVERIFIED: "Source addresses are unverified: this traffic needs no reply, so they could be forged, though "
                "nothing here shows that they are.",
}


def pct(x: float) -> str:
    return f"{x * 100:.0f}%" if x >= 0.01 or x == 0 else f"{x * 100:.1f}%"


def _unit(unit: str, n: float) -> str:
    return unit.rstrip("s") if n == 1 else unit


def _n(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def indicators(ep: Episode, m: Measures) -> list[dict[str, Any]]:
    """Signs of forged or reflected sources, each with whether it fired."""
    unit = ep.vector.unit
    out: list[dict[str, Any]] = []
    def add(name: str, fires: bool, text: str) -> None:
        out.append({"name": name, "fires": bool(fires), "text": text})
    if ep.vector in (Vector.HTTP, Vector.TCP_ESTABLISHED):
        # Completed exchanges cannot be forged; private sources here mean a proxy in front of the server.
        add("behind-proxy", m.share("bogon") >= 0.5,
            f"{pct(m.share('bogon'))} of {unit} from private addresses: a proxy or load balancer stands in front; "
            "log the forwarded client address (X-Forwarded-For) to see the real sources")
        add("behind-cdn", m.share("cdn/proxy") >= 0.5,
            f"{pct(m.share('cdn/proxy'))} of {unit} arrive from CDN networks: these are the CDN's edge servers, "
            "near the real clients but not them (see --client-ip forwarded)")
        return out
    add("bogon", m.share("bogon") >= 0.01,
        f"{pct(m.share('bogon'))} of {unit} from private or reserved addresses, which no reply could reach")
    add("unrouted", m.share("unrouted") >= 0.05,
        f"{pct(m.share('unrouted'))} of {unit} from public addresses that no network announces")
    per_prefix = m.sources / max(m.prefixes, 1)
    add("even-spread", m.sources >= 200 and m.median_per_source <= 2 and per_prefix <= 1.3,
        f"{_n(m.sources, 'source')} sent a median of {m.median_per_source:g} {_unit(unit, m.median_per_source)} "
        f"each, {per_prefix:.2f} per /24 or /48 prefix, over {_n(m.asns, 'network')}")
    if m.countries_top and m.countries_top[0]["share"] >= 0.9 and m.asns >= 20:
        cc = m.countries_top[0]
        add("one-country-many-networks", m.median_per_source <= 2,
            f"{pct(cc['share'])} geolocates to {cc['country']} yet spreads over {_n(m.asns, 'network')} "
            f"with a median of {m.median_per_source:g} {_unit(unit, m.median_per_source)} per source: addresses "
            "picked from one country's allocations")
    ttl = m.ttl
    if ttl and ttl.get("known_share", 0) >= 0.5 and m.sources >= 100 and m.asns >= 10:
        top = ttl["values"][0]
        add("one-ttl", top["share"] >= 0.8,
            f"TTL {top['value']} on {pct(top['share'])} of packets from {_n(m.asns, 'network')}, which sit at "
            f"different distances: one sender")
        odd = ttl.get("implausible_share", 0.0)
        add("odd-ttl", odd >= 0.3, f"{pct(odd)} of packets carry a TTL no common system starts from within 32 hops "
            "(senders start at 64, 128 or 255): crafted headers")
    if ep.vector in (Vector.UDP, Vector.UDP_REFLECTION):
        share = m.sport.get("reflection_share", 0.0)
        services = sorted({v.get("service", "") for v in m.sport.get("values", []) if v.get("service")})
        add("reflection", share >= 0.5,
            f"{pct(share)} of packets from ports of amplifying services ({', '.join(services) or 'none'})")
    if ep.vector is Vector.TCP_SYN:
        add("syn-only", True, "SYN packets without ACK: no handshake completed, no address confirmed")
    return out


def trust_level(ep: Episode, fired: list[dict[str, Any]]) -> str:
    names = {i["name"] for i in fired if i["fires"]}
    if ep.vector in (Vector.HTTP, Vector.TCP_ESTABLISHED):
        return REAL
    if "reflection" in names:
        return REFLECTORS
    if names - {"syn-only"}:
        return SPOOFED
    return UNVERIFIED


def claims(ep: Episode, m: Measures, level: str, fired: list[dict[str, Any]]) -> list[dict[str, Any]]:
    what = ep.vector.label
    signs = [i["text"] for i in fired if i["fires"]]
    out: list[dict[str, Any]] = []
    base = [f"geolocation of {_n(m.sources, 'source address', 'source addresses')} (offline ip-location-db data)",
            _TRUST_TEXT[level]]
    if m.new_share is not None:
        base.append(f"{pct(m.new_share)} of it from sources not seen in the baseline")
    for kind, rows in (("country", m.countries_top), ("network", m.asns_top)):
        if not rows:
            out.append(_claim(f"The {what} traffic came from a known {kind}", "unproven", 0.0,
                              base + ["no source could be located"], "—"))
            continue
        top = rows[0]
        name = top["country"] if kind == "country" else f"AS{top['asn']} ({top['as_name'] or 'no name'})"
        spread = m.countries if kind == "country" else m.asns
        verdict, why = _verdict(level, top["share"], m, spread, kind, ep.surge)
        rests = base + signs + [why]
        out.append(_claim(f"The {what} traffic came from {name}", verdict, top["share"], rests,
                          _refuter(level, kind, name)))
    if level == REAL:
        rented = m.fraction("hosting/cloud", "cdn/proxy")
        homes = m.fraction("residential/mobile")
        if rented >= homes:
            verdict = "partly" if rented >= 0.5 else "weak"
            out.append(_claim(f"The {what} traffic came from rented servers (hosting, cloud, CDN)", verdict, rented,
                              base + [f"{pct(rented)} from networks the knowledge base or AS names mark as hosting, "
                                      f"cloud or CDN"],
                              "the hosts' providers finding the machines were compromised, or resold as proxies"))
        else:
            verdict = "partly" if homes >= 0.5 else "weak"
            out.append(_claim(f"The {what} traffic came from home and mobile connections", verdict, homes,
                              base + [f"{pct(homes)} from networks whose AS names mark them as access providers"],
                              "residential proxy services, which rent home addresses to anyone"))
    return out


def _verdict(level: str, share: float, m: Measures, spread: int, kind: str, surge: bool) -> tuple[str, str]:
    if level == SPOOFED:
        return "does-not-hold", "the addresses were chosen by the sender, not observed: their location is the forger's choice"
    if level == REFLECTORS and not surge:
        return "unproven", "replies from servers there, asked for or not; no surge says they were an attack"
    if level == REFLECTORS:
        ports = ", ".join(f"{v['value']} ({v.get('service', '?')})" for v in m.sport.get("values", [])[:3])
        return "does-not-hold", f"the sources are reflectors (source ports {ports}); the attacker sent the requests from elsewhere"
    if level == UNVERIFIED:
        return "unproven", "nothing confirms that these addresses sent the traffic"
    rented = m.fraction("hosting/cloud", "cdn/proxy")
    if m.share("cdn/proxy") >= 0.5:
        return "weak", f"{pct(m.share('cdn/proxy'))} arrives through CDN edges, which stand in for the clients"
    if share < 0.5:
        where = _n(spread, "country", "countries") if kind == "country" else _n(spread, "network")
        return "weak", f"spread over {where}; this one holds only {pct(share)}"
    if rented >= 0.5:
        return "weak", f"{pct(rented)} from hosting, cloud and CDN networks, which rent machines to anyone, anywhere"
    return "partly", "the sending machines are mostly there; whoever directs them may be anywhere"


def _refuter(level: str, kind: str, name: str) -> str:
    if level in (SPOOFED, REFLECTORS):
        return (f"only flow records from the upstream networks (where the packets really entered) could place the "
                f"sender in {name}; these sources cannot")
    if level == UNVERIFIED:
        return "handshakes completed from these addresses, or upstream flow records, would confirm them; forgery signs would refute"
    return (f"clients outside {name} once proxies are seen through (X-Forwarded-For), or the machines in {name} "
            "being directed from elsewhere: a botnet's controller is rarely where its members are")


def _claim(statement: str, verdict: str, support: float, rests_on: list[str], refuted_by: str) -> dict[str, Any]:
    return {"claim": statement, "verdict": verdict, "support": round(support, 4), "rests_on": rests_on,
            "refuted_by": refuted_by}


def summary(ep: Episode, m: Measures, level: str) -> str:
    """The episode in plain words, one paragraph."""
    unit = ep.vector.unit
    if ep.surge:
        factor = f"{ep.peak_rate / ep.usual_rate:,.0f} times the usual rate" if ep.usual_rate > 0 else "from nothing"
        head = f"{ep.vector.label} surged to {ep.peak_rate:,.0f} {unit} a minute ({factor})"
    else:
        head = f"{ep.vector.label}: {m.total:,.0f} {unit}, no surge"
    where = ""
    if m.countries_top:
        c = m.countries_top[0]
        where = (f" {_n(m.sources, 'source')} in {_n(m.countries, 'country', 'countries')} and {_n(m.asns, 'network')}; "
                 f"the largest, {c['country']}, sent {pct(c['share'])}.")
    trust = _TRUST_TEXT[level]
    if level == REFLECTORS and not ep.surge:
        trust = ("These are replies from services that can amplify (DNS, NTP...); in a flood their senders would be "
                 "reflectors answering forged requests, but there is no surge here.")
    return f"{head}.{where} {trust}"
