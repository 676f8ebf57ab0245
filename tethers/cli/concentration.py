"""``tethers concentration``: how few companies and countries one target, or many, lean on."""

from __future__ import annotations

import argparse

from tethers.analyse.concentration import concentration, portfolio
from tethers.cli.common import report_output, stderr_console, stdout_console
from tethers.cli.target import TARGET_HELP, load_target
from tethers.errors import InputError, UserError
from tethers.model import DependencyMap
from tethers.render.concentration import (
    TOP,
    render_concentration_html,
    render_concentration_json,
    render_concentration_markdown,
    render_concentration_terminal,
)
from tethers.util.lists import read_list

FORMATS = ("terminal", "json", "md", "html")
MAX_WARNINGS = 5

EXAMPLES = """\
examples:
  tethers concentration example.com
  tethers concentration tethers/data/examples/parler-2021/tethers.toml
  tethers concentration a.example b.example c.example.zone
  tethers concentration -i vendors.txt --format json -o portfolio.json
  tethers concentration -i vendors.txt --live --resolver 127.0.0.1:5353

For each target: per function, the providers, how many are independent (different ultimate
owners: one decision each) and the owners' countries; owners that hold several functions at
once; and a concentration index (Herfindahl-Hirschman) over the owners. With several targets,
e.g. the domains of your vendors, it ranks the providers, owners and owner countries the whole
portfolio leans on: how many targets depend on each, per function, and at how many each is
the sole holder of some function. Domains come from the history (run 'tethers scan -i LIST'
first) or, with --live, are scanned now.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "concentration",
        help="how few owners and countries one target or a portfolio leans on",
        description="Measure how concentrated a target's providers are, or rank what a portfolio of "
        "targets (vendors, subsidiaries) depends on.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("targets", nargs="*", metavar="TARGET", help=TARGET_HELP)
    p.add_argument("-i", "--input", metavar="LIST", help="read targets from LIST, one a line ('-' for stdin); bad lines are skipped")
    p.add_argument("--live", action="store_true", help="scan domains now instead of using their latest stored scan")
    p.add_argument("--resolver", metavar="HOST[:PORT]", help="with --live: the resolver to query")
    p.add_argument("--db", metavar="PATH", help="history database to read scans from (and store --live scans in)")
    p.add_argument("--top", type=int, default=TOP, metavar="N", help=f"rows per portfolio ranking (default {TOP})")
    p.add_argument("--format", choices=FORMATS, default="terminal", help="output format (default terminal)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def _load(target: str, args: argparse.Namespace) -> DependencyMap:
    one = argparse.Namespace(target=target, inventory=None, live=args.live, resolver=args.resolver, db=args.db)
    return load_target(one)


def load_maps(args: argparse.Namespace) -> list[DependencyMap]:
    """Positional targets strictly (a bad one stops the run); list lines leniently (warned and skipped)."""
    maps = [_load(t, args) for t in dict.fromkeys(args.targets)]
    if args.input:
        warn = stderr_console()
        skipped = 0
        seen = set(args.targets)
        for number, text in read_list(args.input):
            if text in seen:
                continue
            seen.add(text)
            try:
                maps.append(_load(text, args))
            except UserError as exc:
                skipped += 1
                if skipped <= MAX_WARNINGS:
                    warn.print(f"tethers: skipping {args.input}:{number}: {exc.message}", markup=False)
        if skipped > MAX_WARNINGS:
            warn.print(f"tethers: skipped {skipped} targets of {args.input} in all", markup=False)
    return maps


def run(args: argparse.Namespace) -> int:
    if not args.targets and not args.input:
        raise InputError("no TARGET given", hint="tethers concentration TARGET..., or -i LIST with one target a line")
    if args.top < 1:
        raise InputError("--top must be at least 1")
    maps = load_maps(args)
    if not maps:
        raise InputError(f"{args.input}: no target could be loaded", hint="scan the domains first: tethers scan -i LIST")
    concs = [concentration(m) for m in maps]
    port = portfolio(maps) if len(maps) > 1 else None
    with report_output(args.output, args.format) as out:
        if args.format == "terminal":
            render_concentration_terminal(concs, port, stdout_console(out), top=args.top)
        elif args.format == "json":
            out.write(render_concentration_json(concs, port))
        elif args.format == "md":
            out.write(render_concentration_markdown(concs, port, top=args.top))
        else:
            out.write(render_concentration_html(concs, port))
    return 0
