"""Policy files: the examples load, every key means what docs/policy.md says, every mistake names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tethers.config.policy import RuleKind, Severity, load_policy
from tethers.errors import ConfigError
from tethers.types import Function

EXAMPLES = Path(__file__).parents[2] / "tethers" / "data" / "examples" / "policies"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_examples_load():
    files = sorted(EXAMPLES.glob("*.toml"))
    assert {f.name for f in files} >= {"eu-sovereign.toml", "no-single-dns.toml"}
    for path in files:
        policy = load_policy(path)
        assert policy.rules and policy.name


def test_eu_sovereign_rules():
    policy = load_policy(EXAMPLES / "eu-sovereign.toml")
    rules = {r.id: r for r in policy.rules}
    owners = rules["owners-in-europe"]
    assert owners.kind is RuleKind.OWNER_COUNTRY and owners.allow
    assert "DE" in owners.countries and "CH" in owners.countries and "NO" in owners.countries
    assert "US" not in owners.countries and owners.listed == ("EEA", "CH")
    assert rules["servers-in-europe"].kind is RuleKind.SERVER_COUNTRY
    mail = rules["no-five-eyes-mail"]
    assert not mail.allow and mail.countries == {"US", "GB", "CA", "AU", "NZ"}
    assert mail.functions == (Function.EMAIL_INBOUND, Function.EMAIL_SENDING)
    dns = rules["two-dns-owners"]
    assert dns.kind is RuleKind.MIN_OWNERS and dns.minimum == 2 and dns.functions == (Function.DNS,)
    assert dns.severity is Severity.WARNING
    assert rules["critical-not-single-owner"].kind is RuleKind.NO_SINGLE_OWNER


def test_every_kind_of_rule(tmp_path):
    path = write(tmp_path, """\
name = "all kinds"
[[rule]]
id = "a"
deny_owner_countries = ["cn", "RU"]
[[rule]]
id = "b"
deny_server_regions = ["fourteen-eyes"]
[[rule]]
id = "c"
min_providers = 3
functions = ["email-inbound", "dns", "email-inbound"]
[[rule]]
id = "d"
min_dns_providers = 2
[[rule]]
id = "e"
deny_providers = ["cloudflare"]
[[rule]]
id = "f"
deny_owners = ["alphabet"]
""")
    rules = load_policy(path).rules
    assert [r.kind for r in rules] == [RuleKind.OWNER_COUNTRY, RuleKind.SERVER_COUNTRY, RuleKind.MIN_PROVIDERS,
                                       RuleKind.MIN_PROVIDERS, RuleKind.DENY_PROVIDERS, RuleKind.DENY_OWNERS]
    assert rules[0].countries == {"CN", "RU"} and not rules[0].allow
    assert len(rules[1].countries) == 14
    assert rules[2].functions == (Function.EMAIL_INBOUND, Function.DNS) and rules[2].minimum == 3
    assert rules[3].functions == (Function.DNS,)
    assert rules[4].ids == {"cloudflare"} and rules[5].ids == {"alphabet"}
    assert rules[0].line == 2 and rules[5].line == 18


HEAD = 'name = "test"\n\n[[rule]]\nid = "r1"\n'  # the rule starts on line 3; its id is on line 4


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('colour = "blue"\n', 5, "unknown key 'colour'"),
        ('deny_owner_countries = ["XX"]\n', 5, "'XX' is not a country code"),
        ('deny_owner_countries = ["EEA"]\n', 5, "'EEA' is not a country code"),
        ('allow_server_regions = ["ATLANTIS"]\n', 5, "unknown region 'ATLANTIS'"),
        ('allow_owner_countries = ["DE"]\ndeny_owner_regions = ["EU"]\n', 5, "not both"),
        ('deny_owner_countries = ["CN"]\nmin_dns_owners = 2\n', 6, "one requirement per rule"),
        ('deny_owner_countries = []\n', 5, "non-empty list of strings"),
        ('deny_owner_countries = "CN"\n', 5, "non-empty list of strings"),
        ('functions = ["mail"]\ndeny_owner_countries = ["CN"]\n', 5, "unknown function 'mail'"),
        ('deny_providers = ["cloudflair"]\n', 5, "unknown provider 'cloudflair'"),
        ('deny_owners = ["nobody-inc"]\n', 5, "unknown owner 'nobody-inc'"),
        ("min_owners = 0\n", 5, "whole number from 1 to 100"),
        ("min_owners = true\n", 5, "whole number from 1 to 100"),
        ('min_owners = "2"\n', 5, "whole number from 1 to 100"),
        ('functions = ["hosting"]\nmin_dns_owners = 2\n', 5, "applies to dns"),
        ("min_owners = 2\nmin_dns_owners = 2\n", 5, "say the same thing"),
        ("no_single_owner = false\n", 5, "takes true"),
        ('severity = "fatal"\nno_single_owner = true\n', 5, "severity must be"),
        ("description = 3\nno_single_owner = true\n", 5, "description must be a string"),
        ("", 4, "sets no requirement"),
    ],
    ids=["unknown-key", "bad-country", "region-as-country", "bad-region", "allow-and-deny", "two-kinds",
         "empty-list", "string-not-list", "bad-function", "bad-provider", "bad-owner", "zero", "bool", "string-number",
         "dns-shorthand-with-functions", "same-thing-twice", "single-owner-false", "bad-severity", "bad-description",
         "no-requirement"],
)
def test_bad_rules_name_their_line(tmp_path, body, line, message):
    path = write(tmp_path, HEAD + body)
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    text = err.value.message
    assert text.startswith(f"{path}:{line}: rule 'r1': "), text
    assert message in text and "\n" not in text


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('name = "x"\nowner = "me"\n', 2, "unknown key 'owner'"),
        ("name = 3\n", 1, "name must be a string"),
        ('name = "x"\n', None, "no [[rule]] tables"),
        ('name = "x"\nrule = "everything"\n', 2, "write rules as [[rule]] tables"),
        ('[[rule]]\nid = "a"\nno_single_owner = true\n[[rule]]\nid = "a"\nmin_dns_owners = 2\n', 5,
         "rule id 'a' is already used at line 1"),
        ('[[rule]]\nno_single_owner = true\n', 1, "every rule needs an id"),
        ('[[rule]]\nid = "Owners EU"\nno_single_owner = true\n', 2, "must be kebab-case"),
        ('[[rule]\n', 1, "invalid TOML"),
        ('[[rule]]\nid = "a"\nid = "b"\n', 3, "invalid TOML"),
    ],
    ids=["unknown-top-key", "bad-name", "no-rules", "rule-not-table", "duplicate-id", "no-id", "bad-id",
         "broken-toml", "duplicate-key"],
)
def test_bad_policy_files(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    where = f"{path}:{line}:" if line else f"{path}:"
    assert err.value.message.startswith(where) and message in err.value.message, err.value.message


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_policy(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_policy(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_policy(bad)
