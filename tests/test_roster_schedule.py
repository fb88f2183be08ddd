"""End-to-end schedules on tiny instances, checked by the independent validator and by recount."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules

from wfm.cli import main
from wfm.exceptions import ConfigError, InfeasibleRosterError, InvalidInputError
from wfm.roster import BREAK_COLUMNS, COVERAGE_COLUMNS, ROSTER_COLUMNS, schedule, validate


def _recount(roster: pd.DataFrame, stamps: pd.Series, agents: pd.DataFrame, step: pd.Timedelta) -> np.ndarray:
    """Heads per interval counted straight from the shifts (and previous-week shifts still running)."""
    counts = np.zeros(len(stamps), dtype=int)
    t = stamps.to_numpy()
    for s, e in zip(roster["shift_start"], roster["shift_end"]):
        counts += (t >= np.datetime64(s)) & (t + step <= np.datetime64(e))
    for end in agents.get("prev_shift_end", pd.Series(dtype=object)).dropna():
        counts += t < np.datetime64(pd.Timestamp(end))
    return counts


@pytest.fixture(scope="module")
def week_result():
    return schedule(tiny_requirements(7), tiny_agents(), tiny_rules(), time_limit_sec=10, seed=3)


def test_week_roster_is_legal_and_coverage_adds_up(week_result):
    res = week_result
    assert tuple(res.roster.columns) == ROSTER_COLUMNS
    hour = res.roster["shift_start"].dt.hour
    by_hand = np.select(
        [(hour >= 4) & (hour < 10), (hour >= 10) & (hour < 14), (hour >= 14) & (hour < 20)],
        ["early", "day", "late"],
        "night",
    )  # the default [shift_types]
    assert list(res.roster["shift_type"]) == list(by_hand)
    assert tuple(res.breaks.columns) == BREAK_COLUMNS and res.breaks.empty
    assert tuple(res.coverage.columns) == COVERAGE_COLUMNS
    violations = validate(res.roster, tiny_agents(), tiny_rules(), horizon_start=START, horizon_days=7)
    assert violations.empty, violations.to_string()
    cov = res.coverage
    recount = _recount(res.roster, cov["interval_start"], tiny_agents(), pd.Timedelta(hours=1))
    np.testing.assert_array_equal(cov["scheduled"].to_numpy(), recount)
    np.testing.assert_array_equal(cov["under"], np.maximum(cov["required"] - cov["scheduled"], 0))
    np.testing.assert_array_equal(cov["over"], np.maximum(cov["scheduled"] - cov["required"], 0))
    assert (cov["queue"] == "pooled").all()


def test_week_summary_objective_is_recomputable_and_above_bound(week_result):
    s = week_result.summary
    cov = week_result.coverage
    rules = tiny_rules()
    under_cost = sum(rules.objective.under_penalty(u) for u in cov["under"])
    hours = ((week_result.roster["shift_end"] - week_result.roster["shift_start"]) / pd.Timedelta(hours=1)).sum()
    # Full-time 9 h shifts have a 1 h unpaid meal; part-time shifts are all paid.
    meals = week_result.roster["agent_id"].str.startswith("F").sum()
    expected = under_cost + rules.objective.over_weight * cov["over"].sum() + (hours - meals)
    assert s.objective == pytest.approx(expected)
    assert s.objective >= s.lower_bound - 1e-6
    assert s.under_agent_intervals == int(cov["under"].sum())
    assert s.peak_seats_used <= tiny_rules().seats
    # Every agent works exactly its contract: 5 x 8 paid hours for full-time agents.
    per_agent = week_result.roster.groupby("agent_id").size()
    assert (per_agent[[f"F{i}" for i in range(1, 7)]] == 5).all()


def test_same_seed_same_roster():
    a = schedule(tiny_requirements(2), tiny_agents(), tiny_rules(), time_limit_sec=5, seed=1)
    b = schedule(tiny_requirements(2), tiny_agents(), tiny_rules(), time_limit_sec=5, seed=1)
    pd.testing.assert_frame_equal(a.roster, b.roster)
    assert a.summary.objective == b.summary.objective


def test_two_day_horizon_is_legal():
    res = schedule(tiny_requirements(2), tiny_agents(), tiny_rules(), time_limit_sec=5)
    violations = validate(res.roster, tiny_agents(), tiny_rules(), horizon_start=START, horizon_days=2)
    assert violations.empty, violations.to_string()
    assert res.summary.days == 2


def test_shortfall_is_a_result_not_an_error():
    res = schedule(tiny_requirements(7, scale=6), tiny_agents(), tiny_rules(), time_limit_sec=5)
    assert res.summary.under_agent_intervals > 0
    assert validate(res.roster, tiny_agents(), tiny_rules(), horizon_start=START, horizon_days=7).empty


def test_seat_limit_is_hard():
    rules = tiny_rules(seats=4)
    res = schedule(tiny_requirements(7, scale=3), tiny_agents(), rules, time_limit_sec=5)
    assert res.coverage["scheduled"].max() <= 4
    assert validate(res.roster, tiny_agents(), rules, horizon_start=START, horizon_days=7).empty


def test_queues_are_pooled():
    req = tiny_requirements(2)
    split = pd.concat(
        [
            req.assign(queue="a", agents_scheduled=req["agents_scheduled"] // 2),
            req.assign(queue="b", agents_scheduled=req["agents_scheduled"] - req["agents_scheduled"] // 2),
        ]
    )
    res = schedule(split, tiny_agents(), tiny_rules(), time_limit_sec=5)
    np.testing.assert_array_equal(res.coverage["required"].to_numpy(), req["agents_scheduled"].to_numpy())
    assert res.diagnostics["pooled_queues"] == ["a", "b"]


def test_contradictory_hours_name_agent_and_rule():
    agents = tiny_agents()
    agents["min_hours_week"] = np.nan
    agents.loc[3, "min_hours_week"] = 50
    with pytest.raises(ConfigError, match="agent F4: min_hours_week must be <= max_hours_week"):
        schedule(tiny_requirements(2), agents, tiny_rules(), time_limit_sec=5)


def test_no_legal_shift_names_agent():
    agents = tiny_agents()
    agents.loc[6, "shift_lengths_h"] = "7"
    with pytest.raises(ConfigError, match="agent P1: no legal shift"):
        schedule(tiny_requirements(2), agents, tiny_rules(), time_limit_sec=5)


def test_no_legal_week_names_agent():
    agents = tiny_agents()
    agents["max_hours_week"] = np.nan
    agents.loc[0, ["min_hours_week", "max_hours_week"]] = [48, 48]  # six 8 h shifts, but 2 days off
    with pytest.raises(ConfigError, match="agent F1: no legal week"):
        schedule(tiny_requirements(7), agents, tiny_rules(), time_limit_sec=5)


def test_bad_inputs():
    with pytest.raises(InvalidInputError, match="missing column"):
        schedule(pd.DataFrame({"interval_start": []}), tiny_agents(), tiny_rules())
    agents = tiny_agents()
    agents.loc[0, "contract"] = "zero_hours"
    with pytest.raises(InvalidInputError, match="contract must be one of"):
        schedule(tiny_requirements(1), agents, tiny_rules())


def test_cli_schedule_writes_legal_roster(tmp_path):
    tiny_requirements(2).to_csv(tmp_path / "req.csv", index=False)
    tiny_agents().to_csv(tmp_path / "agents.csv", index=False)
    rules_toml = tmp_path / "rules.toml"
    rules_toml.write_text(
        "[rules]\nseats = 20\n\n[contracts.ft]\nmin_hours_week = 40\nmax_hours_week = 40\n"
        "[[contracts.ft.shifts]]\nlength_hours = 9\nunpaid_minutes = 60\nstart_step_minutes = 60\n"
        'latest_start = "23:00"\n\n[contracts.pt]\nmin_hours_week = 16\nmax_hours_week = 25\n'
        '[[contracts.pt.shifts]]\nlength_hours = 4\nearliest_start = "06:00"\nlatest_start = "19:00"\n'
        'start_step_minutes = 60\n[[contracts.pt.shifts]]\nlength_hours = 5\nearliest_start = "06:00"\n'
        'latest_start = "18:00"\nstart_step_minutes = 60\n',
        encoding="utf-8",
    )
    args = [
        "schedule",
        str(tmp_path / "req.csv"),
        "--agents",
        str(tmp_path / "agents.csv"),
        "--rules",
        str(rules_toml),
        "-o",
        str(tmp_path / "roster.csv"),
        "--coverage",
        str(tmp_path / "cov.csv"),
        "--breaks",
        str(tmp_path / "breaks.csv"),
        "--time-limit",
        "5",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "Attention: roster:" in result.stderr, result.output  # short: wfm.attention
    summary = json.loads(result.stdout)
    assert summary["agents"] == 9
    roster = pd.read_csv(tmp_path / "roster.csv")
    assert validate(
        roster, pd.read_csv(tmp_path / "agents.csv"), tiny_rules(), horizon_start=START, horizon_days=2
    ).empty
    assert list(pd.read_csv(tmp_path / "breaks.csv").columns) == list(BREAK_COLUMNS)


def test_cli_schedule_bad_rules_exit_2_and_no_output(tmp_path):
    tiny_requirements(1).to_csv(tmp_path / "req.csv", index=False)
    tiny_agents().to_csv(tmp_path / "agents.csv", index=False)
    (tmp_path / "rules.toml").write_text("[rules]\nseats = 0\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "schedule",
            str(tmp_path / "req.csv"),
            "--agents",
            str(tmp_path / "agents.csv"),
            "--rules",
            str(tmp_path / "rules.toml"),
            "-o",
            str(tmp_path / "roster.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "Error:" in result.output
    assert not (tmp_path / "roster.csv").exists()


def test_history_and_unavailability_leaving_no_legal_week_is_an_error():
    agents = tiny_agents()
    agents.loc[4, "unavailable_dates"] = "2026-12-05;2026-12-06"  # F5 also rests Monday after 6 days
    with pytest.raises(InfeasibleRosterError, match="agent F5: no legal week"):
        schedule(tiny_requirements(7), agents, tiny_rules(), time_limit_sec=5)


@pytest.mark.parametrize(
    "overrides",
    [
        {"days_off_consecutive": True},
        {"max_night_shifts_per_week": 1},
        {"start_stability_hours": 0},
        {"min_rest_hours": 14, "max_consecutive_days": 4},
    ],
    ids=["consecutive-days-off", "one-night", "fixed-start", "long-rest-short-runs"],
)
def test_rule_variants_give_legal_rosters(overrides):
    rules = tiny_rules(**overrides)
    agents = tiny_agents()
    agents["prev_consecutive_days"] = agents["prev_consecutive_days"].clip(upper=rules.max_consecutive_days - 1)
    agents.loc[4, "unavailable_dates"] = ""  # with consecutive days off it would leave F5 no legal week
    res = schedule(tiny_requirements(7), agents, rules, time_limit_sec=5)
    violations = validate(res.roster, agents, rules, horizon_start=START, horizon_days=7)
    assert violations.empty, violations.to_string()


def test_two_week_horizon_respects_rules_across_the_week_boundary():
    agents = tiny_agents()
    agents.loc[2, "unavailable_dates"] = "2026-12-08;2026-12-09"
    res = schedule(tiny_requirements(14), agents, tiny_rules(), time_limit_sec=10)
    violations = validate(res.roster, agents, tiny_rules(), horizon_start=START, horizon_days=14)
    assert violations.empty, violations.to_string()
    weeks = res.roster.assign(week=(res.roster["date"] - START).dt.days // 7)
    assert (weeks[weeks["agent_id"].str.startswith("F")].groupby(["agent_id", "week"]).size() == 5).all()


def test_thirty_minute_intervals():
    req = tiny_requirements(2)
    half = pd.DataFrame(
        {
            "interval_start": pd.date_range(START, periods=len(req) * 2, freq="30min"),
            "agents_scheduled": np.repeat(req["agents_scheduled"].to_numpy(), 2),
        }
    )
    res = schedule(half, tiny_agents(), tiny_rules(), time_limit_sec=5)
    assert res.summary.interval_minutes == 30 and len(res.coverage) == 96
    assert validate(res.roster, tiny_agents(), tiny_rules(), horizon_start=START, horizon_days=2).empty


def test_previous_week_shifts_beyond_the_seats_are_an_error():
    agents = tiny_agents()
    agents["prev_shift_end"] = pd.Timestamp("2026-11-30 03:00")
    with pytest.raises(InfeasibleRosterError, match="previous-week shifts still running"):
        schedule(tiny_requirements(1), agents, tiny_rules(seats=5), time_limit_sec=5)


def test_seats_too_few_for_minimum_hours_is_an_error():
    with pytest.raises(InfeasibleRosterError, match="seat limit"):
        schedule(tiny_requirements(7), tiny_agents(), tiny_rules(seats=1), time_limit_sec=5)
