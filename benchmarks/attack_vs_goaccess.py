"""How fast does ``tethers attack`` read an access log, next to GoAccess on the same file?

    python benchmarks/attack_vs_goaccess.py [--lines 2000000] [--runs 3] [--keep FILE]

Writes a combined-format log of ``--lines`` requests over one day (sources drawn from
real networks in the shipped IP data, with a flood in the middle), then runs, on that
same file, ``tethers attack FILE --format json`` and ``goaccess FILE --log-format=COMBINED
-o report.json`` (Debian package ``goaccess``) as separate processes, best of ``--runs``
each, start-up and report writing included. Prints lines per second for each and the
ratio, measured in one run on one machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from tethers.attack.casestudy import ACCESS_ASNS, HOSTING_ASNS, USER_AGENTS, _ip, _Space

DAY = int(datetime(2025, 3, 10, tzinfo=UTC).timestamp())


def write_log(path: Path, lines: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    space = _Space()
    users = space.in_asns(rng, ACCESS_ASNS, 20_000)
    bots = space.in_asns(rng, HOSTING_ASNS, 5_000)
    flood = lines // 3
    ts = np.concatenate([rng.integers(DAY, DAY + 86400, size=lines - flood),
                         rng.integers(DAY + 36000, DAY + 37800, size=flood)])
    src = np.concatenate([users[rng.integers(0, len(users), size=lines - flood)],
                          bots[rng.integers(0, len(bots), size=flood)]])
    order = np.argsort(ts, kind="stable")
    stamps: dict[int, str] = {}
    with path.open("w", encoding="ascii") as fh:
        chunk = 200_000
        for start in range(0, lines, chunk):
            idx = order[start:start + chunk]
            out = []
            for t, ip, size in zip(ts[idx].tolist(), _ip(src[idx]), rng.integers(200, 90000, size=len(idx)).tolist(),
                                   strict=True):
                stamp = stamps.get(t)
                if stamp is None:
                    stamp = stamps[t] = datetime.fromtimestamp(t, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
                out.append(f'{ip} - - [{stamp}] "GET /home HTTP/1.1" 200 {size} "https://x.com/" "{USER_AGENTS[size % 3]}"\n')
            fh.writelines(out)


def best_of(runs: int, argv: list[str], cwd: Path) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[:300]}")
        times.append(elapsed)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the log here and keep it")
    args = parser.parse_args()
    goaccess = shutil.which("goaccess")
    if goaccess is None:
        sys.exit("goaccess is not installed: apt-get install goaccess")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        log = args.keep or work / "access.log"
        t0 = time.perf_counter()
        write_log(log, args.lines)
        print(f"wrote {args.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        env_python = [sys.executable, "-m", "tethers.cli.main"]
        ours = best_of(args.runs, [*env_python, "attack", str(log), "--format", "json", "-o", str(work / "t.json")], work)
        theirs = best_of(args.runs, [goaccess, str(log), "--log-format=COMBINED", "--no-progress",
                                     "-o", str(work / "g.json")], work)
    print(f"tethers attack: {args.lines / ours:>12,.0f} lines/s ({ours:.2f} s)")
    print(f"goaccess:       {args.lines / theirs:>12,.0f} lines/s ({theirs:.2f} s)")
    print(f"ratio: tethers is {theirs / ours:.2f}x GoAccess's speed on this log (cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
