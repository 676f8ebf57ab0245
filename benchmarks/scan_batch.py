"""Batch scan throughput: tethers' full pipeline against references, on the same list, in one run.

Generates N zones modelled on ordinary companies (plus the providers' own
zones), serves them all with Knot DNS on 127.0.0.1, then measures:

  * tethers: ``tethers scan -i LIST -o DIR/ --format jsonl`` (collection,
    attribution, results committed to a results folder), as a subprocess;
  * a plain aiodns scanner of the same query plan (queries only, nothing
    kept) on a sample of the list: ``pip install aiodns`` to include it;
  * dnsperf (Debian package ``dnsperf``): the server's ceiling for the same
    queries, which is also what massdns reaches here (``../shared/DNS-SPEED.md``:
    massdns tuned for loopback ≈ Knot's one-core ceiling);
  * massdns itself, when it is installed (``--massdns PATH``, or ``massdns``
    on PATH): every name of the plan, one run per record type (massdns takes
    one type a run), ``-s 100`` as tuned for loopback, answers written to a file.

A bulk resolver such as massdns is given a fixed list, so to learn what
tethers learns it must ask every name of the plan (``QueryPlan.static_queries``);
tethers skips names under parents that do not exist (RFC 8020) and asks
follow-ups (CNAME steps, SPF includes, host addresses) only when an answer
calls for them. Two ratios are printed:

  * tethers : massdns-equivalent, domains/s, where massdns-equivalent =
    dnsperf queries/s ÷ the plan's names per domain (the same information),
    and tethers : massdns, domains/s, when massdns ran;
  * tethers : dnsperf, queries/s sent (the cost of each query, whatever the plan).

Prints domains/s, queries/s, peak RSS and the ratios. Nothing leaves loopback.

    python benchmarks/scan_batch.py --domains 100000          # the full figure (a few minutes)
    python benchmarks/scan_batch.py --domains 5000 --workers 1
    python benchmarks/scan_batch.py --domains 100000 --depth quick   # the survey plan, ~13 names a domain
    python benchmarks/scan_batch.py --domains 20000 --dkim-share 0.4  # 40 % of zones publish DKIM keys
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from zoneset import write_zone_set  # noqa: E402

from tethers.collect.dns import PLANS, QueryPlan  # noqa: E402
from tethers.demo.knot import KnotServer, knotd_path  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(HERE.parent)}


def peak_rss_mb(command: list[str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``command``; (result, seconds, peak RSS of it and its children in MB) via GNU time when present."""
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    t0 = time.perf_counter()
    if timer:
        proc = subprocess.run([timer, "-f", "TETHERS_RSS_KB=%M", *command], capture_output=True, text=True,
                              env=ENV, check=False)
    else:
        proc = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False)
    elapsed = time.perf_counter() - t0
    m = re.search(r"TETHERS_RSS_KB=(\d+)", proc.stderr)
    return proc, elapsed, (int(m.group(1)) / 1024 if m else float("nan"))


def run_tethers(work: Path, server: str, args: argparse.Namespace) -> dict[str, float]:
    out = work / "results"
    command = [sys.executable, "-m", "tethers.cli.main", "scan", "-i", str(work / "domains.txt"), "-o", f"{out}/",
               "--format", args.format, "--resolver", server, "--concurrency", str(args.concurrency),
               "--max-queries", str(args.max_queries), "--depth", args.depth]
    if args.workers:
        command += ["--workers", str(args.workers)]
    proc, elapsed, rss = peak_rss_mb(command)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit("tethers failed")
    summary = re.search(r"(\d+) domains scanned .* in ([\d.]+) s, .*?(\d+) lookups, (\d+) queries sent", proc.stderr)
    assert summary, proc.stderr[-2000:]
    domains, scan_s, lookups, sent = int(summary[1]), float(summary[2]), int(summary[3]), int(summary[4])
    return {"domains": domains, "seconds": elapsed, "scan_seconds": scan_s, "lookups": lookups, "sent": sent,
            "rss_mb": rss}


def run_aiodns(work: Path, server: str, domains: list[str], sample: int, depth: str) -> dict[str, float] | None:
    try:
        import aiodns  # noqa: F401
    except ImportError:
        return None
    (work / "sample.txt").write_text("\n".join(domains[:sample]) + "\n")
    proc, _, rss = peak_rss_mb([sys.executable, str(HERE / "aiodns_scan.py"), str(work / "sample.txt"), server,
                                  "--depth", depth])
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["domains"] = min(sample, len(domains))
    result["rss_mb"] = rss
    return result


def run_dnsperf(work: Path, host: str, port: int, domains: list[str], seconds: int, plan: QueryPlan) -> float | None:
    if not shutil.which("dnsperf"):
        return None
    queries = work / "queries.txt"
    with queries.open("w") as handle:
        for domain in domains[:20000]:
            for name, rdtype in plan.static_queries(domain):
                handle.write(f"{name} {rdtype}\n")
    out = subprocess.run(["dnsperf", "-s", host, "-p", str(port), "-d", str(queries), "-l", str(seconds),
                          "-c", "1", "-q", "100"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"Queries per second:\s+([\d.]+)", out)
    return float(m.group(1)) if m else None


def run_massdns(work: Path, host: str, port: int, domains: list[str], plan: QueryPlan,
                binary: str) -> dict[str, float] | None:
    """massdns over every name of the plan for ``domains``: one run per record type, timed together."""
    by_type: dict[str, list[str]] = {}
    for domain in domains:
        for name, rdtype in plan.static_queries(domain):
            by_type.setdefault(rdtype, []).append(name)
    (work / "resolvers.txt").write_text(f"{host}:{port}\n")
    seconds = 0.0
    queries = 0
    rss = 0.0
    for rdtype, names in by_type.items():
        listing = work / f"massdns-{rdtype}.txt"
        listing.write_text("\n".join(names) + "\n")
        command = [binary, "-r", str(work / "resolvers.txt"), "-t", rdtype, "-s", "100", "-o", "S", "-q",
                   "-w", str(work / "massdns.out"), str(listing)]
        if os.geteuid() == 0:
            command.insert(1, "--root")  # as root massdns otherwise drops to nobody, who cannot write here
        proc, elapsed, peak = peak_rss_mb(command)
        if proc.returncode != 0:
            print(f"massdns failed ({rdtype}): {proc.stderr.strip()[-500:]}", file=sys.stderr)
            return None
        seconds += elapsed
        queries += len(names)
        rss = max(rss, peak)
    return {"domains": len(domains), "seconds": seconds, "queries": queries, "rss_mb": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=0, help="tethers --workers (default: tethers decides)")
    parser.add_argument("--concurrency", type=int, default=64, help="domains in flight for tethers")
    parser.add_argument("--max-queries", type=int, default=100, help="queries in flight for tethers")
    parser.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    parser.add_argument("--aiodns-sample", type=int, default=3000, help="domains for the aiodns reference")
    parser.add_argument("--dnsperf-seconds", type=int, default=10)
    parser.add_argument("--massdns", default=shutil.which("massdns"),
                        help="massdns binary to compare with (default: massdns on PATH, if any)")
    parser.add_argument("--depth", choices=tuple(PLANS), default="full", help="tethers' query plan (default full)")
    parser.add_argument("--dkim-share", type=float, default=1.0,
                        help="share of generated zones that publish a DKIM key (default 1: all of them)")
    args = parser.parse_args()
    plan = PLANS[args.depth]
    if not knotd_path():
        print("knotd is not installed (apt-get install knot)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="tethers-bench-"))
    try:
        files, domains = write_zone_set(work, args.domains, dkim_share=args.dkim_share)
        (work / "domains.txt").write_text("\n".join(domains) + "\n")
        print(f"{args.domains} zones generated; starting Knot...", file=sys.stderr)
        with KnotServer(files, startup_timeout=600) as knot:
            host, port = knot.address
            server = f"{host}:{port}"
            print("running tethers...", file=sys.stderr)
            ours = run_tethers(work, server, args)
            print("running aiodns...", file=sys.stderr)
            ref = run_aiodns(work, server, domains, args.aiodns_sample, args.depth)
            print("running dnsperf...", file=sys.stderr)
            ceiling = run_dnsperf(work, host, port, domains, args.dnsperf_seconds, plan)
            massdns = None
            if args.massdns:
                print("running massdns...", file=sys.stderr)
                massdns = run_massdns(work, host, port, domains, plan, args.massdns)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    per_domain = len(plan.static_queries("example.com"))
    dps = ours["domains"] / ours["scan_seconds"]
    sent_qps = ours["sent"] / ours["scan_seconds"]
    print(f"query plan {args.depth}: {per_domain} names a domain; tethers sent {ours['sent'] / ours['domains']:.1f} "
          f"queries a domain in all (names under absent parents skipped; follow-ups and shared names included, "
          f"repeats answered from its cache); zones with DKIM keys: {args.dkim_share:.0%}")
    print(f"tethers (full pipeline, {args.format} results folder): {ours['domains']} domains in {ours['scan_seconds']:.1f} s "
          f"= {dps:.0f} domains/s, {sent_qps:.0f} queries/s sent, {ours['lookups'] / ours['scan_seconds']:.0f} "
          f"lookups/s; peak RSS {ours['rss_mb']:.0f} MB (largest process); {ours['seconds']:.1f} s with start-up")
    if ref:
        ref_qps = ref["queries"] / ref["seconds"]
        ref_dps = ref_qps / per_domain
        print(f"aiodns (queries only, {ref['domains']} domains): {ref_qps:.0f} queries/s = {ref_dps:.0f} domains/s "
              f"at {per_domain} queries each; peak RSS {ref['rss_mb']:.0f} MB; {ref['failed']} failed")
        print(f"ratio tethers : aiodns = {dps / ref_dps:.2f} (domains/s)")
    if ceiling:
        massdns_dps = ceiling / per_domain
        print(f"dnsperf (server ceiling, same queries): {ceiling:.0f} queries/s = {massdns_dps:.0f} domains/s "
              f"(massdns-equivalent)")
        print(f"ratio tethers : dnsperf = {sent_qps / ceiling:.2f} (queries/s); "
              f"tethers : massdns-equivalent = {dps / massdns_dps:.2f} (domains/s)")
    if massdns:
        massdns_real = massdns["domains"] / massdns["seconds"]
        print(f"massdns ({per_domain} names a domain, -s 100): {massdns['domains']} domains in "
              f"{massdns['seconds']:.1f} s = {massdns_real:.0f} domains/s, "
              f"{massdns['queries'] / massdns['seconds']:.0f} queries/s; peak RSS {massdns['rss_mb']:.0f} MB")
        print(f"ratio tethers : massdns = {dps / massdns_real:.2f} (domains/s)")
    elif not args.massdns:
        print("massdns: not installed (pass --massdns PATH to include it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
