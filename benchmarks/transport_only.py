"""The transport alone: what tethers' UDP core costs a query, with no collector, cache or attribution.

    python benchmarks/transport_only.py --domains 3000 [--depth full|quick] [--in-flight 400]

Serves the benchmark zone set with Knot on 127.0.0.1, then submits every name of
the query plan for every domain straight to ``DnsResolver.submit`` with a
callback that only counts, keeping ``--in-flight`` queries outstanding. Prints
queries/s and CPU microseconds a query (system calls included): the floor under
the full pipeline's cost per query (``scan_batch.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from zoneset import write_zone_set  # noqa: E402

from tethers.collect.dns import PLANS  # noqa: E402
from tethers.collect.resolver import Answer  # noqa: E402
from tethers.collect.transport import DnsResolver  # noqa: E402
from tethers.demo.knot import KnotServer, knotd_path  # noqa: E402


async def run(server: tuple[str, int], pairs: list[tuple[str, str]], in_flight: int, max_queries: int) -> int:
    resolver = DnsResolver([server], concurrency=max_queries)
    done = asyncio.get_running_loop().create_future()
    feed = iter(pairs)
    left, outstanding, failed = len(pairs), 0, 0

    def landed(answer: Answer) -> None:
        nonlocal left, outstanding, failed
        left -= 1
        outstanding -= 1
        failed += bool(answer.error)
        send()
        if left == 0:
            done.set_result(None)

    def send() -> None:
        nonlocal outstanding
        while outstanding < in_flight:
            pair = next(feed, None)
            if pair is None:
                return
            outstanding += 1
            resolver.submit(pair[0], pair[1], landed)

    send()
    await done
    resolver.close()
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", type=int, default=3000)
    parser.add_argument("--depth", choices=tuple(PLANS), default="full")
    parser.add_argument("--in-flight", type=int, default=400, help="queries handed to the transport at once")
    parser.add_argument("--max-queries", type=int, default=100, help="the transport's in-flight bound")
    args = parser.parse_args()
    if not knotd_path():
        print("knotd is not installed (apt-get install knot)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="tethers-transport-"))
    try:
        files, domains = write_zone_set(work, args.domains)
        pairs = [pair for domain in domains for pair in PLANS[args.depth].static_queries(domain)]
        with KnotServer(files, startup_timeout=300) as knot:
            t0, c0 = time.perf_counter(), time.process_time()
            failed = asyncio.run(run(knot.address, pairs, args.in_flight, args.max_queries))
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(pairs)} queries ({failed} failed) in {elapsed:.2f} s = {len(pairs) / elapsed:.0f} queries/s; "
          f"CPU {cpu:.2f} s = {cpu / len(pairs) * 1e6:.1f} µs a query")
    return 0


if __name__ == "__main__":
    sys.exit(main())
