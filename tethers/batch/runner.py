"""Run a resumable batch: workers scan their share of the list and commit chunks to a results folder.

One worker runs in this process; with ``workers > 1`` each runs in its own
process (measured: two processes scan ~1.6× faster than one on two cores,
docs/scale.md) and the parent only shows progress. The rate cap and the
per-resolver in-flight bound are split between workers, so the servers see
the totals asked for. Ctrl-C makes every worker commit what it has finished
and stop; a kill loses at most the uncommitted chunk, which ``--resume``
scans again.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue as queues
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tethers.batch.folder import ResultsFolder, file_digest, part_name
from tethers.batch.parquet import write_parquet
from tethers.batch.source import Source, count_entries
from tethers.collect.dns import plan_named
from tethers.engine import Scanner, make_resolver
from tethers.errors import InputError, OperationalError
from tethers.model import ScanResult
from tethers.render import render_jsonl_line

TICK_S = 0.5


@dataclass(frozen=True)
class BatchOptions:
    input: Path
    out_dir: Path
    fmt: str = "jsonl"
    resume: bool = False
    servers: tuple[str, ...] = ()
    timeout: float = 2.0
    retries: int = 2
    concurrency: int = 64  # domains in flight, all workers together
    max_queries: int = 100  # queries in flight per resolver, all workers together
    qps: float = 0.0  # queries a second, all workers together (0: no cap)
    workers: int = 1
    own: tuple[str, ...] = ()
    chunk_size: int = 1000
    chunk_seconds: float = 10.0
    depth: str = "full"  # a query plan of tethers.collect.dns.PLANS
    ask_all: bool = False  # no RFC 8020 cut


@dataclass
class Tally:
    """A run's counts so far (for the progress line) and at the end."""

    total: int = 0  # entries in the list (lines)
    already: int = 0  # done by earlier runs
    done: int = 0  # scanned and committed or about to be, this run
    failed: int = 0
    queries: int = 0  # lookups the collectors asked for (a cache hit counts)
    sent: int = 0  # queries that went to a server
    invalid: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    parts: int = 0
    interrupted: bool = False
    lost_workers: list[int] = field(default_factory=list)
    failed_examples: list[tuple[str, str]] = field(default_factory=list)  # (domain, reasons)


class ChunkWriter:
    """Buffers one worker's results and commits them a chunk at a time."""

    def __init__(self, folder: ResultsFolder, fmt: str, run: int, worker: int, size: int, seconds: float) -> None:
        self.folder = folder
        self.fmt = fmt
        self.run = run
        self.worker = worker
        self.size = size
        self.seconds = seconds
        self.lines: list[str] = []
        self.positions: list[int] = []
        self.seq = 0
        self.opened = time.monotonic()
        self.committed = 0

    def add(self, position: int, result: ScanResult) -> None:
        self.lines.append(render_jsonl_line(result))
        self.positions.append(position)
        if len(self.lines) >= self.size or time.monotonic() - self.opened >= self.seconds:
            self.commit()

    def commit(self) -> None:
        if not self.lines:
            return
        name = part_name(self.run, self.worker, self.seq)
        lines = self.lines
        data: bytes | Callable[[Path], None]
        if self.fmt == "parquet":
            data = lambda path: write_parquet(lines, path)  # noqa: E731
        else:
            data = "".join(line + "\n" for line in lines).encode("utf-8")
        self.folder.commit(name, self.fmt, data, self.positions)
        self.committed += 1
        self.seq += 1
        self.lines, self.positions = [], []
        self.opened = time.monotonic()


def prepare(options: BatchOptions) -> tuple[ResultsFolder, int, bytearray, Tally]:
    """Create or resume the results folder; the run number, the done bitmap and the starting counts."""
    if options.fmt not in ("jsonl", "parquet"):
        raise InputError(f"a results folder holds jsonl or parquet, not {options.fmt}")
    folder = ResultsFolder(options.out_dir)
    path = options.input
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
    digest = file_digest(path)
    settings = {k: v for k, v in asdict(options).items() if k not in ("input", "out_dir", "resume")}
    settings["own"] = list(options.own)
    settings["servers"] = list(options.servers)
    if options.resume:
        manifest = folder.resume(input_path=str(path), digest=digest, fmt=options.fmt, depth=options.depth,
                                 ask_all=options.ask_all)
    else:
        manifest = folder.create(input_path=str(path.resolve()), digest=digest, fmt=options.fmt, options=settings)
    done = folder.done_bitmap()
    run = folder.start_run(manifest)
    tally = Tally(total=count_entries(path))
    return folder, run, done, tally


def _scanner(options: BatchOptions) -> Scanner:
    n = options.workers
    resolver = make_resolver(list(options.servers) or None, timeout=options.timeout, retries=options.retries,
                             concurrency=max(1, options.max_queries // n), qps=options.qps / n)
    return Scanner(resolver, own=options.own, plan=plan_named(options.depth, cut=not options.ask_all))


class Sink(Protocol):
    """Where a worker's results go: a results folder (``ChunkWriter``) or the parent process."""

    committed: int

    def add(self, position: int, result: ScanResult) -> None: ...

    def commit(self) -> None: ...


def scan_share(options: BatchOptions, folder: ResultsFolder | None, run: int, worker: int, done: bytearray,
               tick: Callable[[dict[str, Any]], None], stop: Callable[[], bool] = lambda: False,
               sink: Sink | None = None) -> dict[str, Any]:
    """Scan one worker's share and commit it; returns its final counts. Ctrl-C commits, then re-raises."""
    source = Source(options.input, worker=worker, workers=options.workers, done=done)
    if sink is None:
        assert folder is not None
        sink = ChunkWriter(folder, options.fmt, run, worker, options.chunk_size, options.chunk_seconds)
    writer = sink
    counts: dict[str, Any] = {"done": 0, "failed": 0, "queries": 0, "sent": 0, "failed_examples": []}
    sent = dict.fromkeys(("done", "failed", "queries", "sent"), 0)
    resolver: Any = None

    def report(final: bool = False) -> None:
        counts["sent"] = getattr(resolver, "sent", 0)
        delta = {k: counts[k] - sent[k] for k in sent}
        sent.update({k: counts[k] for k in sent})
        tick({**delta, "final": final})

    async def main() -> None:
        nonlocal resolver
        scanner = _scanner(options)
        resolver = scanner.resolver
        last = time.monotonic()
        per_worker = max(1, options.concurrency // options.workers)
        try:
            async for position, result in scanner.stream_keyed(source, per_worker):
                writer.add(position, result)
                counts["done"] += 1
                counts["queries"] += result.queries
                if result.failed:
                    counts["failed"] += 1
                    if len(counts["failed_examples"]) < 20:
                        reasons = ", ".join(sorted({e.reason for e in result.errors}))
                        counts["failed_examples"].append((result.domain, reasons))
                now = time.monotonic()
                if now - last >= TICK_S:
                    last = now
                    report()
                    if stop():
                        break
        finally:
            scanner.close()
            writer.commit()  # also on Ctrl-C: what finished is kept

    try:
        asyncio.run(main())
    finally:
        report(final=True)
    counts.update(parts=writer.committed, already=source.already, invalid=source.invalid, skipped=source.skipped)
    return counts


def run_batch(options: BatchOptions, on_tick: Callable[[Tally], None] | None = None) -> Tally:
    """Run (or resume) a batch into ``options.out_dir``; ``on_tick`` sees the counts as they grow."""
    with ResultsFolder(options.out_dir).locked():
        return _run_locked(options, on_tick)


def _run_locked(options: BatchOptions, on_tick: Callable[[Tally], None] | None) -> Tally:
    folder, run, done, tally = prepare(options)
    show = on_tick or (lambda t: None)

    def absorb(counts: dict[str, Any]) -> None:
        tally.done += counts.get("done", 0)
        tally.failed += counts.get("failed", 0)
        tally.queries += counts.get("queries", 0)
        tally.sent += counts.get("sent", 0)
        show(tally)

    def finish(counts: dict[str, Any], worker: int) -> None:
        tally.parts += counts["parts"]
        tally.already += counts["already"]
        tally.failed_examples.extend(counts["failed_examples"][: max(0, 20 - len(tally.failed_examples))])
        if worker == 0:
            tally.invalid, tally.skipped = counts["invalid"], counts["skipped"]

    if options.workers <= 1:
        try:
            counts = scan_share(options, folder, run, 0, done, absorb)
        except KeyboardInterrupt:
            tally.interrupted = True
            return tally
        finish(counts, 0)
        return tally
    return _run_processes(options, folder, run, done, tally, absorb, finish)


def _run_processes(options: BatchOptions, folder: ResultsFolder, run: int, done: bytearray, tally: Tally,
                   absorb: Callable[[dict[str, Any]], None],
                   finish: Callable[[dict[str, Any], int], None]) -> Tally:
    ctx = worker_context()
    messages = ctx.Queue()
    procs = {k: ctx.Process(target=_worker_main, args=(options, folder.path, run, k, done, messages, os.getpid()),
                            daemon=True, name=f"tethers-batch-{k}")
             for k in range(options.workers)}
    for proc in procs.values():
        proc.start()
    ended: set[int] = set()
    deadline: float | None = None
    while len(ended) < len(procs):
        try:
            try:
                kind, worker, payload = messages.get(timeout=0.2)
            except queues.Empty:
                for k, proc in procs.items():
                    if k not in ended and not proc.is_alive() and proc.exitcode is not None:
                        _drain(messages, absorb, finish, ended)
                        if k not in ended:
                            ended.add(k)
                            tally.lost_workers.append(k)
                if deadline is not None and time.monotonic() > deadline:
                    break
                continue
            if kind == "tick":
                absorb(payload)
            elif kind == "end":
                finish(payload, worker)
                ended.add(worker)
            elif kind == "interrupted":
                tally.interrupted = True
                ended.add(worker)
            elif kind == "error":
                ended.add(worker)
                raise OperationalError(f"batch worker {worker} failed: {payload}")
        except KeyboardInterrupt:
            # Pass the interrupt on (a terminal's Ctrl-C reaches them anyway; `kill -INT` does not),
            # then give them a moment to commit what they finished.
            if not tally.interrupted:
                interrupt_workers(procs, ended)
            tally.interrupted = True
            deadline = time.monotonic() + 15.0
    for proc in procs.values():
        proc.join(timeout=5.0)
        if proc.is_alive():
            proc.terminate()
    return tally


def interrupt_workers(procs: dict[int, Any], ended: set[int]) -> None:
    """Send SIGINT to the workers still running, so they commit or hand over what they finished."""
    for k, proc in procs.items():
        if k not in ended and proc.pid is not None and proc.is_alive():
            try:
                os.kill(proc.pid, signal.SIGINT)
            except OSError:
                pass  # it ended meanwhile


def worker_context() -> Any:
    """How to start worker processes: fork where there is one, with the data loaded first.

    Forked workers share the knowledge base and the IP tables the parent loaded
    (copy-on-write) instead of each spending a second or two loading their own.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    from tethers.engine import default_locator
    from tethers.kb import default_kb

    default_kb()
    default_locator().locate("192.0.2.1")  # the tables load on first use
    return multiprocessing.get_context("fork")


def _drain(messages: Any, absorb: Callable[[dict[str, Any]], None],
           finish: Callable[[dict[str, Any], int], None], ended: set[int]) -> None:
    while True:
        try:
            kind, worker, payload = messages.get_nowait()
        except queues.Empty:
            return
        if kind == "tick":
            absorb(payload)
        elif kind in ("end", "interrupted"):
            if kind == "end":
                finish(payload, worker)
            ended.add(worker)


def _worker_main(options: BatchOptions, path: Path, run: int, worker: int, done: bytearray,
                 messages: Any, parent: int) -> None:
    folder = ResultsFolder(path)

    def tick(delta: dict[str, Any]) -> None:
        messages.put(("tick", worker, delta))

    try:
        counts = scan_share(options, folder, run, worker, done, tick, stop=lambda: os.getppid() != parent)
    except KeyboardInterrupt:
        messages.put(("interrupted", worker, {}))
        return
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the batch
        messages.put(("error", worker, f"{type(exc).__name__}: {exc}"))
        return
    messages.put(("end", worker, counts))
