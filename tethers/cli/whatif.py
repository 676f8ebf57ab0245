"""``tethers whatif``: what goes dark when providers, owners or jurisdictions cut you off."""

from __future__ import annotations

import argparse

from rich.table import Table
from rich.text import Text

from tethers.analyse.whatif import Cut, minimal_cut_sets, scenario_cut, simulate
from tethers.cli.common import report_output, stdout_console
from tethers.cli.target import add_target_arguments, load_target
from tethers.config.scenario import builtin_dir, builtin_names, find_scenario, id_problem, load_scenario, normalise_id
from tethers.errors import InputError
from tethers.kb import default_kb
from tethers.render.whatif import (
    render_whatif_html,
    render_whatif_json,
    render_whatif_markdown,
    render_whatif_terminal,
)

FORMATS = ("terminal", "json", "md", "html")

EXAMPLES = """\
examples:
  tethers whatif tethers/data/examples/parler-2021/tethers.toml --scenario parler-2021
  tethers whatif example.com --without cloudflare
  tethers whatif example.com --without-owner amazon,microsoft
  tethers whatif tethers.toml --without-country US --format html -o us-cut.html
  tethers whatif example.com.zone --scenario my-scenario.toml --format json
  tethers whatif --list-scenarios

A cut removes providers (ids from 'tethers providers'), owners (every provider they own,
subsidiaries included: --without-owner twilio removes SendGrid too) or owner countries
(every provider whose ultimate owner is headquartered there). The report shows each function
down (no provider left), degraded or unaffected, the lost tethers with their evidence, and
which owners' decisions, alone or together, take a critical function down. It is a report,
not a check: the exit code is 0 whatever it finds.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "whatif",
        help="what goes dark if providers, owners or countries cut you off",
        description="Simulate providers, owners or whole jurisdictions ending service, from flags or a "
        "scenario file, and report which functions go down, and who can switch you off.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_arguments(p)
    # TARGET is optional here only so that --list-scenarios can stand alone; run() requires it otherwise.
    for action in p._actions:
        if action.dest == "target":
            action.nargs = "?"
    p.add_argument("--without", action="append", default=[], metavar="PROVIDER[,..]", help="cut these providers")
    p.add_argument("--without-owner", action="append", default=[], metavar="OWNER[,..]",
                   help="cut every provider these owners own, subsidiaries included")
    p.add_argument("--without-country", action="append", default=[], metavar="CC[,..]",
                   help="cut every provider whose ultimate owner is headquartered in these countries (ISO codes)")
    p.add_argument("--scenario", metavar="NAME|FILE", help="apply a scenario: a built-in name or a scenario .toml file")
    p.add_argument("--list-scenarios", action="store_true", help="list the built-in scenarios and exit")
    p.add_argument("--max-set", type=int, default=3, metavar="N",
                   help="largest group of owners acting together to look for (default 3)")
    p.add_argument("--format", choices=FORMATS, default="terminal", help="output format (default terminal)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def _split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def cut_from_args(args: argparse.Namespace) -> Cut:
    """The cut the flags and the scenario describe, every id checked against the knowledge base."""
    kb = default_kb()
    wanted = {"provider": _split(args.without), "owner": _split(args.without_owner), "country": _split(args.without_country)}
    for kind, values in wanted.items():
        for value in values:
            problem = id_problem(kind, value, kb)
            if problem:
                raise InputError(problem[0], hint=problem[1])
    cut = Cut.of(*(list(dict.fromkeys(normalise_id(k, v) for v in wanted[k])) for k in ("provider", "owner", "country")))
    if args.scenario:
        cut = scenario_cut(find_scenario(args.scenario, kb)) + cut
    return cut


def list_scenarios() -> int:
    kb = default_kb()
    table = Table(title=Text("Built-in scenarios", style="bold"), title_justify="left")
    for column in ("name", "date", "title", "cuts"):
        table.add_column(column, overflow="fold")
    for name in builtin_names():
        s = load_scenario(builtin_dir() / f"{name}.toml", kb)
        table.add_row(Text(s.name), Text(s.date), Text(s.title), Text(", ".join(e.id for e in s.entries)))
    stdout_console().print(table)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list_scenarios:
        return list_scenarios()
    if not args.target:
        raise InputError("no TARGET given", hint="tethers whatif TARGET --without PROVIDER, or --list-scenarios")
    if not 1 <= args.max_set <= 6:
        raise InputError("--max-set must be between 1 and 6")
    cut = cut_from_args(args)
    dmap = load_target(args)
    result = simulate(dmap, cut)
    cuts = minimal_cut_sets(dmap, max_size=args.max_set)
    with report_output(args.output, args.format) as out:
        if args.format == "terminal":
            render_whatif_terminal(result, cuts, stdout_console(out))
        else:
            render = {"json": render_whatif_json, "md": render_whatif_markdown, "html": render_whatif_html}[args.format]
            out.write(render(result, cuts))
    return 0
