"""Real DNS servers on 127.0.0.1 for integration tests.

    def test_mx(knot, fixture_zones):
        server = knot(fixture_zones)          # a running KnotServer, shared per zone set
        host, port = server.address

``knot`` and ``builtin_dns`` are session-scoped factories: each distinct set of zone files gets
one server for the whole session, stopped at the end. Without knotd the ``knot`` fixture skips,
except under ``CI=true``, where a missing Knot is a broken CI image and fails the test instead.
``knot_server`` and ``builtin_server`` serve every zone in tests/fixtures/zones/.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tethers.demo.knot import KnotServer, knotd_path
from tethers.demo.server import BuiltinServer
from tethers.demo.zones import ZoneFiles, zone_sources

FIXTURES = Path(__file__).parent / "fixtures"
ZONES_DIR = FIXTURES / "zones"

# Property tests explore new inputs on developers' machines; in CI they replay a fixed
# sequence, so a submission's result does not depend on the luck of the draw.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").strip().lower() == "true" else "dev")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _key(zones: ZoneFiles) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(z.origin), str(z.path.resolve())) for z in zone_sources(zones)))


@pytest.fixture(scope="session")
def fixture_zones() -> list[Path]:
    """Every fixture zone file: example.com, example.net, example.org."""
    files = sorted(ZONES_DIR.glob("*.zone"))
    assert files, f"no fixture zones in {ZONES_DIR}"
    return files


@pytest.fixture(scope="session")
def knot() -> Iterator[Callable[[ZoneFiles], KnotServer]]:
    """A factory: ``knot(zone_files)`` returns a running KnotServer for those zones."""
    if knotd_path() is None:
        reason = "knotd (Knot DNS) is not installed: apt-get install knot"
        if _in_ci():
            pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(reason)
    servers: dict[tuple[tuple[str, str], ...], KnotServer] = {}

    def start(zones: ZoneFiles) -> KnotServer:
        key = _key(zones)
        if key not in servers:
            servers[key] = KnotServer(zones).start()
        return servers[key]

    try:
        yield start
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="session")
def builtin_dns() -> Iterator[Callable[[ZoneFiles], BuiltinServer]]:
    """A factory: ``builtin_dns(zone_files)`` returns a running BuiltinServer for those zones."""
    servers: dict[tuple[tuple[str, str], ...], BuiltinServer] = {}

    def start(zones: ZoneFiles) -> BuiltinServer:
        key = _key(zones)
        if key not in servers:
            servers[key] = BuiltinServer(zones).start()
        return servers[key]

    try:
        yield start
    finally:
        errors = []
        for server in servers.values():
            server.stop()
            errors.extend(server.errors)
        # A handler bug is answered SERVFAIL so the server survives; the suite must still see it.
        if errors:
            pytest.fail(f"the built-in DNS server hit {len(errors)} internal error(s): {errors[:3]!r}")


@pytest.fixture(scope="session")
def knot_server(knot: Callable[[ZoneFiles], KnotServer], fixture_zones: list[Path]) -> KnotServer:
    return knot(fixture_zones)


@pytest.fixture(scope="session")
def builtin_server(
    builtin_dns: Callable[[ZoneFiles], BuiltinServer], fixture_zones: list[Path]
) -> BuiltinServer:
    return builtin_dns(fixture_zones)
