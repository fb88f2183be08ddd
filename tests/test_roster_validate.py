"""The independent validator: one hand-made violating roster per labour rule."""

from __future__ import annotations

import pandas as pd
import pytest

from wfm.roster import validate

from roster_helpers import START, tiny_rules


def _agents(**columns) -> pd.DataFrame:
    base = {"agent_id": ["A"], "contract": ["ft"]}
    base.update({k: [v] for k, v in columns.items()})
    return pd.DataFrame(base)


def _week(starts_h: list[float | None], *, agent: str = "A", length_h: float = 9, first: pd.Timestamp = START):
    """A roster from one start hour per day (None = day off)."""
    rows = []
    for d, h in enumerate(starts_h):
        if h is None:
            continue
        day = first + pd.Timedelta(days=d)
        start = day + pd.Timedelta(hours=h)
        rows.append((agent, day, start, start + pd.Timedelta(hours=length_h)))
    return pd.DataFrame(rows, columns=["agent_id", "date", "shift_start", "shift_end"])


LEGAL_WEEK = [8, 8, 9, 9, 10, None, None]


def _rules_hit(roster, agents, **rule_overrides) -> set[str]:
    found = validate(roster, agents, tiny_rules(**rule_overrides), horizon_start=START, horizon_days=7)
    return set(found["rule"])


def test_legal_week_has_no_violation():
    assert _rules_hit(_week(LEGAL_WEEK), _agents()) == set()


def test_unknown_agent():
    assert "unknown_agent" in _rules_hit(_week(LEGAL_WEEK, agent="ghost"), _agents())


def test_shift_date_must_be_the_start_day():
    roster = _week(LEGAL_WEEK)
    roster.loc[0, "date"] = START + pd.Timedelta(days=1)
    assert "shift_date" in _rules_hit(roster, _agents())


def test_one_shift_per_day():
    roster = _week(LEGAL_WEEK)
    extra = roster.iloc[[0]].copy()
    extra["shift_start"] += pd.Timedelta(hours=10)
    extra["shift_end"] += pd.Timedelta(hours=10)
    assert "one_shift_per_day" in _rules_hit(pd.concat([roster, extra]), _agents())


def test_shift_template_length_and_start():
    assert _rules_hit(_week(LEGAL_WEEK, length_h=8), _agents()) >= {"shift_template"}
    roster = _week(LEGAL_WEEK)
    roster.loc[0, "shift_start"] += pd.Timedelta(minutes=30)
    roster.loc[0, "shift_end"] += pd.Timedelta(minutes=30)
    assert "shift_template" in _rules_hit(roster, _agents())


def test_unavailable_date():
    assert _rules_hit(_week(LEGAL_WEEK), _agents(unavailable_dates="2026-12-01")) == {"unavailable"}


def test_night_not_allowed():
    night_week = [22, 22, 22, 22, 22, None, None]
    assert _rules_hit(_week(night_week), _agents(night_allowed=True)) == set()
    assert _rules_hit(_week(night_week), _agents(night_allowed=False)) == {"night_not_allowed"}


def test_min_rest_within_the_week():
    # 20:00-05:00 then 13:00 the next day: 8 h rest (and starts 7 h apart also break stability).
    found = _rules_hit(
        _week([20, 13, None, None, None, None, None]), _agents(min_hours_week=0), start_stability_hours=24
    )
    assert found == {"min_rest"}


def test_min_rest_against_previous_week():
    agents = _agents(prev_shift_end=pd.Timestamp("2026-11-29 23:00"))
    assert _rules_hit(_week(LEGAL_WEEK), agents) == {"min_rest"}  # 9 h after 23:00
    agents = _agents(prev_shift_end=pd.Timestamp("2026-11-29 21:00"))
    assert _rules_hit(_week(LEGAL_WEEK), agents) == set()  # 11 h exactly


def test_max_consecutive_days_counts_previous_week():
    assert _rules_hit(_week(LEGAL_WEEK), _agents(prev_consecutive_days=1)) == set()
    assert _rules_hit(_week(LEGAL_WEEK), _agents(prev_consecutive_days=2)) == {"max_consecutive_days"}


def test_days_off_per_week():
    found = _rules_hit(_week([8, 8, 8, 8, 8, 8, None]), _agents(max_hours_week=48))
    assert found == {"days_off"}


def test_days_off_consecutive():
    split = [8, 8, None, 8, 8, 8, None]
    assert _rules_hit(_week(split), _agents()) == set()
    assert _rules_hit(_week(split), _agents(), days_off_consecutive=True) == {"days_off_consecutive"}


def test_weekly_hours():
    assert _rules_hit(_week([8, 8, 8, 8, None, None, None]), _agents()) == {"weekly_hours"}
    assert _rules_hit(_week([8, 8, 8, 8, None, None, None]), _agents(min_hours_week=32)) == set()


def test_max_night_shifts():
    night_week = [22, 22, 22, 22, 22, None, None]
    assert _rules_hit(_week(night_week), _agents(), max_night_shifts_per_week=4) == {"max_night_shifts"}


def test_start_stability():
    assert _rules_hit(_week([8, 8, 9, 10, 11, None, None]), _agents()) == {"start_stability"}


def test_seats_count_previous_week_shifts():
    agents = pd.DataFrame(
        {
            "agent_id": ["A", "B"],
            "contract": ["ft", "ft"],
            "min_hours_week": [0, 0],
            "prev_shift_end": [None, pd.Timestamp("2026-11-30 05:00")],
        }
    )
    roster = _week([0, None, None, None, None, None, None])
    assert _rules_hit(roster, agents, seats=2) == set()
    assert _rules_hit(roster, agents, seats=1) == {"seats"}


def test_missing_roster_column_is_reported():
    with pytest.raises(Exception, match="missing column"):
        validate(pd.DataFrame({"agent_id": ["A"]}), _agents(), tiny_rules())
