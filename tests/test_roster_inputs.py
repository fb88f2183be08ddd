"""Roster inputs that used to pass silently and give a wrong roster (issue 12)."""

from __future__ import annotations

import pandas as pd
import pytest

from roster_helpers import tiny_agents, tiny_requirements, tiny_rules
from wfm.exceptions import InvalidInputError
from wfm.roster import schedule


def _run(req, agents, rules=None, **kwargs):
    return schedule(req, agents, rules or tiny_rules(), time_limit_sec=20, seed=0, **kwargs)


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

    assert example_config(missing_intervals="closed").missing_intervals == "closed"
    with pytest.raises(ConfigError, match="missing_intervals must be 'error' or 'closed', got 'zero'"):
        example_config(missing_intervals="zero")
