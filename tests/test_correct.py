"""The correction loop (wfm.correct): it lifts simulated service to target where the Erlang
requirement falls short in simulation, never lowers a requirement, stops when raising buys no
service, is deterministic, and rejects bad input.

The instance (tests/correct_helpers.py): two queues with dedicated agents, 1-2 days of
30-minute intervals, a planner that covers the requirement exactly but forgets that every
fourth agent takes a 15-minute break in each interval, so the Erlang requirement is short
in simulation. The independent judge of the corrected plan is a fresh simulation with a
seed the loop never saw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from correct_helpers import agents_frame, instance, planner
from wfm.correct import CORRECTION_COLUMNS, correct_requirements, describe, effective_agents
from wfm import erlang
from wfm.exceptions import InvalidInputError, SolverError
from wfm.simulate import compare_to_plan, simulate
from wfm.staffing import Targets

PER_QUEUE = {"sales": 60, "support": 60}


def _judge_fresh(plan, agents, forecast, targets, seed=4242, replications=40):
    sim = simulate(plan.roster, agents, forecast, targets, breaks=plan.breaks, replications=replications, seed=seed)
    empty = pd.DataFrame({"queue": pd.Series([], dtype=object), "date": pd.Series([], dtype="datetime64[ns]")})
    return compare_to_plan(sim.daily, empty, targets)


@pytest.mark.parametrize("per_queue_coverage", [True, False])
def test_loop_lifts_simulated_service_to_target(per_queue_coverage):
    forecast, targets, req = instance(days=2)
    agents = agents_frame(PER_QUEUE)
    # The Erlang plan misses in simulation (fresh seed): the case the loop is for.
    before = _judge_fresh(planner(PER_QUEUE, per_queue_coverage=per_queue_coverage)(req), agents, forecast, targets)
    assert before["misses"].sum() >= 2
    assert (before.loc[before["queue"] == "sales", "simulated"] < 0.75).all()

    out = correct_requirements(
        req,
        forecast,
        targets,
        agents,
        planner(PER_QUEUE, per_queue_coverage=per_queue_coverage),
        rounds=4,
        replications=20,
        seed=1,
    )
    assert out.summary["stop_reason"] == "converged"
    assert out.summary["queues_missing"] == []
    last = out.rounds.loc[out.rounds["round"] == out.summary["chosen_round"]]
    assert (last["days_missing"] == 0).all() and (last["status"] == "met").all()
    assert out.summary["added_agent_intervals"] > 0
    # Independent: a seed the loop never saw, more replications; every queue-day within 2 points.
    after = _judge_fresh(out.plan, agents, forecast, targets)
    assert not after["misses"].any(), after.to_string()
    assert (after["simulated"] >= after["target"] - 0.02).all()
    # It did not buy service wholesale: added staff is a modest share of the requirement.
    assert out.summary["added_agent_intervals"] < 0.15 * req["agents_scheduled"].sum()


def test_requirements_never_lowered_and_rounds_reported():
    forecast, targets, req = instance(days=1)
    agents = agents_frame(PER_QUEUE)
    plan = planner(PER_QUEUE)
    out = correct_requirements(req, forecast, targets, agents, plan, rounds=3, replications=10, seed=3)
    base = req["agents_scheduled"].to_numpy()
    for frame in plan.calls:  # every requirement the loop planned
        assert (frame["agents_scheduled"].to_numpy() >= base).all()
        assert (frame["agents_added"].to_numpy() == frame["agents_scheduled"].to_numpy() - base).all()
    got = out.requirements
    assert (got["agents_scheduled"].to_numpy() >= base).all()
    assert (got["agents"].to_numpy() == req["agents"].to_numpy()).all()  # the Erlang figure is kept
    assert list(out.rounds.columns) == list(CORRECTION_COLUMNS)
    assert set(out.rounds["queue"]) == {"sales", "support"}
    # Each round's added agent-intervals are the previous round's plus its raise.
    wide = out.rounds.pivot(index="round", columns="queue", values="added_agent_intervals")
    raised = out.rounds.pivot(index="round", columns="queue", values="raise_next")
    assert (wide.diff().iloc[1:].to_numpy() == raised.iloc[:-1].to_numpy()).all()
    assert (wide.diff().iloc[1:].to_numpy() >= 0).all()
    text = describe(out)
    assert text[0].startswith("round 0: sales") and "stopped after" in text[-1]


def test_skill_short_queue_stops_on_no_progress_and_is_named():
    # Only 15 sales agents: raising sales' requirement cannot put more sales agents on.
    per = {"sales": 15, "support": 60}
    forecast, targets, req = instance(days=2)
    agents = agents_frame(per)
    out = correct_requirements(req, forecast, targets, agents, planner(per), rounds=5, replications=10, seed=1)
    assert out.summary["stop_reason"] == "no_progress"
    assert out.summary["rounds_run"] < 5
    assert out.summary["queues_missing"] == ["sales"]
    last = out.rounds.loc[out.rounds["round"] == out.rounds["round"].max()].set_index("queue")
    assert last.at["sales", "status"] == "no_progress"
    assert last.at["support", "days_missing"] == 0  # the queue that could be fixed was
    assert "sales" in describe(out)[-1]


def test_deterministic():
    forecast, targets, req = instance(days=1)
    agents = agents_frame(PER_QUEUE)
    a = correct_requirements(req, forecast, targets, agents, planner(PER_QUEUE), rounds=2, replications=8, seed=5)
    b = correct_requirements(req, forecast, targets, agents, planner(PER_QUEUE), rounds=2, replications=8, seed=5)
    pd.testing.assert_frame_equal(a.rounds, b.rounds)
    pd.testing.assert_frame_equal(a.requirements, b.requirements)
    assert {k: v for k, v in a.summary.items() if not k.endswith("_sec")} == {
        k: v for k, v in b.summary.items() if not k.endswith("_sec")
    }


def test_rounds_zero_only_judges_and_initial_plan_is_used():
    forecast, targets, req = instance(days=1)
    agents = agents_frame(PER_QUEUE)
    plan = planner(PER_QUEUE)
    first = plan(req)
    out = correct_requirements(req, forecast, targets, agents, plan, initial=first, rounds=0, replications=5)
    assert len(plan.calls) == 1  # only the call above: round 0 used the given plan
    assert out.plan is first and out.summary["rounds_run"] == 0
    assert out.summary["stop_reason"] == "round_limit"
    assert (out.requirements["agents_added"] == 0).all()


def test_a_failed_re_plan_keeps_the_rounds_so_far_and_says_why():
    """A solver limit in the first re-plan (a loaded machine) must not lose the night's plan."""
    forecast, targets, req = instance(days=1)
    agents = agents_frame(PER_QUEUE)
    inner = planner(PER_QUEUE)
    made = []

    def plan(frame):
        if len(made) == 1:
            raise SolverError("the aggregate model's LP stopped with status LIMIT without a solution")
        made.append(inner(frame))
        return made[-1]

    out = correct_requirements(req, forecast, targets, agents, plan, rounds=4, replications=5, seed=1)
    assert out.summary["stop_reason"] == "plan_failed" and "LIMIT" in out.summary["plan_failure"]
    assert out.summary["rounds_run"] == 0 and out.summary["chosen_round"] == 0 and out.plan is made[0]
    assert (out.requirements["agents_added"] == 0).all()  # the requirement of the plan published
    assert out.rounds["round"].unique().tolist() == [0] and out.rounds["days_missing"].sum() > 0
    assert (out.rounds["raise_next"] == 0).all() and set(out.rounds["status"]) <= {"met", "not_raised"}
    assert "round 1's re-plan gave no usable roster" in describe(out)[-1] and "LIMIT" in describe(out)[-1]

    # the first plan failing is the caller's to handle: there is nothing to fall back on
    def never(frame):
        raise SolverError("no roster")

    with pytest.raises(SolverError, match="no roster"):
        correct_requirements(req, forecast, targets, agents, never, rounds=2, replications=5, seed=1)


def test_effective_agents_inverts_the_erlang_curve():
    # Exact: the curve at n agents, fed back, gives n (C and A, SL and ASA).
    a = np.array([8.0, 20.0, 3.0])
    h = np.array([240.0, 180.0, 300.0])
    n = np.array([11.0, 24.0, 5.0])
    top = np.array([15.0, 30.0, 9.0])
    c = Targets(service_level=0.8, answer_sec=20)
    sl = erlang.service_level(a, n, h, 20.0)
    assert np.allclose(effective_agents("service_level", c, a, h, sl, top), n, atol=1e-6)
    asa = erlang.asa(a, n, h)
    assert np.allclose(effective_agents("asa_sec", c, a, h, asa, top), n, atol=1e-6)
    ea = Targets(service_level=0.8, answer_sec=20, patience_sec=200)
    sla = erlang.erlang_a(a, n, h, 200.0, 20.0).service_level
    assert np.allclose(effective_agents("service_level", ea, a, h, sla, top), n, atol=1e-6)
    # Between whole agents: between them; clipped to [0, available].
    mid = (erlang.service_level(a, n, h, 20.0) + erlang.service_level(a, n + 1, h, 20.0)) / 2
    got = effective_agents("service_level", c, a, h, mid, top)
    assert ((got > n) & (got < n + 1)).all()
    assert (effective_agents("service_level", c, a, h, np.ones(3), top) == top).all()
    assert (effective_agents("service_level", c, a, h, np.zeros(3), top) <= np.ceil(a)).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rounds": -1}, "rounds must be a whole number >= 0, got -1"),
        ({"rounds": 1.5}, "rounds must be a whole number"),
        ({"replications": 0}, "replications must be a whole number >= 1"),
        ({"damping": 0.0}, r"damping must be in \(0, 1\], got 0.0"),
        ({"damping": 1.5}, "damping must be in"),
        ({"tolerance": -0.1}, "tolerance must be in"),
        ({"max_step_share": 0}, "max_step_share must be in"),
        ({"min_progress": float("nan")}, "min_progress must be a finite number"),
        ({"simulate_options": {"seed": 3}}, "simulate_options must not set seed"),
        ({"plan": "schedule"}, "plan must be a callable"),
        ({"plan": lambda r: object()}, "the plan must have roster, breaks and coverage frames"),
    ],
)
def test_bad_input(kwargs, match):
    forecast, targets, req = instance(days=1)
    agents = agents_frame(PER_QUEUE)
    args = {"plan": planner(PER_QUEUE), **kwargs}
    plan = args.pop("plan")
    with pytest.raises(InvalidInputError, match=match):
        correct_requirements(req, forecast, targets, agents, plan, **args)


def test_bad_requirements_frame():
    forecast, targets, req = instance(days=1)
    agents = agents_frame(PER_QUEUE)
    with pytest.raises(InvalidInputError, match="agents_scheduled"):
        correct_requirements(req.drop(columns=["agents_scheduled"]), forecast, targets, agents, planner(PER_QUEUE))
    with pytest.raises(InvalidInputError, match="at least one row"):
        correct_requirements(req.iloc[:0], forecast, targets, agents, planner(PER_QUEUE))
    bad = req.assign(agents_scheduled=req["agents_scheduled"] - 100)
    with pytest.raises(InvalidInputError, match="whole numbers >= 0"):
        correct_requirements(bad, forecast, targets, agents, planner(PER_QUEUE))


def test_deferrable_queue_is_judged_by_its_deadline_and_raised_when_late():
    # support as deferrable work with a 5-minute deadline, sized by workload only: the breaks the
    # planner forgets make it late; the loop must read the within_deadline metric and raise it.
    forecast, _, _ = instance(days=1)
    from wfm.staffing import TargetSet, requirements

    targets = TargetSet(
        Targets(service_level=0.8, answer_sec=20, shrinkage=0.2),
        {"support": Targets(service_level=None, answer_sec=None, deadline_sec=300.0, shrinkage=0.2)},
    )
    req = requirements(forecast, targets)
    agents = agents_frame(PER_QUEUE)
    out = correct_requirements(req, forecast, targets, agents, planner(PER_QUEUE), rounds=3, replications=10, seed=2)
    rounds = out.rounds.set_index(["round", "queue"])
    assert rounds.loc[(0, "support"), "metric"] == "within_deadline"
    assert rounds.loc[(0, "support"), "target"] == 1.0
    first = rounds.loc[(0, "support"), "simulated"]
    assert first < 0.98  # late at the workload requirement
    best = out.rounds.loc[out.rounds["queue"] == "support", "simulated"].max()
    assert best > first
    chosen = out.requirements.loc[out.requirements["queue"] == "support"]
    assert (chosen["agents_added"] >= 0).all() and chosen["agents_added"].sum() > 0
    assert any("within the deadline" in line for line in describe(out))


def test_a_re_plan_without_a_roster_keeps_the_best_round_so_far():
    # A nightly run on a loaded machine: the first re-plan raises SolverError (no usable roster).
    # The loop must not fail: it keeps round 0's plan, applies no raise, and warns once.
    from wfm.exceptions import SolverError, WFMWarning

    forecast, targets, req = instance(days=1)
    agents = agents_frame(PER_QUEUE)
    real = planner(PER_QUEUE)
    first = real(req)
    calls = []

    def failing(frame):
        calls.append(frame)
        raise SolverError("the aggregate model's LP stopped with status LIMIT after 25 s without a solution")

    with pytest.warns(WFMWarning, match="round 1's re-plan gave no usable roster.*LIMIT.*plan of round 0 is kept"):
        out = correct_requirements(req, forecast, targets, agents, failing, initial=first, rounds=3, replications=8)
    assert len(calls) == 1  # one attempt, no retry into the same failure
    assert out.plan is first and out.summary["chosen_round"] == 0 and out.summary["rounds_run"] == 0
    assert out.summary["stop_reason"] == "plan_failed" and "LIMIT" in out.summary["plan_failed"]
    assert (out.requirements["agents_added"] == 0).all()  # the failed round's raise is not kept
    assert (out.rounds["raise_next"] == 0).all() and "raised" not in set(out.rounds["status"])
    # the round judged is the same one the loop would judge without the failure (round 0 of a normal run)
    ok = correct_requirements(req, forecast, targets, agents, real, initial=first, rounds=0, replications=8)
    assert out.rounds.drop(columns=["raise_next", "status"]).equals(ok.rounds.drop(columns=["raise_next", "status"]))
    assert "no usable roster" in describe(out)[-1]
