"""Package structure: no import cycle among PageGold's modules, and ``curation`` never imports ``benchmarks``.

Read from the source with ``ast`` (nothing is imported): an edge A → B for every module-level
``import B`` / ``from B import …`` in A (``from P import m`` counts as P.m when m is a module).
Imports inside functions are deferred on purpose and do not make import-time cycles; they do
count for the curation → benchmarks rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("benchmarks", "curation", "pagegold", "schemas")


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path, name: str, known: dict[str, Path], top_level: bool) -> set[str]:
    """Modules of ours that ``path`` imports (at module level only, or anywhere)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes: list[ast.AST] = []
    if top_level:
        stack = list(tree.body)
        while stack:  # module level, including try/if blocks, but not functions, classes or TYPE_CHECKING
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or _is_type_checking(node):
                continue
            nodes.append(node)
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))
    else:
        nodes = list(ast.walk(tree))
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known)
    return {m for m in found if m in known and m != name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_among_package_modules():
    known = modules()
    graph = {name: imports(path, name, known, top_level=True) for name, path in known.items()}
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_curation_never_imports_benchmarks():
    known = modules()
    offenders = {name: sorted(m for m in imports(path, name, known, top_level=False) if m.split(".")[0] == "benchmarks")
                 for name, path in known.items() if name.split(".")[0] == "curation"}
    assert {k: v for k, v in offenders.items() if v} == {}
