"""What service does a roster give? Per-queue, per-day figures at the rostered staffing.

To judge a roster queue by queue, each queue needs the heads that answer it in each
interval. Where the coverage frame has per-queue rows (``queue`` other than ``"pooled"`` /
``"all"``: the skill cover model's allocation, :func:`wfm.cover.queue_cover`, heads of each
skill group shared among the queues it holds by a transportation program), those are used.
A pooled coverage frame (a single-skill centre) is shared among the queues in proportion to
each queue's gross requirement, which is what the cover model gives with one group holding
every queue whenever the heads cover the pooled requirement. The heads are turned into agents
available for calls with each queue's shrinkage, and fed back through Erlang C (or Erlang A,
where the queue's targets give a patience) to get the service level, ASA, occupancy and
abandon rate each queue would see. A deferrable queue (targets with ``deadline_sec``) has no
interval service level; its heads and occupancy are reported. Daily figures are weighted by calls (service level, ASA, abandonment) or
by traffic (occupancy = busy agent-time over available agent-time).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import erlang
from .frames import interval_hours, require_columns
from .staffing import Targets, TargetSet

__all__ = ["interval_service", "daily_service", "paid_hours_by_day", "per_queue_rows", "pooled_rows", "POOLED"]

#: ``queue`` values of the coverage frame's pooled rows
POOLED: tuple[str, ...] = ("pooled", "all")


def per_queue_rows(coverage: pd.DataFrame) -> pd.DataFrame | None:
    """The coverage frame's per-queue rows (``queue`` not pooled), or None when it has none."""
    if "queue" not in coverage.columns:
        return None
    rows = coverage[~coverage["queue"].astype(str).isin(POOLED)]
    if rows.empty:
        return None
    rows = rows.copy()
    rows["queue"] = rows["queue"].astype(str)
    rows["interval_start"] = pd.to_datetime(rows["interval_start"])
    return rows


def pooled_rows(coverage: pd.DataFrame) -> pd.DataFrame:
    """The coverage frame's pooled rows (all rows when it has no ``queue`` column)."""
    if "queue" not in coverage.columns:
        return coverage
    return coverage[coverage["queue"].astype(str).isin(POOLED)]


def _target_set(targets: Targets | TargetSet | None) -> TargetSet:
    if targets is None:
        return TargetSet(Targets())
    if isinstance(targets, Targets):
        return TargetSet(targets)
    return targets


def interval_service(
    requirements: pd.DataFrame,
    coverage: pd.DataFrame,
    targets: Targets | TargetSet | None = None,
) -> pd.DataFrame:
    """Service per queue and interval at the rostered staffing.

    Parameters
    ----------
    requirements
        The requirements frame (``queue, interval_start, calls, aht_sec, erlangs, agents,
        agents_scheduled``).
    coverage
        The roster's coverage frame (``interval_start, scheduled``, optionally ``queue``):
        per-queue rows are used as each queue's heads; pooled rows (no ``queue`` column, or
        ``queue`` ``"pooled"`` / ``"all"``) are shared out pro rata.
    targets
        The targets the requirement was sized with (answer time, patience, shrinkage).

    Returns
    -------
    pandas.DataFrame
        ``queue, interval_start, calls, erlangs, heads, agents_available, service_level,
        asa_sec, occupancy, abandon_rate`` (abandon rate NaN under Erlang C).

    Examples
    --------
    >>> service = interval_service(req, result.coverage, targets)  # doctest: +SKIP
    """
    require_columns(
        requirements, ["queue", "interval_start", "calls", "aht_sec", "erlangs", "agents_scheduled"], "requirements"
    )
    require_columns(coverage, ["interval_start", "scheduled"], "coverage")
    tset = _target_set(targets)
    req = requirements.copy()
    req["interval_start"] = pd.to_datetime(req["interval_start"])
    per_queue = per_queue_rows(coverage)
    if per_queue is not None:
        heads_q = per_queue.set_index(["queue", "interval_start"])["scheduled"]
        key = pd.MultiIndex.from_arrays([req["queue"].astype(str), req["interval_start"]])
        req["heads"] = heads_q.reindex(key).fillna(0.0).to_numpy(dtype=float)
    else:
        pooled_cov = pooled_rows(coverage)
        heads = pooled_cov.groupby(pd.to_datetime(pooled_cov["interval_start"]))["scheduled"].sum()
        pooled = req.groupby("interval_start")["agents_scheduled"].transform("sum").to_numpy(dtype=float)
        on_shift = req["interval_start"].map(heads).fillna(0.0).to_numpy(dtype=float)
        share = np.divide(
            req["agents_scheduled"].to_numpy(dtype=float), pooled, out=np.zeros(len(req)), where=pooled > 0
        )
        req["heads"] = on_shift * share

    parts = []
    for queue, block in req.groupby("queue", sort=True):
        t = tset.for_queue(str(queue))
        shrink = t.shrinkage_at(block["interval_start"])
        # Whole agents only: a fraction of an agent answers no calls.
        available = np.floor(block["heads"].to_numpy(dtype=float) * (1.0 - shrink) + 1e-9)
        traffic = block["erlangs"].to_numpy(dtype=float)
        aht = np.maximum(block["aht_sec"].to_numpy(dtype=float), 1e-9)
        # A queue without a service-level target (e.g. ASA only) reports no service level.
        answer = t.answer_sec if t.answer_sec is not None else 0.0
        out = block[["queue", "interval_start", "calls", "erlangs", "heads"]].copy()
        out["agents_available"] = available
        if t.deadline_sec is not None:
            # Deferrable work: no waiting-time figure per interval (see the cover model's backlog).
            out["service_level"] = np.nan
            out["asa_sec"] = np.nan
            out["occupancy"] = np.minimum(
                np.divide(traffic, available, out=np.zeros(len(traffic)), where=available > 0), 1.0
            )
            out["abandon_rate"] = np.nan
        elif t.patience_sec is not None:
            res = erlang.erlang_a(traffic, available, aht, t.patience_sec, answer)
            out["service_level"] = res.service_level if t.answer_sec is not None else np.nan
            out["asa_sec"] = res.asa_sec
            out["occupancy"] = res.occupancy
            out["abandon_rate"] = res.abandon_probability
        else:
            out["service_level"] = (
                erlang.service_level(traffic, available, aht, answer) if t.answer_sec is not None else np.nan
            )
            out["asa_sec"] = erlang.asa(traffic, available, aht)
            out["occupancy"] = erlang.occupancy(traffic, available)
            out["abandon_rate"] = np.nan
        parts.append(out)
    if not parts:
        return pd.DataFrame(
            columns=[
                "queue",
                "interval_start",
                "calls",
                "erlangs",
                "heads",
                "agents_available",
                "service_level",
                "asa_sec",
                "occupancy",
                "abandon_rate",
            ]
        )
    return pd.concat(parts, ignore_index=True)


def daily_service(
    requirements: pd.DataFrame,
    coverage: pd.DataFrame,
    roster: pd.DataFrame | None = None,
    breaks: pd.DataFrame | None = None,
    targets: Targets | TargetSet | None = None,
) -> pd.DataFrame:
    """Daily figures per queue, plus an ``ALL`` row per day, at the rostered staffing.

    Returns
    -------
    pandas.DataFrame
        ``date, queue, calls, service_level, asa_sec, occupancy, abandon_rate,
        required_agent_hours, scheduled_agent_hours, under_agent_hours, paid_hours``.
        Service level, ASA and abandonment are weighted by calls (service level over the
        queues that have a service-level target), occupancy is busy over available
        agent-time. The hour columns (pooled) are filled on the ``ALL`` rows:
        ``paid_hours`` is shift time minus unpaid breaks of the shifts starting that day.
    """
    svc = interval_service(requirements, coverage, targets)
    cols = [
        "date",
        "queue",
        "calls",
        "service_level",
        "asa_sec",
        "occupancy",
        "abandon_rate",
        "required_agent_hours",
        "scheduled_agent_hours",
        "under_agent_hours",
        "paid_hours",
    ]
    if svc.empty:
        return pd.DataFrame(columns=cols)
    svc["date"] = svc["interval_start"].dt.normalize()
    svc["w_sl"] = svc["service_level"] * svc["calls"]
    svc["sl_calls"] = svc["calls"].where(svc["service_level"].notna(), 0.0)
    finite_asa = np.where(np.isfinite(svc["asa_sec"]), svc["asa_sec"], np.nan)
    svc["w_asa"] = finite_asa * svc["calls"]
    svc["w_ab"] = svc["abandon_rate"] * svc["calls"]
    svc["busy"] = svc["occupancy"] * svc["agents_available"]

    def aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        g = (
            frame.groupby(keys, sort=True)
            .agg(
                calls=("calls", "sum"),
                sl_calls=("sl_calls", "sum"),
                w_sl=("w_sl", "sum"),
                w_asa=("w_asa", "sum"),
                w_ab=("w_ab", "sum"),
                busy=("busy", "sum"),
                avail=("agents_available", "sum"),
                any_ab=("abandon_rate", lambda s: s.notna().any()),
            )
            .reset_index()
        )
        calls = g["calls"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            sl_calls = g["sl_calls"].to_numpy(dtype=float)
            g["service_level"] = np.where(sl_calls > 0, g["w_sl"] / sl_calls, np.nan)
            g["asa_sec"] = np.where(calls > 0, g["w_asa"] / calls, np.nan)
            g["abandon_rate"] = np.where((calls > 0) & g["any_ab"], g["w_ab"] / calls, np.nan)
            g["occupancy"] = np.where(g["avail"] > 0, g["busy"] / g["avail"], np.nan)
        return g

    per_queue = aggregate(svc, ["date", "queue"])
    total = aggregate(svc, ["date"]).assign(queue="ALL")

    cov = pooled_rows(coverage).copy()
    cov["interval_start"] = pd.to_datetime(cov["interval_start"])
    step_h = interval_hours(cov["interval_start"], frame="coverage")
    cov["date"] = cov["interval_start"].dt.normalize()
    hours = cov.groupby("date")[["required", "scheduled", "under"]].sum() * step_h
    hours.columns = ["required_agent_hours", "scheduled_agent_hours", "under_agent_hours"]
    total = total.merge(hours, left_on="date", right_index=True, how="left")
    total["paid_hours"] = total["date"].map(paid_hours_by_day(roster, breaks)).fillna(0.0)

    out = pd.concat([per_queue, total], ignore_index=True)
    for c in cols:
        if c not in out:
            out[c] = np.nan
    out = out[cols].sort_values(["date", "queue"], kind="stable").reset_index(drop=True)
    return out


def paid_hours_by_day(roster: pd.DataFrame | None, breaks: pd.DataFrame | None = None) -> pd.Series:
    """Paid hours per shift day: the roster's ``paid_hours`` (shift time less unpaid meals and breaks).

    The one definition of paid hours behind every figure that shows them (``daily_service``,
    ``summary.json``, the report's card and daily table). Without a ``paid_hours`` column it is
    shift time less the unpaid breaks of ``breaks`` inside each shift. Indexed by the shift's
    ``date`` (midnight), empty for an empty roster.
    """
    if roster is None or roster.empty:
        return pd.Series(dtype=float)
    r = roster.copy()
    r["shift_start"] = pd.to_datetime(r["shift_start"])
    r["shift_end"] = pd.to_datetime(r["shift_end"])
    if "paid_hours" in r.columns:
        paid = r["paid_hours"].astype(float)
    else:
        paid = (r["shift_end"] - r["shift_start"]).dt.total_seconds() / 3600
        if breaks is not None and not breaks.empty and "paid" in breaks.columns:
            b = breaks.loc[~breaks["paid"].astype(bool)].copy()
            b["hours"] = (pd.to_datetime(b["break_end"]) - pd.to_datetime(b["break_start"])).dt.total_seconds() / 3600
            b["break_start"] = pd.to_datetime(b["break_start"])
            # attribute each unpaid break to the shift that contains it
            m = r.reset_index().merge(b, on="agent_id")
            inside = (m["break_start"] >= m["shift_start"]) & (m["break_start"] < m["shift_end"])
            unpaid = m.loc[inside].groupby("index")["hours"].sum()
            paid = paid - unpaid.reindex(r.index).fillna(0.0)
    day = pd.to_datetime(r["date"]).dt.normalize() if "date" in r.columns else r["shift_start"].dt.normalize()
    return paid.groupby(day).sum()
