"""The import graph of `src/vlmhyperbench` against the layer order of docs/architecture.md: no module
imports a module of a higher layer, and no modules import each other in a cycle.

The graph is read with `ast` from every `import` statement (those inside functions and `TYPE_CHECKING`
blocks too: a lazy import is still a dependency). `test_an_upward_import_and_a_cycle_are_caught` runs the
same check on a small package written for the purpose, with an upward import and a cycle in it.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "vlmhyperbench"
DOCS = Path(__file__).parents[1] / "docs" / "architecture.md"

# bottom first; a module belongs to the layer of its longest matching prefix and may import only modules
# of its own layer or of the layers below
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("vlmhyperbench", "errors", "registry", "atomic", "writes", "counts", "figures")),
    ("environment", ("env",)),
    ("results", ("results",)),
    ("data", ("data",)),
    ("models", ("models",)),
    ("measurement", ("perf.measurement", "perf.generation", "perf.hooks", "perf.memory", "perf.stats",
                     "perf.timing", "perf.runners", "perf.energy")),
    ("serving", ("serve",)),
    ("engines", ("engines",)),
    ("speed", ("perf", "serve.sweep", "serve.saturation")),
    ("scoring", ("eval",)),
    ("runs", ("runs",)),
    ("tasks", ("tasks", "eval.score_file")),
    ("compare", ("compare",)),
    ("report", ("report",)),
    ("app", ("evaluate", "ab", "env.pytest_plugin")),
    ("cli", ("cli",)),
]  # fmt: skip


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the package's modules it imports (a `from package import submodule` names the submodule)."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the importing module's package upwards
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names}
        graph[name] = {target for target in found if target in files and target != name}
    return graph


def layer_of(module: str, layers: list[tuple[str, tuple[str, ...]]], top: str) -> int:
    """The index of the layer whose prefix matches `module` longest (`top` is the package name)."""
    best, best_length = -1, -1
    for index, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            full = top if prefix == top else f"{top}.{prefix}"
            if (module == full or module.startswith(full + ".")) and len(full) > best_length:
                best, best_length = index, len(full)
    if best < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")
    return best


def upward_imports(
    graph: dict[str, set[str]], layers: list[tuple[str, tuple[str, ...]]], top: str
) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        mine = layer_of(module, layers, top)
        for target in sorted(targets):
            theirs = layer_of(target, layers, top)
            if theirs > mine:
                found.append(f"{module} ({layers[mine][0]}) imports {target} ({layers[theirs][0]})")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_cycles(graph: dict[str, set[str]], top: str) -> list[list[str]]:
    """Cycles between the package's subpackages (`runs` importing `tasks` and `tasks` importing `runs`)."""

    def package(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 else top

    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        packages.setdefault(package(module), set()).update(
            package(t) for t in targets if package(t) != package(module)
        )
    return cycles(packages)


def test_no_module_imports_a_higher_layer() -> None:
    assert upward_imports(import_graph(SRC), LAYERS, "vlmhyperbench") == []


# subpackages whose modules sit in two layers (docs/architecture.md, "Layers"): between them, and only
# between them, the package graph has cycles that the module graph does not
SPLIT_PACKAGE_CYCLES = [
    ["vlmhyperbench.env", "vlmhyperbench.results"],  # env.pytest_plugin is an app; results reads env.cell
    ["vlmhyperbench.engines", "vlmhyperbench.perf", "vlmhyperbench.serve"],  # measurement < engines < speed
    ["vlmhyperbench.eval", "vlmhyperbench.runs"],  # eval.score_file reads answers files, a task's job
]


def test_no_import_cycles_between_modules_or_subpackages() -> None:
    graph = import_graph(SRC)
    assert cycles(graph) == []
    assert package_cycles(graph, "vlmhyperbench") == SPLIT_PACKAGE_CYCLES


def test_the_layer_order_is_the_one_docs_architecture_states() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for number, (name, prefixes) in enumerate(LAYERS, start=1):
        line = f"| {number} | {name} | {', '.join(f'`{p}`' for p in prefixes)} |"
        assert line in text, f"docs/architecture.md lacks the layer row {line}"


def write_package(root: Path, modules: dict[str, str]) -> Path:
    package = root / "toy"
    for name, body in modules.items():
        path = package / f"{name.replace('.', '/')}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return package


def test_an_upward_import_and_a_cycle_are_caught(tmp_path: Path) -> None:
    layers: list[tuple[str, tuple[str, ...]]] = [("low", ("toy", "low")), ("high", ("high",))]
    clean = {
        "__init__": "",
        "low/__init__": "",
        "low/a": "import toy.low.b\n",
        "low/b": "",
        "high/__init__": "from toy.low import a\n",
    }
    graph = import_graph(write_package(tmp_path / "clean", clean))
    assert graph["toy.high"] == {"toy.low.a"} and graph["toy.low.a"] == {"toy.low.b"}
    assert upward_imports(graph, layers, "toy") == [] and cycles(graph) == []

    tangled = {
        **clean,
        "low/b": "def f():\n    from toy.high import __init__\n    from ..high import x\n",
        "high/x": "",
        "low/c": "from toy.low import d\n",
        "low/d": "from . import c\n",
    }
    graph = import_graph(write_package(tmp_path / "tangled", tangled))
    assert upward_imports(graph, layers, "toy") == [
        "toy.low.b (low) imports toy.high (high)",
        "toy.low.b (low) imports toy.high.x (high)",
    ]
    assert cycles(graph) == [["toy.high", "toy.low.a", "toy.low.b"], ["toy.low.c", "toy.low.d"]]
    assert package_cycles(graph, "toy") == [["toy.high", "toy.low"]]


def lines(node: ast.AST) -> int:
    return (getattr(node, "end_lineno", None) or 0) - getattr(node, "lineno", 0) + 1


def test_no_function_of_the_pipeline_or_the_tasks_is_over_80_lines() -> None:
    long = [
        f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({lines(node)} lines)"
        for folder in ("runs", "tasks")
        for path in sorted((SRC / folder).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and lines(node) > 80
    ]
    assert long == []
