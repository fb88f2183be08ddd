"""The further labour rules as filters on the tour catalogue (docs/roster.md, "More labour rules").

The catalogue builds one week at a time, so a rule that looks across the week boundary is
kept here by a sufficient condition on each week alone (conservative: every roster built from
the filtered tours is legal; some legal rosters are left out):

- ``min_consecutive_days_off``: every run of days off strictly inside the week is long enough,
  and a run touching a week edge is empty or long enough on its own (two such runs meeting
  across the boundary then are too); the horizon's last edge is open.
- ``max_consecutive_nights``: a night tour (its band touches the night window, so every shift
  of it is a night) works at most that many days in a row, and before another week of the
  horizon it ends on a day off.
- ``min_rest_after_nights_hours``: in a night tour, the gap between two runs of nights rests
  long enough with the earliest and latest starts of the band; before another week, the rest
  from the latest last-night end to the next week's earliest possible start (00:00 after the
  trailing days off) is long enough.

The independent check is :mod:`wfm.roster.validate_labour`.
"""

from __future__ import annotations

import numpy as np

from .rules import Rules

__all__ = ["days_off_runs_ok", "night_tour_ok", "off_runs", "runs_of", "weekly_rest_ok"]

DAY = 1440


def runs_of(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first day, length) of each run of True in a row of flags."""
    out = []
    d, n = 0, len(flags)
    while d < n:
        if not flags[d]:
            d += 1
            continue
        e = d
        while e < n and flags[e]:
            e += 1
        out.append((d, e - d))
        d = e
    return out


def off_runs(on: np.ndarray) -> list[tuple[int, int]]:
    """(first day, length) of each run of days off in a week's days-on row."""
    return runs_of(~np.asarray(on, dtype=bool))


def days_off_runs_ok(on: np.ndarray, rules: Rules, last_week: bool) -> bool:
    """Whether a week's pattern keeps ``min_consecutive_days_off`` whatever the neighbouring weeks hold."""
    k = rules.min_consecutive_days_off
    if k <= 1:
        return True
    n = len(on)
    for d, length in off_runs(on):
        if last_week and d + length == n:
            continue  # runs on into the next roster
        if length < k:
            return False
    return True


def night_tour_ok(on: np.ndarray, rules: Rules, last_week: bool, length: int, span: int, latest: int) -> bool:
    """Whether a night tour (pattern ``on``, shift ``length`` min, band ``span`` min wide, latest start
    ``latest`` min after midnight) keeps the nights-in-a-row limit and the rest after a run of nights."""
    n = len(on)
    runs = runs_of(on)
    limit = rules.max_consecutive_nights
    if limit is not None:
        if any(r > limit for _, r in runs):
            return False
        if not last_week and on[-1]:
            return False
    rest = int(round(rules.min_rest_after_nights_hours * 60))
    if rest > 0:
        if not last_week and on[-1]:
            return False
        for (a, ra), (b, _) in zip(runs, runs[1:]):
            gap_days = b - (a + ra)
            if (gap_days + 1) * DAY - length - span < rest:
                return False
        if not last_week and runs:
            a, ra = runs[-1]
            trailing = n - (a + ra)
            if (trailing + 1) * DAY - latest - length < rest:
                return False
    return True


def weekly_rest_ok(on: np.ndarray, rules: Rules, length: int, first: int, latest: int, carry_in: int) -> bool:
    """Whether a whole week worked on ``on`` (shift ``length`` min, starts ``first``..``latest`` min after
    midnight) surely holds a shift-free stretch of ``weekly_rest_hours`` inside the week."""
    need = int(round(rules.weekly_rest_hours * 60))
    n = len(on)
    if need <= 0 or n < 7:
        return True
    days = np.flatnonzero(on)
    if days.size == 0:
        return n * DAY - carry_in >= need
    best = int(days[0]) * DAY + first - carry_in
    for a, b in zip(days[:-1], days[1:]):
        best = max(best, int(b - a) * DAY + first - latest - length)
    best = max(best, (n - int(days[-1])) * DAY - latest - length)
    return best >= need
