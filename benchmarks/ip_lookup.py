"""How fast are bulk IP lookups? Compares RangeTable.lookup_many with a plain-Python reference.

    python benchmarks/ip_lookup.py [--count 1000000] [--reference-count 100000]

Uses the packaged ASN dataset. The reference parses each address with
``ipaddress`` and finds its range with ``bisect``, one at a time; both answer
the same question and the script checks they agree before timing. Prints
lookups per second for each and their ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import bisect
import ipaddress
import random
import socket
import time
from collections.abc import Callable, Sequence

import numpy as np

from tethers.geo.datasets import ASN
from tethers.geo.files import packaged_dir
from tethers.geo.locate import Locator, load_newest
from tethers.geo.table import RangeTable


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def reference_lookup(starts: list[int], ends: list[int], values: list[int], ips: Sequence[str]) -> list[int]:
    out = []
    for ip in ips:
        n = int(ipaddress.IPv4Address(ip))
        i = bisect.bisect_right(starts, n) - 1
        out.append(values[i] if i >= 0 and n <= ends[i] else -1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000, help="addresses per bulk run")
    parser.add_argument("--reference-count", type=int, default=100_000, help="addresses for the reference")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    table: RangeTable = load_newest(ASN, [("packaged", packaged_dir())]).arrays.table
    rng = random.Random(2026)
    ips = [socket.inet_ntoa(rng.getrandbits(32).to_bytes(4, "big")) for _ in range(args.count)]
    ips6 = [socket.inet_ntop(socket.AF_INET6, b"\x20" + rng.randbytes(15)) for _ in range(args.count // 4)]

    arrays = table.arrays()
    starts, ends, values = (arrays[k].tolist() for k in ("v4_start", "v4_end", "v4_value"))
    sample = ips[: args.reference_count]
    expected = reference_lookup(starts, ends, values, sample)
    got = table.lookup_many(sample).tolist()
    if got != expected:
        raise SystemExit("bulk lookup disagrees with the reference")

    bulk = best_of(args.runs, lambda: table.lookup_many(ips))
    bulk6 = best_of(args.runs, lambda: table.lookup_many(ips6))
    ref = best_of(args.runs, lambda: reference_lookup(starts, ends, values, sample))
    locator = Locator([("packaged", packaged_dir())])
    locator.datasets()  # load outside the timing
    locate = best_of(1, lambda: locator.locate_many(ips[: args.reference_count * 2]))

    bulk_rate = args.count / bulk
    ref_rate = len(sample) / ref
    print(f"ASN table: {table.v4_rows:,} IPv4 ranges, {table.v6_rows:,} IPv6 ranges")
    print(f"bulk IPv4 lookup_many:   {bulk_rate:12,.0f} lookups/s  ({args.count:,} addresses, best of {args.runs})")
    print(f"bulk IPv6 lookup_many:   {len(ips6) / bulk6:12,.0f} lookups/s  ({len(ips6):,} addresses)")
    print(f"reference ipaddress+bisect: {ref_rate:9,.0f} lookups/s  ({len(sample):,} addresses, one at a time)")
    print(f"ratio bulk / reference:  {bulk_rate / ref_rate:12.1f}x")
    print(f"Locator.locate_many:     {args.reference_count * 2 / locate:12,.0f} addresses/s (AS + country + bogons, Location objects)")
    print(f"numpy {np.__version__}")


if __name__ == "__main__":
    main()
