"""``tethers diff``: what changed between two saved scans of a domain."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tethers.analyse.diff import OwnerChange, ScanDiff, SetChange, UnattributedRef, diff_scans, diff_to_dict
from tethers.cli.common import stdout_console
from tethers.cli.history import add_db_option, display, open_history, positive_int
from tethers.errors import InputError
from tethers.model.result import ProviderRef, ScanResult
from tethers.render.view import clean
from tethers.store import HistoryStore
from tethers.util.names import normalise, parse_domain

EXAMPLES = """\
examples:
  tethers diff example.com                    the two latest saved scans of example.com
  tethers diff example.com --from 3           scan 3 against the latest
  tethers diff example.com --from 3 --to 7    two chosen scans ('tethers history example.com' lists ids)
  tethers diff example.com --format md > changes.md
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="show what changed between two saved scans of a domain",
        description="Compare two saved scans of DOMAIN: providers gained and lost per function, owner and\n"
        "country changes, name-server and MX changes, unattributed evidence and the error count.\n"
        "By default the two latest scans; --to defaults to the latest, --from to the scan before --to.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("domain", metavar="DOMAIN", help="the domain whose scans to compare")
    add_db_option(parser)
    parser.add_argument("--from", dest="from_id", type=positive_int, metavar="ID", help="the older scan's id")
    parser.add_argument("--to", dest="to_id", type=positive_int, metavar="ID", help="the newer scan's id")
    parser.add_argument(
        "--format", choices=["terminal", "json", "md"], default="terminal", help="output format (default: terminal)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    domain = parse_domain(args.domain)
    store = open_history(args)
    old_id, new_id = pick_scans(store, domain, args.from_id, args.to_id)
    old, new = store.get(old_id), store.get(new_id)
    diff = diff_scans(old, new)
    if args.format == "json":
        doc = {**diff_to_dict(diff), "old_id": old_id, "new_id": new_id}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=True) + "\n")
    elif args.format == "md":
        sys.stdout.write(render_markdown(diff, old_id, new_id))
    else:
        out = stdout_console()
        for line in render_terminal(diff, old_id, new_id):
            out.print(line)
    return 0


def pick_scans(store: HistoryStore, domain: str, from_id: int | None, to_id: int | None) -> tuple[int, int]:
    """(old id, new id): ``to`` defaults to the latest, ``from`` to the scan before ``to``."""
    if from_id is not None and from_id == to_id:
        raise InputError(f"--from and --to both name scan {from_id}; give two different scans")
    for scan_id in (from_id, to_id):
        if scan_id is not None:
            _check_domain(store.get(scan_id), scan_id, domain)
    ids = [s.id for s in store.list_scans(domain, limit=None)]  # newest first
    have = len(ids)
    if from_id is None and to_id is None and have < 2:
        raise InputError(
            f"need two saved scans of {domain} to compare, found {have} in {store.path}",
            hint=f"run 'tethers scan {domain}' again later (each scan is saved), then 'tethers diff {domain}'"
            if have
            else "'tethers history' lists the domains with saved scans",
        )
    new_id = to_id if to_id is not None else ids[0]
    if from_id is not None:
        if from_id == new_id:
            raise InputError(
                f"scan {from_id} is the latest saved scan of {domain}; nothing after it to compare with",
                hint="pass --to with another scan's id",
            )
        return from_id, new_id
    older = ids[ids.index(new_id) + 1 :]
    if not older:
        raise InputError(
            f"scan {new_id} is the oldest saved scan of {domain}; nothing before it to compare with",
            hint="pass --from with another scan's id ('tethers history " + domain + "' lists them)",
        )
    return older[0], new_id


def _check_domain(scan: ScanResult, scan_id: int, domain: str) -> None:
    if normalise(scan.domain) != domain:
        raise InputError(
            f"scan {scan_id} is a scan of {clean(normalise(scan.domain))}, not {domain}",
            hint=f"'tethers history {domain}' lists the scans of {domain}",
        )


# -- rendering: pure functions of the diff --------------------------------------


def _provider(p: ProviderRef) -> str:
    return f"{p.name} ({p.owner}, {p.country})" if p.country else f"{p.name} ({p.owner})"


def _owner(c: OwnerChange) -> str:
    return f"{c.name}: {c.old_owner} ({c.old_country}) -> {c.new_owner} ({c.new_country})"


def _unattributed(r: UnattributedRef) -> str:
    return f"{r.function.value if r.function else 'unknown'} {r.domain}"


def _span(diff: ScanDiff, old_id: int, new_id: int) -> str:
    return f"scan {old_id} (started {diff.old_started}) -> scan {new_id} (started {diff.new_started})"


def _sections(diff: ScanDiff) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(sign, text)]) for each non-empty section, signs ``+``, ``-`` or ``~``; raw text."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    providers = [
        (sign, f"{c.function.value}: {_provider(p)}")
        for c in diff.providers
        for sign, group in (("+", c.gained), ("-", c.lost))
        for p in group
    ]
    if providers:
        out.append(("Providers", providers))
    if diff.owners:
        out.append(("Owners", [("~", _owner(c)) for c in diff.owners]))

    def set_lines(change: SetChange) -> list[tuple[str, str]]:
        return [("+", h) for h in change.added] + [("-", h) for h in change.removed]

    if not diff.ns.empty:
        out.append(("Name servers", set_lines(diff.ns)))
    if not diff.mx.empty:
        out.append(("Mail exchangers", set_lines(diff.mx)))
    unattributed = [("+", _unattributed(r)) for r in diff.unattributed_gained] + [
        ("-", _unattributed(r)) for r in diff.unattributed_lost
    ]
    if unattributed:
        out.append(("Unattributed", unattributed))
    if diff.errors_delta:
        out.append(("Errors", [("~", f"{diff.old_errors} -> {diff.new_errors} ({diff.errors_delta:+d})")]))
    return out


_STYLE = {"+": "green", "-": "red", "~": "yellow"}


def render_terminal(diff: ScanDiff, old_id: int, new_id: int) -> list[str]:
    """Rich markup lines; all record content escaped."""
    lines = [f"[bold]Changes to {display(diff.domain)}[/bold]", display(_span(diff, old_id, new_id))]
    if diff.empty:
        return [*lines, "No changes."]
    for section, items in _sections(diff):
        lines.append("")
        lines.append(f"[bold]{section}[/bold]")
        lines.extend(f"  [{_STYLE[sign]}]{sign} {display(text)}[/{_STYLE[sign]}]" for sign, text in items)
    return lines


def _md_code(text: str) -> str:
    """An inline code span that no content can break out of (Markdown and HTML are inert inside)."""
    text = clean(text)
    fence = "`"
    while fence in text:
        fence += "`"
    # CommonMark strips one space each side, so a span may start or end with a backtick.
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"


_MD_SIGN = {"+": "added", "-": "removed", "~": "changed"}


def render_markdown(diff: ScanDiff, old_id: int, new_id: int) -> str:
    lines = [f"# Changes to {_md_code(diff.domain)}", "", f"From {_md_code(_span(diff, old_id, new_id))}.", ""]
    if diff.empty:
        lines += ["No changes.", ""]
    for section, items in _sections(diff):
        lines += [f"## {section}", ""]
        lines += [f"- {_MD_SIGN[sign]}: {_md_code(text)}" for sign, text in items]
        lines.append("")
    return "\n".join(lines)
