"""The planning grid and the tour catalogue shared by every stage of the decomposition.

Time is counted in whole minutes from the horizon start (midnight of the first day).
A *tour* is one agent's week: a days-on pattern, one shift template (length) and one
start-time *band*. A band is a run of allowed starts, at most ``band span`` wide, where

- band span <= start_stability_hours (so the week's starts are stable by construction), and
- band span <= 24 h - shift length - min_rest (so consecutive days inside the band always
  rest long enough: a 9 h shift with a 2 h band rests at least 13 h);

and all starts of a band agree on whether the shift touches the night window, so
``night_allowed`` and the nights-per-week cap are exact at the band level.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import ConfigError, InfeasibleRosterError, InvalidInputError
from ..frames import require_columns, to_numeric, to_timestamps
from . import cycle
from .cycle_rules import band_repeats_forbidden, inner_stretch_ok
from .agents import Agent
from .labour_rules import days_off_runs_ok, night_tour_ok, weekly_rest_ok
from .rules import Rules, ShiftTemplate
from .skill_plan import SkillPlan
from .surplus import SurplusValue, surplus_value

__all__ = [
    "Grid",
    "TemplatePlan",
    "Pattern",
    "ClassTours",
    "Catalogue",
    "build_grid",
    "build_catalogue",
    "leading_days",
    "night_cap",
]

DAY = 1440


@dataclass(frozen=True)
class Grid:
    """The horizon: interval length, days, weeks, required agents per interval."""

    start: pd.Timestamp
    interval_minutes: int
    n_days: int
    required: np.ndarray  # int64, one per interval of the horizon
    pooled_queues: tuple[str, ...] = ()
    surplus: SurplusValue | None = None  # reward segments above the requirement (wfm.roster.surplus)

    @property
    def n_intervals(self) -> int:
        return len(self.required)

    @property
    def weeks(self) -> list[tuple[int, int]]:
        """(first day, number of days) of each 7-day block."""
        return [(d, min(7, self.n_days - d)) for d in range(0, self.n_days, 7)]

    def date(self, day: int) -> dt.date:
        return (self.start + pd.Timedelta(days=day)).date()

    def interval_starts(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n_intervals, freq=f"{self.interval_minutes}min")


def build_grid(requirements: pd.DataFrame) -> Grid:
    """Validate the requirements frame and lay it on a whole-day grid.

    Requirements are rounded up to whole agents; a ``queue`` column is pooled by summing
    ``agents_scheduled`` per interval. Intervals absent from the frame inside the covered
    days require 0 agents.
    """
    require_columns(requirements, ["interval_start", "agents_scheduled"], "requirements")
    if requirements.empty:
        raise InvalidInputError("requirements frame must have at least one row, got 0")
    stamps = to_timestamps(requirements["interval_start"], "interval_start", "requirements")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    agents = to_numeric(requirements["agents_scheduled"], "agents_scheduled", "requirements", minimum=0.0)
    queues: tuple[str, ...] = ()
    if "queue" in requirements.columns:
        queues = tuple(sorted(map(str, requirements["queue"].dropna().unique())))
    pooled = pd.Series(agents.to_numpy(), index=pd.DatetimeIndex(stamps)).groupby(level=0).sum().sort_index()
    if len(pooled) >= 2:
        offsets = ((pooled.index - pooled.index[0]) / pd.Timedelta(minutes=1)).to_numpy()
        if (offsets != np.round(offsets)).any():
            raise InvalidInputError("requirements interval_start values must fall on whole minutes")
        step = int(np.gcd.reduce(np.diff(offsets).astype(np.int64)))
    else:
        step = 60
    if step <= 0 or DAY % step or step not in (5, 10, 15, 20, 30, 60):
        raise InvalidInputError(
            f"requirements interval length must divide a day (5-60 min), got a spacing of {step} min"
        )
    start = pooled.index[0].normalize()
    minutes = np.round(((pooled.index - start) / pd.Timedelta(minutes=1)).to_numpy()).astype(np.int64)
    if (minutes % step != 0).any():
        raise InvalidInputError(f"requirements interval_start values must align to {step}-minute boundaries")
    n_days = int((pooled.index[-1].normalize() - start).days) + 1
    required = np.zeros(n_days * DAY // step, dtype=np.int64)
    idx = minutes // step
    # Gross agents may be fractional after shrinkage; a roster can only place whole agents.
    required[idx] = np.ceil(pooled.to_numpy() - 1e-9).astype(np.int64)
    row_minutes = np.round(((pd.DatetimeIndex(stamps) - start) / pd.Timedelta(minutes=1)).to_numpy()).astype(np.int64)
    surplus = surplus_value(requirements, row_minutes // step, required)
    return Grid(
        start=start, interval_minutes=step, n_days=n_days, required=required, pooled_queues=queues, surplus=surplus
    )


@dataclass(frozen=True)
class TemplatePlan:
    """A shift template laid on the grid: effective starts and their bands."""

    template: ShiftTemplate
    starts: np.ndarray  # minutes after the day's midnight, aligned to the interval
    band_of_start: np.ndarray  # band index per start
    band_night: np.ndarray  # bool per band
    band_first: np.ndarray  # earliest start of each band
    band_last: np.ndarray  # latest start of each band
    # per break of the template: allowed start offsets (minutes after the shift start, on the
    # interval grid, every rule applied) and the intervals it occupies
    break_offsets: tuple[tuple[np.ndarray, int], ...] = ()
    # per band: index into rules.shift_types of its starts' type (-1: untyped); bands never mix types
    band_type: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_bands(self) -> int:
        return len(self.band_night)


@dataclass(frozen=True)
class Pattern:
    """The days-on patterns of one week block, as a bool matrix and run statistics."""

    n_days: int
    on: np.ndarray  # (n_patterns, n_days) bool
    lead: np.ndarray  # worked days at the start
    trail: np.ndarray  # worked days at the end
    full: np.ndarray  # bool: every day worked

    @property
    def count(self) -> np.ndarray:
        return self.on.sum(axis=1)


@dataclass
class ClassTours:
    """Agents sharing every tour-relevant attribute in one week, and their legal tours.

    ``tours[0]`` is an int array (n, 3): pattern index, template index, band index
    (template -1 for the empty week when min hours allow it). Legal means: the rules
    (hours, days off, nights), the agents' unavailable days that week, and in the first week
    the history (consecutive days before it, rest after the last shift, to the band).
    """

    key: tuple
    agent_index: list[int]
    template_ids: tuple[int, ...]
    tours: list[np.ndarray] = field(default_factory=list)
    #: first week, with ``solver.merge_history``: the class's history variants that rule out
    #: some of its tours, each as (mask over ``tours[0]`` of the tours it may work, agents); the
    #: aggregate model counts them in rows (docs/roster.md, "History in the first week")
    history_masks: list[tuple[np.ndarray, int]] = field(default_factory=list)


@dataclass
class Catalogue:
    """Everything the stages share: grid, templates, patterns per week, agent classes."""

    grid: Grid
    rules: Rules
    agents: list[Agent]
    templates: list[TemplatePlan]
    patterns: list[Pattern]  # one per week block
    classes: list[list[ClassTours]]  # per week: the agent classes of that week
    agent_class: np.ndarray  # (agents, weeks): class index within the week
    carry: np.ndarray  # heads from previous-week shifts per interval
    prev_end: np.ndarray  # minutes from horizon start of the last shift end before it (or -inf)
    prev_run: np.ndarray  # consecutive worked days before the horizon
    unavailable: np.ndarray  # (n_agents, n_days) bool
    # per agent: unavailable time windows as (start, end) minutes from the horizon start
    windows: list[list[tuple[int, int]]] = field(default_factory=list)
    # the rules spanning weeks' accounting (:func:`wfm.roster.cycle.cycle_info` fills it on first use)
    cycle_info: cycle.CycleInfo | None = field(default=None, repr=False, compare=False)
    # skills on the grid (None: one pooled queue); with two or more groups the model is skill-aware
    skills: SkillPlan | None = field(default=None, repr=False, compare=False)
    # the skills a pooled model's moves still price (the skill-blind fallback of a skill-aware
    # plan: its classes ignore skills, but its moves and breaks keep queue cover); None otherwise
    priced_skills: SkillPlan | None = field(default=None, repr=False, compare=False)

    @property
    def skill_aware(self) -> bool:
        return self.skills is not None and self.skills.aware

    @property
    def move_skills(self) -> SkillPlan | None:
        """The skills the moves price (wfm.roster.skill_pricing): the model's when it is
        skill-aware, else :attr:`priced_skills`, else None (moves priced on the pooled heads)."""
        if self.skill_aware:
            return self.skills
        if self.priced_skills is not None and self.priced_skills.aware:
            return self.priced_skills
        return None

    def group_of_class(self, week: int, c: int) -> int:
        """The skill group of a class (0 when the model is not skill-aware)."""
        return int(self.classes[week][c].key[3]) if self.skill_aware else 0


def _template_plan(template: ShiftTemplate, rules: Rules, step: int, contract: str) -> TemplatePlan:
    length = template.length_minutes
    if length % step:
        raise ConfigError(
            f"contract {contract}: shift length {length / 60:g} h is not a whole number of "
            f"{step}-minute intervals; expected a multiple of the requirements interval"
        )
    starts = np.array([s for s in template.start_minutes() if s % step == 0], dtype=np.int64)
    if starts.size == 0:
        raise ConfigError(
            f"contract {contract}: no legal shift: the {length / 60:g} h template has no start on the "
            f"{step}-minute interval grid between its earliest and latest start"
        )
    eff_step = math.lcm(template.start_step_minutes, step)
    span_limit = min(rules.stability_minutes, DAY - length - rules.min_rest_minutes)
    width = max(eff_step, min(rules.solver.band_width_minutes, span_limit + eff_step))
    night = np.array([rules.is_night(int(s), length) for s in starts])
    kind = np.array([rules.shift_type_index(int(s)) for s in starts], dtype=np.int64)
    band = np.zeros(len(starts), dtype=np.int64)
    first = [int(starts[0])]
    b = 0
    for i in range(1, len(starts)):
        # A new band when the block changes, the night flag or shift type changes, or the span would
        # grow too wide.
        if (
            starts[i] // width != starts[i - 1] // width
            or night[i] != night[i - 1]
            or kind[i] != kind[i - 1]
            or starts[i] - first[-1] > span_limit
        ):
            b += 1
            first.append(int(starts[i]))
        band[i] = b
    n_bands = b + 1
    band_night = np.array([night[band == k][0] for k in range(n_bands)])
    band_first = np.array([starts[band == k].min() for k in range(n_bands)])
    band_last = np.array([starts[band == k].max() for k in range(n_bands)])
    band_type = np.array([kind[band == k][0] for k in range(n_bands)], dtype=np.int64)
    return TemplatePlan(
        template, starts, band, band_night, band_first, band_last, _break_offsets(template, step, contract), band_type
    )


def _break_offsets(template: ShiftTemplate, step: int, contract: str) -> tuple[tuple[np.ndarray, int], ...]:
    """Each break's allowed start offsets on the interval grid and the intervals it occupies.

    A break that does not fill its last interval (a 15-minute break on a 30-minute grid) takes
    the agent out of that whole interval: coverage is never over-stated.
    """
    earliest, latest = template.break_bounds()
    out = []
    for rule, lo, hi in zip(template.breaks, earliest, latest):
        offsets = np.arange(-(-lo // step) * step, hi + 1, step, dtype=np.int64)
        if rule.start_step_minutes:
            offsets = offsets[offsets % rule.start_step_minutes == 0]  # break start granularity
        if offsets.size == 0:
            granularity = f" and a multiple of {rule.start_step_minutes} min" if rule.start_step_minutes else ""
            raise ConfigError(
                f"contract {contract}: the {rule.kind} break of the {template.length_minutes / 60:g} h shift has no "
                f"start on the {step}-minute interval grid{granularity} between {lo} and {hi} min after the shift "
                "start; expected a start window at least one interval wide"
            )
        out.append((offsets, -(-rule.minutes // step)))
    # On the discrete starts, keep the break_bounds promise (a break anywhere in its range leaves
    # a legal start for every other break): trim each range against its neighbours' starts.
    mw = template.min_work_minutes
    rules_ = template.breaks
    for j in range(len(out) - 2, -1, -1):
        o, occ = out[j]
        out[j] = (o[o + rules_[j].minutes + mw <= out[j + 1][0].max(initial=-1)], occ)
    for j in range(1, len(out)):
        o, occ = out[j]
        out[j] = (o[o >= out[j - 1][0].min(initial=10**9) + rules_[j - 1].minutes + mw], occ)
    for (o, _), rule in zip(out, rules_):
        if o.size == 0:
            raise ConfigError(
                f"contract {contract}: the {rule.kind} break of the {template.length_minutes / 60:g} h shift has no "
                f"start on the {step}-minute interval grid (and its start step) that leaves room for the other "
                "breaks and min_work_minutes; expected start windows and steps that fit together"
            )
    return tuple(out)


def _patterns(n_days: int, rules: Rules, last: bool = True) -> Pattern:
    off_needed = max(0, rules.min_days_off_per_week - (7 - n_days))
    rows = []
    for mask in range(1 << n_days):
        on = np.array([(mask >> d) & 1 for d in range(n_days)], dtype=bool)
        if n_days - on.sum() < off_needed:
            continue
        if _longest_run(on) > rules.max_consecutive_days:
            continue
        if rules.days_off_consecutive and off_needed >= 2 and _longest_run(~on) < off_needed:
            continue
        if not inner_stretch_ok(on, rules.min_work_stretch_days):
            continue  # a work stretch inside the week shorter than min_work_stretch_days
        if not days_off_runs_ok(on, rules, last):
            continue  # a run of days off shorter than min_consecutive_days_off
        rows.append(on)
    on = np.array(rows, dtype=bool).reshape(-1, n_days)
    # Deterministic order: fewer days first, then lexicographic.
    order = np.lexsort(tuple(on[:, ::-1].T) + (on.sum(axis=1),))
    on = on[order]
    lead = np.array([leading_days(r) for r in on], dtype=np.int64)
    trail = np.array([leading_days(r[::-1]) for r in on], dtype=np.int64)
    return Pattern(n_days, on, lead, trail, np.asarray(on.all(axis=1)))


def _longest_run(values: np.ndarray) -> int:
    best = run = 0
    for v in values:
        run = run + 1 if v else 0
        best = max(best, run)
    return best


def leading_days(values: np.ndarray) -> int:
    n = 0
    for v in values:
        if not v:
            break
        n += 1
    return n


def build_catalogue(grid: Grid, agents: list[Agent], rules: Rules, skills: SkillPlan | None = None) -> Catalogue:
    """Lay templates on the grid, enumerate week patterns and each agent class's legal tours.

    Raises
    ------
    ConfigError
        When an agent has no legal week at all (hours, days off and shift lengths contradict),
        naming the agent and the binding rules.
    """
    step = grid.interval_minutes
    template_index: dict[ShiftTemplate, int] = {}
    templates: list[TemplatePlan] = []
    for agent in agents:
        for tpl in agent.templates:
            if tpl not in template_index:
                template_index[tpl] = len(templates)
                templates.append(_template_plan(tpl, rules, step, agent.contract))
    patterns = [_patterns(n, rules, w == len(grid.weeks) - 1) for w, (_, n) in enumerate(grid.weeks)]

    n_int = grid.n_intervals
    carry = np.zeros(n_int, dtype=np.int64)
    prev_end = np.full(len(agents), -(10**9), dtype=np.int64)
    prev_run = np.zeros(len(agents), dtype=np.int64)
    unavailable = np.zeros((len(agents), grid.n_days), dtype=bool)
    day0 = grid.start.date()
    windows: list[list[tuple[int, int]]] = []
    for i, agent in enumerate(agents):
        prev_run[i] = agent.prev_consecutive_days
        if agent.prev_shift_end is not None:
            end = int((agent.prev_shift_end - grid.start) / pd.Timedelta(minutes=1))
            prev_end[i] = end
            if end > 0:
                # The previous week's last shift is still running: it covers (and occupies a seat in)
                # every interval of the horizon it overlaps.
                carry[: min(n_int, -(-end // step))] += 1
        for date in agent.unavailable_dates:
            d = (date - day0).days
            if 0 <= d < grid.n_days:
                unavailable[i, d] = True
        mine = []
        for ws, we in agent.unavailable_windows:
            a = int((ws - grid.start) / pd.Timedelta(minutes=1))
            b = int(-(-(we - grid.start) // pd.Timedelta(minutes=1)))
            if b <= -DAY or a >= grid.n_days * DAY:
                continue
            mine.append((a, b))
            # A window over a whole day bars every shift starting that day: a true unavailable
            # date, which the aggregate model (and so the bound) can use.
            for d in range(max(0, -(-a // DAY)), min(grid.n_days, b // DAY)):
                if d * DAY >= a and (d + 1) * DAY <= b:
                    unavailable[i, d] = True
        windows.append(mine)

    # Weekly rest: how far a previous week's shift may run into a week (the first: the history's).
    spill = max([0] + [int(tp.starts.max()) + tp.template.length_minutes - DAY for tp in templates])
    carry_in = (max(spill, int(prev_end.max(initial=0))), spill)
    # Base tours per contract terms and week (rules only), then agent classes per week: agents
    # sharing the terms, the week's unavailable days and (first week) the history's effect.
    base: dict[tuple, list[np.ndarray]] = {}
    classes: list[list[ClassTours]] = []
    agent_class = np.zeros((len(agents), len(grid.weeks)), dtype=np.int64)
    rest = rules.min_rest_minutes
    group_of = skills.group_of.tolist() if skills is not None and skills.aware else [0] * len(agents)
    # Merged history classes only for the skill-aware model, whose classes the groups multiply
    # and whose LP is the bottleneck; the pooled model keeps a class per history, which its
    # dive's history cuts (a plan the agents follow exactly) need.
    merge_history = rules.solver.merge_history and skills is not None and skills.aware
    for w, ((d0, n_days), pat) in enumerate(zip(grid.weeks, patterns)):
        by_key: dict[tuple, ClassTours] = {}
        variants: dict[tuple, dict[tuple, list[int]]] = {}  # merged class -> history -> agents
        mask_of: dict[tuple, np.ndarray] = {}  # (terms, off, history) -> the base tours it leaves
        for i, agent in enumerate(agents):
            tids = tuple(sorted(template_index[t] for t in agent.templates))
            terms = (
                agent.contract,
                tids,
                agent.night_allowed,
                agent.min_paid_minutes_week,
                agent.max_paid_minutes_week,
                night_cap(rules, agent),
            )
            if terms not in base:
                base[terms] = [
                    _base_tours(
                        terms, n, pat_w, templates, rules, agent, w_ == len(grid.weeks) - 1, carry_in[min(w_, 1)]
                    )
                    for w_, ((_, n), pat_w) in enumerate(zip(grid.weeks, patterns))
                ]
            off = tuple(np.flatnonzero(unavailable[i, d0 : d0 + n_days]).tolist())
            history: tuple = ()
            if w == 0:
                max_lead = max(0, rules.max_consecutive_days - int(prev_run[i]))
                min_start = int(prev_end[i]) + rest
                # Bands too early to rest after last week's shift, on the first two days.
                late = tuple(
                    tuple(int((day * DAY + templates[t].band_last < min_start).sum()) for t in tids) for day in (0, 1)
                )
                history = (min(max_lead, n_days + 1), late)
            # Skill-aware planning: an agent's class also carries its skill group. With
            # merge_history the first week's agents of one terms, days off and group share a class
            # whatever their history; the history's effect enters the model as counting rows.
            # (An agent whose history leaves no tour keeps a class of its own: the error below.)
            merged = bool(history) and merge_history
            if merged and (terms, off, history) not in mask_of:
                mask_of[(terms, off, history)] = _tour_mask(base[terms][w], pat, off, history, tids)
            merged = merged and bool(mask_of[(terms, off, history)].any())
            key = (terms, off, () if merged else history, group_of[i])
            if merged:
                variants.setdefault(key, {}).setdefault(history, []).append(i)
            if key not in by_key:
                by_key[key] = ClassTours(
                    key=key,
                    agent_index=[],
                    template_ids=tids,
                    tours=[_agent_tours(base[terms][w], pat, off, key[2], tids)],
                )
                if len(by_key[key].tours[0]) == 0:
                    raise InfeasibleRosterError(
                        f"agent {agent.agent_id}: no legal week from {grid.date(d0)}: unavailable dates "
                        f"{', '.join(str(grid.date(d0 + d)) for d in off) or 'none'}"
                        + (
                            f", prev_consecutive_days {agent.prev_consecutive_days} and prev_shift_end "
                            f"{agent.prev_shift_end}"
                            if w == 0
                            else ""
                        )
                        + f" leave no pattern meeting min_hours_week {agent.min_paid_minutes_week / 60:g} with "
                        f"min_days_off_per_week {rules.min_days_off_per_week} and max_consecutive_days "
                        f"{rules.max_consecutive_days}"
                    )
            by_key[key].agent_index.append(i)
        for key, per_history in variants.items():
            masks = {h: mask_of[(key[0], key[1], h)] for h in per_history}
            _restrict_to_histories(by_key[key], base[key[0]][w], masks, per_history)
        week_classes = list(by_key.values())
        for c, cls in enumerate(week_classes):
            agent_class[cls.agent_index, w] = c
        classes.append(week_classes)
    cat = Catalogue(
        grid,
        rules,
        agents,
        templates,
        patterns,
        classes,
        agent_class,
        carry,
        prev_end,
        prev_run,
        unavailable,
        windows,
        skills=skills,
    )
    cycle.check_agents(cat)  # rules spanning weeks: a history leaving no legal cycle names the agent
    return cat


def night_cap(rules: Rules, agent: Agent) -> int:
    """The agent's cap on night shifts a week: the least of the rules', its contract's and its own."""
    caps = [rules.max_night_shifts_per_week, rules.contracts[agent.contract].max_night_shifts_week]
    return min(c for c in caps + [agent.max_night_shifts_week] if c is not None)


def _base_tours(
    terms: tuple,
    n_days: int,
    pat: Pattern,
    templates: list[TemplatePlan],
    rules: Rules,
    agent: Agent,
    last: bool = True,
    carry_in: int = 0,
) -> np.ndarray:
    """Every tour the rules allow for these contract terms in a week block of n_days."""
    _, tids, night_ok, min_paid, max_paid, cap = terms
    # A block shorter than a week cannot know the rest of its week: only the maximum applies.
    min_here = min_paid if n_days == 7 else 0
    counts = pat.count
    # A shift type that may not follow itself cannot fill a tour working two days in a row.
    back_to_back = (pat.on[:, 1:] & pat.on[:, :-1]).any(axis=1)
    nights_ruled = rules.max_consecutive_nights is not None or rules.min_rest_after_nights_hours > 0
    rows = []
    if min_here == 0:
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            rows.append((int(empty[0]), -1, -1))
    for t in tids:
        plan = templates[t]
        paid = plan.template.paid_minutes * counts
        ok = (counts > 0) & (paid >= min_here) & (paid <= max_paid)
        for p in np.flatnonzero(ok):
            for b in range(plan.n_bands):
                if plan.band_night[b] and (not night_ok or counts[p] > cap):
                    continue
                if back_to_back[p] and band_repeats_forbidden(rules, int(plan.band_type[b])):
                    continue
                if (
                    nights_ruled
                    and plan.band_night[b]
                    and not night_tour_ok(
                        pat.on[p],
                        rules,
                        last,
                        plan.template.length_minutes,
                        int(plan.band_last[b] - plan.band_first[b]),
                        int(plan.band_last[b]),
                    )
                ):
                    continue  # nights in a row or the rest after them
                if rules.weekly_rest_hours > 0 and not weekly_rest_ok(
                    pat.on[p],
                    rules,
                    plan.template.length_minutes,
                    int(plan.band_first[b]),
                    int(plan.band_last[b]),
                    carry_in,
                ):
                    continue  # no long enough weekly rest
                rows.append((int(p), t, b))
    if not rows:
        lengths = ", ".join(
            f"{templates[t].template.length_minutes / 60:g} h ({templates[t].template.paid_minutes / 60:g} h paid)"
            for t in tids
        )
        raise ConfigError(
            f"agent {agent.agent_id}: no legal week of {n_days} day(s): min_hours_week "
            f"{min_paid / 60:g} to max_hours_week {max_paid / 60:g} with shifts {lengths}, "
            f"min_days_off_per_week {rules.min_days_off_per_week}, max_consecutive_days "
            f"{rules.max_consecutive_days}, night_allowed {night_ok}, max night shifts a week "
            f"{cap}"
        )
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _agent_tours(tours: np.ndarray, pat: Pattern, off: tuple, history: tuple, tids: tuple) -> np.ndarray:
    """The base tours an agent class may work: no unavailable day, and the first week's history."""
    return tours[_tour_mask(tours, pat, off, history, tids)]


def _restrict_to_histories(cls: ClassTours, base: np.ndarray, masks: dict, per_history: dict) -> None:
    """A merged first-week class: its tours are those some member may work (``masks``: per
    history, the base tours it leaves), and each history that rules some of them out is kept
    as a mask with its number of agents."""
    some = np.logical_or.reduce(list(masks.values()))
    cls.tours = [base[some]]
    cls.history_masks = [
        (mask[some], len(members)) for h, members in per_history.items() if not (mask := masks[h])[some].all()
    ]


def _tour_mask(tours: np.ndarray, pat: Pattern, off: tuple, history: tuple, tids: tuple) -> np.ndarray:
    """Which base tours an agent may work (see :func:`_agent_tours`)."""
    p, t, b = tours[:, 0], tours[:, 1], tours[:, 2]
    keep = np.ones(len(tours), dtype=bool)
    if off:
        keep &= ~pat.on[p][:, list(off)].any(axis=1)
    if history:
        max_lead, late = history
        keep &= np.where(pat.full[p], pat.on.shape[1] <= max_lead, pat.lead[p] <= max_lead)
        for day, per_template in enumerate(late):
            if day >= pat.on.shape[1]:
                break
            for k, tid in enumerate(tids):
                if per_template[k]:
                    keep &= ~((t == tid) & pat.on[p, day] & (b < per_template[k]))
    return keep
