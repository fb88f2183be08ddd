"""The roster package's layers (ARCHITECTURE.md): imports go downward only, never a private name across modules.

The source is parsed with :mod:`ast` (nothing is imported), so the check sees imports inside
functions and under ``TYPE_CHECKING`` as well. The layers are declared once, in ``LAYERS``;
a new roster module must be placed in it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROSTER = Path(__file__).resolve().parents[1] / "wfm" / "roster"

#: layer of every roster module, bottom (0) to top; a module may import its own layer or below.
LAYERS: dict[str, int] = {
    # 0 settings: labour rules, contracts, templates, objective, wishes' and fairness weights, solver tuning
    "settings": 0,
    "rules": 0,
    # 1 inputs: agents and their wishes, history, the rules spanning weeks decidable from the rules,
    #   the independent validator (it must not share the solver's code)
    "preferences": 1,
    "agents": 1,
    "history": 1,
    "cycle_rules": 1,
    "inputs": 1,
    "validate": 1,
    "skill_plan": 1,  # the skills and each queue's requirement on the grid (wfm.skills, wfm.cover)
    # 2 the grid and the tour catalogue, with the cycle accounting kept on it
    "tours": 2,
    "cycle": 2,
    # 3 the roster's state (set/clear shifts, neighbours, a week's options, move pricing) and the result frames
    "state": 3,
    "result": 3,
    "skill_cover": 3,  # a roster's per-queue and per-group coverage (wfm.cover on the roster)
    # 4 the stages: aggregate model, assignment, repair, cycle moves, breaks, fairness and its report
    "aggregate": 4,
    "legal_bound": 4,
    "assign": 4,
    "repair": 4,
    "cycle_moves": 4,
    "breaks": 4,
    "fairness": 4,
    "agent_report": 4,
    # 5 orchestration: the stage runners and the engine
    "stages": 5,
    "engine": 5,
    # 6 explanation on top of the engine, and the public schedule call
    "shortfall": 6,
    "infeasible": 6,
    "diagnose": 6,
    "planner": 6,
    # 7 the package's public API
    "__init__": 7,
}

#: modules of wfm outside the roster that roster modules may import (everything else is above it)
ALLOWED_OUTSIDE = {"exceptions", "frames", "io", "skills", "cover"}  # skills, cover: below the roster


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(), filename=str(p)) for p in sorted(ROSTER.glob("*.py"))}


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of import nodes under ``if TYPE_CHECKING:`` (type-only, never run)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                for inner in ast.walk(sub):
                    out.add(id(inner))
    return out


def _imports(tree: ast.Module) -> list[tuple[ast.stmt, str | None, str | None, list[str]]]:
    """(node, roster module imported or None, wfm module outside the roster or None, names imported)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
            mod = node.module or ""
            if node.level == 1:  # from .x import y / from . import x
                if mod:
                    out.append((node, mod.split(".")[0], None, names))
                else:
                    out.extend((node, n, None, []) for n in names)
            elif node.level == 2:  # from ..x import y
                out.append((node, None, mod.split(".")[0] if mod else "", names))
            elif mod.startswith("wfm.roster."):
                out.append((node, mod.split(".")[2], None, names))
            elif mod == "wfm.roster":
                out.extend((node, n, None, []) for n in names)
            elif mod.startswith("wfm"):
                out.append((node, None, mod.split(".")[1] if "." in mod else "", names))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[:2] == ["wfm", "roster"] and len(parts) > 2:
                    out.append((node, parts[2], None, []))
                elif parts[0] == "wfm" and len(parts) > 1 and parts[1] != "roster":
                    out.append((node, None, parts[1], []))
    return out


MODULES = _modules()


def test_every_roster_module_has_a_layer():
    assert set(MODULES) == set(LAYERS), (
        f"declare the layer of {sorted(set(MODULES) - set(LAYERS))} in LAYERS; "
        f"remove {sorted(set(LAYERS) - set(MODULES))}"
    )


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_downward_only(name):
    bad = []
    for node, target, outside, _ in _imports(MODULES[name]):
        if target is not None and target in LAYERS and LAYERS[target] > LAYERS[name]:
            bad.append(f"line {node.lineno}: {name} (layer {LAYERS[name]}) imports {target} (layer {LAYERS[target]})")
        if outside is not None and outside not in ALLOWED_OUTSIDE:
            bad.append(f"line {node.lineno}: {name} imports wfm.{outside}, above the roster")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_crosses_modules(name):
    tree = MODULES[name]
    bad = []
    imported_modules: set[str] = set()
    for node, target, outside, names in _imports(tree):
        for n in names:
            if n.startswith("_") and not n.startswith("__"):
                bad.append(f"line {node.lineno}: imports the private name {n} from {target or outside}")
        if target is not None and not names:
            imported_modules.add(target)
        if isinstance(node, ast.ImportFrom):
            imported_modules.update(a.asname or a.name for a in node.names if a.name in LAYERS)
    for node in ast.walk(tree):
        # module._name of a sibling module
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported_modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            bad.append(f"line {node.lineno}: uses the private name {node.value.id}.{node.attr}")
        # caches smuggled into other objects' __dict__
        if isinstance(node, ast.Attribute) and node.attr == "__dict__":
            bad.append(f"line {node.lineno}: reaches into an object's __dict__")
    assert not bad, "\n".join(bad)


def test_runtime_imports_have_no_cycle():
    graph: dict[str, set[str]] = {}
    for name, tree in MODULES.items():
        skip = _type_checking_nodes(tree)
        graph[name] = {t for node, t, _, _ in _imports(tree) if t in LAYERS and t != name and id(node) not in skip}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(nxt) :] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_the_engine_does_not_import_the_explanation():
    imported = {t for _, t, _, _ in _imports(MODULES["engine"])} | {t for _, t, _, _ in _imports(MODULES["stages"])}
    assert not imported & {"diagnose", "shortfall", "infeasible", "planner"}


def test_the_checks_catch_what_they_are_for():
    """The checks themselves can fail: an upward import, a private name and a cycle are each found."""
    upward = ast.parse("from .engine import solve\n")
    assert any(LAYERS[t] > LAYERS["state"] for _, t, _, _ in _imports(upward))
    private = ast.parse("from .repair import _BIG\n")
    assert any(n.startswith("_") for _, _, _, names in _imports(private) for n in names)
    function_level = ast.parse("def f():\n    from . import cycle\n")
    assert [t for _, t, _, _ in _imports(function_level)] == ["cycle"]
    guarded = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .tours import Catalogue\n")
    node = next(n for n, _, _, _ in _imports(guarded))
    assert id(node) in _type_checking_nodes(guarded)
