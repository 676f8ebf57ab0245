"""Run the tethers CLI in-process, as the command-line tests do."""

from __future__ import annotations

from typing import Any

import pytest

from tethers.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    """``tethers ARGV...`` (paths and numbers welcome): its exit code, standard output and standard error."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
