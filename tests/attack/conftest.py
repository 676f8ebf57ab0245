"""Shared fixtures: one small generated incident and its report, made once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tethers.attack import analyse
from tethers.attack.casestudy import generate


@pytest.fixture(scope="session")
def incident(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("incident")
    truth = generate(directory, scale=0.03)
    return directory, truth


@pytest.fixture(scope="session")
def incident_report(incident: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    directory, _ = incident
    return analyse([directory / "access.log", directory / "flows.csv"])


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def clf(ip: str, when: str = "10/Mar/2025:09:45:02 +0000", path: str = "/") -> str:
    return f'{ip} - - [{when}] "GET {path} HTTP/1.1" 200 512 "-" "curl/8.5"\n'
