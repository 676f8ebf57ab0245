"""``tethers report RESULTS_DIR``: what a whole portfolio of scanned domains leans on, together."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from tethers.batch.report import Report, build_report
from tethers.cli.common import open_output, stderr_console, stdout_console
from tethers.errors import InputError
from tethers.render.view import clean

EXAMPLES = """\
examples:
  tethers scan -i vendors.txt -o results/ --format parquet
  tethers report results/                      providers, owners, jurisdictions, single points of failure
  tethers report results/ --top 50 --format json -o portfolio.json
  tethers report results/ --format md > portfolio.md
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report",
        help="aggregate a results folder: providers, owners, jurisdictions, single points of failure",
        description="Aggregate every scan in a results folder (written by 'tethers scan -i FILE -o DIR/'): "
        "how many domains depend on each provider, ultimate owner and jurisdiction, and which providers are "
        "the only one for a function at how many domains. Reads JSONL or Parquet parts with DuckDB.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", metavar="RESULTS_DIR", type=Path, help="a results folder")
    p.add_argument("--top", type=int, default=20, metavar="N", help="rows in each ranking (default 20)")
    p.add_argument("--format", choices=("terminal", "json", "md"), default="terminal",
                   help="output format (default terminal)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.top <= 100_000:
        raise InputError("--top must be between 1 and 100000")
    report = build_report(args.folder, top=args.top)
    out = open_output(args.output)
    try:
        if args.format == "json":
            out.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
        elif args.format == "md":
            out.write(render_markdown(report))
        else:
            render_terminal(report, stdout_console(out))
    finally:
        if args.output and args.output != "-":
            out.close()
            stderr_console().print(f"tethers: wrote {args.format} report to {args.output}", markup=False)
    return 0


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


# (heading, report attribute, columns: (title, key))
SECTIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("Providers", "providers", [("function", "function"), ("provider", "provider"), ("owner", "owner"),
                                ("country", "country"), ("domains", "domains")]),
    ("Ultimate owners", "owners", [("owner", "owner"), ("country", "country"), ("domains", "domains"),
                                   ("providers", "providers"), ("functions", "functions")]),
    ("Jurisdictions (owner headquarters)", "jurisdictions", [("country", "country"), ("domains", "domains"),
                                                             ("owners", "owners"), ("functions", "functions")]),
    ("Single points of failure (the only provider of a function)", "single_points",
     [("provider", "provider"), ("owner", "owner"), ("country", "country"), ("domains", "domains"),
      ("functions", "functions")]),
    ("Functions", "functions", [("function", "function"), ("domains", "domains"),
                                ("single provider", "single_provider")]),
    ("Lookup failures", "failures", [("reason", "reason"), ("lookups", "lookups"), ("domains", "domains")]),
]


def _cell(row: dict[str, Any], key: str, total: int) -> str:
    value = row.get(key)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if key in ("domains", "single_provider") and isinstance(value, int):
        return f"{value} ({_share(value, total)})"
    return clean(str(value if value is not None else ""))


def _plan_note(plan: str) -> str:
    return (f"Scanned with --depth {plan}: service names (helpdesk, status page, login...) and most DKIM "
            "selectors were not asked, so providers only they reveal are missing from these counts.")


def render_terminal(report: Report, console: Any) -> None:
    o = report.overview
    scanned = o["domains"] - o["failed"]
    console.print(f"[bold]{escape(report.folder)}[/]: {o['domains']} domains scanned, {o['failed']} failed; "
                  f"{o['providers']} providers, {o['owners']} owners, {o['countries']} countries")
    if report.query_plan != "full":
        console.print(escape(_plan_note(report.query_plan)))
    for heading, attribute, columns in SECTIONS:
        rows = getattr(report, attribute)
        if not rows:
            continue
        table = Table(title=heading, title_justify="left", show_edge=False)
        for title, _ in columns:
            table.add_column(title, overflow="fold")
        for row in rows:
            table.add_row(*(escape(_cell(row, key, scanned)) for _, key in columns))
        console.print(table)


def render_markdown(report: Report) -> str:
    o = report.overview
    scanned = o["domains"] - o["failed"]
    lines = [f"# Portfolio report: {report.folder}", "",
             f"{o['domains']} domains scanned, {o['failed']} failed; {o['providers']} providers, "
             f"{o['owners']} owners, {o['countries']} countries.", ""]
    if report.query_plan != "full":
        lines += [_plan_note(report.query_plan), ""]
    for heading, attribute, columns in SECTIONS:
        rows = getattr(report, attribute)
        if not rows:
            continue
        lines += [f"## {heading}", "", "| " + " | ".join(t for t, _ in columns) + " |",
                  "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(r, k, scanned).replace("|", "\\|") for _, k in columns) + " |" for r in rows]
        lines.append("")
    return "\n".join(lines)
