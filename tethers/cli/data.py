"""``tethers data``: which datasets tethers relies on, their sources, licences and age; refreshing them."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import IO, Any

from tethers.geo.datasets import DEFAULT_SOURCE_URL

EPILOG = """\
examples:
  tethers data                      datasets in use: source, licence, snapshot date, age
  tethers data show --format json   the same, as JSON
  tethers data update               fetch fresh IP datasets into the user data dir
  tethers data update --source-url https://mirror.example/ip-location-db
  tethers data update --from-dir ./ip-location-db --dir tethers/data/generated

IP data is looked up offline. 'update' downloads the IP-to-ASN and IP-to-country
CSVs, checks and builds them into the user data dir ($TETHERS_DATA_DIR/generated
when set); tethers then uses whichever copy is newer, that or the packaged one.
A failed update leaves the existing data as it was.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "data",
        help="show the datasets in use (sources, licences, age) or update the IP datasets",
        description="Show the datasets tethers relies on, or refresh the IP-to-ASN and IP-to-country data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default: table)")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    show = actions.add_parser(
        "show",
        help="list datasets with source, licence, snapshot date and age (the default)",
        description="List the datasets in use with source, licence, snapshot date, age and location.",
    )
    # SUPPRESS: without the flag here, keep what `tethers data --format ...` said.
    show.add_argument("--format", choices=["table", "json"], default=argparse.SUPPRESS, help="output format")

    update = actions.add_parser(
        "update",
        help="download, check and install fresh IP datasets",
        description="Download the IP datasets, validate them and install them atomically.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = update.add_mutually_exclusive_group()
    source.add_argument(
        "--source-url",
        metavar="BASE",
        help=f"base URL laid out like upstream (BASE/asn/asn-ipv4.csv ...); default: {DEFAULT_SOURCE_URL}",
    )
    source.add_argument("--from-dir", metavar="DIR", type=Path, help="build from a local copy laid out like BASE")
    update.add_argument(
        "--dir", metavar="DIR", type=Path, help="install into DIR instead of the user data dir's 'generated' folder"
    )
    update.add_argument(
        "--min-rows",
        metavar="N",
        type=int,
        help="refuse a CSV with fewer than N rows (default: a floor per file that full upstream files exceed)",
    )
    update.add_argument("--timeout", metavar="SECONDS", type=float, default=60.0, help="network timeout (default: 60)")


def run(args: argparse.Namespace) -> int:
    if args.action == "update":
        return _update(args)
    return _show(args.format)


def _show(fmt: str) -> int:
    from tethers.geo.provenance import data_sources

    sources = data_sources()
    if fmt == "json":
        doc = {"schema": "tethers/data@1", "datasets": [s.to_dict() for s in sources]}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0

    from rich.markup import escape
    from rich.table import Table

    from tethers.cli.common import stdout_console

    table = Table(title="Datasets in use", title_justify="left")
    for column in ("dataset", "licence", "snapshot", "age", "version"):
        table.add_column(column, no_wrap=True)
    table.add_column("copy", overflow="fold")
    for s in sources:
        age = "unknown" if s.age_days is None else f"{s.age_days} days"
        snapshot = s.snapshot.isoformat() if s.snapshot else "-"
        table.add_row(s.name, s.licence, snapshot, age, s.version or "-", s.origin)
    console = stdout_console()
    console.print(table)
    for s in sources:
        console.print(f"\n[bold]{escape(s.name)}[/bold]: {escape(s.title)}")
        details = [
            ("source", s.source_url or "-"),
            ("file", s.location or "-"),
            ("contents", ", ".join(f"{n:,} {what}" for what, n in s.counts.items()) or "-"),
            ("attribution", s.attribution),
            ("note", s.note),
        ]
        for label, text in details:
            if text:
                console.print(f"  {label + ':':<13}{escape(text)}")
    return 0


class _Progress:
    """One self-overwriting stderr line per file, for downloads above a megabyte."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.current = ""
        self.last = 0.0

    def __call__(self, name: str, done: int, total: int | None) -> None:
        if total is not None and total < 1 << 20:
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if name == self.current and not finished and now - self.last < 0.2:
            return
        self.current, self.last = name, now
        size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        self.out.write(f"\rdownloading {name}: {size}\x1b[K")
        if finished:
            self.out.write("\n")
        self.out.flush()


def _update(args: argparse.Namespace) -> int:
    from tethers.geo.files import user_generated_dir
    from tethers.geo.update import update

    source = args.from_dir if args.from_dir is not None else args.source_url
    into: Path = args.dir if args.dir is not None else user_generated_dir()
    progress = _Progress(sys.stderr) if sys.stderr.isatty() else None
    records = update(source, into, min_rows=args.min_rows, timeout=args.timeout, progress=progress)
    for r in records:
        rows = r["rows"]
        print(
            f"{r['dataset']}: {rows['ipv4']:,} IPv4 and {rows['ipv6']:,} IPv6 ranges, "
            f"snapshot {r['snapshot_date']}, {r['bytes'] / 1e6:.1f} MB"
        )
    print(f"installed into {into}")
    return 0
