"""The roster result: frames built from the solver state, the planner's summary and the diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .settings import FAIRNESS_METRICS
from .state import RosterState
from .tours import Catalogue

__all__ = [
    "RosterResult",
    "RosterSummary",
    "ROSTER_COLUMNS",
    "BREAK_COLUMNS",
    "COVERAGE_COLUMNS",
    "roster_frame",
    "coverage_frame",
]

ROSTER_COLUMNS = ("agent_id", "date", "shift_start", "shift_end", "paid_hours", "shift_type")
BREAK_COLUMNS = ("agent_id", "break_start", "break_end", "kind", "paid")
COVERAGE_COLUMNS = ("interval_start", "queue", "required", "scheduled", "under", "over")


@dataclass(frozen=True)
class RosterSummary:
    """The figures a planner reads off a roster (docs/roster.md, "Summary").

    ``objective`` is coverage + wishes in the objective's weight units; ``lower_bound`` bounds
    it from below (``lower_bound_kind``: "lp", "lagrangian" or "cp-sat") and ``gap`` =
    (objective - lower_bound) / lower_bound (None when the bound is not positive: no
    gap is proven then); ``status`` is "OPTIMAL" when the gap is ~0, else
    "FEASIBLE". Coverage figures are net of breaks. ``fairness_spread`` is, per fairness metric,
    the worst contract's max - min over the agents who can work it.
    """

    status: str
    objective: float
    lower_bound: float
    lower_bound_kind: str
    gap: float | None
    coverage_objective: float
    coverage_gap: float | None
    preference_objective: float
    required_agent_intervals: int
    under_agent_intervals: int
    over_agent_intervals: int
    under_share: float
    within_10pct_share: float
    paid_hours: float
    peak_seats_used: int
    seats: int
    agents: int
    shifts: int
    days: int
    interval_minutes: int
    breaks: int
    preferences_asked: int
    preferences_granted: int
    preferences_granted_share: float | None
    fairness_spread: Mapping[str, float]

    def as_dict(self) -> dict[str, Any]:
        """The figures under their summary.json keys (``fairness_spread`` as ``fairness_<metric>_spread``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "fairness_spread"}
        out.update({f"fairness_{metric}_spread": value for metric, value in self.fairness_spread.items()})
        return out

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The flat summary keys these figures take (the fairness spreads excepted)."""
        return tuple(f.name for f in fields(cls) if f.name != "fairness_spread")


@dataclass(frozen=True, eq=False)
class RosterResult:
    """What :func:`wfm.roster.schedule` returns.

    Attributes
    ----------
    roster
        One row per shift: ``agent_id, date, shift_start, shift_end, paid_hours, shift_type`` (a
        shift crossing midnight belongs to the ``date`` it starts; paid hours exclude unpaid
        breaks; ``shift_type`` is the rules' ``[shift_types]`` name of its start time).
    breaks
        ``agent_id, break_start, break_end, kind, paid``; empty when no shift template has breaks.
    coverage
        Per interval: ``interval_start, queue, required, scheduled, under, over``; ``queue`` is
        ``"pooled"``. ``scheduled`` counts agents on shift and not on break, carry-in from
        previous-week shifts included (their breaks are unknown, so they count whole).
    summary
        The planner's figures (:class:`RosterSummary`): status, objective, lower bound and gap,
        under/over, within-10% share, paid hours, peak seats, wishes granted, fairness spread.
    diagnostics
        Everything else, read-only: the stages' figures (aggregate status and bound, plan used,
        repair and break moves, fairness pass), timings and the run's settings (docs/roster.md).
    agent_summary
        One row per agent: ``agent_id, contract, night_allowed, paid_hours, shifts,
        weekend_days_worked, night_shifts, late_shifts, short_weeks``, the asked/granted split
        per wish kind (``days_off_*``, ``start_window_*``, ``shift_type_*``),
        ``preferences_asked, preferences_granted, granted_share`` (empty when nothing was
        asked) and ``priority``;
        see :mod:`wfm.roster.fairness` and :mod:`wfm.roster.preferences`.
    fairness
        The distribution of each fairness metric per contract over the agents who can work it:
        ``metric, contract, agents, min, max, mean, std, spread, least_spread``.
    queue_coverage
        Per queue and interval (None when the requirements have no ``queue`` column):
        ``queue, interval_start, required, scheduled, under, over, backlog, overdue, price,
        plan_price``, where ``scheduled`` is the heads allocated to the queue by the skill cover
        model (:func:`wfm.cover.allocate`) re-solved on this roster, net of breaks, ``required``
        the queue's whole-head requirement and ``under`` heads short (deferrable queues: work
        arriving, ``under`` 0, ``overdue`` = work past its deadline); see
        :mod:`wfm.roster.skill_cover`. ``coverage`` keeps the pooled rows.
    group_coverage
        Per skill group and interval: ``skill_group, interval_start, heads`` (on shift, not on
        break); None without a ``queue`` column.
    """

    roster: pd.DataFrame
    breaks: pd.DataFrame
    coverage: pd.DataFrame
    summary: RosterSummary
    diagnostics: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    agent_summary: pd.DataFrame | None = None
    fairness: pd.DataFrame | None = None
    queue_coverage: pd.DataFrame | None = None
    group_coverage: pd.DataFrame | None = None

    @classmethod
    def from_figures(
        cls,
        roster: pd.DataFrame,
        breaks: pd.DataFrame,
        coverage: pd.DataFrame,
        figures: Mapping[str, Any],
        *,
        agent_summary: pd.DataFrame | None = None,
        fairness: pd.DataFrame | None = None,
        queue_coverage: pd.DataFrame | None = None,
        group_coverage: pd.DataFrame | None = None,
    ) -> RosterResult:
        """Split a flat mapping of figures (summary.json's keys) into the summary and the diagnostics."""
        keys = set(RosterSummary.keys())
        spread = {
            m: float(figures[f"fairness_{m}_spread"]) for m in FAIRNESS_METRICS if f"fairness_{m}_spread" in figures
        }
        summary = RosterSummary(**{k: figures[k] for k in keys}, fairness_spread=spread)
        taken = keys | {f"fairness_{m}_spread" for m in spread}
        rest = {k: v for k, v in figures.items() if k not in taken}
        return cls(
            roster,
            breaks,
            coverage,
            summary,
            MappingProxyType(rest),
            agent_summary,
            fairness,
            queue_coverage,
            group_coverage,
        )

    def as_dict(self) -> dict[str, Any]:
        """Summary and diagnostics in one flat dict: the roster part of summary.json, ``wfm schedule --summary``."""
        return {**self.summary.as_dict(), **self.diagnostics}


def roster_frame(cat: Catalogue, state: RosterState) -> pd.DataFrame:
    """The roster frame, ordered by agent (input order) and date."""
    agent_idx, day = np.nonzero(state.start >= 0)
    starts = state.start[agent_idx, day]
    lengths = np.array([t.template.length_minutes for t in cat.templates], dtype=np.int64)
    paid = np.array([t.template.paid_minutes for t in cat.templates], dtype=np.int64)
    ends = starts + lengths[state.template[agent_idx, day]]
    origin = cat.grid.start
    ids = np.array([a.agent_id for a in cat.agents], dtype=object)
    return pd.DataFrame(
        {
            "agent_id": pd.Series(ids[agent_idx], dtype="string" if len(agent_idx) else object),
            "date": pd.to_datetime(origin + pd.to_timedelta(day, unit="D")).normalize()
            if len(day)
            else pd.Series([], dtype="datetime64[ns]"),
            "shift_start": origin + pd.to_timedelta(starts, unit="min"),
            "shift_end": origin + pd.to_timedelta(ends, unit="min"),
            # shift length minus unpaid breaks (the template's unpaid_minutes)
            "paid_hours": paid[state.template[agent_idx, day]] / 60.0,
            # the rules' [shift_types] name of the start's clock time ("" when no type contains it)
            "shift_type": pd.Series(_type_names(cat)[starts % (24 * 60)], dtype="string"),
        }
    ).reset_index(drop=True)


def _type_names(cat: Catalogue) -> np.ndarray:
    """Shift type name per clock minute of a start."""
    names = np.array([""] + [t.name for t in cat.rules.shift_types], dtype=object)
    return names[np.array([cat.rules.shift_type_index(m) for m in range(24 * 60)]) + 1]


def coverage_frame(cat: Catalogue, state: RosterState) -> pd.DataFrame:
    """The coverage frame (one row per interval of the horizon)."""
    req = cat.grid.required
    cov = state.coverage
    return pd.DataFrame(
        {
            "interval_start": cat.grid.interval_starts(),
            "queue": "pooled",
            "required": req.astype(np.int64),
            "scheduled": cov.astype(np.int64),
            "under": np.maximum(req - cov, 0).astype(np.int64),
            "over": np.maximum(cov - req, 0).astype(np.int64),
        }
    )


def empty_breaks() -> pd.DataFrame:
    """The breaks frame with its columns and no rows."""
    return pd.DataFrame(
        {
            "agent_id": pd.Series([], dtype="string"),
            "break_start": pd.Series([], dtype="datetime64[ns]"),
            "break_end": pd.Series([], dtype="datetime64[ns]"),
            "kind": pd.Series([], dtype="string"),
            "paid": pd.Series([], dtype=bool),
        }
    )
