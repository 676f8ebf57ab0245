"""``tethers traffic``: where an app's traffic went, from captures, HAR files and Zeek logs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tethers.cli.common import open_output, stdout_console
from tethers.errors import UsageError

FORMATS = ("terminal", "json", "html")

EXAMPLES = """\
examples:
  tethers traffic capture.pcapng
  tethers traffic app.pcap --deny-countries CN,RU
  tethers traffic app.pcap --allow-regions EEA --format html -o traffic.html
  tethers traffic session.har --own example.com
  tethers traffic conn.log dns.log ssl.log --format json
  tethers traffic app.pcap --policy policy.toml
  tethers traffic --write-examples cases/ && tethers traffic cases/zoom-2020.pcap --deny-countries CN

exit codes: 0 no policy violation (or no policy given), 1 a policy was violated, 2 bad input or usage
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "traffic",
        help="attribute the endpoints in packet captures, HAR files and Zeek logs; check region policy",
        description="Read pcap/pcapng captures (Ethernet, Linux cooked, raw IP), HAR files and Zeek conn/dns/ssl/http "
        "logs; recover who was talked to (DNS answers, TLS and QUIC SNI, HTTP Host, plain IP flows); attribute each "
        "endpoint to a provider, its owner and jurisdiction, and where its server sits; and report flows a region "
        "policy does not allow. Large captures are streamed; nothing is sent anywhere.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="captures (.pcap, .pcapng), HAR files or Zeek logs; gzip is fine")
    p.add_argument("--own", nargs="+", default=[], metavar="DOMAIN", help="the organisation's own domains (not third parties)")
    p.add_argument("--allow-countries", action="append", default=[], metavar="CC,CC",
                   help="server countries allowed (ISO codes); flows to servers elsewhere are violations")
    p.add_argument("--deny-countries", action="append", default=[], metavar="CC,CC",
                   help="countries denied: for servers, and for the owners of providers")
    p.add_argument("--allow-regions", action="append", default=[], metavar="NAME",
                   help="named regions whose countries are allowed for servers (EU, EEA, FIVE-EYES...)")
    p.add_argument("--deny-regions", action="append", default=[], metavar="NAME", help="named regions denied, like --deny-countries")
    p.add_argument("--policy", metavar="FILE", type=Path,
                   help="a policy file (see docs/policy.md): its server/owner country and denied provider/owner rules apply")
    p.add_argument("--format", choices=FORMATS, default="terminal", help="output format (default terminal)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--top", type=int, default=25, metavar="N", help="endpoints listed on a terminal (default 25)")
    p.add_argument("--write-examples", metavar="DIR", type=Path,
                   help="write the case-study captures (Zoom 2020, Clubhouse 2021) into DIR and exit")
    p.set_defaults(func=run)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.replace(",", " ").split() if part.strip()]


def _codes(values: list[str], flag: str) -> list[str]:
    from tethers.config.jurisdictions import default_regions, load_countries

    known = load_countries()
    codes = []
    for value in _split(values):
        code = value.upper()
        if code not in known:
            hint = f"{value} is a region: use {flag.replace('countries', 'regions')}" if default_regions().get(value) else "ISO 3166-1 alpha-2, e.g. DE"
            raise UsageError(f"{flag}: {value!r} is not a country code", hint=hint)
        codes.append(code)
    return codes


def _regions(values: list[str], flag: str) -> tuple[set[str], list[str]]:
    from tethers.config.jurisdictions import default_regions

    regions = default_regions()
    codes: set[str] = set()
    names = []
    for value in _split(values):
        region = regions.get(value)
        if region is None:
            raise UsageError(f"{flag}: unknown region {value!r}", hint="regions: " + ", ".join(regions.names()))
        codes.update(region.members)
        names.append(region.id)
    return codes, names


def build_policy(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The policy the flags and --policy describe, or None when there is none."""
    from tethers.traffic.policy import TrafficPolicy, flag_rules, from_policy

    allow_codes = _codes(args.allow_countries, "--allow-countries")
    deny_codes = _codes(args.deny_countries, "--deny-countries")
    allow_region_codes, allow_regions = _regions(args.allow_regions, "--allow-regions")
    deny_region_codes, deny_regions = _regions(args.deny_regions, "--deny-regions")
    rules = flag_rules(
        allow=set(allow_codes) | allow_region_codes, allow_listed=allow_regions + allow_codes,
        deny=set(deny_codes) | deny_region_codes, deny_listed=deny_regions + deny_codes,
    )
    if args.policy is None:
        return TrafficPolicy(tuple(rules)) if rules else None
    from tethers.config.policy import load_policy

    from_file = from_policy(load_policy(args.policy))
    return TrafficPolicy(tuple(rules) + from_file.rules, from_file.name, from_file.ignored)


def run(args: argparse.Namespace) -> int:
    def warn(message: str) -> None:
        print(f"tethers: {message}", file=sys.stderr)  # one line each, never wrapped

    if args.write_examples is not None:
        from tethers.traffic.examples import write_examples

        for path in write_examples(args.write_examples):
            warn(f"wrote {path}")
        return 0
    if not args.files:
        raise UsageError("no input file given", hint="tethers traffic capture.pcap (or a HAR file, or Zeek logs)")
    if not 1 <= args.top <= 100_000:
        raise UsageError("--top must be between 1 and 100000")
    policy = build_policy(args)
    from tethers.traffic.analyse import analyse

    report = analyse(args.files, own=args.own, policy=policy)
    for info in report.inputs:
        for message in info.warnings:
            warn(f"{info.path}: {message}")
        if info.more_warnings:
            warn(f"{info.path}: (+{info.more_warnings} more warnings)")
    out = open_output(args.output)
    try:
        from tethers.render.traffic import render_traffic_html, render_traffic_json, render_traffic_terminal

        if args.format == "json":
            out.write(render_traffic_json(report))
        elif args.format == "html":
            out.write(render_traffic_html(report))
        else:
            render_traffic_terminal(report, stdout_console(out), top=args.top)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output and args.output != "-":
        warn(f"wrote {args.format} report to {args.output}")
    return 1 if report.policy is not None and report.policy.violated else 0
