"""Breaks and meals: rules, placement net of breaks, the lower bound, and the validator's break rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

import pandas as pd
import pytest
from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules

from wfm.exceptions import ConfigError
from wfm.roster import BREAK_COLUMNS, BreakRule, Rules, load_rules, schedule, validate

ROOT = Path(__file__).resolve().parents[1]


def rules_with_breaks() -> Rules:
    """tiny_rules plus a 15-min break, a 60-min unpaid meal and a 15-min break on the 9 h shift."""
    r = tiny_rules()
    ft, pt = r.contracts["ft"], r.contracts["pt"]
    ft_breaks = (
        BreakRule("break", 15, 60, 150),
        BreakRule("meal", 60, 180, 300, paid=False),
        BreakRule("break", 15, 360, 450),
    )
    nine = dataclasses.replace(ft.shifts[0], breaks=ft_breaks, min_work_minutes=60)
    part = tuple(
        dataclasses.replace(s, breaks=(BreakRule("break", 15, 60, 150),), min_work_minutes=60) for s in pt.shifts
    )
    return dataclasses.replace(
        r, contracts={"ft": dataclasses.replace(ft, shifts=(nine,)), "pt": dataclasses.replace(pt, shifts=part)}
    )


@pytest.fixture(scope="module")
def result():
    return schedule(tiny_requirements(7), tiny_agents(), rules_with_breaks(), time_limit_sec=10, seed=3)


def _net_recount(roster, breaks, stamps, agents, step):
    """Agents on shift for the whole interval and on no break during any of it (independent count)."""
    t = stamps.to_numpy()
    counts = np.zeros(len(t), dtype=int)
    for s, e in zip(roster["shift_start"], roster["shift_end"]):
        counts += (t >= np.datetime64(s)) & (t + step <= np.datetime64(e))
    for s, e in zip(breaks["break_start"], breaks["break_end"]):
        counts -= (t < np.datetime64(e)) & (t + step > np.datetime64(s))
    for end in agents["prev_shift_end"].dropna():
        counts += t < np.datetime64(pd.Timestamp(end))
    return counts


def test_breaks_are_legal_and_coverage_is_net_of_breaks(result):
    agents = tiny_agents()
    assert tuple(result.breaks.columns) == BREAK_COLUMNS
    assert result.breaks["paid"].dtype == bool
    violations = validate(
        result.roster, agents, rules_with_breaks(), horizon_start=START, horizon_days=7, breaks=result.breaks
    )
    assert violations.empty, violations.to_string()
    n_ft = result.roster["agent_id"].str.startswith("F").sum()
    assert len(result.breaks) == 3 * n_ft + (len(result.roster) - n_ft)
    cov = result.coverage
    recount = _net_recount(result.roster, result.breaks, cov["interval_start"], agents, pd.Timedelta(hours=1))
    np.testing.assert_array_equal(cov["scheduled"].to_numpy(), recount)


def test_objective_net_of_breaks_recomputes_and_respects_the_bound(result):
    rules = rules_with_breaks()
    cov = result.coverage
    under = sum(rules.objective.under_penalty(u) for u in cov["under"])
    paid = result.roster["paid_hours"].sum()
    shift_h = ((result.roster["shift_end"] - result.roster["shift_start"]) / pd.Timedelta(hours=1)).sum()
    unpaid = (
        (result.breaks["break_end"] - result.breaks["break_start"])[~result.breaks["paid"]] / pd.Timedelta(hours=1)
    ).sum()
    assert paid == pytest.approx(shift_h - unpaid)
    expected = under + rules.objective.over_weight * cov["over"].sum() + paid
    assert result.summary.objective == pytest.approx(expected)
    assert result.summary.objective >= result.summary.lower_bound - 1e-6


def test_bound_with_breaks_is_above_the_bound_without(result):
    gross = schedule(tiny_requirements(7), tiny_agents(), tiny_rules(), time_limit_sec=10, seed=3)
    assert result.diagnostics["lp_bound"] >= gross.diagnostics["lp_bound"] - 1e-6


def test_breaks_beat_every_break_at_its_earliest_start(result):
    """Placement must do better than (or as well as) the naive 'all at the window opening'."""
    rules = rules_with_breaks()
    naive = []
    for _, s in result.roster.iterrows():
        tpl = rules.contracts["ft" if s["agent_id"].startswith("F") else "pt"].template(
            int((s["shift_end"] - s["shift_start"]) / pd.Timedelta(minutes=1))
        )
        lo, _ = tpl.break_bounds()
        for b, off in zip(tpl.breaks, lo):
            start = s["shift_start"] + pd.Timedelta(minutes=-(-off // 60) * 60)
            naive.append((s["agent_id"], start, start + pd.Timedelta(minutes=b.minutes), b.kind, b.paid))
    naive = pd.DataFrame(naive, columns=list(BREAK_COLUMNS))
    cov = result.coverage
    recount = _net_recount(result.roster, naive, cov["interval_start"], tiny_agents(), pd.Timedelta(hours=1))
    req = cov["required"].to_numpy()
    naive_cost = (
        sum(rules.objective.under_penalty(u) for u in np.maximum(req - recount, 0))
        + rules.objective.over_weight * np.maximum(recount - req, 0).sum()
    )
    ours = sum(rules.objective.under_penalty(u) for u in cov["under"]) + rules.objective.over_weight * cov["over"].sum()
    assert ours <= naive_cost


def test_same_inputs_same_breaks(result):
    again = schedule(tiny_requirements(7), tiny_agents(), rules_with_breaks(), time_limit_sec=10, seed=3)
    pd.testing.assert_frame_equal(again.breaks, result.breaks)
    pd.testing.assert_frame_equal(again.roster, result.roster)


def test_rules_files_carry_breaks(tmp_path):
    # The example centre ships its breaks commented out (its shrinkage covers them); they
    # must still be valid when a planner switches them on.
    example = (ROOT / "data" / "example" / "rules.toml").read_text()
    switched_on = "\n".join(
        line[2:]
        if line.startswith("# min_work_minutes")
        or line.startswith("# breaks = ")
        or line.startswith("#   {")
        or line == "# ]"
        else line
        for line in example.splitlines()
    )
    (tmp_path / "rules.toml").write_text(switched_on)
    assert all(
        not t.breaks for c in load_rules(ROOT / "data" / "example" / "rules.toml").contracts.values() for t in c.shifts
    )
    for path in (ROOT / "examples" / "rules.toml", tmp_path / "rules.toml"):
        rules = load_rules(path)
        nine = rules.contracts["full_time"].template(540)
        assert [b.kind for b in nine.breaks] == ["break", "meal", "break"]
        assert nine.paid_minutes == 480 and [b.paid for b in nine.breaks] == [True, False, True]
        assert all(len(t.breaks) == 1 for t in rules.contracts["part_time"].shifts)


def _rules_dict(breaks, **shift):
    return {
        "seats": 10,
        "contracts": {
            "c": {"min_hours_week": 0, "max_hours_week": 40, "shifts": [{"length_hours": 9, "breaks": breaks, **shift}]}
        },
    }


@pytest.mark.parametrize(
    ("breaks", "shift", "message"),
    [
        (
            [{"kind": "meal", "minutes": 60, "paid": False, "start_window": ["03:00", "05:00"]}],
            {"unpaid_minutes": 30},
            "unpaid_minutes must equal the unpaid breaks' minutes",
        ),
        ([{"kind": "meal", "minutes": 60, "start_window": ["08:30", "09:00"]}], {}, "no legal place for the meal"),
        (
            [
                {"kind": "b", "minutes": 15, "start_window": ["05:00", "06:00"]},
                {"kind": "m", "minutes": 30, "start_window": ["02:00", "03:00"]},
            ],
            {},
            "time order",
        ),
        (
            [
                {"kind": "b", "minutes": 15, "start_window": ["01:00", "02:00"]},
                {"kind": "m", "minutes": 30, "start_window": ["01:00", "01:30"]},
            ],
            {"min_work_minutes": 60},
            "no legal place for the . break",
        ),
        ([{"kind": "b", "minutes": 15, "start_window": ["01:00", "02:00"], "colour": "red"}], {}, "unknown key"),
        ([{"kind": "b", "minutes": 150, "start_window": ["01:00", "02:00"]}], {}, "minutes must be in"),
    ],
)
def test_bad_break_rules_raise_config_error(breaks, shift, message):
    with pytest.raises(ConfigError, match=message):
        Rules.from_dict(_rules_dict(breaks, **shift))


def test_unpaid_minutes_default_to_the_unpaid_breaks():
    rules = Rules.from_dict(
        _rules_dict([{"kind": "meal", "minutes": 45, "paid": False, "start_window": ["03:00", "05:00"]}])
    )
    assert rules.contracts["c"].shifts[0].unpaid_minutes == 45


def test_break_off_the_grid_is_a_config_error():
    rules = Rules.from_dict(
        {
            "seats": 10,
            "contracts": {
                "c": {
                    "min_hours_week": 0,
                    "max_hours_week": 40,
                    "shifts": [
                        {
                            "length_hours": 4,
                            "start_step_minutes": 60,
                            "breaks": [{"kind": "b", "minutes": 15, "start_window": ["01:15", "01:45"]}],
                        }
                    ],
                }
            },
        }
    )
    agents = pd.DataFrame({"agent_id": ["A"], "contract": ["c"]})
    with pytest.raises(ConfigError, match="no start on the 60-minute interval grid"):
        schedule(tiny_requirements(1), agents, rules, time_limit_sec=5)


# --- the validator, one hand-made violating roster per break rule --------------------------------

AGENTS = pd.DataFrame({"agent_id": ["F1"], "contract": ["ft"], "min_hours_week": [0]})
SHIFT = pd.DataFrame(
    {
        "agent_id": ["F1"],
        "date": [pd.Timestamp("2026-11-30")],
        "shift_start": [pd.Timestamp("2026-11-30 22:00")],
        "shift_end": [pd.Timestamp("2026-12-01 07:00")],
    }
)  # overnight


def _breaks(*rows):
    return pd.DataFrame([(("F1",) + r) for r in rows], columns=list(BREAK_COLUMNS))


def T(clock: str) -> pd.Timestamp:
    day = "2026-11-30" if clock >= "12:00" else "2026-12-01"
    return pd.Timestamp(f"{day} {clock}")


GOOD = [
    (T("23:30"), T("23:45"), "break", True),
    (T("02:00"), T("03:00"), "meal", False),
    (T("05:00"), T("05:15"), "break", True),
]


def _check(rows):
    return validate(SHIFT, AGENTS, rules_with_breaks(), horizon_start=START, horizon_days=7, breaks=_breaks(*rows))


def test_legal_overnight_breaks_pass():
    assert _check(GOOD).empty


@pytest.mark.parametrize(
    ("rows", "rule"),
    [
        (GOOD + [(T("07:30"), T("07:45"), "break", True)], "break_outside_shift"),
        ([GOOD[0], (T("06:30"), T("07:30"), "meal", False), GOOD[2]], "break_outside_shift"),
        (GOOD[:2], "break_count"),
        ([GOOD[0], GOOD[2], GOOD[1]][:1] + [(T("02:00"), T("03:00"), "break", False), GOOD[2]], "break_count"),
        ([GOOD[0], (T("02:00"), T("02:30"), "meal", False), GOOD[2]], "break_duration"),
        ([(T("22:30"), T("22:45"), "break", True)] + GOOD[1:], "break_window"),
        ([GOOD[0], (T("23:40"), T("00:40"), "meal", False), GOOD[2]], "break_overlap"),
        ([GOOD[0], (T("00:15"), T("01:15"), "meal", False), GOOD[2]], "break_min_work"),
        ([GOOD[0], (T("02:00"), T("03:00"), "meal", True), GOOD[2]], "break_paid"),
    ],
)
def test_each_break_rule_is_caught(rows, rule):
    found = _check(rows)
    assert rule in set(found["rule"]), found.to_string()


def test_net_of_breaks_moves_improve_shifts_chosen_without_breaks():
    """Shifts optimised for whole-shift coverage, then breaks: the net-priced moves must find gains."""
    from wfm.roster.agents import parse_agents
    from wfm.roster.breaks import breaks_frame, place_breaks, polish_net
    from wfm.roster.repair import RosterState, evaluate_objective, set_shift
    from wfm.roster.result import roster_frame
    from wfm.roster.tours import DAY, build_catalogue, build_grid

    req, agents = tiny_requirements(7, scale=1.3), tiny_agents()
    gross = schedule(req, agents, tiny_rules(), time_limit_sec=5, seed=0)
    rules = rules_with_breaks()
    cat = build_catalogue(build_grid(req), parse_agents(agents, rules), rules)
    state = RosterState.empty(cat)
    ids = [a.agent_id for a in cat.agents]
    for _, r in gross.roster.iterrows():
        a = ids.index(r["agent_id"])
        length = int((r["shift_end"] - r["shift_start"]) / pd.Timedelta(minutes=1))
        t = next(
            i
            for i, tp in enumerate(cat.templates)
            if tp.template.length_minutes == length and tp.template in cat.agents[a].templates
        )
        start = int((r["shift_start"] - cat.grid.start) / pd.Timedelta(minutes=1))
        set_shift(cat, state, a, start // DAY, start, t)
    plan = place_breaks(cat, state, seed=0, exact=False, max_passes=0)
    before = evaluate_objective(cat, RosterState(state.start, state.template, plan.coverage))["objective"]
    plan2, moves = polish_net(cat, state, plan, seed=0)
    after = evaluate_objective(cat, RosterState(state.start, state.template, plan2.coverage))["objective"]
    assert moves > 0 and after < before
    roster, breaks = roster_frame(cat, state), breaks_frame(cat, plan2)
    violations = validate(roster, agents, rules, horizon_start=START, horizon_days=7, breaks=breaks)
    assert violations.empty, violations.to_string()
    recount = _net_recount(roster, breaks, pd.Series(cat.grid.interval_starts()), agents, pd.Timedelta(hours=1))
    np.testing.assert_array_equal(plan2.coverage, recount)


# --- break start granularity ---------------------------------------------------------------------


def _stepped_rules(step: int) -> Rules:
    """rules_with_breaks with every break starting a multiple of ``step`` minutes into its shift."""
    r = rules_with_breaks()
    contracts = {}
    for name, c in r.contracts.items():
        shifts = tuple(
            dataclasses.replace(s, breaks=tuple(dataclasses.replace(b, start_step_minutes=step) for b in s.breaks))
            for s in c.shifts
        )
        contracts[name] = dataclasses.replace(c, shifts=shifts)
    return dataclasses.replace(r, contracts=contracts)


def test_break_start_step_is_kept_on_a_finer_grid():
    # 15-minute intervals: without a step breaks may start every 15 min; with 30 only on the half hour
    # of the shift's clock (shifts start on the hour here).
    hourly = tiny_requirements(2)
    req = pd.DataFrame(
        {
            "interval_start": [t + pd.Timedelta(minutes=m) for t in hourly["interval_start"] for m in (0, 15, 30, 45)],
            "agents_scheduled": np.repeat(hourly["agents_scheduled"].to_numpy(), 4),
        }
    )
    rules = _stepped_rules(30)
    res = schedule(req, tiny_agents(), rules, time_limit_sec=5, seed=0, num_workers=1)
    assert len(res.breaks)
    violations = validate(res.roster, tiny_agents(), rules, horizon_start=START, horizon_days=2, breaks=res.breaks)
    assert violations.empty, violations.to_string()
    starts = res.roster.set_index("agent_id")["shift_start"]
    for agent, b_start in zip(res.breaks["agent_id"], res.breaks["break_start"]):
        own = starts.loc[[agent]]
        shift_start = own[own <= b_start].max()
        assert ((b_start - shift_start) / pd.Timedelta(minutes=1)) % 30 == 0


def test_break_off_its_step_is_caught_and_a_step_leaving_no_start_is_a_config_error():
    rows = [GOOD[0], (T("01:45"), T("02:45"), "meal", False), GOOD[2]]  # 225 min into the 22:00 shift
    found = validate(SHIFT, AGENTS, _stepped_rules(30), horizon_start=START, horizon_days=7, breaks=_breaks(*rows))
    assert set(found["rule"]) == {"break_step"}, found.to_string()
    assert validate(
        SHIFT, AGENTS, _stepped_rules(30), horizon_start=START, horizon_days=7, breaks=_breaks(*GOOD)
    ).empty  # 90, 240 and 420 min in
    rules = Rules.from_dict(
        {
            "seats": 10,
            "contracts": {
                "c": {
                    "min_hours_week": 0,
                    "max_hours_week": 40,
                    "shifts": [
                        {
                            "length_hours": 4,
                            "breaks": [
                                {
                                    "kind": "b",
                                    "minutes": 15,
                                    "start_window": ["01:15", "01:45"],
                                    "start_step_minutes": 60,
                                }
                            ],
                        }
                    ],
                }
            },
        }
    )
    with pytest.raises(ConfigError, match="grid and a multiple of 60 min"):
        schedule(tiny_requirements(1), pd.DataFrame({"agent_id": ["A"], "contract": ["c"]}), rules, time_limit_sec=5)
