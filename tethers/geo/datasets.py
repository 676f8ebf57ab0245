"""The IP datasets tethers ships: where they come from and under which licence.

Both come from sapics/ip-location-db, which publishes each dataset as a folder
in its GitHub repository (``<base>/asn/asn-ipv4.csv``...) with a
``package.json`` whose version encodes the snapshot time
(``2.3.2026061719`` → 2026-06-17 19:00 UTC). The licence facts below are from
the licence files shipped with each dataset (DBIP-LICENSE, ROUTEVIEWS-LICENSE,
NRO_LICENSE) and its README.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UPSTREAM_PROJECT = "https://github.com/sapics/ip-location-db"
# Raw files of the main branch; `tethers data update --source-url` points elsewhere
# (a mirror, or upstream's newer layout) as long as it keeps the folder layout.
DEFAULT_SOURCE_URL = "https://raw.githubusercontent.com/sapics/ip-location-db/main"


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    name: str  # also the upstream folder and the generated file stem
    title: str
    kind: Literal["asn", "country"]
    files: tuple[tuple[int, str], ...]  # (IP version, CSV file name in the folder)
    columns: int  # fields per CSV row
    licence: str  # SPDX identifier
    attribution: str
    licence_note: str
    min_rows: tuple[tuple[int, int], ...]  # (IP version, fewest rows a sane download has)

    def files_by_version(self) -> dict[int, str]:
        return dict(self.files)

    def min_rows_by_version(self) -> dict[int, int]:
        return dict(self.min_rows)


ASN = DatasetSpec(
    name="asn",
    title="IP address to autonomous system (number and organisation)",
    kind="asn",
    files=((4, "asn-ipv4.csv"), (6, "asn-ipv6.csv")),
    columns=4,  # first,last,asn,"organisation"
    licence="CC-BY-4.0",
    attribution=(
        "IP to ASN data from ip-location-db (sapics), built from the RouteViews IP to AS "
        "Number database (routeviews.org), RIR statistics published by the NRO (nro.net) "
        "and the DB-IP IP to ASN Lite database (https://db-ip.com), each licensed under "
        "CC BY 4.0; organisation names mostly from DB-IP."
    ),
    licence_note=(
        "DB-IP asks web applications that display results from its data to link back: "
        "<a href='https://db-ip.com'>IP Geolocation by DB-IP</a>."
    ),
    # The 2026-06 snapshot has 411,961 IPv4 and 103,197 IPv6 rows.
    min_rows=((4, 100_000), (6, 20_000)),
)

COUNTRY = DatasetSpec(
    name="geo-whois-asn-country",
    title="IP address to country (geofeeds, then RIR whois, then ASN country)",
    kind="country",
    files=((4, "geo-whois-asn-country-ipv4.csv"), (6, "geo-whois-asn-country-ipv6.csv")),
    columns=3,  # first,last,CC
    licence="CC-BY-4.0",
    attribution=(
        "IP to country data from ip-location-db (sapics), built from provider geofeeds and "
        "RIR whois and statistics data published by the NRO (nro.net) under CC BY 4.0."
    ),
    licence_note=(
        "The package metadata declares CC0-1.0, but the dataset ships NRO_LICENSE and its "
        "README names CC BY 4.0 by the NRO; we follow the stricter licence and attribute the NRO."
    ),
    # The 2026-06 snapshot has 334,373 IPv4 and 216,295 IPv6 rows.
    min_rows=((4, 100_000), (6, 50_000)),
)

DATASETS: tuple[DatasetSpec, ...] = (ASN, COUNTRY)


def dataset(name: str) -> DatasetSpec:
    for spec in DATASETS:
        if spec.name == name:
            return spec
    raise KeyError(name)
