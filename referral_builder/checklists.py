"""Find and load the checklist data files (evidence_checklists/*.yaml)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from referral_builder.domain.checklist import Checklist
from referral_builder.domain.errors import InvalidChecklist
from referral_builder.schemas.checklist import build_checklist


def checklist_dir() -> Path:
    return Path(str(resources.files("referral_builder.evidence_checklists")))


def load_checklist_file(path: Path) -> Checklist:
    """Load one checklist file, or raise InvalidChecklist naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidChecklist(f"{path.name}: not valid YAML: {exc}") from None
    checklist = build_checklist(data, path.name)
    if checklist.id != path.stem:
        raise InvalidChecklist(f"{path.name}: id {checklist.id!r} must match the file name")
    return checklist


@cache
def all_checklists(directory: Path | None = None) -> dict[str, Checklist]:
    """Return every checklist in `directory` (default: the installed ones) by id."""
    folder = directory or checklist_dir()
    return {p.stem: load_checklist_file(p) for p in sorted(folder.glob("*.yaml"))}


def get_checklist(checklist_id: str, directory: Path | None = None) -> Checklist:
    checklists = all_checklists(directory)
    found = checklists.get(checklist_id) or next(
        (c for c in checklists.values() if checklist_id in c.aliases), None)
    if found is None:
        known = ", ".join(all_checklists(directory)) or "none"
        raise InvalidChecklist(f"no checklist {checklist_id!r} (known: {known})")
    return found
