"""Every rule's own examples, and noise that must match nothing."""

from __future__ import annotations

import pytest

from tethers.kb import default_kb
from tethers.kb.load import load_default
from tethers.types import Function

FILES = load_default()
RULES = [
    pytest.param(provider_id, index, rule, id=f"{provider_id}#{index}-{rule.kind}")
    for provider_id, spec in FILES.providers.items()
    for index, rule in enumerate(spec.rules)
]

# Names and strings from ordinary zones that no rule may claim.
NOISE = {
    "host": [
        "example.com", "www.example.com", "mail.example.org", "ns1.example.net", "evil.example",
        "com", "net", "co.uk", "localhost", "mx.example.co.uk", "smtp.university.edu",
    ],
    "txt": [
        "v=spf1 -all", "v=spf1 mx a -all", "hello world", "<script>alert(1)</script>",
        "v=DMARC1; p=none", "verification", "",
    ],
    "ip": ["127.0.0.1", "10.0.0.1", "192.0.2.1", "2001:db8::1", "::1"],
}


@pytest.mark.parametrize(("provider_id", "index", "rule"), RULES)
def test_rule_matches_its_positive_examples(provider_id, index, rule):
    kb = default_kb()
    for example in rule.match:
        hits = kb.match(rule.kind, example)
        assert any(h.provider_id == provider_id and h.rule_index == index for h in hits), (
            f"{rule.kind} {rule.value!r} should match {example!r}, got {[h.label for h in hits]}"
        )


@pytest.mark.parametrize(("provider_id", "index", "rule"), RULES)
def test_rule_rejects_its_negative_examples(provider_id, index, rule):
    kb = default_kb()
    for example in rule.no_match:
        hits = kb.match(rule.kind, example)
        assert not any(h.provider_id == provider_id and h.rule_index == index for h in hits), (
            f"{rule.kind} {rule.value!r} should not match {example!r}"
        )


def test_noise_matches_nothing():
    kb = default_kb()
    from tethers.types import SUFFIX_KINDS, RuleKind

    for kind in SUFFIX_KINDS:
        for name in NOISE["host"]:
            assert kb.match(kind, name) == [], (kind, name)
    for text in NOISE["txt"]:
        assert kb.match(RuleKind.TXT_PREFIX, text) == [], text
    for ip in NOISE["ip"]:
        assert kb.match(RuleKind.CIDR, ip) == [], ip


def test_every_function_has_providers():
    covered = {f for spec in FILES.providers.values() for f in spec.functions}
    missing = set(Function) - covered
    assert not missing, f"functions with no provider: {sorted(missing)}"


def test_every_owner_chain_ends_in_a_country():
    for provider_id in FILES.providers:
        ref = FILES.provider_ref(provider_id)
        assert len(ref.country) == 2 and ref.country.isupper(), provider_id
