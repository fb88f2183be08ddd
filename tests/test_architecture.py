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
    "validate_labour": 1,
    "labour_rules": 1,
    "agent_model": 1,  # one agent's days as a CP-SAT model of every labour rule (stranding re-plan, explanation)
    "skill_plan": 1,  # the skills and each queue's requirement on the grid (wfm.skills, wfm.cover)
    "surplus": 1,  # the reward of surplus agents per interval, from the requirement's load (wfm.erlang)
    # 2 the grid and the tour catalogue, with the cycle accounting kept on it (the cycle facts every stage shares)
    "tours": 2,
    "cycle": 2,
    # 3 the roster's state (set/clear shifts, neighbours, a week's options, move pricing) and the result frames
    "state": 3,
    "cycle_mask": 3,  # which tours an agent-week may work given its other weeks (the state's options use it)
    "result": 3,
    "skill_cover": 3,  # a roster's per-queue and per-group coverage (wfm.cover on the roster)
    "skill_pricing": 3,  # the skill term of a move's price, exact per interval (the state's moves use it)
    # 4 the stages: aggregate model, assignment, repair, cycle rows, steering and moves, breaks, fairness and its report
    "aggregate": 4,
    "skill_floor": 4,  # the scarce queues' shortfall floors: the holders' own LP (rows of the skill-aware model)
    "lp_fallback": 4,  # the aggregate LP without an optimum: a start point and a bound that is never NaN
    "greedy_plan": 4,  # a whole aggregate plan without an LP (its LP gave no point) and its least-paid bound
    "legal_bound": 4,  # the bound over every legal agent-week (column generation), opt-in
    "assign": 4,
    "repair": 4,
    "strand": 4,  # one agent's weeks re-planned jointly over week boundaries (CP-SAT), issue 16
    "cycle_rows": 4,  # the aggregate model's rows for the rules spanning weeks, and its hours flow
    "cycle_steer": 4,  # the assignment's cycle trajectories and arc costs
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
# skills, cover, backlog, lp_status, erlang: below the roster
ALLOWED_OUTSIDE = {"exceptions", "frames", "io", "skills", "cover", "backlog", "lp_status", "erlang"}


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


# ---------------------------------------------------------------------------------------------
# Every package of wfm: the same two rules over the whole library (ARCHITECTURE.md, "Layers").

WFM = ROSTER.parent

#: layer of every module and subpackage directly under wfm, bottom (0) to top; from outside, a
#: subpackage is one unit. A module may import its own layer or below.
WFM_LAYERS: dict[str, int] = {
    # 0 the version
    "version": 0,
    # 1 errors, frame checks, files, queueing maths, the exit-code rule, report figures (no wfm imports but errors)
    "exceptions": 1,
    "frames": 1,
    "io": 1,
    "erlang": 1,
    "attention": 1,
    "report_figures": 1,
    # 2 calendars, skills, ACD records, data sets
    "calendar": 2,
    "skills": 2,
    "records": 2,
    "datasets": 2,
    "backlog": 2,  # deferrable work's backlog rows (wfm.cover and the roster's aggregate model)
    "lp_status": 2,  # HiGHS statuses handled: re-solve, checked feasible points, confirmed infeasibility
    # 3 forecast, staffing (forecast -> requirements), sharing a skill group's heads among queues
    "forecast": 3,
    "staffing": 3,
    "cover": 3,
    # 4 the roster, the simulator, the staffing evaluation, the skill checks
    "roster": 4,
    "simulate": 4,
    "evaluate": 4,
    "skill_check": 4,
    # 5 the correction loop, the report, publishing
    "correct": 5,
    "report": 5,
    "publish": 5,
    # 6 the nightly run, 7 the CLI over it, 8 the package's public API and entry point
    "pipeline": 6,
    "cli": 7,
    "__init__": 8,
    "__main__": 8,
}

#: layers inside each subpackage (the roster's is LAYERS above)
PACKAGE_LAYERS: dict[str, dict[str, int]] = {
    "forecast": {
        "metrics": 0,  # accuracy measures
        "frame": 0,  # history -> QueueData / SeriesData, weekday_of
        "models": 1,  # the models (fit_series / predict_days on SeriesData)
        "intraday": 1,  # intraday reforecast
        "backtest": 2,  # rolling-origin tournament
        "special": 2,  # holidays and special days
        "core": 3,  # forecast(): tournament, special days, intervals
        "__init__": 4,
    },
    "publish": {
        "shifts": 0,  # roster frame -> shift rows
        "database": 0,  # the results database
        "excel": 1,
        "ical": 1,
        "__init__": 2,
    },
    "roster": LAYERS,
}


def _wfm_modules() -> dict[tuple[str, ...], ast.Module]:
    """Every module of wfm by its path below wfm without ``.py``: ``("cli",)``, ``("forecast", "core")``."""
    out = {}
    for p in sorted(WFM.rglob("*.py")):
        out[p.relative_to(WFM).with_suffix("").parts] = ast.parse(p.read_text(), filename=str(p))
    return out


def _is_module(parts: list[str]) -> bool:
    path = WFM.joinpath(*parts) if parts else WFM
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _wfm_imports(module: tuple[str, ...], tree: ast.Module) -> list[tuple[ast.stmt, tuple[str, ...], list[str]]]:
    """(node, wfm module imported as its parts below wfm (``()`` = wfm/__init__), names taken from it)."""
    package = list(module[:-1])  # the package the module sits in (for __init__ too: its own package)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "wfm":
                base = node.module.split(".")[1:]
            else:
                continue
            taken = []
            for alias in node.names:
                if _is_module(base + [alias.name]):  # from . import erlang: the module itself
                    out.append((node, tuple(base + [alias.name]), []))
                else:
                    taken.append(alias.name)
            if taken:
                out.append((node, tuple(base), taken))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "wfm":
                    out.append((node, tuple(parts[1:]), []))
    return out


def _layer_problem(module: tuple[str, ...], target: tuple[str, ...]) -> str | None:
    """Why ``module`` may not import ``target`` (None when it may)."""
    unit, target_unit = module[0], (target[0] if target else "__init__")
    if len(module) > 1 and unit == target_unit:  # inside one subpackage
        table = PACKAGE_LAYERS[unit]
        mine, theirs = module[1], (target[1] if len(target) > 1 else "__init__")
        if theirs in table and table[theirs] > table[mine]:
            return f"wfm.{unit}.{mine} (layer {table[mine]}) imports wfm.{unit}.{theirs} (layer {table[theirs]})"
        return None
    if unit == target_unit:
        return None
    if WFM_LAYERS[target_unit] > WFM_LAYERS[unit]:
        return f"{unit} (layer {WFM_LAYERS[unit]}) imports {target_unit} (layer {WFM_LAYERS[target_unit]})"
    return None


def _private_uses(module: tuple[str, ...], tree: ast.Module) -> list[str]:
    """Private names taken from another module, and private attributes of anything but ``self``/``cls``."""
    bad = []
    for node, target, names in _wfm_imports(module, tree):
        for n in names:
            if n.startswith("_") and not n.startswith("__"):
                bad.append(f"line {node.lineno}: imports the private name {n} from wfm.{'.'.join(target)}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = ast.unparse(node.value)
            if owner not in ("self", "cls", "super()"):
                bad.append(f"line {node.lineno}: uses the private name {owner}.{node.attr}")
    return bad


WFM_MODULES = _wfm_modules()


def test_every_wfm_module_has_a_layer():
    units = {m[0] for m in WFM_MODULES}
    assert units == set(WFM_LAYERS), (
        f"declare {sorted(units - set(WFM_LAYERS))}; remove {sorted(set(WFM_LAYERS) - units)}"
    )
    for package, table in PACKAGE_LAYERS.items():
        members = {m[1] for m in WFM_MODULES if len(m) == 2 and m[0] == package}
        assert members == set(table), f"wfm.{package}: declare {sorted(members - set(table))}"
    assert not [m for m in WFM_MODULES if len(m) > 2], "a subpackage inside a subpackage needs its own table"


@pytest.mark.parametrize("module", sorted(WFM_MODULES), ids=".".join)
def test_every_package_imports_downward_only(module):
    bad = []
    for node, target, _ in _wfm_imports(module, WFM_MODULES[module]):
        problem = _layer_problem(module, target)
        if problem:
            bad.append(f"line {node.lineno}: {problem}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module", sorted(WFM_MODULES), ids=".".join)
def test_no_private_name_crosses_modules_anywhere(module):
    bad = _private_uses(module, WFM_MODULES[module])
    assert not bad, "\n".join(bad)


def test_the_package_checks_catch_what_they_are_for():
    """An upward import across units or inside a subpackage, and private names, are each found."""
    frame = ("forecast", "frame")
    upward = ast.parse("from ..pipeline import run\nfrom .core import forecast\nfrom . import models\n")
    found = [_layer_problem(frame, t) for _, t, _ in _wfm_imports(frame, upward)]
    assert found[0] and "pipeline" in found[0] and found[1] and "core" in found[1] and found[2]
    assert [t for _, t, _ in _wfm_imports(frame, upward)] == [
        ("pipeline",),
        ("forecast", "core"),
        ("forecast", "models"),
    ]
    fine = ast.parse("from ..exceptions import InvalidInputError\nfrom .metrics import mae\nimport wfm.frames\n")
    assert all(_layer_problem(frame, t) is None for _, t, _ in _wfm_imports(frame, fine))
    assert _layer_problem(("cli",), ()) and _layer_problem(("publish", "ical"), ())  # wfm/__init__ is the top
    private = ast.parse("from .frame import _weekday\n\ndef f(m):\n    return m._predict_days(), self._ok\n")
    assert len(_private_uses(("forecast", "models"), private)) == 2
