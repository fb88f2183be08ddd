"""The previous roster as history: derived prev_* columns, filled only where the agents file is blank."""

from __future__ import annotations

import pandas as pd

from wfm.roster import validate
from wfm.roster.history import fill_history, history_from_roster

from roster_helpers import START, cycle_rules


def _shift(agent: str, day: int, hour: int, length: int = 9) -> tuple:
    date = START + pd.Timedelta(days=day)
    start = date + pd.Timedelta(hours=hour)
    return agent, date, start, start + pd.Timedelta(hours=length)


PREVIOUS = pd.DataFrame(
    [_shift("A", d, 8) for d in (-5, -4, -3, -2)]
    + [_shift("A", -1, 15)]  # five days, the last one late
    + [_shift("B", -4, 22), _shift("B", -3, 22)]  # nights, then two days off
    + [_shift("C", -1, 20), _shift("C", 0, 8)],  # an overnight shift; day 0 is replanned
    columns=["agent_id", "date", "shift_start", "shift_end"],
)


def test_history_from_roster_derives_end_run_and_type():
    history = history_from_roster(PREVIOUS, START, cycle_rules()).set_index("agent_id")
    assert history.loc["A", "prev_shift_end"] == START - pd.Timedelta(days=1) + pd.Timedelta(hours=24)
    assert history.loc["A", "prev_consecutive_days"] == 5 and history.loc["A", "prev_shift_type"] == "late"
    assert history.loc["B", "prev_consecutive_days"] == 0 and history.loc["B", "prev_shift_type"] == "night"
    # C's shift on day 0 belongs to the new horizon; its overnight shift runs into it.
    assert history.loc["C", "prev_shift_end"] == START + pd.Timedelta(hours=5)
    assert history.loc["C", "prev_consecutive_days"] == 1


def test_fill_history_keeps_what_the_agents_file_gives():
    agents = pd.DataFrame(
        {"agent_id": ["A", "B", "D"], "contract": ["ft"] * 3, "prev_consecutive_days": [2, None, None]}
    )
    filled, count = fill_history(agents, history_from_roster(PREVIOUS, START, cycle_rules()))
    assert count == 2  # A (end and type) and B; D has no previous shifts
    assert list(filled["prev_consecutive_days"][:2]) == [2, 0] and pd.isna(filled.loc[2, "prev_consecutive_days"])
    assert filled.loc[0, "prev_shift_type"] == "late" and pd.isna(filled.loc[2, "prev_shift_end"])


def test_derived_history_makes_the_validator_see_the_boundary():
    # Day 0 early after yesterday's late shift: caught once the history is filled in.
    rules = cycle_rules(min_rest_hours=8)
    agents, _ = fill_history(
        pd.DataFrame({"agent_id": ["A"], "contract": ["ft"]}), history_from_roster(PREVIOUS, START, rules)
    )
    roster = pd.DataFrame([_shift("A", 0, 8)], columns=["agent_id", "date", "shift_start", "shift_end"])
    found = set(validate(roster, agents, rules, horizon_start=START, horizon_days=1)["rule"])
    assert "forbidden_succession" in found
