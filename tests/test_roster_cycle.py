"""Rules spanning weeks: cycle hour balancing, overtime caps, weekends per cycle, work stretches,
forbidden successions; their validator rules (one hand-made violating roster each, across week
boundaries and from the previous roster) and engine rosters over 1-6 weeks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from wfm.exceptions import ConfigError, InfeasibleRosterError, InvalidInputError
from wfm.roster import Rules, parse_agents, schedule, validate

from roster_helpers import START, cycle_rules, tiny_agents, tiny_requirements


def _agents(**columns) -> pd.DataFrame:
    base = {"agent_id": ["A"], "contract": ["ft"]}
    base.update({k: [v] for k, v in columns.items()})
    return pd.DataFrame(base)


def _roster(starts_h: list[float | None], *, length_h: float = 9, agent: str = "A") -> pd.DataFrame:
    """One start hour per day from START (None = day off), over as many days as given."""
    rows = []
    for d, h in enumerate(starts_h):
        if h is None:
            continue
        day = START + pd.Timedelta(days=d)
        start = day + pd.Timedelta(hours=h)
        rows.append((agent, day, start, start + pd.Timedelta(hours=length_h)))
    return pd.DataFrame(rows, columns=["agent_id", "date", "shift_start", "shift_end"])


# Two weeks of five early shifts (8 paid h each): 80 h, no weekend worked, stretches of 5 days.
LEGAL = [8, 8, 8, 8, 8, None, None] * 2


def _hits(roster: pd.DataFrame, agents: pd.DataFrame, *, days: int = 14, rules: Rules | None = None, **over) -> set:
    found = validate(roster, agents, rules or cycle_rules(**over), horizon_start=START, horizon_days=days)
    return set(found["rule"])


# ---------------------------------------------------------------- rules and agents
def test_rules_parse_and_default_off():
    rules = cycle_rules()
    assert rules.cycle_weeks == 2 and rules.forbidden_successions == (("late", "early"),)
    assert rules.contracts["ft"].avg_hours_week == 40
    assert rules.cycle_bounds_minutes(rules.contracts["ft"]) == (80 * 60, 80 * 60)
    plain = Rules.from_dict(
        {"seats": 3, "contracts": {"c": {"min_hours_week": 0, "max_hours_week": 40, "shifts": [{"length_hours": 8}]}}}
    )
    assert plain.cycle_weeks == 1 and plain.max_weekends_worked_per_cycle is None
    assert plain.min_work_stretch_days == 1 and plain.contracts["c"].avg_hours_week is None


@pytest.mark.parametrize(
    "overrides, contract, match",
    [
        ({"forbidden_successions": [["late", "dawn"]]}, {}, "'dawn' is not a shift type"),
        ({"forbidden_successions": [["late"]]}, {}, "forbidden_successions entries"),
        ({}, {"ft": {"avg_hours_week": 50}}, "avg_hours_week must lie within"),
        ({}, {"ft": {"avg_hours_week": 41}}, "contract ft: no cycle of 2 week"),
        ({"standard_day_hours": 6, "max_overtime_hours_per_day": 1}, {}, "pays 8 h, above standard_day_hours 6"),
        ({"max_weekends_worked_per_cycle": 3}, {}, "max_weekends_worked_per_cycle must be in"),
        ({"min_work_stretch_days": 7}, {}, "min_work_stretch_days must be in"),
        ({"cycle_weeks": 0}, {}, "cycle_weeks must be in"),
        ({"max_overtime_hours_per_cycle": -1}, {}, "max_overtime_hours_per_cycle must be >= 0"),
    ],
)
def test_contradictory_rules_are_config_errors(overrides, contract, match):
    with pytest.raises(ConfigError, match=match):
        cycle_rules(contract, **overrides)


def test_overtime_cap_tightens_the_cycle_maximum():
    rules = cycle_rules({"ft": {"cycle_tolerance_hours": 20}}, max_overtime_hours_per_cycle=8)
    assert rules.cycle_bounds_minutes(rules.contracts["ft"]) == (60 * 60, 88 * 60)


@pytest.mark.parametrize(
    "column, value, match",
    [
        ("cycle_weeks_done", 2, "cycle_weeks_done must be below rules.cycle_weeks = 2"),
        ("prev_shift_type", "dawn", "prev_shift_type must be one of"),
        ("cycle_hours_so_far", -3, "cycle_hours_so_far must be"),
        ("cycle_weekends_worked", 1, "need cycle_weeks_done >= 1"),
    ],
)
def test_bad_history_columns(column, value, match):
    with pytest.raises(InvalidInputError, match=match):
        parse_agents(_agents(**{column: value}), cycle_rules())


# ---------------------------------------------------------------- validator
def test_legal_cycle_has_no_violation():
    assert _hits(_roster(LEGAL), _agents()) == set()


def test_cycle_hours_too_many():
    six_then_five = [8, 8, 8, 8, 8, 8, None, 8, 8, 8, 8, 8, None, None]  # 48 + 40 = 88 h
    assert "cycle_hours" in _hits(_roster(six_then_five), _agents())
    assert "overtime_cycle" not in _hits(_roster(six_then_five), _agents())
    assert "overtime_cycle" in _hits(_roster(six_then_five), _agents(), max_overtime_hours_per_cycle=4)


def test_cycle_hours_too_few_also_for_an_agent_without_shifts():
    four_and_four = [8, 8, 8, 8, None, None, None] * 2  # 64 h
    assert "cycle_hours" in _hits(_roster(four_and_four), _agents())
    assert "cycle_hours" in _hits(_roster([None] * 14), _agents())


def test_cycle_hours_count_the_previous_weeks_of_the_cycle():
    # The cycle started a week before the horizon with 48 h: one week of 32 h closes it.
    week = [8, 8, 8, 8, None, None, None]
    history = {"cycle_weeks_done": 1, "cycle_hours_so_far": 48}
    assert _hits(_roster(week), _agents(**history), days=7) == set()
    assert "cycle_hours" in _hits(_roster(LEGAL[:7]), _agents(**history), days=7)


def test_open_cycle_is_judged_by_what_its_remaining_weeks_could_bring():
    # One week of a 2-week cycle: 32 h can still be closed by 48 h next week; nothing cannot.
    assert _hits(_roster([8, 8, 8, 8, None, None, None]), _agents(), days=7) == set()
    assert "cycle_hours" in _hits(_roster([8, 8, None, None, None, None, None]), _agents(), days=7)


def test_overtime_day():
    roster = _roster(LEGAL)
    roster.loc[0, "shift_end"] += pd.Timedelta(hours=3)  # a 12 h shift: 12 paid h (no such template)
    assert "overtime_day" in _hits(roster, _agents())


def test_weekends_worked_across_the_weeks_of_a_cycle():
    sat_then_sun = [8, 8, 8, None, 8, 8, None, None, 8, 8, 8, None, 8, 8]
    assert "weekends_worked" in _hits(_roster(sat_then_sun), _agents())
    only_one = [8, 8, 8, None, 8, 8, None, 8, 8, 8, 8, 8, None, None]
    assert "weekends_worked" not in _hits(_roster(only_one), _agents())
    # ... and the weekends already worked in the cycle before the horizon count.
    assert "weekends_worked" in _hits(
        _roster(only_one[:7]), _agents(cycle_weeks_done=1, cycle_hours_so_far=40, cycle_weekends_worked=1), days=7
    )


def test_min_work_stretch_inside_a_week_across_weeks_and_from_history():
    isolated_wednesday = [8, 8, None, 8, None, 8, 8] + LEGAL[7:]
    assert "min_work_stretch" in _hits(_roster(isolated_wednesday), _agents())
    # Sunday alone at the end of week 1 with Monday of week 2 off.
    lonely_sunday = [8, 8, 8, 8, None, None, 8, None, 8, 8, 8, 8, 8, None]
    assert "min_work_stretch" in _hits(_roster(lonely_sunday), _agents())
    # Day 1 alone: a stretch from the previous roster makes it two days; otherwise it is isolated.
    first_alone = [8, None, 8, 8, 8, 8, None]
    assert "min_work_stretch" in _hits(_roster(first_alone), _agents(), days=7)
    assert "min_work_stretch" not in _hits(_roster(first_alone), _agents(prev_consecutive_days=1), days=7)
    # A stretch reaching the horizon end continues after it: not judged.
    assert "min_work_stretch" not in _hits(_roster([None, 8, 8, 8, 8, None, 8]), _agents(), days=7)


@pytest.mark.parametrize(
    "starts, columns, expected",
    [
        ([15, 8, 8, 8, 8, None, None], {}, True),  # late then early
        ([8, 8, 15, 15, 15, None, None], {}, False),  # early then late is fine
        ([8, 8, 8, 8, 8, None, None], {"prev_shift_type": "late", "prev_consecutive_days": 1}, True),
        ([8, 8, 8, 8, 8, None, None], {"prev_shift_type": "late", "prev_consecutive_days": 0}, False),
        ([None, None, 8, 8, 8, 15, 15, 8, 8, None, None, None, None, None], {}, True),  # Sunday late, Monday early
    ],
)
def test_forbidden_succession(starts, columns, expected):
    pt = _agents(contract="pt", **columns)
    found = _hits(_roster(starts, length_h=4), pt, days=len(starts))
    assert ("forbidden_succession" in found) == expected


# ---------------------------------------------------------------- engine
def _with_history(agents: pd.DataFrame) -> pd.DataFrame:
    """tiny_agents plus the previous shift's type where they worked the day before."""
    types = np.where(agents["prev_consecutive_days"] >= 1, "late", "")
    return agents.assign(prev_shift_type=types)


def _weekly(roster: pd.DataFrame) -> pd.DataFrame:
    return roster.assign(week=(roster["date"] - START).dt.days // 7).pivot_table(
        index="agent_id", columns="week", values="paid_hours", aggfunc="sum", fill_value=0
    )


@pytest.mark.parametrize("weeks", [1, 2, 3])
def test_engine_rosters_meet_every_rule_spanning_weeks(weeks):
    rules = cycle_rules()
    agents = _with_history(tiny_agents())
    result = schedule(tiny_requirements(days=7 * weeks), agents, rules, time_limit_sec=5, num_workers=1)
    found = validate(result.roster, agents, rules, horizon_start=START, horizon_days=7 * weeks)
    assert found.empty, found.to_string()
    assert result.summary.lower_bound <= result.summary.objective + 1e-6


@pytest.mark.slow
def test_six_week_horizon_with_three_two_week_cycles():
    rules = cycle_rules()
    agents = _with_history(tiny_agents())
    result = schedule(tiny_requirements(days=42), agents, rules, time_limit_sec=8, num_workers=1)
    found = validate(result.roster, agents, rules, horizon_start=START, horizon_days=42)
    assert found.empty, found.to_string()
    weekly = _weekly(result.roster)
    for cycle in range(3):
        totals = weekly[[2 * cycle, 2 * cycle + 1]].sum(axis=1)
        assert (totals[totals.index.str.startswith("F")] == 80).all()


@pytest.mark.slow
def test_cycle_hours_vary_by_week_but_average_exactly():
    # A busy week then a quiet one: hours move to the busy week, the cycle still averages 40 h.
    busy = tiny_requirements(days=7, scale=1.4)
    quiet = tiny_requirements(days=7, scale=0.5).assign(
        interval_start=lambda f: f["interval_start"] + pd.Timedelta(days=7)
    )
    req = pd.concat([busy, quiet], ignore_index=True)
    rules = cycle_rules()
    agents = tiny_agents()
    result = schedule(req, agents, rules, time_limit_sec=5, num_workers=1)
    assert validate(result.roster, agents, rules, horizon_start=START, horizon_days=14).empty
    weekly = _weekly(result.roster)
    full_time = weekly[weekly.index.str.startswith("F")]
    assert (full_time.sum(axis=1) == 80).all()
    assert full_time[0].sum() > full_time[1].sum()  # the busy week gets the hours
    assert set(full_time[0]) != {40}
    # Without the cycle target the same weekly bounds let the totals drift from 80 h.
    free = dataclasses.replace(
        rules, contracts={n: dataclasses.replace(c, avg_hours_week=None) for n, c in rules.contracts.items()}
    )
    loose = _weekly(schedule(req, agents, free, time_limit_sec=5, num_workers=1).roster)
    assert (loose[loose.index.str.startswith("F")].sum(axis=1) != 80).any()


@pytest.mark.slow
def test_the_rules_change_the_roster():
    # The same instance without the rules spanning weeks breaks them; with them it does not.
    rules = cycle_rules()
    off = dataclasses.replace(
        rules,
        max_weekends_worked_per_cycle=None,
        min_work_stretch_days=1,
        forbidden_successions=(),
        contracts={n: dataclasses.replace(c, avg_hours_week=None) for n, c in rules.contracts.items()},
    )
    agents = _with_history(tiny_agents())
    req = tiny_requirements(days=14)
    loose = schedule(req, agents, off, time_limit_sec=5, num_workers=1)
    broken = set(validate(loose.roster, agents, rules, horizon_start=START, horizon_days=14)["rule"])
    assert {"weekends_worked", "cycle_hours"} <= broken
    strict = schedule(req, agents, rules, time_limit_sec=5, num_workers=1)
    assert validate(strict.roster, agents, rules, horizon_start=START, horizon_days=14).empty


def test_previous_roster_history_is_respected_on_the_first_day():
    # Everyone worked a late shift yesterday: nobody may start early on day one.
    rules = cycle_rules()
    agents = tiny_agents().assign(prev_shift_type="late", prev_consecutive_days=1, prev_shift_end=None)
    result = schedule(tiny_requirements(days=7), agents, rules, time_limit_sec=5, num_workers=1)
    first = result.roster[result.roster["date"] == START]
    assert len(first) and not (first["shift_type"] == "early").any()
    assert validate(result.roster, agents, rules, horizon_start=START, horizon_days=7).empty


def test_history_leaving_no_legal_cycle_names_the_agent_and_rule():
    rules = cycle_rules()
    agents = tiny_agents().assign(cycle_weeks_done=[1] + [0] * 8, cycle_hours_so_far=[20] + [0] * 8)
    with pytest.raises(InfeasibleRosterError, match=r"agent F1: no legal cycle .*cycle_hours.*need 60-60 h more"):
        schedule(tiny_requirements(days=7), agents, rules, time_limit_sec=5, num_workers=1)


def test_unavailable_days_leaving_no_legal_cycle_name_the_agent():
    # 48 h are due in the last week of the cycle, but three days of it are unavailable.
    rules = cycle_rules()
    agents = tiny_agents().assign(
        cycle_weeks_done=[1] + [0] * 8,
        cycle_hours_so_far=[32] + [0] * 8,
        unavailable_dates=["2026-12-01;2026-12-02;2026-12-03"] + [""] * 8,
    )
    with pytest.raises(InfeasibleRosterError, match="agent F1: no legal cycle"):
        schedule(tiny_requirements(days=7), agents, rules, time_limit_sec=5, num_workers=1)


def test_agents_at_different_points_of_their_cycles():
    # Half the agents are one week into their cycle (one horizon-wide aggregate row per contract).
    rules = cycle_rules()
    agents = _with_history(tiny_agents()).assign(
        cycle_weeks_done=[1, 0, 1, 0, 1, 0, 1, 0, 0],
        cycle_hours_so_far=[48, 0, 32, 0, 40, 0, 20, 0, 0],
        cycle_weekends_worked=[1, 0, 0, 0, 0, 0, 0, 0, 0],
    )
    result = schedule(tiny_requirements(days=14), agents, rules, time_limit_sec=5, num_workers=1)
    found = validate(result.roster, agents, rules, horizon_start=START, horizon_days=14)
    assert found.empty, found.to_string()
    weekly = _weekly(result.roster)
    assert weekly.loc["F1", 0] == 32 and weekly.loc["F3", 0] == 48  # each closes its own cycle


def test_aggregate_rows_hold_for_a_legal_roster():
    """The rows added to the aggregate model are true of any legal roster (so its LP stays a relaxation):
    map an engine roster to tour counts and check every row."""
    from wfm.roster import cycle_rows
    from wfm.roster.tours import DAY, build_catalogue, build_grid

    rules = cycle_rules()
    agents = _with_history(tiny_agents())
    req = tiny_requirements(days=14)
    result = schedule(req, agents, rules, time_limit_sec=5, num_workers=1)
    assert validate(result.roster, agents, rules, horizon_start=START, horizon_days=14).empty
    cat = build_catalogue(build_grid(req), parse_agents(agents, rules), rules)
    offset, tour_var, counts = 0, [], []
    for w in range(len(cat.grid.weeks)):
        per_class = []
        for cls in cat.classes[w]:
            per_class.append(np.arange(offset, offset + len(cls.tours[0])))
            offset += len(cls.tours[0])
            counts.append(np.zeros(len(cls.tours[0]), dtype=np.int64))
        tour_var.append(per_class)
    x = np.zeros(offset, dtype=np.int64)
    ids = [a.agent_id for a in cat.agents]
    roster = result.roster.assign(day=(result.roster["date"] - START).dt.days)
    for a, agent_id in enumerate(ids):
        mine = roster[roster["agent_id"] == agent_id]
        for w, (d0, n) in enumerate(cat.grid.weeks):
            week = mine[(mine["day"] >= d0) & (mine["day"] < d0 + n)]
            on = np.zeros(n, dtype=bool)
            on[(week["day"] - d0).to_numpy()] = True
            p = int(np.flatnonzero((cat.patterns[w].on == on).all(axis=1))[0])
            cls = cat.classes[w][int(cat.agent_class[a, w])]
            tours = cls.tours[0]
            if week.empty:
                r = int(np.flatnonzero((tours[:, 0] == p) & (tours[:, 1] < 0))[0])
            else:
                length = int((week["shift_end"].iloc[0] - week["shift_start"].iloc[0]) / pd.Timedelta(minutes=1))
                t = next(
                    i
                    for i, tp in enumerate(cat.templates)
                    if tp.template.length_minutes == length and i in cls.template_ids
                )
                clock = int((week["shift_start"].iloc[0] - week["date"].iloc[0]) / pd.Timedelta(minutes=1)) % DAY
                b = int(cat.templates[t].band_of_start[int(np.flatnonzero(cat.templates[t].starts == clock)[0])])
                r = int(np.flatnonzero((tours[:, 0] == p) & (tours[:, 1] == t) & (tours[:, 2] == b))[0])
            x[tour_var[w][int(cat.agent_class[a, w])][r]] += 1
    rows = cycle_rows.aggregate_rows(cat, tour_var)
    assert len(rows) > 10
    for cols, coefs, rhs in rows:
        assert int(np.dot(x[cols], coefs)) <= rhs


@pytest.mark.parametrize("first_day, days", [(6, 14), (0, 10)])
def test_horizons_starting_on_a_sunday_or_ending_in_a_short_block(first_day, days):
    # A Sunday start splits weekends across 7-day blocks (no weekend rows in the aggregate, the
    # masks count them); a 10-day horizon ends in a 3-day block (its cycle has only a maximum).
    rules = cycle_rules()
    agents = _with_history(tiny_agents()).assign(unavailable_dates="")
    req = tiny_requirements(days=days + first_day).iloc[24 * first_day :].reset_index(drop=True)
    origin = START + pd.Timedelta(days=first_day)
    result = schedule(req, agents, rules, time_limit_sec=5, num_workers=1)
    found = validate(result.roster, agents, rules, horizon_start=origin, horizon_days=days)
    assert found.empty, found.to_string()


def test_no_legal_week_from_a_rule_spanning_weeks_is_named_in_the_diagnosis():
    # Mon, Wed, Fri off leave Tue, Thu, Sat, Sun: four days are enough for 32 h under the weekly
    # rules, but Tue and Thu are isolated working days, so min_work_stretch_days 2 leaves 16 h.
    agents = pd.DataFrame(
        {
            "agent_id": ["A", "B"],
            "contract": ["ft", "ft"],
            "unavailable_dates": ["2026-11-30;2026-12-02;2026-12-04", ""],
        }
    )
    with pytest.raises(
        InfeasibleRosterError,
        match=r"agent A: no legal week .*Diagnosis: the weekly rules alone "
        r"give the agent a legal week; the rules spanning weeks "
        r"\(min_work_stretch_days 2",
    ):
        schedule(tiny_requirements(days=14), agents, cycle_rules(), time_limit_sec=2, num_workers=1)
