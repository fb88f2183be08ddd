"""Multi-week roster instances that strand a week-by-week engine, and an independent legality check.

:func:`instance` draws a 1-6 week 24x7 centre of ``n_agents`` agents (about 80% full-time
9 h shifts, 20% part-time 4-6 h), with

* leave blocks of 2-4 days across week boundaries (``leave`` share of agents, default 5%),
  plus scattered single unavailable dates;
* tight rules: ``max_consecutive_days`` 5 or 6, ``min_rest_hours`` 11-13;
* a previous-week carry-in for every agent (last shift end, run of working days up to 5);
* optionally (``cycle=True``) a 2-week hour-balancing cycle (weeks of 32-45 paid h averaging 40).

Most weeks have a legal plan; some agents draw a leave block next to a long carry-in run or a
late last shift that leaves none (the engine must then say so, and only then).

:func:`agent_admits` decides, for one agent, whether the labour rules and its history alone
admit a legal roster of the whole horizon: a direct CP-SAT model written here from the rules'
plain values (not the engine's catalogue, tours or week masks). With seats above the head
count (as here) agents do not interact, so an instance has a legal roster exactly when every
agent admits one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from wfm.roster import Rules

START = pd.Timestamp("2026-11-30")  # a Monday
DAY = 1440


def rules_dict(rng: np.random.Generator, n_agents: int, *, cycle: bool) -> dict:
    """The rules of one instance (60-minute starts; seats above the head count)."""
    ft_shifts = [
        {
            "length_hours": 9,
            "unpaid_minutes": 60,
            "earliest_start": "00:00",
            "latest_start": "23:00",
            "start_step_minutes": 60,
        }
    ]
    ft = {"min_hours_week": 40, "max_hours_week": 40, "shifts": ft_shifts}
    rules = {
        "seats": n_agents + 5,
        "min_days_off_per_week": 2,
        "max_consecutive_days": int(rng.choice([5, 6])),
        "min_rest_hours": int(rng.choice([11, 12, 13])),
        "max_night_shifts_per_week": 5,
        "night_window": ["00:00", "05:00"],
        "start_stability_hours": 2,
    }
    if cycle:
        ft = {
            "min_hours_week": 32,
            "max_hours_week": 45,
            "avg_hours_week": 40,
            "cycle_tolerance_hours": 4,
            "shifts": ft_shifts
            + [
                {
                    "length_hours": 10,
                    "unpaid_minutes": 60,
                    "earliest_start": "00:00",
                    "latest_start": "22:00",
                    "start_step_minutes": 60,
                }
            ],
        }
        rules["cycle_weeks"] = 2
    return {
        "rules": rules,
        "contracts": {
            "ft": ft,
            "pt": {
                "min_hours_week": 16,
                "max_hours_week": 25,
                "shifts": [
                    {
                        "length_hours": h,
                        "earliest_start": "06:00",
                        "latest_start": f"{22 - h:02d}:00",
                        "start_step_minutes": 60,
                    }
                    for h in (4, 5, 6)
                ],
            },
        },
    }


#: requirement shapes by hour of day: two day peaks (the default), flat, evening-heavy, night-heavy
SHAPES = ("two-peak", "flat", "evening", "night")


def _profile(shape: str) -> np.ndarray:
    hours = np.arange(24)
    if shape == "two-peak":
        return 0.25 + np.exp(-(((hours - 10.5) / 3.0) ** 2)) + 0.8 * np.exp(-(((hours - 16) / 3.0) ** 2))
    if shape == "flat":
        return np.ones(24)
    if shape == "evening":  # late shifts wanted: a run of them pushes rest into the next week
        return 0.15 + np.exp(-(((hours - 19.5) / 2.5) ** 2))
    if shape == "night":
        return 0.3 + np.exp(-((np.minimum(np.abs(hours - 1), 24 - np.abs(hours - 1)) / 3.0) ** 2))
    raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")


def requirements(weeks: int, n_agents: int, rng: np.random.Generator, shape: str = "two-peak") -> pd.DataFrame:
    """Hourly requirement of ``shape`` (default: two day peaks, a night trough), lighter weekends, ~85%
    of the agents' hours."""
    profile = _profile(shape)
    days = 7 * weeks
    shape = np.concatenate([profile * (0.65 if d % 7 >= 5 else 1.0) * (1 + rng.normal(0, 0.03)) for d in range(days)])
    hours_needed = 0.85 * n_agents * (0.8 * 45 + 0.2 * 20) * weeks
    agents = np.round(shape * hours_needed / shape.sum()).astype(int)
    stamps = pd.date_range(START, periods=days * 24, freq="h")
    return pd.DataFrame({"interval_start": stamps, "agents_scheduled": agents})


def agents(weeks: int, n_agents: int, rng: np.random.Generator, *, leave: float) -> pd.DataFrame:
    days = 7 * weeks
    rows = []
    n_ft = int(round(0.8 * n_agents))
    for i in range(n_agents):
        full = i < n_ft
        off: set[int] = set()
        if rng.random() < 0.10:
            off.add(int(rng.integers(0, days)))
        if rng.random() < leave:
            # a leave block across a week boundary (or at the horizon start, against the carry-in)
            if weeks > 1 and rng.random() < 0.8:
                boundary = 7 * int(rng.integers(1, weeks))
                before = int(rng.integers(1, 3))
                after = int(rng.integers(1, 3))
                off.update(range(boundary - before, boundary + after))
            else:
                off.update(range(0, int(rng.integers(1, 3))))
        run = int(rng.integers(0, 6)) if rng.random() < 0.75 else 0
        start_h = int(rng.choice([6, 8, 10, 12, 14, 15]))
        length = 9 if full else int(rng.choice([4, 5, 6]))
        last_day = -1 if run else -int(rng.integers(2, 4))
        prev_end = START + pd.Timedelta(days=last_day, hours=start_h + length)
        rows.append(
            {
                "agent_id": f"{'F' if full else 'P'}{i:05d}",
                "contract": "ft" if full else "pt",
                "shift_lengths_h": "9" if full else str(rng.choice(["4;5;6", "5;6", "4;5"])),
                "night_allowed": bool(rng.random() > 0.15) if full else False,
                "unavailable_dates": ";".join(
                    (START + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for d in sorted(off) if 0 <= d < days
                ),
                "prev_shift_end": prev_end,
                "prev_consecutive_days": run,
            }
        )
    frame = pd.DataFrame(rows)
    frame.loc[frame["contract"] == "ft", "shift_lengths_h"] = ""  # every ft template (9 h, and 10 h with cycles)
    return frame


def instance(
    weeks: int, n_agents: int, seed: int, *, leave: float = 0.05, cycle: bool = False, shape: str = "two-peak"
):
    """(requirements, agents, rules dict) of one generated instance."""
    rng = np.random.default_rng(seed)
    rd = rules_dict(rng, n_agents, cycle=cycle)
    return requirements(weeks, n_agents, rng, shape), agents(weeks, n_agents, rng, leave=leave), rd


# ----------------------------------------------------------------------------- independent check


def _lengths(rd: dict, row: pd.Series) -> list[dict]:
    shifts = rd["contracts"][row["contract"]]["shifts"]
    wanted = str(row["shift_lengths_h"] or "")
    if not wanted or wanted == "nan":
        return shifts
    keep = {float(v) for v in wanted.split(";")}
    return [s for s in shifts if float(s["length_hours"]) in keep]


def agent_admits(rd: dict, row: pd.Series, weeks: int, time_limit: float = 20.0) -> bool:
    """Whether the labour rules and the agent's history alone admit a legal roster of the horizon.

    Written from the rules' plain values: a Boolean per (day, shift, start hour); weekly paid
    hours (full weeks), days off, consecutive days (with the carry-in run), rest (from the
    previous shift end and day to day), nights (ban and weekly cap), start stability (clock
    hours), unavailable dates, and with a cycle the cycle's paid hours.
    """
    r = rd["rules"]
    con = rd["contracts"][row["contract"]]
    shifts = _lengths(rd, row)
    days = 7 * weeks
    unavailable = {
        (pd.Timestamp(d) - START).days for d in str(row["unavailable_dates"] or "").split(";") if d and d != "nan"
    }
    m = cp_model.CpModel()
    x = {}
    prev_end = (pd.Timestamp(row["prev_shift_end"]) - START) / pd.Timedelta(minutes=1)
    rest = r["min_rest_hours"] * 60
    nw0, nw1 = (int(v[:2]) * 60 for v in r["night_window"])
    for d in range(days):
        if d in unavailable:
            continue
        for k, s in enumerate(shifts):
            lo, hi = int(s["earliest_start"][:2]), int(s["latest_start"][:2])
            for h in range(lo, hi + 1):
                start = d * DAY + h * 60
                if start < prev_end + rest:
                    continue
                length = int(s["length_hours"] * 60)
                # night: the shift touches the window of its own day or the next
                night = any(start < (d + j) * DAY + nw1 and start + length > (d + j) * DAY + nw0 for j in (0, 1))
                if night and not bool(row["night_allowed"]):
                    continue
                x[(d, k, h)] = (m.new_bool_var(""), night)
    by_day: list[list[tuple[int, int, cp_model.IntVar, bool]]] = [[] for _ in range(days)]
    for (d, k, h), (v, night) in x.items():
        by_day[d].append((k, h, v, night))
    wsum = cp_model.LinearExpr.weighted_sum

    def minutes(k: int) -> int:
        return int(shifts[k]["length_hours"] * 60)

    def paid(k: int) -> int:
        return int(shifts[k]["length_hours"] * 60 - shifts[k].get("unpaid_minutes", 0))

    worked = []
    for d in range(days):
        w = m.new_bool_var("")
        m.add(sum(v for _, _, v, _ in by_day[d]) == w)
        worked.append(w)
    for d in range(days - 1):
        # shift end of day d and start of day d+1 (0 on a day off; only enforced when both are worked)
        end_d = wsum([v for _, _, v, _ in by_day[d]], [d * DAY + h * 60 + minutes(k) for k, h, _, _ in by_day[d]])
        start_n = wsum([v for _, _, v, _ in by_day[d + 1]], [(d + 1) * DAY + h * 60 for _, h, _, _ in by_day[d + 1]])
        m.add(start_n - end_d >= rest).only_enforce_if([worked[d], worked[d + 1]])
    mc = r["max_consecutive_days"]
    seq = [1] * int(row["prev_consecutive_days"]) + worked
    for f in range(len(seq) - mc):
        win = seq[f : f + mc + 1]
        if any(not isinstance(v, int) for v in win):
            m.add(sum(win) <= mc)
    week_paid = []
    for w in range(weeks):
        items = [item for d in range(7 * w, 7 * w + 7) for item in by_day[d]]
        p = wsum([v for _, _, v, _ in items], [paid(k) for k, _, _, _ in items])
        week_paid.append(p)
        m.add(p >= con["min_hours_week"] * 60)
        m.add(p <= con["max_hours_week"] * 60)
        m.add(sum(worked[7 * w : 7 * w + 7]) <= 7 - r["min_days_off_per_week"])
        m.add(sum(v for _, _, v, night in items if night) <= r["max_night_shifts_per_week"])
        lo = m.new_int_var(0, 24, "")
        for d in range(7 * w, 7 * w + 7):
            clock = wsum([v for _, _, v, _ in by_day[d]], [h for _, h, _, _ in by_day[d]])
            m.add(clock >= lo).only_enforce_if(worked[d])
            m.add(clock <= lo + r["start_stability_hours"]).only_enforce_if(worked[d])
    cw = r.get("cycle_weeks")
    if cw and "avg_hours_week" in con:
        for c0 in range(0, weeks - cw + 1, cw):
            total = sum(week_paid[c0 : c0 + cw])
            norm = con["avg_hours_week"] * cw * 60
            tol = con.get("cycle_tolerance_hours", 0) * 60
            m.add(total >= norm - tol)
            m.add(total <= norm + tol)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(m)
    if status == cp_model.UNKNOWN:
        raise TimeoutError("independent agent model did not finish")
    return status != cp_model.INFEASIBLE


def instance_admits(rd: dict, agents_frame: pd.DataFrame, weeks: int, time_limit: float = 20.0) -> list[str]:
    """The agents whose rules and history admit no legal roster (empty: the instance has one).

    An agent whose model does not finish in ``time_limit`` is tried once more with 10x the limit
    (a loaded machine); TimeoutError if it still does not."""
    out = []
    for _, row in agents_frame.iterrows():
        try:
            admits = agent_admits(rd, row, weeks, time_limit)
        except TimeoutError:
            admits = agent_admits(rd, row, weeks, 10 * time_limit)
        if not admits:
            out.append(str(row["agent_id"]))
    return out


def as_rules(rd: dict) -> Rules:
    return Rules.from_dict(rd)
