"""The roster and breaks frames as the published outputs read them: parsed, checked, matched.

Shared by the workbook and the calendars so both say the same about the same roster: each
shift's label (``22:00-07:00 (+1)`` for one ending the next day), and which shift each break
belongs to.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import InvalidInputError
from ..frames import require_columns, to_timestamps

__all__ = ["SHIFT_COLUMNS", "BREAK_COLUMNS", "roster_shifts", "breaks_in_shifts", "shift_label"]

#: roster columns read (``shift_type`` and ``paid_hours`` are used when present)
SHIFT_COLUMNS: tuple[str, ...] = ("agent_id", "date", "shift_start", "shift_end")
#: break columns read (``paid`` is used when present)
BREAK_COLUMNS: tuple[str, ...] = ("agent_id", "break_start", "break_end", "kind")


def shift_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """``"08:00-17:00"``; ``"22:00-07:00 (+1)"`` when the shift ends on a later day.

    A shift ending exactly at midnight reads ``"16:00-24:00"``.
    """
    days = (end.normalize() - start.normalize()).days
    if days >= 1 and end == end.normalize():
        days -= 1
        text = f"{start:%H:%M}-24:00"
    else:
        text = f"{start:%H:%M}-{end:%H:%M}"
    return text + (f" (+{days})" if days else "")


def roster_shifts(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster parsed: ``agent_id`` (str), ``date``, ``shift_start``, ``shift_end`` (naive
    timestamps), ``shift_type`` (str, "" when absent), ``paid_hours`` (float, NaN when absent),
    ``label``, sorted by agent and start; ``position`` numbers an agent's shifts on one date.

    Raises
    ------
    InvalidInputError
        A missing column, an unparseable or time-zone-aware time, a shift not ending after it
        starts.
    """
    require_columns(roster, SHIFT_COLUMNS, "roster")
    df = roster.reset_index(drop=True)
    out = pd.DataFrame(
        {
            "agent_id": df["agent_id"].astype(str),
            "date": to_timestamps(df["date"], "date", "roster").dt.normalize(),
            "shift_start": to_timestamps(df["shift_start"], "shift_start", "roster"),
            "shift_end": to_timestamps(df["shift_end"], "shift_end", "roster"),
            "shift_type": df["shift_type"].fillna("").astype(str) if "shift_type" in df else "",
            "paid_hours": pd.to_numeric(df["paid_hours"], errors="coerce") if "paid_hours" in df else float("nan"),
        }
    )
    for column in ("date", "shift_start", "shift_end"):
        if out[column].dt.tz is not None:
            raise InvalidInputError(
                f"roster column {column} must hold the centre's wall-clock times (naive), "
                f"got time-zone-aware values ({out[column].dt.tz})"
            )
    bad = out["shift_end"] <= out["shift_start"]
    if bad.any():
        r = out.loc[bad].iloc[0]
        raise InvalidInputError(
            f"roster: a shift must end after it starts, got {r.agent_id} {r.shift_start} - {r.shift_end}"
        )
    out = out.sort_values(["agent_id", "shift_start"], kind="stable").reset_index(drop=True)
    out["position"] = out.groupby(["agent_id", "date"]).cumcount()
    out["label"] = [shift_label(s, e) for s, e in zip(out["shift_start"], out["shift_end"])]
    return out


def breaks_in_shifts(breaks: pd.DataFrame | None, shifts: pd.DataFrame) -> pd.DataFrame:
    """The breaks parsed and matched to their shifts.

    Columns ``agent_id, break_start, break_end, kind, paid`` (True/False/None), the shift's
    ``date``, ``shift_start`` and ``position``, and ``number`` (1, 2, ... in start order within the
    shift); in the input's row order.

    Raises
    ------
    InvalidInputError
        A missing column, an unparseable time, a break not ending after it starts, a break
        outside every shift of its agent.
    """
    columns = ["agent_id", "break_start", "break_end", "kind", "paid", "date", "shift_start", "position", "number"]
    if breaks is None or len(breaks) == 0:
        return pd.DataFrame(
            {
                c: pd.Series(
                    dtype="datetime64[ns]" if c in {"break_start", "break_end", "date", "shift_start"} else object
                )
                for c in columns
            }
        )
    require_columns(breaks, BREAK_COLUMNS, "breaks")
    df = breaks.reset_index(drop=True)
    out = pd.DataFrame(
        {
            "agent_id": df["agent_id"].astype(str),
            "break_start": to_timestamps(df["break_start"], "break_start", "breaks"),
            "break_end": to_timestamps(df["break_end"], "break_end", "breaks"),
            "kind": df["kind"].fillna("").astype(str),
            "paid": df["paid"].map(_truth) if "paid" in df else None,
        }
    )
    bad = out["break_end"] <= out["break_start"]
    if bad.any():
        r = out.loc[bad].iloc[0]
        raise InvalidInputError(
            f"breaks: a break must end after it starts, got {r.agent_id} {r.break_start} - {r.break_end}"
        )
    merged = out.reset_index().merge(
        shifts[["agent_id", "date", "shift_start", "shift_end", "position"]], on="agent_id", how="left"
    )
    inside = (merged["break_start"] >= merged["shift_start"]) & (merged["break_end"] <= merged["shift_end"])
    merged = merged.loc[inside].drop_duplicates("index")
    if len(merged) != len(out):
        lost = out.loc[~out.index.isin(merged["index"])].iloc[0]
        raise InvalidInputError(
            f"breaks: every break must lie inside a shift of its agent, got {lost.agent_id} "
            f"{lost.break_start} - {lost.break_end} outside the agent's shifts"
        )
    merged = merged.sort_values(["agent_id", "shift_start", "break_start"], kind="stable")
    merged["number"] = merged.groupby(["agent_id", "shift_start"]).cumcount() + 1
    return merged.sort_values("index")[columns].reset_index(drop=True)


def _truth(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "1.0", "yes"}:
        return True
    if text in {"false", "0", "0.0", "no"}:
        return False
    return None
