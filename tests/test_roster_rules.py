"""Rules and agents validation: clear one-line errors at the edge."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from roster_helpers import tiny_rules

from wfm.exceptions import ConfigError, InvalidInputError
from wfm.roster import Rules, load_rules, parse_agents

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rules.toml"


def _base() -> dict:
    return {"rules": {"seats": 10},
            "contracts": {"ft": {"min_hours_week": 40, "max_hours_week": 40,
                                 "shifts": [{"length_hours": 9, "unpaid_minutes": 60}]}}}


def test_example_rules_load():
    rules = load_rules(EXAMPLE)
    assert rules.seats == 1700 and rules.max_consecutive_days == 6
    assert rules.contracts["full_time"].shifts[0].paid_minutes == 480
    assert [t.length_minutes for t in rules.contracts["part_time"].shifts] == [240, 300, 360]
    assert rules.objective.under_penalty(6) == 2 * 100 + 3 * 150 + 1 * 250


def test_rules_are_frozen():
    rules = tiny_rules()
    with pytest.raises(AttributeError):
        rules.seats = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (lambda d: d["contracts"]["ft"].update(min_hours_week=50), "contract ft: min_hours_week must be <= max"),
        (lambda d: d["contracts"]["ft"].update(shifts=[]), "contract ft: no legal shift"),
        (lambda d: d["rules"].update(seats=0), "rules.seats must be >= 1, got 0"),
        (lambda d: d["rules"].update(min_rest_hours=16), "exceeds 24 h"),
        (lambda d: d["rules"].update(colour="red"), "unknown key"),
        (lambda d: d["rules"].update(night_window=["25:00", "05:00"]), "night_window"),
        (lambda d: d.update(objective={"under_segments": [{"width": 2, "weight": 100}, {"weight": 50}]}),
         "strictly increasing"),
        (lambda d: d["contracts"]["ft"]["shifts"][0].update(unpaid_minutes=600), "unpaid_minutes"),
        (lambda d: d["contracts"]["ft"]["shifts"][0].update(earliest_start="9am"), "HH:MM"),
    ],
)
def test_bad_rules_raise_config_error(patch, message):
    data = _base()
    patch(data)
    with pytest.raises(ConfigError, match=message):
        Rules.from_dict(data)


def test_missing_rules_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_rules(tmp_path / "nope.toml")


def test_agents_parse_defaults_and_overrides():
    agents = pd.DataFrame({"agent_id": ["a", "b"], "contract": ["pt", "pt"], "shift_lengths_h": ["4", None],
                           "night_allowed": ["false", None], "unavailable_dates": ["2026-12-01;2026-12-03", ""],
                           "max_hours_week": [20, None]})
    a, b = parse_agents(agents, tiny_rules())
    assert [t.length_minutes for t in a.templates] == [240]
    assert [t.length_minutes for t in b.templates] == [240, 300]
    assert a.night_allowed is False and b.night_allowed is True
    assert len(a.unavailable_dates) == 2 and not b.unavailable_dates
    assert a.max_paid_minutes_week == 1200 and b.max_paid_minutes_week == 1500


@pytest.mark.parametrize(
    ("column", "value", "error", "message"),
    [
        ("contract", "gig", InvalidInputError, "contract must be one of"),
        ("night_allowed", "maybe", InvalidInputError, "night_allowed must be true/false"),
        ("unavailable_dates", "someday", InvalidInputError, "unavailable_dates"),
        ("prev_consecutive_days", -1, InvalidInputError, "prev_consecutive_days"),
        ("min_hours_week", 45, ConfigError, "agent x: min_hours_week must be <= max_hours_week"),
        ("shift_lengths_h", "8", ConfigError, "agent x: no legal shift"),
    ],
)
def test_bad_agents(column, value, error, message):
    agents = pd.DataFrame({"agent_id": ["x"], "contract": ["ft"], column: [value]})
    with pytest.raises(error, match=message):
        parse_agents(agents, tiny_rules())


def test_duplicate_agent_ids():
    with pytest.raises(InvalidInputError, match="duplicated"):
        parse_agents(pd.DataFrame({"agent_id": ["x", "x"], "contract": ["ft", "ft"]}), tiny_rules())
