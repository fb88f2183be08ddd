"""Diagnosis: instances whose binding rule, conflict or missing headcount is known by construction."""

from __future__ import annotations

import numpy as np
import dataclasses

import pandas as pd
import pytest
from click.testing import CliRunner
from roster_helpers import START, tiny_rules

from wfm.cli import main
from wfm.exceptions import ConfigError, InfeasibleRosterError, InvalidInputError
from wfm.roster import parse_agents, schedule
from wfm.roster.diagnose import CHECK_COLUMNS, PERIOD_COLUMNS, diagnose_shortfall, explain_agent_week
from wfm.roster.shortfall import _periods
from wfm.roster.tours import build_grid


def _one_day(need: dict[int, int], days: int = 1) -> pd.DataFrame:
    """Hourly requirement over ``days`` days: ``need[hour]`` agents on the first day, 0 elsewhere."""
    stamps = pd.date_range(START, periods=24 * days, freq="60min")
    agents = [need.get(i, 0) for i in range(24 * days)]
    return pd.DataFrame({"interval_start": stamps, "agents_scheduled": agents})


def test_night_requirement_with_night_banned_agents_names_the_night_ban():
    # Two agents wanted 01:00-04:00 on Monday; both agents are barred from nights, so only the
    # night ban stops them (a 9 h day shift cannot reach 01:00-04:00 otherwise).
    req = _one_day({1: 2, 2: 2, 3: 2})
    agents = pd.DataFrame({"agent_id": ["F1", "F2"], "contract": ["ft", "ft"], "night_allowed": [False, False]})
    diag = diagnose_shortfall(req, agents, tiny_rules(), time_limit_sec=60)
    assert tuple(diag.periods.columns) == PERIOD_COLUMNS
    assert tuple(diag.checks.columns) == CHECK_COLUMNS
    assert len(diag.periods) == 1
    row = diag.periods.iloc[0]
    assert row["label"] == "Mon 2026-11-30 01:00-04:00"
    assert row["peak_short_agents"] == pytest.approx(2)
    assert row["short_agent_hours"] == pytest.approx(6)
    assert row["binding_rule"] == "night_allowed"
    assert row["lp_peak_after_relaxation"] == pytest.approx(0, abs=1e-6)
    # Only the night ban binds: every other single relaxation leaves the period as short.
    others = diag.checks[(diag.checks["check"] != "night_allowed") & (diag.checks["check"] != "all_rules")]
    assert not others["binds"].any(), others.to_string()
    # Each agent covers at most one head per interval: 2 more night-capable full-timers are the least.
    assert row["more_agents_contract"] == "ft" and row["more_agents"] == 2
    assert "night ban" in diag.sentences[0] and "2 more ft" in diag.sentences[0]
    # The engine agrees: with nights allowed the same agents cover it.
    allowed = agents.assign(night_allowed=True)
    assert schedule(req, allowed, tiny_rules(), time_limit_sec=5).coverage["under"].sum() == 0


def test_hole_after_last_weeks_late_shift_names_the_rest_rule():
    # Both agents ended Sunday at 21:00: with 11 h rest they start Monday 08:00 at the earliest,
    # so 06:00-08:00 (2 agents) cannot be covered; at 9 h rest they can start at 06:00.
    req = _one_day({6: 2, 7: 2})
    agents = pd.DataFrame(
        {"agent_id": ["F1", "F2"], "contract": ["ft", "ft"], "prev_shift_end": ["2026-11-29 21:00", "2026-11-29 21:00"]}
    )
    diag = diagnose_shortfall(req, agents, tiny_rules(), time_limit_sec=60, more_agents=False)
    row = diag.periods.iloc[0]
    assert row["label"] == "Mon 2026-11-30 06:00-08:00"
    assert row["binding_rule"] == "min_rest_hours"
    assert row["lp_short_agent_hours_after"] == pytest.approx(0, abs=1e-6)
    assert "11 h rest rule binds: at 9 h rest the shortfall here could fall to 0" in diag.sentences[0]
    assert "more_agents:ft" not in diag.checks_run
    # The engine agrees: at 9 h rest both agents start at 06:00.
    assert schedule(req, agents, tiny_rules(min_rest_hours=9), time_limit_sec=5).coverage["under"].sum() == 0


def test_too_few_agents_asks_for_more_agents_and_blames_no_rule():
    # 3 agents needed 08:00-17:00 and one agent: no rule can help (one agent covers one head),
    # and exactly 2 more full-time agents close it (arithmetic: 2 missing heads for 9 h = 2 shifts).
    req = _one_day({h: 3 for h in range(8, 17)})
    agents = pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"]})
    diag = diagnose_shortfall(req, agents, tiny_rules(), time_limit_sec=60, max_period_minutes=600)
    row = diag.periods.iloc[0]
    assert row["label"] == "Mon 2026-11-30 08:00-17:00"
    assert row["peak_short_agents"] == pytest.approx(2)
    assert row["binding_rule"] == ""
    assert row["more_agents_contract"] == "ft" and row["more_agents"] == 2
    assert "No rule binds" in diag.sentences[0]
    # 27 agent-hours wanted, one 9 h shift possible in a one-day horizon: 18 missing = 2 shifts.
    assert diag.hours["required_agent_hours"] == pytest.approx(27)
    assert diag.hours["max_on_phone_agent_hours"] == pytest.approx(9)
    assert "Not enough agent-hours at all" in diag.sentences[1] and "2 more ft" in diag.sentences[1]
    # Singles are skipped where every rule relaxed at once does not help.
    assert diag.checks_run[0] == "all_rules"
    assert "every rule relaxed at once" in diag.checks_skipped.get("min_rest_hours", "")
    # Brute force: the engine closes the gap with 2 more full-timers and not with 1.
    for extra, closed in ((1, False), (2, True)):
        more = pd.DataFrame({"agent_id": [f"F{i}" for i in range(1 + extra)], "contract": ["ft"] * (1 + extra)})
        under = schedule(req, more, tiny_rules(), time_limit_sec=5).coverage["under"].sum()
        assert (under == 0) == closed, (extra, under)


def test_diagnosis_of_a_roster_uses_its_coverage_and_respects_a_zero_budget():
    req = _one_day({1: 2, 2: 2, 3: 2})
    agents = pd.DataFrame({"agent_id": ["F1", "F2"], "contract": ["ft", "ft"], "night_allowed": [False, False]})
    result = schedule(req, agents, tiny_rules(), time_limit_sec=5)
    assert result.coverage["under"].sum() == 6
    diag = diagnose_shortfall(req, agents, tiny_rules(), result, time_limit_sec=1e-3)
    assert diag.periods.iloc[0]["peak_short_agents"] == 2
    # No time for any check: they are all reported as skipped, none as run.
    assert diag.checks_run == []
    assert diag.checks_skipped["all_rules"] == "out of time"
    assert "Checks run" in diag.to_text() and "out of time" in diag.to_markdown()


def test_periods_recurring_every_week_are_named_by_weekday():
    rules = tiny_rules()
    req = _one_day({}, days=14)
    grid = build_grid(req)
    short = np.zeros(grid.n_intervals)
    for day in (0, 7):  # both Mondays 06:00-08:00
        short[day * 24 + 6 : day * 24 + 8] = 3
    short[2 * 24 + 10] = 1  # Wednesday 10:00-11:00, once
    short[2 * 24 + 12] = 1  # 12:00-13:00 the same day: a 1 h gap is merged
    periods, left = _periods(grid, short, merge_gap_minutes=60, max_periods=5)
    labels = [p["label"] for p in periods]
    assert labels == ["Mondays 06:00-08:00", "Wed 2026-12-02 10:00-13:00"]
    assert periods[0]["short_agent_hours"] == pytest.approx(12) and left == 0
    assert rules.seats == 20  # the helper's rules are unchanged by diagnosis


def test_infeasible_agent_week_names_the_conflict_and_the_fixes():
    # prev_consecutive_days 6 bars Monday (max 6 in a row); Wednesday and Thursday are leave:
    # 4 days remain for 5 shifts of 8 paid h. Hand-checked fixes: 4 shifts = 32 h; at 7 days in a
    # row Tuesday is still the 8th day, so 8; giving back one leave date leaves 5 days.
    rules = tiny_rules()
    req = _one_day({}, days=7)
    agents = pd.DataFrame(
        {
            "agent_id": ["F1", "F2"],
            "contract": ["ft", "ft"],
            "unavailable_dates": ["", "2026-12-02;2026-12-03"],
            "prev_consecutive_days": [0, 6],
        }
    )
    with pytest.raises(InfeasibleRosterError, match="no legal week") as info:
        schedule(req, agents, rules, time_limit_sec=5)
    message = str(info.value)
    assert "\n" not in message
    assert "Diagnosis: agent F2, week from 2026-11-30" in message
    assert "min_hours_week 40 (at least 5 shift(s) of 8 paid h)" in message
    assert "max_consecutive_days 6 after 6 day(s) worked before the week" in message
    assert "2 unavailable date(s) 2026-12-02, 2026-12-03" in message
    assert "lower min_hours_week to 32" in message
    assert "raise max_consecutive_days to 8" in message
    assert "remove 1 unavailable date(s)" in message
    assert "min_days_off_per_week" not in message.split("Diagnosis:")[1]  # not part of this conflict


def test_contract_hours_against_days_off_is_explained_in_the_config_error():
    # 48 paid hours need 6 shifts of 8 h, 2 days off leave 5 days.
    agents = pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"], "min_hours_week": [48], "max_hours_week": [48]})
    with pytest.raises(
        ConfigError,
        match=r"Diagnosis: agent F1, .*min_hours_week 48 \(at least 6 shift\(s\) of 8 "
        r"paid h\) and min_days_off_per_week 2 cannot all hold.*lower "
        r"min_hours_week to 40; or lower min_days_off_per_week to 1",
    ):
        schedule(_one_day({}, days=7), agents, tiny_rules(), time_limit_sec=5)


def test_agent_with_a_legal_week_has_nothing_to_explain():
    rules = tiny_rules()
    grid = build_grid(_one_day({}, days=7))
    agent = parse_agents(pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"], "night_allowed": [False]}), rules)[0]
    assert explain_agent_week(agent, rules, grid) is None


def test_night_ban_with_night_only_starts_is_named():
    # A contract whose only template starts at night: a night-banned agent has no legal week.
    rules = tiny_rules()
    data = {
        "rules": {"seats": 5},
        "contracts": {
            "night": {
                "min_hours_week": 8,
                "max_hours_week": 40,
                "shifts": [
                    {"length_hours": 8, "earliest_start": "22:00", "latest_start": "23:00", "start_step_minutes": 60}
                ],
            }
        },
    }
    night_rules = type(rules).from_dict(data)
    agent = parse_agents(
        pd.DataFrame({"agent_id": ["N1"], "contract": ["night"], "night_allowed": [False]}), night_rules
    )[0]
    found = explain_agent_week(agent, night_rules, build_grid(_one_day({}, days=7)))
    assert found is not None
    assert sorted(found.conflict) == ["min_hours_week", "night_allowed"]
    assert "allow this agent night shifts" in found.suggestions
    assert "lower min_hours_week to 0" in found.suggestions


def test_seat_limit_error_gives_the_seat_arithmetic():
    # 4 full-time agents x 5 shifts x 9 h = 180 seat-hours, 1 seat x 168 h: at least 2 seats.
    rules = tiny_rules(seats=1)
    agents = pd.DataFrame({"agent_id": [f"F{i}" for i in range(4)], "contract": ["ft"] * 4})
    with pytest.raises(InfeasibleRosterError, match=r"Diagnosis: .*180 seat-hours .* raise seats to at least 2"):
        schedule(_one_day({}, days=7), agents, rules, time_limit_sec=5)


def test_cli_diagnose_writes_findings_and_prints_them(tmp_path):
    req = _one_day({1: 2, 2: 2, 3: 2})
    req.to_csv(tmp_path / "req.csv", index=False)
    pd.DataFrame({"agent_id": ["F1", "F2"], "contract": ["ft", "ft"], "night_allowed": [False, False]}).to_csv(
        tmp_path / "agents.csv", index=False
    )
    rules_text = """
[rules]
seats = 20
[contracts.ft]
min_hours_week = 40
max_hours_week = 40
[[contracts.ft.shifts]]
length_hours = 9
unpaid_minutes = 60
start_step_minutes = 60
latest_start = "23:00"
"""
    (tmp_path / "rules.toml").write_text(rules_text)
    out = CliRunner().invoke(
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
            "--time-limit",
            "5",
            "--diagnose",
            str(tmp_path / "diagnosis.csv"),
            "--diagnose-time-limit",
            "60",
        ],
    )
    assert out.exit_code == 1 and "Attention: roster:" in out.stderr, (
        out.output
    )  # short: needs a planner (wfm.attention)
    frame = pd.read_csv(tmp_path / "diagnosis.csv")
    assert frame.loc[0, "binding_rule"] == "night_allowed"
    text = (tmp_path / "diagnosis.md").read_text()
    assert "night ban" in text
    assert "Mon 2026-11-30 01:00-04:00: 2 agent(s) short at peak" in out.output


def test_a_roster_without_shortfall_is_said_to_meet_the_requirement():
    req = _one_day({9: 1, 10: 1})
    agents = pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"]})
    result = schedule(req, agents, tiny_rules(), time_limit_sec=5)
    assert result.coverage["under"].sum() == 0
    diag = diagnose_shortfall(req, agents, tiny_rules(), result)
    assert diag.sentences == ["No interval is short: the roster meets the requirement everywhere."]
    assert diag.periods.empty and diag.checks_run == []


def test_a_hole_every_monday_of_two_weeks_is_one_recurring_period():
    req = _one_day({1: 2, 2: 2, 3: 2, 24 * 7 + 1: 2, 24 * 7 + 2: 2, 24 * 7 + 3: 2}, days=14)
    agents = pd.DataFrame({"agent_id": ["F1", "F2"], "contract": ["ft", "ft"], "night_allowed": [False, False]})
    diag = diagnose_shortfall(req, agents, tiny_rules(), time_limit_sec=60, more_agents=False)
    assert list(diag.periods["label"]) == ["Mondays 01:00-04:00"]
    row = diag.periods.iloc[0]
    assert row["days"] == "2026-11-30;2026-12-07" and pd.isna(row["date"])
    assert row["short_agent_hours"] == pytest.approx(12) and row["binding_rule"] == "night_allowed"
    assert diag.sentences[0].startswith("Mondays 01:00-04:00: 2 agent(s) short at peak (12 agent-hours).")


def test_cli_infeasible_agent_is_one_line_with_the_diagnosis(tmp_path):
    _one_day({}, days=7).to_csv(tmp_path / "req.csv", index=False)
    pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"], "min_hours_week": [48], "max_hours_week": [48]}).to_csv(
        tmp_path / "agents.csv", index=False
    )
    (tmp_path / "rules.toml").write_text(
        "[rules]\nseats = 5\n[contracts.ft]\nmin_hours_week = 40\nmax_hours_week = 48\n"
        "[[contracts.ft.shifts]]\nlength_hours = 9\nunpaid_minutes = 60\nstart_step_minutes = 60\n"
        'latest_start = "23:00"\n'
    )
    out = CliRunner().invoke(
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
    assert out.exit_code == 2
    assert out.stderr.strip().count("\n") == 0
    assert "Diagnosis: agent F1" in out.stderr and "lower min_days_off_per_week to 1" in out.stderr
    assert not (tmp_path / "roster.csv").exists()


def test_a_day_short_all_day_is_cut_into_planner_sized_periods():
    grid = build_grid(_one_day({}, days=1))
    short = np.ones(grid.n_intervals)
    short[10:14] = 5  # 10:00-14:00 is the worst
    periods, left = _periods(grid, short, merge_gap_minutes=30, max_periods=2, max_period_minutes=240)
    assert [p["label"] for p in periods] == ["Mon 2026-11-30 08:00-12:00", "Mon 2026-11-30 12:00-16:00"]
    assert left == 4  # six 4-hour pieces in all


def test_two_rules_that_bind_only_together_are_named_together():
    # Two agents wanted 00:00-02:00 on Monday. Both ended Sunday at 15:00 and may not work nights.
    # Allowed nights alone, 11 h rest keeps them off until 02:00; at 9 h rest alone they could
    # start at 00:00 but that is a night shift. Only both relaxations together cover it.
    # The aggregate checks rest after last week per start band (2 h), so the rest limit is put on
    # a band edge, and stability is already 4 h (not relaxed: wider bands would loosen that check).
    req = _one_day({0: 2, 1: 2})
    agents = pd.DataFrame(
        {
            "agent_id": ["F1", "F2"],
            "contract": ["ft", "ft"],
            "night_allowed": [False, False],
            "prev_shift_end": ["2026-11-29 15:00", "2026-11-29 15:00"],
        }
    )
    rules = tiny_rules(start_stability_hours=4)
    diag = diagnose_shortfall(req, agents, rules, time_limit_sec=60, more_agents=False)
    row = diag.periods.iloc[0]
    assert row["label"] == "Mon 2026-11-30 00:00-02:00"
    singles = diag.checks[~diag.checks["check"].str.contains(r"\+|all_rules")]
    assert not singles["binds"].any(), singles.to_string()
    assert row["binding_rule"] == "night_allowed+min_rest_hours"
    assert row["lp_short_agent_hours_after"] == pytest.approx(0, abs=1e-6)
    assert "bind together (none alone)" in diag.sentences[0]
    assert "The night ban on 2 agent(s) (night_allowed = false) and the 11 h rest rule bind" in diag.sentences[0]
    # The engine agrees: with both relaxed the agents cover it, with either alone they do not.
    for night, rest, covered in ((True, 11, False), (False, 9, False), (True, 9, True)):
        relaxed = tiny_rules(min_rest_hours=rest, start_stability_hours=4)
        under = schedule(req, agents.assign(night_allowed=night), relaxed, time_limit_sec=5).coverage["under"].sum()
        assert (under == 0) == covered, (night, rest, under)


def test_bad_arguments_name_the_valid_values():
    req = _one_day({1: 1})
    agents = pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"]})
    with pytest.raises(InvalidInputError, match=r"checks must be some of all_rules, .*, got nights"):
        diagnose_shortfall(req, agents, tiny_rules(), checks=["nights"])
    with pytest.raises(InvalidInputError, match=r"time_limit_sec must be > 0, got 0"):
        diagnose_shortfall(req, agents, tiny_rules(), time_limit_sec=0)


def test_only_the_requested_checks_run():
    req = _one_day({1: 2, 2: 2, 3: 2})
    agents = pd.DataFrame({"agent_id": ["F1", "F2"], "contract": ["ft", "ft"], "night_allowed": [False, False]})
    diag = diagnose_shortfall(req, agents, tiny_rules(), checks=["night_allowed"])
    assert diag.checks_run == ["night_allowed"]
    assert diag.checks_skipped["min_rest_hours"] == "not requested"
    assert diag.periods.iloc[0]["binding_rule"] == "night_allowed"


def test_weekly_rest_conflict_is_named_with_hand_computed_relaxations():
    """Five 9 h shifts (40 paid h) with starts within 2 h on the linear clock: the longest rest
    inside the week is 71 h (days 0-1 off, the first shift at 23:00 on day 2); between two shifts
    around two days off it is at most 72 + 2 - 9 = 65 h. So 72 h of weekly rest cannot hold;
    four shifts (32 h) leave three days off, starts 9 h apart give 72 + 9 - 9 = 72 h, and 71 h holds."""
    rules = dataclasses.replace(tiny_rules(), weekly_rest_hours=72, start_stability_clock="linear")
    agent = parse_agents(pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"]}), rules)[0]
    grid = build_grid(_one_day({}, days=7))
    found = explain_agent_week(agent, rules, grid)
    assert found is not None
    assert sorted(found.conflict) == ["min_hours_week", "start_stability_hours", "weekly_rest"]
    assert found.suggestions == [
        "lower min_hours_week to 32",
        "raise start_stability_hours to 9",
        "lower weekly_rest_hours to 71",
    ]
    assert explain_agent_week(agent, dataclasses.replace(rules, weekly_rest_hours=71), grid) is None
    # On the circular clock 23:00 and 00:00 are an hour apart: 00:00-09:00, two days off, then 23:00
    # gives 72 + 23 - 9 = 86 h, so the week is legal.
    assert explain_agent_week(agent, dataclasses.replace(rules, start_stability_clock="circular"), grid) is None
