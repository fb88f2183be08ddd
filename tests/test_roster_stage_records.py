"""The fairness pass and the repair moves return typed records; the summary keeps its keys and figures.

The expected figures below were recorded from the code before ``fairness.balance`` and
``repair.improve`` returned records (when they returned dicts), on the fairness test's small
instance (``test_roster_preferences``), so the change of type is checked against what users
read in summary.json, not against itself. They were re-recorded once, when the surplus reward
(``wfm.roster.surplus``) changed the objective (30,070 -> 30,020 on this instance), from a run
of the code with both changes, repeated to the same figures.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from roster_helpers import tiny_requirements, tiny_rules
from test_roster_preferences import _fair_agents, _with_wishes

from wfm.roster import schedule
from wfm.roster.fairness import Balance, FairnessSettings
from wfm.roster.repair import Improved

#: the summary keys the fairness pass writes when it runs (``balance_hook``), and those of the repair stage
FAIRNESS_KEYS = {
    "fairness_enabled",
    "fairness_objective",
    "fairness_moves",
    "fairness_sweeps",
    "fairness_cost_before",
    "fairness_cost_after",
    "fairness_sec",
} | {f"fairness_{m}_spread_before_pass" for m in ("weekend_days_worked", "night_shifts", "late_shifts", "short_weeks")}
REPAIR_KEYS = {"repair_passes", "repair_moves", "repair_stopped_by_time", "cycle_moves"}

#: recorded before the change: 14 days, one wish, seed 1, 2 s, one worker
RECORDED_FAIR = {
    "fairness_enabled": True,
    "fairness_objective": "spread",
    "fairness_moves": 13,
    "fairness_sweeps": 2,
    "fairness_cost_before": 1335.0,
    "fairness_cost_after": 1175.0,
    "fairness_weekend_days_worked_spread_before_pass": 3.0,
    "fairness_night_shifts_spread_before_pass": 5.0,
    "fairness_late_shifts_spread_before_pass": 5.0,
    "fairness_short_weeks_spread_before_pass": 0.0,
    "fairness_night_shifts_spread": 5.0,
    "repair_passes": 2,
    "repair_moves": 4,
    "cycle_moves": 0,
    "objective": 30020.0,
    "status": "OPTIMAL",
}
RECORDED_WISHES_ONLY = {
    "fairness_enabled": False,
    "preference_swaps": 0,
    "fairness_night_shifts_spread": 5.0,
    "repair_passes": 2,
    "repair_moves": 4,
    "objective": 30020.0,
}


def _run(enabled: bool):
    rules = dataclasses.replace(tiny_rules(), fairness=FairnessSettings(enabled=enabled))
    agents = _with_wishes(_fair_agents(), {"F1": {"preferred_days_off": "Sun"}})
    return schedule(tiny_requirements(14, scale=1.4), agents, rules, time_limit_sec=2, seed=1, num_workers=1)


def test_summary_keys_and_figures_are_those_recorded_before_the_records():
    fair = _run(True).as_dict()
    assert FAIRNESS_KEYS | REPAIR_KEYS <= set(fair)
    assert {k: fair[k] for k in RECORDED_FAIR} == RECORDED_FAIR
    assert all(type(fair[k]) is type(v) for k, v in RECORDED_FAIR.items())  # ints stay ints in summary.json
    wishes = _run(False).as_dict()
    assert REPAIR_KEYS <= set(wishes) and not (FAIRNESS_KEYS - {"fairness_enabled"}) & set(wishes)
    assert {k: wishes[k] for k in RECORDED_WISHES_ONLY} == RECORDED_WISHES_ONLY


def test_the_records_are_frozen_and_add_up():
    first, second = Improved(2, 5, False), Improved(1, 0, True)
    assert first + second == Improved(3, 5, True)
    assert Improved() == Improved(0, 0, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.moves = 1  # type: ignore[misc]
    record = Balance(0, 1, 0.0, 0.0, {}, {}, np.zeros((1, 1), dtype=np.int64))
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.moves = 2  # type: ignore[misc]
