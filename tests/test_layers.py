"""The package's layers: no import upward, no import loop, no private name of another module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"
#: Lower numbers are lower layers; a module may import from its own layer and lower ones.
LAYERS = {
    "errors": 0, "schema": 0, "tables": 0, "runtime": 0, "version": 0,
    "io": 1, "pipeline": 2, "graph": 3, "outputs": 4, "engines": 5,
    "build": 6, "evaluate": 7, "gold": 7, "cli": 8, "__init__": 9,
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(KG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 else LAYERS["__init__"]


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every kg import in a file, lazy ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kg":
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names if a.name.split(".")[0] == "kg")
    return found


MODULES = {module_name(p): p for p in sorted(KG.rglob("*.py"))}


def test_every_module_has_a_layer():
    assert MODULES and all(layer(m) >= 0 for m in MODULES)


def test_layer_rule_is_enforced_on_a_known_upward_import():
    # the check itself: graph (3) importing build (6) would be upward
    assert layer("kg.build") > layer("kg.graph.assemble")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_upward(module):
    for target, _ in imports(MODULES[module]):
        assert layer(target) <= layer(module), f"{module} imports {target} from a layer above"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_names_of_another_module(module):
    for target, names in imports(MODULES[module]):
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{module} imports private {private} from {target}"


def test_no_import_loop():
    graph = {
        m: {t if t in MODULES else t.rsplit(".", 1)[0] for t, _ in imports(p)} - {m}
        for m, p in MODULES.items()
    }

    def loop_from(start: str) -> list[str] | None:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*path, nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    loops = [loop for m in MODULES if (loop := loop_from(m)) and m != "kg"]
    assert not loops, f"import loops: {loops[:3]}"
