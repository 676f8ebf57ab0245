"""A plain aiodns (c-ares) scanner of the same query set, as a reference: queries only, nothing else.

    python benchmarks/aiodns_scan.py LIST HOST:PORT [--concurrency 100] [--depth full|quick]

For each domain in LIST it asks every name of tethers' query plan (the apex
types, then the mail policy names, DKIM selectors, SRV names and service
names; it cannot skip names the way tethers does), with at
most ``--concurrency`` queries in flight, and prints one JSON line:
queries, seconds, answered, failed, peak RSS. It keeps nothing (no evidence,
no attribution, no output), so it is an upper bound for an aiodns design.
aiodns is a benchmark-only dependency: ``pip install aiodns``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parents[1])]

from tethers.collect.dns import PLANS, QueryPlan  # noqa: E402


async def scan(domains: list[str], server: str, concurrency: int, plan: QueryPlan) -> dict[str, float]:
    import aiodns

    resolver = aiodns.DNSResolver(nameservers=[server], timeout=2, tries=3)
    slots = asyncio.Semaphore(concurrency)
    counts = {"answered": 0, "failed": 0}

    async def one(name: str, rdtype: str) -> None:
        async with slots:
            try:
                await resolver.query_dns(name, rdtype)
                counts["answered"] += 1
            except aiodns.error.DNSError as exc:
                # NXDOMAIN and NODATA are answers too; only timeouts and refusals count as failures.
                counts["answered" if exc.args and exc.args[0] in (1, 4) else "failed"] += 1

    async def feed() -> int:
        sent = 0
        pending: set[asyncio.Task[None]] = set()
        for domain in domains:
            for name, rdtype in plan.static_queries(domain):
                if len(pending) >= concurrency * 4:
                    _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                pending.add(asyncio.ensure_future(one(name, rdtype)))
                sent += 1
        await asyncio.gather(*pending)
        return sent

    t0 = time.perf_counter()
    sent = await feed()
    elapsed = time.perf_counter() - t0
    return {"queries": sent, "seconds": elapsed, **counts,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("list", type=Path)
    parser.add_argument("server", help="HOST:PORT")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--depth", choices=tuple(PLANS), default="full")
    args = parser.parse_args()
    domains = [line.strip() for line in args.list.read_text().splitlines() if line.strip()]
    print(json.dumps(asyncio.run(scan(domains, args.server, args.concurrency, PLANS[args.depth]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
