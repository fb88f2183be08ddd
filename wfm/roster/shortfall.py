"""Shortfall what-ifs: why a roster is short, in planners' words, by re-solving the aggregate LP.

(:func:`diagnose_shortfall`, issue 5.) The coverage frame's under-staffed intervals are
grouped into planner-sized periods ("Mon 2026-11-30 06:00-08:00", or "Mondays 06:00-08:00"
when a window repeats every week). Then the aggregate model's LP relaxation - the engine's
own lower bound (:mod:`wfm.roster.aggregate`) - is re-solved with one rule family relaxed
at a time. Because the LP is a relaxation of every roster built from the tour catalogue, a
statement like "with 9 h rest the best plan is 3 short here instead of 12" compares two
bounds, not two heuristic rosters. Relaxing every rule at once first tells "the rules put the
hours in the wrong place" from "there are not enough agents at those times"; an LP with a
free number of extra agents of one contract tells how many more would close a period (at
least, the LP's count rounded up).

It runs on demand only (``wfm schedule --diagnose``, ``wfm run``'s ``diagnose`` setting); it sits
above the engine's stages and the engine does not import it. Infeasibility (no legal week or
roster) is explained by :mod:`wfm.roster.infeasible`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..exceptions import InfeasibleRosterError, InvalidInputError, WFMError
from ..lp_status import solve_lp
from .agents import Agent, parse_agents
from .aggregate import AggregateModel, build_aggregate
from .result import RosterResult
from .rules import Rules, ShiftTemplate
from .tours import DAY, ClassTours, Grid, build_catalogue, build_grid

__all__ = [
    "Diagnosis",
    "diagnose_shortfall",
    "PERIOD_COLUMNS",
    "CHECK_COLUMNS",
    "RELAXATIONS",
]

#: columns of :attr:`Diagnosis.periods`
PERIOD_COLUMNS = (
    "period",
    "label",
    "weekday",
    "date",
    "start",
    "end",
    "days",
    "intervals",
    "short_agent_hours",
    "peak_short_agents",
    "avg_short_agents",
    "lp_short_agent_hours",
    "lp_peak_short_agents",
    "binding_rule",
    "relaxation",
    "lp_peak_after_relaxation",
    "lp_short_agent_hours_after",
    "more_agents_contract",
    "more_agents",
)
#: columns of :attr:`Diagnosis.checks`
CHECK_COLUMNS = (
    "check",
    "relaxation",
    "period",
    "label",
    "lp_peak_short_agents",
    "lp_short_agent_hours",
    "lp_peak_after",
    "lp_short_agent_hours_after",
    "binds",
    "sec",
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS_PLURAL = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
# A relaxation "binds" in a period when it lowers the LP's shortfall there by at least this share...
_BIND_SHARE = 0.10
# ... and by at least this many agent-hours (below that the difference is the LP's tie-breaking).
_BIND_MIN_AGENT_HOURS = 0.25
# Under-staffing in the diagnosed periods costs this many times the engine's weight in the LPs: a
# tie-breaker only. (Measured on the benchmark week: at 4x the LP moved the peaks' shortfall just
# outside the periods, so the periods' figures no longer said what the engine would do there.)
_FOCUS = 1.01


# --------------------------------------------------------------------------- relaxations

_Transform = Callable[[Rules, list[Agent]], tuple[Rules, list[Agent]]]


@dataclass(frozen=True)
class _Relaxation:
    """One rule family relaxed: the check's name, planners' phrase of the rule, the change, and
    the transform of (rules, agents) that makes it (transforms compose for ``all_rules``)."""

    name: str
    rule: str  # "the 11 h rest rule"
    change: str  # "at 9 h rest"
    transform: _Transform

    def apply(self, rules: Rules, agents: list[Agent]) -> tuple[Rules, list[Agent]]:
        return self.transform(rules, agents)


def _replace_templates(
    rules: Rules, agents: list[Agent], fn: Callable[[ShiftTemplate], ShiftTemplate]
) -> tuple[Rules, list[Agent]]:
    """Rules and agents with every shift template passed through ``fn`` (agents follow their contract)."""
    mapping: dict[ShiftTemplate, ShiftTemplate] = {}
    contracts = {}
    for name, contract in rules.contracts.items():
        shifts = []
        for tpl in contract.shifts:
            mapping.setdefault(tpl, fn(tpl))
            shifts.append(mapping[tpl])
        contracts[name] = dataclasses.replace(contract, shifts=tuple(shifts))
    new_agents = [dataclasses.replace(a, templates=tuple(mapping.get(t, t) for t in a.templates)) for a in agents]
    return dataclasses.replace(rules, contracts=contracts), new_agents


def _rule_change(**changes: Any) -> _Transform:
    return lambda r, a: (dataclasses.replace(r, **changes), a)


def _agent_change(**changes: Any) -> _Transform:
    return lambda r, a: (r, [dataclasses.replace(x, **changes) for x in a])


def _wider_stability(hours: float) -> _Transform:
    # Bands are at most solver.band_width_minutes wide: widen them with the rule (max 240).
    return lambda r, a: (
        dataclasses.replace(
            r,
            start_stability_hours=hours,
            solver=dataclasses.replace(
                r.solver, band_width_minutes=min(240, max(r.solver.band_width_minutes, int(hours * 60)))
            ),
        ),
        a,
    )


def _all_lengths(r: Rules, a: list[Agent]) -> tuple[Rules, list[Agent]]:
    return r, [dataclasses.replace(x, templates=r.contracts[x.contract].shifts) for x in a]


def _open_windows(last_start: int) -> _Transform:
    return lambda r, a: _replace_templates(
        r,
        a,
        lambda t: dataclasses.replace(
            t, earliest_start_minute=0, latest_start_minute=max(t.latest_start_minute, last_start)
        ),
    )


def _one_more_shift(r: Rules, a: list[Agent]) -> tuple[Rules, list[Agent]]:
    extra = {n: max(t.paid_minutes for t in c.shifts) for n, c in r.contracts.items()}
    contracts = {
        n: dataclasses.replace(c, max_hours_week=c.max_hours_week + extra[n] / 60) for n, c in r.contracts.items()
    }
    return (
        dataclasses.replace(r, contracts=contracts),
        [dataclasses.replace(x, max_paid_minutes_week=x.max_paid_minutes_week + extra[x.contract]) for x in a],
    )


def _max_worked_days(rules: Rules) -> int:
    return 7 - rules.min_days_off_per_week


def _relaxations(
    rules: Rules, agents: list[Agent], grid: Grid, seats_tight: bool
) -> tuple[list[_Relaxation], dict[str, str]]:
    """Every single-family relaxation that can matter here, cheapest and likeliest first, and
    the ones skipped with the reason."""
    out: list[_Relaxation] = []
    skipped: dict[str, str] = {}

    def add(applies: bool, why_not: str, relax: _Relaxation) -> None:
        if applies:
            out.append(relax)
        else:
            skipped[relax.name] = why_not

    banned = sum(1 for a in agents if not a.night_allowed)
    add(
        banned > 0,
        "every agent may work nights",
        _Relaxation(
            "night_allowed",
            f"the night ban on {banned} agent(s) (night_allowed = false)",
            "with every agent allowed nights",
            _agent_change(night_allowed=True),
        ),
    )
    cap = rules.max_night_shifts_per_week
    add(
        cap < _max_worked_days(rules),
        f"{cap} nights a week cannot bind with {rules.min_days_off_per_week} days off",
        _Relaxation(
            "max_night_shifts_per_week",
            f"the cap of {cap} night shifts a week",
            "with no cap on nights",
            _rule_change(max_night_shifts_per_week=7),
        ),
    )
    rest = rules.min_rest_hours
    add(
        rest > 0,
        "min_rest_hours is 0",
        _Relaxation(
            "min_rest_hours",
            f"the {rest:g} h rest rule",
            f"at {max(0.0, rest - 2):g} h rest",
            _rule_change(min_rest_hours=max(0.0, rest - 2)),
        ),
    )
    stab = rules.start_stability_hours
    add(
        stab < 4,
        f"starts may already vary by {stab:g} h (bands are at most 4 h wide)",
        _Relaxation(
            "start_stability_hours",
            f"start-time stability ({stab:g} h)",
            f"with starts varying by up to {min(24.0, stab + 2):g} h",
            _wider_stability(min(24.0, stab + 2)),
        ),
    )
    off = rules.min_days_off_per_week
    add(
        off > 0,
        "min_days_off_per_week is 0",
        _Relaxation(
            "min_days_off_per_week",
            f"{off} days off a week",
            f"with {off - 1} day(s) off",
            _rule_change(min_days_off_per_week=max(0, off - 1)),
        ),
    )
    add(
        rules.days_off_consecutive and off >= 2,
        "days off need not be consecutive",
        _Relaxation(
            "days_off_consecutive",
            "consecutive days off",
            "with days off apart",
            _rule_change(days_off_consecutive=False),
        ),
    )
    mc = rules.max_consecutive_days
    reached = any(a.prev_consecutive_days + 1 > mc for a in agents) or mc < _max_worked_days(rules)
    add(
        reached and mc < 31,
        f"no agent's history or week reaches {mc} days in a row",
        _Relaxation(
            "max_consecutive_days",
            f"at most {mc} days in a row",
            f"at {mc + 1} days in a row",
            _rule_change(max_consecutive_days=min(31, mc + 1)),
        ),
    )
    on_leave = sum(1 for a in agents if a.unavailable_dates or a.unavailable_windows)
    add(
        on_leave > 0,
        "no agent has unavailable dates or windows",
        _Relaxation(
            "unavailable",
            f"leave and unavailability of {on_leave} agent(s)",
            "with nobody unavailable",
            _agent_change(unavailable_dates=frozenset(), unavailable_windows=()),
        ),
    )
    restricted = sum(1 for a in agents if len(a.templates) < len(rules.contracts[a.contract].shifts))
    add(
        restricted > 0,
        "every agent may work every shift length of the contract",
        _Relaxation(
            "shift_lengths",
            f"the shift lengths allowed to {restricted} agent(s)",
            "with every agent allowed every length of the contract",
            _all_lengths,
        ),
    )
    last = DAY - grid.interval_minutes
    narrow = any(
        t.earliest_start_minute > 0 or t.latest_start_minute < last for c in rules.contracts.values() for t in c.shifts
    )
    add(
        narrow,
        "every template may start at any time",
        _Relaxation(
            "start_windows",
            "the shift templates' start windows",
            "with shifts starting at any time",
            _open_windows(last),
        ),
    )
    add(
        True,
        "",
        _Relaxation(
            "max_hours_week",
            "the contracts' weekly hours (max_hours_week)",
            "with one more shift's hours a week allowed",
            _one_more_shift,
        ),
    )
    add(
        seats_tight,
        "the seat limit is not reached in the best plan",
        _Relaxation(
            "seats",
            f"the {rules.seats} seats",
            "with unlimited seats",
            _rule_change(seats=max(rules.seats, len(agents)) * 4),
        ),
    )
    return out, skipped


def _relax_all(singles: Sequence[_Relaxation]) -> _Relaxation:
    """Every applicable relaxation at once (the lowest the rules alone could bring the shortfall)."""

    def transform(rules: Rules, agents: list[Agent]) -> tuple[Rules, list[Agent]]:
        for relax in singles:
            rules, agents = relax.apply(rules, agents)
        return rules, agents

    return _Relaxation("all_rules", "the rules together", "with every rule above relaxed at once", transform)


def _combine(relaxations: Sequence[_Relaxation]) -> _Relaxation:
    """Several relaxations as one check named ``a+b`` (in planners' words: "a and b")."""
    joint = _relax_all(relaxations)
    rules_text = [r.rule for r in relaxations]
    changes = [r.change for r in relaxations]

    def join(xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"{', '.join(xs[:-1])} and {xs[-1]}"

    return dataclasses.replace(
        joint, name="+".join(r.name for r in relaxations), rule=join(rules_text), change=join(changes)
    )


def _rules_together(
    periods: list[dict],
    singles: Sequence[_Relaxation],
    rows: list[dict],
    run_check: Callable[[_Relaxation], np.ndarray | None],
    time_left: Callable[[str], bool],
) -> None:
    """Where the rules bind only together, find a minimal set of them that does (a deletion filter).

    Start from every relaxation at once; drop one relaxation at a time (the one helping least on
    its own first) and keep it dropped when the rest still keep at least half of the joint gain
    in those periods. What remains is a minimal set: the rules that bind together there.
    """
    together = [
        p
        for p in periods
        if "_all" in p
        and not p["_bound"]
        and p["lp_short_agent_hours"] - p["_all"][1]
        >= max(_BIND_MIN_AGENT_HOURS, _BIND_SHARE * p["lp_short_agent_hours"])
    ]
    if not together or len(singles) < 2:
        return
    base = sum(p["lp_short_agent_hours"] for p in together)
    goal = base - 0.5 * (base - sum(p["_all"][1] for p in together))

    def after(name: str) -> float:
        return sum(p.get("_seen", {}).get(name, (0.0, p["lp_short_agent_hours"]))[1] for p in together)

    keep = list(singles)
    for relax in sorted(singles, key=lambda r: -after(r.name)):  # least helpful alone first
        trial = [r for r in keep if r is not relax]
        if not trial:
            break
        combo = _combine(trial)
        if not time_left(combo.name) or run_check(combo) is None:
            return
        if after(combo.name) <= goal + 1e-9:
            keep = trial
    final = _combine(keep)
    if final.name not in together[0].get("_seen", {}) and (not time_left(final.name) or run_check(final) is None):
        return
    for p in together:
        peak, hours = p["_seen"][final.name]
        p["_together"] = (final, peak, hours)


# --------------------------------------------------------------------------- LP helpers


def _solve_lp(
    model: AggregateModel,
    *,
    cost: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    time_limit_sec: float | None = None,
) -> np.ndarray | None:
    """The LP relaxation's vertex (HiGHS interior point + crossover), or None when infeasible/stopped."""
    options: dict[str, Any] = {}
    if time_limit_sec is not None:
        options["time_limit"] = max(1.0, float(time_limit_sec))
    ub = model.upper if upper is None else upper
    res = solve_lp(  # every HiGHS status handled: re-solved with other settings on an unexpected one
        model.cost if cost is None else cost,
        a_ub=model.a_ub,
        b_ub=model.b_ub,
        a_eq=model.a_eq,
        b_eq=model.b_eq,
        bounds=np.column_stack([model.lower, ub]),
        method="highs-ipm",
        options=options,
    )
    return res.x if res.status == "OPTIMAL" else None


def _focused_cost(model: AggregateModel, focus: np.ndarray) -> np.ndarray:
    """The engine's objective with under-staffing in the diagnosed intervals weighted _FOCUS times.

    LP optima can differ only in where an equally costly shortfall falls; the slight extra weight
    breaks such ties the same way in every solve (away from the diagnosed periods), so the
    periods' figures compare like with like across relaxations.
    """
    cost = model.cost.astype(float)
    if focus.size:
        cost[model.under_var[:, focus].ravel()] *= _FOCUS
    return cost


def _under_caps(model: AggregateModel, cap: np.ndarray) -> np.ndarray:
    """Upper bounds letting each interval be at most ``cap`` agents short (segments filled in order)."""
    upper = model.upper.astype(float)
    left = np.asarray(cap, dtype=float) + 1e-6
    for k in range(model.under_var.shape[0]):
        cols = model.under_var[k]
        take = np.minimum(model.upper[cols], left)
        upper[cols] = take
        left = left - take
    return upper


def _lp_under(model: AggregateModel, x: np.ndarray) -> np.ndarray:
    """Agents short per interval in an LP solution."""
    return np.asarray(x[model.under_var].sum(axis=0), dtype=float)


def _seats_tight(model: AggregateModel, x: np.ndarray, n_intervals: int) -> bool:
    """Whether some seat row is (nearly) full in the LP solution; seat rows come first in a_ub."""
    if n_intervals == 0 or model.a_ub.shape[0] == 0:
        return False
    used = model.a_ub[:n_intervals] @ x
    return bool((model.b_ub[:n_intervals] - used < 0.5).any())


def _extra_agent_model(
    grid: Grid, agents: list[Agent], rules: Rules, contract: str
) -> tuple[AggregateModel, int] | None:
    """The aggregate model plus a free number of extra agents of ``contract`` (no history, no leave).

    The extra agent forms its own class in every week; its one-tour-per-agent rows get a new
    column, the extra headcount, in place of their constant 1. Returns the model and that
    column, or None when the contract's clone has no legal week.
    """
    c = rules.contracts[contract]
    clone = Agent(
        agent_id=f"+{contract}",
        contract=contract,
        min_paid_minutes_week=int(round(c.min_hours_week * 60)),
        max_paid_minutes_week=int(round(c.max_hours_week * 60)),
        templates=c.shifts,
        night_allowed=True,
        unavailable_dates=frozenset(),
        prev_shift_end=None,
        prev_consecutive_days=0,
    )
    try:
        cat = build_catalogue(grid, agents + [clone], rules)
    except WFMError:
        return None
    k = len(agents)
    rows = []
    for w, week in enumerate(cat.classes):
        cls = week[int(cat.agent_class[k, w])]
        if len(cls.agent_index) > 1:
            # The clone shares a real class: give it a class of its own (same tours).
            cls.agent_index.remove(k)
            week.append(
                ClassTours(key=cls.key + ("extra",), agent_index=[k], template_ids=cls.template_ids, tours=cls.tours)
            )
            cat.agent_class[k, w] = len(week) - 1
        rows.append(sum(len(x) for x in cat.classes[:w]) + int(cat.agent_class[k, w]))
    model = build_aggregate(cat)
    n = len(model.cost)
    column = sp.csr_matrix(
        (np.full(len(rows), -1.0), (rows, np.zeros(len(rows), dtype=np.int64))), shape=(model.a_eq.shape[0], 1)
    )
    b_eq = model.b_eq.copy()
    b_eq[rows] = 0.0
    upper = np.full(n + 1, np.inf)
    upper[model.under_var.ravel()] = model.upper[model.under_var.ravel()]
    extended = dataclasses.replace(
        model,
        cost=np.append(model.cost, 0.0),
        lower=np.append(model.lower, 0.0),
        upper=upper,
        a_eq=sp.hstack([model.a_eq, column], format="csr"),
        b_eq=b_eq,
        a_ub=sp.hstack([model.a_ub, sp.csr_matrix((model.a_ub.shape[0], 1))], format="csr"),
    )
    return extended, n


# --------------------------------------------------------------------------- periods


def _periods(
    grid: Grid, short: np.ndarray, *, merge_gap_minutes: int, max_periods: int, max_period_minutes: int = 240
) -> tuple[list[dict], int]:
    """Under-staffed intervals grouped into planner-sized periods, biggest shortfall first.

    Runs of short intervals on one calendar day (gaps up to ``merge_gap_minutes`` merged) form
    windows, runs longer than ``max_period_minutes`` cut into equal pieces; a window with the
    same weekday and clock times in several weeks is one recurring
    period ("Mondays 06:00-08:00"). Returns the kept periods and how many smaller ones were left.
    """
    step = grid.interval_minutes
    per_day = DAY // step
    gap = max(0, merge_gap_minutes // step)
    max_len = max(1, max_period_minutes // step)
    windows: dict[tuple[int, int, int], list[int]] = {}  # (weekday, first, end) -> days
    for day in range(grid.n_days):
        row = short[day * per_day : (day + 1) * per_day]
        idx = np.flatnonzero(row > 1e-6)
        if idx.size == 0:
            continue
        first = prev = int(idx[0])
        for i in list(idx[1:]) + [None]:
            if i is not None and int(i) - prev - 1 <= gap:
                prev = int(i)
                continue
            # A long run (a centre short all day) is cut into equal pieces of at most max_len.
            pieces = -(-(prev + 1 - first) // max_len)
            size = -(-(prev + 1 - first) // pieces)
            for a in range(first, prev + 1, size):
                windows.setdefault((grid.date(day).weekday(), a, min(a + size, prev + 1)), []).append(day)
            if i is not None:
                first = prev = int(i)
    periods: list[dict[str, Any]] = []
    for (weekday, first, end), days in windows.items():
        idx = np.concatenate([np.arange(d * per_day + first, d * per_day + end) for d in days])
        recurring = len(days) > 1
        clock = f"{_clock(first * step)}-{_clock(end * step)}"
        label = (
            f"{_WEEKDAYS_PLURAL[weekday]} {clock}"
            if recurring
            else f"{_WEEKDAYS[weekday]} {grid.date(days[0])} {clock}"
        )
        periods.append(
            {
                "label": label,
                "weekday": _WEEKDAYS[weekday],
                "date": None if recurring else str(grid.date(days[0])),
                "start": _clock(first * step),
                "end": _clock(end * step),
                "days": ";".join(str(grid.date(d)) for d in days),
                "index": idx,
                "first_day": days[0],
                "first": first,
            }
        )
    hours = step / 60
    for p in periods:
        p["short_agent_hours"] = float(short[p["index"]].sum() * hours)
    periods.sort(key=lambda p: (-p["short_agent_hours"], p["first_day"], p["first"]))
    kept = periods[:max_periods]
    kept.sort(key=lambda p: (p["first_day"], p["first"]))
    return kept, len(periods) - len(kept)


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}" if minutes < DAY else "24:00"


# --------------------------------------------------------------------------- result


@dataclass
class Diagnosis:
    """What :func:`diagnose_shortfall` found.

    Attributes
    ----------
    periods
        One row per short period (columns :data:`PERIOD_COLUMNS`): ``label`` ("Mon 2026-11-30
        06:00-08:00" or "Mondays 06:00-08:00" when it repeats every week), ``short_agent_hours``,
        ``peak_short_agents`` and ``avg_short_agents`` of the roster (or of the LP plan when no
        roster was given), ``lp_*`` the same in the best plan the rules allow (the LP relaxation
        the engine's lower bound comes from), ``binding_rule`` (the check whose relaxation lowers
        the LP shortfall there most, empty when none binds), ``relaxation`` (how it was relaxed),
        ``lp_peak_after_relaxation`` and ``lp_short_agent_hours_after``, and ``more_agents``: at least
        this many more agents of ``more_agents_contract`` are needed to close the period (the LP's
        count rounded up; a lower bound).
    checks
        One row per (check, period) that ran (columns :data:`CHECK_COLUMNS`).
    sentences
        Ready-to-print findings in planners' words.
    checks_run, checks_skipped
        Names of the checks that ran; the ones skipped, with the reason (not applicable, or out
        of time).
    hours
        ``required_agent_hours`` (net of previous-week shifts still running) against
        ``max_on_phone_agent_hours``, the most the agents can work on the phones (an upper bound).
    more_periods
        Short periods left out (beyond ``max_periods``).
    elapsed_sec
        Wall time of the diagnosis.
    """

    periods: pd.DataFrame
    checks: pd.DataFrame
    sentences: list[str]
    checks_run: list[str] = field(default_factory=list)
    checks_skipped: dict[str, str] = field(default_factory=dict)
    hours: dict[str, float] = field(default_factory=dict)
    more_periods: int = 0
    elapsed_sec: float = 0.0

    def to_text(self) -> str:
        """The findings as plain text (one paragraph per finding) plus which checks ran."""
        lines = list(self.sentences)
        lines.append(f"Checks run ({self.elapsed_sec:.1f} s): {', '.join(self.checks_run) or 'none'}.")
        if self.checks_skipped:
            lines.append("Skipped: " + "; ".join(f"{k} ({v})" for k, v in self.checks_skipped.items()) + ".")
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The findings as a short markdown document."""
        out = ["# Roster diagnosis", ""]
        out += [f"- {s}" for s in self.sentences]
        out += ["", f"Checks run ({self.elapsed_sec:.1f} s): {', '.join(self.checks_run) or 'none'}."]
        if self.checks_skipped:
            out += ["", "Skipped: " + "; ".join(f"{k} ({v})" for k, v in self.checks_skipped.items()) + "."]
        return "\n".join(out) + "\n"


def _fmt(value: float) -> str:
    """Agents or hours for a sentence: whole numbers plain, else one decimal."""
    return f"{value:,.0f}" if abs(value - round(value)) < 0.05 else f"{value:,.1f}"


def _capacity_hours(agents: list[Agent], rules: Rules, grid: Grid) -> tuple[float, dict[str, float]]:
    """The most on-phone hours the agents can work in the horizon, and per agent of each contract.

    Per agent and week: the best template's (length - breaks) x the most shifts its days off,
    unavailable days and max_hours_week allow. An upper bound (rest, nights and seats ignored).
    """
    total = 0.0
    per_contract: dict[str, float] = {}
    day0 = grid.start.date()
    for agent in agents:
        for d0, n in grid.weeks:
            off_needed = max(0, rules.min_days_off_per_week - (7 - n))
            away = sum(1 for d in agent.unavailable_dates if 0 <= (d - day0).days - d0 < n)
            days = min(n - away, n - off_needed)
            total += (
                max(
                    (
                        _on_phone(t) * min(days, agent.max_paid_minutes_week // max(t.paid_minutes, 1))
                        for t in agent.templates
                    ),
                    default=0,
                )
                / 60
            )
    for name, c in rules.contracts.items():
        # One more agent of the contract, with no leave: the same sum over the horizon's weeks.
        per_contract[name] = sum(
            max(
                _on_phone(t)
                * min(
                    n - max(0, rules.min_days_off_per_week - (7 - n)),
                    int(c.max_hours_week * 60) // max(t.paid_minutes, 1),
                )
                for t in c.shifts
            )
            / 60
            for _, n in grid.weeks
        )
    return total, per_contract


def _on_phone(t: ShiftTemplate) -> int:
    return t.length_minutes - sum(b.minutes for b in t.breaks)


def diagnose_shortfall(
    requirements: pd.DataFrame,
    agents: pd.DataFrame,
    rules: Rules,
    result: RosterResult | None = None,
    *,
    time_limit_sec: float = 120.0,
    max_periods: int = 6,
    merge_gap_minutes: int = 30,
    max_period_minutes: int = 240,
    checks: Sequence[str] | None = None,
    more_agents: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Diagnosis:
    """Say where coverage is short and which rules bind there, with the relaxation that helps.

    Parameters
    ----------
    requirements, agents, rules
        The inputs of :func:`wfm.roster.schedule`.
    result
        The roster to diagnose; its coverage frame defines the short periods. Without it the
        shortfall of the best plan the rules allow (the aggregate LP) is diagnosed.
    time_limit_sec
        Wall-clock budget. The base LP always runs; a check starts only when the time left
        covers the slowest LP so far (so the budget may be exceeded by about one LP). The
        benchmark week's LP takes 3-10 s.
    max_periods
        Diagnose at most this many periods (those with the most short agent-hours).
    merge_gap_minutes
        Short runs on one day separated by at most this gap form one period.
    max_period_minutes
        Longer runs are cut into equal pieces no longer than this (a centre short all day gets
        planner-sized periods, not "00:00-24:00").
    checks
        Restrict the checks to these names (see :data:`RELAXATIONS`; ``"more_agents"`` too).
    more_agents
        Also compute how many more agents of each contract would close each period.
    progress
        Called with one-line progress messages.

    Returns
    -------
    Diagnosis
        Periods and checks frames, sentences in planners' words, and which checks ran.

    Raises
    ------
    InfeasibleRosterError
        When no legal roster exists at all (diagnose that with :func:`explain_infeasible`).

    Examples
    --------
    >>> diag = diagnose_shortfall(requirements, agents, rules, result, time_limit_sec=60)  # doctest: +SKIP
    >>> print(diag.to_text())  # doctest: +SKIP
    Mon 2026-11-30 06:00-08:00: 2 agent(s) short at peak (4 agent-hours). ... The 11 h rest rule binds: at 9 h
    rest the shortfall here could fall to 0 at peak (0 agent-hours instead of 4; LP bounds).
    """
    t0 = time.perf_counter()
    if not time_limit_sec > 0:
        raise InvalidInputError(f"time_limit_sec must be > 0, got {time_limit_sec!r}")
    if max_periods < 1 or merge_gap_minutes < 0 or max_period_minutes < 1:
        raise InvalidInputError(
            "max_periods and max_period_minutes must be >= 1 and merge_gap_minutes >= 0, got "
            f"{max_periods}, {max_period_minutes} and {merge_gap_minutes}"
        )
    unknown = sorted(set(checks or ()) - set(RELAXATIONS))
    if unknown:
        raise InvalidInputError(f"checks must be some of {', '.join(RELAXATIONS)}, got {', '.join(unknown)}")
    report = progress or (lambda message: None)
    wanted = set(checks) if checks is not None else None
    parsed = parse_agents(agents, rules)
    grid = build_grid(requirements)
    step_h = grid.interval_minutes / 60
    base_cat = build_catalogue(grid, parsed, rules)
    base_model = build_aggregate(base_cat)
    lp_t = time.perf_counter()
    if result is not None:
        short = result.coverage["under"].to_numpy(dtype=float)
        if len(short) != grid.n_intervals:
            raise InvalidInputError(
                f"result coverage must have one row per interval of the requirements, got "
                f"{len(short)} rows for {grid.n_intervals} intervals"
            )
        source = "roster"
    else:
        plain = _solve_lp(base_model)
        if plain is None:
            raise InfeasibleRosterError("no legal roster: the aggregate LP is infeasible; see explain_infeasible")
        under = _lp_under(base_model, plain)
        short = np.where(under > 1e-6, under, 0.0)
        source = "lp"
    periods, more_periods = _periods(
        grid, short, merge_gap_minutes=merge_gap_minutes, max_periods=max_periods, max_period_minutes=max_period_minutes
    )
    required_hours = float((grid.required - np.minimum(base_cat.carry, grid.required)).sum() * step_h)
    capacity, per_agent = _capacity_hours(parsed, rules, grid)
    hours = {"required_agent_hours": round(required_hours, 2), "max_on_phone_agent_hours": round(capacity, 2)}
    if not periods:
        # Nothing is short: no LP to solve.
        sentence = (
            "No interval is short: the roster meets the requirement everywhere."
            if source == "roster"
            else "No interval is short in the best plan the rules allow."
        )
        return Diagnosis(
            pd.DataFrame(columns=list(PERIOD_COLUMNS)),
            pd.DataFrame(columns=list(CHECK_COLUMNS)),
            [sentence],
            [],
            {},
            hours,
            0,
            round(time.perf_counter() - t0, 2),
        )
    focus = np.concatenate([p["index"] for p in periods])
    base_x = _solve_lp(base_model, cost=_focused_cost(base_model, focus))
    slowest = time.perf_counter() - lp_t
    if base_x is None:
        raise InfeasibleRosterError("no legal roster: the aggregate LP is infeasible; see explain_infeasible")
    base_under = _lp_under(base_model, base_x)
    report(f"diagnose: base LP {slowest:.1f} s, {base_under.sum() * step_h:,.1f} short agent-hours")

    def period_figures(under: np.ndarray, p: dict) -> tuple[float, float]:
        vals = under[p["index"]]
        return float(vals.max(initial=0.0)), float(vals.sum() * step_h)

    rows: list[dict] = []
    for k, p in enumerate(periods):
        peak, agent_hours = period_figures(short, p)
        lp_peak, lp_hours = period_figures(base_under, p)
        p.update(
            period=k + 1,
            peak_short_agents=peak,
            avg_short_agents=float(short[p["index"]].mean()),
            intervals=len(p["index"]),
            lp_peak_short_agents=lp_peak,
            lp_short_agent_hours=lp_hours,
            binding_rule="",
            relaxation="",
            lp_peak_after_relaxation=float("nan"),
            lp_short_agent_hours_after=float("nan"),
            more_agents_contract="",
            more_agents=float("nan"),
            _best=0.0,
            _bound=[],
            _more={},
        )

    run: list[str] = []
    skipped: dict[str, str] = {}
    singles, not_applicable = _relaxations(rules, parsed, grid, _seats_tight(base_model, base_x, grid.n_intervals))
    skipped.update(not_applicable)
    if wanted is not None:
        for r in singles:
            if r.name not in wanted:
                skipped[r.name] = "not requested"
        singles = [r for r in singles if r.name in wanted]
    deadline = t0 + time_limit_sec

    def time_left(name: str) -> bool:
        if time.perf_counter() + slowest > deadline:
            skipped[name] = "out of time"
            return False
        return True

    def run_check(relax: _Relaxation) -> np.ndarray | None:
        nonlocal slowest
        t = time.perf_counter()
        try:
            relaxed_rules, relaxed_agents = relax.apply(rules, parsed)
            model = build_aggregate(build_catalogue(grid, relaxed_agents, relaxed_rules))
        except WFMError as exc:
            skipped[relax.name] = f"could not build: {exc}"
            return None
        x = _solve_lp(model, cost=_focused_cost(model, focus), time_limit_sec=max(1.0, deadline - time.perf_counter()))
        sec = time.perf_counter() - t
        slowest = max(slowest, sec)
        if x is None:
            skipped[relax.name] = "LP did not finish"
            return None
        under = _lp_under(model, x)
        run.append(relax.name)
        for p in periods:
            peak, agent_hours = period_figures(under, p)
            drop = p["lp_short_agent_hours"] - agent_hours
            binds = drop >= max(_BIND_MIN_AGENT_HOURS, _BIND_SHARE * p["lp_short_agent_hours"])
            rows.append(
                {
                    "check": relax.name,
                    "relaxation": relax.change,
                    "period": p["period"],
                    "label": p["label"],
                    "lp_peak_short_agents": round(p["lp_peak_short_agents"], 2),
                    "lp_short_agent_hours": round(p["lp_short_agent_hours"], 2),
                    "lp_peak_after": round(peak, 2),
                    "lp_short_agent_hours_after": round(agent_hours, 2),
                    "binds": bool(binds),
                    "sec": round(sec, 2),
                }
            )
            if binds and relax.name != "all_rules" and "+" not in relax.name:
                p["_bound"].append((drop, relax, peak, agent_hours))
            p.setdefault("_seen", {})[relax.name] = (peak, agent_hours)
        report(f"diagnose: {relax.name} {relax.change}: {under.sum() * step_h:,.1f} short agent-hours ({sec:.1f} s)")
        return under

    # Everything relaxed at once first: where even that leaves the shortfall, no single rule is
    # to blame and the singles are skipped there (they cannot do better than all together).
    rules_matter = True
    if singles and periods:
        joint = _relax_all(singles)
        if (wanted is None or "all_rules" in wanted) and time_left("all_rules"):
            joint_under = run_check(joint)
            if joint_under is not None:
                rules_matter = any(r["binds"] for r in rows if r["check"] == "all_rules")
                for p in periods:
                    p["_all"] = period_figures(joint_under, p)
    if rules_matter and periods:
        for relax in singles:
            if time_left(relax.name):
                run_check(relax)
        _rules_together(periods, singles, rows, run_check, time_left)
    elif singles and periods:
        for relax in singles:
            skipped.setdefault(relax.name, "every rule relaxed at once did not lower the shortfall")

    if more_agents and periods and (wanted is None or "more_agents" in wanted):
        for contract in rules.contracts:
            name = f"more_agents:{contract}"
            if not time_left(name):
                continue
            t = time.perf_counter()
            built = _extra_agent_model(grid, parsed, rules, contract)
            if built is None:
                skipped[name] = f"a {contract} agent has no legal week"
                continue
            model, column = built
            cost = np.zeros(len(model.cost))
            cost[column] = 1.0
            for p in periods:
                if p["lp_short_agent_hours"] < _BIND_MIN_AGENT_HOURS:
                    continue  # the rules already allow covering it: more agents are not the answer
                if time.perf_counter() + slowest > deadline:
                    skipped[name] = "out of time (some periods)"
                    break
                # Close the period without opening gaps elsewhere: no other interval may be
                # shorter than in the best plan without extra agents.
                upper = _under_caps(model, base_under)
                upper[model.under_var[:, p["index"]].ravel()] = 0.0
                x = _solve_lp(model, cost=cost, upper=upper, time_limit_sec=max(1.0, deadline - time.perf_counter()))
                p["_more"][contract] = None if x is None else int(math.ceil(x[column] - 1e-4))
            sec = time.perf_counter() - t
            slowest = max(slowest, sec / max(1, len(periods)))
            run.append(name)
            report(f"diagnose: {name} ({sec:.1f} s)")

    # Collect per period: the binding rule (largest drop) and the cheapest "more agents".
    sentences: list[str] = []
    for p in periods:
        if p["_bound"]:
            drop, relax, peak, agent_hours = max(p["_bound"], key=lambda b: b[0])
            p.update(
                binding_rule=relax.name,
                relaxation=relax.change,
                lp_peak_after_relaxation=round(peak, 2),
                lp_short_agent_hours_after=round(agent_hours, 2),
            )
        elif "_together" in p:
            relax, peak, agent_hours = p["_together"]
            p.update(
                binding_rule=relax.name,
                relaxation=relax.change,
                lp_peak_after_relaxation=round(peak, 2),
                lp_short_agent_hours_after=round(agent_hours, 2),
            )
        closing = {c: n for c, n in p["_more"].items() if n is not None}
        if closing:
            contract = min(closing, key=lambda c: (closing[c], c))
            p.update(more_agents_contract=contract, more_agents=float(closing[contract]))
        sentences.append(_period_sentence(p, source))
    sentences.append(_hours_sentence(required_hours, capacity, per_agent, parsed, rules))
    if more_periods:
        sentences.append(f"{more_periods} smaller short period(s) were not diagnosed (max_periods={max_periods}).")

    frame = pd.DataFrame([{k: p.get(k) for k in PERIOD_COLUMNS} for p in periods], columns=list(PERIOD_COLUMNS))
    for col in (
        "short_agent_hours",
        "peak_short_agents",
        "avg_short_agents",
        "lp_short_agent_hours",
        "lp_peak_short_agents",
    ):
        frame[col] = frame[col].astype(float).round(2)
    checks_frame = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    return Diagnosis(
        frame, checks_frame, sentences, run, skipped, hours, more_periods, round(time.perf_counter() - t0, 2)
    )


def _period_sentence(p: dict, source: str) -> str:
    """One period's finding: how short, what binds and what would help."""
    text = (
        f"{p['label']}: {_fmt(p['peak_short_agents'])} agent(s) short at peak "
        f"({_fmt(p['short_agent_hours'])} agent-hours)."
    )
    if source == "roster" and p["lp_short_agent_hours"] < _BIND_MIN_AGENT_HOURS:
        text += (
            " The best plan the rules allow (LP bound) covers it: the gap comes from placing named agents "
            "(or the best plan leaves smaller gaps elsewhere instead), not from the rules here."
        )
    elif source == "roster":
        text += (
            f" Even the best plan the rules allow (LP bound) is {_fmt(p['lp_peak_short_agents'])} short at peak here."
        )
    if p["_bound"]:
        drop, relax, peak, hours = max(p["_bound"], key=lambda b: b[0])
        text = text.rstrip() + (
            f" {_capitalise(relax.rule)} binds: {relax.change} the shortfall here could fall "
            f"to {_fmt(peak)} at peak ({_fmt(hours)} agent-hours instead of "
            f"{_fmt(p['lp_short_agent_hours'])}; LP bounds)."
        )
        others = sorted((b for b in p["_bound"] if b[1].name != relax.name), key=lambda b: -b[0])
        if others:
            text += (
                " Also binding: "
                + ", ".join(f"{b[1].rule} ({b[1].change}: {_fmt(b[3])} agent-hours)" for b in others[:3])
                + "."
            )
    elif "_together" in p:
        relax, peak, hours = p["_together"]
        verb = "bind together (none alone)" if "+" in relax.name else "binds (across these periods)"
        text += (
            f" {_capitalise(relax.rule)} {verb}: {relax.change} the shortfall here could "
            f"fall to {_fmt(peak)} at peak ({_fmt(hours)} agent-hours instead of "
            f"{_fmt(p['lp_short_agent_hours'])}; LP bounds)."
        )
    elif "_all" in p and p["lp_short_agent_hours"] >= 0.25:
        peak, hours = p["_all"]
        if p["lp_short_agent_hours"] - hours < max(_BIND_MIN_AGENT_HOURS, _BIND_SHARE * p["lp_short_agent_hours"]):
            text += (
                " No rule binds: even with every rule relaxed it stays short; there are too few agents at these times."
            )
        else:
            text += (
                f" The rules bind together (relaxed all at once the shortfall falls to {_fmt(hours)} "
                "agent-hours) but no single one does."
            )
    if p["more_agents_contract"]:
        n = int(p["more_agents"])
        text += (
            f" At least {n} more {p['more_agents_contract']} agent(s) would be needed to close it (LP bound)."
            if n > 0
            else ""
        )
    elif p["_more"]:
        text += " No number of extra agents of one contract closes it (seats or shift rules stop them)."
    return text


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _hours_sentence(
    required: float, capacity: float, per_agent: dict[str, float], agents: list[Agent], rules: Rules
) -> str:
    if required > capacity + 1e-6:
        lacking = required - capacity
        best = max(per_agent, key=lambda c: per_agent[c])
        n = int(math.ceil(lacking / max(per_agent[best], 1e-9)))
        return (
            f"Not enough agent-hours at all: the requirement is {_fmt(required)} agent-hours but the "
            f"{len(agents):,} agents can work at most {_fmt(capacity)} on the phones; at least {n} more "
            f"{best} agent(s) are needed whatever the rules."
        )
    return (
        f"Hours: the requirement is {_fmt(required)} agent-hours and the {len(agents):,} agents can work at most "
        f"{_fmt(capacity)} on the phones ({required / max(capacity, 1e-9):.0%} of it), so the shortfall is "
        "about where the hours fall (the rules and the profile), not their total."
    )


#: names of the shortfall checks, in the order they run
RELAXATIONS = (
    "all_rules",
    "night_allowed",
    "max_night_shifts_per_week",
    "min_rest_hours",
    "start_stability_hours",
    "min_days_off_per_week",
    "days_off_consecutive",
    "max_consecutive_days",
    "unavailable",
    "shift_lengths",
    "start_windows",
    "max_hours_week",
    "seats",
    "more_agents",
)
