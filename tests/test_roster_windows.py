"""Unavailable time windows (hard): parsing, the schedule respects them, the validator catches them."""

from __future__ import annotations

import pandas as pd
import pytest
from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules

from wfm.exceptions import InvalidInputError
from wfm.roster import schedule, validate
from wfm.roster.agents import parse_agents


def windowed_agents() -> pd.DataFrame:
    agents = tiny_agents()
    windows = [""] * len(agents)
    windows[0] = "2026-12-01T06:00/2026-12-01T14:00;2026-12-03T15:00/2026-12-03T23:00"  # partial days
    windows[3] = "2026-12-02T00:00/2026-12-03T00:00"  # a whole day
    windows[6] = "2026-12-04T10:00/2026-12-04T12:30"
    agents["unavailable_windows"] = windows
    return agents


def test_schedule_keeps_every_shift_out_of_the_windows():
    agents = windowed_agents()
    res = schedule(tiny_requirements(7), agents, tiny_rules(), time_limit_sec=10, seed=1)
    # Independent check: no shift of a windowed agent overlaps its windows.
    for _, row in agents.iterrows():
        for item in filter(None, row["unavailable_windows"].split(";")):
            ws, we = (pd.Timestamp(x) for x in item.split("/"))
            mine = res.roster[res.roster["agent_id"] == row["agent_id"]]
            assert not ((mine["shift_start"] < we) & (mine["shift_end"] > ws)).any(), (row["agent_id"], item)
    violations = validate(res.roster, agents, tiny_rules(), horizon_start=START, horizon_days=7)
    assert violations.empty, violations.to_string()
    assert res.summary.objective >= res.summary.lower_bound - 1e-6


def test_bad_window_is_invalid_input():
    agents = tiny_agents()
    agents["unavailable_windows"] = ["2026-12-01T12:00/2026-12-01T08:00"] + [""] * (len(agents) - 1)
    with pytest.raises(InvalidInputError, match="unavailable_windows must hold start/end pairs"):
        parse_agents(agents, tiny_rules())


def test_validator_catches_a_shift_in_a_window():
    agents = pd.DataFrame(
        {
            "agent_id": ["F1"],
            "contract": ["ft"],
            "min_hours_week": [0],
            "unavailable_windows": ["2026-11-30T16:00/2026-11-30T18:00"],
        }
    )
    roster = pd.DataFrame(
        {
            "agent_id": ["F1"],
            "date": [START],
            "shift_start": [pd.Timestamp("2026-11-30 08:00")],
            "shift_end": [pd.Timestamp("2026-11-30 17:00")],
        }
    )
    found = validate(roster, agents, tiny_rules(), horizon_start=START, horizon_days=7)
    assert list(found["rule"]) == ["unavailable_window"]
    roster["shift_end"] = pd.Timestamp("2026-11-30 16:00")  # ends as the window opens: legal
    roster["shift_start"] = pd.Timestamp("2026-11-30 07:00")
    assert "unavailable_window" not in set(
        validate(roster, agents, tiny_rules(), horizon_start=START, horizon_days=7)["rule"]
    )
