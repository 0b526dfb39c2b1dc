"""The views of issue 12.1 call services: none of them imports the storage models at run time
(a type-only import under `if TYPE_CHECKING:` is allowed), nor any other storage module; the
services they call never import the web; and these modules import each other in no circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import referral_builder

PACKAGE = Path(referral_builder.__file__).parent
VIEWS = ("cases", "register", "events", "letters", "carers", "draft", "term_dates",
         "planning", "admin", "once", "security", "access", "tasks")
SERVICES = ("cases", "audit", "users", "form_tokens", "acknowledgements", "conversation",
            "drafts", "new_cases", "register_marks", "term_dates", "caseload", "notices")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The modules a file imports when it runs: at the top and inside functions, but not
    under `if TYPE_CHECKING:`. `from a import b` counts as `a.b` as well as `a`."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if top_level_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("name", VIEWS)
def test_the_view_imports_no_storage_module_when_it_runs(name: str) -> None:
    imports = runtime_imports(PACKAGE / "web" / f"{name}.py")
    storage = sorted(m for m in imports if m.startswith("referral_builder.storage"))
    assert storage == [], f"web/{name}.py imports {storage}: ask a service instead"


def test_the_layering_check_finds_a_storage_import_outside_type_checking(tmp_path: Path
                                                                          ) -> None:
    bad = tmp_path / "view.py"
    bad.write_text("from typing import TYPE_CHECKING\n"
                   "if TYPE_CHECKING:\n    from referral_builder.storage.models import User\n"
                   "def page():\n    from referral_builder.storage.models import CaseRecord\n")
    assert "referral_builder.storage.models" in runtime_imports(bad)
    bad.write_text("from typing import TYPE_CHECKING\n"
                   "if TYPE_CHECKING:\n    from referral_builder.storage.models import User\n")
    assert "referral_builder.storage.models" not in runtime_imports(bad)


@pytest.mark.parametrize("name", SERVICES)
def test_the_service_never_imports_the_web(name: str) -> None:
    imports = runtime_imports(PACKAGE / "services" / f"{name}.py")
    assert not [m for m in imports if m.startswith(("referral_builder.web", "flask"))]


def test_the_views_and_their_services_import_each_other_in_no_circle() -> None:
    modules = {f"referral_builder.web.{n}": PACKAGE / "web" / f"{n}.py" for n in VIEWS}
    modules |= {f"referral_builder.services.{n}": PACKAGE / "services" / f"{n}.py"
                for n in SERVICES}
    graph = {m: {i for i in runtime_imports(p, top_level_only=True) if i in modules} - {m}
             for m, p in modules.items()}
    state: dict[str, str] = {}

    def walk(m: str, path: list[str]) -> None:
        state[m] = "open"
        for n in sorted(graph[m]):
            assert state.get(n) != "open", " -> ".join([*path, m, n])
            if n not in state:
                walk(n, [*path, m])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            walk(m, [])
