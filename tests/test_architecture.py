"""The package's shape: layers import only downwards, the public API is pinned, every module has tests."""

from __future__ import annotations

import ast
from pathlib import Path

import tethers

PACKAGE = Path(tethers.__file__).parent
# Lowest first; a module may import from its own layer or any earlier one.
LAYERS = [
    {"errors", "types"},
    {"util"},
    {"model"},
    {"kb"},
    {"geo"},
    {"config"},
    {"collect"},
    {"traffic"},
    {"attack"},
    {"attribute"},
    {"analyse"},
    {"engine"},
    {"render"},
    {"store"},
    {"batch"},
    {"demo"},
    {"cli"},
]


def layer_of(module: str) -> int | None:
    head = module.split(".")[1] if module.startswith("tethers.") else None
    for index, names in enumerate(LAYERS):
        if head in names:
            return index
    return None


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return [m for m in found if m.startswith("tethers.")]


def test_layers_import_only_downwards():
    violations = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts)
        if module == "tethers.__init__" or module.startswith("tethers.data"):
            continue
        own = layer_of(module)
        assert own is not None, f"{module} is in no layer: add its package to LAYERS"
        for target in imports(path):
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                violations.append(f"{module} imports {target}")
    assert not violations, "\n".join(violations)


def test_public_api_is_pinned():
    assert sorted(tethers.__all__) == sorted(
        [
            "CollectError", "ConfigError", "Dependency", "Evidence", "Function", "InputError", "Location",
            "Mode", "OperationalError", "ProviderRef", "ScanResult", "Scanner", "TethersError",
            "Unattributed", "UsageError", "UserError", "__version__", "scan", "scan_zone_files",
        ]
    )
    for name in tethers.__all__:
        assert hasattr(tethers, name), name


def test_data_folder_holds_no_code():
    assert [p.name for p in (PACKAGE / "data").rglob("*.py") if p.name != "__init__.py"] == []
