"""The ``tethers/scan@1`` contract as JSON text: one document, or one line per scan.

The shape is defined once in ``tethers.model.codec`` and described by
``tethers/data/schemas/scan.schema.json`` (document) and ``scan-line.schema.json`` (line).
"""

from __future__ import annotations

import json

from tethers.model import ScanResult
from tethers.model.codec import SCHEMA, document, scan_to_dict


def render_json(scans: list[ScanResult]) -> str:
    """The whole document, indented, keys in contract order, ending with a newline."""
    # ensure_ascii=False keeps IDN and owner names readable; json still escapes
    # control characters (\u0007), so the output stays one valid document.
    return json.dumps(document(scans), indent=2, ensure_ascii=False) + "\n"


# Characters that str.splitlines() treats as line breaks but json.dumps leaves raw
# when ensure_ascii is off; escaped so that a line stays one line for every reader.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def render_jsonl_line(scan: ScanResult) -> str:
    """One scan as a single compact line (no trailing newline), self-describing by its schema key."""
    text = json.dumps({"schema": SCHEMA, **scan_to_dict(scan)}, ensure_ascii=False, separators=(",", ":"))
    # Safe to replace blindly: outside strings the JSON text is plain ASCII.
    return text.translate(_LINE_BREAKS)


def render_jsonl(scans: list[ScanResult]) -> str:
    """Every scan as a line, each ending with a newline."""
    return "".join(render_jsonl_line(s) + "\n" for s in scans)
