"""Capture tools for the traffic tests: present, or a skip (a failure under CI=true, where .ci/run installs them)."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        reason = f"{name} is not installed (apt-get install {'tshark' if name in ('tshark', 'dumpcap') else name})"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{reason}; CI=true, so this is a failure, not a skip", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def tshark() -> str:
    return require_tool("tshark")


@pytest.fixture(scope="session")
def tcpdump() -> str:
    return require_tool("tcpdump")
