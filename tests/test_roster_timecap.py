"""Issue 16: the hard deadline cuts the assignment's joint re-plans and the fairness pass, and
the roster left is legal (checked by the validator, not by the engine's own state).

The cut is forced with a deadline already past (not by timing): ``solver.wall_floor_sec = 0``
and a tiny time limit put the hard deadline right after the model build, or the assignment's
``MoveContext.deadline`` is set in the past.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from pathlib import Path

from roster_helpers import tiny_requirements, tiny_rules
from test_roster_preferences import _fair_agents, _with_wishes
from test_roster_stranding import _two_week_trap

from wfm.roster import schedule, validate
from wfm.roster.agents import parse_agents
from wfm.roster.assign import place_week
from wfm.roster.fairness import FairnessSettings
from wfm.roster.result import roster_frame
from wfm.roster.settings import SolverSettings
from wfm.roster.state import MoveContext, RosterState, set_shift
from wfm.roster.tours import build_catalogue, build_grid

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import stranding_instance as si  # noqa: E402


def _stranded_trap(deadline: float | None, **rules_overrides):
    """The two-week trap with leave on the second Thursday-Friday and week one worked Wed-Sun:
    week two can only work Mon-Wed + Sat-Sun, a run of 8 with week one (limit 5)."""
    req, agents, rules = _two_week_trap()
    agents = agents.assign(unavailable_dates="2026-12-10;2026-12-11")
    rules = dataclasses.replace(rules, **rules_overrides)
    cat = build_catalogue(build_grid(req), parse_agents(agents, rules), rules)
    state = RosterState.empty(cat)
    for day in range(2, 7):
        set_shift(cat, state, 0, day, day * 1440 + 8 * 60, 0)
    ctx = MoveContext(cat)
    ctx.deadline = deadline
    return cat, state, ctx, agents, rules


def test_assignment_past_the_deadline_leaves_the_week_for_the_planner() -> None:
    # Without a deadline the joint re-plan of both weeks fixes the trap ...
    cat, state, ctx, agents, rules = _stranded_trap(None)
    assert place_week(ctx, state, 0, 1) >= 2
    assert state.stranded == [] and state.cut == set()
    assert validate(roster_frame(cat, state), agents, rules, horizon_start=si.START, horizon_days=14).empty
    # ... past the deadline no re-plan runs (neither the depth-first search nor the joint CP-SAT
    # model) and no "no legal" is claimed: the week is left empty for the planner, the cut recorded,
    # week one kept as it was, and only the empty week's hours are short (the validator).
    cat, state, ctx, agents, rules = _stranded_trap(time.perf_counter() - 1.0)
    before = state.start.copy()
    assert place_week(ctx, state, 0, 1) == 0
    assert state.stranded == [(0, 1)] and state.cut == {"assign"} and state.repairs == []
    assert (state.start == before).all()
    violations = validate(roster_frame(cat, state), agents, rules, horizon_start=si.START, horizon_days=14)
    assert violations[["rule", "date"]].astype(str).values.tolist() == [["weekly_hours", "2026-12-07"]]


def test_assignment_past_the_deadline_with_a_rule_spanning_weeks() -> None:
    """The same with a rule spanning weeks (the depth-first re-plan reaches back over every week)."""
    # a rule spanning weeks that binds nothing here (two weekends in a two-week cycle)
    spanning = {"cycle_weeks": 2, "max_weekends_worked_per_cycle": 2}
    cat, state, ctx, agents, rules = _stranded_trap(None, **spanning)
    assert place_week(ctx, state, 0, 1) >= 2 and state.stranded == []  # without the clock: re-planned
    cat, state, ctx, agents, rules = _stranded_trap(time.perf_counter() - 1.0, **spanning)
    before = state.start.copy()
    assert place_week(ctx, state, 0, 1) == 0
    assert state.stranded == [(0, 1)] and state.cut == {"assign"}
    assert (state.start == before).all()  # week one as it was
    violations = validate(roster_frame(cat, state), agents, rules, horizon_start=si.START, horizon_days=14)
    assert violations[["rule", "date"]].astype(str).values.tolist() == [["weekly_hours", "2026-12-07"]]


def _fair_run(**solver):
    rules = dataclasses.replace(tiny_rules(), fairness=FairnessSettings(enabled=True), solver=SolverSettings(**solver))
    agents = _with_wishes(_fair_agents(), {"F1": {"preferred_days_off": "Sun"}})
    req = tiny_requirements(14, scale=1.4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        limit = 2 if not solver else 1e-3
        return schedule(req, agents, rules, time_limit_sec=limit, seed=1, num_workers=1), agents, rules


def test_fairness_pass_stops_at_the_hard_deadline_with_a_legal_roster() -> None:
    free, agents, rules = _fair_run()
    assert free.diagnostics["fairness_moves"] > 0  # the pass has work to do on this instance
    assert "fairness" not in free.diagnostics["stages_cut"]
    assert free.diagnostics["fairness_stopped_by_time"] is False
    # A hard deadline right after the build: every clocked stage is cut, the fairness pass too.
    cut, agents, rules = _fair_run(wall_floor_sec=0.0)
    d = cut.diagnostics
    assert "fairness" in d["stages_cut"] and d["fairness_stopped_by_time"] is True
    assert d["fairness_moves"] == 0 and d["fairness_sweeps"] == 1
    assert validate(cut.roster, agents, rules).empty


def test_caller_clock_moves_only_the_hard_deadline() -> None:
    """``clock_start`` (``wfm schedule``: the process start) takes the caller's time before the call
    and the reserve for after it off the hard deadline; the roster is the same (nothing was cut)."""
    from wfm.cli import process_started
    from wfm.roster.stages import OUTSIDE_RESERVE_SHARE

    req, agents, rules = tiny_requirements(7), _fair_agents(), tiny_rules()
    # a 2 s limit: the cap is build + max(1.5 x 2, 2 + the 30 s wall-clock floor) = build + 32 s
    plain = schedule(req, agents, rules, time_limit_sec=2, seed=1, num_workers=1)
    late = schedule(req, agents, rules, time_limit_sec=2, seed=1, num_workers=1, clock_start=time.perf_counter() - 10)
    a, b = plain.as_dict(), late.as_dict()
    assert abs(a["hard_deadline_sec"] - (a["build_sec"] + 32)) < 0.1
    assert abs(b["hard_deadline_sec"] - (b["build_sec"] + 32 - 10 - OUTSIDE_RESERVE_SHARE * 2)) < 0.1
    assert b["stages_cut"] == [] and plain.roster.equals(late.roster)
    assert process_started() <= time.perf_counter()


def test_break_stage_past_the_hard_deadline_places_every_break_and_says_so() -> None:
    """With the hard deadline right after the build, the exact day models are not started (their
    build counts too: issue 16's one overshoot), every shift still gets its breaks from the greedy
    pass, the roster passes the validator, and stages_cut names "breaks"."""
    from wfm.datasets import make_example_agents
    from wfm.roster import load_rules

    rules = load_rules(Path(__file__).resolve().parents[1] / "examples" / "rules.toml")
    agents = make_example_agents(n_full_time=10, n_part_time=2, as_of="2026-11-30")
    req = tiny_requirements(7, scale=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = schedule(req, agents, rules, time_limit_sec=3, seed=1, num_workers=1)
        cut_rules = dataclasses.replace(rules, solver=dataclasses.replace(rules.solver, wall_floor_sec=0.0))
        cut = schedule(req, agents, cut_rules, time_limit_sec=1e-3, seed=1, num_workers=1)
    assert "breaks" not in free.diagnostics["stages_cut"] and free.as_dict()["break_exact_days"] > 0
    d = cut.as_dict()
    assert "breaks" in d["stages_cut"] and d["break_exact_days"] == 0
    # every shift has a break inside it (the validator checks their number, lengths and windows)
    pairs = cut.roster.merge(cut.breaks, on="agent_id")
    inside = pairs[(pairs["break_start"] >= pairs["shift_start"]) & (pairs["break_end"] <= pairs["shift_end"])]
    assert len(inside.drop_duplicates(["agent_id", "shift_start"])) == len(cut.roster) > 0
    assert validate(cut.roster, agents, cut_rules, breaks=cut.breaks).empty
