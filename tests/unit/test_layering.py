"""The layers point one way: web and cli -> services -> documents, storage, schemas -> domain.

Every module under `referral_builder/` is parsed with `ast`; every import counts, at module
level or inside a function, except those under `if TYPE_CHECKING:` (type hints only).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import referral_builder

PACKAGE = Path(referral_builder.__file__).parent
ROOT = "referral_builder"

#: Web modules that i12-views moves off `storage` on its own branch; the lead empties this
#: set when the branches merge (rule d). Nothing else is exempt.
_FIXED_ON_ANOTHER_BRANCH: set[str] = set()

#: Imports in files other branches own that break rule (b) or close a circle (rule e); the
#: lead removes them at merge. Each is (importer, imported).
_EDGES_FIXED_ON_ANOTHER_BRANCH: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import under `node`, skipping the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _import_nodes(child)


def imports_of(path: Path, source: str, known: set[str]) -> set[str]:
    """The `referral_builder` modules `source` (the text of `path`) imports: `from a import b`
    names `a.b` when that is a module, else `a`."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            anchor = ".".join(parts[:len(parts) - node.level + 1])
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m == ROOT or m.startswith(ROOT + ".")}


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, p.read_text(encoding="utf-8"), known)
            for p in paths}


FULL_GRAPH = import_graph()
#: The graph the rules are checked on: less the edges exempt above.
GRAPH = {m: targets - {b for a, b in _EDGES_FIXED_ON_ANOTHER_BRANCH if a == m}
         for m, targets in FULL_GRAPH.items()}


def test_every_exempt_import_is_still_there() -> None:
    """An exempt import that has gone must leave its set, so none outlives its reason."""
    gone = sorted(f"{a} no longer imports {b}" for a, b in _EDGES_FIXED_ON_ANOTHER_BRANCH
                  if b not in FULL_GRAPH.get(a, set()))
    assert gone == []


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def offenders(importer_layer: str, forbidden: set[str],
              graph: dict[str, set[str]] = GRAPH) -> list[str]:
    return sorted(f"{m} imports {target}" for m, targets in graph.items()
                  if layer(m) == importer_layer for target in targets
                  if layer(target) in forbidden)


def test_documents_only_lays_out_what_it_is_given() -> None:
    assert offenders("documents", {"web", "services", "schemas", "storage", "accounts",
                                   "cli"}) == []


def test_services_know_nothing_of_the_web_or_the_command_line() -> None:
    assert offenders("services", {"web", "cli"}) == []


def test_storage_knows_nothing_of_the_layers_above_it() -> None:
    assert offenders("storage", {"web", "services", "cli", "documents"}) == []


def test_the_job_queue_runs_what_the_services_declare_without_importing_them() -> None:
    """`jobs` is plumbing under the services: a service declares its job body with
    `jobs.tasks.body`, so the queue never imports the service back."""
    assert offenders("jobs", {"web", "services", "cli", "accounts"}) == []


def web_storage_offenders(graph: dict[str, set[str]] = GRAPH) -> list[str]:
    plumbing = {f"{ROOT}.web.app", f"{ROOT}.web.database"}
    found = []
    for m, targets in graph.items():
        if layer(m) != "web" or m in _FIXED_ON_ANOTHER_BRANCH:
            continue
        for target in sorted(targets):
            if target == f"{ROOT}.storage.models" or (
                    layer(target) == "storage" and m not in plumbing):
                found.append(f"{m} imports {target}")
    return found


def test_views_reach_storage_only_through_services() -> None:
    """No view imports the models; only the app factory and the request's session plumbing
    import `storage` at all."""
    assert web_storage_offenders() == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: each strongly connected group of modules, as one loop through it
    (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    groups.append(_loop(sorted(group), graph))
    return groups


def _loop(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A path from the group's first module back to itself, inside the group."""
    members = set(group)
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph.get(node, ())):
            if child == start:
                return [*paths[node], start]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    return [start, start]


def test_the_import_graph_has_no_circles() -> None:
    found = [" -> ".join(loop) for loop in cycles(GRAPH)]
    assert found == [], "import circles:\n" + "\n".join(found)


# ---- the checks themselves can fail -----------------------------------------------------


def sample_graph(files: dict[str, str]) -> dict[str, set[str]]:
    known = set(files)
    return {name: imports_of(PACKAGE / Path(*name.split(".")[1:]).with_suffix(".py"),
                             source, known) for name, source in files.items()}


def test_an_import_inside_a_function_counts_and_a_type_checking_one_does_not() -> None:
    graph = sample_graph({
        f"{ROOT}.documents.sample": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from referral_builder.schemas.case import LoadedCase\n"
            "def f():\n    from referral_builder.services import checking\n"),
        f"{ROOT}.services.checking": "",
    })
    assert offenders("documents", {"services", "schemas"}, graph) == [
        f"{ROOT}.documents.sample imports {ROOT}.services.checking"]


def test_a_relative_import_is_resolved() -> None:
    graph = sample_graph({f"{ROOT}.web.sample": "from ..storage import models\n",
                          f"{ROOT}.storage.models": ""})
    assert web_storage_offenders(graph) == [f"{ROOT}.web.sample imports {ROOT}.storage.models"]


def test_a_circle_is_found_and_reported_as_a_loop() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
