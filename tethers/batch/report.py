"""Portfolio aggregation over a results folder, in DuckDB: who the scanned domains lean on, together.

For every scanned domain (a failed scan counts in the overview only):

* providers: how many domains depend on each provider, per function;
* owners: how many depend on any provider of each ultimate owner;
* jurisdictions: how many depend on any owner headquartered in each country;
* single points of failure: for each provider, the domains for which it is
  the only provider of a function (one DNS host, one mail host...), so its
  failure or a legal order against it takes that function down for all of them.

Parquet folders are read column by column (the ``scan`` JSON column is never
touched); JSONL folders are parsed once into a temporary table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tethers.batch.folder import ResultsFolder
from tethers.batch.parquet import SELECT_SCANS, sql_string
from tethers.errors import InputError

SCHEMA = "tethers/report@1"


@dataclass
class Report:
    folder: str
    query_plan: str = "full"  # the --depth the batch was scanned with (see tethers.collect.dns.PLANS)
    overview: dict[str, int] = field(default_factory=dict)
    providers: list[dict[str, Any]] = field(default_factory=list)
    owners: list[dict[str, Any]] = field(default_factory=list)
    jurisdictions: list[dict[str, Any]] = field(default_factory=list)
    single_points: list[dict[str, Any]] = field(default_factory=list)
    functions: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA, "folder": self.folder, "query_plan": self.query_plan, "overview": self.overview,
            "providers": self.providers,
            "owners": self.owners, "jurisdictions": self.jurisdictions,
            "single_points_of_failure": self.single_points, "functions": self.functions,
            "lookup_failures": self.failures,
        }


def _scans_view(folder: ResultsFolder) -> str:
    parquet = folder.data_files("parquet")
    jsonl = folder.data_files("jsonl")
    if parquet and jsonl:
        raise InputError(f"{folder.path}: holds both Parquet and JSONL parts; report on one kind")
    if parquet:
        return f"CREATE VIEW scans AS SELECT * EXCLUDE (scan) FROM read_parquet({sql_string(str(folder.parts / '*.parquet'))})"
    if jsonl:
        source = sql_string(str(folder.parts / "*.jsonl"))
        return f"CREATE TEMP TABLE scans AS SELECT * EXCLUDE (scan) FROM ({SELECT_SCANS.replace('$source', source)})"
    raise InputError(f"{folder.path}: no committed results yet")


# ``deps`` holds one row per (domain, dependency) with the domain as a 64-bit hash and no long names,
# so a million domains (~8 million rows) stay compact; names come from the small ``names`` table.
_QUERIES = {
    "overview": """
        SELECT count(*) AS domains, count(*) FILTER (WHERE failed) AS failed,
               count(*) FILTER (WHERE len(dependencies) > 0) AS with_dependencies,
               (SELECT count(*) FROM names) AS providers,
               (SELECT count(DISTINCT owner_id) FROM names) AS owners,
               (SELECT count(DISTINCT country) FILTER (WHERE country != '??') FROM names) AS countries
        FROM scans""",
    "providers": """
        SELECT function, provider_id, n.provider, n.owner, n.country, domains
        FROM (SELECT function, provider_id, count(*) AS domains FROM deps GROUP BY ALL)
        JOIN names n USING (provider_id)
        ORDER BY domains DESC, function, provider_id LIMIT $top""",
    "owners": """
        SELECT owner_id, any_value(n.owner) AS owner, any_value(n.country) AS country,
               count(DISTINCT d) AS domains, count(DISTINCT provider_id) AS providers,
               list_sort(list_distinct(list(DISTINCT function))) AS functions
        FROM deps JOIN names n USING (provider_id)
        GROUP BY owner_id
        ORDER BY domains DESC, owner_id LIMIT $top""",
    "jurisdictions": """
        SELECT n.country AS country, count(DISTINCT d) AS domains, count(DISTINCT n.owner_id) AS owners,
               list_sort(list_distinct(list(DISTINCT function))) AS functions
        FROM deps JOIN names n USING (provider_id)
        GROUP BY n.country
        ORDER BY domains DESC, country LIMIT $top""",
    "single_points": """
        WITH sole AS (SELECT d, function, provider_id FROM per WHERE n = 1)
        SELECT provider_id, n.provider, n.owner, n.country, domains, functions
        FROM (SELECT provider_id, count(DISTINCT d) AS domains,
                     list_sort(list_distinct(list(DISTINCT function))) AS functions
              FROM sole GROUP BY provider_id)
        JOIN names n USING (provider_id)
        ORDER BY domains DESC, provider_id LIMIT $top""",
    "functions": """
        SELECT function, count(*) AS domains, count(*) FILTER (WHERE n = 1) AS single_provider
        FROM per GROUP BY function ORDER BY domains DESC, function""",
    "failures": """
        SELECT e.reason AS reason, count(*) AS lookups, count(DISTINCT domain) AS domains
        FROM scans CROSS JOIN UNNEST(errors) AS t(e)
        GROUP BY e.reason ORDER BY lookups DESC, reason LIMIT $top""",
}


def build_report(path: Path, top: int = 20) -> Report:
    """Aggregate every committed scan in the results folder at ``path``."""
    import duckdb

    folder = ResultsFolder(path)
    if not path.is_dir():
        raise InputError(f"{path}: no such folder")
    options = folder.manifest().get("options") or {}  # a results folder, not any folder
    report = Report(folder=str(path), query_plan=str(options.get("depth", "full")))
    with duckdb.connect() as con:
        con.execute(_scans_view(folder))
        con.execute("""
            CREATE TEMP TABLE deps AS
            SELECT DISTINCT hash(domain) AS d, x.function AS function, x.provider_id AS provider_id
            FROM scans CROSS JOIN UNNEST(dependencies) AS t(x) WHERE NOT failed""")
        con.execute("""
            CREATE TEMP TABLE names AS
            SELECT x.provider_id AS provider_id, any_value(x.provider) AS provider, any_value(x.owner) AS owner,
                   any_value(coalesce(nullif(x.owner_id, ''), x.owner)) AS owner_id,
                   any_value(coalesce(nullif(x.country, ''), '??')) AS country
            FROM scans CROSS JOIN UNNEST(dependencies) AS t(x) WHERE NOT failed
            GROUP BY x.provider_id""")
        # One row per (domain, function): how many providers serve it (deps is distinct), and one of them.
        con.execute("CREATE TEMP TABLE per AS SELECT d, function, count(*) AS n, min(provider_id) AS provider_id "
                    "FROM deps GROUP BY d, function")
        for name, sql in _QUERIES.items():
            cursor = con.execute(sql.replace("$top", str(int(top))))
            columns = [c[0] for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            if name == "overview":
                report.overview = {k: int(v or 0) for k, v in rows[0].items()}
            else:
                setattr(report, name, rows)
    return report
