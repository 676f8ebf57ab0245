"""``--engine dask``: the batch's partitions scanned on a dask.distributed cluster.

The client (this process) reads the list, skips what the results folder has
done, cuts the rest into partitions of ``partition_size`` domains and submits
them; each Dask worker runs the same async scanner on its partition and sends
back the scan lines; the client commits each partition as one chunk of the
results folder (JSONL or Parquet, with its done-index), exactly as a local run
does. So a cluster needs no shared file system, ``--resume`` works the same,
and the folder holds the same records as a local run of the same list.

A partition that fails (a worker dies, an exception) is retried by Dask
(``retries``); one that still fails is left out and reported, and ``--resume``
scans it again. At most ``window`` partitions are in flight, so the client's
memory stays bounded however long the list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from tethers.batch.folder import ResultsFolder
from tethers.batch.runner import BatchOptions, ChunkWriter, Tally, _scanner, prepare
from tethers.batch.source import Source
from tethers.errors import OperationalError
from tethers.render import render_jsonl_line

RETRIES = 2
CONNECT_TIMEOUT = "10s"  # how long to keep trying to reach the scheduler


def scan_partition(items: list[tuple[int, str]], options: BatchOptions) -> tuple[list[tuple[int, str, bool, int]], int]:
    """Runs on a Dask worker: (position, scan line, failed, lookups) for each domain, and the queries sent."""

    async def main() -> tuple[list[tuple[int, str, bool, int]], int]:
        scanner = _scanner(replace(options, workers=1))
        out = []
        try:
            async for position, result in scanner.stream_keyed(items, options.concurrency):
                out.append((position, render_jsonl_line(result), result.failed, result.queries))
        finally:
            scanner.close()
        out.sort()
        return out, getattr(scanner.resolver, "sent", 0)

    return asyncio.run(main())


def _partitions(source: Source, size: int) -> Iterator[list[tuple[int, str]]]:
    it = iter(source)
    while chunk := list(islice(it, size)):
        yield chunk


def run_dask(options: BatchOptions, scheduler: str, *, partition_size: int = 2000, window: int = 0,
             on_tick: Callable[[Tally], None] | None = None) -> Tally:
    """Run (or resume) a batch on the Dask cluster at ``scheduler`` into ``options.out_dir``."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise OperationalError("--engine dask needs dask.distributed",
                               hint="pip install 'tethers[dask]'") from None
    show = on_tick or (lambda t: None)
    with ResultsFolder(options.out_dir).locked():
        folder, run, done, tally = prepare(options)
        source = Source(options.input, done=done)
        writer = ChunkWriter(folder, options.fmt, run, 0, size=10**9, seconds=float("inf"))
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise OperationalError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        failures: list[str] = []
        try:
            limit = window or max(2, 2 * sum(client.nthreads().values()))
            pending = _partitions(source, partition_size)
            futures = as_completed()
            sizes: dict[Any, int] = {}
            for part in islice(pending, limit):
                future = client.submit(scan_partition, part, options, retries=RETRIES, pure=False)
                sizes[future] = len(part)
                futures.add(future)
            for future in futures:
                size = sizes.pop(future)
                try:
                    rows, sent = future.result()
                except Exception as exc:  # noqa: BLE001 - a partition that failed after its retries
                    failures.append(f"{size} domains: {type(exc).__name__}: {exc}")
                else:
                    for position, line, failed, queries in rows:
                        writer.lines.append(line)
                        writer.positions.append(position)
                        tally.done += 1
                        tally.failed += failed
                        tally.queries += queries
                    writer.commit()
                    tally.parts += 1
                    tally.sent += sent
                    show(tally)
                for part in islice(pending, 1):
                    nxt = client.submit(scan_partition, part, options, retries=RETRIES, pure=False)
                    sizes[nxt] = len(part)
                    futures.add(nxt)
        except KeyboardInterrupt:
            tally.interrupted = True
        finally:
            client.close()
        tally.already, tally.invalid, tally.skipped = source.already, source.invalid, source.skipped
    if failures and not tally.interrupted:
        raise OperationalError(f"{len(failures)} partition(s) failed after {RETRIES} retries: {failures[0]}",
                               hint=f"what finished is kept in {options.out_dir}; run again with --resume")
    return tally
