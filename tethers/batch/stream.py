"""A long list streamed as JSON lines (``tethers scan -i FILE --format jsonl``) by several processes.

The same workers as a results-folder batch (``runner.scan_share``) scan their
shares; instead of committing chunks they hand their scan lines to this
process, which writes them (and keeps them in the history) in the order they
finish. The queue between them is bounded, so a slow reader slows the workers
down instead of filling memory. Nothing here is resumable: that is what a
results folder is for.
"""

from __future__ import annotations

import os
import queue as queues
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tethers.batch.runner import BatchOptions, interrupt_workers, scan_share, worker_context
from tethers.errors import OperationalError
from tethers.model import ScanResult
from tethers.render import render_jsonl_line

BATCH = 50  # scans a worker hands over at once
BATCH_S = 0.5  # or whatever finished within this long


class _LineSink:
    """A worker's results as (line, failed, silent, reasons) tuples, handed to the parent in batches."""

    def __init__(self, put: Callable[[list[tuple[str, bool, bool, str]]], None]) -> None:
        self.put = put
        self.items: list[tuple[str, bool, bool, str]] = []
        self.opened = time.monotonic()
        self.committed = 0

    def add(self, position: int, result: ScanResult) -> None:
        reasons = ", ".join(sorted({e.reason for e in result.errors})) if result.failed else ""
        silent = result.failed and all(e.reason == "timeout" or e.reason.startswith("unreachable")
                                       for e in result.errors)
        self.items.append((render_jsonl_line(result), result.failed, silent, reasons))
        if len(self.items) >= BATCH or time.monotonic() - self.opened >= BATCH_S:
            self.commit()

    def commit(self) -> None:
        if self.items:
            self.put(self.items)
            self.committed += 1
            self.items = []
        self.opened = time.monotonic()


def _worker(options: BatchOptions, worker: int, messages: Any, parent: int) -> None:
    sink = _LineSink(lambda items: messages.put(("lines", worker, items)))
    try:
        counts = scan_share(options, None, 0, worker, bytearray(), lambda delta: None,
                            stop=lambda: os.getppid() != parent, sink=sink)
    except KeyboardInterrupt:
        messages.put(("end", worker, None))
        return
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops
        messages.put(("error", worker, f"{type(exc).__name__}: {exc}"))
        return
    messages.put(("end", worker, {"invalid": counts["invalid"], "skipped": counts["skipped"]}))


def stream_lines(options: BatchOptions, on_items: Callable[[list[tuple[str, bool, bool, str]]], None]) -> dict[str, Any]:
    """Scan ``options.input`` with ``options.workers`` processes, passing results to ``on_items`` as they come.

    Returns worker 0's count of invalid lines and the first few of them. Ctrl-C
    stops the workers after they hand over what they finished, then re-raises.
    """
    ctx = worker_context()
    messages = ctx.Queue(maxsize=256)
    options = replace(options, fmt="jsonl")
    procs = {k: ctx.Process(target=_worker, args=(options, k, messages, os.getpid()), daemon=True,
                            name=f"tethers-scan-{k}") for k in range(options.workers)}
    for proc in procs.values():
        proc.start()
    ended: set[int] = set()
    summary: dict[str, Any] = {"invalid": 0, "skipped": []}
    interrupted = False
    deadline: float | None = None
    try:
        while len(ended) < len(procs):
            try:
                try:
                    kind, worker, payload = messages.get(timeout=0.2)
                except queues.Empty:
                    for k, proc in procs.items():
                        if k not in ended and not proc.is_alive():
                            ended.add(k)
                            if not interrupted:
                                raise OperationalError(f"scanning process {k} stopped (exit code {proc.exitcode})")
                    if deadline is not None and time.monotonic() > deadline:
                        break
                    continue
                if kind == "lines":
                    on_items(payload)
                elif kind == "end":
                    ended.add(worker)
                    if payload and worker == 0:
                        summary = payload
                elif kind == "error":
                    raise OperationalError(f"scanning process {worker} failed: {payload}")
            except KeyboardInterrupt:
                if not interrupted:
                    interrupt_workers(procs, ended)
                interrupted = True
                deadline = time.monotonic() + 15.0
    finally:
        for proc in procs.values():
            if proc.is_alive() and (interrupted or len(ended) < len(procs)):
                proc.join(timeout=1.0)
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=5.0)
    if interrupted:
        raise KeyboardInterrupt
    return summary
