"""Where does a batch scan spend its time? cProfile over tethers' pipeline against Knot.

    python benchmarks/profile_scan.py --domains 500 [--top 40] [--sort tottime] [--depth quick]

Generates the same zone set as ``scan_batch.py``, serves it with Knot on
127.0.0.1, runs ``Scanner.stream`` in this process under cProfile with results
rendered to JSONL (into /dev/null), and prints the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from zoneset import write_zone_set  # noqa: E402

from tethers.collect.dns import PLANS  # noqa: E402
from tethers.demo.knot import KnotServer  # noqa: E402
from tethers.engine import Scanner, make_resolver  # noqa: E402
from tethers.render import render_jsonl_line  # noqa: E402


async def run(server: str, domains: list[str], concurrency: int, max_queries: int, depth: str) -> int:
    scanner = Scanner(make_resolver(server, concurrency=max_queries), plan=PLANS[depth])
    lookups = 0
    try:
        with open("/dev/null", "w") as sink:
            async for result in scanner.stream(domains, concurrency=concurrency):
                lookups += result.queries
                sink.write(render_jsonl_line(result) + "\n")
    finally:
        scanner.close()
    return lookups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-queries", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-profile", action="store_true", help="time only")
    parser.add_argument("--depth", choices=tuple(PLANS), default="full")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tethers-prof-"))
    try:
        files, domains = write_zone_set(work, args.domains)
        with KnotServer(files, startup_timeout=120) as knot:
            host, port = knot.address
            profile = cProfile.Profile()
            t0 = time.perf_counter()
            c0 = time.process_time()
            if not args.no_profile:
                profile.enable()
            lookups = asyncio.run(run(f"{host}:{port}", domains, args.concurrency, args.max_queries, args.depth))
            profile.disable()
            elapsed = time.perf_counter() - t0
            cpu = time.process_time() - c0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(domains)} domains in {elapsed:.2f} s = {len(domains) / elapsed:.0f} domains/s, "
          f"{lookups / elapsed:.0f} lookups/s{' (under cProfile)' if not args.no_profile else ''}; "
          f"CPU {cpu:.2f} s = {len(domains) / cpu:.0f} domains per CPU-second; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if not args.no_profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
