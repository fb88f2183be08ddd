"""Surplus value: what one more agent above the requirement buys, per interval.

Over-staffing costs ``over_weight`` per agent-interval. Left at that, the objective is
indifferent to where surplus agent-intervals sit (a night at twice its requirement costs what
the same surplus at the peak does). This module prices the first agents above the requirement
by their marginal service value, a concave piecewise-linear reward per interval, so the
surplus the roster cannot avoid goes where it buys service:

- ``N_SEGMENTS`` segments above the requirement, each ``SEGMENT_SHARE`` of the interval's
  requirement wide (at least one agent); beyond them surplus earns nothing;
- the value of an agent in segment ``k`` is the caller waiting time it saves: ``calls x
  (ASA(n_k) - ASA(n_k+1))`` per agent, at the interval's pooled load (Erlang C over the
  pooled ``erlangs``, call-weighted ``aht_sec``, net agents = scheduled x the frame's
  ``agents / agents_scheduled``), normalised by the largest value of the horizon and made
  non-increasing along the segments (concave);
- without load columns (``erlangs``, ``calls``, ``aht_sec``) the value falls back to the
  requirement's share of the horizon's largest, halving segment by segment.

The reward of a segment agent is ``value x MAX_REWARD_SHARE x over_weight`` < ``over_weight``:
a surplus agent always costs something (surplus is never sought for itself) and never
trades against under-staffing (every under-staffing weight exceeds ``over_weight`` in the
example, and the reward only lowers an over-staffing cost). The term is a function of each
interval's coverage alone, so any bound over the same coverage variables carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..erlang import asa

__all__ = [
    "SurplusValue",
    "surplus_value",
    "surplus_by_hour",
    "surplus_figures",
    "DAYPARTS",
    "N_SEGMENTS",
    "SEGMENT_SHARE",
    "MAX_REWARD_SHARE",
]

#: segments above the requirement that earn a reward
N_SEGMENTS = 3
#: width of a segment, as a share of the interval's requirement (at least one agent)
SEGMENT_SHARE = 0.03
#: reward of the most valuable surplus agent of the horizon, as a share of ``over_weight``
MAX_REWARD_SHARE = 0.5
#: objective units per weight unit (``wfm.roster.aggregate.SCALE``)
RESOLUTION = 60
#: dayparts of the surplus report, by the interval's clock hour: [first hour, last hour + 1)
DAYPARTS: dict[str, tuple[int, int]] = {"night": (0, 6), "morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24)}
#: the share of requirement an interval may be off and still count as "within"
WITHIN_SHARE = 0.10


@dataclass(frozen=True)
class SurplusValue:
    """Per interval, the widths (agents) and values (0-1, non-increasing) of the reward segments."""

    width: np.ndarray  # (segments, intervals) int64
    value: np.ndarray  # (segments, intervals) float in [0, 1]
    source: str  # "erlang" (from the load) or "requirement" (fallback)

    def rewards(self, over_weight: float) -> np.ndarray:
        """Reward per agent-interval of each segment, in weight units (segments, intervals)."""
        # resolved to 1/60 weight unit, as the aggregate model's integer costs are: the model
        # and the roster's objective price the same reward exactly
        return np.floor(self.value * (MAX_REWARD_SHARE * over_weight) * RESOLUTION + 1e-9) / RESOLUTION

    def remaining(self, base: np.ndarray) -> np.ndarray:
        """Widths left in each segment once ``base`` surplus agents (per interval) fill them in order."""
        top = np.cumsum(self.width, axis=0)
        return np.clip(top - base[None, :], 0, self.width)

    def reward(self, surplus: np.ndarray, over_weight: float) -> float:
        """Total reward of a surplus (agents above requirement, per interval), in weight units."""
        s = np.maximum(np.asarray(surplus, dtype=np.int64), 0)
        used = self.width - self.remaining(s)
        return float((used * self.rewards(over_weight)).sum())

    def next_reward(self, surplus: np.ndarray, over_weight: float) -> np.ndarray:
        """Reward of one more agent per interval at the given surplus (0 beyond the segments)."""
        s = np.maximum(np.asarray(surplus, dtype=np.int64), 0)
        top = np.cumsum(self.width, axis=0)
        k = (top <= s[None, :]).sum(axis=0)
        r = np.vstack([self.rewards(over_weight), np.zeros((1, s.size))])
        return r[k, np.arange(s.size)]


def surplus_value(requirements: pd.DataFrame, row_interval: np.ndarray, required: np.ndarray) -> SurplusValue:
    """The reward segments of a horizon from its requirements frame.

    ``row_interval`` is the grid interval of each frame row, ``required`` the pooled scheduled
    requirement per interval (whole agents).
    """
    n = required.size
    req = required.astype(np.float64)
    width = np.maximum(np.ceil(SEGMENT_SHARE * req), 1).astype(np.int64)
    width = np.repeat(width[None, :], N_SEGMENTS, axis=0)
    cols = ("erlangs", "calls", "aht_sec", "agents", "agents_scheduled")
    if all(c in requirements.columns for c in cols):
        value = _erlang_value(requirements, row_interval, req, width, n)
        if value is not None:
            return SurplusValue(width, value, "erlang")
    top = req.max() if n and req.max() > 0 else 1.0
    value = (req / top)[None, :] / (2.0 ** np.arange(N_SEGMENTS))[:, None]
    return SurplusValue(width, value, "requirement")


def _erlang_value(
    requirements: pd.DataFrame, row_interval: np.ndarray, req: np.ndarray, width: np.ndarray, n: int
) -> np.ndarray | None:
    def pooled(values: np.ndarray) -> np.ndarray:
        v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
        return np.bincount(row_interval, weights=v, minlength=n)[:n]

    calls_raw = pd.to_numeric(requirements["calls"], errors="coerce").to_numpy()
    aht_raw = pd.to_numeric(requirements["aht_sec"], errors="coerce").to_numpy()
    load = pooled(pd.to_numeric(requirements["erlangs"], errors="coerce").to_numpy())
    calls = pooled(calls_raw)
    work = pooled(calls_raw * aht_raw)
    net = pooled(pd.to_numeric(requirements["agents"], errors="coerce").to_numpy())
    gross = pooled(pd.to_numeric(requirements["agents_scheduled"], errors="coerce").to_numpy())
    live = (calls > 0) & (load > 0) & (work > 0) & (gross > 0)
    if not live.any():
        return None
    aht = np.where(live, work / np.where(calls > 0, calls, 1.0), 1.0)
    share = np.where(live, net / np.where(gross > 0, gross, 1.0), 1.0)  # net agents per scheduled agent
    levels = req[None, :] + np.vstack([np.zeros((1, n)), np.cumsum(width, axis=0)])
    agents = np.floor(levels * share[None, :] + 1e-9)
    wait = asa(np.broadcast_to(np.where(live, load, 0.0), agents.shape), agents, np.broadcast_to(aht, agents.shape))
    saved = calls[None, :] * (wait[:-1] - wait[1:]) / width
    finite = np.isfinite(saved)
    if not finite[:, live].any():
        return None
    peak = float(np.max(np.where(finite, saved, 0.0)))
    if peak <= 0:
        return None
    value = np.where(finite, saved, peak) / peak  # an agent that makes an unstable queue stable is worth the most
    value = np.where(live[None, :], np.clip(value, 0.0, 1.0), 0.0)
    return np.minimum.accumulate(value, axis=0)


def _pooled(coverage: pd.DataFrame) -> pd.DataFrame:
    """The pooled rows of a coverage frame (``queue`` "all" when there is a queue column)."""
    if "queue" in coverage.columns and (coverage["queue"] == "pooled").any():
        coverage = coverage[coverage["queue"] == "pooled"]
    return coverage


def surplus_by_hour(coverage: pd.DataFrame, interval_minutes: int | None = None) -> pd.DataFrame:
    """Surplus and shortage by clock hour over the horizon, from a roster's pooled coverage frame.

    Columns: ``hour`` (0-23), ``daypart``, ``required_agent_hours``, ``scheduled_agent_hours``,
    ``over_agent_hours``, ``under_agent_hours``, ``over_share`` (over / required),
    ``intervals``, ``within_10pct_share`` (intervals whose heads are within 10% of the
    requirement, or exactly on it where it is 0).
    """
    cov = _pooled(coverage)
    stamps = pd.to_datetime(cov["interval_start"])
    if interval_minutes is None:
        diffs = np.diff(np.sort(stamps.unique()).astype("datetime64[m]").astype(np.int64))
        interval_minutes = int(diffs[diffs > 0].min()) if (diffs > 0).any() else 60
    hours = interval_minutes / 60
    hour = stamps.dt.hour.to_numpy()
    req = cov["required"].to_numpy(dtype=float)
    sched = cov["scheduled"].to_numpy(dtype=float)
    within = np.abs(sched - req) <= WITHIN_SHARE * req
    frame = pd.DataFrame(
        {
            "hour": hour,
            "required": req * hours,
            "scheduled": sched * hours,
            "over": cov["over"].to_numpy(dtype=float) * hours,
            "under": cov["under"].to_numpy(dtype=float) * hours,
            "within": within.astype(float),
        }
    )
    g = frame.groupby("hour").agg(
        required_agent_hours=("required", "sum"),
        scheduled_agent_hours=("scheduled", "sum"),
        over_agent_hours=("over", "sum"),
        under_agent_hours=("under", "sum"),
        intervals=("within", "size"),
        within_10pct_share=("within", "mean"),
    )
    g = g.reindex(range(24), fill_value=0).reset_index().rename(columns={"index": "hour"})
    g.insert(1, "daypart", [next(n for n, (a, b) in DAYPARTS.items() if a <= h < b) for h in g["hour"]])
    req_h = g["required_agent_hours"].to_numpy()
    g.insert(6, "over_share", np.where(req_h > 0, g["over_agent_hours"] / np.where(req_h > 0, req_h, 1), 0.0))
    g["intervals"] = g["intervals"].astype(np.int64)
    return g


def surplus_figures(coverage: pd.DataFrame, by_hour: pd.DataFrame | None = None) -> dict[str, object]:
    """Summary figures of where the surplus sits: the within-10% share and over-staffing by daypart.

    ``over_share`` per daypart is its over-staffed agent-hours over its required agent-hours;
    ``peak_hours`` are the 4 clock hours with the most required agent-hours, and
    ``over_share_peak_hours`` their over-staffing share (against ``over_share_night``).
    """
    cov = _pooled(coverage)
    req = cov["required"].to_numpy(dtype=float)
    sched = cov["scheduled"].to_numpy(dtype=float)
    by_hour = surplus_by_hour(coverage) if by_hour is None else by_hour
    parts = by_hour.groupby("daypart", sort=False)[["required_agent_hours", "over_agent_hours"]].sum()
    share = {
        f"over_share_{name}": float(row.over_agent_hours / row.required_agent_hours)
        if row.required_agent_hours
        else 0.0
        for name, row in parts.iterrows()
    }
    peak = by_hour.nlargest(4, "required_agent_hours")
    peak_req = float(peak["required_agent_hours"].sum())
    return {
        "within_10pct_share": float(np.mean(np.abs(sched - req) <= WITHIN_SHARE * req)) if len(cov) else 0.0,
        "over_agent_hours": float(by_hour["over_agent_hours"].sum()),
        "over_agent_hours_by_daypart": {str(k): float(v) for k, v in parts["over_agent_hours"].items()},
        **share,
        "peak_hours": sorted(int(h) for h in peak["hour"]),
        "over_share_peak_hours": float(peak["over_agent_hours"].sum() / peak_req) if peak_req else 0.0,
    }
