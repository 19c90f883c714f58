"""Fail on any import circle inside app/ and on any import from the core up into app/blueprints/.

``make lint`` runs it.  Every module's imports are read with ast, function-local
ones and those under ``if TYPE_CHECKING:`` included (a function-local import is
how a circle hides).  The layers (README, "Architecture tour"):

* the wiring, which may import departments: app/__init__.py, app/web.py,
  app/blueprints/__init__.py, app/schedule.py, app/cli.py, app/cron.py, app/demo/;
* the core: the other app/*.py, app/models/, app/jobs/ — it imports neither a
  department (app/blueprints/...) nor the wiring;
* the departments, app/blueprints/<department>/.

A package importing its own submodules (a blueprint's __init__ importing its
views) is how a package hands names on, not a circle.  Prints each circle and
each upward import, then the two figures; exits 1 when either is above zero.

    python tools/check_imports.py [PROJECT_ROOT]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

WIRING = {"app", "app.web", "app.blueprints", "app.schedule", "app.cli", "app.cron"}


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module under ``root/app``."""
    modules = {}
    for path in sorted((root / "app").rglob("*.py")):
        name = ".".join(path.relative_to(root).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def import_edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the app modules it imports (anywhere in its body), own submodules left out."""

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = resolve(name)
                if target and target != module and target.startswith("app"):
                    targets.add(target)
        edges[module] = {t for t in targets if not t.startswith(module + ".")}
    return edges


def is_wiring(module: str) -> bool:
    return module in WIRING or module == "app.demo" or module.startswith("app.demo.")


def is_core(module: str) -> bool:
    if is_wiring(module):
        return False
    return module.count(".") == 1 or module.startswith(("app.models", "app.jobs"))


def upward_imports(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(core module, department or wiring module it imports)."""
    return sorted(
        (a, b) for a, targets in edges.items() for b in targets
        if is_core(a) and (b.startswith("app.blueprints") or is_wiring(b))
    )


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
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
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
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
    return sorted(found)


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent).resolve()
    edges = import_edges(module_files(root))
    found = circles(edges)
    upward = upward_imports(edges)
    for component in found:
        print("circle:", " -> ".join(component))
    for a, b in upward:
        print("core imports upward:", a, "->", b)
    print(f"{len(found)} import circles, "
          f"{len(upward)} imports from the core up to a department or the wiring")
    return 1 if found or upward else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
