"""The domain core stays pure: standard library only, no web, storage or file formats."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import referral_builder.domain as domain

DOMAIN = Path(domain.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_only_the_standard_library():
    offenders = {
        f"{path.name}: {name}"
        for path in DOMAIN.glob("*.py")
        for name in imported_modules(path)
        if name not in sys.stdlib_module_names and name != "__future__"
    }
    assert not offenders


def test_the_check_finds_a_module_outside_the_standard_library(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom yaml import safe_load\nimport datetime\n")
    assert imported_modules(sample) - sys.stdlib_module_names == {"flask", "yaml"}
