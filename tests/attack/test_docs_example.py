"""The JSON example in docs/attack.md follows attack.schema.json, so the documentation cannot drift from the contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "tethers" / "data" / "schemas" / "attack.schema.json").read_text(encoding="utf-8"))


def test_docs_example_follows_the_schema() -> None:
    text = (REPO / "docs" / "attack.md").read_text(encoding="utf-8")
    contract = text[text.index("## JSON contract"):]
    blocks = re.findall(r"^```json\n(.*?)^```$", contract, flags=re.S | re.M)
    assert len(blocks) == 1, "expected one ```json block under 'JSON contract'"
    example = json.loads(blocks[0])
    Draft202012Validator(SCHEMA, format_checker=FormatChecker()).validate(example)
    assert example["filters"]["client_ip"] == "remote"
    assert all("forwarded_clients" in i for i in example["inputs"])
