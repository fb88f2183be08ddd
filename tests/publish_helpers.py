"""A small centre run end to end with every planners' output on (workbook, calendars, SQLite)."""

from __future__ import annotations

from pathlib import Path

from centre_helpers import AS_OF, ONE_FORECAST_MODEL, write_centre
from wfm import pipeline
from wfm.datasets import make_example_agents

__all__ = ["AS_OF", "run_small_centre", "small_centre", "synthetic_frames"]

REPO = Path(__file__).resolve().parents[1]


def small_centre(folder: Path, *, publish: str = "") -> Path:
    """The VIP queue with 16 agents in two teams and the example rules *with breaks*, one forecasting model
    (the publishing is what is tested); returns the config path."""
    agents = make_example_agents(n_full_time=12, n_part_time=4, as_of=AS_OF)
    agents["team"] = ["north" if i % 2 else "south" for i in range(len(agents))]
    return write_centre(
        folder,
        agents=agents,
        targets="[default]\nservice_level = 0.8\nanswer_sec = 20\nshrinkage = 0.2\n",
        seed=1,
        extra=f"{ONE_FORECAST_MODEL}\n[publish]\n{publish}\n",
        rules=REPO / "examples" / "rules.toml",
    )


def run_small_centre(folder: Path, *, publish: str = "") -> pipeline.RunOutcome:
    return pipeline.run(pipeline.load_config(small_centre(folder, publish=publish)))


def synthetic_frames():
    """Hand-made frames: day, late, overnight and midnight-ending shifts, breaks, two queues."""
    import pandas as pd

    ts = pd.Timestamp
    roster = pd.DataFrame(
        [
            ("A1", "2026-10-24", "2026-10-24 08:00", "2026-10-24 17:00", 8.0, "day"),
            ("A1", "2026-10-25", "2026-10-25 22:00", "2026-10-26 07:00", 8.0, "night"),
            ("A2", "2026-10-24", "2026-10-24 16:00", "2026-10-25 00:00", 7.5, "late"),
            ("A2", "2026-10-26", "2026-10-26 01:30", "2026-10-26 10:30", 8.0, "night"),
            ("B,3;x", "2026-10-25", "2026-10-25 09:15", "2026-10-25 13:15", 4.0, "day"),
        ],
        columns=["agent_id", "date", "shift_start", "shift_end", "paid_hours", "shift_type"],
    )
    for c in ("date", "shift_start", "shift_end"):
        roster[c] = pd.to_datetime(roster[c])
    breaks = pd.DataFrame(
        [
            ("A1", ts("2026-10-24 12:00"), ts("2026-10-24 13:00"), "meal", False),
            ("A1", ts("2026-10-24 10:00"), ts("2026-10-24 10:15"), "break", True),
            ("A1", ts("2026-10-26 02:00"), ts("2026-10-26 03:00"), "meal", False),
            ("A2", ts("2026-10-24 23:30"), ts("2026-10-24 23:45"), "break", True),
        ],
        columns=["agent_id", "break_start", "break_end", "kind", "paid"],
    )
    starts = pd.date_range("2026-10-24", "2026-10-27", freq="60min", inclusive="left")
    coverage = pd.concat(
        [
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": q,
                    "required": (i + 1) * 2,
                    "scheduled": (i + 1) * 2 + 1,
                    "under": 0,
                    "over": 1,
                }
            )
            for i, q in enumerate(["retail", "vip"])
        ],
        ignore_index=True,
    )
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-24", "2026-10-25", "2026-10-26"]),
            "queue": "ALL",
            "calls": [1000.5, 900.0, 800.25],
            "service_level": [0.8, 0.9, 0.85],
            "paid_hours": [15.5, 12.0, 8.0],
        }
    )
    summary = pd.DataFrame(
        {
            "agent_id": ["A1", "A2", "B,3;x", "C9"],
            "paid_hours": [16.0, 15.5, 4.0, 0.0],
            "night_shifts": [1, 1, 0, 0],
            "weekend_days_worked": [2, 1, 1, 0],
            "preferences_granted": [1, 0, 0, 0],
            "granted_share": [1.0, float("nan"), 0.5, 0.0],
        }
    )
    return {"roster": roster, "breaks": breaks, "coverage": coverage, "daily": daily, "agents_summary": summary}
