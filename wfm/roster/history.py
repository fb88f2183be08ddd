"""The previous roster as history: what the first week of a new roster must respect.

A nightly run plans from its as-of date; yesterday's published roster says how each agent's
last days went. :func:`history_from_roster` turns a roster frame (shifts before the as-of date)
into the agents frame's history columns, and :func:`fill_history` puts them where the agents
file leaves them blank, so the new roster keeps the rest rule, the consecutive-day limit and the
forbidden successions across the boundary.

Examples
--------
>>> history = history_from_roster(previous_roster, "2026-11-30", rules)  # doctest: +SKIP
>>> agents = fill_history(agents, history)                               # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..frames import require_columns, to_timestamps
from .rules import Rules

__all__ = ["HISTORY_COLUMNS", "history_from_roster", "fill_history"]

HISTORY_COLUMNS = ("prev_shift_end", "prev_consecutive_days", "prev_shift_type")


def history_from_roster(roster: pd.DataFrame, as_of: pd.Timestamp | str, rules: Rules) -> pd.DataFrame:
    """Each agent's history at ``as_of`` from the shifts of a roster that start before it.

    Parameters
    ----------
    roster
        ``agent_id, date, shift_start, shift_end`` (``shift_type`` optional: derived from the
        start's clock time and ``rules.shift_types`` when absent).
    as_of
        The first day of the new horizon; shifts starting on or after it are ignored.
    rules
        For the shift types.

    Returns
    -------
    pandas.DataFrame
        ``agent_id, prev_shift_end`` (end of the last shift starting before ``as_of``),
        ``prev_consecutive_days`` (dates worked in a row up to the day before ``as_of``, 0 when
        that day was off), ``prev_shift_type`` (the last shift's type); one row per agent with a
        shift before ``as_of``.
    """
    require_columns(roster, ["agent_id", "date", "shift_start", "shift_end"], "previous roster")
    origin = pd.Timestamp(as_of).normalize()
    frame = pd.DataFrame(
        {
            "agent_id": roster["agent_id"].astype(str).to_numpy(),
            "date": to_timestamps(roster["date"], "date", "previous roster").dt.normalize().to_numpy(),
            "start": to_timestamps(roster["shift_start"], "shift_start", "previous roster").to_numpy(),
            "end": to_timestamps(roster["shift_end"], "shift_end", "previous roster").to_numpy(),
        }
    )
    if "shift_type" in roster.columns:
        frame["type"] = roster["shift_type"].fillna("").astype(str).to_numpy()
    else:
        clock = ((frame["start"] - frame["start"].dt.normalize()) / pd.Timedelta(minutes=1)).astype(int)
        frame["type"] = [rules.shift_type(int(m)) for m in clock]
    frame = frame[frame["start"] < origin].sort_values(["agent_id", "start"], kind="stable")
    rows = []
    for agent_id, group in frame.groupby("agent_id", sort=True):
        last = group.iloc[-1]
        dates = set(group["date"])
        run, day = 0, origin - pd.Timedelta(days=1)
        while day in dates:
            run += 1
            day -= pd.Timedelta(days=1)
        rows.append((agent_id, last["end"], run, last["type"]))
    return pd.DataFrame(rows, columns=["agent_id", *HISTORY_COLUMNS])


def fill_history(agents: pd.DataFrame, history: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The agents frame with blank or missing history columns taken from ``history``.

    Values the agents frame gives are kept; an agent absent from ``history`` keeps its blanks.
    Returns the frame and the number of agents whose history was (partly) filled.
    """
    out = agents.copy()
    by_id = history.set_index("agent_id")
    ids = out["agent_id"].astype(str)
    known = ids.isin(by_id.index).to_numpy()
    touched = np.zeros(len(out), dtype=bool)
    for column in HISTORY_COLUMNS:
        derived = ids.map(by_id[column]) if column in by_id.columns else pd.Series(np.nan, index=out.index)
        if column not in out.columns:
            out[column] = pd.Series([None] * len(out), index=out.index, dtype=object)
        current = out[column]
        blank = current.isna().to_numpy() | (current.astype(str).str.strip() == "").to_numpy()
        take = blank & known
        if take.any():
            out[column] = current.astype(object)
            out.loc[take, column] = derived[take].to_numpy()
            touched |= take
    return out, int(touched.sum())
