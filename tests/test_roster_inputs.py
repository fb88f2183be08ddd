"""Roster inputs that used to pass silently and give a wrong roster (issue 12, cases 1 and 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules
from wfm.datasets import example_dir
from wfm.exceptions import InvalidInputError
from wfm.io import read_frame
from wfm.roster import load_rules, schedule


def _run(req, agents, rules=None, **kwargs):
    return schedule(req, agents, rules or tiny_rules(), time_limit_sec=5, seed=0, **kwargs)


# ---------------------------------------------------------------- case 1: prev_shift_end past the horizon start


def test_bundled_agents_on_another_weeks_requirement_is_an_error_naming_the_agent():
    # The US bank's weekdays (5 days, 07:00-21:00 open) with the bundled agents, whose history
    # ends on 2026-11-01: used to give 0 shifts, 0 paid hours, coverage 1,400 everywhere, "OPTIMAL".
    days = pd.date_range("2003-03-03", periods=5, freq="D")
    stamps = pd.DatetimeIndex([d + pd.Timedelta(minutes=m) for d in days for m in range(0, 24 * 60, 15)])
    req = pd.DataFrame({"interval_start": stamps, "agents_scheduled": 50.0})
    agents = read_frame(example_dir() / "agents.csv")
    rules = load_rules(example_dir() / "rules.toml")
    with pytest.raises(InvalidInputError, match=r"prev_shift_end of agent FT0001 .*2003-03-03.*got 2026-10-31 17:30"):
        schedule(req, agents, rules, time_limit_sec=20)


def test_prev_shift_end_may_run_into_the_horizon_by_one_shift_but_not_more():
    agents = tiny_agents()
    # F1's contract has 9 h shifts: a shift ending 09:00 on the first day started before the horizon.
    agents.loc[0, "prev_shift_end"] = START + pd.Timedelta(hours=9)
    result = _run(tiny_requirements(), agents)
    first = result.coverage.set_index("interval_start")["scheduled"]
    assert (result.roster.loc[result.roster["agent_id"] == "F1", "shift_start"] >= START + pd.Timedelta(hours=20)).all()
    assert first.loc[START] >= 1
    agents.loc[0, "prev_shift_end"] = START + pd.Timedelta(hours=9, minutes=1)
    with pytest.raises(
        InvalidInputError, match=r"agent F1 .*one shift \(9 h\).*2026-11-30 09:00.*got 2026-11-30 09:01"
    ):
        _run(tiny_requirements(), agents)


def test_carried_in_shift_covers_only_its_remaining_intervals():
    # Independent count: the only agent is idle-barred from working (unavailable all week), so
    # coverage is exactly the carried-in shift: 1 head from 00:00 to its end at 03:00, then 0.
    rules = tiny_rules(min_days_off_per_week=0)
    agents = pd.DataFrame(
        {
            "agent_id": ["P9"],
            "contract": ["pt"],
            "shift_lengths_h": ["4"],
            "min_hours_week": [0],
            "max_hours_week": [25],
            "unavailable_dates": [";".join(str((START + pd.Timedelta(days=d)).date()) for d in range(7))],
            "prev_shift_end": [START + pd.Timedelta(hours=3)],
        }
    )
    result = _run(tiny_requirements(), agents, rules)
    covered = result.coverage.groupby("interval_start")["scheduled"].sum()
    assert covered.loc[START : START + pd.Timedelta(hours=2)].tolist() == [1, 1, 1]
    assert covered.loc[START + pd.Timedelta(hours=3) :].sum() == 0


# ---------------------------------------------------------------- case 2: duplicated or missing requirement rows


def test_duplicated_requirement_rows_are_an_error():
    req = tiny_requirements()
    with pytest.raises(InvalidInputError, match=r"duplicated rows.*interval_start 2026-11-30 05:00"):
        _run(pd.concat([req, req.iloc[[5]]], ignore_index=True), tiny_agents())


def test_duplicated_queue_interval_rows_are_an_error_even_when_spelled_differently():
    req = tiny_requirements().assign(queue="retail")
    dup = req.iloc[[3]].assign(interval_start=req["interval_start"].iloc[3].strftime("%Y-%m-%dT%H:%M:%S"))
    frame = pd.concat([req.assign(interval_start=req["interval_start"].astype(str)), dup], ignore_index=True)
    with pytest.raises(InvalidInputError, match=r"queue 'retail', interval_start 2026-11-30 03:00"):
        _run(frame, tiny_agents())
    # two queues sharing an interval are pooled, not duplicates
    two = pd.concat([req, req.assign(queue="vip", agents_scheduled=0)], ignore_index=True)
    assert not _run(two, tiny_agents()).roster.empty


def test_a_hole_in_the_grid_is_an_error_naming_the_first_missing_interval():
    req = tiny_requirements()
    holed = req.drop(index=[30, 31, 50]).reset_index(drop=True)
    with pytest.raises(InvalidInputError, match=r"no row for interval 2026-12-01 06:00 .*3 of 168"):
        _run(holed, tiny_agents())


def test_missing_intervals_per_queue_are_found():
    req = tiny_requirements()
    two = pd.concat([req.assign(queue="a"), req.assign(queue="b").drop(index=[10])], ignore_index=True)
    with pytest.raises(InvalidInputError, match=r"2026-11-30 10:00 of queue 'b'"):
        _run(two, tiny_agents())


def test_closed_hours_said_explicitly_are_accepted_and_mean_zero():
    req = tiny_requirements()
    closed = req["interval_start"].dt.hour < 6
    # the same roster whether the closed hours are rows with 0 or declared with the option
    zeros = _run(req.assign(agents_scheduled=req["agents_scheduled"].where(~closed, 0)), tiny_agents())
    declared = _run(req.loc[~closed], tiny_agents(), missing_intervals="closed")
    pd.testing.assert_frame_equal(zeros.roster, declared.roster)
    assert (zeros.coverage.loc[zeros.coverage["interval_start"].dt.hour < 6, "required"] == 0).all()


def test_missing_intervals_option_is_checked():
    with pytest.raises(InvalidInputError, match="missing_intervals must be one of error, closed, got 'zero'"):
        _run(tiny_requirements(), tiny_agents(), missing_intervals="zero")


def test_run_config_takes_missing_intervals():
    from wfm.exceptions import ConfigError
    from wfm.pipeline import example_config

    assert example_config().missing_intervals == "closed"  # the forecast leaves out only closed hours
    assert example_config(missing_intervals="error").missing_intervals == "error"
    with pytest.raises(ConfigError, match="missing_intervals must be 'error' or 'closed', got 'zero'"):
        example_config(missing_intervals="zero")
