"""The regimes and regions data: valid at load, sourced, and every bad file named at its line."""

from __future__ import annotations

import textwrap

import pytest

from tethers.config.jurisdictions import (
    Capability,
    default_jurisdictions,
    default_regions,
    load_countries,
    load_jurisdictions,
    load_regions,
)
from tethers.errors import ConfigError


def test_every_regime_is_sourced_and_placed():
    data = default_jurisdictions()
    assert len(data.regimes) >= 30
    countries = load_countries()
    for regime in data.regimes:
        assert regime.sources, regime.id
        assert all(s.startswith(("https://", "http://")) for s in regime.sources), regime.id
        assert regime.jurisdiction in countries or data.regions.get(regime.jurisdiction), regime.id
        assert "\n" not in regime.summary and regime.summary.endswith("."), regime.id
        assert regime.id.startswith(regime.jurisdiction.lower() + "-"), regime.id


def test_the_regimes_the_issue_names_are_present():
    ids = {r.id for r in default_jurisdictions().regimes}
    for wanted in ("us-cloud-act", "us-fisa-702", "us-eo-12333", "us-ieepa-ofac", "cn-national-intelligence-law",
                   "cn-data-security-law", "cn-cybersecurity-law", "cn-counter-espionage-law", "ru-yarovaya",
                   "ru-sorm", "ru-242-fz", "gb-ipa-2016", "gb-ipa-2024", "au-tola", "in-it-act-69",
                   "in-cert-in-2022", "eu-e-evidence"):
        assert wanted in ids, wanted


def test_every_capability_is_used():
    used = {c for r in default_jurisdictions().regimes for c in r.allows}
    assert used == set(Capability)


def test_every_region_member_is_a_country_code():
    countries = load_countries()
    regions = default_regions()
    for region in regions.by_id.values():
        assert region.sources
        assert set(region.members) <= set(countries), region.id
        assert set(region.since) <= set(region.members), region.id
        assert region.id not in countries


def test_region_memberships():
    regions = default_regions()
    eu = set(regions.get("EU").members)
    assert len(eu) == 27 and "GR" in eu and "GB" not in eu
    assert set(regions.get("eea").members) == eu | {"IS", "LI", "NO"}  # NO stays a string, never false
    five, nine, fourteen = (set(regions.get(n).members) for n in ("FIVE-EYES", "NINE-EYES", "FOURTEEN-EYES"))
    assert five < nine < fourteen and len(fourteen) == 14
    assert len(regions.get("OECD").members) == 38
    adequacy = regions.get("EU-ADEQUACY")
    assert set(adequacy.since) == set(adequacy.members)
    assert adequacy.since["JP"].isoformat() == "2019-01-23"


def test_regional_regimes_apply_to_members_only():
    data = default_jurisdictions()
    de = {r.id for r in data.regimes_for("DE")}
    assert {"eu-e-evidence", "de-bnd-act"} <= de and "us-cloud-act" not in de
    ch = {r.id for r in data.regimes_for("CH")}
    assert "eu-e-evidence" not in ch and "ch-buepf" in ch
    assert data.regimes_for("AQ") == []


def test_expand_is_case_insensitive_and_refuses_unknown_names():
    regions = default_regions()
    assert regions.expand(["efta"]) == {"IS", "LI", "NO", "CH"}
    with pytest.raises(ConfigError, match="unknown region 'NORDIC'"):
        regions.expand(["NORDIC"])


REGION = """\
[[region]]
id = "NORDIC"
name = "Nordic countries"
as_of = 2026-01-01
members = ["DK", "FI", "IS", "NO", "SE"]
sources = ["https://www.norden.org/en/information/facts-about-nordic-countries"]
"""


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("members = [\"DK\", \"FI\", \"IS\", \"NO\", \"SE\"]", "members = [\"DK\", \"XX\"]"), 5, "'XX' is not an ISO"),
        (("members = [\"DK\", \"FI\", \"IS\", \"NO\", \"SE\"]", "members = [\"DK\", \"DK\"]"), 5, "DK is listed twice"),
        (("id = \"NORDIC\"", "id = \"DE\""), 2, "must not be a country code"),
        (("id = \"NORDIC\"", "id = \"nordic\""), 2, "id"),
        (("sources = [\"https://www.norden.org/en/information/facts-about-nordic-countries\"]", "sources = []"), 6,
         "sources"),
        (("sources = [\"https://www.norden.org/en/information/facts-about-nordic-countries\"]", "sources = [\"norden\"]"),
         6, "must be a web address"),
        (("as_of = 2026-01-01", "as_of = 2026-01-01\ncolour = \"blue\""), 5, "colour"),
        (("as_of = 2026-01-01", "as_of = 2026-01-01\nsince = { \"GB\" = 2020-01-01 }"), 5, "GB has a date but is not a member"),
    ],
    ids=["bad-code", "twice", "country-id", "lower-id", "no-source", "not-url", "unknown-key", "stray-date"],
)
def test_bad_region_files_name_the_line(tmp_path, change, line, message):
    path = tmp_path / "regions.toml"
    path.write_text(REGION.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_regions(path)
    assert f"{path}:{line}:" in err.value.message and message in err.value.message
    assert "\n" not in err.value.message


REGIME = """\
# one regime
[[regime]]
id = "de-example"
name = "An example law"
short = "Example"
jurisdiction = "DE"
year = 2020
allows = ["compel-data"]
scope = "providers in Germany"
summary = "An example, for tests."
sources = ["https://www.gesetze-im-internet.de/"]
"""


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("sources = [\"https://www.gesetze-im-internet.de/\"]\n", ""), 2, "sources"),
        (("sources = [\"https://www.gesetze-im-internet.de/\"]", "sources = []"), 11, "sources"),
        (("jurisdiction = \"DE\"", "jurisdiction = \"XX\""), 6, "neither a country code nor a region"),
        (("id = \"de-example\"", "id = \"example\""), 3, "must start with the jurisdiction"),
        (("allows = [\"compel-data\"]", "allows = [\"mind-reading\"]"), 8, "allows"),
        (("allows = [\"compel-data\"]", "allows = [\"compel-data\", \"compel-data\"]"), 8, "listed twice"),
        (("year = 2020", "year = 20"), 7, "year"),
        (("summary = \"An example, for tests.\"", "summary = \"\"\"two\nlines\"\"\""), 10, "summary"),
    ],
    ids=["no-sources-key", "empty-sources", "bad-jurisdiction", "id-prefix", "bad-capability", "capability-twice",
         "bad-year", "two-line-summary"],
)
def test_bad_regime_files_name_the_line(tmp_path, change, line, message):
    path = tmp_path / "jurisdictions.toml"
    path.write_text(REGIME.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_jurisdictions(path, default_regions())
    assert f"{path}:{line}:" in err.value.message and message in err.value.message


def test_an_eu_regime_from_a_custom_file_reaches_members(tmp_path):
    path = tmp_path / "jurisdictions.toml"
    path.write_text(REGIME.replace('jurisdiction = "DE"', 'jurisdiction = "EU"').replace("de-example", "eu-example"))
    data = load_jurisdictions(path, default_regions())
    assert [r.id for r in data.regimes_for("FR")] == ["eu-example"]


def test_duplicate_regime_ids_and_empty_files(tmp_path):
    path = tmp_path / "jurisdictions.toml"
    path.write_text(REGIME + REGIME.replace("# one regime\n", ""))
    with pytest.raises(ConfigError, match=r":13: regime de-example: duplicate regime id"):
        load_jurisdictions(path, default_regions())
    path.write_text("# nothing\n")
    with pytest.raises(ConfigError, match=r"no \[\[regime\]\] entries"):
        load_jurisdictions(path, default_regions())
    path.write_text("[[regime]\n")
    with pytest.raises(ConfigError, match=r":1: invalid TOML"):
        load_jurisdictions(path, default_regions())


def test_capabilities_documented():
    doc = (__import__("pathlib").Path(__file__).parents[2] / "docs" / "policy.md").read_text(encoding="utf-8")
    for capability in Capability:
        assert f"`{capability.value}`" in doc
