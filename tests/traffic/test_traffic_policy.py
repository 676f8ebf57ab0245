"""Region policy over endpoints: flags, policy files, warnings, function scopes, unlocated servers."""

from __future__ import annotations

from pathlib import Path

from tethers.config.policy import load_policy
from tethers.kb import default_kb
from tethers.model import Location
from tethers.traffic.model import Attribution, Endpoint
from tethers.traffic.policy import TrafficPolicy, evaluate, flag_rules, from_policy
from tethers.types import Function


def ep(name: str, server: str, country: str | None, provider_id: str | None = None, flows: int = 1) -> Endpoint:
    kb = default_kb()
    provider = kb.provider(provider_id) if provider_id else None
    function = Function.REALTIME_MEDIA if provider_id in ("agora", "zoom") else (Function.OTHER_SAAS if provider else None)
    return Endpoint(server=server, name=name, names=(name,), ports=(443,), protocols=("tcp/tls",), flows=flows,
                    packets_out=1, packets_in=1, bytes_out=100, bytes_in=900, first=1.0, last=2.0, evidence=(), inputs=(),
                    location=Location(server, country, None, None), attribution=Attribution(provider, function))


ENDPOINTS = [
    ep("us04web.zoom.us", "64.224.32.18", "US", "zoom"),
    ep("kms-illustrative.zoom.us", "52.81.1.10", "CN", "zoom"),
    ep("edge.agora.io", "103.153.24.20", "US", "agora"),
    ep("api.mixpanel.com", "203.0.113.5", None, "mixpanel"),  # documentation address: no country
    ep("unplaced.example", "8.8.8.8", None),  # a public address the IP data did not place
    ep("dns-only.example", "198.51.100.1", "CN", flows=0),
]


def test_deny_countries_judges_servers_and_owners():
    result = evaluate(TrafficPolicy(tuple(flag_rules(deny={"CN"}, deny_listed=["CN"]))), ENDPOINTS)
    assert [(v.endpoint.name, len(v.reasons)) for v in result.violations] == [("kms-illustrative.zoom.us", 1), ("edge.agora.io", 1)]
    assert "server in CN (China), a denied country [deny-countries]" in result.violations[0].reasons[0]
    assert "Agora is owned by Agora, Inc., in CN (China)" in result.violations[1].reasons[0]
    assert [e.name for e in result.unlocated] == ["unplaced.example"]


def test_allow_regions_judges_server_countries_only():
    from tethers.config.jurisdictions import default_regions

    eea = default_regions().expand(["EEA"])
    result = evaluate(TrafficPolicy(tuple(flag_rules(allow=eea, allow_listed=["EEA"]))), ENDPOINTS)
    assert {v.endpoint.name for v in result.violations} == {"us04web.zoom.us", "kms-illustrative.zoom.us", "edge.agora.io"}
    assert "outside EEA" in result.violations[0].reasons[0]


def test_policy_file_rules_with_functions_and_severity(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text(
        'name = "media stays home"\n'
        '[[rule]]\nid = "media-servers-us"\nfunctions = ["realtime-media"]\nallow_server_countries = ["US"]\n'
        '[[rule]]\nid = "no-agora"\nseverity = "warning"\ndeny_providers = ["agora"]\n'
        '[[rule]]\nid = "two-dns"\nmin_dns_owners = 2\n'
    )
    policy = from_policy(load_policy(path))
    assert policy.ignored == ("two-dns",) and "media stays home" in policy.description
    result = evaluate(policy, ENDPOINTS)
    assert [v.endpoint.name for v in result.violations] == ["kms-illustrative.zoom.us"]
    assert [v.endpoint.name for v in result.warnings] == ["edge.agora.io"]
    assert result.warnings[0].reasons == ("provider Agora is denied [no-agora]",)


def test_deny_owners_follows_the_ownership_chain(tmp_path: Path):
    path = tmp_path / "p.toml"
    path.write_text('[[rule]]\nid = "no-alphabet"\ndeny_owners = ["alphabet"]\n')
    result = evaluate(from_policy(load_policy(path)), [ep("fcm.googleapis.com", "142.250.1.1", "US", "firebase-cloud-messaging")])
    assert "belongs to owner alphabet" in result.violations[0].reasons[0]
