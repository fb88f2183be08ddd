"""First-week classes merged across histories (``solver.merge_history``), with counting rows.

Checked against the split model (one class per history, the model before), not against the
merged code itself: the merged LP never lies above the split one (a relaxation, so the bound
still holds for every roster), equals it where the histories are nested (Hall's condition), and
the rosters planned from it pass the independent validator, history included.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest
from roster_helpers import START, CallbackDeadline, tiny_rules

from wfm.exceptions import ConfigError, InfeasibleRosterError
from wfm.lp_status import primal_feasible
from wfm.roster import Rules, schedule, validate
from wfm.roster.aggregate import SCALE, build_aggregate, lp_relaxation, round_lp
from wfm.roster.greedy_plan import class_sizes, greedy_plan
from wfm.roster.settings import SolverSettings
from wfm.roster.stages import build_problem


def _merge(rules: Rules, merge: bool) -> Rules:
    return dataclasses.replace(rules, solver=dataclasses.replace(rules.solver, merge_history=merge))


def _nested_agents() -> pd.DataFrame:
    """Ten full-timers in two skill groups: six a+b agents, of whom three worked six days before
    the horizon (Monday off) and one five; four a-only agents, one of them six days before."""
    runs = [6, 6, 6, 5, 0, 0, 6, 0, 0, 0]
    return pd.DataFrame(
        {
            "agent_id": [f"F{i}" for i in range(len(runs))],
            "contract": ["ft"] * len(runs),
            "shift_lengths_h": ["9"] * len(runs),
            "night_allowed": [True] * len(runs),
            "skills": ["a;b"] * 6 + ["a"] * 4,
            "prev_consecutive_days": runs,
        }
    )


def _monday_heavy(days: int = 7) -> pd.DataFrame:
    """Queue a by day, b in the evening, both doubled on Monday and Tuesday: rested agents are wanted early."""
    rows = []
    for d in range(days):
        factor = 2 if d < 2 else 1
        for h in range(24):
            t = START + pd.Timedelta(days=d, hours=h)
            a = 2 if 7 <= h < 16 else (1 if 16 <= h < 21 else 0)
            b = 2 if 15 <= h < 22 else 0
            rows += [(t, "a", a * factor), (t, "b", b * factor)]
    req = pd.DataFrame(rows, columns=["interval_start", "queue", "agents_scheduled"])
    return req.assign(erlangs=req["agents_scheduled"], agents=req["agents_scheduled"])


def _problem(req: pd.DataFrame, agents: pd.DataFrame, rules: Rules):
    return build_problem(req, agents, rules, lambda m: None, time.perf_counter(), CallbackDeadline())


def _lp(problem) -> float:
    lp = lp_relaxation(problem.model)
    assert lp.status == "OPTIMAL"
    return lp.value / SCALE + problem.model.constant


def _scaled(req: pd.DataFrame, scale: float) -> pd.DataFrame:
    out = req.copy()
    out["agents_scheduled"] = (out["agents_scheduled"] * scale).round().astype(int)
    return out.assign(erlangs=out["agents_scheduled"], agents=out["agents_scheduled"])


def _mixed_agents() -> pd.DataFrame:
    """The nested agents, some also resting after a late shift on the Sunday: masks not nested."""
    agents = _nested_agents()
    agents["prev_shift_end"] = [
        None,
        None,
        None,
        pd.Timestamp("2026-11-30 01:00"),
        pd.Timestamp("2026-11-29 23:30"),
        None,
        None,
        pd.Timestamp("2026-11-30 02:00"),
        None,
        None,
    ]
    return agents


def test_nested_histories_merge_into_one_class_per_group_with_the_split_lp_value() -> None:
    req, agents = _monday_heavy(), _nested_agents()
    split = _problem(req, agents, _merge(tiny_rules(), False))
    merged = _problem(req, agents, _merge(tiny_rules(), True))
    assert split.cat.skill_aware and merged.cat.skill_aware
    assert len(split.cat.classes[0]) == 5 and len(merged.cat.classes[0]) == 2
    sizes = sorted(sorted(n for _, n in cls.history_masks) for cls in merged.cat.classes[0])
    assert sizes == [[1], [1, 3]]  # (a: one six-day agent), (a+b: one five-day, three six-day)
    # Hall's condition for nested masks: the counting rows lose nothing against the split classes
    assert _lp(merged) == pytest.approx(_lp(split), rel=1e-7)
    assert len(merged.model.cost) < len(split.model.cost)


def test_without_the_counting_rows_the_merged_lp_would_be_weaker() -> None:
    # the instance is one where the history matters: the rows carry it, not the class key
    merged = _problem(_monday_heavy(), _nested_agents(), _merge(tiny_rules(), True))
    assert sum(len(masks) for masks in merged.model.history.values()) == 3
    free = [dataclasses.replace(cls, history_masks=[]) for cls in merged.cat.classes[0]]
    loose = build_aggregate(dataclasses.replace(merged.cat, classes=[free] + merged.cat.classes[1:]))
    lp = lp_relaxation(loose)
    assert lp.status == "OPTIMAL"
    assert lp.value / SCALE + loose.constant < _lp(merged) - 1.0


@pytest.mark.parametrize("scale", [0.5, 1.0, 1.5])
def test_mixed_histories_merged_lp_never_above_the_split_one(scale: float) -> None:
    # rest after last week's shift and days worked before: masks that are not nested
    req, agents = _scaled(_monday_heavy(), scale), _mixed_agents()
    split = _lp(_problem(req, agents, _merge(tiny_rules(), False)))
    merged = _lp(_problem(req, agents, _merge(tiny_rules(), True)))
    assert merged <= split + 1e-6 * max(1.0, abs(split))


@pytest.mark.parametrize("make_agents", [_nested_agents, _mixed_agents], ids=["nested", "mixed"])
def test_greedy_plan_meets_every_row_history_included(make_agents) -> None:
    model = _problem(_monday_heavy(), make_agents(), _merge(tiny_rules(), True)).model
    assert model.history
    x = greedy_plan(model)
    plan = round_lp(model, x, class_sizes(model))
    # every row of the model, the history rows among the <= rows, read off the sparse matrices
    assert primal_feasible(
        plan.values.astype(float),
        a_eq=model.a_eq,
        b_eq=model.b_eq,
        a_ub=model.a_ub,
        b_ub=model.b_ub,
        bounds=np.column_stack([model.lower, model.upper]),
    )


def test_pooled_model_keeps_a_class_per_history() -> None:
    # one queue: the pooled model (its dive's history cuts need the split classes)
    req = _monday_heavy()
    req = req.groupby("interval_start", as_index=False)["agents_scheduled"].sum()
    agents = _nested_agents().drop(columns="skills")
    on = build_problem(req, agents, _merge(tiny_rules(), True), lambda m: None, time.perf_counter())
    off = build_problem(req, agents, _merge(tiny_rules(), False), lambda m: None, time.perf_counter())
    assert not on.cat.skill_aware and len(on.cat.classes[0]) == len(off.cat.classes[0]) == 3
    assert not on.model.history and (on.model.a_ub != off.model.a_ub).nnz == 0


@pytest.mark.parametrize("merge", [True, False], ids=["merged", "split"])
def test_rosters_from_merged_classes_are_legal_history_included(merge: bool) -> None:
    agents = _mixed_agents()
    rules = _merge(tiny_rules(), merge)
    res = schedule(_monday_heavy(), agents, rules, time_limit_sec=10, seed=1, targets=CallbackDeadline())
    assert res.diagnostics["skill_aware"] is True
    assert len(validate(res.roster, agents, rules, horizon_start=START, horizon_days=7)) == 0
    monday = res.roster[pd.to_datetime(res.roster["date"]) == START]
    assert not set(monday["agent_id"]) & {"F0", "F1", "F2", "F6"}  # six days before: Monday off
    assert res.summary.lower_bound <= res.summary.objective + 1e-6


def test_merged_and_split_rosters_share_the_bound_on_nested_histories() -> None:
    req, agents = _monday_heavy(), _nested_agents()
    a = schedule(req, agents, _merge(tiny_rules(), True), time_limit_sec=10, seed=1, targets=CallbackDeadline())
    b = schedule(req, agents, _merge(tiny_rules(), False), time_limit_sec=10, seed=1, targets=CallbackDeadline())
    assert a.summary.lower_bound == pytest.approx(b.summary.lower_bound, rel=1e-6)


def test_an_agent_whose_history_leaves_no_week_is_named() -> None:
    # 40 h in 9 h shifts needs five days: six worked before (Monday off) and the weekend unavailable
    agents = _nested_agents()
    agents["unavailable_dates"] = ["2026-12-05;2026-12-06"] + [""] * 9
    with pytest.raises(InfeasibleRosterError, match="F0"):
        schedule(_monday_heavy(), agents, tiny_rules(), time_limit_sec=5, seed=1, targets=CallbackDeadline())


def test_merge_history_setting_is_checked() -> None:
    assert SolverSettings().merge_history is True
    with pytest.raises(ConfigError, match="merge_history"):
        SolverSettings(merge_history="yes")  # type: ignore[arg-type]
    shift = {"length_hours": 8, "earliest_start": "06:00", "latest_start": "14:00", "start_step_minutes": 60}
    data: dict = {
        "rules": {"seats": 5},
        "contracts": {"ft": {"min_hours_week": 8, "max_hours_week": 40, "shifts": [shift]}},
    }
    data["solver"] = {"merge_history": "no"}
    with pytest.raises(ConfigError, match="merge_history"):
        Rules.from_dict(data)
    data["solver"] = {"merge_history": False}
    assert Rules.from_dict(data).solver.merge_history is False
