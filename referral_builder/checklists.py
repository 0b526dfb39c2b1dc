"""Find and load the checklist data files (evidence_checklists/*.yaml).

Checking a case needs only the checklists it names, so `get_checklist` reads `<id>.yaml`
alone (all files are read only to resolve an alias or to list them). Files are parsed with
libyaml's C loader when PyYAML has it, and validated once: the validated `Checklist` is kept
for the process and, between runs, pickled in the user's cache folder under a key made of
the file's bytes and the source of the code that validates it, so an edited file or a new
version of the tool is validated afresh. `REFERRAL_BUILDER_CACHE=off` turns the disk cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

import yaml

from referral_builder.config import Config
from referral_builder.domain.checklist import Checklist
from referral_builder.domain.errors import InvalidChecklist

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def checklist_dir() -> Path:
    return Path(str(resources.files("referral_builder.evidence_checklists")))


@cache
def _code_key() -> bytes:
    """A digest of the code that turns YAML into a `Checklist`: the schema, the domain model
    and the declarations it is generated from (parameter types, conditions, rule modules)."""
    import referral_builder.domain.checklist as model
    import referral_builder.domain.conditions as conditions
    import referral_builder.domain.params as params
    from referral_builder.domain.rules import RULE_MODULES

    # The schema's source is read, not imported: a cache hit needs no marshmallow.
    schema = find_spec("referral_builder.schemas.checklist")
    assert schema is not None and schema.origin is not None
    files = [schema.origin,
             *(str(m.__file__) for m in (model, params, conditions, *RULE_MODULES))]
    digest = hashlib.sha256()
    for file in files:
        digest.update(Path(file).read_bytes())
    return digest.digest()


def _cache_dir() -> Path | None:
    return Config.from_env().checklist_cache_dir


def load_checklist_file(path: Path) -> Checklist:
    """Load one checklist file, or raise InvalidChecklist naming the file."""
    raw = path.read_bytes()
    key = hashlib.sha256(_code_key() + path.name.encode() + b"\0" + raw).hexdigest()
    folder = _cache_dir()
    cached = folder / f"{key}.pickle" if folder else None
    if cached is not None:
        try:
            found = pickle.loads(cached.read_bytes())  # our own file, keyed by content
            if isinstance(found, Checklist):
                return found
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InvalidChecklist(f"{path.name}: not valid YAML: {exc}") from None
    from referral_builder.schemas.checklist import build_checklist  # only on a cache miss

    checklist: Checklist = build_checklist(data, path.name)
    if checklist.id != path.stem:
        raise InvalidChecklist(f"{path.name}: id {checklist.id!r} must match the file name")
    if cached is not None:
        _store(cached, pickle.dumps(checklist, protocol=pickle.HIGHEST_PROTOCOL))
    return checklist


def _store(path: Path, data: bytes) -> None:
    """Write the cache entry whole or not at all; a read-only home only loses the speed-up."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


@cache
def _load(path: Path) -> Checklist:
    return load_checklist_file(path)


@cache
def all_checklists(directory: Path | None = None) -> dict[str, Checklist]:
    """Return every checklist in `directory` (default: the installed ones) by id."""
    folder = directory or checklist_dir()
    return {p.stem: _load(p) for p in sorted(folder.glob("*.yaml"))}


def get_checklist(checklist_id: str, directory: Path | None = None) -> Checklist:
    """Return the checklist `checklist_id` (or the one that has it as an alias)."""
    folder = directory or checklist_dir()
    path = folder / f"{checklist_id}.yaml"
    if "/" not in checklist_id and "\\" not in checklist_id and path.is_file():
        return _load(path)  # only the file the case names
    checklists = all_checklists(directory)
    found = checklists.get(checklist_id) or next(
        (c for c in checklists.values() if checklist_id in c.aliases), None)
    if found is None:
        known = ", ".join(checklists) or "none"
        raise InvalidChecklist(f"no checklist {checklist_id!r} (known: {known})")
    return found
