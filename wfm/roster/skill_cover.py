"""Per-queue coverage of a finished roster: heads per skill group, allocated to queues by wfm.cover.

The roster's per-queue figures come from re-solving the skill cover model
(:func:`wfm.cover.allocate`) on the final roster's heads per skill group and interval, against
the same whole-head requirement the aggregate model covered (:mod:`wfm.roster.skill_plan`):

- ``queue_coverage``: ``queue, interval_start, required, scheduled, under, over, backlog,
  overdue, price, plan_price`` (``scheduled`` = heads allocated to the queue; ``under`` heads
  short of the requirement on every row, 0 on deferrable queues; deferrable queues: ``required``
  is the work arriving, ``backlog`` the work waiting, ``overdue`` the work past its deadline at
  the end of the interval, late work counting in every interval it stays late, 0 elsewhere:
  :func:`wfm.cover.split_shortfall`; ``price`` the cover model's row price on this roster, heads of shortfall removed per
  extra skilled head; ``plan_price`` the aggregate LP's price of the queue's row, objective
  weight units per extra skilled head: where it is > 0 the skills bind in the plan itself);
- ``group_coverage``: ``skill_group, interval_start, heads`` (heads on shift and not on break);
- the skill excess per interval, ``max(sum_q under[t, q] - pooled under[t], 0)``: heads short
  on some queue beyond what the pooled count is short. In a skill-aware roster the objective
  adds it at the first under-staffing weight, as the aggregate model does (docs/roster.md).

Heads are counted as the roster's coverage counts them: an agent on shift for the whole
interval and on break in no part of it; a previous-week shift running into the horizon counts
whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cover import Cover, allocate, split_shortfall
from .tours import Catalogue

__all__ = ["SkillCover", "skill_cover", "QUEUE_COVERAGE_COLUMNS", "GROUP_COVERAGE_COLUMNS"]

QUEUE_COVERAGE_COLUMNS = (
    "queue",
    "interval_start",
    "required",
    "scheduled",
    "under",
    "over",
    "backlog",
    "overdue",
    "price",
    "plan_price",
)
GROUP_COVERAGE_COLUMNS = ("skill_group", "interval_start", "heads")


@dataclass(frozen=True)
class SkillCover:
    """A roster's per-queue coverage (see the module doc)."""

    queue_coverage: pd.DataFrame
    group_coverage: pd.DataFrame
    cover: Cover
    heads: np.ndarray  # (T, G)
    excess: np.ndarray  # (T,) skill excess, heads

    @property
    def queue_under(self) -> dict[str, float]:
        """Under-staffing per queue over the horizon (head-intervals; 0 for deferrable queues)."""
        frame = self.queue_coverage
        return {str(q): float(v) for q, v in frame.groupby("queue", sort=False)["under"].sum().items()}

    @property
    def queue_overdue(self) -> dict[str, float]:
        """Deferrable queues: work past its deadline summed over the intervals it stays late (agent-intervals)."""
        frame = self.queue_coverage
        late = frame.groupby("queue", sort=False)["overdue"].sum()
        return {str(q): float(v) for q, v in late.items() if v > 0}


def group_heads(cat: Catalogue, roster: pd.DataFrame, breaks: pd.DataFrame | None) -> np.ndarray:
    """Heads on shift and not on break per interval and skill group, counted as the coverage is."""
    assert cat.skills is not None
    grid = cat.grid
    n_t, n_g = grid.n_intervals, cat.skills.n_groups
    step = pd.Timedelta(minutes=grid.interval_minutes)
    pos = {a.agent_id: i for i, a in enumerate(cat.agents)}
    diff = np.zeros((n_t + 1, n_g))

    def add(ids: pd.Series, a: np.ndarray, b: np.ndarray, sign: float) -> None:
        g = cat.skills.group_of[ids.astype(str).map(pos).to_numpy(dtype=np.int64)]  # type: ignore[union-attr]
        a = np.clip(a, 0, n_t).astype(np.int64)
        b = np.clip(b, 0, n_t).astype(np.int64)
        ok = b > a
        np.add.at(diff, (a[ok], g[ok]), sign)
        np.add.at(diff, (b[ok], g[ok]), -sign)

    if len(roster):
        add(
            roster["agent_id"],
            np.ceil((pd.to_datetime(roster["shift_start"]) - grid.start) / step).to_numpy(),
            np.floor((pd.to_datetime(roster["shift_end"]) - grid.start) / step).to_numpy(),
            1.0,
        )
    if breaks is not None and len(breaks):
        # a break takes the agent out of every interval it touches (as the coverage counts it)
        add(
            breaks["agent_id"],
            np.floor((pd.to_datetime(breaks["break_start"]) - grid.start) / step).to_numpy(),
            np.ceil((pd.to_datetime(breaks["break_end"]) - grid.start) / step).to_numpy(),
            -1.0,
        )
    heads = np.cumsum(diff, axis=0)[:n_t]
    minutes = grid.interval_minutes
    for i in np.flatnonzero(cat.prev_end > 0):
        heads[: min(n_t, -(-int(cat.prev_end[i]) // minutes)), int(cat.skills.group_of[i])] += 1
    return np.maximum(heads, 0.0)


def skill_cover(
    cat: Catalogue,
    roster: pd.DataFrame,
    breaks: pd.DataFrame | None,
    pooled_under: np.ndarray,
    plan_price: np.ndarray | None = None,
) -> SkillCover:
    """The per-queue and per-group coverage of a roster (``cat.skills`` must be set)."""
    assert cat.skills is not None
    sk = cat.skills
    heads = group_heads(cat, roster, breaks)
    cover = allocate(heads, sk.required.astype(float), sk.holds, deadline_steps=list(sk.deadline_steps))
    starts = cat.grid.interval_starts()
    n_t, n_q = sk.required.shape
    req = sk.required.astype(float)
    deferrable = sk.deferrable
    over = np.where(deferrable[None, :], 0.0, np.maximum(cover.scheduled - req, 0.0))
    under, overdue = split_shortfall(cover.under, deferrable)
    queues = np.asarray(sk.queues, dtype=object)
    frame = pd.DataFrame(
        {
            "queue": np.repeat(queues, n_t),
            "interval_start": np.tile(starts.to_numpy(), n_q),
            "required": req.T.reshape(-1),
            "scheduled": cover.scheduled.T.reshape(-1).round(6),
            "under": under.T.reshape(-1).round(6),
            "over": over.T.reshape(-1).round(6),
            "backlog": cover.backlog.T.reshape(-1).round(6),
            "overdue": overdue.T.reshape(-1).round(6),
            "price": cover.price.T.reshape(-1).round(6),
            "plan_price": (np.zeros_like(req) if plan_price is None else plan_price).T.reshape(-1).round(6),
        }
    )
    names = np.asarray(sk.group_names(), dtype=object)
    groups = pd.DataFrame(
        {
            "skill_group": np.repeat(names, n_t),
            "interval_start": np.tile(starts.to_numpy(), len(names)),
            "heads": heads.T.reshape(-1).round().astype(np.int64),
        }
    )
    excess = np.maximum(cover.under.sum(axis=1) - np.asarray(pooled_under, dtype=float), 0.0)
    excess[excess < 1e-6] = 0.0
    return SkillCover(frame, groups, cover, heads, excess)
