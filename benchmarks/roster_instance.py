"""Rebuild the reference roster instance: 1,400 agents, 1,700 seats, 24x7 15-minute requirement.

The requirement has a morning (10:30) and an afternoon (15:30) peak, a lighter weekend and a
night trough about a fifteenth of the weekday peak. It is scaled so that the required
agent-hours are ``load`` (default 95%) of the agents' contracted **on-phone** hours (the
rules in examples/rules.toml have breaks): 1,100 full-time agents x 5 shifts x (9 h - 1 h
meal - two 15-min breaks = 7.5 h) plus 300 part-time agents x 25 h (the middle of 20-30 h)
less one 15-minute break per shift of ~5 h (25 h -> 23.75 h). ``on_phone=False`` gives the
earlier on-shift scaling (9 h and 25 h), for rules without breaks.

Agents carry realistic noise: 12% of full-time agents may not work nights, ~12% have one or
two unavailable dates, and every agent has a previous-week history (last shift end and
consecutive days worked) drawn from a plausible previous roster.

Usage::

    python benchmarks/roster_instance.py OUTDIR [--weeks 1] [--seed 7] [--wishes]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wfm.io import write_frame  # noqa: E402

START = pd.Timestamp("2026-11-30")  # a Monday
N_FULL_TIME = 1100
N_PART_TIME = 300
RULES_PATH = ROOT / "examples" / "rules.toml"
DAY_FACTOR = np.array([1.00, 0.97, 0.95, 0.95, 0.98, 0.66, 0.58])  # Monday .. Sunday


def intraday_profile(interval_minutes: int = 15) -> np.ndarray:
    """Relative load per interval of a weekday, peak 1, night trough 1/15."""
    hours = np.arange(0, 24, interval_minutes / 60) + interval_minutes / 120
    shape = (
        1.0 * np.exp(-(((hours - 10.5) / 2.3) ** 2))
        + 0.9 * np.exp(-(((hours - 15.5) / 2.6) ** 2))
        + 0.35 * np.exp(-(((hours - 20.0) / 2.0) ** 2))
    )
    shape = shape / shape.max()
    trough = 1 / 15
    return trough + (1 - trough) * shape


def requirements(
    weeks: int = 1, *, load: float = 0.95, interval_minutes: int = 15, seed: int = 7, on_phone: bool = True
) -> pd.DataFrame:
    """The pooled requirements frame (``interval_start, agents_scheduled``)."""
    rng = np.random.default_rng(seed)
    profile = intraday_profile(interval_minutes)
    per_day = len(profile)
    days = 7 * weeks
    shape = np.concatenate([profile * DAY_FACTOR[d % 7] * (1 + rng.normal(0, 0.02)) for d in range(days)])
    if on_phone:
        contracted_hours = (N_FULL_TIME * 5 * 7.5 + N_PART_TIME * 25 * (1 - 0.25 / 5)) * weeks
    else:
        contracted_hours = (N_FULL_TIME * 45 + N_PART_TIME * 25) * weeks
    target_agent_intervals = load * contracted_hours * 60 / interval_minutes
    agents = np.round(shape * target_agent_intervals / shape.sum()).astype(int)
    stamps = pd.date_range(START, periods=days * per_day, freq=f"{interval_minutes}min")
    return pd.DataFrame({"interval_start": stamps, "agents_scheduled": agents})


def agents(seed: int = 7, weeks: int = 1, *, wishes: bool = False) -> pd.DataFrame:
    """The agents frame: contracts, night permission, unavailability and previous-week history
    (and with ``wishes`` the soft preferences of :func:`add_wishes`)."""
    rng = np.random.default_rng(seed)
    rows = []
    horizon_days = 7 * weeks
    hourly = intraday_profile(60)
    start_weight = np.array([hourly[np.arange(h, h + 9) % 24].sum() for h in range(24)]) ** 3
    day_hours = (np.arange(24) >= 5) & (np.arange(24) <= 15)  # 9 h shifts that stay off the night window
    for i in range(N_FULL_TIME + N_PART_TIME):
        full = i < N_FULL_TIME
        agent_id = f"FT{i + 1:04d}" if full else f"PT{i - N_FULL_TIME + 1:04d}"
        night_allowed = bool(rng.random() > 0.12) if full else False
        unavailable = []
        u = rng.random()
        n_unavailable = 2 if u < 0.03 else (1 if u < 0.12 else 0)
        for d in sorted(rng.choice(horizon_days, size=n_unavailable, replace=False)):
            unavailable.append((START + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d"))
        # Previous week: worked Sunday with probability 0.7, ending a run of 1-5 days.
        # Two unavailable dates and a long run before the week can leave no legal week (the
        # 6-day rule); such an agent is taken to have rested at the end of the previous week.
        if rng.random() < 0.7 and n_unavailable < 2:
            run = int(rng.integers(1, 6))
            last_day = START - pd.Timedelta(days=1)
        else:
            run = 0
            last_day = START - pd.Timedelta(days=int(rng.integers(2, 4)))
        if full:
            # Last week's starts follow the load a shift would cover, so few ended at night.
            weights = start_weight if night_allowed else np.where(day_hours, start_weight, 0)
            start_h = int(rng.choice(24, p=weights / weights.sum()))
            length_h = 9
        else:
            start_h = rng.choice([8, 10, 12, 14, 16])
            length_h = int(rng.choice([4, 5, 6]))
        prev_end = last_day + pd.Timedelta(hours=int(start_h) + length_h, minutes=int(rng.choice([0, 15, 30, 45])))
        # The default [shift_types] of that last shift's start (for forbidden successions).
        prev_type = ("early", "day", "late", "night")[
            0 if 4 <= start_h < 10 else 1 if 10 <= start_h < 14 else 2 if 14 <= start_h < 20 else 3
        ]
        rows.append(
            {
                "agent_id": agent_id,
                "contract": "full_time" if full else "part_time",
                "min_hours_week": 40 if full else 20,
                "max_hours_week": 40 if full else 30,
                "shift_lengths_h": "9" if full else rng.choice(["4;5;6", "4;5;6", "5;6", "4;5"]),
                "night_allowed": night_allowed,
                "unavailable_dates": ";".join(unavailable),
                "prev_shift_end": prev_end,
                "prev_consecutive_days": run,
                "prev_shift_type": prev_type,
            }
        )
    frame = pd.DataFrame(rows)
    return add_wishes(frame, seed=seed, weeks=weeks) if wishes else frame


def add_wishes(agents_frame: pd.DataFrame, *, seed: int = 7, weeks: int = 1) -> pd.DataFrame:
    """Soft wishes of a plausible centre, drawn with their own seeded generator (the base instance is unchanged).

    About 25% of agents ask for days off (weekends mostly, some a fixed weekday, a few one date of
    the horizon), 15% for a start window (early birds 06:00-09:00, afternoon people 12:00-16:00),
    10% for shift types ("early;day" or "late"), and 10% have priority 2 (seniority).
    """
    rng = np.random.default_rng(seed + 1000)
    n = len(agents_frame)
    days_off, earliest, latest, types, priority = [], [], [], [], []
    for _ in range(n):
        u = rng.random()
        if u < 0.12:
            wish = "Sat;Sun"
        elif u < 0.18:
            wish = str(rng.choice(["Sat", "Sun"]))
        elif u < 0.22:
            wish = str(rng.choice(["Mon", "Wed", "Fri"]))
        elif u < 0.25:
            wish = (START + pd.Timedelta(days=int(rng.integers(0, 7 * weeks)))).strftime("%Y-%m-%d")
        else:
            wish = ""
        days_off.append(wish)
        u = rng.random()
        earliest.append("06:00" if u < 0.08 else ("12:00" if u < 0.15 else ""))
        latest.append("09:00" if u < 0.08 else ("16:00" if u < 0.15 else ""))
        u = rng.random()
        types.append("early;day" if u < 0.06 else ("late" if u < 0.10 else ""))
        priority.append(2 if rng.random() < 0.10 else 1)
    return agents_frame.assign(
        preferred_days_off=days_off,
        preferred_earliest_start=earliest,
        preferred_latest_start=latest,
        preferred_shift_types=types,
        priority=priority,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wishes", action="store_true", help="add the agents' soft preferences (add_wishes)")
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    write_frame(requirements(args.weeks, seed=args.seed), args.outdir / "requirements.csv")
    write_frame(agents(args.seed, args.weeks, wishes=args.wishes), args.outdir / "agents.csv")
    print(f"wrote {args.outdir}/requirements.csv and agents.csv; rules: {RULES_PATH}")


if __name__ == "__main__":
    main()
