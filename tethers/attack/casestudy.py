"""A reproducible incident modelled on the X (Twitter) outage of 10 March 2025.

On that day X went down in waves; its owner said the attack came "from IP addresses in
the Ukraine region", and experts answered that flood sources are easily forged. This
generator writes *synthetic* traffic of that shape, seeded, so that anyone can check what
tethers concludes against what really happened:

- a baseline from 9 March 00:00 to 10 March 18:00 UTC: web requests and TCP flows from
  home and mobile networks in many countries, and a few DNS replies from public resolvers;
- 09:40-10:10 an HTTP flood from a botnet of rented servers in hosting networks across
  many countries (real addresses: each request completed a handshake);
- 13:30-14:00 a UDP reflection flood: DNS, NTP, memcached and SSDP replies from thousands of
  reflectors worldwide (real servers, but not the attacker);
- 15:00-15:30 a SYN flood whose sources are drawn at random from Ukraine's address space,
  one packet each, all with the same TTL: forged, so that geolocation says "Ukraine".

The addresses come from the shipped IP tables (real networks, so geolocation means
something); the traffic, timings and volumes are invented. The victim is 198.51.100.10, a
documentation address. Nothing here reconstructs the real incident's packets.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tethers.geo import default_locator

SEED = 20250310
VICTIM = "198.51.100.10"
DAY0 = int(datetime(2025, 3, 9, tzinfo=UTC).timestamp())
END = int(datetime(2025, 3, 10, 18, tzinfo=UTC).timestamp())


def _t(hour: int, minute: int) -> int:
    return int(datetime(2025, 3, 10, hour, minute, tzinfo=UTC).timestamp())


WAVES = {
    "http-flood": (_t(9, 40), _t(10, 10)),
    "udp-reflection": (_t(13, 30), _t(14, 0)),
    "syn-flood": (_t(15, 0), _t(15, 30)),
}
# Access networks for the baseline, by AS number (names from the shipped ASN data): Comcast, Deutsche
# Telekom, Orange, BT, Kyivstar, Telefonica Spain, Bharti Airtel, Claro Brazil, Turk Telekom, Korea
# Telecom, Telstra, Rogers, Free, KPN, Viettel.
ACCESS_ASNS = (7922, 3320, 3215, 2856, 15895, 3352, 24560, 28573, 9121, 4766, 1221, 812, 12322, 1136, 7552)
# Hosting networks for the botnet: providers in the knowledge base and others named for hosting.
HOSTING_ASNS = (16509, 14061, 24940, 16276, 63949, 20473, 51167, 8075, 396982, 45102, 132203, 31898,
                12876, 8560, 9009, 60781, 14618, 197540, 36352, 46606)
REFLECTOR_PORTS = ((53, 0.45, 3000), (123, 0.3, 468), (11211, 0.1, 1400), (1900, 0.15, 300))
USER_AGENTS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/133.0 Safari/537.36",
               "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
               "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/133.0 Mobile Safari/537.36")
PATHS = ("/home", "/explore", "/notifications", "/i/api/graphql/HomeTimeline", "/messages", "/settings")


class _Space:
    """Address ranges of the shipped tables, to draw real addresses from."""

    def __init__(self) -> None:
        asn_ds, cc_ds = default_locator().datasets()
        t = asn_ds.arrays.table.arrays()
        assert asn_ds.arrays.asn is not None
        self.as_start, self.as_end = t["v4_start"].astype(np.int64), t["v4_end"].astype(np.int64)
        self.as_num = asn_ds.arrays.asn.astype(np.int64)[t["v4_value"]]
        c = cc_ds.arrays.table.arrays()
        self.cc_start, self.cc_end = c["v4_start"].astype(np.int64), c["v4_end"].astype(np.int64)
        self.cc_code = np.array(cc_ds.arrays.countries or ())[c["v4_value"]]

    def in_asns(self, rng: np.random.Generator, asns: tuple[int, ...], n: int) -> npt.NDArray[np.int64]:
        """``n`` addresses: an AS at random, one of its ranges at random, an address in it at random."""
        picks = rng.choice(np.array(asns), size=n)
        out = np.empty(n, dtype=np.int64)
        for asn in np.unique(picks).tolist():
            where = np.flatnonzero(self.as_num == asn)
            slots = np.flatnonzero(picks == asn)
            if not len(where):
                where = np.flatnonzero(self.as_num == 16509)
            ranges = rng.choice(where, size=len(slots))
            out[slots] = self._inside(rng, self.as_start[ranges], self.as_end[ranges])
        return out

    def anywhere(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        """Addresses in announced ranges, one range at random each (so many networks appear)."""
        ranges = rng.integers(0, len(self.as_start), size=n)
        return self._inside(rng, self.as_start[ranges], self.as_end[ranges])

    def in_country(self, rng: np.random.Generator, code: str, n: int) -> npt.NDArray[np.int64]:
        """Addresses uniformly over a country's whole address space: what a forger picking from a list does."""
        where = np.flatnonzero(self.cc_code == code)
        sizes = (self.cc_end[where] - self.cc_start[where] + 1).astype(np.float64)
        ranges = where[rng.choice(len(where), size=n, p=sizes / sizes.sum())]
        return self._inside(rng, self.cc_start[ranges], self.cc_end[ranges])

    @staticmethod
    def _inside(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> npt.NDArray[np.int64]:
        return lo + (rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


def _ip(values: npt.NDArray[np.int64]) -> list[str]:
    v = values.astype(np.int64)
    return [f"{a}.{b}.{c}.{d}" for a, b, c, d in zip((v >> 24).tolist(), ((v >> 16) & 255).tolist(),
                                                     ((v >> 8) & 255).tolist(), (v & 255).tolist(), strict=True)]


def _times(rng: np.random.Generator, start: int, end: int, n: int) -> npt.NDArray[np.int64]:
    return np.sort(rng.integers(start, end, size=n))


def _clf(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(directory: Path, seed: int = SEED, scale: float = 1.0) -> dict[str, Any]:
    """Write ``access.log``, ``flows.csv``, ``truth.json`` and ``README.md`` into ``directory``."""
    rng = np.random.default_rng(seed)
    space = _Space()
    n = lambda x: max(int(x * scale), 20)  # noqa: E731
    minutes = (END - DAY0) // 60
    users = space.in_asns(rng, ACCESS_ASNS, n(3000))
    bots = space.in_asns(rng, HOSTING_ASNS, n(2500))
    reflectors = space.anywhere(rng, n(6000))

    # Web server log: the baseline from users, then the flood from bots.
    base_ts = _times(rng, DAY0, END, n(20 * minutes))
    base_src = users[rng.integers(0, len(users), size=len(base_ts))]
    h0, h1 = WAVES["http-flood"]
    flood_ts = _times(rng, h0, h1, n(2000 * 30))
    flood_src = bots[rng.integers(0, len(bots), size=len(flood_ts))]
    ts = np.concatenate([base_ts, flood_ts])
    src = np.concatenate([base_src, flood_src])
    is_flood = np.concatenate([np.zeros(len(base_ts), bool), np.ones(len(flood_ts), bool)])
    order = np.argsort(ts, kind="stable")
    with (directory / "access.log").open("w", encoding="ascii") as fh:
        for t, ip, flood in zip(ts[order].tolist(), _ip(src[order]), is_flood[order].tolist(), strict=True):
            if flood:
                q = rng.integers(0, 1 << 30)
                fh.write(f'{ip} - - [{_clf(t)}] "GET /i/api/graphql/SearchTimeline?q={q:x} HTTP/1.1" 503 0 "-" '
                         f'"{USER_AGENTS[0]}"\n')
            else:
                path = PATHS[int(rng.integers(0, len(PATHS)))]
                ua = USER_AGENTS[int(rng.integers(0, len(USER_AGENTS)))]
                fh.write(f'{ip} - - [{_clf(t)}] "GET {path} HTTP/2.0" 200 {int(rng.integers(800, 60000))} '
                         f'"https://x.com/" "{ua}"\n')

    # Flow export at the victim's edge: time,src,dst,sport,dport,proto,packets,bytes,flags,ttl
    rows: list[tuple[int, str]] = []
    fts = _times(rng, DAY0, END, n(30 * minutes))
    fsrc = _ip(users[rng.integers(0, len(users), size=len(fts))])
    ttl = np.where(rng.random(len(fts)) < 0.6, 64, 128) - rng.integers(8, 24, size=len(fts))
    for t, ip, tt in zip(fts.tolist(), fsrc, ttl.tolist(), strict=True):
        pk = int(rng.integers(8, 60))
        rows.append((t, f"{_iso(t)},{ip},{VICTIM},{int(rng.integers(32768, 61000))},443,6,{pk},{pk * 900},27,{tt}"))
    dts = _times(rng, DAY0, END, n(2 * minutes))  # the victim's own DNS lookups: replies from public resolvers
    for t in dts.tolist():
        resolver = ("8.8.8.8", "1.1.1.1", "9.9.9.9")[int(rng.integers(0, 3))]
        rows.append((t, f"{_iso(t)},{resolver},{VICTIM},53,{int(rng.integers(32768, 61000))},17,1,120,,{int(rng.integers(50, 60))}"))
    r0, r1 = WAVES["udp-reflection"]
    rts = _times(rng, r0, r1, n(4000 * 30))
    ports = np.array([p for p, _, _ in REFLECTOR_PORTS])
    sizes = np.array([s for _, _, s in REFLECTOR_PORTS])
    which = rng.choice(len(ports), size=len(rts), p=[w for _, w, _ in REFLECTOR_PORTS])
    rsrc = _ip(reflectors[rng.integers(0, len(reflectors), size=len(rts))])
    rttl = rng.choice(np.array([64, 128, 255]), size=len(rts), p=[0.6, 0.1, 0.3]) - rng.integers(6, 26, size=len(rts))
    for t, ip, k, tt in zip(rts.tolist(), rsrc, which.tolist(), rttl.tolist(), strict=True):
        pk = int(rng.integers(20, 200))
        rows.append((t, f"{_iso(t)},{ip},{VICTIM},{ports[k]},{int(rng.integers(1024, 65536))},17,{pk},{pk * int(sizes[k])},,{tt}"))
    s0, s1 = WAVES["syn-flood"]
    sts = _times(rng, s0, s1, n(6000 * 30))
    ssrc = _ip(space.in_country(rng, "UA", len(sts)))
    sttl = np.where(rng.random(len(sts)) < 0.97, 51, 52)
    for t, ip, tt in zip(sts.tolist(), ssrc, sttl.tolist(), strict=True):
        rows.append((t, f"{_iso(t)},{ip},{VICTIM},{int(rng.integers(1024, 65536))},443,6,1,60,2,{tt}"))
    rows.sort(key=lambda r: r[0])
    with (directory / "flows.csv").open("w", encoding="ascii") as fh:
        fh.write("time,src,dst,sport,dport,proto,packets,bytes,flags,ttl\n")
        fh.writelines(line + "\n" for _, line in rows)

    truth = _truth(seed, scale)
    (directory / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    (directory / "README.md").write_text(_readme(truth), encoding="utf-8")
    return truth


def _truth(seed: int, scale: float) -> dict[str, Any]:
    return {
        "synthetic": True, "seed": seed, "scale": scale, "victim": VICTIM,
        "baseline": [_iso(DAY0), _iso(WAVES["http-flood"][0])],
        "waves": [
            {"name": "http-flood", "vector": "http", "file": "access.log", "start": _iso(WAVES["http-flood"][0]),
             "end": _iso(WAVES["http-flood"][1]), "sources": "a botnet of rented servers in hosting networks, many countries",
             "addresses": "real", "expected_trust": "real", "expected_country_verdict": "weak"},
            {"name": "udp-reflection", "vector": "udp-reflection", "file": "flows.csv",
             "start": _iso(WAVES["udp-reflection"][0]), "end": _iso(WAVES["udp-reflection"][1]),
             "sources": "reflectors (DNS, NTP, memcached, SSDP servers) worldwide answering forged requests",
             "addresses": "reflectors", "expected_trust": "reflectors", "expected_country_verdict": "does-not-hold"},
            {"name": "syn-flood", "vector": "tcp-syn", "file": "flows.csv", "start": _iso(WAVES["syn-flood"][0]),
             "end": _iso(WAVES["syn-flood"][1]), "sources": "forged: random addresses from Ukraine's address space, one TTL",
             "addresses": "spoofed", "expected_trust": "spoofed-likely", "expected_country_verdict": "does-not-hold"},
        ],
    }


def _readme(truth: dict[str, Any]) -> str:
    lines = ["# Synthetic incident modelled on the X outage of 10 March 2025", "",
             "Generated by `tethers attack --make-case-study` (seed "
             f"{truth['seed']}, scale {truth['scale']}). The traffic is invented; the source addresses are drawn from "
             "real networks in the shipped IP data so that geolocation is meaningful. Do not contact them.", "",
             "Run: `tethers attack access.log flows.csv`", "", "| wave | when (UTC) | what it really was |",
             "|---|---|---|"]
    for w in truth["waves"]:
        lines.append(f"| {w['name']} | {w['start']} to {w['end']} | {w['sources']} |")
    lines += ["", "In none of the three does \"it came from country X\" hold: the first comes from rented servers "
              "in many countries, the second from reflectors, the third from forged addresses.", ""]
    return "\n".join(lines)
