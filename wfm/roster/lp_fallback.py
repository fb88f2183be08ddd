"""What the roster does when its aggregate LP ends without an optimum (issue 15).

:mod:`wfm.lp_status` already re-solved with other settings and checked any point it returns. What is
left for the roster: a start point for the plan and a lower bound that is never NaN.

- the bound: the Lagrangian bound of the LP's multipliers when HiGHS returned them (valid for any
  multipliers, :func:`~wfm.roster.aggregate.lagrangian_bound`); otherwise the same bound with zero
  multipliers, the least objective over the variables' box (weak but proven; kind ``"box"``);
- the point: the LP's feasible point or last iterate; otherwise (a time limit before the first
  iterate, or every solve failed) the greedy plan of :mod:`wfm.roster.greedy_plan` (whole tours
  and starts, one agent at a time against what is still short), which the assignment and the
  repair then make legal and improve. Its bound is the better of the multipliers' (if any) and
  :func:`~wfm.roster.greedy_plan.least_paid_bound` (kind ``"least-paid-tours"``).
"""

from __future__ import annotations

import numpy as np

from .aggregate import SCALE, AggregateModel, lagrangian_bound, round_lp
from .greedy_plan import class_sizes, greedy_plan, least_paid_bound

__all__ = ["lp_fallback"]


def lp_fallback(
    model: AggregateModel, status: str, x: np.ndarray | None, value: float, kind: str
) -> tuple[np.ndarray, float, str]:
    """(start point, bound in weight units, bound kind) after an LP that ended with ``status`` (not OPTIMAL)."""
    if not np.isfinite(value):
        zero_eq = np.zeros(model.a_eq.shape[0])
        zero_ub = np.zeros(model.a_ub.shape[0])
        value = lagrangian_bound(model, zero_eq, zero_ub) / SCALE + model.constant
        kind = "box"
    if x is None:
        # no point at all: the greedy plan, made whole (breaks spread, under/over filled) by round_lp
        plan = round_lp(model, greedy_plan(model), class_sizes(model))
        assert plan.values is not None  # round_lp always gives values
        x = plan.values.astype(float)
        paid = least_paid_bound(model)
        if np.isfinite(paid) and (kind == "box" or paid > value):
            value, kind = paid, "least-paid-tours"
    return np.asarray(x, dtype=float), float(value), kind
