"""Assignment fallback: a week the previous week's run makes impossible is re-planned with it."""

from __future__ import annotations

import pandas as pd
import pytest
from roster_helpers import START, tiny_requirements, tiny_rules

from wfm.exceptions import InfeasibleRosterError
from wfm.roster import validate
from wfm.roster.agents import parse_agents
from wfm.roster.assign import place_week
from wfm.roster.repair import reinsert
from wfm.roster.state import MoveContext, RosterState, set_shift
from wfm.roster.result import roster_frame
from wfm.roster.tours import DAY, build_catalogue, build_grid


def test_previous_week_is_replanned_when_it_blocks_the_next():
    # Full-time 5 x 9 h; week 2 has Thursday and Friday off, so Mon-Wed must be worked and the
    # run coming from week 1 may be at most 3 days.
    agents = pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"], "unavailable_dates": ["2026-12-10;2026-12-11"]})
    rules = tiny_rules()
    cat = build_catalogue(build_grid(tiny_requirements(14)), parse_agents(agents, rules), rules)
    state = RosterState.empty(cat)
    for day in range(2, 7):  # week 1: Wednesday to Sunday, 08:00
        set_shift(cat, state, 0, day, day * DAY + 8 * 60, 0)
    ctx = MoveContext(cat)
    with pytest.raises(InfeasibleRosterError):
        reinsert(ctx, state, 0, 1, must_place=True)
    assert place_week(ctx, state, 0, 1) == 2
    found = validate(roster_frame(cat, state), agents, rules, horizon_start=START, horizon_days=14)
    assert found.empty, found.to_string()
