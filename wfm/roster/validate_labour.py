"""The independent re-check of the further labour rules (docs/roster.md, "More labour rules").

Part of the validator (:func:`wfm.roster.validate`), kept in its own module: every rule is
re-derived from the shifts' timestamps with plain pandas and datetime arithmetic, sharing no
code with the tour catalogue or the models. Rules (the ``rule`` column):

``min_consecutive_days_off``
    every run of days off inside the horizon is at least that many days long. A run touching
    the horizon's end continues into the next roster and is not judged; a run at the horizon's
    start is judged only when the agent worked the day before (``prev_consecutive_days`` > 0),
    otherwise it continues the previous roster's days off.
``max_consecutive_nights``
    night shifts (touching the night window) on consecutive days, counted from the horizon start.
``rest_after_nights``
    the rest between the last night of a run and the agent's next shift (within the horizon).
``weekly_rest``
    every whole 7-day block of the horizon holds an uninterrupted stretch of at least
    ``weekly_rest_hours`` with no shift of the agent, measured inside the block (a previous-week
    shift still running at the horizon start occupies its part).

Start-time stability on the circular clock (``start_stability_clock = "circular"``) is
:func:`start_spread_hours`, which the validator uses for ``start_stability``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .rules import Rules

__all__ = ["labour_violations", "start_spread_hours", "night_overlap"]


def start_spread_hours(clock_hours: np.ndarray, circular: bool) -> float:
    """The width of the shortest clock arc holding every start (hours).

    Linear: latest minus earliest clock start. Circular: the 24-hour clock is a circle, so
    23:30 and 00:15 are 0.75 h apart; the spread is 24 h minus the widest gap between
    neighbouring starts around the circle.
    """
    values = np.sort(np.asarray(clock_hours, dtype=float) % 24.0)
    if values.size < 2:
        return 0.0
    if not circular:
        return float(values[-1] - values[0])
    gaps = np.diff(np.concatenate([values, [values[0] + 24.0]]))
    return float(24.0 - gaps.max())


def night_overlap(start: pd.Timestamp, end: pd.Timestamp, rules: Rules) -> bool:
    """Whether [start, end) overlaps the nightly window of any calendar day it touches."""
    night_from = dt.timedelta(minutes=rules.night_start_minute)
    night_to = dt.timedelta(minutes=rules.night_end_minute)
    day = start.normalize() - pd.Timedelta(days=1)
    while day < end:
        w_start = day + night_from
        w_end = day + night_to if night_to > night_from else day + pd.Timedelta(days=1) + night_to
        if start < w_end and w_start < end:
            return True
        day += pd.Timedelta(days=1)
    return False


def labour_violations(
    shifts: pd.DataFrame, terms_by_id: dict[str, dict], rules: Rules, origin: pd.Timestamp, horizon_days: int
) -> list[tuple]:
    """Violations of the further labour rules; ``shifts`` has ``agent_id, date, start, end`` sorted by start."""
    out: list[tuple] = []
    k_off = rules.min_consecutive_days_off
    max_nights = rules.max_consecutive_nights
    rest_nights = pd.Timedelta(hours=rules.min_rest_after_nights_hours)
    if k_off <= 1 and max_nights is None and rules.min_rest_after_nights_hours <= 0:
        return out + _weekly_rest(shifts, terms_by_id, rules, origin, horizon_days)
    day = pd.Timedelta(days=1)
    for agent_id, group in shifts.groupby("agent_id", sort=True):
        terms = terms_by_id.get(agent_id)
        if not terms:
            continue  # reported as unknown_agent
        group = group.sort_values("start", kind="stable").reset_index(drop=True)
        if k_off > 1:
            worked = np.zeros(horizon_days, dtype=bool)
            for d in group["date"]:
                k = int((d - origin) / day)
                if 0 <= k < horizon_days:
                    worked[k] = True
            k = 0
            while k < horizon_days:
                if worked[k]:
                    k += 1
                    continue
                e = k
                while e < horizon_days and not worked[e]:
                    e += 1
                closed_before = k > 0 or terms.get("prev_run", 0) > 0
                if e < horizon_days and closed_before and e - k < k_off:
                    first = (origin + k * day).date()
                    out.append(
                        (
                            agent_id,
                            first,
                            "min_consecutive_days_off",
                            f"{e - k} day(s) off in a row from {first}, need at least {k_off}",
                        )
                    )
                k = e
        if max_nights is None and rules.min_rest_after_nights_hours <= 0:
            continue
        night = [night_overlap(a, b, rules) for a, b in zip(group["start"], group["end"])]
        run = 0
        for i in range(len(group)):
            s = group.iloc[i]
            if not night[i]:
                run = 0
                continue
            prev_night_yesterday = i > 0 and night[i - 1] and group["date"].iloc[i - 1] == s["date"] - day
            run = run + 1 if prev_night_yesterday else 1
            if max_nights is not None and run > max_nights:
                out.append(
                    (
                        agent_id,
                        s["date"].date(),
                        "max_consecutive_nights",
                        f"night {run} in a row on {s['date'].date()}, limit {max_nights}",
                    )
                )
            if rules.min_rest_after_nights_hours > 0 and i + 1 < len(group):
                nxt = group.iloc[i + 1]
                run_goes_on = night[i + 1] and nxt["date"] == s["date"] + day
                gap = nxt["start"] - s["end"]
                if not run_goes_on and gap < rest_nights:
                    out.append(
                        (
                            agent_id,
                            nxt["date"].date(),
                            "rest_after_nights",
                            f"{gap / pd.Timedelta(hours=1):g} h rest after the night run ending {s['end']}, "
                            f"need {rules.min_rest_after_nights_hours:g} h",
                        )
                    )
    return out + _weekly_rest(shifts, terms_by_id, rules, origin, horizon_days)


def _weekly_rest(
    shifts: pd.DataFrame, terms_by_id: dict[str, dict], rules: Rules, origin: pd.Timestamp, horizon_days: int
) -> list[tuple]:
    """The longest shift-free stretch inside each whole 7-day block, for every agent of the agents frame."""
    out: list[tuple] = []
    if rules.weekly_rest_hours <= 0:
        return out
    need = pd.Timedelta(hours=rules.weekly_rest_hours)
    by_agent = {a: g for a, g in shifts.groupby("agent_id", sort=True)}
    for agent_id, terms in terms_by_id.items():
        if not terms:
            continue
        busy = []
        if terms.get("prev_end") is not None:
            busy.append((origin - pd.Timedelta(days=1), terms["prev_end"]))
        group = by_agent.get(agent_id)
        if group is not None:
            busy += list(zip(group["start"], group["end"]))
        busy.sort()
        for w in range(horizon_days // 7):
            b0 = origin + pd.Timedelta(days=7 * w)
            b1 = b0 + pd.Timedelta(days=7)
            free_from, longest = b0, pd.Timedelta(0)
            for s, e in busy:
                if e <= b0 or s >= b1:
                    continue
                longest = max(longest, max(s, b0) - free_from)
                free_from = max(free_from, min(e, b1))
            longest = max(longest, b1 - free_from)
            if longest < need:
                out.append(
                    (
                        agent_id,
                        b0.date(),
                        "weekly_rest",
                        f"longest rest {longest / pd.Timedelta(hours=1):g} h in the week of {b0.date()}, "
                        f"need {rules.weekly_rest_hours:g} h",
                    )
                )
    return out
