"""Infeasibility explanation: why an agent has no legal week, or no roster exists, and what to relax.

(:func:`explain_agent_week`, :func:`explain_infeasible`, issue 5, "never a bare INFEASIBLE".)
When an agent has no legal week, a small CP-SAT model of that agent's week carries one
assumption literal per rule (and one per unavailable date); ``sufficient_assumptions_for_infeasibility``
names a conflicting set, shrunk to a minimal one, and each member is then relaxed alone (with
every other rule kept) to find the value that would make the week legal.

:func:`explained` wraps the engine (:func:`wfm.roster.engine.solve`) so that its "no legal
week/roster" errors end with ``Diagnosis:`` and that explanation, which costs milliseconds; the
public :func:`wfm.roster.schedule` is that wrapper (:mod:`wfm.roster.planner`). The engine does
not import this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from ..exceptions import ConfigError, InfeasibleRosterError
from .agents import Agent, parse_agents
from .result import RosterResult
from .rules import Rules
from .agent_model import AgentModel, Fixed, Option, terms_for
from .tours import DAY, Grid, build_grid

__all__ = [
    "AgentWeekExplanation",
    "explain_agent_week",
    "explain_infeasible",
    "explained",
]


# --------------------------------------------------------------------------- infeasibility

#: planners' names of the one-agent-week rules (assumption literals of the CP-SAT model)
_RULE_NAMES = (
    "min_hours_week",
    "max_hours_week",
    "min_days_off_per_week",
    "days_off_consecutive",
    "max_consecutive_days",
    "min_rest_hours",
    "night_allowed",
    "max_night_shifts_per_week",
    "start_stability_hours",
    "shift_lengths",
    "one_length",
    "unavailable",
    "min_consecutive_days_off",
    "max_consecutive_nights",
    "rest_after_nights",
    "weekly_rest",
)


@dataclass
class AgentWeekExplanation:
    """Why one agent has no legal week, and what would give it one.

    Attributes
    ----------
    agent_id, week_start
        The agent and the first date of the week block.
    conflict
        A minimal set of conflicting rules (each needed for the conflict), as assumption names:
        ``min_hours_week``, ``unavailable:2026-12-01``, ``min_days_off_per_week``, ...
    suggestions
        One relaxation per rule of the conflict that alone (every other rule kept) gives the
        agent a legal week, in planners' words; a rule whose relaxation alone does not is left out.
    text
        One line: the conflict and the suggestions.
    """

    agent_id: str
    week_start: str
    conflict: list[str]
    suggestions: list[str]
    text: str


class _WeekModel:
    """One agent's week as the one-agent model of :mod:`.agent_model`, every rule behind an
    assumption literal (one per unavailable date and window), so the solver can name the rules
    that conflict. Rule values can be overridden to test a relaxation; a dropped rule is left out."""

    def __init__(
        self,
        agent: Agent,
        rules: Rules,
        grid: Grid,
        week: int,
        *,
        over: dict[str, Any] | None = None,
        drop: frozenset[str] = frozenset(),
    ) -> None:
        over = over or {}
        self.agent, self.rules, self.grid, self.week = agent, rules, grid, week
        d0, n = grid.weeks[week]
        step = grid.interval_minutes
        self.lits: dict[str, cp_model.IntVar] = {}
        self._drop = drop
        self.model = cp_model.CpModel()

        contract = rules.contracts[agent.contract]
        templates = list(contract.shifts)
        for t in agent.templates:
            if t not in templates:
                templates.append(t)
        self.templates = templates
        options: list[Option] = []
        for d in range(n):
            for k, t in enumerate(templates):
                for s in t.start_minutes():
                    if s % step == 0:
                        day = d0 + d
                        night = rules.is_night(s, t.length_minutes)
                        options.append(Option(day, day * DAY + s, t.length_minutes, t.paid_minutes, night, k))
        bars: dict[str, list[int]] = {}
        # Shift lengths: the agent's shift_lengths_h (others of the contract are barred).
        barred = {k for k, t in enumerate(templates) if t not in agent.templates}
        bars["shift_lengths"] = [i for i, o in enumerate(options) if o.kind in barred]
        if not agent.night_allowed:
            bars["night_allowed"] = [i for i, o in enumerate(options) if o.night]
        rest = int(round(over.get("min_rest_hours", rules.min_rest_hours) * 60))
        prev_end = None
        if week == 0 and agent.prev_shift_end is not None:
            prev_end = int((agent.prev_shift_end - grid.start) / pd.Timedelta(minutes=1))
            bars["min_rest_hours"] = [i for i, o in enumerate(options) if o.start < prev_end + rest]
        # Unavailable dates and windows: one literal each, so the answer can name them.
        day0 = grid.start.date()
        for date in sorted(agent.unavailable_dates):
            d = (date - day0).days
            if d0 <= d < d0 + n:
                bars[f"unavailable:{date}"] = [i for i, o in enumerate(options) if o.day == d]
        for ws, we in agent.unavailable_windows:
            a_min = (ws - grid.start) / pd.Timedelta(minutes=1)
            b_min = (we - grid.start) / pd.Timedelta(minutes=1)
            hit = [i for i, o in enumerate(options) if o.start < b_min and a_min < o.start + o.length]
            if hit:
                bars[f"unavailable:{ws:%Y-%m-%d %H:%M}-{we:%H:%M}"] = hit
        terms = terms_for(
            rules,
            over.get("min_paid", agent.min_paid_minutes_week),
            over.get("max_paid", agent.max_paid_minutes_week),
            {k: x for k, x in over.items() if k not in ("min_paid", "max_paid")},
        )
        # The week taken alone: the previous roster's run and last shift before the first week;
        # the days around any other week count as off (the most permissive neighbours).
        before = [Fixed(True)] * (agent.prev_consecutive_days if week == 0 else 0)
        am = AgentModel(
            options,
            range(d0, d0 + n),
            [(d0, n)],
            terms,
            before=before,
            prev_end=prev_end,
            horizon_days=grid.n_days,
            bars=bars,
            enforce=self._lit,
            model=self.model,
        )
        self.paid = am.paid[0]

    def _lit(self, name: str) -> list[Any] | None:
        if name in self._drop or name.split(":")[0] in self._drop:
            return None
        if name not in self.lits:
            self.lits[name] = self.model.new_bool_var(name)
        return [self.lits[name]]

    def solve(self, names: Sequence[str] | None = None) -> tuple[bool, cp_model.CpSolver]:
        """Feasibility with the named assumptions (all when None); True when a legal week exists."""
        names = list(self.lits) if names is None else list(names)
        self.model.clear_assumptions()
        self.model.add_assumptions([self.lits[k] for k in names])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        # The rules are linear constraints enforced by their literal; only with them in the LP
        # (level 2) does CP-SAT prove a week infeasible at once (measured: 0.01 s against >20 s).
        solver.parameters.linearization_level = 2
        # Presolve costs more than the search on a model this small (measured 0.12 s vs 0.025 s).
        solver.parameters.cp_model_presolve = False
        solver.parameters.max_time_in_seconds = 10.0
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
            raise TimeoutError("agent-week model did not finish")
        return status != cp_model.INFEASIBLE, solver


def _core(wm: _WeekModel) -> list[str] | None:
    """A minimal conflicting set of rules, or None when the agent has a legal week."""
    ok, solver = wm.solve()
    if ok:
        return None
    by_index = {v.index: k for k, v in wm.lits.items()}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    if not core:
        core = list(wm.lits)
    # Deletion filter: drop every rule the conflict does not need (a few solves of a tiny model).
    for name in list(core):
        trial = [k for k in core if k != name]
        if not wm.solve(trial)[0]:
            core = trial
    return core


def _feasible_with(agent: Agent, rules: Rules, grid: Grid, week: int, **kwargs: Any) -> bool:
    return _WeekModel(agent, rules, grid, week, **kwargs).solve()[0]


def _suggest(agent: Agent, rules: Rules, grid: Grid, week: int, core: list[str]) -> list[str]:
    """For each rule of the conflict, the least relaxation of it alone that gives a legal week."""
    out: list[str] = []
    families = []
    for name in core:
        fam = name.split(":")[0]
        if fam not in families:
            families.append(fam)
    for fam in families:
        if fam == "min_hours_week":
            wm = _WeekModel(agent, rules, grid, week, drop=frozenset({"min_hours_week"}))
            if wm.solve()[0]:
                wm.model.clear_assumptions()
                for v in wm.lits.values():
                    wm.model.add(v == 1)
                wm.model.maximize(wm.paid)
                solver = cp_model.CpSolver()
                solver.parameters.num_workers = 1
                solver.parameters.linearization_level = 2
                solver.parameters.max_time_in_seconds = 10.0
                if solver.solve(wm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    out.append(f"lower min_hours_week to {round(solver.objective_value) / 60 + 0.0:g}")
        elif fam == "max_hours_week":
            for extra in range(1, 7):
                bump = extra * max(t.paid_minutes for t in agent.templates)
                if _feasible_with(agent, rules, grid, week, over={"max_paid": agent.max_paid_minutes_week + bump}):
                    out.append(f"raise max_hours_week to {(agent.max_paid_minutes_week + bump) / 60:g}")
                    break
        elif fam == "min_days_off_per_week":
            for off in range(rules.min_days_off_per_week - 1, -1, -1):
                if _feasible_with(agent, rules, grid, week, over={"min_days_off_per_week": off}):
                    out.append(f"lower min_days_off_per_week to {off}")
                    break
        elif fam == "max_consecutive_days":
            for mc in range(rules.max_consecutive_days + 1, 32):
                if _feasible_with(agent, rules, grid, week, over={"max_consecutive_days": mc}):
                    out.append(f"raise max_consecutive_days to {mc}")
                    break
        elif fam == "min_rest_hours":
            for rest in range(int(math.ceil(rules.min_rest_hours)) - 1, -1, -1):
                if _feasible_with(agent, rules, grid, week, over={"min_rest_hours": rest}):
                    out.append(f"lower min_rest_hours to {rest:g}")
                    break
        elif fam == "max_night_shifts_per_week":
            for cap in range(rules.max_night_shifts_per_week + 1, 8):
                if _feasible_with(agent, rules, grid, week, over={"max_night_shifts_per_week": cap}):
                    out.append(f"raise max_night_shifts_per_week to {cap}")
                    break
        elif fam == "start_stability_hours":
            for hours in range(int(rules.start_stability_hours) + 1, 25):
                if _feasible_with(agent, rules, grid, week, over={"start_stability_hours": hours}):
                    out.append(f"raise start_stability_hours to {hours}")
                    break
        elif fam == "max_consecutive_nights" and rules.max_consecutive_nights is not None:
            for cap in range(rules.max_consecutive_nights + 1, 8):
                if _feasible_with(agent, rules, grid, week, over={"max_consecutive_nights": cap}):
                    out.append(f"raise max_consecutive_nights to {cap}")
                    break
        elif fam in ("min_consecutive_days_off", "rest_after_nights", "weekly_rest"):
            key, value = {
                "min_consecutive_days_off": ("min_consecutive_days_off", rules.min_consecutive_days_off),
                "rest_after_nights": ("min_rest_after_nights_hours", rules.min_rest_after_nights_hours),
                "weekly_rest": ("weekly_rest_hours", rules.weekly_rest_hours),
            }[fam]
            for lower in range(int(math.ceil(value)) - 1, -1, -1):
                if _feasible_with(agent, rules, grid, week, over={key: lower}):
                    out.append(f"lower {key} to {lower}")
                    break
        elif fam == "unavailable":
            dates = [k for k in core if k.startswith("unavailable:")]
            # The fewest of the conflicting unavailable dates to give up (others kept).
            for size in range(1, len(dates) + 1):
                found = None
                for combo in _combinations(dates, size):
                    if _feasible_with(agent, rules, grid, week, drop=frozenset(combo)):
                        found = combo
                        break
                if found:
                    out.append(f"remove {size} unavailable date(s) ({', '.join(c.split(':', 1)[1] for c in found)})")
                    break
        elif _feasible_with(agent, rules, grid, week, drop=frozenset({fam})):
            out.append(
                {
                    "night_allowed": "allow this agent night shifts",
                    "days_off_consecutive": "allow days off apart",
                    "shift_lengths": "allow this agent every shift length of contract " + agent.contract,
                    "one_length": "(engine limit) give the agent one shift length that fits the week",
                }.get(fam, f"relax {fam}")
            )
    return out


def _combinations(items: list[str], size: int):  # noqa: ANN202 - a small generator
    import itertools

    return itertools.islice(itertools.combinations(items, size), 200)


def _describe(name: str, agent: Agent, rules: Rules, grid: Grid, week: int) -> str:
    """One rule of a conflict with the agent's figures, e.g. 'min_hours_week 40 (5 shifts of 8 paid h)'."""
    if name == "min_hours_week":
        best = max(t.paid_minutes for t in agent.templates)
        shifts = -(-agent.min_paid_minutes_week // best)
        return (
            f"min_hours_week {agent.min_paid_minutes_week / 60:g} (at least {shifts} shift(s) of {best / 60:g} paid h)"
        )
    if name == "max_hours_week":
        return f"max_hours_week {agent.max_paid_minutes_week / 60:g}"
    if name == "min_days_off_per_week":
        return f"min_days_off_per_week {rules.min_days_off_per_week}"
    if name == "days_off_consecutive":
        return "consecutive days off"
    if name == "max_consecutive_days":
        prev = (
            f" after {agent.prev_consecutive_days} day(s) worked before the week"
            if (week == 0 and agent.prev_consecutive_days)
            else ""
        )
        return f"max_consecutive_days {rules.max_consecutive_days}{prev}"
    if name == "min_rest_hours":
        prev = (
            f" after the previous shift ending {agent.prev_shift_end:%Y-%m-%d %H:%M}"
            if (week == 0 and agent.prev_shift_end is not None)
            else ""
        )
        return f"min_rest_hours {rules.min_rest_hours:g}{prev}"
    if name == "night_allowed":
        return "night_allowed false"
    if name == "max_night_shifts_per_week":
        return f"max_night_shifts_per_week {rules.max_night_shifts_per_week}"
    if name == "start_stability_hours":
        return f"start_stability_hours {rules.start_stability_hours:g}"
    if name == "shift_lengths":
        return "shift_lengths_h " + ";".join(f"{t.length_minutes / 60:g}" for t in agent.templates)
    if name == "one_length":
        return "one shift length per week (engine)"
    if name == "min_consecutive_days_off":
        return f"min_consecutive_days_off {rules.min_consecutive_days_off}"
    if name == "max_consecutive_nights":
        return f"max_consecutive_nights {rules.max_consecutive_nights}"
    if name == "rest_after_nights":
        return f"min_rest_after_nights_hours {rules.min_rest_after_nights_hours:g}"
    if name == "weekly_rest":
        return f"weekly_rest_hours {rules.weekly_rest_hours:g}"
    return name


def explain_agent_week(agent: Agent, rules: Rules, grid: Grid, week: int = 0) -> AgentWeekExplanation | None:
    """Name the rules that leave one agent no legal week, and the relaxations that would fix it.

    A CP-SAT model of the agent's week (every start of every template of the contract, on the
    requirement's grid) carries one assumption literal per rule and per unavailable date;
    ``sufficient_assumptions_for_infeasibility`` gives a conflicting set, shrunk by deletion to a
    minimal one (every rule in it is needed for the conflict). Each rule of it is then relaxed
    alone, every other rule kept, to the least value giving a legal week.

    Returns None when the rules give the agent a legal week (the engine's tours can still be
    stricter: one length and one start band per week).

    Examples
    --------
    >>> explain_agent_week(parse_agents(agents, rules)[0], rules, build_grid(req)).text  # doctest: +SKIP
    'agent F1, week from 2026-11-30: min_hours_week 40 (at least 5 shift(s) of 8 paid h) conflicts with ...'
    """
    wm = _WeekModel(agent, rules, grid, week)
    core = _core(wm)
    if core is None:
        return None
    d0, _ = grid.weeks[week]
    families: list[str] = []
    dates: list[str] = []
    for name in core:
        if name.startswith("unavailable:"):
            dates.append(name.split(":", 1)[1])
        elif name not in families:
            families.append(name)
    parts = [_describe(f, agent, rules, grid, week) for f in families]
    if dates:
        parts.append(f"{len(dates)} unavailable date(s) {', '.join(dates)}")
    conflict = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    suggestions = _suggest(agent, rules, grid, week, core)
    text = f"agent {agent.agent_id}, week from {grid.date(d0)}: {conflict} cannot all hold" + (
        f"; any one of these fixes it: {'; or '.join(suggestions)}"
        if suggestions
        else "; no single relaxation fixes it, relax two of them"
    )
    return AgentWeekExplanation(agent.agent_id, str(grid.date(d0)), core, suggestions, text)


_AGENT_IN_MESSAGE = re.compile(r"^agent (\S+?):")


def _spanning_rules(rules: Rules) -> list[str]:
    """The rules spanning weeks that are switched on, in planners' words (for messages)."""
    out = []
    if rules.min_work_stretch_days > 1:
        out.append(f"min_work_stretch_days {rules.min_work_stretch_days}")
    if rules.forbidden_successions:
        out.append("forbidden_successions " + ", ".join(f"{a}->{b}" for a, b in rules.forbidden_successions))
    if rules.max_weekends_worked_per_cycle is not None:
        out.append(f"max_weekends_worked_per_cycle {rules.max_weekends_worked_per_cycle}")
    cycled = sorted(n for n, c in rules.contracts.items() if c.avg_hours_week is not None)
    if cycled:
        out.append(f"cycle hours over {rules.cycle_weeks} week(s) for {', '.join(cycled)}")
    return out


def explain_infeasible(
    exc: BaseException, requirements: pd.DataFrame, agents: pd.DataFrame, rules: Rules
) -> str | None:
    """The diagnosis of a "no legal week"/"no legal roster" error, or None when there is nothing to add.

    For an agent with no legal week: :func:`explain_agent_week` for each week it has none. For the
    seat limit: the seat-hours against the agents' minimum hours and the previous-week shifts.
    """
    message = str(exc)
    if "no legal week" in message:
        match = _AGENT_IN_MESSAGE.match(message)
        if match is None:
            return None  # every "no legal week" names its agent; scanning all agents could take minutes
        parsed = parse_agents(agents, rules)
        grid = build_grid(requirements)
        chosen = [a for a in parsed if a.agent_id == match.group(1)]
        texts = []
        for agent in chosen:
            for week in range(len(grid.weeks)):
                found = explain_agent_week(agent, rules, grid, week)
                if found is not None:
                    texts.append(found.text)
        if texts:
            return " | ".join(texts)
        if "for " in message and "history leave no pattern" in message:
            # repair.py: a later week made impossible by the week before it as assigned.
            return (
                "the rules alone give the agent a legal week in every week block taken on its own; the "
                "previous week as assigned (its last shift and run of working days) leaves none: check the "
                "agent's unavailable dates around the week boundary or relax max_consecutive_days or "
                "min_rest_hours"
            )
        spanning = _spanning_rules(rules)
        if spanning:
            return (
                "the weekly rules alone give the agent a legal week; the rules spanning weeks ("
                + ", ".join(spanning)
                + ") are not part of this check and are the likely cause: relax one of them "
                "for this agent (or its unavailable dates), or widen solver.band_width_minutes"
            )
        return (
            "the rules alone give every such agent a legal week; the engine's tours (one shift length and one "
            f"{rules.solver.band_width_minutes}-minute start band per week) do not: widen solver.band_width_minutes "
            "or the start windows"
        )
    if "no legal roster" in message and "seat" in message:
        parsed = parse_agents(agents, rules)
        grid = build_grid(requirements)
        hours = grid.n_days * 24
        need = 0.0
        for a in parsed:
            best = max(a.templates, key=lambda t: t.paid_minutes / t.length_minutes)
            weeks_full = sum(1 for _, n in grid.weeks if n == 7)
            need += weeks_full * a.min_paid_minutes_week * best.length_minutes / best.paid_minutes / 60
        seat_hours = rules.seats * hours
        if need > seat_hours:
            return (
                f"the agents' min_hours_week need at least {need:,.0f} seat-hours on shift but {rules.seats} "
                f"seats x {hours} h give {seat_hours:,.0f}: raise seats to at least {math.ceil(need / hours)} "
                "or lower min_hours_week"
            )
        return (
            f"the agents' min_hours_week need {need:,.0f} seat-hours of {seat_hours:,.0f}, but the shift "
            "templates' start windows and the previous-week shifts crowd them into fewer intervals than the "
            "seats hold: raise seats or widen the start windows"
        )
    return None


def explained(schedule_fn: Callable[..., RosterResult]) -> Callable[..., RosterResult]:
    """Decorate ``schedule`` so its "no legal week/roster" errors say why and what to relax.

    The diagnosis is appended to the one-line message (same exception type, chained to the
    original); if the diagnosis itself fails, the original error is raised unchanged.
    """
    import functools

    @functools.wraps(schedule_fn)
    def wrapper(
        requirements: pd.DataFrame, agents: pd.DataFrame, rules: Rules, *args: Any, **kwargs: Any
    ) -> RosterResult:
        try:
            return schedule_fn(requirements, agents, rules, *args, **kwargs)
        except (InfeasibleRosterError, ConfigError) as exc:
            if "no legal" not in str(exc) or "Diagnosis:" in str(exc):
                raise
            try:
                why = explain_infeasible(exc, requirements, agents, rules)
            except Exception:  # noqa: BLE001 - a failed diagnosis must not hide the real error
                why = None
            if not why:
                raise
            raise type(exc)(f"{exc}. Diagnosis: {why}") from exc

    return wrapper
