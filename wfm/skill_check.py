"""Can the skilled agents cover each queue at all? A capacity relaxation and what closes a gap.

:func:`skill_capacity` asks the cover model (:func:`wfm.cover.allocate`) for the least
shortfall when every member of every skill group may be on the phones in any interval, each
group limited only by its members' total hours on shift over the horizon (the most each
agent's contract allows, ``on_shift_hours``). Every roster of the agents file satisfies those
two limits, so a queue short *here* is short in every roster that file can produce: no
rostering can fix it, only skills or hires can. (A queue covered here may still be short in a
given roster; that is the roster's coverage, reported apart.)

For each queue short in the relaxation it searches for a change that closes the gap and
checks it by solving again: cross-training ``K`` agents of one group (they keep their skills
and gain the queue's; the smallest ``K`` by bisection, over the groups with the most hours to
spare, i.e. a budget price of 0), or hiring ``K`` agents holding only that queue, on the
hours of the queue's current holders. The sentence names the days and hours of the gap:

    complaints is short of skilled agents on weekdays 09:00-12:00 by about 14 heads (peak);
    cross-training 30 agents of group retail_inquiries+credit_cards, or hiring 22, closes it
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cover import Cover, allocate, requirement_matrix, deadline_steps_for
from .exceptions import InvalidInputError
from .skills import SkillMatrix

__all__ = [
    "SkillShortfall",
    "RosterSkillGap",
    "skill_capacity",
    "roster_gaps",
    "shortfall_window",
    "cross_training_value",
]

#: shortfall (head-intervals) below which a queue counts as covered: float noise
_TOL = 0.5
#: a row price above this binds (the cover's tie-break costs are 1e-6 per head and 1e-4 per backlog)
_PRICE_TOL = 1e-3
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class SkillShortfall:
    """One queue the skilled agents cannot cover in any roster, and what would close it.

    ``head_intervals`` is the relaxation's total shortfall; ``peak`` the most heads short in
    one interval; ``window`` the days and hours of the gap; ``cross_train`` ``(group, K)`` and
    ``hire`` ``K`` are changes checked to close it (None when none was found within the
    search range).
    """

    queue: str
    head_intervals: float
    peak: float
    window: str
    cross_train: tuple[str, int] | None
    hire: int | None
    interval_hours: float = 0.25

    @property
    def sentence(self) -> str:
        text = (
            f"{self.queue} is short of skilled agents {self.window} by about {int(np.ceil(self.peak - 1e-9))} "
            f"heads at the worst interval ({self.head_intervals * self.interval_hours:,.0f} agent-hours in all), "
            "in every roster of these agents"
        )
        fixes = []
        if self.cross_train is not None:
            fixes.append(f"cross-training {self.cross_train[1]} agents of group {self.cross_train[0]}")
        if self.hire is not None:
            fixes.append(f"hiring {self.hire} agents with the {self.queue} skill")
        if fixes:
            text += "; " + ", or ".join(fixes) + ", closes it (checked by solving again)"
        else:
            text += "; no cross-training of one group or hiring checked closes it"
        return text


def _day_text(days: Sequence[int]) -> str:
    days = sorted(set(days))
    if days == [0, 1, 2, 3, 4]:
        return "weekdays"
    if days == [5, 6]:
        return "weekends"
    if days == list(range(7)):
        return "every day"
    return ", ".join(_WEEKDAYS[d] for d in days)


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def shortfall_window(starts: pd.DatetimeIndex, short: np.ndarray, step: pd.Timedelta, *, max_windows: int = 3) -> str:
    """``"on weekdays 09:00-12:00"``-style text for the intervals flagged in ``short``.

    The flagged times of day form runs of consecutive intervals (over all days); each run is
    named with the weekdays it is flagged on, the largest runs (by flagged intervals) first, at
    most ``max_windows`` of them ("and N shorter windows" for the rest). A run covering the
    whole day is said as the days alone.
    """
    idx = np.flatnonzero(short)
    if not len(idx):
        return ""
    when = starts[idx]
    step_min = max(int(round(step.total_seconds() / 60)), 1)
    slot = ((when.hour * 60 + when.minute) // step_min).to_numpy()
    weekday = when.day_of_week.to_numpy()
    slots = np.unique(slot)
    # runs of consecutive flagged times of day
    breaks = np.flatnonzero(np.diff(slots) > 1) + 1
    runs = np.split(slots, breaks)
    per_day = 1440 // step_min
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == per_day - 1:
        runs = [np.concatenate([runs[-1], runs[0]])] + runs[1:-1]  # a window across midnight
    found = []
    for run in runs:
        inside = np.isin(slot, run)
        days = weekday[inside].tolist()
        lo, hi = int(run[0]) * step_min, (int(run[-1]) + 1) * step_min
        if len(run) >= per_day:
            text = f"on {_day_text(days)}"
        else:
            text = f"on {_day_text(days)} {_clock(lo)}-{_clock(hi)}"
        found.append((int(inside.sum()), text))
    found.sort(key=lambda item: -item[0])
    texts = [text for _, text in found[:max_windows]]
    more = len(found) - len(texts)
    out = " and ".join(texts) if len(texts) <= 2 else ", ".join(texts[:-1]) + " and " + texts[-1]
    if more:
        out += f" (and {more} shorter window{'s' if more > 1 else ''})"
    return out


def _solve(req: np.ndarray, holds: np.ndarray, cap: np.ndarray, budget: np.ndarray, steps: Sequence) -> Cover:
    n_t = req.shape[0]
    return allocate(np.repeat(cap[None, :], n_t, axis=0), req, holds, deadline_steps=steps, budget=budget)


def skill_capacity(
    requirements: pd.DataFrame,
    skills: SkillMatrix,
    on_shift_hours: np.ndarray,
    targets: object = None,
    *,
    check_changes: bool = True,
    max_groups_tried: int = 3,
) -> tuple[Cover, list[SkillShortfall]]:
    """The capacity relaxation per queue, and for each queue it proves short, a checked fix.

    Parameters
    ----------
    requirements
        The requirements frame (gross ``agents_scheduled``; deferrable queues by workload).
    skills
        The agents' :class:`~wfm.skills.SkillMatrix`.
    on_shift_hours
        Per agent (in ``skills.agent_ids`` order): the most hours on shift over the horizon
        (e.g. weeks x max paid hours x shift length / paid length).
    targets
        The targets (for deadlines).

    Returns
    -------
    (Cover, list of SkillShortfall)
        The relaxation's allocation (``under`` per interval and queue) and one entry per
        queue whose shortfall exceeds half a head-interval, in queue order.
    """
    hours = np.asarray(on_shift_hours, dtype=float)
    if hours.shape != (len(skills.agent_ids),) or not np.all(np.isfinite(hours)) or (hours < 0).any():
        raise InvalidInputError(
            f"on_shift_hours must give one finite figure >= 0 per agent ({len(skills.agent_ids)}), got shape {hours.shape}"
        )
    queues = list(skills.queues)
    starts, req = requirement_matrix(requirements, queues, targets)
    step = starts[1] - starts[0] if len(starts) > 1 else pd.Timedelta(minutes=15)
    per_interval = step.total_seconds() / 3600
    steps = deadline_steps_for(queues, targets, step.total_seconds())
    holds = skills.group_holds()
    n_g = len(skills.groups)
    cap = np.bincount(skills.group_of, minlength=n_g).astype(float)
    budget = np.bincount(skills.group_of, weights=hours / per_interval, minlength=n_g)
    cover = _solve(req, holds, cap, budget, steps)
    short_q = cover.under.sum(axis=0)
    found: list[SkillShortfall] = []
    for j, q in enumerate(queues):
        if short_q[j] <= _TOL:
            continue
        window = shortfall_window(starts, cover.under[:, j] > _TOL / 2, step)
        cross = hire = None
        if check_changes:
            cross, hire = _fixes(j, req, holds, cap, budget, steps, skills, cover, max_groups_tried)
        found.append(
            SkillShortfall(q, float(short_q[j]), float(cover.under[:, j].max()), window, cross, hire, per_interval)
        )
    return cover, found


def _closes(j: int, trial: Cover, base: Cover) -> bool:
    others = np.delete(trial.under.sum(axis=0), j).sum() <= np.delete(base.under.sum(axis=0), j).sum() + _TOL
    return bool(trial.under[:, j].sum() <= _TOL and others)


def _bisect(ok, hi: int) -> int | None:
    """Smallest k in 1..hi with ok(k), assuming ok is monotone; None when ok(hi) fails."""
    if hi < 1 or not ok(hi):
        return None
    lo = 0  # ok(lo) false (k = 0 is the unchanged, short plan)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _fixes(j, req, holds, cap, budget, steps, skills, base, max_groups):
    n_g = holds.shape[0]
    # Cross-training: K agents of a group that does not hold q move to a new group = its skills + q.
    spare = budget - base.allocated.sum(axis=(0, 2))
    candidates = [g for g in np.argsort(-spare, kind="stable") if not holds[g, j] and cap[g] > 0][:max_groups]
    best: tuple[str, int] | None = None
    for g in candidates:
        per_agent = budget[g] / cap[g]
        new_holds = np.vstack([holds, holds[g] | (np.arange(holds.shape[1]) == j)])

        def ok(k: int, g: int = g, per_agent: float = per_agent, new_holds: np.ndarray = new_holds) -> bool:
            c2 = np.append(cap, k).astype(float)
            c2[g] -= k
            b2 = np.append(budget, k * per_agent)
            b2[g] -= k * per_agent
            return _closes(j, _solve(req, new_holds, c2, np.maximum(b2, 0.0), steps), base)

        k = _bisect(ok, int(cap[g]))
        if k is not None and (best is None or k < best[1]):
            best = (skills.groups[g].name, k)
    # Hiring: K agents holding only q, on the average hours of q's current holders.
    holders = [g for g in range(n_g) if holds[g, j]]
    per_agent = (
        float(budget[holders].sum() / max(cap[holders].sum(), 1.0))
        if holders
        else float(budget.sum() / max(cap.sum(), 1.0))
    )
    only_q = (np.arange(holds.shape[1]) == j)[None, :]

    def ok_hire(k: int) -> bool:
        return _closes(
            j,
            _solve(
                req,
                np.vstack([holds, only_q]),
                np.append(cap, k).astype(float),
                np.append(budget, k * per_agent),
                steps,
            ),
            base,
        )

    hire = _bisect(ok_hire, int(16 * np.ceil(base.under[:, j].max()) + 8))
    return best, hire


@dataclass(frozen=True)
class RosterSkillGap:
    """A queue a given roster leaves short of skilled heads (the cover model's allocation).

    ``agent_hours`` short in all (interval queues: heads short; deferrable: work past its
    deadline), ``share`` of the queue's requirement, ``peak`` heads short at the worst interval,
    ``window`` the days and hours of the gap; ``cross_train`` ``(group, K)``: cross-training K
    agents of that group, with their shifts in this roster, closes it (checked by solving the
    cover again with K / size of the group's heads moved to the group plus this skill);
    ``hire``: hiring that many agents holding only this skill, on shift like the queue's current
    holders (their mean heads per agent in each interval), closes it (checked the same way).
    """

    queue: str
    agent_hours: float
    share: float
    peak: float
    window: str
    cross_train: tuple[str, int] | None
    hire: int | None = None
    #: how many groups' cross-training was checked (ranked by :func:`cross_training_value`, then spare heads)
    groups_tried: int = 0
    #: a deferrable queue (a deadline target): ``peak`` is then the work past its deadline at the
    #: worst interval, and ``agent_hours`` / ``share`` add that up interval by interval (late work
    #: counts once per interval it stays late), so they are not a share of the work
    deferrable: bool = False

    @property
    def sentence(self) -> str:
        if self.deferrable:
            text = (
                f"{self.queue} has work past its deadline {self.window}: about {self.peak:,.1f} agent-intervals of "
                "it overdue at the worst interval (skilled agents short)"
            )
        else:
            text = (
                f"{self.queue} is short of skilled agents {self.window} by about {int(np.ceil(self.peak - 1e-9))} "
                f"heads at the worst interval ({self.agent_hours:,.0f} agent-hours, {self.share:.1%} of its "
                "requirement)"
            )
        fixes = []
        if self.cross_train is not None:
            fixes.append(f"cross-training {self.cross_train[1]} agents of group {self.cross_train[0]}")
        if self.hire is not None:
            fixes.append(f"hiring {self.hire} agents with the {self.queue} skill (on shift like its current holders)")
        if fixes:
            text += "; " + ", or ".join(fixes) + ", closes it in this roster (checked by solving the cover again)"
        else:
            text += "; no cross-training of one group or hiring checked closes it"
        if self.cross_train is None and self.groups_tried:
            which = "the group" if self.groups_tried == 1 else f"any one of the {self.groups_tried} groups"
            text += f"; cross-training {which} the cover's row prices rank first, up to all its agents, does not close it alone"
        return text


def roster_gaps(
    requirements: pd.DataFrame,
    roster: pd.DataFrame,
    skills: SkillMatrix,
    targets: object = None,
    *,
    breaks: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
    min_share: float = 0.01,
    max_groups_tried: int = 4,
) -> tuple[pd.DataFrame, Cover, list[RosterSkillGap]]:
    """Per-queue coverage of a roster and the queues it leaves short by more than ``min_share``.

    Returns the :func:`wfm.cover.queue_cover` frame and arrays, and one
    :class:`RosterSkillGap` per queue whose shortfall exceeds ``min_share`` of its requirement.
    """
    from .cover import heads_by_group, queue_cover

    frame, cover = queue_cover(requirements, roster, skills, targets, breaks=breaks, agents=agents)
    queues = list(skills.queues)
    starts = pd.DatetimeIndex(sorted(pd.to_datetime(frame["interval_start"]).unique()))
    step = starts[1] - starts[0] if len(starts) > 1 else pd.Timedelta(minutes=15)
    step_h = step.total_seconds() / 3600
    steps = deadline_steps_for(queues, targets, step.total_seconds())
    heads = heads_by_group(roster, skills, starts, breaks=breaks, agents=agents)
    holds = skills.group_holds()
    size = np.bincount(skills.group_of, minlength=len(skills.groups)).astype(float)
    req = cover.required
    gaps = []
    for j, q in enumerate(queues):
        short = cover.under[:, j].sum()
        total = req[:, j].sum()
        if total <= 0 or short <= max(min_share * total, _TOL):
            continue
        # The binding window: where the queue is short, or its cover row's price says one more
        # skilled head would cut the total shortfall (the skill binds there).
        binding = (cover.under[:, j] > _TOL) | (cover.price[:, j] > _PRICE_TOL)
        window = shortfall_window(starts, binding if steps[j] is None else cover.under[:, j] > _TOL, step)

        def closes(trial: Cover, j: int = j, total: float = total) -> bool:
            return bool(trial.under[:, j].sum() <= max(min_share * total, _TOL) / 2)

        value = cross_training_value(cover, heads, size, j)
        spare = (heads - _served_by_group(cover)).sum(axis=0)
        # Groups to try: by the row prices' first-order gain per agent cross-trained, then (ties,
        # and groups the prices give nothing) by spare heads; each is checked by re-solving.
        order = np.lexsort((-spare, -np.round(value, 9)))
        best = None
        tried = [g for g in order if not holds[g, j] and size[g] > 0][:max_groups_tried]
        for g in tried:
            new_holds = np.vstack([holds, holds[g] | (np.arange(len(queues)) == j)])

            def ok(k: int, g: int = g, new_holds: np.ndarray = new_holds) -> bool:
                moved = heads[:, g] * (k / size[g])
                h2 = np.column_stack([heads, moved])
                h2[:, g] -= moved
                return closes(allocate(np.maximum(h2, 0.0), req, new_holds, deadline_steps=steps))

            k = _bisect(ok, int(size[g]))
            if k is not None and (best is None or k < best[1]):
                best = (skills.groups[g].name, k)
        # Hiring: K new agents holding only q, on shift like q's current holders.
        holders = holds[:, j] & (size > 0)
        hire = None
        if holders.any():
            pattern = heads[:, holders].sum(axis=1) / size[holders].sum()
            only_q = np.vstack([holds, np.arange(len(queues)) == j])

            def hired(k: int, pattern: np.ndarray = pattern, only_q: np.ndarray = only_q) -> bool:
                h2 = np.column_stack([heads, k * pattern])
                return closes(allocate(h2, req, only_q, deadline_steps=steps))

            hire = _bisect(hired, int(max(4 * size[holders].sum(), 1)))
        gaps.append(
            RosterSkillGap(
                q,
                float(short * step_h),
                float(short / total),
                float(cover.under[:, j].max()),
                window,
                best,
                hire,
                groups_tried=len(tried),
                deferrable=steps[j] is not None,
            )
        )
    return frame, cover, gaps


def cross_training_value(cover: Cover, heads: np.ndarray, size: np.ndarray, j: int) -> np.ndarray:
    """Per group, the shortfall one cross-trained agent removes at first order, from the cover's duals.

    A head of group ``g`` that also held queue ``j`` is worth ``max(price[t, j], capacity_price[t, g])``
    in interval ``t`` against ``capacity_price[t, g]`` now (LP duality: the dual of the new group's
    capacity row at the current prices). One agent of ``g`` is on shift ``heads[t, g] / size[g]``
    of a head in ``t``, so its value is ``sum_t heads[t, g] / size[g] x max(price[t, j] -
    capacity_price[t, g], 0)`` head-intervals of shortfall. First order only: the prices fall
    as the gap closes, so the count that closes it is found by re-solving; the figure ranks
    which groups to try. 0 for groups holding ``j`` (and all groups without the duals).
    """
    n_g = heads.shape[1]
    if cover.capacity_price is None:
        return np.zeros(n_g)
    gain = np.maximum(cover.price[:, j][:, None] - cover.capacity_price, 0.0)
    per_agent = np.divide(heads, size[None, :], out=np.zeros_like(heads), where=size[None, :] > 0)
    return (gain * per_agent).sum(axis=0)


def _served_by_group(cover: Cover) -> np.ndarray:
    """Heads of each group the program put on some requirement, ``(T, G)`` (spare excluded)."""
    # allocated includes the spare share; served is per queue. Recover the program's part per
    # group as allocated minus the spare, which is allocated in proportion where a queue is
    # over its requirement: approximate by capping each queue at its requirement pro rata.
    scale = np.divide(
        np.minimum(cover.scheduled, cover.required),
        cover.scheduled,
        out=np.zeros_like(cover.scheduled),
        where=cover.scheduled > 0,
    )
    return (cover.allocated * scale[:, None, :]).sum(axis=2)
