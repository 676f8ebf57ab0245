from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from tethers.geo.files import packaged_dir
from tethers.geo.provenance import _psl_date, data_sources
from tethers.kb.load import load_default

TODAY = date(2026, 11, 23)


def test_lists_ip_datasets_public_suffix_list_and_knowledge_base() -> None:
    sources = {s.name: s for s in data_sources(today=TODAY)}
    assert list(sources) == ["asn", "geo-whois-asn-country", "public-suffix-list", "knowledge-base"]

    asn = sources["asn"]
    assert (asn.snapshot, asn.age_days, asn.version) == (date(2026, 6, 17), 159, "2.3.2026061719")
    assert asn.origin == "packaged" and asn.location == str(packaged_dir() / "asn.npz")
    assert asn.licence == "CC-BY-4.0" and "RouteViews" in asn.attribution and "DB-IP" in asn.attribution
    assert asn.source_url == "https://github.com/sapics/ip-location-db/tree/main/asn"
    assert asn.counts["IPv4 ranges"] > 100_000 and asn.counts["IPv6 ranges"] > 20_000

    country = sources["geo-whois-asn-country"]
    assert country.licence == "CC-BY-4.0" and "NRO" in country.attribution and "CC0" in country.note

    psl = sources["public-suffix-list"]
    assert psl.licence == "MPL-2.0" and psl.version and psl.snapshot is not None
    assert psl.age_days == (TODAY - psl.snapshot).days or psl.age_days == 0
    assert psl.counts["rules"] > 5000

    kb = sources["knowledge-base"]
    files = load_default()
    assert kb.counts["providers"] == len(files.providers) and kb.counts["owners"] == len(files.owners)
    assert kb.snapshot is None and kb.age_days is None

    json.dumps([s.to_dict() for s in sources.values()])  # plain data all the way down


def test_a_missing_dataset_is_reported_not_raised(tmp_path: Path) -> None:
    sources = data_sources(candidates=[("user", tmp_path)], today=TODAY)
    asn = sources[0]
    assert (asn.name, asn.origin, asn.snapshot, asn.age_days) == ("asn", "missing", None, None)
    assert "no usable asn dataset" in asn.note
    assert sources[2].name == "public-suffix-list"  # the rest is still listed


def test_psl_date_prefers_the_header_then_the_version_then_the_mtime(tmp_path: Path) -> None:
    path = tmp_path / "list.dat"
    path.write_text("// licence\n// VERSION: 2026-10-22_08-36-41_UTC\ncom\n")
    assert _psl_date(path, "1.1.2.20261023")[0] == date(2026, 10, 22)
    path.write_text("// no header\ncom\n")
    assert _psl_date(path, "1.1.2.20261023")[0] == date(2026, 10, 23)
    os.utime(path, (1_700_000_000, 1_700_000_000))  # 2023-11-14
    assert _psl_date(path, "1.1.2") == (date(2023, 11, 14), "from the file's modification time")
    assert _psl_date(tmp_path / "missing.dat", None) == (None, "date unknown")
