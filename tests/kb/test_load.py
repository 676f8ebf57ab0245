"""Knowledge-base files that are wrong give one clear ConfigError naming the file."""

from __future__ import annotations

import pytest

from tethers.errors import ConfigError
from tethers.kb import load_files
from tethers.kb.load import load_default

OWNERS = '[acme]\nname = "Acme"\ncountry = "US"\n'
RULE = '''
[[rules]]
kind = "{kind}"
function = "{function}"
value = "{value}"
match = ["{match}"]
no_match = ["nothing.example.org"]
'''


def provider(pid="acme-mail", owner="acme", kind="mx-suffix", function="email-inbound", value="mx.acme.net",
             match="a.mx.acme.net"):
    return f'id = "{pid}"\nname = "Acme Mail"\nowner = "{owner}"\n' + RULE.format(
        kind=kind, function=function, value=value, match=match)


def build(tmp_path, owners=OWNERS, providers=None):
    (tmp_path / "owners").mkdir()
    (tmp_path / "providers").mkdir()
    (tmp_path / "owners" / "a.toml").write_text(owners)
    for name, text in (providers or {"acme-mail": provider()}).items():
        (tmp_path / "providers" / f"{name}.toml").write_text(text)
    return tmp_path


def test_a_valid_base_loads(tmp_path):
    files = load_files(build(tmp_path))
    assert files.provider_ref("acme-mail").country == "US"


@pytest.mark.parametrize(
    ("owners", "providers", "message"),
    [
        (OWNERS, {"acme-mail": provider(owner="nobody")}, "owner 'nobody' is not defined"),
        (OWNERS, {"other-name": provider()}, "differs from the file name"),
        (OWNERS, {"acme-mail": provider(kind="mx-prefix")}, "rules.0.kind"),
        (OWNERS, {"acme-mail": provider(function="spying")}, "rules.0.function"),
        (OWNERS, {"acme-mail": provider(kind="txt-regex", value="acme=.*", match="acme=1")}, "anchored"),
        (OWNERS, {"acme-mail": provider(kind="txt-regex", value="^acme=(.*$", match="acme=1")}, "does not compile"),
        (OWNERS, {"acme-mail": provider(value="MX.Acme.NET.")}, "lower-case domain name"),
        (OWNERS, {"acme-mail": provider(kind="cidr", value="10.0.0.1/8", match="10.0.0.1")}, "not a network"),
        (OWNERS, {"acme-mail": provider(kind="asn", value="13335", match="AS13335")}, "AS13335"),
        (OWNERS, {"acme-mail": provider(), "acme-two": provider(pid="acme-two")}, "already claimed by 'acme-mail'"),
        ('[acme]\nname = "Acme"\ncountry = "usa"\n', None, "country"),
        ('[acme]\nname = "Acme"\ncountry = "US"\nparent = "ghost"\n', None, "parent 'ghost' is not an owner"),
        ('[a]\nname = "A"\ncountry = "US"\nparent = "b"\n[b]\nname = "B"\ncountry = "US"\nparent = "a"\n'
         '[acme]\nname = "Acme"\ncountry = "US"\n', None, "loops"),
        ('[acme]\nname = "Acme"\ncountry = "US"\n[acme]\nname = "Again"\ncountry = "US"\n', None, "a.toml"),
        (OWNERS, {"acme-mail": 'id = "acme-mail"\nname = "x"\nowner = "acme"\nrules = []\n'}, "rules"),
        (OWNERS, {"acme-mail": "id = = broken"}, "acme-mail.toml"),
    ],
    ids=["unknown-owner", "id-mismatch", "bad-kind", "bad-function", "unanchored-regex", "bad-regex",
         "not-normalised", "bad-cidr", "bad-asn", "duplicate-rule", "bad-country", "missing-parent",
         "ownership-loop", "duplicate-toml-key", "no-rules", "toml-syntax"],
)
def test_bad_files_are_config_errors(tmp_path, owners, providers, message):
    root = build(tmp_path, owners, providers)
    with pytest.raises(ConfigError) as info:
        load_files(root)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_country_no_is_norway_not_false():
    # TOML has no YAML-style booleans: "NO" stays a country code.
    assert any(o.country == "NO" for o in load_default().owners.values())


def test_the_shipped_base_is_large_and_covers_the_motivating_stories():
    files = load_default()
    assert len(files.providers) >= 200
    for pid in ["aws", "aws-route53", "aws-cloudfront", "aws-ses", "microsoft-365", "azure", "microsoft-entra-id",
                "google-workspace", "google-cloud", "twilio", "sendgrid", "okta", "auth0", "zendesk", "epik",
                "cloudflare", "akamai", "fastly", "alibaba-cloud", "tencent-cloud", "dnspod", "huawei-cloud",
                "baidu-cloud", "yandex-360", "agora", "zoom", "dyn", "ibm-cloud", "digitalocean", "ovhcloud",
                "hetzner", "vercel", "netlify", "heroku", "github-pages", "atlassian-cloud", "shopify", "stripe",
                "mailchimp", "mailgun", "proofpoint", "mimecast"]:
        assert pid in files.providers, pid
