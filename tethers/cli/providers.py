"""``tethers providers``: search and show the knowledge base."""

from __future__ import annotations

import argparse
import json

from rich.markup import escape
from rich.table import Table

from tethers.cli.common import stdout_console
from tethers.errors import InputError
from tethers.kb import default_kb
from tethers.types import Function

EXAMPLES = """\
examples:
  tethers providers                       list every provider
  tethers providers search okta           providers whose name, id, owner or alias contains "okta"
  tethers providers list --function dns --country CN
  tethers providers show microsoft-365    one provider: owner chain, rules, examples, sources
  tethers providers show cloudflare --format json
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "providers",
        help="search and show the provider knowledge base",
        description="The knowledge base tethers attributes evidence with: providers, their owners and "
        "owners' countries, and the detection rules with their examples and sources.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", nargs="?", choices=("list", "search", "show"), default="list")
    p.add_argument("term", nargs="?", help="search text (search) or provider id (show)")
    p.add_argument("--function", choices=[f.value for f in Function], help="only providers with this function")
    p.add_argument("--country", metavar="CC", help="only providers whose ultimate owner is in this country (ISO code)")
    p.add_argument("--format", choices=("terminal", "json"), default="terminal")
    p.set_defaults(func=run)


def _summary(provider_id: str) -> dict[str, object]:
    kb = default_kb()
    spec = kb.files.providers[provider_id]
    ref = kb.provider(provider_id)
    return {
        "id": provider_id,
        "name": spec.name,
        "operator": ref.operator,
        "owner": ref.owner,
        "country": ref.country,
        "ownership": list(ref.ownership),
        "functions": [f.value for f in spec.functions],
        "rules": len(spec.rules),
    }


def run(args: argparse.Namespace) -> int:
    kb = default_kb()
    console = stdout_console()
    if args.action == "show":
        if not args.term:
            raise InputError("providers show needs a provider id", hint="tethers providers search TEXT to find one")
        if args.term not in kb.files.providers:
            near = kb.search(args.term)[:5]
            hint = f"did you mean: {', '.join(near)}" if near else "tethers providers search TEXT"
            raise InputError(f"no provider with id {args.term!r}", hint=hint)
        return _show(args.term, args.format, console)
    if args.action == "search" and not args.term:
        raise InputError("providers search needs a search text")
    ids = kb.search(args.term) if args.action == "search" else sorted(kb.files.providers)
    rows = [_summary(i) for i in ids]
    if args.function:
        rows = [r for r in rows if args.function in r["functions"]]  # type: ignore[operator]
    if args.country:
        rows = [r for r in rows if r["country"] == args.country.upper()]
    if args.format == "json":
        console.print_json(json.dumps(rows))
        return 0
    if not rows:
        console.print("no matching providers", markup=False)
        return 0
    table = Table(title=f"{len(rows)} providers", title_justify="left")
    for column in ("id", "name", "owner", "country", "functions"):
        table.add_column(column)
    for r in rows:
        table.add_row(*(escape(str(x)) for x in (r["id"], r["name"], r["owner"], r["country"], ", ".join(r["functions"]))))  # type: ignore[arg-type]
    console.print(table)
    return 0


def _show(provider_id: str, fmt: str, console) -> int:  # type: ignore[no-untyped-def]
    kb = default_kb()
    spec = kb.files.providers[provider_id]
    chain = [
        {"id": o, "name": kb.files.owners[o].name, "country": kb.files.owners[o].country,
         "source": kb.files.owners[o].source, "note": kb.files.owners[o].note}
        for o in kb.files.ownership(spec.owner)
    ]
    data = {
        **_summary(provider_id),
        "website": spec.website,
        "description": spec.description,
        "ownership_chain": chain,
        "rule_list": [r.model_dump(mode="json") for r in spec.rules],
        "file": str(kb.files.root / "providers" / f"{provider_id}.toml"),
    }
    if fmt == "json":
        console.print_json(json.dumps(data))
        return 0
    console.print(f"[bold]{escape(spec.name)}[/] ({escape(provider_id)})  {escape(spec.website)}")
    if spec.description:
        console.print(escape(spec.description))
    console.print("ownership: " + " → ".join(escape(f"{o['name']} [{o['country']}]") for o in chain))
    for o in chain:
        if o["note"]:
            console.print(f"  note: {escape(o['note'])}")
        if o["source"]:
            console.print(f"  source: {escape(o['source'])}")
    table = Table(title="rules", title_justify="left")
    for column in ("kind", "function", "value", "matches e.g.", "source"):
        table.add_column(column, overflow="fold")
    for r in spec.rules:
        table.add_row(escape(r.kind.value), escape(r.function.value), escape(r.value), escape(r.match[0]), escape(r.source))
    console.print(table)
    console.print(f"file: {escape(data['file'])}")
    return 0
