"""One attention rule (exit code 1: the plan needs a planner) for wfm forecast, staff, schedule and run."""

from __future__ import annotations


import pandas as pd
import pytest
from click.testing import CliRunner

from roster_helpers import tiny_agents, tiny_requirements
from wfm.attention import AttentionThresholds, exit_code, shortfall_warnings
from wfm.cli import main
from wfm.exceptions import InvalidInputError
from wfm.io import write_frame

TINY_RULES_TOML = """
[rules]
seats = 20
min_days_off_per_week = 2
max_consecutive_days = 6
min_rest_hours = 11
max_night_shifts_per_week = 5
night_window = ["00:00", "05:00"]
start_stability_hours = 2

[contracts.ft]
min_hours_week = 40
max_hours_week = 40
shifts = [{length_hours = 9, unpaid_minutes = 60, earliest_start = "00:00", latest_start = "23:00", start_step_minutes = 60}]

[contracts.pt]
min_hours_week = 16
max_hours_week = 25
shifts = [{length_hours = 4, earliest_start = "06:00", latest_start = "19:00", start_step_minutes = 60},
          {length_hours = 5, earliest_start = "06:00", latest_start = "18:00", start_step_minutes = 60}]
"""


def test_shortfall_thresholds():
    coverage = pd.DataFrame(
        {
            "interval_start": pd.date_range("2026-10-12", periods=4, freq="15min"),
            "required": [100, 100, 100, 100],
            "under": [5, 0, 0, 0],
        }
    )
    # 5% short in one interval, 1.25% in total: past the total threshold only
    found = shortfall_warnings(coverage, AttentionThresholds())
    assert len(found) == 1 and "1.2% of the required" in found[0] and exit_code(found) == 1
    coverage.loc[1, "under"] = 11
    assert any(
        "short by more than 10%" in w and "11 of 100" in w for w in shortfall_warnings(coverage, AttentionThresholds())
    )
    assert shortfall_warnings(coverage, AttentionThresholds(0.2, 0.05)) == [] and exit_code([]) == 0
    with pytest.raises(InvalidInputError, match="short_share must be a share in"):
        AttentionThresholds(1.5)


def test_every_command_states_the_rule_and_thresholds_in_help():
    runner = CliRunner()
    for command in ("forecast", "staff", "schedule", "run"):
        text = " ".join(runner.invoke(main, [command, "--help"]).output.split())
        assert "more than 10% of its requirement" in text and "above 1% of the required" in text, command


def _schedule(tmp_path, scale, *extra):
    write_frame(tiny_requirements(scale=scale), tmp_path / "req.csv")
    write_frame(tiny_agents(), tmp_path / "agents.csv")
    (tmp_path / "rules.toml").write_text(TINY_RULES_TOML)
    return CliRunner().invoke(
        main,
        [
            "-q",
            "schedule",
            str(tmp_path / "req.csv"),
            "--agents",
            str(tmp_path / "agents.csv"),
            "--rules",
            str(tmp_path / "rules.toml"),
            "-o",
            str(tmp_path / "roster.csv"),
            "--coverage",
            str(tmp_path / "coverage.csv"),
            "--time-limit",
            "10",
            *extra,
        ],
    )


def test_schedule_exits_one_when_badly_understaffed(tmp_path):
    # nine agents against ten times the tiny requirement: most of it cannot be covered
    result = _schedule(tmp_path, 10.0)
    assert result.exit_code == 1, result.output
    assert "Attention: roster:" in result.stderr and "short by more than 10%" in result.stderr
    assert (tmp_path / "roster.csv").is_file() and (tmp_path / "coverage.csv").is_file()  # outputs still written
    # the thresholds are options; relaxed past the shortfall, the same plan is clean
    coverage = pd.read_csv(tmp_path / "coverage.csv")
    share = coverage["under"].sum() / coverage["required"].sum()
    worst = (coverage["under"] / coverage["required"].clip(lower=1)).max()
    relaxed = _schedule(
        tmp_path,
        10.0,
        "--attention-short-share",
        f"{min(worst + 0.001, 0.999)}",
        "--attention-total-short-share",
        f"{min(share + 0.001, 0.999)}",
    )
    assert relaxed.exit_code == (0 if worst < 0.999 else 1), relaxed.output


def test_staff_exit_one_on_the_seat_limit_through_the_same_rule(tmp_path):
    forecast = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": pd.date_range("2026-11-30", periods=4, freq="15min"),
            "calls": [100.0, 200, 300, 50],
            "aht_sec": 300.0,
        }
    )
    write_frame(forecast, tmp_path / "fc.csv")
    result = CliRunner().invoke(
        main, ["-q", "staff", str(tmp_path / "fc.csv"), "--seats", "20", "-o", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 1 and "Attention: staffing: seat limit of 20 binds" in result.stderr
    result = CliRunner().invoke(
        main, ["-q", "staff", str(tmp_path / "fc.csv"), "--seats", "900", "-o", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 0 and "Attention" not in result.stderr
