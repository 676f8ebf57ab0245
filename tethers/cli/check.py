"""``tethers check``: does our setup meet our policy? Exit 0 clean, 1 violated, 2 bad input."""

from __future__ import annotations

import argparse
from pathlib import Path

from tethers.analyse.policy import evaluate
from tethers.cli.common import report_output, stdout_console
from tethers.cli.target import add_target_arguments, load_target
from tethers.config.policy import load_policy
from tethers.errors import InputError
from tethers.kb import default_kb

FORMATS = ("terminal", "json", "md")

EXAMPLES = """\
examples:
  tethers check example.com --policy tethers/data/examples/policies/eu-sovereign.toml
  tethers check inventory.toml --policy policy.toml --junit policy-results.xml
  tethers check example.com.zone --policy no-single-dns.toml --format json -o check.json
  tethers check results.jsonl --policy policy.toml --format md

exit codes: 0 every error rule holds (warnings and unknowns do not fail);
            1 a rule with severity "error" is violated; 2 a bad flag, TARGET or policy file.
A server-country rule cannot be proven broken for a tether whose servers were not seen:
it is reported as "unknown" and does not fail. The policy file format is in docs/policy.md.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check",
        help="check a domain's or inventory's tethers against a policy file",
        description="Check the providers, owners and server countries of TARGET against a policy "
        "(owner and server countries, independent DNS owners, forbidden providers, single points of failure) "
        "and print each violation with the evidence behind it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_arguments(p)
    p.add_argument("--policy", metavar="FILE", type=Path, required=True, help="the policy file (TOML; see docs/policy.md)")
    p.add_argument("--format", choices=FORMATS, default="terminal", help="output format (default terminal)")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one testcase per rule and function) for CI")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tethers.render.check import render_check_json, render_check_markdown, render_check_terminal
    from tethers.render.junit import render_junit

    # The policy first: a typo in it should not wait for a scan.
    policy = load_policy(args.policy, default_kb())
    if args.junit and args.junit == args.output:
        raise InputError("--junit and -o name the same file")
    report = evaluate(load_target(args), policy)
    with report_output(args.output, args.format, "check report") as out:
        if args.format == "terminal":
            render_check_terminal(report, stdout_console(out))
        else:
            out.write(render_check_json(report) if args.format == "json" else render_check_markdown(report))
    if args.junit:
        try:
            Path(args.junit).write_text(render_junit(report), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{args.junit}: cannot write: {exc.strerror}") from None
    return 1 if report.failed else 0
