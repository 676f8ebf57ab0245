"""Scan lines (the ``tethers/scan@1`` JSONL contract) to Parquet, with DuckDB.

One row a scan. The columns a portfolio report needs are typed and flattened
(a dependency's provider, owner and jurisdiction side by side; the countries
and ASes its servers sit in), and ``scan`` keeps the whole JSON line, so a
Parquet folder loses nothing that the JSONL had.
"""

from __future__ import annotations

from pathlib import Path

# The parts of a scan line that the columns are built from, with their SQL types.
_STRUCTURE = """{
  "domain": "VARCHAR", "mode": "VARCHAR", "started": "VARCHAR", "finished": "VARCHAR",
  "resolver": "VARCHAR", "queries": "BIGINT", "evidence_count": "BIGINT",
  "dependencies": [{"function": "VARCHAR",
                    "provider": {"id": "VARCHAR", "name": "VARCHAR", "owner": "VARCHAR", "country": "VARCHAR",
                                 "owner_id": "VARCHAR", "operator": "VARCHAR"},
                    "evidence": ["JSON"],
                    "locations": [{"ip": "VARCHAR", "country": "VARCHAR", "asn": "BIGINT"}]}],
  "unattributed": [{"function": "VARCHAR", "domain": "VARCHAR"}],
  "errors": [{"name": "VARCHAR", "rdtype": "VARCHAR", "reason": "VARCHAR"}],
  "apex": {"NS": ["VARCHAR"], "MX": ["VARCHAR"]}
}"""

SELECT_SCANS = f"""
WITH raw AS (
  SELECT json AS line, json_transform(json, '{_STRUCTURE}') AS s
  FROM read_json_objects($source, format = 'newline_delimited')
)
SELECT
  s.domain AS domain, s.mode AS mode, s.started AS started, s.finished AS finished, s.resolver AS resolver,
  s.queries AS queries, s.evidence_count AS evidence_count,
  (coalesce(s.evidence_count, 0) = 0 AND len(coalesce(s.errors, [])) > 0) AS failed,
  list_transform(coalesce(s.dependencies, []), lambda d: {{
    'function': d.function, 'provider_id': d.provider.id, 'provider': d.provider.name,
    'operator': d.provider.operator, 'owner': d.provider.owner, 'owner_id': d.provider.owner_id,
    'country': d.provider.country, 'evidence': len(coalesce(d.evidence, [])),
    'server_countries': list_sort(list_distinct(list_filter(list_transform(coalesce(d.locations, []),
                                                lambda l: l.country), lambda c: c IS NOT NULL))),
    'asns': list_sort(list_distinct(list_filter(list_transform(coalesce(d.locations, []),
                                    lambda l: l.asn), lambda a: a IS NOT NULL)))
  }}) AS dependencies,
  coalesce(s.unattributed, []) AS unattributed,
  list_transform(coalesce(s.errors, []), lambda e: {{'name': e.name, 'rdtype': e.rdtype, 'reason': e.reason}}) AS errors,
  coalesce(s.apex.NS, []) AS apex_ns,
  coalesce(s.apex.MX, []) AS apex_mx,
  CAST(line AS VARCHAR) AS scan
FROM raw
"""


def write_parquet(lines: list[str], target: Path) -> None:
    """Write scan lines to ``target`` as one Parquet file (zstd)."""
    import duckdb

    staging = target.with_name(target.name + ".jsonl")
    staging.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    try:
        with duckdb.connect() as con:
            query = SELECT_SCANS.replace("$source", sql_string(str(staging)))
            con.execute(f"COPY ({query}) TO {sql_string(str(target))} (FORMAT parquet, COMPRESSION zstd)")
    finally:
        staging.unlink(missing_ok=True)


def read_lines(path: Path) -> list[str]:
    """The scan lines kept in a Parquet file, in row order."""
    import duckdb

    with duckdb.connect() as con:
        return [row[0] for row in con.execute(f"SELECT scan FROM read_parquet({sql_string(str(path))})").fetchall()]


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
