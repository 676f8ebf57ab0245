"""Reading user TOML files with errors that point at a line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from tethers.errors import ConfigError

MAX_BYTES = 10 * 1024 * 1024


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed document and its text; every failure is a one-line ConfigError."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory")
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_BYTES // 2**20} MiB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", message)
        where = f":{m.group(1)}" if m else ""
        reason = re.sub(r" ?\(at line.*", "", message)
        raise ConfigError(f"{path}{where}: invalid TOML: {reason}") from None


def table_lines(text: str, header: str) -> list[int]:
    """Line numbers (1-based) of each ``[[header]]`` array-of-tables entry, in order."""
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(header)}\s*\]\]\s*(#.*)?$")
    return [n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)]


def key_line(text: str, key: str) -> int:
    """The first line that sets ``key`` at any level, or 0."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return next((n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)), 0)
