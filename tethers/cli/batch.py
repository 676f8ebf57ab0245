"""``tethers scan -i FILE -o DIR/``: a resumable batch into a results folder, with progress on a terminal."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tethers.batch import BatchOptions, Tally, run_batch
from tethers.batch.source import count_entries
from tethers.cli.common import is_tty, stderr_console
from tethers.collect.resolver import parse_server
from tethers.errors import InputError, OperationalError
from tethers.util.names import parse_domain

AUTO_WORKERS_FROM = 1000  # a list this long pays for starting more processes


def auto_workers() -> int:
    """One scanning process per CPU, at most 4 (measured: a second process ~1.5× on two cores)."""
    return max(1, min(os.cpu_count() or 1, 4))


def options_from(args: argparse.Namespace) -> BatchOptions:
    if not args.input or args.input == "-":
        raise InputError("a results folder needs -i FILE", hint="a list on stdin cannot be resumed; save it to a file")
    if args.domains or args.zone_file:
        raise InputError("a results-folder batch scans the -i list only: drop DOMAIN and --zone-file")
    if not args.output or args.output == "-":
        raise InputError(f"--format {args.format or 'jsonl'} batches write a results folder: add -o DIR/")
    fmt = args.format or "jsonl"
    if fmt not in ("jsonl", "parquet"):
        raise InputError(f"a results folder holds jsonl or parquet, not {fmt}")
    path = Path(args.input)
    for server in args.resolver or ():
        parse_server(server)  # bad addresses fail here, not later in every worker
    workers = args.workers
    if not workers:
        workers = auto_workers() if path.is_file() and count_entries(path) >= AUTO_WORKERS_FROM else 1
    return BatchOptions(
        input=path, out_dir=Path(args.output), fmt=fmt, resume=args.resume,
        servers=tuple(args.resolver or ()), timeout=args.timeout, retries=args.retries,
        concurrency=args.concurrency, max_queries=args.max_queries, qps=args.qps, workers=workers,
        own=tuple(parse_domain(d) for d in args.own), chunk_size=args.chunk_size, depth=args.depth,
        ask_all=args.ask_all,
    )


def run_batch_command(args: argparse.Namespace) -> int:
    options = options_from(args)
    warn = stderr_console()
    show = is_tty(sys.stderr)
    progress = Progress(
        TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]} domains/s"),
        TextColumn("{task.fields[failed]} failed"), TimeRemainingColumn(), console=warn, transient=True,
        disable=not show,
    )
    started = time.monotonic()
    task = None

    def tick(tally: Tally) -> None:
        nonlocal task
        if not show:
            return
        if task is None:
            task = progress.add_task("batch", total=None, rate="0", failed=0)
        elapsed = max(time.monotonic() - started, 1e-9)
        progress.update(task, completed=tally.done, total=max(tally.total - tally.already, tally.done) or None,
                        rate=f"{tally.done / elapsed:.0f}", failed=tally.failed)

    if args.engine == "dask":
        if not args.scheduler:
            raise InputError("--engine dask needs --scheduler ADDRESS", hint="e.g. --scheduler tcp://10.0.0.5:8786")
        from tethers.batch.distributed import run_dask

        with progress:
            tally = run_dask(options, args.scheduler, partition_size=args.partition_size, on_tick=tick)
    else:
        with progress:
            tally = run_batch(options, on_tick=tick)
    return _summary(tally, options, time.monotonic() - started, warn)


def _summary(tally: Tally, options: BatchOptions, elapsed: float, warn) -> int:  # type: ignore[no-untyped-def]
    for line, reason in tally.skipped:
        warn.print(f"tethers: skipping {options.input}:{line}: {reason}", markup=False, soft_wrap=True)
    if tally.invalid > len(tally.skipped):
        warn.print(f"tethers: skipped {tally.invalid} invalid lines in {options.input} in all", markup=False, soft_wrap=True)
    for domain, reasons in tally.failed_examples[:10]:
        warn.print(f"tethers: {domain}: scan failed ({reasons})", markup=False, soft_wrap=True)
    rate = tally.done / elapsed if elapsed > 0 else 0.0
    resume = f"tethers scan -i {options.input} -o {options.out_dir} --format {options.fmt} --resume"
    warn.print(
        f"tethers: {tally.done} domains scanned ({tally.failed} failed) in {elapsed:.1f} s, {rate:.0f} domains/s, "
        f"{tally.queries} lookups, {tally.sent} queries sent; {tally.already} done before; results in {options.out_dir}",
        markup=False, soft_wrap=True,
    )
    if tally.interrupted:
        warn.print(f"tethers: interrupted; what finished is kept. Continue with: {resume}", markup=False, soft_wrap=True)
        return 130
    if tally.lost_workers:
        raise OperationalError(f"{len(tally.lost_workers)} worker(s) stopped before finishing",
                               hint=f"nothing committed is lost; continue with: {resume}")
    if tally.done + tally.already == 0 and tally.invalid == 0:
        raise InputError("no domains to scan: the input list is empty")
    if tally.done and tally.failed == tally.done:
        return 1
    return 0
