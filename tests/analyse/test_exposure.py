"""Exposure: the controlling jurisdiction's regimes per tether, never mixed up with server countries."""

from __future__ import annotations

from tethers.analyse.exposure import exposure, join_and
from tethers.config.jurisdictions import Capability, default_jurisdictions
from tethers.model import DependencyMap, Evidence, Location, Origin, ProviderRef, Tether
from tethers.types import Function

MS = ProviderRef("microsoft-365", "Microsoft 365", "Microsoft Corporation", "US", "microsoft", "Microsoft Corporation",
                 ("microsoft",))
HETZNER = ProviderRef("hetzner", "Hetzner", "Hetzner Online GmbH", "DE", "hetzner", "Hetzner Online GmbH", ("hetzner",))
SWISS = ProviderRef("infomaniak", "Infomaniak", "Infomaniak Network SA", "CH", "infomaniak", "Infomaniak Network SA",
                    ("infomaniak",))
NOWHERE = ProviderRef("mystery", "Mystery", "Mystery Ltd", "", "", "", ())
MX = Evidence("dns:MX", "example.org", "10 example-org.mail.protection.outlook.com.", "example-org.mail.protection.outlook.com")


def report(*tethers):
    return exposure(DependencyMap("example.org", tuple(tethers)), default_jurisdictions())


def test_controls_and_servers_stay_apart():
    # Microsoft (US) serving from Frankfurt and Dublin: the CLOUD Act still reaches it.
    t = Tether(Function.EMAIL_INBOUND, MS, Origin.DISCOVERED, False, (MX,),
               (Location("192.0.2.1", "DE", 8075, "MICROSOFT"), Location("192.0.2.2", "IE", 8075, "MICROSOFT"),
                Location("192.0.2.3", "DE", 8075, "MICROSOFT"), Location("192.0.2.4", None, None, None)))
    (te,) = report(t).tethers
    assert te.controls == "US" and te.servers == ("DE", "IE") and te.located == 3 and te.unlocated == 1
    ids = [r.id for r in te.regimes]
    assert "us-cloud-act" in ids and "us-fisa-702" in ids and not any(i.startswith(("de-", "eu-")) for i in ids)
    assert Capability.COMPEL_DATA in te.capabilities() and Capability.COMPEL_CUTOFF in te.capabilities()
    text = te.summary()
    assert text.startswith("email-inbound (Microsoft 365, US) is reachable under US CLOUD Act, FISA 702")
    assert text.endswith("its servers we saw sit in DE, IE (1 more without a country)")


def test_eu_regimes_reach_a_german_owner_not_a_swiss_one():
    de = Tether(Function.HOSTING, HETZNER, Origin.DISCOVERED, False)
    ch = Tether(Function.EMAIL_INBOUND, SWISS, Origin.DECLARED, True)
    r = report(de, ch)
    de_ids = {x.id for x in r.tethers[0].regimes}
    ch_ids = {x.id for x in r.tethers[1].regimes}
    assert {"eu-e-evidence", "de-bnd-act"} <= de_ids and "eu-e-evidence" not in ch_ids and "ch-ndg" in ch_ids
    assert r.tethers[0].servers_text() == "we saw no server address for it"
    assert list(r.by_controller()) == ["CH", "DE"] and r.by_server_country() == {}
    assert len(r.unseen()) == 2


def test_unknown_owner_country():
    (te,) = report(Tether(Function.OTHER_SAAS, NOWHERE, Origin.DISCOVERED, False)).tethers
    assert te.regimes == () and "has no known controlling jurisdiction" in te.summary()


def test_grouping_by_regime_and_server_country():
    a = Tether(Function.EMAIL_INBOUND, MS, Origin.DISCOVERED, False, (MX,), (Location("192.0.2.1", "NL", 8075, "MS"),))
    b = Tether(Function.COLLABORATION, MS, Origin.DISCOVERED, False, (), (Location("192.0.2.1", "NL", 8075, "MS"),))
    c = Tether(Function.HOSTING, HETZNER, Origin.DISCOVERED, False, (), (Location("192.0.2.9", "FI", 24940, "HETZNER"),))
    r = report(a, b, c)
    cloud = dict((regime.id, ts) for regime, ts in r.by_regime())
    assert [t.function for t in cloud["us-cloud-act"]] == [Function.EMAIL_INBOUND, Function.COLLABORATION]
    assert [t.function for t in cloud["eu-e-evidence"]] == [Function.HOSTING]
    assert {k: [t.function for t in v] for k, v in r.by_server_country().items()} == {
        "FI": [Function.HOSTING], "NL": [Function.EMAIL_INBOUND, Function.COLLABORATION]}


def test_join_and():
    assert join_and([]) == "" and join_and(["a"]) == "a" and join_and(["a", "b"]) == "a and b"
    assert join_and(["a", "b", "c"]) == "a, b and c"
