"""The model letter templates: the built-in list (``templates/letters/letters.yaml``) and a
school's own ``<id>.docx`` overrides, found in the folders named by ``REFERRAL_BUILDER_LETTER_DIR``
(several separated by ``os.pathsep``) or passed as `template_dirs`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from referral_builder.config import Config
from referral_builder.domain.errors import LetterError, UnknownTemplate
from referral_builder.domain.model import LETTER_PURPOSES

ENV_LETTER_DIR = "REFERRAL_BUILDER_LETTER_DIR"
MEETING_MODES = ("none", "required", "optional")


@dataclass(frozen=True)
class LetterTemplate:
    id: str
    title: str
    purposes: tuple[str, ...]
    required: tuple[str, ...]
    meeting: str  # none | required | optional
    path: Path  # the .docx used: a school's override, else the built-in
    overridden: bool = False
    new_meeting: bool = False
    required_any: tuple[tuple[str, ...], ...] = ()
    encloses: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    source: str = ""
    authorities: tuple[str, ...] = ()  # checklist ids whose letter this is; () for every case


def builtin_dir() -> Path:
    return Path(str(resources.files("referral_builder.templates"))) / "letters"


@cache
def _metadata() -> tuple[dict[str, Any], ...]:
    entries = yaml.safe_load((builtin_dir() / "letters.yaml").read_text(encoding="utf-8"))
    for n, entry in enumerate(entries):
        where = f"letters.yaml entry {n} ({entry.get('id', 'no id')})"
        unknown = set(entry.get("purposes") or ()) - set(LETTER_PURPOSES)
        if not entry.get("id") or not entry.get("purposes") or unknown:
            raise LetterError(f"{where}: needs an id and purposes from the case format; "
                              f"unknown: {sorted(unknown)}")
        if entry.get("meeting", "none") not in MEETING_MODES:
            raise LetterError(f"{where}: meeting must be one of {', '.join(MEETING_MODES)}")
    return tuple(entries)


def _override_dirs(template_dirs: list[Path] | None) -> list[Path]:
    if template_dirs is not None:
        return [Path(d) for d in template_dirs]
    return [Path(d) for d in Config.from_env().letter_dirs]  # ENV_LETTER_DIR


def list_templates(template_dirs: list[Path] | None = None) -> list[LetterTemplate]:
    """Return the letter templates, each pointing at the school's override where one exists."""
    overrides = _override_dirs(template_dirs)
    found = []
    for entry in _metadata():
        path = builtin_dir() / f"{entry['id']}.docx"
        own = next((d / path.name for d in overrides if (d / path.name).is_file()), None)
        found.append(LetterTemplate(
            id=entry["id"], title=entry["title"], purposes=tuple(entry["purposes"]),
            required=tuple(entry.get("required", ())), meeting=entry.get("meeting", "none"),
            path=own or path, overridden=own is not None,
            new_meeting=bool(entry.get("new_meeting")),
            required_any=tuple(tuple(a) for a in entry.get("required_any", ())),
            encloses=tuple(entry.get("encloses", ())), extra=dict(entry.get("extra") or {}),
            source=entry.get("source", ""),
            authorities=tuple(entry.get("authorities", ()))))
    return found


def get_template(template_id: str, template_dirs: list[Path] | None = None) -> LetterTemplate:
    """Return one template by id, or raise `UnknownTemplate` listing the ids there are."""
    templates = list_templates(template_dirs)
    for template in templates:
        if template.id == template_id:
            return template
    raise UnknownTemplate(f"there is no letter template {template_id!r}; choose one of "
                          + ", ".join(t.id for t in templates))
