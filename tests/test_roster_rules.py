"""Rules and agents validation: clear one-line errors at the edge."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from roster_helpers import tiny_rules

from wfm.exceptions import ConfigError, InvalidInputError
from wfm.roster import Rules, load_rules, parse_agents

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rules.toml"


def _base() -> dict:
    return {
        "rules": {"seats": 10},
        "contracts": {
            "ft": {"min_hours_week": 40, "max_hours_week": 40, "shifts": [{"length_hours": 9, "unpaid_minutes": 60}]}
        },
    }


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
        (
            lambda d: d.update(objective={"under_segments": [{"width": 2, "weight": 100}, {"weight": 50}]}),
            "strictly increasing",
        ),
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
    agents = pd.DataFrame(
        {
            "agent_id": ["a", "b"],
            "contract": ["pt", "pt"],
            "shift_lengths_h": ["4", None],
            "night_allowed": ["false", None],
            "unavailable_dates": ["2026-12-01;2026-12-03", ""],
            "max_hours_week": [20, None],
        }
    )
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


# --- shift types -------------------------------------------------------------------------------


def test_default_shift_types_cover_the_day():
    rules = Rules.from_dict(_base())
    expected = {
        0: "night",
        3 * 60 + 59: "night",
        4 * 60: "early",
        9 * 60 + 59: "early",
        10 * 60: "day",
        14 * 60: "late",
        19 * 60 + 59: "late",
        20 * 60: "night",
        23 * 60 + 59: "night",
    }
    assert {m: rules.shift_type(m) for m in expected} == expected


def test_custom_shift_types_wrap_midnight_and_leave_gaps_untyped():
    data = _base()
    data["shift_types"] = {"early": ["06:00", "09:00"], "overnight": ["22:00", "02:00"]}
    rules = Rules.from_dict(data)
    assert [t.name for t in rules.shift_types] == ["early", "overnight"]
    assert rules.shift_type(23 * 60) == "overnight" and rules.shift_type(60) == "overnight"
    assert rules.shift_type(2 * 60) == "" and rules.shift_type_index(12 * 60) == -1
    assert rules.shift_type(6 * 60) == "early" and rules.shift_type(9 * 60) == ""


@pytest.mark.parametrize(
    ("types", "message"),
    [
        ({"a": ["06:00", "10:00"], "b": ["09:00", "12:00"]}, "must not overlap, got a and b both containing 09:00"),
        ({"a": ["06:00", "06:00"]}, "from != to"),
        ({"a": "06:00"}, "shift_types.a must be"),
        ({"a": ["6", "07:00"]}, "shift_types.a[0] must be a clock time"),
        ([], "[shift_types] must be a table"),
    ],
)
def test_bad_shift_types_are_config_errors(types, message):
    data = _base()
    data["shift_types"] = types
    with pytest.raises(ConfigError, match=re.escape(message)):
        Rules.from_dict(data)


def test_bands_never_mix_shift_types():
    from wfm.roster.tours import _template_plan

    data = _base()
    data["shift_types"] = {"early": ["05:00", "09:30"], "day": ["09:30", "05:00"]}
    rules = Rules.from_dict(data)
    plan = _template_plan(rules.contracts["ft"].shifts[0], rules, 15, "ft")
    for b in range(plan.n_bands):
        starts = plan.starts[plan.band_of_start == b]
        assert {rules.shift_type(int(s)) for s in starts} == {rules.shift_types[plan.band_type[b]].name}
    # 09:15 and 09:30 would share the 08:00-10:00 block but not a type
    assert plan.band_of_start[list(plan.starts).index(555)] != plan.band_of_start[list(plan.starts).index(570)]
