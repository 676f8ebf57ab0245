"""``tethers attack``: where traffic came from, and how far that attribution can be trusted."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from tethers.cli.common import open_output, stderr_console, stdout_console
from tethers.errors import InputError

EXAMPLES = """\
examples:
  tethers attack access.log                           # nginx/Apache combined or common format
  tethers attack access.log.gz flows.csv --format html -o attack.html
  tethers attack vpc-flow.log --since 2025-03-10T09:00Z --until 2025-03-10T18:00Z
  tethers attack app.log --log-format '$remote_addr - [$time_local] "$request" $status $host'
  tethers attack flows.csv --target 198.51.100.0/24 --baseline 2025-03-09T00:00Z,2025-03-10T00:00Z
  tethers attack --make-case-study incident/ && tethers attack incident/access.log incident/flows.csv

inputs (recognised from their content; gzip is read transparently):
  access logs (combined, common, vhost_combined, or --log-format), JSON lines, AWS VPC flow
  logs, CSV flow exports with a header (time, src, dst, sport, dport, proto, packets, bytes,
  and optionally flags and ttl).
"""
FORMATS = ("terminal", "json", "md", "html")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "attack",
        help="where a traffic surge came from, and how much that attribution is worth",
        description="Read access logs and flow records, break the traffic down per minute by source country, "
        "network, provider and prefix, find the surges, and say for each how far 'it came from X' holds: "
        "real addresses, reflectors, or forged ones.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="*", metavar="FILE", type=Path, help="log or flow files (gzip or plain)")
    p.add_argument("--log-format", metavar="FORMAT",
                   help="combined, common, vhost-combined, or an nginx/Apache format string")
    p.add_argument("--since", metavar="TIME", help="only records at or after TIME (ISO 8601, e.g. 2025-03-10T09:00Z)")
    p.add_argument("--until", metavar="TIME", help="only records before TIME")
    p.add_argument("--target", metavar="ADDR|CIDR|HOST",
                   help="only traffic to this destination address or network (flows), or virtual host (logs)")
    p.add_argument("--baseline", metavar="FROM,TO",
                   help="the normal period to compare sources with (default: everything before each surge)")
    p.add_argument("--client-ip", choices=("remote", "forwarded"), default="remote",
                   help="forwarded: for servers behind a proxy or CDN, take the client from X-Forwarded-For "
                   "(the rightmost public address outside CDN networks); the log must record it, e.g. nginx's "
                   "'main' format or $http_x_forwarded_for in --log-format")
    p.add_argument("--format", choices=FORMATS, default="terminal", help="output format (default terminal)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--make-case-study", metavar="DIR", type=Path,
                   help="write the synthetic X-outage incident (access.log, flows.csv, truth.json) into DIR")
    p.add_argument("--seed", type=int, default=None, help="seed for --make-case-study (default 20250310)")
    p.add_argument("--scale", type=float, default=1.0, help="volume factor for --make-case-study (default 1)")
    p.set_defaults(func=run)


def _instant(text: str | None, flag: str) -> int | None:
    from tethers.attack.timeparse import parse_instant

    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise InputError(f"{flag} {text!r}: not a time; use ISO 8601, e.g. 2025-03-10T09:00Z") from None


def _options(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from tethers.attack import Filters, Options
    from tethers.attack.accesslog import parse_log_format

    since, until = _instant(args.since, "--since"), _instant(args.until, "--until")
    if since is not None and until is not None and since >= until:
        raise InputError("--since must be before --until")
    target = host = None
    if args.target:
        try:
            target = ipaddress.ip_network(args.target, strict=False)
        except ValueError:
            host = args.target.rstrip(".").lower()
    baseline = None
    if args.baseline:
        parts = args.baseline.split(",")
        if len(parts) != 2:
            raise InputError("--baseline takes FROM,TO, e.g. 2025-03-09T00:00Z,2025-03-10T00:00Z")
        start, end = _instant(parts[0], "--baseline"), _instant(parts[1], "--baseline")
        assert start is not None and end is not None
        if start >= end:
            raise InputError("--baseline: FROM must be before TO")
        baseline = (start, end)
    log_format = parse_log_format(args.log_format) if args.log_format else None
    return Options(log_format=log_format, filters=Filters(since, until, target, host), baseline=baseline,
                   forwarded=args.client_ip == "forwarded")


def run(args: argparse.Namespace) -> int:
    warn = stderr_console()
    if args.make_case_study is not None:
        return _case_study(args, warn)
    if not args.files:
        raise InputError("no file given", hint="tethers attack access.log, or --make-case-study DIR for an example")
    from tethers.attack import analyse
    from tethers.render.attack import FORMATS as RENDERERS
    from tethers.render.attack import render_attack_terminal

    report = analyse(args.files, _options(args))
    for f in report["inputs"]:
        if f["skipped"]:
            warn.print(f"tethers: {f['path']}: skipped: {f['skipped']}", markup=False, highlight=False)
    out = open_output(args.output)
    try:
        if args.format == "terminal":
            render_attack_terminal(report, stdout_console(out))
        else:
            out.write(RENDERERS[args.format](report))
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output and args.output != "-":
        warn.print(f"tethers: wrote {args.format} report to {args.output}", markup=False, highlight=False)
    return 0


def _case_study(args: argparse.Namespace, warn) -> int:  # type: ignore[no-untyped-def]
    from tethers.attack.casestudy import SEED, generate

    if args.files:
        raise InputError("--make-case-study takes no FILE: it writes the files")
    if not 0 < args.scale <= 20:
        raise InputError("--scale must be above 0 and at most 20")
    directory: Path = args.make_case_study
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{directory}: cannot create: {exc.strerror}") from None
    generate(directory, seed=SEED if args.seed is None else args.seed, scale=args.scale)
    warn.print(f"tethers: wrote a synthetic incident to {directory} (access.log, flows.csv, truth.json, README.md)",
               markup=False, highlight=False)
    print(f"tethers attack {directory / 'access.log'} {directory / 'flows.csv'}")
    return 0
