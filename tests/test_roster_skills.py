"""The skill-aware roster: one-group equivalence, per-queue cover checked by max-flow, bound, backlog, errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

from roster_helpers import START, CallbackDeadline, tiny_agents, tiny_requirements, tiny_rules
from wfm.exceptions import InvalidInputError
from wfm.roster import schedule, validate
from wfm.roster import stages
from wfm.roster.result import roster_frame
from wfm.roster.skill_cover import skill_cover
from wfm.roster.skill_plan import NO_PLANNED_QUEUE
from wfm.roster.skill_pricing import SkillState
from wfm.roster.stages import build_problem
from wfm.roster.state import evaluate_objective

LIMIT = 10


def _two_queue_instance() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queue a peaks in the morning, b in the evening; 5 a-only, 5 b-only and 4 a+b agents."""
    rows = []
    for d in range(7):
        for h in range(24):
            t = START + pd.Timedelta(days=d, hours=h)
            rows.append((t, "a", 3 if 7 <= h < 15 else (1 if 15 <= h < 22 else 0)))
            rows.append((t, "b", 3 if 14 <= h < 22 else (1 if 8 <= h < 14 else 0)))
    req = pd.DataFrame(rows, columns=["interval_start", "queue", "agents_scheduled"])
    agents = pd.DataFrame(
        {
            "agent_id": [f"F{i}" for i in range(14)],
            "contract": ["ft"] * 14,
            "skills": ["a"] * 5 + ["b"] * 5 + ["a;b"] * 4,
        }
    )
    return req, agents


def _max_flow_short(roster: pd.DataFrame, agents: pd.DataFrame, req: pd.DataFrame) -> dict[str, int]:
    """Per queue, heads short over the week, recounted independently: per hour, heads on shift
    per skill set from the roster frame, and a max-flow source -> skill set -> queue -> sink."""
    queues = sorted(req["queue"].unique())
    sets = sorted(set(agents["skills"]))
    set_of = dict(zip(agents["agent_id"], agents["skills"]))
    need = req.pivot_table(index="interval_start", columns="queue", values="agents_scheduled", aggfunc="sum")
    short = {q: 0 for q in queues}
    starts = pd.to_datetime(roster["shift_start"])
    ends = pd.to_datetime(roster["shift_end"])
    for t, row in need.iterrows():
        on = roster.loc[(starts <= t) & (ends >= t + pd.Timedelta(hours=1)), "agent_id"]
        heads = pd.Series([set_of[a] for a in on]).value_counts()
        # nodes: 0 source, 1..S skill sets, S+1..S+Q queues, S+Q+1 sink
        s_n, q_n = len(sets), len(queues)
        sink = s_n + q_n + 1
        cap = np.zeros((sink + 1, sink + 1), dtype=np.int32)
        for i, sk in enumerate(sets):
            cap[0, 1 + i] = int(heads.get(sk, 0))
            for j, q in enumerate(queues):
                if q in sk.split(";"):
                    cap[1 + i, 1 + s_n + j] = 1000
        for j, q in enumerate(queues):
            cap[1 + s_n + j, sink] = int(row[q])
        flow = maximum_flow(sp.csr_matrix(cap), 0, sink).flow.toarray()
        for j, q in enumerate(queues):
            short[q] += int(row[q]) - int(flow[1 + s_n + j, sink])
    return short


def test_one_group_is_exactly_the_pooled_model():
    # Two queues, every agent holding both: the skill-aware path must not change anything.
    rules = tiny_rules()
    pooled = tiny_requirements()
    half = pooled.assign(queue="q1", agents_scheduled=pooled["agents_scheduled"] // 2)
    rest = pooled.assign(queue="q2", agents_scheduled=pooled["agents_scheduled"] - half["agents_scheduled"])
    split = pd.concat([half, rest], ignore_index=True)
    agents = tiny_agents()
    skilled = agents.assign(skills="q1;q2")
    a = build_problem(pooled, agents, rules, lambda m: None, 0.0).model
    b = build_problem(split, skilled, rules, lambda m: None, 0.0).model
    assert b.skill_vars.size == 0
    np.testing.assert_array_equal(a.cost, b.cost)
    np.testing.assert_array_equal(a.b_eq, b.b_eq)
    np.testing.assert_array_equal(a.b_ub, b.b_ub)
    assert (a.a_eq != b.a_eq).nnz == 0 and (a.a_ub != b.a_ub).nnz == 0
    r1 = schedule(pooled, agents, rules, time_limit_sec=LIMIT)
    r2 = schedule(split, skilled, rules, time_limit_sec=LIMIT)
    pd.testing.assert_frame_equal(r1.roster, r2.roster)
    assert r1.summary.objective == r2.summary.objective
    assert r1.summary.lower_bound == r2.summary.lower_bound
    assert r1.queue_coverage is None and r2.queue_coverage is not None
    assert r2.diagnostics["skill_aware"] is False


def test_skill_aware_roster_covers_what_the_skill_blind_one_leaves_short():
    rules = tiny_rules()
    req, agents = _two_queue_instance()
    aware = schedule(req, agents, rules, time_limit_sec=LIMIT)
    assert aware.diagnostics["skill_aware"] is True
    assert len(validate(aware.roster, agents.drop(columns="skills"), rules)) == 0
    pooled = req.groupby("interval_start", as_index=False)["agents_scheduled"].sum()
    blind = schedule(pooled, agents.drop(columns="skills"), rules, time_limit_sec=LIMIT)
    # the pooled count is covered by both rosters ...
    assert int(aware.coverage["under"].sum()) == 0 and int(blind.coverage["under"].sum()) == 0
    # ... but recounted queue by queue (max-flow, not the code under test) only the skill-aware one covers each queue
    short_aware = _max_flow_short(aware.roster, agents, req)
    short_blind = _max_flow_short(blind.roster, agents, req)
    assert short_aware == {"a": 0, "b": 0}
    assert sum(short_blind.values()) > 0
    # the roster's own per-queue coverage agrees with the recount
    got = aware.queue_coverage.groupby("queue")["under"].sum()
    assert got.round(6).to_dict() == {"a": 0.0, "b": 0.0}
    # bound <= objective of the returned roster, and the bound is the skill-aware model's
    assert aware.summary.lower_bound <= aware.summary.objective + 1e-6
    # per group view: heads on shift per skill group add up to the pooled heads
    per_t = aware.group_coverage.groupby("interval_start")["heads"].sum().to_numpy()
    np.testing.assert_array_equal(per_t, aware.coverage["scheduled"].to_numpy())


def test_skills_in_queues_without_work_do_not_split_the_skill_groups():
    # Queue c (a queue of the centre) has no work this week: holding it, at any level, must not
    # split a skill group, so the model and the roster are those of the agents without the c skill.
    rules = tiny_rules()
    req, agents = _two_queue_instance()
    centre = ["a", "b", "c"]
    with_c = agents.assign(skills=["a"] * 3 + ["a;c"] * 2 + ["b"] * 5 + ["a;b"] * 2 + ["a;b;c:2"] * 2)
    plain = build_problem(req, agents, rules, lambda m: None, 0.0, None, centre)
    extra = build_problem(req, with_c, rules, lambda m: None, 0.0, None, centre)
    assert extra.cat.skills is not None and extra.cat.skills.group_names() == ["a", "b", "a+b"]
    a, b = plain.model, extra.model
    assert b.skill_vars.size > 0
    np.testing.assert_array_equal(a.cost, b.cost)
    np.testing.assert_array_equal(a.b_eq, b.b_eq)
    np.testing.assert_array_equal(a.b_ub, b.b_ub)
    assert (a.a_eq != b.a_eq).nnz == 0 and (a.a_ub != b.a_ub).nnz == 0
    r1 = schedule(req, agents, rules, time_limit_sec=LIMIT, queues=centre)
    r2 = schedule(req, with_c, rules, time_limit_sec=LIMIT, queues=centre)
    pd.testing.assert_frame_equal(r1.roster, r2.roster)
    assert r1.summary.objective == r2.summary.objective
    # the views name only the skills that matter; queue c is still listed, with nothing required
    assert set(r2.group_coverage["skill_group"]) == {"a", "b", "a+b"}
    assert r2.queue_coverage.loc[r2.queue_coverage["queue"] == "c", "required"].sum() == 0
    # agents holding none of the queues with work form one group of their own
    only_c = with_c.assign(skills=list(with_c["skills"].iloc[:-1]) + ["c"])
    sk = build_problem(req, only_c, rules, lambda m: None, 0.0, None, centre).cat.skills
    assert sk is not None and sk.group_names() == [NO_PLANNED_QUEUE, "a", "b", "a+b"]
    assert int(sk.group_of[-1]) == 0 and not sk.holds[0].any()


def test_a_queue_short_of_skills_is_short_in_the_roster_and_priced():
    # Only 2 agents hold b but b needs 3 heads every evening: no roster covers it.
    rules = tiny_rules()
    req, agents = _two_queue_instance()
    agents = agents.assign(skills=["a"] * 12 + ["a;b"] * 2)
    res = schedule(req, agents, rules, time_limit_sec=LIMIT)
    short = _max_flow_short(res.roster, agents, req)
    under = res.queue_coverage.groupby("queue")["under"].sum()
    assert short["b"] > 0 and abs(under["b"] - short["b"]) < 1e-6
    assert res.diagnostics["skill_objective"] > 0
    # the aggregate LP prices b's rows where b is short (skills bind in the plan itself)
    qc = res.queue_coverage[res.queue_coverage["queue"] == "b"]
    assert qc.loc[qc["under"] > 0, "plan_price"].max() > 0
    assert res.summary.lower_bound <= res.summary.objective + 1e-6


def test_deferrable_backlog_is_done_within_its_deadline():
    rules = tiny_rules()
    req, agents = _two_queue_instance()
    # callbacks: 2 agent-hours of work arriving at 09:00 and 10:00 each day, done within 4 h
    cb = []
    for d in range(7):
        for h in range(24):
            w = 2.0 if h in (9, 10) else 0.0
            cb.append((START + pd.Timedelta(days=d, hours=h), "cb", w, w, w))
    cbf = pd.DataFrame(cb, columns=["interval_start", "queue", "agents_scheduled", "erlangs", "agents"])
    req = pd.concat(
        [req.assign(erlangs=req["agents_scheduled"], agents=req["agents_scheduled"]), cbf], ignore_index=True
    )
    agents = agents.assign(skills=["a"] * 5 + ["b"] * 5 + ["a;b;cb"] * 4)
    res = schedule(req, agents, rules, time_limit_sec=LIMIT, targets=CallbackDeadline())
    qc = res.queue_coverage[res.queue_coverage["queue"] == "cb"]
    assert qc["under"].sum() == pytest.approx(0.0, abs=1e-6)  # no work past its deadline
    assert qc["required"].sum() == pytest.approx(28.0)
    # independent check: the backlog at the end of each day is empty (work done by day's end)
    end_of_day = qc[pd.to_datetime(qc["interval_start"]).dt.hour == 23]
    assert end_of_day["backlog"].max() == pytest.approx(0.0, abs=1e-6)


def test_bad_skill_inputs_are_clear_errors():
    rules = tiny_rules()
    req, agents = _two_queue_instance()
    with pytest.raises(InvalidInputError, match="F0.*zz|zz.*F0"):
        schedule(req, agents.assign(skills=["zz"] + list(agents["skills"][1:])), rules, time_limit_sec=LIMIT)
    with pytest.raises(InvalidInputError, match="b"):
        schedule(req, agents.assign(skills="a"), rules, time_limit_sec=LIMIT)


def test_skill_lp_out_of_time_falls_back_to_the_pooled_plan(monkeypatch):
    # The skill-aware LP stopping at its time limit (forced here: no iterate, a certified bound)
    # must still give a legal roster: the skill-blind pooled plan, said so in the diagnostics.
    from wfm.roster import aggregate, stages

    real = aggregate.lp_relaxation
    calls = []

    def stopped_when_skill_aware(model, **kw):
        calls.append(bool(model.skill_vars.size))
        res = real(model, **kw)
        if model.skill_vars.size:
            return aggregate.LPResult("LIMIT", float("nan"), None, res.bound, res.wall_sec, res.dual_ub)
        return res

    monkeypatch.setattr(stages, "lp_relaxation", stopped_when_skill_aware)
    rules = tiny_rules()
    req, agents = _two_queue_instance()
    got = schedule(req, agents, rules, time_limit_sec=LIMIT)
    assert calls[0] is True and False in calls  # the skill-aware LP first, then the pooled one
    d = got.diagnostics
    assert d["skill_model"] == "fallback_pooled" and d["skill_aware"] is False
    assert "skill_lp" in d["stages_cut"]
    assert len(d["warnings"]) == 1 and "skill-blind" in d["warnings"][0]
    assert len(validate(got.roster, agents.drop(columns="skills"), rules)) == 0
    # the plan is the skill-blind one, but its moves price each queue's cover: recounted
    # independently by max-flow, no queue is shorter in total than in the skill-blind roster
    monkeypatch.undo()
    pooled = req.groupby("interval_start", as_index=False)["agents_scheduled"].sum()
    blind = schedule(pooled, agents.drop(columns="skills"), rules, time_limit_sec=LIMIT)
    short = _max_flow_short(got.roster, agents, req)
    assert sum(short.values()) <= sum(_max_flow_short(blind.roster, agents, req).values())
    # per-queue figures are still reported, and agree with the recount
    assert got.queue_coverage.groupby("queue")["under"].sum().round(6).to_dict() == {
        q: float(v) for q, v in short.items()
    }
    # the bound still bounds the roster's skill-aware objective
    assert got.summary.lower_bound <= got.summary.objective + 1e-6
    assert got.as_dict()["lower_bound_kind"] in ("pooled-lp", "pooled-lagrangian", "pooled-cp-sat", "lagrangian")


def test_skill_lp_and_the_pooled_fallback_lp_both_out_of_time_still_give_a_legal_roster(monkeypatch):
    # The nightly run on a loaded machine (docs/roster.md, "Time limit and the pooled fallback"):
    # the skill-aware LP stops, then the pooled fallback's own LP stops before a first iterate.
    # The run must still get a legal roster (the greedy plan), a valid bound and say both.
    from wfm.exceptions import WFMWarning
    from wfm.roster import aggregate, stages

    real = aggregate.lp_relaxation
    calls = []

    def every_lp_stopped(model, **kw):
        calls.append(bool(model.skill_vars.size))
        res = real(model, **kw)
        return aggregate.LPResult("LIMIT", float("nan"), None, float("nan"), res.wall_sec, None)

    rules = tiny_rules()
    req, agents = _two_queue_instance()
    pooled = req.groupby("interval_start", as_index=False)["agents_scheduled"].sum()
    true_pooled = schedule(pooled, agents.drop(columns="skills"), rules, time_limit_sec=LIMIT).as_dict()
    monkeypatch.setattr(stages, "lp_relaxation", every_lp_stopped)
    with pytest.warns(WFMWarning, match="greedy plan"):
        got = schedule(req, agents, rules, time_limit_sec=LIMIT)
    assert calls[:2] == [True, False]  # the skill-aware LP, then the pooled fallback's
    d = got.diagnostics
    assert d["skill_model"] == "fallback_pooled" and d["stages_cut"][:2] == ["skill_lp", "lp"]
    assert len(d["warnings"]) == 2 and "skill-blind" in d["warnings"][0] and "greedy plan" in d["warnings"][1]
    assert len(validate(got.roster, agents.drop(columns="skills"), rules)) == 0
    # a bound of the roster's (skill-aware) objective, and of the pooled model's LP optimum
    s = got.as_dict()
    assert np.isfinite(s["lower_bound"]) and s["lower_bound"] <= s["objective"] + 1e-6
    assert s["lower_bound_kind"] in ("pooled-least-paid-tours", "pooled-cp-sat")
    # (CP-SAT's bound of the whole small model is an integer bound: it may pass the LP's, never a roster's)
    top = true_pooled["lp_bound"] if s["lower_bound_kind"] == "pooled-least-paid-tours" else true_pooled["objective"]
    assert s["lower_bound"] <= top + 1e-6
    # per-queue figures still reported, recounted independently by max-flow
    short = _max_flow_short(got.roster, agents, req)
    assert got.queue_coverage.groupby("queue")["under"].sum().round(6).to_dict() == {
        q: float(v) for q, v in short.items()
    }


def test_a_short_time_limit_still_gives_the_skill_lp_the_wall_clock_floor(monkeypatch):
    # Whether the plan is skill-aware must not depend on the machine's load: with a 2 s limit
    # the skill-aware LP's wall clock is half the solver's floor (15 s), not 0.9 x 2 s, which a
    # loaded machine overran (the pipeline's rerun test then published two different rosters);
    # the other half of the floor stays for the pooled fallback.
    from wfm.roster import stages
    from wfm.roster.settings import SolverSettings

    real = stages.lp_relaxation
    limits = []

    def recording(model, **kw):
        if model.skill_vars.size:
            limits.append(kw.get("time_limit"))
        return real(model, **kw)

    monkeypatch.setattr(stages, "lp_relaxation", recording)
    req, agents = _two_queue_instance()
    got = schedule(req, agents, tiny_rules(), time_limit_sec=2)
    floor = SolverSettings().wall_floor_sec
    # hard deadline = build + 2 s + floor: the LP gets floor / 2 and leaves as much to the fallback
    assert len(limits) == 1 and limits[0] == pytest.approx(floor / 2)
    assert got.diagnostics["skill_model"] == "skill_aware" and "skill_lp" not in got.diagnostics["stages_cut"]


def test_the_hard_deadline_is_model_build_plus_one_and_a_half_limits():
    from wfm.roster.stages import HARD_LIMIT_FACTOR, hard_deadline

    assert HARD_LIMIT_FACTOR == 1.5
    assert hard_deadline(10.0, 100.0) == 160.0
    # a short limit keeps the solver's wall-clock floor on top (30 s by default)
    assert hard_deadline(10.0, 5.0, 30.0) == 45.0
    assert hard_deadline(10.0, 100.0, 30.0) == 160.0


def _three_queue_instance(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queues a, b, v peaking at random hours; specialists of each, a+b and a+v generalists."""
    rng = np.random.default_rng(seed)
    peaks = {"a": rng.integers(6, 12), "b": rng.integers(10, 18), "v": rng.integers(8, 16)}
    levels = {"a": 4, "b": 3, "v": 2}
    rows = []
    for d in range(7):
        for h in range(24):
            t = START + pd.Timedelta(days=d, hours=h)
            for q in "abv":
                rows.append((t, q, max(0, levels[q] - abs(h - peaks[q]) // 3) if 6 <= h < 23 else 0))
    req = pd.DataFrame(rows, columns=["interval_start", "queue", "agents_scheduled"])
    sets = ["a"] * 6 + ["b"] * 5 + ["v"] * 3 + ["a;b"] * 4 + ["a;v"] * 2
    agents = pd.DataFrame(
        {"agent_id": [f"F{i}" for i in range(len(sets))], "contract": ["ft"] * len(sets), "skills": sets}
    )
    return req, agents


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_the_repair_moves_keep_every_queue_covered(seed):
    # The rounded LP plan goes through the one-agent-week moves (CP-SAT skipped, as on a large
    # week). Moves priced on the pooled heads alone traded queue cover for pooled cover: gaps of
    # 30-140% on these instances and 12-42 head-hours short on the queues. Priced with the skill
    # term (wfm.roster.skill_pricing) they stay within a few per cent of the skill-aware bound.
    rules = tiny_rules()
    rules = dataclasses.replace(rules, solver=dataclasses.replace(rules.solver, restrict_above_variables=0))
    req, agents = _three_queue_instance(seed)
    result = schedule(req, agents, rules, time_limit_sec=LIMIT)
    assert result.diagnostics["skill_aware"] is True
    assert len(validate(result.roster, agents.drop(columns="skills"), rules)) == 0
    assert result.summary.lower_bound <= result.summary.objective + 1e-6
    assert result.summary.gap < 0.05
    short = _max_flow_short(result.roster, agents, req)  # recounted independently, hour by hour
    assert sum(short.values()) <= 1


def _exact_objective(cat, state) -> float:
    """The roster's pooled objective plus the skill term recounted by the cover model on its frame."""
    under = np.maximum(cat.grid.required - state.coverage, 0)
    cover = skill_cover(cat, roster_frame(cat, state), None, under)
    return (
        evaluate_objective(cat, state)["objective"]
        + float(cover.excess.sum()) * cat.rules.objective.under_segments[0].weight
    )


def test_a_misleading_skill_price_cannot_make_the_repair_worse(monkeypatch):
    # The skill term's price of deferrable work is a proxy, so each repair pass is priced exactly
    # and put back when it did not help. Forced here: the skill marginals are inverted (the moves
    # now seek skill shortfall), and the repair must still leave the exact objective no higher.
    rules = tiny_rules()
    rules = dataclasses.replace(rules, solver=dataclasses.replace(rules.solver, restrict_above_variables=0))
    req, agents = _three_queue_instance(0)
    real_marginals = SkillState.marginals
    monkeypatch.setattr(SkillState, "marginals", lambda self, *a, **k: -3.0 * real_marginals(self, *a, **k))
    seen: list[tuple[float, float]] = []
    real_improve = stages.improve

    def improve(cat, state, **kwargs):
        before = _exact_objective(cat, state)
        out = real_improve(cat, state, **kwargs)
        seen.append((before, _exact_objective(cat, state)))
        return out

    monkeypatch.setattr(stages, "improve", improve)
    messages: list[str] = []
    result = schedule(req, agents, rules, time_limit_sec=LIMIT, progress=messages.append)
    assert seen and all(after <= before + 1e-6 for before, after in seen)
    assert any("pass put back" in m for m in messages)
    assert len(validate(result.roster, agents.drop(columns="skills"), rules)) == 0
