"""The further labour rules (docs/roster.md, "More labour rules"): a hand-made violating roster
the independent validator must flag, and engine runs that honour each rule where it binds."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules

from wfm.exceptions import ConfigError
from wfm.roster import schedule, validate


def _agents(**columns) -> pd.DataFrame:
    base = {"agent_id": ["A"], "contract": ["ft"]}
    base.update({k: [v] for k, v in columns.items()})
    return pd.DataFrame(base)


def _days(starts_h: list[float | None], *, length_h: float = 9) -> pd.DataFrame:
    rows = []
    for d, h in enumerate(starts_h):
        if h is None:
            continue
        day = START + pd.Timedelta(days=d)
        start = day + pd.Timedelta(hours=h)
        rows.append(("A", day, start, start + pd.Timedelta(hours=length_h)))
    return pd.DataFrame(rows, columns=["agent_id", "date", "shift_start", "shift_end"])


def _hit(roster, agents, days=7, **overrides) -> set[str]:
    found = validate(roster, agents, tiny_rules(**overrides), horizon_start=START, horizon_days=days)
    return set(found["rule"])


def _engine(days: int, **overrides):
    """The tiny centre's roster under ``overrides`` (planned once per distinct call: four tests
    compare their rule's roster with the same 7-day roster without it)."""
    res, rules = _planned(days, tuple(sorted(overrides.items())))
    return res, _engine_agents(), rules


def _engine_agents():
    agents = tiny_agents()
    agents.loc[4, "unavailable_dates"] = ""
    return agents


@functools.cache
def _planned(days: int, overrides: tuple):
    rules = tiny_rules(**dict(overrides))
    return schedule(tiny_requirements(days), _engine_agents(), rules, time_limit_sec=8, seed=2), rules


# -- rules format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"start_stability_clock": "round"},
        {"min_consecutive_days_off": 0},
        {"min_consecutive_days_off": 8},
        {"max_consecutive_nights": 0},
        {"min_rest_after_nights_hours": -1},
        {"min_rest_after_nights_hours": "48"},
    ],
)
def test_bad_values_name_the_key(bad):
    with pytest.raises(ConfigError, match=next(iter(bad))):
        tiny_rules(**bad)


def test_defaults_leave_the_rules_off():
    rules = tiny_rules()
    assert rules.min_consecutive_days_off == 1
    assert rules.max_consecutive_nights is None and rules.min_rest_after_nights_hours == 0
    assert rules.start_stability_clock == "circular"


# -- start-time stability on a circular clock ---------------------------------------------------------


def test_stability_reads_midnight_as_a_circle():
    # 23:00 and 00:00 starts: one hour apart on the clock, 23 h on a linear reading.
    roster = _days([23, None, 0, 23, None, 0, 23])
    agents = _agents(min_hours_week=0, max_hours_week=48, prev_consecutive_days=0)
    assert "start_stability" not in _hit(roster, agents, max_consecutive_days=6)
    assert "start_stability" in _hit(roster, agents, start_stability_clock="linear")
    # 22:00 and 01:00 are 3 h apart either way round: flagged with a 2 h window.
    assert "start_stability" in _hit(_days([22, None, 1, None, None, None, None]), agents)


# -- minimum consecutive days off ---------------------------------------------------------------------


def test_min_consecutive_days_off_flags_a_single_day_off():
    single = [8, 8, None, 8, 8, 8, None]  # Wednesday alone; Sunday touches the horizon end
    assert _hit(_days(single), _agents()) == set()
    assert _hit(_days(single), _agents(), min_consecutive_days_off=2) == {"min_consecutive_days_off"}
    paired = [8, 8, None, None, 8, 8, 8]
    assert _hit(_days(paired), _agents(), min_consecutive_days_off=2) == set()


def test_min_consecutive_days_off_at_the_horizon_start_reads_the_history():
    week = [None, 8, 8, 8, 8, 8, None]  # Monday off alone
    assert _hit(_days(week), _agents(prev_consecutive_days=0), min_consecutive_days_off=2) == set()
    found = _hit(_days(week), _agents(prev_consecutive_days=1), min_consecutive_days_off=2)
    assert found == {"min_consecutive_days_off"}


def test_min_consecutive_days_off_spans_the_week_boundary():
    # Sunday + Monday off across two weeks: one run of two days.
    two = [8, 8, 8, 8, 8, 8, None, None, 8, 8, 8, 8, None, None]
    agents = _agents(min_hours_week=0, max_hours_week=48)
    assert _hit(_days(two), agents, days=14, min_days_off_per_week=1, min_consecutive_days_off=2) == set()


def test_engine_honours_min_consecutive_days_off_one_and_two_weeks():
    base, agents, _ = _engine(7)
    strict = tiny_rules(min_consecutive_days_off=2)
    # The rule binds: without it the engine gives agents single days off inside the week.
    assert not validate(base.roster, agents, strict, horizon_start=START, horizon_days=7).empty
    for days in (7, 14):
        res, agents, rules = _engine(days, min_consecutive_days_off=2)
        found = validate(res.roster, agents, rules, horizon_start=START, horizon_days=days)
        assert found.empty, found.to_string()


# -- nights in a row, rest after nights ---------------------------------------------------------------


def test_max_consecutive_nights_is_flagged():
    nights = [22, 22, 22, 22, None, None, None]
    agents = _agents(min_hours_week=0)
    assert _hit(_days(nights), agents) == set()
    assert _hit(_days(nights), agents, max_consecutive_nights=3) == {"max_consecutive_nights"}
    assert _hit(_days(nights), agents, max_consecutive_nights=4) == set()


def test_rest_after_nights_is_flagged():
    # Nights Mon-Tue (22:00-07:00), then Thursday 22:00: 39 h after Wednesday 07:00.
    roster = _days([22, 22, None, 22, None, None, None])
    agents = _agents(min_hours_week=0)
    assert _hit(roster, agents, min_rest_after_nights_hours=39) == set()
    assert _hit(roster, agents, min_rest_after_nights_hours=48) == {"rest_after_nights"}
    # A run's nights are not "after" the run: four nights in a row rest 15 h between them.
    assert _hit(_days([22, 22, 22, 22, None, None, None]), agents, min_rest_after_nights_hours=48) == set()


def _night_runs(roster: pd.DataFrame, rules) -> int:
    """Longest run of night shifts on consecutive days of any agent, counted by hand."""
    best = 0
    for _, g in roster.sort_values("shift_start").groupby("agent_id"):
        run, last = 0, None
        for day, s, e in zip(g["date"], g["shift_start"], g["shift_end"]):
            h0 = (s - day) / pd.Timedelta(hours=1)
            h1 = h0 + (e - s) / pd.Timedelta(hours=1)
            night = h0 < 5 or h1 > 24  # the tiny rules' night window is 00:00-05:00
            if night:
                run = run + 1 if last is not None and day - last == pd.Timedelta(days=1) else 1
                last = day
            else:
                run, last = 0, None
            best = max(best, run)
    return best


def test_engine_honours_nights_in_a_row_and_rest_after_nights():
    base, agents, rules0 = _engine(7)
    assert _night_runs(base.roster, rules0) >= 3  # without the rule some agent works 3+ nights in a row
    for days in (7, 14):
        res, agents, rules = _engine(days, max_consecutive_nights=2, min_rest_after_nights_hours=46)
        found = validate(res.roster, agents, rules, horizon_start=START, horizon_days=days)
        assert found.empty, found.to_string()
        assert _night_runs(res.roster, rules) <= 2


# -- weekly rest -------------------------------------------------------------------------------------


def test_weekly_rest_is_flagged():
    # Mon-Sat 08:00-17:00, Sunday off: the longest rest is Saturday 17:00 to the week's end, 31 h.
    six = [8, 8, 8, 8, 8, 8, None]
    agents = _agents(min_hours_week=0, max_hours_week=48)
    assert _hit(_days(six), agents, min_days_off_per_week=1) == set()
    assert _hit(_days(six), agents, min_days_off_per_week=1, weekly_rest_hours=31) == set()
    assert _hit(_days(six), agents, min_days_off_per_week=1, weekly_rest_hours=35) == {"weekly_rest"}
    # Tue-Sat 08:00-17:00: Monday 00:00 to Tuesday 08:00 rests 32 h, Saturday 17:00 to the end 31 h;
    # a previous-week shift running to Monday 06:00 occupies the week's start and leaves 31 h.
    five = [None, 8, 8, 8, 8, 8, None]
    assert _hit(_days(five), agents, weekly_rest_hours=32) == set()
    late = _agents(min_hours_week=0, max_hours_week=48, prev_shift_end=pd.Timestamp("2026-11-30 06:00"))
    assert _hit(_days(five), late, weekly_rest_hours=32) == {"weekly_rest"}


def test_engine_honours_weekly_rest():
    base, agents, _ = _engine(7)
    strict = tiny_rules(weekly_rest_hours=50)
    # The rule binds: without it the engine splits some agent's days off (no 50 h rest).
    assert not validate(base.roster, agents, strict, horizon_start=START, horizon_days=7).empty
    for days in (7, 14):
        res, agents, rules = _engine(days, weekly_rest_hours=50)
        found = validate(res.roster, agents, rules, horizon_start=START, horizon_days=days)
        assert found.empty, found.to_string()


# -- nights cap per contract or agent -------------------------------------------------------------------


def _with_contract_cap(cap: int):
    import dataclasses

    rules = tiny_rules()
    ft = dataclasses.replace(rules.contracts["ft"], max_night_shifts_week=cap)
    return dataclasses.replace(rules, contracts={**rules.contracts, "ft": ft})


def test_night_cap_per_contract_and_agent_is_flagged():
    nights = [22, 22, 22, 22, None, None, None]
    agents = _agents(min_hours_week=0)
    assert _hit(_days(nights), agents) == set()
    found = validate(_days(nights), agents, _with_contract_cap(3), horizon_start=START, horizon_days=7)
    assert set(found["rule"]) == {"max_night_shifts"}
    assert _hit(_days(nights), _agents(min_hours_week=0, max_night_shifts_week=3)) == {"max_night_shifts"}
    assert _hit(_days(nights), _agents(min_hours_week=0, max_night_shifts_week=4)) == set()


def test_night_cap_in_the_rules_format_and_agents_frame():
    with pytest.raises(ConfigError, match="max_night_shifts_week"):
        _with_contract_cap(8)
    from wfm.exceptions import InvalidInputError

    with pytest.raises(InvalidInputError, match="max_night_shifts_week"):
        schedule(tiny_requirements(1), tiny_agents().assign(max_night_shifts_week=2.5), tiny_rules(), time_limit_sec=5)


def test_engine_honours_night_caps():
    base, agents, rules = _engine(7)
    capped = agents.assign(max_night_shifts_week=1)
    # The cap binds: without it some agent works three or more nights in the week.
    assert "max_night_shifts" in set(validate(base.roster, capped, rules, horizon_start=START, horizon_days=7)["rule"])
    res = schedule(tiny_requirements(7), capped, rules, time_limit_sec=8, seed=2)
    found = validate(res.roster, capped, rules, horizon_start=START, horizon_days=7)
    assert found.empty, found.to_string()
    contract_rules = _with_contract_cap(1)
    res = schedule(tiny_requirements(14), agents, contract_rules, time_limit_sec=8, seed=2)
    found = validate(res.roster, agents, contract_rules, horizon_start=START, horizon_days=14)
    assert found.empty, found.to_string()


def test_validator_rejects_a_bad_night_cap_column():
    from wfm.exceptions import InvalidInputError

    with pytest.raises(InvalidInputError, match="max_night_shifts_week"):
        validate(_days([8]), _agents(max_night_shifts_week="x"), tiny_rules(), horizon_start=START, horizon_days=7)
