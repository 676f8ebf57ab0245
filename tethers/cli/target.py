"""What ``whatif``, ``check`` and friends analyse: a TARGET turned into a DependencyMap.

TARGET is one of:
  * an inventory file (``*.toml``): its zone files are scanned offline, its domains taken
    from the history (or scanned now with ``--live``), its declared dependencies merged in;
  * a zone file (``*.zone``): scanned offline;
  * saved results (``*.json`` from ``--format json``, ``*.jsonl``);
  * a domain: its latest scan in the history, or a live scan with ``--live``.
``--inventory FILE`` merges a declared inventory into any of these.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from tethers.analyse.merge import merge
from tethers.cli.common import open_store
from tethers.config.inventory import load_inventory
from tethers.engine import Scanner, make_resolver, scan_zone_files
from tethers.errors import InputError
from tethers.kb import default_kb
from tethers.model import DependencyMap, Inventory, ScanResult
from tethers.model.codec import scan_from_dict
from tethers.util.names import parse_domain

TARGET_HELP = ("an inventory file (.toml), a zone file (.zone), saved scan results (.json/.jsonl), "
               "or a domain (its latest scan in the history; --live to scan it now)")


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    p.add_argument("--inventory", metavar="FILE", type=Path, help="merge the dependencies declared in this inventory file")
    p.add_argument("--live", action="store_true", help="scan domains now instead of using their latest stored scan")
    p.add_argument("--resolver", metavar="HOST[:PORT]", help="with --live: the resolver to query")
    p.add_argument("--db", metavar="PATH", help="history database to read scans from (and store --live scans in)")


def _saved(path: Path) -> list[ScanResult]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    try:
        if path.suffix == ".jsonl":
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            docs = json.loads(text).get("scans", [])
        return [scan_from_dict(d) for d in docs]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not tethers scan results ({type(exc).__name__}: {exc})") from None


def _from_history(domains: list[str], args: argparse.Namespace) -> list[ScanResult]:
    if not domains:
        return []
    if args.live:
        resolver = make_resolver(args.resolver)

        async def run() -> list[ScanResult]:
            scanner = Scanner(resolver)
            try:
                return [await scanner.scan(d) for d in domains]
            finally:
                scanner.close()

        results = asyncio.run(run())
        store = open_store(args.db)
        for r in results:
            store.save(r)
        return results
    store = open_store(args.db)
    out = []
    for domain in domains:
        latest = store.latest(domain, 1)
        if not latest:
            raise InputError(f"no stored scan of {domain}", hint=f"run 'tethers scan {domain}' first, or add --live")
        out.extend(latest)
    return out


def _inventory_zones(inventory: Inventory) -> list[ScanResult]:
    # An inventory may declare dependencies only, with no zone files to scan.
    return scan_zone_files(inventory.zone_files) if inventory.zone_files else []


def load_target(args: argparse.Namespace) -> DependencyMap:
    kb = default_kb()
    target: str = args.target
    path = Path(target)
    inventory: Inventory | None = None
    scans: list[ScanResult] = []
    if path.suffix == ".toml":
        inventory = load_inventory(path, kb)
        scans = _inventory_zones(inventory) + _from_history(list(inventory.domains), args)
    elif path.suffix in (".zone", ".db") or (path.is_file() and path.suffix not in (".json", ".jsonl")):
        scans = scan_zone_files([path])
    elif path.suffix in (".json", ".jsonl"):
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        scans = _saved(path)
    else:
        scans = _from_history([parse_domain(target)], args)
    if getattr(args, "inventory", None):
        if inventory is not None:
            raise InputError("TARGET is already an inventory; --inventory adds a second one")
        inventory = load_inventory(args.inventory, kb)
        scans += _inventory_zones(inventory)
        scans += _from_history([d for d in inventory.domains if d not in {s.domain for s in scans}], args)
    if not scans and (inventory is None or not inventory.dependencies):
        raise InputError(f"{target}: nothing to analyse")
    return merge(scans, inventory, kb)
