"""``tethers history``: list saved scans, or the domains that have them.

Also holds what ``history`` and ``diff`` share: the read-only ``--db`` option and markup-safe text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from tethers.cli.common import stdout_console
from tethers.render.view import clean
from tethers.store import HistoryStore, default_path
from tethers.util.names import parse_domain

HISTORY_SCHEMA = "tethers/history@1"

EXAMPLES = """\
examples:
  tethers history                      every domain with saved scans, and how many
  tethers history example.com          the scans of example.com, newest first, with their ids
  tethers history example.com --limit 5 --format json
  tethers history --db ./team.sqlite3  read another history file (or set TETHERS_DB)
"""


def display(text: str) -> str:
    """Record content made safe to embed in rich markup: invisible characters shown as escapes, markup escaped."""
    return escape(clean(text))


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {text}")
    return value


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="history database file (default: $TETHERS_DB, else history.sqlite3 in the user data directory)",
    )


def open_history(args: argparse.Namespace) -> HistoryStore:
    """The store named by ``--db`` or the default; a missing file reads as empty and is not created."""
    path = args.db.expanduser() if args.db is not None else default_path()
    return HistoryStore(path, create=False)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history",
        help="list saved scans of a domain, or every domain with saved scans",
        description="List saved scans of DOMAIN, newest first, with the ids that 'tethers diff --from/--to'\n"
        "take. Without DOMAIN, list every domain in the history with its number of scans.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("domain", nargs="?", metavar="DOMAIN", help="show this domain's scans")
    add_db_option(parser)
    parser.add_argument("--limit", type=positive_int, default=50, metavar="N", help="show at most N scans (default: 50)")
    parser.add_argument(
        "--format", choices=["terminal", "json"], default="terminal", help="output format (default: terminal)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    domain = parse_domain(args.domain) if args.domain is not None else None
    store = open_history(args)
    if domain is None:
        _show_domains(store, args.format)
    else:
        _show_scans(store, domain, args.limit, args.format)
    return 0


def _show_domains(store: HistoryStore, fmt: str) -> None:
    domains = store.domains()
    if fmt == "json":
        doc = {
            "schema": HISTORY_SCHEMA,
            "db": str(store.path),
            "domains": [{"domain": d.domain, "scans": d.scans, "latest": d.latest} for d in domains],
        }
        _print_json(doc)
        return
    out = stdout_console()
    if not domains:
        out.print(f"No scans saved in {display(str(store.path))}.")
        return
    table = Table(title="Saved scans by domain", caption=f"history: {display(str(store.path))}")
    table.add_column("domain")
    table.add_column("scans", justify="right")
    table.add_column("latest started")
    for d in domains:
        table.add_row(display(d.domain), str(d.scans), display(d.latest))
    out.print(table)


def _show_scans(store: HistoryStore, domain: str, limit: int, fmt: str) -> None:
    scans = store.list_scans(domain, limit=limit)
    if fmt == "json":
        doc = {
            "schema": HISTORY_SCHEMA,
            "db": str(store.path),
            "domain": domain,
            "scans": [
                {
                    "id": s.id,
                    "started": s.started,
                    "mode": s.mode.value,
                    "dependencies": s.dependencies,
                    "unattributed": s.unattributed,
                    "errors": s.errors,
                }
                for s in scans
            ],
        }
        _print_json(doc)
        return
    out = stdout_console()
    if not scans:
        out.print(f"No scans of {display(domain)} saved in {display(str(store.path))}.")
        return
    table = Table(title=f"Scans of {display(domain)}, newest first", caption=f"history: {display(str(store.path))}")
    table.add_column("id", justify="right")
    table.add_column("started")
    table.add_column("mode")
    table.add_column("dependencies", justify="right")
    table.add_column("unattributed", justify="right")
    table.add_column("errors", justify="right")
    for s in scans:
        table.add_row(
            str(s.id), display(s.started), s.mode.value, str(s.dependencies), str(s.unattributed), str(s.errors)
        )
    out.print(table)


def _print_json(doc: dict[str, Any]) -> None:
    # ensure_ascii: the text is plain ASCII, so no record content reaches the terminal raw.
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=True) + "\n")
