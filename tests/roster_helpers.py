"""Tiny roster instances shared by the roster tests (a few agents, 60-minute intervals)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from wfm.roster import BreakRule, Rules
from wfm.staffing import Targets

START = pd.Timestamp("2026-11-30")  # a Monday


def tiny_rules(**overrides) -> Rules:
    """Full-time 9 h shifts (1 h unpaid, 40 paid h/week) and part-time 4-5 h shifts, 60-min starts."""
    data = {
        "rules": {
            "seats": 20,
            "min_days_off_per_week": 2,
            "max_consecutive_days": 6,
            "min_rest_hours": 11,
            "max_night_shifts_per_week": 5,
            "night_window": ["00:00", "05:00"],
            "start_stability_hours": 2,
        },
        "contracts": {
            "ft": {
                "min_hours_week": 40,
                "max_hours_week": 40,
                "shifts": [
                    {
                        "length_hours": 9,
                        "unpaid_minutes": 60,
                        "earliest_start": "00:00",
                        "latest_start": "23:00",
                        "start_step_minutes": 60,
                    }
                ],
            },
            "pt": {
                "min_hours_week": 16,
                "max_hours_week": 25,
                "shifts": [
                    {"length_hours": 4, "earliest_start": "06:00", "latest_start": "19:00", "start_step_minutes": 60},
                    {"length_hours": 5, "earliest_start": "06:00", "latest_start": "18:00", "start_step_minutes": 60},
                ],
            },
        },
    }
    data["rules"].update(overrides)
    return Rules.from_dict(data)


def tiny_requirements(days: int = 7, scale: float = 1.0) -> pd.DataFrame:
    """Hourly requirement: a day peak, a small night, lighter weekend."""
    hours = np.arange(24)
    profile = 1 + 4 * np.exp(-(((hours - 11) / 3.5) ** 2)) + 3 * np.exp(-(((hours - 16) / 3) ** 2))
    rows = []
    for d in range(days):
        factor = 0.6 if d % 7 >= 5 else 1.0
        for h in hours:
            rows.append((START + pd.Timedelta(days=d, hours=int(h)), round(profile[h] * factor * scale)))
    return pd.DataFrame(rows, columns=["interval_start", "agents_scheduled"])


def tiny_agents() -> pd.DataFrame:
    """Six full-time and three part-time agents with some history and unavailability."""
    return pd.DataFrame(
        {
            "agent_id": [f"F{i}" for i in range(1, 7)] + ["P1", "P2", "P3"],
            "contract": ["ft"] * 6 + ["pt"] * 3,
            "shift_lengths_h": ["9"] * 6 + ["4;5", "4", "5"],
            "night_allowed": [True, True, False, True, True, False, False, False, False],
            "unavailable_dates": ["", "2026-12-02", "", "", "2026-12-06", "", "", "2026-11-30", ""],
            "prev_shift_end": [
                pd.Timestamp("2026-11-30 02:00"),
                pd.Timestamp("2026-11-29 18:00"),
                None,
                None,
                pd.Timestamp("2026-11-29 23:00"),
                None,
                None,
                None,
                pd.Timestamp("2026-11-29 20:00"),
            ],
            "prev_consecutive_days": [5, 2, 0, 0, 6, 0, 0, 0, 1],
        }
    )


def cycle_rules(contract_overrides: dict | None = None, **overrides) -> Rules:
    """tiny_rules with every rule spanning weeks on: a 2-week cycle (full-time 40 h a week on average,
    32-48 h in any week; part-time 20 +/- 2 h), overtime caps, one weekend of two, stretches of 2
    days, no early shift after a late one."""
    data = {
        "rules": {
            "seats": 20,
            "min_days_off_per_week": 1,
            "max_consecutive_days": 6,
            "min_rest_hours": 11,
            "max_night_shifts_per_week": 5,
            "start_stability_hours": 2,
            "cycle_weeks": 2,
            "max_weekends_worked_per_cycle": 1,
            "min_work_stretch_days": 2,
            "forbidden_successions": [["late", "early"]],
            "standard_day_hours": 8,
            "max_overtime_hours_per_day": 3,
            "max_overtime_hours_per_cycle": 36,
        },
        "contracts": {
            "ft": {
                "min_hours_week": 32,
                "max_hours_week": 48,
                "avg_hours_week": 40,
                "shifts": [
                    {"length_hours": 9, "unpaid_minutes": 60, "latest_start": "23:00", "start_step_minutes": 60}
                ],
            },
            "pt": {
                "min_hours_week": 16,
                "max_hours_week": 25,
                "avg_hours_week": 20,
                "cycle_tolerance_hours": 2,
                "shifts": [
                    {"length_hours": 4, "earliest_start": "06:00", "latest_start": "19:00", "start_step_minutes": 60},
                    {"length_hours": 5, "earliest_start": "06:00", "latest_start": "18:00", "start_step_minutes": 60},
                ],
            },
        },
    }
    data["rules"].update(overrides)
    for name, extra in (contract_overrides or {}).items():
        data["contracts"][name].update(extra)
    return Rules.from_dict(data)


class CallbackDeadline:
    """Targets for the skill tests: queue ``cb`` is deferrable work done within 4 hours."""

    def for_queue(self, queue: str) -> Targets:
        if queue == "cb":
            return Targets(service_level=None, answer_sec=None, deadline_sec=4 * 3600)
        return Targets()


def two_queue_week(minutes: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queue a peaks in the morning, b in the evening, callbacks (cb, 4 h deadline) at 09:00-11:00;
    5 a-only, 5 b-only, 4 a+b+cb agents; the hourly requirement repeated on a ``minutes`` grid."""
    rows = []
    for d in range(7):
        for h in range(24):
            for m in range(0, 60, minutes):
                t = START + pd.Timedelta(days=d, hours=h, minutes=m)
                a = 3 if 7 <= h < 15 else (1 if 15 <= h < 22 else 0)
                b = 3 if 14 <= h < 22 else (1 if 8 <= h < 14 else 0)
                a += ((h * 60 + m) // minutes) % 2  # every other interval one more: what blocks average out
                rows += [(t, "a", a), (t, "b", b), (t, "cb", 2 if h in (9, 10) else 0)]
    req = pd.DataFrame(rows, columns=["interval_start", "queue", "agents_scheduled"])
    req = req.assign(erlangs=req["agents_scheduled"], agents=req["agents_scheduled"])
    agents = pd.DataFrame(
        {
            "agent_id": [f"F{i}" for i in range(14)],
            "contract": ["ft"] * 14,
            "skills": ["a"] * 5 + ["b"] * 5 + ["a;b;cb"] * 4,
        }
    )
    return req, agents


def meal_rules() -> Rules:
    """tiny_rules with a 60-min unpaid meal 3-5 h into the 9 h full-time shift (8 h on the phone)."""
    r = tiny_rules()
    ft = r.contracts["ft"]
    nine = dataclasses.replace(ft.shifts[0], breaks=(BreakRule("meal", 60, 180, 300, paid=False),), min_work_minutes=60)
    return dataclasses.replace(r, contracts={**r.contracts, "ft": dataclasses.replace(ft, shifts=(nine,))})
