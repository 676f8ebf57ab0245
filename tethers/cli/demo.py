"""``tethers demo``: the built-in case studies, served by a real DNS server on loopback and scanned live."""

from __future__ import annotations

import argparse
import asyncio
from importlib import resources
from pathlib import Path

from tethers.cli.common import open_store, stderr_console, stdout_console
from tethers.engine import Scanner, make_resolver
from tethers.errors import InputError
from tethers.model import ScanResult

EXAMPLES = """\
examples:
  tethers demo                          scan parler.com as its DNS stood in January 2021
  tethers demo --html parler.html       choose where the HTML report goes
  tethers demo --server builtin         use tethers' own small DNS server even if Knot is installed
  tethers demo --list                   the built-in examples and their sources
"""


def examples_root() -> Path:
    return Path(str(resources.files("tethers.data"))) / "examples"


def available() -> dict[str, Path]:
    root = examples_root()
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and list(p.glob("*.zone"))} if root.is_dir() else {}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo",
        help="scan a built-in case study (parler-2021) served from a DNS server on loopback",
        description="Serves a built-in example's zones from a real DNS server on 127.0.0.1 (Knot DNS when "
        "installed, else tethers' own), scans them through the normal live path, prints the report and "
        "writes the HTML report. Nothing leaves this machine.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("example", nargs="?", default="parler-2021", help="which example (default parler-2021)")
    p.add_argument("--list", action="store_true", help="list the built-in examples")
    p.add_argument("--server", choices=("auto", "knot", "builtin"), default="auto",
                   help="DNS server to serve the zones (default: Knot if installed, else built-in)")
    p.add_argument("--html", metavar="FILE", default="tethers-demo.html", help="where to write the HTML report")
    p.add_argument("--store", action="store_true", help="keep the demo scans in the history (off by default)")
    p.add_argument("--db", metavar="PATH", help="history database, with --store")
    p.set_defaults(func=run)


def _server(kind: str, zones: list[Path]):  # type: ignore[no-untyped-def]
    from tethers.demo.knot import KnotServer, knotd_path
    from tethers.demo.server import BuiltinServer

    if kind == "knot" or (kind == "auto" and knotd_path()):
        if not knotd_path():
            raise InputError("knotd is not installed", hint="apt-get install knot, or use --server builtin")
        return KnotServer(zones), "Knot DNS"
    return BuiltinServer(zones), "tethers' built-in DNS server"


def run(args: argparse.Namespace) -> int:
    examples = available()
    console = stdout_console()
    if args.list:
        for name, path in examples.items():
            readme = path / "README.md"
            first = readme.read_text(encoding="utf-8").strip().splitlines()[0] if readme.exists() else ""
            console.print(f"{name}: {first}", markup=False)
        return 0
    if args.example not in examples:
        raise InputError(f"no built-in example {args.example!r}", hint=f"choose from: {', '.join(examples)}")
    folder = examples[args.example]
    zones = sorted(folder.glob("*.zone"))
    server, label = _server(args.server, zones)
    note = stderr_console()
    with server:
        host, port = server.address
        note.print(f"serving {len(zones)} example zone(s) with {label} on {host}:{port}", markup=False)
        resolver = make_resolver(f"{host}:{port}", timeout=1.0, retries=1)
        scanner = Scanner(resolver)
        domains = [z.name.removesuffix(".zone") for z in zones]
        results = asyncio.run(_scan(scanner, domains))
    if args.store:
        store = open_store(args.db)
        for r in results:
            store.save(r)
    from tethers.render import render_html, render_terminal

    render_terminal(results, console)
    html_path = Path(args.html)
    try:
        html_path.write_text(render_html(results), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{html_path}: cannot write: {exc.strerror}") from None
    sources = folder / "SOURCES.md"
    note.print(f"HTML report: {html_path.resolve()}", markup=False)
    if sources.exists():
        note.print(f"where each record comes from: {sources}", markup=False)
    note.print("lookups outside the example zones are refused by the demo server and listed as errors.", markup=False)
    inventory = folder / "tethers.toml"
    if inventory.exists():
        note.print(f"what went dark when the vendors cut it off: tethers whatif {inventory} --scenario {args.example}",
                   markup=False)
    return 0


async def _scan(scanner: Scanner, domains: list[str]) -> list[ScanResult]:
    try:
        return [await scanner.scan(d) for d in domains]
    finally:
        scanner.close()
