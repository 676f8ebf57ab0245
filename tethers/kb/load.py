"""Loading and validating the knowledge base from package data (or another folder)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from tethers.errors import ConfigError
from tethers.kb.schema import OwnerSpec, ProviderSpec
from tethers.model import ProviderRef
from tethers.types import SUFFIX_KINDS


@dataclass(frozen=True)
class KnowledgeBaseFiles:
    owners: dict[str, OwnerSpec]
    providers: dict[str, ProviderSpec]
    root: Path

    def ownership(self, owner_id: str) -> tuple[str, ...]:
        """Owner ids from ``owner_id`` up to its ultimate parent."""
        chain = [owner_id]
        while (parent := self.owners[chain[-1]].parent) is not None:
            chain.append(parent)
        return tuple(chain)

    def provider_ref(self, provider_id: str) -> ProviderRef:
        spec = self.providers[provider_id]
        chain = self.ownership(spec.owner)
        ultimate = self.owners[chain[-1]]
        return ProviderRef(
            id=spec.id,
            name=spec.name,
            owner=ultimate.name,
            country=ultimate.country,
            owner_id=chain[-1],
            operator=self.owners[spec.owner].name,
            ownership=chain,
        )


def default_root() -> Path:
    return Path(str(resources.files("tethers.data")))


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _first_error(path: Path, exc: ValidationError) -> ConfigError:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"]) or "(file)"
    message = err["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return ConfigError(f"{path}: {where}: {message}{more}")


def load_files(root: Path | None = None) -> KnowledgeBaseFiles:
    """Read owners/*.toml and providers/*.toml, validating each file and the whole."""
    root = root or default_root()
    owners: dict[str, OwnerSpec] = {}
    owner_file: dict[str, Path] = {}
    for owners_path in sorted((root / "owners").glob("*.toml")):
        for owner_id, body in _read_toml(owners_path).items():
            if not isinstance(body, dict):
                raise ConfigError(f"{owners_path}: [{owner_id}] must be a table")
            if owner_id in owners:
                raise ConfigError(f"{owners_path}: owner [{owner_id}] is already defined in {owner_file[owner_id]}")
            try:
                owners[owner_id] = OwnerSpec.model_validate(body)
            except ValidationError as exc:
                raise _first_error(owners_path, exc) from None
            owner_file[owner_id] = owners_path
    for owner_id, owner in owners.items():
        seen = {owner_id}
        parent = owner.parent
        while parent is not None:
            if parent not in owners:
                raise ConfigError(f"{owner_file[owner_id]}: [{owner_id}] parent {parent!r} is not an owner")
            if parent in seen:
                raise ConfigError(f"{owner_file[owner_id]}: [{owner_id}] ownership loops through {parent!r}")
            seen.add(parent)
            parent = owners[parent].parent

    providers: dict[str, ProviderSpec] = {}
    claimed: dict[tuple[str, str], str] = {}
    for path in sorted((root / "providers").glob("*.toml")):
        try:
            spec = ProviderSpec.model_validate(_read_toml(path))
        except ValidationError as exc:
            raise _first_error(path, exc) from None
        if spec.id != path.stem:
            raise ConfigError(f"{path}: id {spec.id!r} differs from the file name")
        if spec.owner not in owners:
            raise ConfigError(f"{path}: owner {spec.owner!r} is not defined in owners/*.toml")
        for index, rule in enumerate(spec.rules):
            key = (rule.kind.value, rule.value.lower() if rule.kind in SUFFIX_KINDS else rule.value)
            if key in claimed and claimed[key] != spec.id:
                raise ConfigError(
                    f"{path}: rules[{index}] {rule.kind} {rule.value!r} is already claimed by {claimed[key]!r}"
                )
            claimed[key] = spec.id
        providers[spec.id] = spec
    if not providers:
        raise ConfigError(f"{root / 'providers'}: no provider files")
    return KnowledgeBaseFiles(owners=owners, providers=providers, root=root)


@lru_cache(maxsize=4)
def load_default() -> KnowledgeBaseFiles:
    return load_files(None)
