"""Every HiGHS status turned into an outcome the caller can act on (never a diagnosis by accident).

:func:`solve_lp` wraps :func:`scipy.optimize.linprog` (HiGHS). scipy reports HiGHS's model status
as ``res.status``: 0 optimal, 1 time or iteration limit, 2 infeasible, 3 unbounded, 4 anything
else -- numerical trouble, or HiGHS's own "model_status is Unknown" (its status 15), which came
back once *with a primal feasible point* on a week with breaks and was then read as "no legal
roster". Here:

- ``OPTIMAL``: as solved;
- ``LIMIT``: time or iteration limit, the last iterate (if any) and multipliers kept;
- numerical trouble / unknown / unbounded (our models are bounded) / an exception: re-solved with
  other settings (dual simplex without presolve, then interior point without presolve); the first
  optimum wins; otherwise a primal feasible point of any attempt is returned as ``FEASIBLE``
  (checked here against the rows and bounds, not taken on trust), otherwise ``FAILED``;
- ``INFEASIBLE`` only when a second, different method confirms it; if the re-solve finds a point
  the first answer is dropped.

``note`` says in one line what happened when it was not a plain first-time optimum; callers put it
in their summary. ``attempts`` lists each solve's settings and status.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeWarning, linprog

__all__ = ["LPOutcome", "solve_lp", "primal_feasible"]

#: the re-solve settings tried, in order, after an unexpected status (those equal to the first are skipped)
ALTERNATIVES: tuple[dict, ...] = (
    {"method": "highs-ds", "presolve": False},
    {"method": "highs-ipm", "presolve": False},
)


@dataclass
class LPOutcome:
    """What :func:`solve_lp` settled on."""

    status: str  # OPTIMAL, LIMIT, FEASIBLE (a checked primal point, no optimality proof), INFEASIBLE, FAILED
    x: np.ndarray | None
    fun: float  # objective at x (nan without x)
    eq_marginals: np.ndarray | None
    ub_marginals: np.ndarray | None
    message: str
    note: str = ""  # one line for the summary when anything but a first-time optimum happened
    attempts: list[str] = field(default_factory=list)


def primal_feasible(x, *, a_ub=None, b_ub=None, a_eq=None, b_eq=None, bounds=None, tol: float = 1e-6) -> bool:
    """Does ``x`` satisfy the rows and bounds within ``tol`` (scaled by 1 + |rhs|)?"""
    if x is None:
        return False
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        return False
    if a_eq is not None and b_eq is not None:
        b = np.asarray(b_eq, dtype=float)
        if np.any(np.abs(a_eq @ x - b) > tol * (1 + np.abs(b))):
            return False
    if a_ub is not None and b_ub is not None:
        b = np.asarray(b_ub, dtype=float)
        if np.any(a_ub @ x - b > tol * (1 + np.abs(b))):
            return False
    if bounds is not None:
        bnd = np.asarray(bounds, dtype=float)
        if bnd.ndim == 2 and bnd.shape[0] == x.size:
            lo = np.nan_to_num(bnd[:, 0], nan=-np.inf)
            hi = np.nan_to_num(bnd[:, 1], nan=np.inf)
            if np.any(x < lo - tol * (1 + np.abs(np.where(np.isfinite(lo), lo, 0)))) or np.any(
                x > hi + tol * (1 + np.abs(np.where(np.isfinite(hi), hi, 0)))
            ):
                return False
    return True


def _marginals(res, name: str) -> np.ndarray | None:
    part = getattr(res, name, None)
    values = getattr(part, "marginals", None) if part is not None else None
    return None if values is None else np.asarray(values, dtype=float)


def solve_lp(
    c,
    *,
    a_ub=None,
    b_ub=None,
    a_eq=None,
    b_eq=None,
    bounds=None,
    method: str = "highs",
    options: dict | None = None,
    solver: Callable | None = None,
) -> LPOutcome:
    """Solve an LP with HiGHS and handle every status (see the module docstring).

    ``solver`` replaces :func:`scipy.optimize.linprog` (same signature; tests force statuses with it).
    """
    run = linprog if solver is None else solver
    options = dict(options or {})
    rows = {"A_ub": a_ub, "b_ub": b_ub, "A_eq": a_eq, "b_eq": b_eq, "bounds": bounds}
    checks = {"a_ub": a_ub, "b_ub": b_ub, "a_eq": a_eq, "b_eq": b_eq, "bounds": bounds}
    attempts: list[str] = []
    feasible_point = None  # (res, settings) of the first checked primal point of a non-optimal attempt

    def attempt(meth: str, opts: dict):
        label = f"{meth}" + ("" if opts.get("presolve", True) else ", presolve off")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                res = run(c, method=meth, options=opts, **rows)
        except (ValueError, RuntimeError, MemoryError) as exc:  # HiGHS/scipy failures surface as these
            attempts.append(f"{label}: error {exc}")
            return None
        attempts.append(f"{label}: status {res.status} ({res.message})")
        return res

    def outcome(status: str, res, note: str) -> LPOutcome:
        x = None if res is None or getattr(res, "x", None) is None else np.asarray(res.x, dtype=float)
        fun = float(res.fun) if x is not None and getattr(res, "fun", None) is not None else float("nan")
        return LPOutcome(
            status,
            x,
            fun,
            None if res is None else _marginals(res, "eqlin"),
            None if res is None else _marginals(res, "ineqlin"),
            "" if res is None else str(res.message),
            note,
            attempts,
        )

    first = attempt(method, options)
    if first is not None and first.status == 0:
        return outcome("OPTIMAL", first, "")
    if first is not None and first.status == 1:
        return outcome("LIMIT", first, "")
    first_infeasible = first is not None and first.status == 2
    if first is not None and not first_infeasible and primal_feasible(getattr(first, "x", None), **checks):
        feasible_point = first
    alternatives = [a for a in ALTERNATIVES if not (a["method"] == method and not options.get("presolve", True))]
    for alt in alternatives:
        opts = {**options, "presolve": alt["presolve"]}
        res = attempt(alt["method"], opts)
        if res is None:
            continue
        what = "reported infeasible" if first_infeasible else "stopped without an optimum"
        if res.status == 0:
            return outcome("OPTIMAL", res, f"LP: the first solve {what}; re-solved to optimality ({attempts[-1]})")
        if res.status == 2 and first_infeasible:
            return outcome("INFEASIBLE", res, f"LP infeasible, confirmed by a second method ({attempts[-1]})")
        if feasible_point is None and res.status != 2 and primal_feasible(getattr(res, "x", None), **checks):
            feasible_point = res
        if res.status == 1 and feasible_point is None:
            feasible_point = res
    if feasible_point is not None:
        status = "LIMIT" if feasible_point.status == 1 else "FEASIBLE"
        return outcome(
            status,
            feasible_point,
            "LP: no solve proved an optimum; a primal feasible point is used, not an optimum ("
            + "; ".join(attempts)
            + ")",
        )
    if first_infeasible:
        return outcome(
            "FAILED", first, "LP: infeasible once, not confirmed by a re-solve (" + "; ".join(attempts) + ")"
        )
    return outcome("FAILED", first, "LP: every solve failed (" + "; ".join(attempts) + ")")
