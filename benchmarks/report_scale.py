"""How fast is ``tethers report`` on a million scans? Generates a Parquet results folder, then times it.

    python benchmarks/report_scale.py [--scans 1000000] [--parts 10]

The scans are generated (not scanned): each domain gets 4-12 dependencies drawn
from ~40 providers with skewed popularity, some domains fail, and the
``scan`` column holds a short JSON stub, as the report never reads it. The
folder has a manifest and done-indexes like a real one. Prints the time to
generate, the folder's size, and the time and peak RSS of the report.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parents[1])]

from tethers.batch.folder import ResultsFolder, part_name  # noqa: E402
from tethers.batch.report import build_report  # noqa: E402

FUNCTIONS = ["dns", "email-inbound", "email-sending", "hosting", "cdn", "certificate-authority", "support",
             "identity", "email-reporting", "status-page"]
OWNERS = [("Alphabet Inc.", "US"), ("Microsoft Corporation", "US"), ("Amazon.com, Inc.", "US"),
          ("Cloudflare, Inc.", "US"), ("Akamai Technologies", "US"), ("OVH Groupe", "FR"), ("Hetzner Online", "DE"),
          ("Alibaba Group", "CN"), ("Tencent", "CN"), ("Yandex", "RU"), ("IONOS", "DE"), ("GoDaddy", "US")]

GENERATE = """
COPY (
  WITH providers AS (
    SELECT i AS n, 'provider-' || i AS provider_id, 'Provider ' || i AS provider,
           {functions}[1 + (i % {nfunctions})] AS function,
           {owners}[1 + (i % {nowners})] AS owner_pair
    FROM range(40) t(i)
  ),
  scans AS (
    SELECT i, 'domain-' || i || '.example' AS domain, (hash(i) % 50) = 0 AS failed,
           4 + (hash(i * 7) % 9)::INT AS ndeps
    FROM range({start}, {stop}) t(i)
  ),
  picks AS (SELECT i, unnest(range(ndeps)) AS k FROM scans WHERE NOT failed),
  deps AS (
    SELECT k.i, list({{'function': p.function, 'provider_id': p.provider_id, 'provider': p.provider,
                      'operator': p.provider, 'owner': p.owner_pair[1], 'owner_id': lower(p.owner_pair[1]),
                      'country': p.owner_pair[2], 'evidence': 2::BIGINT, 'server_countries': [p.owner_pair[2]],
                      'asns': [13335::BIGINT]}}) AS dependencies
    FROM picks k JOIN providers p
      ON p.n = ((hash(k.i * 31 + k.k) % 40) * (hash(k.i + k.k) % 40)) // 40  -- skewed: low numbers popular
    GROUP BY k.i
  )
  SELECT s.domain, 'live' AS mode, '2026-01-01T00:00:00Z' AS started, '2026-01-01T00:00:01Z' AS finished,
         '127.0.0.1:53' AS resolver, 140::BIGINT AS queries,
         (CASE WHEN s.failed THEN 0 ELSE 40 END)::BIGINT AS evidence_count, s.failed,
         coalesce(d.dependencies, []) AS dependencies,
         []::STRUCT("function" VARCHAR, "domain" VARCHAR)[] AS unattributed,
         CASE WHEN s.failed THEN [{{'name': s.domain, 'rdtype': 'ANY', 'reason': 'nxdomain'}}]
              ELSE []::STRUCT("name" VARCHAR, rdtype VARCHAR, reason VARCHAR)[] END AS errors,
         ['ns1.example.net.'] AS apex_ns, ['mx.example.net.'] AS apex_mx,
         '{{"domain":"' || s.domain || '"}}' AS scan
  FROM scans s LEFT JOIN deps d USING (i)
) TO '{target}' (FORMAT parquet, COMPRESSION zstd)
"""


def generate(folder: ResultsFolder, scans: int, parts: int) -> None:
    import duckdb

    folder.create(input_path="generated", digest="generated", fmt="parquet", options={"generated": True})
    per = -(-scans // parts)
    owners = "[" + ", ".join(f"['{o}', '{c}']" for o, c in OWNERS) + "]"
    functions = "[" + ", ".join(f"'{f}'" for f in FUNCTIONS) + "]"
    with duckdb.connect() as con:
        for part in range(parts):
            start, stop = part * per, min(scans, (part + 1) * per)
            name = part_name(1, 0, part)

            def write(path: Path, start: int = start, stop: int = stop) -> None:
                con.execute(GENERATE.format(start=start, stop=stop, target=str(path), owners=owners,
                                            nowners=len(OWNERS), functions=functions, nfunctions=len(FUNCTIONS)))

            folder.commit(name, "parquet", write, range(start, stop))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tethers-report-"))
    try:
        folder = ResultsFolder(work / "results")
        t0 = time.perf_counter()
        generate(folder, args.scans, args.parts)
        gen_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in folder.parts.iterdir()) / 2**20
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        report = build_report(folder.path, top=20)
        report_s = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"generated {args.scans} scans in {args.parts} Parquet parts ({size:.0f} MB) in {gen_s:.1f} s")
    print(f"tethers report: {report_s:.2f} s = {args.scans / report_s:,.0f} scans/s; peak RSS {rss:.0f} MB "
          f"(before the report: {rss0:.0f} MB)")
    print("overview:", json.dumps(report.overview))
    print("top single point of failure:", json.dumps(report.single_points[0] if report.single_points else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
