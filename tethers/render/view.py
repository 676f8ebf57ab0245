"""What every renderer shows, computed once: ordering, labels, summaries and safe text.

Renderers differ in markup, not in content; keeping the content decisions here means
the terminal, Markdown and HTML outputs cannot drift apart. Everything that came from
the world (record values, names, error details) goes through ``clean`` before display.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources

from tethers.model import CollectError, Dependency, Evidence, Location, ProviderRef, ScanResult
from tethers.types import Function

FUNCTION_ORDER = {f: i for i, f in enumerate(Function)}
UNKNOWN_FUNCTION = "unknown"  # label for unattributed evidence without a function hint

# Unicode categories never shown raw: control (Cc: BEL, ESC, newline...), format (Cf:
# bidi overrides that reorder what follows, zero-width characters), surrogates (Cs,
# which cannot be encoded for output) and the line/paragraph separators (Zl, Zp).
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean(text: str) -> str:
    r"""Replace invisible and control characters with visible escapes: BEL becomes ``\x07``."""
    if text.isprintable():  # fast path; isprintable() is False for every category above
        return text
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch) in _INVISIBLE:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def source_kind(source: str) -> str:
    """The short name of an evidence source: ``dns:MX`` → ``MX``; other layers keep theirs."""
    return source[4:] if source.startswith("dns:") else source


def evidence_short(ev: Evidence, limit: int = 80) -> str:
    """One evidence as ``MX parler-com.mail.protection.outlook.com``: kind and what matched."""
    if ev.source in ("dns:A", "dns:AAAA"):
        # An address means little without the name that led to it.
        return clean(f"{source_kind(ev.source)} {shorten(ev.name, limit)} → {ev.target}")
    return clean(f"{source_kind(ev.source)} {shorten(ev.target or ev.value, limit)}")


def evidence_step(ev: Evidence) -> str:
    """One evidence in full, as a zone file would show it: ``parler.com MX 10 host.``."""
    return clean(f"{ev.name} {source_kind(ev.source)} {ev.value}")


def evidence_trail(ev: Evidence) -> list[str]:
    """The evidence then every step that led to it, nearest first."""
    return [evidence_step(step) for step in ev.chain()]


def function_label(function: Function | None) -> str:
    return function.value if function is not None else UNKNOWN_FUNCTION


def owner_label(provider: ProviderRef) -> str:
    """The ultimate owner, with the operating company when it is another one."""
    if provider.operator and provider.operator != provider.owner:
        return clean(f"{provider.owner} (via {provider.operator})")
    return clean(provider.owner)


def location_countries(locations: tuple[Location, ...]) -> list[str]:
    """Distinct server countries in first-seen order; addresses without one are skipped."""
    seen: dict[str, None] = {}
    for loc in locations:
        if loc.country:
            seen.setdefault(clean(loc.country), None)
    return list(seen)


def ordered_dependencies(scan: ScanResult) -> list[Dependency]:
    """Dependencies grouped by function (vocabulary order), then by provider name."""
    return sorted(scan.dependencies, key=lambda d: (FUNCTION_ORDER[d.function], d.provider.name.lower(), d.provider.id))


def _function_sort_key(function: Function | None) -> int:
    return FUNCTION_ORDER[function] if function is not None else len(FUNCTION_ORDER)


def group_by_function(deps: list[Dependency]) -> list[tuple[Function, list[Dependency]]]:
    groups: dict[Function, list[Dependency]] = {}
    for dep in deps:
        groups.setdefault(dep.function, []).append(dep)
    return list(groups.items())


def owner_jurisdictions(scan: ScanResult) -> dict[str, list[Function]]:
    """Owner country → the functions whose provider it can compel, both sorted."""
    found: dict[str, set[Function]] = {}
    for dep in scan.dependencies:
        found.setdefault(clean(dep.provider.country), set()).add(dep.function)
    return {c: sorted(found[c], key=_function_sort_key) for c in sorted(found)}


def server_jurisdictions(scan: ScanResult) -> dict[str, list[Function | None]]:
    """Server country → the functions served from there, attributed or not."""
    found: dict[str, set[Function | None]] = {}
    for dep in scan.dependencies:
        for country in location_countries(dep.locations):
            found.setdefault(country, set()).add(dep.function)
    for item in scan.unattributed:
        for country in location_countries(item.locations):
            found.setdefault(country, set()).add(item.function)
    return {c: sorted(found[c], key=_function_sort_key) for c in sorted(found)}


def error_reason(err: CollectError) -> str:
    """The reason without its free-text part: ``malformed: bad SPF`` counts as ``malformed``."""
    return clean(err.reason.split(":", 1)[0].strip() or "unknown")


def error_counts(scan: ScanResult) -> list[tuple[str, int]]:
    """(reason, count) for the scan's errors, most frequent first."""
    counts = Counter(error_reason(e) for e in scan.errors)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def error_line(err: CollectError) -> str:
    """``_dmarc.parler.com TXT: timeout (after 3 tries)``."""
    text = f"{err.name} {err.rdtype}: {err.reason}"
    return clean(f"{text} ({err.detail})" if err.detail else text)


@dataclass(frozen=True, slots=True)
class Counts:
    dependencies: int
    providers: int
    owners: int
    jurisdictions: int
    server_countries: int
    unattributed: int
    errors: int
    evidence: int
    queries: int


def counts(scan: ScanResult) -> Counts:
    return Counts(
        dependencies=len(scan.dependencies),
        providers=len({d.provider.id for d in scan.dependencies}),
        owners=len({d.provider.owner_id or d.provider.owner for d in scan.dependencies}),
        jurisdictions=len(owner_jurisdictions(scan)),
        server_countries=len(server_jurisdictions(scan)),
        unattributed=len(scan.unattributed),
        errors=len(scan.errors),
        evidence=scan.evidence_count,
        queries=scan.queries,
    )


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def counts_line(c: Counts) -> str:
    """``5 dependencies on 4 providers from 4 owners in 2 jurisdictions; 2 unattributed; ...``."""
    if c.dependencies:
        found = (
            f"{plural(c.dependencies, 'dependency', 'dependencies')} on {plural(c.providers, 'provider')} "
            f"from {plural(c.owners, 'owner')} in {plural(c.jurisdictions, 'jurisdiction')}"
        )
    else:
        found = "no provider identified"
    return (
        f"{found}; {c.unattributed} unattributed; {plural(c.errors, 'error')}; "
        f"{plural(c.evidence, 'record')} from {plural(c.queries, 'query', 'queries')}"
    )


def duration(scan: ScanResult) -> str:
    """``1.4 s`` between start and finish, or ``""`` when the times do not parse."""
    try:
        seconds = (datetime.fromisoformat(scan.finished) - datetime.fromisoformat(scan.started)).total_seconds()
    except (TypeError, ValueError):
        return ""
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


def scan_line(scan: ScanResult) -> str:
    """``live via 127.0.0.1:53, started 2021-01-10T04:00:00+00:00, took 1.4 s``."""
    # A zone-file scan's resolver already names its mode ("zone-file: parler.zone").
    origin = scan.resolver if scan.resolver.startswith(scan.mode.value) else f"{scan.mode.value} via {scan.resolver}"
    took = duration(scan)
    text = f"{origin}, started {scan.started}"
    return clean(f"{text}, took {took}" if took else text)


def meta_line(scan: ScanResult) -> str:
    return clean(", ".join(f"{k}={v}" for k, v in sorted(scan.meta.items())))


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    with resources.files("tethers.data").joinpath("countries.toml").open("rb") as fh:
        return {str(k): str(v) for k, v in tomllib.load(fh).items()}


def country_name(code: str) -> str:
    """English short name for an ISO 3166-1 alpha-2 code, or ``""`` when unknown."""
    return _countries().get(code.upper(), "") if code else ""


def country_label(code: str) -> str:
    """``US (United States)``, or the code alone when it is not in the list."""
    name = country_name(code)
    return f"{code} ({name})" if name else code


def functions_text(functions: list[Function] | list[Function | None]) -> str:
    return ", ".join(function_label(f) for f in functions)
