"""``tethers exposure``: which laws can compel each tether, and where its servers sit."""

from __future__ import annotations

import argparse

from tethers.analyse.exposure import exposure
from tethers.cli.common import report_output, stdout_console
from tethers.cli.target import add_target_arguments, load_target
from tethers.config.jurisdictions import default_jurisdictions

FORMATS = ("terminal", "json", "md")

EXAMPLES = """\
examples:
  tethers exposure example.com
  tethers exposure inventory.toml --format md -o exposure.md
  tethers exposure example.com.zone --format json

"controls" is the country of each provider's ultimate owner: its laws (CLOUD Act, National
Intelligence Law, Investigatory Powers Act...) can compel the company wherever its servers are.
"servers" is where the addresses we saw sit. The regimes and their sources are in
tethers/data/jurisdictions.toml (see docs/policy.md).
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "exposure",
        help="show which jurisdictions and laws can compel each provider, apart from where its servers sit",
        description="For each tether of TARGET: the controlling jurisdiction (the ultimate owner's country), "
        "the legal regimes there that can compel data, interception or a cut-off, and separately the "
        "countries where its seen servers sit.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_arguments(p)
    p.add_argument("--format", choices=FORMATS, default="terminal", help="output format (default terminal)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tethers.render.exposure import render_exposure_json, render_exposure_markdown, render_exposure_terminal

    jurisdictions = default_jurisdictions()
    report = exposure(load_target(args), jurisdictions)
    with report_output(args.output, args.format, "exposure report") as out:
        if args.format == "terminal":
            render_exposure_terminal(report, stdout_console(out))
        else:
            out.write(render_exposure_json(report) if args.format == "json" else render_exposure_markdown(report))
    return 0
