"""Batch scan throughput: tethers' full pipeline against references, in one run.

Generates N zones modelled on ordinary companies, serves them with Knot DNS on
127.0.0.1, then measures on the same list:

  * tethers scan -i LIST --format jsonl   (collection, attribution, results written)
  * bare dnspython: the same apex queries with the same concurrency, nothing else
  * dnsperf: the server's ceiling for the same queries (Debian package dnsperf)

and prints domains/s, queries/s, peak RSS and the ratios. Nothing leaves loopback.

    python benchmarks/scan_batch.py --domains 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dns.asyncquery
import dns.message

from tethers.demo.knot import KnotServer, knotd_path

sys.path.insert(0, str(Path(__file__).parent))
from zoneset import APEX_QUERIES, make_zone  # noqa: E402

async def bare_dnspython(server: tuple[str, int], domains: list[str], concurrency: int) -> int:
    slots = asyncio.Semaphore(concurrency)
    sent = 0

    async def one(name: str, rdtype: str) -> None:
        nonlocal sent
        async with slots:
            q = dns.message.make_query(name, rdtype)
            await dns.asyncquery.udp_with_fallback(q, server[0], timeout=2, port=server[1])
            sent += 1

    await asyncio.gather(*(one(d, t) for d in domains for t in APEX_QUERIES))
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64, help="domains in flight for tethers")
    parser.add_argument("--max-queries", type=int, default=200, help="queries in flight")
    args = parser.parse_args()
    if not knotd_path():
        print("knotd is not installed (apt-get install knot)", file=sys.stderr)
        return 2
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="tethers-bench-"))
    try:
        zone_files, domains = [], []
        for i in range(args.domains):
            domain, text = make_zone(i, rng)
            path = work / f"{domain}.zone"
            path.write_text(text)
            zone_files.append(path)
            domains.append(domain)
        (work / "domains.txt").write_text("\n".join(domains) + "\n")
        print(f"{args.domains} zones generated; starting Knot...", file=sys.stderr)
        with KnotServer(zone_files, startup_timeout=120) as server:
            host, port = server.address

            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "tethers.cli.main", "scan", "-i", str(work / "domains.txt"),
                 "--resolver", f"{host}:{port}", "--format", "jsonl", "--no-store",
                 "--concurrency", str(args.concurrency), "--max-queries", str(args.max_queries)],
                capture_output=True, text=True, check=False,
            )
            tethers_s = time.perf_counter() - t0
            lines = [json.loads(line) for line in proc.stdout.splitlines()]
            rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            if proc.returncode != 0 or len(lines) != len(domains):
                print(proc.stderr[-2000:], file=sys.stderr)
                return 1
            lookups = sum(r["queries"] for r in lines)

            t0 = time.perf_counter()
            bare = asyncio.run(bare_dnspython((host, port), domains, args.max_queries))
            bare_s = time.perf_counter() - t0

            perf_qps = None
            if shutil.which("dnsperf"):
                qfile = work / "queries.txt"
                qfile.write_text("".join(f"{d} {t}\n" for d in domains for t in APEX_QUERIES))
                out = subprocess.run(["dnsperf", "-s", host, "-p", str(port), "-d", str(qfile), "-l", "10",
                                      "-c", "1", "-q", "100"], capture_output=True, text=True, check=False).stdout
                for line in out.splitlines():
                    if "Queries per second" in line:
                        perf_qps = float(line.split(":")[1])
    finally:
        shutil.rmtree(work, ignore_errors=True)

    tethers_dps = len(domains) / tethers_s
    tethers_lps = lookups / tethers_s
    bare_qps = bare / bare_s
    print(f"tethers scan (full pipeline): {len(domains)} domains in {tethers_s:.1f} s = {tethers_dps:.0f} domains/s, "
          f"{tethers_lps:.0f} lookups/s (incl. cache hits), peak RSS {rss_mb:.0f} MB")
    print(f"bare dnspython, apex queries only: {bare} queries in {bare_s:.1f} s = {bare_qps:.0f} queries/s "
          f"= {bare_qps / len(APEX_QUERIES):.0f} domains/s at {len(APEX_QUERIES)} queries each")
    print(f"ratio tethers lookups/s : bare dnspython queries/s = {tethers_lps / bare_qps:.2f}")
    if perf_qps:
        print(f"dnsperf (server ceiling, same apex queries): {perf_qps:.0f} queries/s; "
              f"ratio tethers lookups/s : dnsperf = {tethers_lps / perf_qps:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
