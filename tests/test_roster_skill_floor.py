"""Shortfall floors of scarce skills (wfm.roster.skill_floor): exact where arithmetic gives the
answer, never above the shortfall of a roster (counted here from the roster and breaks frames),
and rows that lift the skill-aware LP without taking it above a roster's objective."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from roster_helpers import START, CallbackDeadline, meal_rules
from wfm.roster import schedule, validate
from wfm.roster.aggregate import SCALE, build_aggregate, lp_relaxation
from wfm.roster.skill_floor import queue_floor, queue_floors, scarce_queues
from wfm.roster.stages import build_problem


def instance(v_heads: int = 2, holders: int = 1, a_only: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queue v needs ``v_heads`` every hour, queue a one; ``holders`` agents hold v and a, ``a_only`` only a."""
    stamps = pd.date_range(START, periods=7 * 24, freq="60min")
    rows = [(t, "v", v_heads) for t in stamps] + [(t, "a", 1) for t in stamps]
    req = pd.DataFrame(rows, columns=["interval_start", "queue", "agents_scheduled"])
    req = req.assign(erlangs=req["agents_scheduled"], agents=req["agents_scheduled"])
    n = holders + a_only
    agents = pd.DataFrame(
        {
            "agent_id": [f"F{i}" for i in range(n)],
            "contract": ["ft"] * n,
            "skills": ["v;a"] * holders + ["a"] * a_only,
        }
    )
    return req, agents


def problem(req, agents, rules):
    return build_problem(req, agents, rules, lambda m: None, 0.0, CallbackDeadline())


def test_floor_is_the_holders_hours_short_of_the_queue():
    # one holder: 5 shifts of 8 hours off the meal, at most 40 of v's 2 x 168 head-hours
    req, agents = instance(2, 1)
    p = problem(req, agents, meal_rules())
    q = p.cat.skills.queues.index("v")
    (scarce,) = [s for s in scarce_queues(p.cat) if s[0] == q]
    assert list(scarce[1]) == [0]
    floor, status = queue_floor(p.cat, q, scarce[1])
    assert status == "OPTIMAL"
    assert floor == 2 * 168 - 5 * 8
    # the problem carries it, and the queue every agent holds gets none
    assert {f.queue: f.floor for f in p.floors} == {q: 296}


def test_floor_counts_the_holders_own_breaks_the_skill_rows_do_not():
    # The skill rows count the holder's head gross of its meal (breaks are counted once, pooled,
    # and twelve a-only agents leave the pooled rows slack), so without the floor the LP covers
    # v for 5 x 9 = 45 of its 168 head-hours; with it for 40: 5 more at the excess's 100 each.
    req, agents = instance(1, 1, a_only=12)
    p = problem(req, agents, meal_rules())
    without = build_aggregate(p.cat)
    with_floor = p.model
    values = []
    for m in (without, with_floor):
        lp = lp_relaxation(m)
        assert lp.status == "OPTIMAL"
        values.append(lp.value / SCALE + m.constant)
    assert values[1] >= values[0] + 5 * 100 - 1e-6
    assert with_floor.a_ub.shape[0] == without.a_ub.shape[0] + 1


def _short_per_queue(result, agents: pd.DataFrame, req: pd.DataFrame, queue: str) -> int:
    """Hours the roster leaves ``queue`` short: its requirement less its holders on the phone (own count)."""
    skills = agents.set_index("agent_id")["skills"].str.split(";")
    holders = {a for a, s in skills.items() if queue in s}
    stamps = pd.DatetimeIndex(sorted(req["interval_start"].unique()))
    t = stamps.to_numpy()
    heads = np.zeros(len(t), dtype=int)
    ro = result.roster[result.roster["agent_id"].isin(holders)]
    for _, s in ro.iterrows():
        on = (t >= s["shift_start"].to_datetime64()) & (t + np.timedelta64(60, "m") <= s["shift_end"].to_datetime64())
        br = result.breaks[
            (result.breaks["agent_id"] == s["agent_id"])
            & (result.breaks["break_start"] >= s["shift_start"])
            & (result.breaks["break_end"] <= s["shift_end"])
        ]
        for _, b in br.iterrows():
            on &= ~(
                (t < b["break_end"].to_datetime64()) & (t + np.timedelta64(60, "m") > b["break_start"].to_datetime64())
            )
        heads += on
    need = req[req["queue"] == queue].set_index("interval_start")["agents_scheduled"].reindex(stamps).to_numpy()
    return int(np.maximum(need - heads, 0).sum())


@pytest.mark.parametrize("holders", [1, 2])
def test_a_roster_is_never_less_short_than_the_floor(holders):
    req, agents = instance(3, holders)
    rules = meal_rules()
    p = problem(req, agents, rules)
    q = p.cat.skills.queues.index("v")
    floors = {f.queue: f.floor for f in queue_floors(p.cat)}
    assert floors[q] == 3 * 168 - holders * 40
    result = schedule(req, agents, rules, time_limit_sec=20, seed=0, targets=CallbackDeadline())
    assert validate(result.roster, agents.drop(columns="skills"), rules, breaks=result.breaks).empty
    assert _short_per_queue(result, agents, req, "v") >= floors[q]
    summary = result.as_dict()
    assert summary["queue_floor"] == {"v": floors[q]}
    assert summary["queue_under"]["v"] >= floors[q]
    assert summary["lower_bound"] <= summary["objective"] + 1e-6


def test_no_floor_without_scarce_skills_or_skills():
    req, agents = instance(2, 1)
    plenty = agents.assign(skills="v;a")  # every agent holds v: the pooled rows already see it
    p = problem(req, plenty, meal_rules())
    assert p.floors == () and scarce_queues(p.cat) == []
    pooled = req.groupby("interval_start", as_index=False)["agents_scheduled"].sum()
    p0 = build_problem(pooled, agents.drop(columns="skills"), meal_rules(), lambda m: None, 0.0)
    assert p0.floors == () and scarce_queues(p0.cat) == []
