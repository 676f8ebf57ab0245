"""The dataset declarations agree with the shipped files."""

from __future__ import annotations

import pytest

from tethers.geo.datasets import DATASETS, DEFAULT_SOURCE_URL, dataset
from tethers.geo.files import packaged_dir, read_provenance


@pytest.mark.parametrize("spec", DATASETS, ids=lambda s: s.name)
def test_shipped_copy_matches_its_declaration(spec) -> None:  # noqa: ANN001
    prov = read_provenance(packaged_dir() / f"{spec.name}.provenance.json").raw
    assert prov["dataset"] == spec.name
    assert (prov["licence"], prov["attribution"], prov["licence_note"]) == (spec.licence, spec.attribution, spec.licence_note)
    assert [f["name"] for f in prov["source_files"]] == [name for _, name in spec.files]
    # The sanity floors must let real upstream files through, with room to shrink.
    for (version, floor), source in zip(spec.min_rows, prov["source_files"], strict=True):
        assert source["rows"] > 2 * floor, f"IPv{version} floor {floor} is too close to real data"
    assert prov["bytes"] < 10_000_000  # keep the packaged data modest


def test_lookup_by_name() -> None:
    assert dataset("asn").kind == "asn"
    assert dataset("geo-whois-asn-country").kind == "country"
    with pytest.raises(KeyError):
        dataset("city")


def test_default_source_is_upstream_main_branch_over_https() -> None:
    assert DEFAULT_SOURCE_URL == "https://raw.githubusercontent.com/sapics/ip-location-db/main"
