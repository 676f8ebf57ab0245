"""``tethers scan``: collect, attribute, report and store."""

from __future__ import annotations

import argparse
import asyncio
import queue
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tethers.cli.common import FORMATS, domains_from, is_tty, open_output, open_store, stderr_console, stdout_console
from tethers.collect.dns import PLANS, plan_named
from tethers.collect.resolver import parse_server
from tethers.engine import Scanner, make_resolver, zone_scanner
from tethers.errors import InputError, OperationalError
from tethers.model import ScanResult
from tethers.util.names import parse_domain

EXAMPLES = """\
examples:
  tethers scan example.com
  tethers scan example.com example.org --format json -o scans.json
  tethers scan -i vendors.txt --format jsonl > results.jsonl
  tethers scan example.com --resolver 127.0.0.1:5353
  tethers scan --zone-file example.com.zone --format html -o report.html
  cat domains.txt | tethers scan -i - --no-store --format jsonl
  tethers scan -i top-1m.txt -o results/ --format parquet     # a resumable batch into a results folder
  tethers scan -i top-1m.txt -o results/ --depth quick        # ~13 lookups a domain instead of ~140
  tethers scan -i top-1m.txt -o results/ --format parquet --resume   # after Ctrl-C, a kill or a crash
  tethers scan -i vendors.txt -o results/ --resolver 10.0.0.53 --resolver 10.0.0.54 --qps 2000
  tethers report results/
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "scan",
        help="map a domain's providers, owners and jurisdictions from DNS",
        description="Collect a domain's public DNS evidence, attribute it to providers, their owners and "
        "jurisdictions, and report it. Every scan is kept in the local history (see 'tethers history').",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("domains", nargs="*", metavar="DOMAIN", help="domains to scan, e.g. example.com")
    p.add_argument("-i", "--input", metavar="FILE", help="read domains from FILE, one a line ('-' for stdin)")
    p.add_argument("--zone-file", nargs="+", metavar="FILE", type=Path,
                   help="analyse RFC 1035 master files instead of querying DNS (no network)")
    p.add_argument("--resolver", metavar="HOST[:PORT]", action="append",
                   help="send queries to this server (default: the system resolver); repeat to spread queries "
                        "over several servers, a retry going to the next")
    p.add_argument("--timeout", type=float, default=2.0, metavar="S", help="seconds to wait for one answer (default 2)")
    p.add_argument("--retries", type=int, default=2, metavar="N", help="retries after a timeout (default 2)")
    p.add_argument("--depth", choices=tuple(PLANS), default="full",
                   help="full (default): about 140 names a domain, the apex, mail policy, 26 DKIM selectors, "
                   "SRV and 99 service names; quick: the apex, mail policy, www and 4 DKIM selectors "
                   "(about 13 lookups), for surveys of very long lists. Live scans only: a zone file is read in full")
    p.add_argument("--ask-all", action="store_true",
                   help="ask for every DKIM selector and SRV name even under a parent name that answered "
                   "NXDOMAIN (by default they are skipped, RFC 8020); for servers that get this wrong")
    p.add_argument("--concurrency", type=int, default=64, metavar="N", help="domains scanned at once (default 64)")
    p.add_argument("--max-queries", type=int, default=100, metavar="N",
                   help="queries in flight at once per resolver (default 100)")
    p.add_argument("--qps", type=float, default=0.0, metavar="N",
                   help="at most N queries a second in all, to be polite to the resolvers (default: no cap)")
    p.add_argument("--own", nargs="+", default=[], metavar="DOMAIN",
                   help="other domains of the same organisation, not counted as third parties")
    p.add_argument("--format", choices=(*FORMATS, "parquet"), default=None,
                   help="output format (default terminal; jsonl for -i FILE when stdout is not a terminal, and in a "
                   "results folder); parquet needs -o DIR")
    p.add_argument("-o", "--output", metavar="FILE|DIR",
                   help="write the report to FILE instead of stdout; with -i and --format jsonl or parquet, "
                        "a DIR/ (trailing slash, or an existing folder) becomes a resumable results folder")
    p.add_argument("--resume", action="store_true",
                   help="continue the batch in the results folder -o DIR where it stopped (same -i list)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="scanning processes for an -i FILE list written as jsonl, to a results folder or a "
                        "stream (default: one per CPU, at most 4, for lists of 1000 domains or more)")
    p.add_argument("--chunk-size", type=int, default=1000, metavar="N",
                   help="scans per committed chunk of a results folder (default 1000; a kill loses at most one "
                        "uncommitted chunk per worker, which --resume scans again)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="where a results-folder batch runs: here, or on a Dask cluster (needs --scheduler)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler for --engine dask, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--partition-size", type=int, default=2000, metavar="N",
                   help="domains in each Dask partition (default 2000)")
    p.add_argument("--db", metavar="PATH", help="history database (default: in the user data folder; env TETHERS_DB)")
    p.add_argument("--no-store", action="store_true", help="do not keep these scans in the history")
    p.set_defaults(func=run)


def _check_numbers(args: argparse.Namespace) -> None:
    if args.timeout <= 0 or args.timeout > 60:
        raise InputError("--timeout must be between 0 and 60 seconds")
    if not 0 <= args.retries <= 10:
        raise InputError("--retries must be between 0 and 10")
    if not 1 <= args.concurrency <= 10_000 or not 1 <= args.max_queries <= 10_000:
        raise InputError("--concurrency and --max-queries must be between 1 and 10000")
    if args.qps < 0 or not 0 <= args.workers <= 256 or not 1 <= args.partition_size <= 1_000_000 \
            or not 1 <= args.chunk_size <= 1_000_000:
        raise InputError("--qps must be 0 or more, --workers at most 256, --chunk-size and --partition-size at least 1")


def run(args: argparse.Namespace) -> int:
    _check_numbers(args)
    if _is_batch(args):
        from tethers.cli.batch import run_batch_command

        return run_batch_command(args)
    if args.engine != "local" or args.scheduler:
        raise InputError("--engine dask runs a results-folder batch: give -i FILE and -o DIR/")
    # A list scanned into a pipe or a file becomes JSON lines: tables for thousands of scans help nobody.
    listed = bool(args.input) and not args.output and not is_tty(sys.stdout)
    args.format = args.format or ("jsonl" if listed else "terminal")
    own = tuple(parse_domain(d) for d in args.own)
    warn = stderr_console()
    workers = _stream_workers(args)
    if workers > 1:
        tally, description = _scan_parallel(args, own, workers, warn)
        return _finish(tally, args, description, warn)
    if args.zone_file:
        if args.domains or args.input or args.resolver:
            raise InputError("--zone-file takes no DOMAIN, --input or --resolver: the zones name themselves")
        scanner, targets = zone_scanner(args.zone_file, own=own)
        domains: Iterable[str] = targets
        total: int | None = len(targets)
    else:
        if not args.domains and not args.input:
            raise InputError("no domain given", hint="tethers scan example.com, or -i FILE with one domain a line")
        resolver = make_resolver(args.resolver, timeout=args.timeout, retries=args.retries,
                                 concurrency=args.max_queries, qps=args.qps)
        scanner = Scanner(resolver, own=own, plan=plan_named(args.depth, cut=not args.ask_all))
        domains = domains_from(args.domains, args.input, warn)
        total = len(args.domains) if not args.input else None
    store = None if args.no_store else open_store(args.db)
    out = open_output(args.output)
    try:
        tally = asyncio.run(_scan_all(scanner, domains, total, args, out, store))
    finally:
        if out is not sys.stdout:
            out.close()
    return _finish(tally, args, scanner.resolver.description, warn)


def _finish(tally: Tally, args: argparse.Namespace, description: str, warn) -> int:  # type: ignore[no-untyped-def]
    if tally.count == 0:
        raise InputError("no domains to scan: the input list is empty")
    if not args.zone_file and tally.silent == tally.count:
        reasons = ", ".join(sorted({e.reason for r in tally.failed for e in r.errors}))[:160]
        raise OperationalError(f"the resolver {description} did not answer ({reasons})",
                               hint="check --resolver, or the network")
    for r in tally.failed[:20]:
        reasons = ", ".join(sorted({e.reason for e in r.errors}))
        warn.print(f"tethers: {r.domain}: scan failed ({reasons})", markup=False)
    if tally.failures > 20:
        warn.print(f"tethers: {tally.failures} scans failed in all", markup=False)
    if args.output and args.output != "-":
        warn.print(f"tethers: wrote {args.format} report to {args.output}", markup=False)
    return 1 if tally.failures == tally.count else 0


def _stream_workers(args: argparse.Namespace) -> int:
    """Processes for a long -i FILE streamed as JSON lines (1: scan in this process)."""
    if args.zone_file or args.domains or not args.input or args.input == "-" or args.format != "jsonl":
        return 1
    if args.workers:
        return int(args.workers)
    from tethers.batch.source import count_entries
    from tethers.cli.batch import AUTO_WORKERS_FROM, auto_workers

    path = Path(args.input)
    return auto_workers() if path.is_file() and count_entries(path) >= AUTO_WORKERS_FROM else 1


def _scan_parallel(args: argparse.Namespace, own: tuple[str, ...], workers: int, warn) -> tuple[Tally, str]:  # type: ignore[no-untyped-def]
    """``-i FILE --format jsonl`` by several processes (tethers.batch.stream); results in completion order."""
    import json

    from tethers.batch import BatchOptions
    from tethers.batch.stream import stream_lines
    from tethers.model.codec import scan_from_dict

    for server in args.resolver or ():
        parse_server(server)
    options = BatchOptions(
        input=Path(args.input), out_dir=Path("."), servers=tuple(args.resolver or ()), timeout=args.timeout,
        retries=args.retries, concurrency=args.concurrency, max_queries=args.max_queries, qps=args.qps,
        workers=workers, own=own, depth=args.depth, ask_all=args.ask_all,
    )
    store = None if args.no_store else open_store(args.db)
    saver = _Saver(store) if store is not None else None
    out = open_output(args.output)
    tally = Tally()
    show = is_tty(sys.stderr)
    progress = Progress(
        TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}/s"),
        TimeRemainingColumn(), console=stderr_console(), transient=True, disable=not show,
    )

    def take(items: list[tuple[str, bool, bool, str]]) -> None:
        for line, failed, silent, _ in items:
            out.write(line + "\n")
            tally.count += 1
            result = scan_from_dict(json.loads(line)) if failed or saver is not None else None
            if failed:
                tally.failures += 1
                tally.silent += silent
                if len(tally.failed) < 1000 and result is not None:
                    tally.failed.append(result)
            if saver is not None and result is not None:
                saver.save(result)
        out.flush()
        elapsed = progress.tasks[0].elapsed or 1e-9
        progress.update(task, advance=len(items), rate=f"{tally.count / elapsed:.1f}")

    try:
        with progress:
            from tethers.batch.source import count_entries

            task = progress.add_task("scan", total=count_entries(options.input), rate="0.0")
            summary = stream_lines(options, take)
    finally:
        if saver is not None:
            saver.close()
        if out is not sys.stdout:
            out.close()
    for line, reason in summary.get("skipped", [])[:5]:
        warn.print(f"tethers: skipping {args.input}:{line}: {reason}", markup=False)
    if summary.get("invalid", 0) > 5:
        warn.print(f"tethers: skipped {summary['invalid']} invalid lines in {args.input} in all", markup=False)
    description = ", ".join(args.resolver) if args.resolver else "system"
    return tally, description


def _is_batch(args: argparse.Namespace) -> bool:
    """A results-folder batch: asked for with --resume or parquet, or -o naming a folder for jsonl."""
    if args.resume or args.format == "parquet":
        return True
    out = args.output
    if not out or out == "-" or args.format not in (None, "jsonl"):
        return False
    return out.endswith(("/", "\\")) or Path(out).is_dir()


@dataclass
class Tally:
    """What a run needs to know after the fact, without holding every result of a batch."""

    count: int = 0
    failures: int = 0
    silent: int = 0  # scans where no server answered at all
    failed: list[ScanResult] = field(default_factory=list)
    results: list[ScanResult] = field(default_factory=list)

    def add(self, result: ScanResult, keep: bool) -> None:
        self.count += 1
        if result.failed:
            self.failures += 1
            if len(self.failed) < 1000:
                self.failed.append(result)
            if all(e.reason == "timeout" or e.reason.startswith("unreachable") for e in result.errors):
                self.silent += 1
        if keep:
            self.results.append(result)


class _Saver:
    """Keeps scans in the history from a thread of its own.

    A commit waits for the disk (milliseconds); one per scan stalled the
    scanner (measured: 386 domains/s without history, 214 with). So the thread
    takes whatever is queued, up to ``batch`` scans, and keeps it with one
    ``save_many``: one transaction, one commit. The queue is bounded, so a
    slow disk slows the scan down instead of filling memory; a failure is
    raised in the scanning thread at the next save or at the end.
    """

    def __init__(self, store, limit: int = 1000, batch: int = 500) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.batch = batch
        self.queue: queue.Queue[ScanResult | None] = queue.Queue(maxsize=limit)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="tethers-history", daemon=True)
        self.thread.start()

    def save(self, result: ScanResult) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(result)

    def _run(self) -> None:
        done = False
        while not done:
            pending: list[ScanResult] = []
            item = self.queue.get()
            while item is not None:
                pending.append(item)
                if len(pending) >= self.batch:
                    break
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
            done = item is None  # close() was called: nothing follows
            # After a failure keep draining, so the scanning thread never blocks
            # on a full queue before it sees the error.
            if pending and self.error is None:
                try:
                    self.store.save_many(pending)
                except BaseException as exc:  # noqa: BLE001 - handed to the scanning thread
                    self.error = exc

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


async def _scan_all(scanner: Scanner, domains: Iterable[str], total: int | None, args: argparse.Namespace,
                    out: TextIO, store) -> Tally:  # type: ignore[no-untyped-def]
    from tethers.render import FORMATS as RENDERERS

    tally = Tally()
    # jsonl and terminal stream each result as it completes; the other formats
    # describe the whole run and so hold every result until the end.
    keep = args.format not in ("jsonl", "terminal")
    show_progress = is_tty(sys.stderr) and (total is None or total > 1)
    progress = Progress(
        TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}/s"),
        TimeRemainingColumn(), console=stderr_console(), transient=True, disable=not show_progress,
    )
    console = stdout_console(out)
    saver = _Saver(store) if store is not None else None
    with progress:
        task = progress.add_task("scan", total=total, rate="0.0")
        try:
            await _consume(scanner, domains, args, out, saver, tally, keep, console, progress, task)
        finally:
            scanner.close()
            if saver is not None:
                saver.close()
    if keep and tally.results:
        text = RENDERERS[args.format](tally.results)
        out.write(text if text.endswith("\n") else text + "\n")
    return tally


async def _consume(scanner, domains, args, out, store, tally, keep, console, progress, task) -> None:  # type: ignore[no-untyped-def]
    from tethers.render import render_jsonl_line, render_terminal

    async for result in scanner.stream(domains, concurrency=args.concurrency):
        tally.add(result, keep)
        if store is not None:
            store.save(result)
        if args.format == "jsonl":
            out.write(render_jsonl_line(result) + "\n")
            out.flush()
        elif args.format == "terminal":
            render_terminal([result], console)
        elapsed = progress.tasks[0].elapsed or 1e-9
        progress.update(task, advance=1, rate=f"{tally.count / elapsed:.1f}")
