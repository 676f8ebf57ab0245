"""Inventory files: the dependencies an organisation declares, and which functions are critical.

    organisation = "Parler"
    domains = ["parler.com"]                 # scanned live, or taken from history
    zone_files = ["zones/parler.com.zone"]   # relative to this file; scanned offline
    critical = ["hosting", "dns", "app-distribution"]

    [[dependency]]
    function = "messaging"
    provider = "twilio"                      # an id from `tethers providers`
    critical = true
    note = "SMS one-time passwords"
"""

from __future__ import annotations

from pathlib import Path

from tethers.config.toml import key_line, read_toml, table_lines
from tethers.errors import ConfigError
from tethers.kb import KnowledgeBase
from tethers.model import DeclaredDependency, Inventory
from tethers.types import Function
from tethers.util.names import parse_domain

TOP_KEYS = {"organisation", "domains", "zone_files", "critical", "dependency"}
DEP_KEYS = {"function", "provider", "critical", "note"}


def _function(value: object, where: str) -> Function:
    try:
        return Function(str(value))
    except ValueError:
        raise ConfigError(f"{where}: unknown function {value!r}",
                          hint="one of: " + ", ".join(f.value for f in Function)) from None


def load_inventory(path: Path, kb: KnowledgeBase) -> Inventory:
    data, text = read_toml(path)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{path}:{key_line(text, unknown[0])}: unknown key {unknown[0]!r}",
                          hint="keys: " + ", ".join(sorted(TOP_KEYS)))
    organisation = data.get("organisation", "")
    if not isinstance(organisation, str):
        raise ConfigError(f"{path}:{key_line(text, 'organisation')}: organisation must be a string")

    def str_list(key: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}:{key_line(text, key)}: {key} must be a list of strings")
        return value

    domains = []
    for name in str_list("domains"):
        try:
            domains.append(parse_domain(name))
        except ConfigError:
            raise
        except Exception as exc:  # InputError from parse_domain, reworded with the place
            raise ConfigError(f"{path}:{key_line(text, 'domains')}: {exc}") from None
    zone_files = []
    for name in str_list("zone_files"):
        zone = (path.parent / name).resolve()
        if not zone.is_file():
            raise ConfigError(f"{path}:{key_line(text, 'zone_files')}: zone file {name!r} not found (relative to {path.parent})")
        zone_files.append(str(zone))
    critical = frozenset(_function(v, f"{path}:{key_line(text, 'critical')}") for v in str_list("critical"))

    entries = data.get("dependency", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}:{key_line(text, 'dependency')}: write dependencies as [[dependency]] tables")
    lines = table_lines(text, "dependency")
    declared: list[DeclaredDependency] = []
    seen: dict[tuple[Function, str], int] = {}
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else 0
        where = f"{path}:{line}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: each dependency must be a table")
        extra = sorted(set(entry) - DEP_KEYS)
        if extra:
            raise ConfigError(f"{where}: unknown key {extra[0]!r} in [[dependency]]", hint="keys: " + ", ".join(sorted(DEP_KEYS)))
        for key in ("function", "provider"):
            if key not in entry:
                raise ConfigError(f"{where}: [[dependency]] needs {key!r}")
        function = _function(entry["function"], where)
        provider = str(entry["provider"])
        if provider not in kb.files.providers:
            near = kb.search(provider)[:4]
            raise ConfigError(f"{where}: unknown provider {provider!r}",
                              hint=f"did you mean: {', '.join(near)}" if near else "see 'tethers providers search'")
        offered = kb.files.providers[provider].functions
        if function not in offered:
            raise ConfigError(f"{where}: provider {provider!r} does not offer {function.value!r} in the knowledge base",
                              hint="it offers: " + ", ".join(f.value for f in offered))
        if (function, provider) in seen:
            raise ConfigError(f"{where}: {function.value} by {provider} is already declared at line {seen[(function, provider)]}")
        seen[(function, provider)] = line
        is_critical = entry.get("critical", False)
        if not isinstance(is_critical, bool):
            raise ConfigError(f"{where}: critical must be true or false")
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise ConfigError(f"{where}: note must be a string")
        declared.append(DeclaredDependency(function, provider, is_critical, note, line))
    if not domains and not zone_files and not declared:
        raise ConfigError(f"{path}: the inventory declares nothing: give domains, zone_files or [[dependency]] tables")
    return Inventory(organisation or (domains[0] if domains else path.stem), str(path), tuple(domains),
                     tuple(zone_files), critical, tuple(declared))
