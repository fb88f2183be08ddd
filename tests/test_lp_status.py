"""Every HiGHS status handled (issue 15): forced statuses never become a diagnosis or a NaN bound.

The solver call is replaced by a wrapper that runs the real HiGHS and then rewrites its answer
to the status under test (scipy's res.status: 1 limit, 2 infeasible, 4 "model_status is Unknown"
or numerical trouble), so each test checks what the roster does with that status, with an
independent check of the outcome: the validator on the roster, and the bound against the true
LP optimum solved without interference.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules
from scipy.optimize import OptimizeResult
from test_roster_breaks import rules_with_breaks

import wfm.lp_status as lp_status
from wfm.exceptions import WFMWarning
from wfm.lp_status import primal_feasible, solve_lp
from wfm.roster import schedule, validate

REAL = scipy.optimize.linprog

# a small LP: min x0 + 2 x1, x0 + x1 = 2, x0 <= 1.5 (optimum x = (1.5, 0.5), value 2.5)
LP = {"A_eq": np.array([[1.0, 1.0]]), "b_eq": np.array([2.0]), "A_ub": np.array([[1.0, 0.0]]), "b_ub": [1.5]}
COST = np.array([1.0, 2.0])
BOUNDS = np.array([[0.0, 10.0], [0.0, 10.0]])


def scripted(*answers):
    """A fake linprog: the i-th call returns answers[i] (a dict of fields, or an exception) -- the last repeats."""
    calls = []

    def fake(c, **kwargs):
        calls.append(kwargs.get("method"))
        answer = answers[min(len(calls) - 1, len(answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        real = REAL(c, **kwargs)
        fields = {"x": real.x, "fun": real.fun, "status": 0, "message": "ok", "eqlin": None, "ineqlin": None}
        fields.update(answer)
        return OptimizeResult(fields)

    fake.calls = calls  # type: ignore[attr-defined]
    return fake


def solve(fake):
    return solve_lp(
        COST, a_eq=LP["A_eq"], b_eq=LP["b_eq"], a_ub=LP["A_ub"], b_ub=LP["b_ub"], bounds=BOUNDS, solver=fake
    )


def test_unknown_then_optimal_on_a_re_solve():
    out = solve(scripted({"status": 4, "message": "model_status is Unknown"}, {}))
    assert out.status == "OPTIMAL" and out.fun == pytest.approx(2.5)
    assert "re-solved" in out.note and len(out.attempts) == 2


def test_unknown_everywhere_keeps_the_checked_feasible_point():
    out = solve(scripted({"status": 4, "message": "model_status is Unknown"}))
    assert out.status == "FEASIBLE"
    assert primal_feasible(out.x, a_eq=LP["A_eq"], b_eq=LP["b_eq"], a_ub=LP["A_ub"], b_ub=LP["b_ub"], bounds=BOUNDS)
    assert "not an optimum" in out.note


def test_an_infeasible_point_is_not_taken_as_feasible():
    out = solve(scripted({"status": 4, "x": np.array([5.0, 5.0]), "message": "numerical trouble"}))
    assert out.status == "FAILED" and "every solve failed" in out.note


def test_infeasible_is_verified_before_it_is_believed():
    out = solve(scripted({"status": 2, "x": None, "message": "infeasible"}, {}))
    assert out.status == "OPTIMAL" and "reported infeasible" in out.note


def test_infeasible_confirmed_by_a_second_method():
    out = solve(scripted({"status": 2, "x": None, "message": "infeasible"}))
    assert out.status == "INFEASIBLE"
    fake = scripted({})
    real = solve_lp(COST, a_eq=LP["A_eq"], b_eq=[20.0 + 1], a_ub=LP["A_ub"], b_ub=LP["b_ub"], bounds=BOUNDS)
    assert real.status == "INFEASIBLE" and fake.calls == []  # really infeasible: HiGHS twice, both say so


def test_solver_exception_is_retried():
    out = solve(scripted(RuntimeError("HiGHS crashed"), {}))
    assert out.status == "OPTIMAL" and "error HiGHS crashed" in out.attempts[0]


def test_time_limit_is_a_limit_not_a_failure():
    out = solve(scripted({"status": 1, "x": None, "message": "time limit"}))
    assert out.status == "LIMIT" and out.x is None


# ----------------------------------------------------------------------------- through schedule()
def first_call(answer):
    """A fake linprog rewriting only the first (stage-2) LP's answer; every later call is real."""
    state = {"n": 0}

    def fake(c, **kwargs):
        state["n"] += 1
        real = REAL(c, **kwargs)
        if state["n"] > 1:
            return real
        fields = dict(real)
        fields.update(answer)
        return OptimizeResult(fields)

    return fake


def every_call(answer):
    def fake(c, **kwargs):
        fields = dict(REAL(c, **kwargs))
        fields.update(answer)
        return OptimizeResult(fields)

    return fake


@pytest.fixture(scope="module")
def clean():
    return schedule(tiny_requirements(7), tiny_agents(), tiny_rules(), time_limit_sec=10, seed=3).as_dict()


def _check(result, rules):
    assert validate(result.roster, tiny_agents(), rules, horizon_start=START, horizon_days=7).empty
    s = result.as_dict()
    assert np.isfinite(s["lower_bound"]) and s["lower_bound"] <= s["objective"] + 1e-6
    return s


UNKNOWN = {"status": 4, "message": "model_status is Unknown (15)", "eqlin": None, "ineqlin": None}


@pytest.mark.parametrize(
    "answer, status, kinds",
    [
        (UNKNOWN, "FEASIBLE", {"box", "cp-sat"}),  # every solve Unknown, primal feasible point kept
        ({**UNKNOWN, "x": None}, "FAILED", {"box", "cp-sat"}),  # no point at all: the box-midpoint plan
    ],
)
def test_forced_status_on_every_lp_still_gives_a_legal_roster(monkeypatch, clean, answer, status, kinds):
    monkeypatch.setattr(lp_status, "linprog", every_call(answer))
    result = schedule(tiny_requirements(7), tiny_agents(), tiny_rules(), time_limit_sec=10, seed=3)
    s = _check(result, tiny_rules())
    assert s["lp_status"] == status and s["lower_bound_kind"] in kinds
    assert s["lower_bound"] <= clean["lp_bound"] + 1e-6  # still a bound: not above the true LP optimum
    assert any("LP:" in w for w in s["warnings"])


def test_forced_unknown_once_is_re_solved(monkeypatch, clean):
    monkeypatch.setattr(lp_status, "linprog", first_call(UNKNOWN))
    s = _check(schedule(tiny_requirements(7), tiny_agents(), tiny_rules(), time_limit_sec=10, seed=3), tiny_rules())
    assert s["lp_status"] == "OPTIMAL" and s["lp_bound"] == pytest.approx(clean["lp_bound"], rel=1e-6)
    assert any("re-solved" in w for w in s["warnings"])


def test_forced_false_infeasible_is_no_diagnosis(monkeypatch, clean):
    monkeypatch.setattr(lp_status, "linprog", first_call({"status": 2, "x": None, "message": "infeasible"}))
    s = _check(schedule(tiny_requirements(7), tiny_agents(), tiny_rules(), time_limit_sec=10, seed=3), tiny_rules())
    assert s["lp_status"] == "OPTIMAL"


def test_forced_unknown_with_breaks(monkeypatch):
    # the case: breaks on, the stage-2 LP "Unknown" with a primal feasible point, no multipliers
    rules = rules_with_breaks()
    monkeypatch.setattr(lp_status, "linprog", every_call(UNKNOWN))
    result = schedule(tiny_requirements(7), tiny_agents(), rules, time_limit_sec=10, seed=3)
    assert validate(
        result.roster, tiny_agents(), rules, horizon_start=START, horizon_days=7, breaks=result.breaks
    ).empty
    s = result.as_dict()
    assert np.isfinite(s["lower_bound"]) and s["lower_bound"] <= s["objective"]
    assert s["lp_status"] == "FEASIBLE"


def test_time_limit_without_a_point_publishes_a_legal_rough_roster_and_says_so(monkeypatch):
    # issue 16: the clock cutting the LP is not an infeasibility, and the nightly job still gets a
    # legal roster (from lp_fallback's box point), flagged as cut, with a warning (exit 1)
    monkeypatch.setattr(lp_status, "linprog", every_call({"status": 1, "x": None, "message": "time limit"}))
    with pytest.warns(WFMWarning, match="stopped at its time limit"):
        result = schedule(tiny_requirements(7), tiny_agents(), tiny_rules(), time_limit_sec=10, seed=3)
    s = _check(result, tiny_rules())
    assert "lp" in s["stages_cut"] and any("rough plan" in w for w in s["warnings"])
