"""Per-agent reporting of a roster (fairness metrics, wishes granted) and the engine's fairness hook."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .fairness import FAIRNESS_METRICS, agent_metrics, balance, distribution
from .preferences import PreferencePricing, granted_counts

__all__ = ["balance_hook", "report_frames", "report_summary"]


def balance_hook(
    cat: Any, state: Any, report: Callable[[str], None], break_plan: Any = None, deadline: float | None = None
) -> tuple[dict, Any]:
    """Coverage-neutral swaps of whole week plans between agents of one contract: for fairness
    when the rules enable it, else (when agents have wishes) only to grant wishes. Each shift
    keeps its breaks (``break_plan`` is relabelled), so coverage net of breaks is unchanged.
    Returns its summary keys and the break plan."""
    settings = cat.rules.fairness
    pricing = PreferencePricing(cat)
    if not settings.enabled and not pricing:
        return {"fairness_enabled": False}, break_plan
    t0 = time.perf_counter()
    coverage_before = state.coverage.copy()
    stats = balance(cat, state, pricing, fairness=settings.enabled, deadline=deadline)
    if (state.coverage != coverage_before).any():  # pragma: no cover - permutations inside a class
        raise AssertionError("the fairness pass changed the coverage")
    if break_plan is not None and len(break_plan.agent):
        break_plan = _relabel_breaks(cat, break_plan, stats.owner)
    sec = time.perf_counter() - t0
    if not settings.enabled:
        report(f"wishes: {stats.moves} agent-week(s) swapped between agents of a contract ({sec:.1f} s)")
        return {
            "fairness_enabled": False,
            "preference_swaps": stats.moves,
            "fairness_stopped_by_time": stats.stopped_by_time,
        }, break_plan
    report(
        f"fairness: {stats.moves} agent-week(s) swapped in {stats.sweeps} sweep(s), "
        f"weighted cost {stats.cost_before:,.0f} -> {stats.cost_after:,.0f}; spread "
        + ", ".join(f"{m} {stats.spread_before[m]:g} -> {stats.spread_after[m]:g}" for m in FAIRNESS_METRICS)
        + f" ({sec:.1f} s)"
    )
    out: dict[str, Any] = {
        "fairness_enabled": True,
        "fairness_objective": settings.objective,
        "fairness_moves": stats.moves,
        "fairness_sweeps": stats.sweeps,
        "fairness_cost_before": round(stats.cost_before, 3),
        "fairness_cost_after": round(stats.cost_after, 3),
        "fairness_sec": round(sec, 2),
        "fairness_stopped_by_time": stats.stopped_by_time,
    }
    for m in FAIRNESS_METRICS:
        out[f"fairness_{m}_spread_before_pass"] = stats.spread_before[m]
    return out, break_plan


def _relabel_breaks(cat: Any, plan: Any, owner: np.ndarray) -> Any:
    """Give each break to the agent who now works its shift."""
    week_of_day = np.concatenate([np.full(n, w) for w, (_, n) in enumerate(cat.grid.weeks)])
    holder = np.empty_like(owner)
    for w in range(owner.shape[1]):
        holder[owner[:, w], w] = np.arange(owner.shape[0])
    return dataclasses.replace(plan, agent=holder[plan.agent, week_of_day[plan.day]])


def report_frames(roster: pd.DataFrame, cat: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(agent summary, fairness distribution) of a roster frame."""
    metrics = agent_metrics(roster, cat.agents, cat.rules, cat.grid.start, cat.grid.n_days)
    granted = granted_counts(roster, cat.agents, cat.grid.start, cat.grid.n_days)
    frame = metrics.merge(granted, on="agent_id", how="left")
    asked = frame["preferences_asked"]
    frame["granted_share"] = (frame["preferences_granted"] / asked.where(asked > 0)).round(4)
    frame["priority"] = [a.preferences.priority for a in cat.agents]
    return frame, distribution(metrics)


def report_summary(agent_summary: pd.DataFrame, fairness: pd.DataFrame) -> dict[str, Any]:
    """Summary keys: wishes asked/granted, and per fairness metric the worst contract's spread."""
    asked = int(agent_summary["preferences_asked"].sum())
    granted = int(agent_summary["preferences_granted"].sum())
    out: dict[str, Any] = {
        "agents_with_preferences": int((agent_summary["preferences_asked"] > 0).sum()),
        "preferences_asked": asked,
        "preferences_granted": granted,
        "preferences_granted_share": round(granted / asked, 4) if asked else None,
    }
    for kind in ("days_off", "start_window", "shift_type"):
        out[f"preferences_{kind}_asked"] = int(agent_summary[f"{kind}_asked"].sum())
        out[f"preferences_{kind}_granted"] = int(agent_summary[f"{kind}_granted"].sum())
    for metric in FAIRNESS_METRICS:
        rows = fairness[fairness["metric"] == metric]
        out[f"fairness_{metric}_spread"] = float(rows["spread"].max()) if len(rows) else 0.0
        out[f"fairness_{metric}_least_spread"] = float(rows["least_spread"].max()) if len(rows) else 0.0
        out[f"fairness_{metric}_max"] = float(rows["max"].max()) if len(rows) else 0.0
        out[f"fairness_{metric}_std"] = float(rows["std"].max()) if len(rows) else 0.0
    return out
