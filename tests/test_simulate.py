"""wfm.simulate against independent results: Erlang C and Erlang A (wfm.erlang, itself checked
against exact arithmetic in test_erlang.py), pooling and dedicated queues; determinism; errors.

The queueing checks run one queue (or two) with constant agents over a long day, drop a
two-hour warm-up (the simulation starts empty), and require the exact figure to lie within
the simulation's confidence interval, with the interval narrow enough for the check to mean
something. The interval is a 99.9% one (about 3.4 standard errors at 40 replications): at 95%
one check in twenty in the grid would fail by chance alone.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from wfm import erlang
from wfm.exceptions import InvalidInputError, WFMWarning
from wfm.simulate import simulate
from wfm.staffing import Targets, TargetSet

START = pd.Timestamp("2026-03-02")
Z999 = 3.4  # two-sided 99.9% Student t quantile at ~40 degrees of freedom is 3.55; normal 3.29
WARMUP = pd.Timedelta(hours=2)


def _roster(groups: dict[str, int], hours: float = 24.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agents on the phones all day: ``{skills: count}``; returns (roster, agents)."""
    ids, skills = [], []
    for skill, count in groups.items():
        for i in range(count):
            ids.append(f"{skill.replace(';', '_')}_{i}")
            skills.append(skill)
    roster = pd.DataFrame(
        {
            "agent_id": ids,
            "date": START,
            "shift_start": START - pd.Timedelta(hours=1),
            "shift_end": START + pd.Timedelta(hours=hours + 1),
        }
    )
    return roster, pd.DataFrame({"agent_id": ids, "skills": skills})


def _volumes(rates: dict[str, float], aht: float, hours: float = 24.0, minutes: int = 30) -> pd.DataFrame:
    """Constant volumes: ``{queue: Erlangs}`` at handle time ``aht``."""
    ts = pd.date_range(START, periods=int(hours * 60 / minutes), freq=f"{minutes}min")
    parts = [
        pd.DataFrame({"queue": q, "interval_start": ts, "calls": a * minutes * 60 / aht, "aht_sec": aht})
        for q, a in rates.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _estimate(counts: pd.DataFrame, queues: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """Per-replication figures after the warm-up, pooled over ``queues``: (mean, standard error)."""
    c = counts[counts["interval_start"] >= START + WARMUP]
    if queues is not None:
        c = c[c["queue"].isin(queues)]
    g = c.groupby("replication")[["offered", "within", "wait_sec", "abandoned", "busy_sec", "on_phone_sec"]].sum()
    per = {
        "sl": g["within"] / g["offered"],
        "asa": g["wait_sec"] / g["offered"],
        "abandon": g["abandoned"] / g["offered"],
        "occupancy": g["busy_sec"] / g["on_phone_sec"],
    }
    return {k: (float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v)))) for k, v in per.items()}


def _within(est: tuple[float, float], exact: float, what: str, max_se: float) -> None:
    mean, se = est
    assert se < max_se, f"{what}: standard error {se:.4g} too wide for a meaningful check (< {max_se})"
    assert abs(mean - exact) <= Z999 * se, f"{what}: simulated {mean:.4f} +- {Z999 * se:.4f}, exact {exact:.4f}"


ERLANG_C_GRID = [(2.0, 4, 180.0), (8.0, 10, 240.0), (10.0, 14, 180.0), (40.0, 44, 300.0), (90.0, 96, 180.0)]


@pytest.mark.parametrize(("traffic", "agents", "aht"), ERLANG_C_GRID)
def test_one_queue_matches_erlang_c(traffic: float, agents: int, aht: float) -> None:
    roster, agent_frame = _roster({"a": agents})
    res = simulate(
        roster,
        agent_frame,
        _volumes({"a": traffic}, aht),
        Targets(service_level=0.8, answer_sec=20),
        replications=40,
        seed=1,
    )
    est = _estimate(res.counts)
    _within(est["sl"], float(erlang.service_level(traffic, agents, aht, 20.0)), "service level", 0.02)
    _within(est["asa"], float(erlang.asa(traffic, agents, aht)), "ASA", 0.1 * aht)
    _within(est["occupancy"], float(erlang.occupancy(traffic, agents)), "occupancy", 0.01)
    assert est["abandon"][0] == 0.0


ERLANG_A_GRID = [(10.0, 12, 180.0, 120.0), (20.0, 18, 240.0, 180.0), (50.0, 52, 300.0, 600.0), (5.0, 4, 200.0, 60.0)]


@pytest.mark.parametrize(("traffic", "agents", "aht", "patience"), ERLANG_A_GRID)
def test_one_queue_matches_erlang_a(traffic: float, agents: int, aht: float, patience: float) -> None:
    roster, agent_frame = _roster({"a": agents})
    targets = Targets(service_level=0.8, answer_sec=20, patience_sec=patience)
    res = simulate(roster, agent_frame, _volumes({"a": traffic}, aht), targets, replications=40, seed=2)
    exact = erlang.erlang_a(traffic, agents, aht, patience, 20.0)
    est = _estimate(res.counts)
    _within(est["sl"], float(exact.service_level), "service level", 0.02)
    _within(est["abandon"], float(exact.abandon_probability), "abandon rate", 0.01)
    _within(est["asa"], float(exact.asa_sec), "ASA", 0.1 * aht)
    _within(est["occupancy"], float(exact.occupancy), "occupancy", 0.01)


def test_full_cross_training_matches_one_pooled_queue() -> None:
    # Two queues, every agent holds both at the same level: one M/M/N queue of the summed traffic.
    roster, agent_frame = _roster({"a;b": 30})
    res = simulate(
        roster,
        agent_frame,
        _volumes({"a": 18.0, "b": 8.0}, 240.0),
        Targets(service_level=0.8, answer_sec=20),
        replications=40,
        seed=3,
    )
    exact_sl = float(erlang.service_level(26.0, 30, 240.0, 20.0))
    exact_asa = float(erlang.asa(26.0, 30, 240.0))
    for queues in (["a"], ["b"], ["a", "b"]):
        est = _estimate(res.counts, queues)
        _within(est["sl"], exact_sl, f"service level of {queues}", 0.02)
        _within(est["asa"], exact_asa, f"ASA of {queues}", 10.0)
    # The same 30 agents split 21/9 would leave b far worse: the check tells pooling apart.
    assert float(erlang.service_level(8.0, 9, 240.0, 20.0)) < exact_sl - 0.2


def test_dedicated_agents_match_separate_queues() -> None:
    roster, agent_frame = _roster({"a": 20, "b": 11})
    res = simulate(
        roster,
        agent_frame,
        _volumes({"a": 18.0, "b": 8.0}, 240.0),
        Targets(service_level=0.8, answer_sec=20),
        replications=40,
        seed=4,
    )
    for q, a, n in (("a", 18.0, 20), ("b", 8.0, 11)):
        est = _estimate(res.counts, [q])
        _within(est["sl"], float(erlang.service_level(a, n, 240.0, 20.0)), f"service level of {q}", 0.02)
        _within(est["occupancy"], float(erlang.occupancy(a, n)), f"occupancy of {q}", 0.01)


def test_shrinkage_is_removed_from_the_rostered_heads() -> None:
    # 20 rostered at 30% shrinkage is 14 on the phones: the plan's net staffing, not 20.
    roster, agent_frame = _roster({"a": 20})
    targets = Targets(service_level=0.8, answer_sec=20, shrinkage=0.3)
    res = simulate(roster, agent_frame, _volumes({"a": 11.0}, 180.0), targets, replications=30, seed=5)
    est = _estimate(res.counts)
    net, gross = float(erlang.service_level(11.0, 14, 180.0, 20.0)), float(erlang.service_level(11.0, 20, 180.0, 20.0))
    assert abs(est["sl"][0] - net) < 0.04, (est["sl"], net)
    assert gross - est["sl"][0] > 0.1
    c = res.counts[res.counts["interval_start"] >= START + WARMUP]
    # on the phones ~14 agents per interval (a few seconds more: an agent leaving finishes its call)
    heads = c.groupby("interval_start")["on_phone_sec"].mean() / 1800.0
    assert heads.between(14.0, 14.6).all(), heads.describe()


def test_bernoulli_shrinkage_has_the_same_mean_heads() -> None:
    roster, agent_frame = _roster({"a": 40})
    res = simulate(
        roster,
        agent_frame,
        _volumes({"a": 5.0}, 180.0),
        Targets(shrinkage=0.25),
        replications=20,
        seed=6,
        shrinkage_model="bernoulli",
    )
    c = res.counts[res.counts["interval_start"] >= START + WARMUP]
    assert abs(c["on_phone_sec"].sum() / (1800.0 * c["interval_start"].nunique() * 20) - 30.0) < 0.5


def test_breaks_take_agents_off_the_phones() -> None:
    roster, agent_frame = _roster({"a": 12})
    breaks = pd.DataFrame(
        {
            "agent_id": roster["agent_id"],
            "break_start": START + pd.Timedelta(hours=10),
            "break_end": START + pd.Timedelta(hours=11),
            "kind": "meal",
            "paid": False,
        }
    )
    res = simulate(roster, agent_frame, _volumes({"a": 8.0}, 180.0), Targets(), breaks=breaks, replications=5, seed=7)
    iv = res.interval.set_index("interval_start")
    assert iv.loc[START + pd.Timedelta(hours=10, minutes=30), "service_level"] == 0.0
    assert (
        iv.loc[START + pd.Timedelta(hours=10, minutes=30), "occupancy"]
        != iv.loc[START + pd.Timedelta(hours=10, minutes=30), "occupancy"]
    )  # nobody on: NaN
    assert iv.loc[START + pd.Timedelta(hours=8), "service_level"] > 0.8


def test_levels_are_priorities() -> None:
    # One group holds a at level 1 and b at level 2, both overloaded: b is served only when a is empty.
    roster, agent_frame = _roster({"a;b:2": 10})
    targets = Targets(service_level=0.8, answer_sec=20, patience_sec=300.0)
    res = simulate(roster, agent_frame, _volumes({"a": 7.0, "b": 4.0}, 180.0), targets, replications=5, seed=8)
    d = res.daily.set_index("queue")
    assert d.loc["a", "service_level"] > d.loc["b", "service_level"] + 0.1
    assert d.loc["b", "abandon_rate"] > 3 * d.loc["a", "abandon_rate"]
    # equal levels: the two queues share the wait alike
    flat = simulate(
        roster, agent_frame.assign(skills="a;b"), _volumes({"a": 7.0, "b": 4.0}, 180.0), targets, replications=5, seed=8
    ).daily.set_index("queue")
    assert abs(flat.loc["a", "service_level"] - flat.loc["b", "service_level"]) < 0.05


def test_specialists_are_tried_first() -> None:
    # Specialists of a (10) and generalists a+b (10); a light a-load should land on the specialists.
    roster, agent_frame = _roster({"a": 10, "a;b": 10})
    res = simulate(roster, agent_frame, _volumes({"a": 4.0, "b": 0.0001}, 180.0), Targets(), replications=3, seed=9)
    c = res.counts[res.counts["interval_start"] >= START + WARMUP]
    # occupancy of b's agents (the generalists only) is far below a's (specialists + generalists)
    occ = c.groupby("queue")[["busy_sec", "on_phone_sec"]].sum()
    occ = occ["busy_sec"] / occ["on_phone_sec"]
    assert occ["b"] < 0.05 < occ["a"]


def test_deferrable_work_waits_for_inbound_and_never_abandons() -> None:
    roster, agent_frame = _roster({"in;out": 12})
    inbound = Targets(service_level=0.8, answer_sec=20, patience_sec=200.0)
    out = Targets(service_level=None, answer_sec=None, deadline_sec=4 * 3600.0)
    vol = _volumes({"in": 6.0, "out": 5.0}, 240.0)
    res = simulate(roster, agent_frame, vol, TargetSet(inbound, {"out": out}), replications=10, seed=10)
    d = res.daily.set_index("queue")
    assert d.loc["out", "abandoned"] == 0.0
    assert d.loc["out", "threshold_sec"] == 4 * 3600.0
    assert 0.0 < d.loc["out", "service_level"] <= 1.0
    assert d.loc["out", "asa_sec"] > 2 * d.loc["in", "asa_sec"]
    # the same callbacks as a second inbound queue at equal priority: inbound does worse
    equal = simulate(
        roster,
        agent_frame,
        vol,
        TargetSet(inbound, {"out": Targets(service_level=None, answer_sec=None, asa_sec=3600.0)}),
        replications=10,
        seed=10,
    ).daily.set_index("queue")
    assert d.loc["in", "service_level"] > equal.loc["in", "service_level"] + 0.03
    assert d.loc["out", "asa_sec"] > 2 * equal.loc["out", "asa_sec"]
    assert set(res.backlog["queue"]) == {"in", "out"}
    assert (res.backlog.loc[res.backlog["queue"] == "out", "waiting"] >= 0).all()


def test_same_seed_same_frames_and_engines_agree() -> None:
    roster, agent_frame = _roster({"a": 5, "a;b": 4, "b:2;c": 3}, hours=6)
    vol = _volumes({"a": 4.0, "b": 2.0, "c": 1.5}, 200.0, hours=6)
    targets = TargetSet(
        Targets(service_level=0.8, answer_sec=20, shrinkage=0.2),
        {"c": Targets(service_level=0.9, answer_sec=10, patience_sec=90.0, shrinkage=0.2)},
    )
    kw = dict(replications=4, seed=11, handle="lognormal", handle_cv=0.8)
    a = simulate(roster, agent_frame, vol, targets, **kw)
    b = simulate(roster, agent_frame, vol, targets, **kw)
    for x, y in ((a.interval, b.interval), (a.daily, b.daily), (a.counts, b.counts), (a.backlog, b.backlog)):
        pd.testing.assert_frame_equal(x, y)
    py = simulate(roster, agent_frame, vol, targets, engine="python", **kw)
    pd.testing.assert_frame_equal(a.counts, py.counts)
    other = simulate(roster, agent_frame, vol, targets, **{**kw, "seed": 12})
    assert not a.counts["within"].equals(other.counts["within"])
    pooled = simulate(roster, agent_frame, vol, targets, workers=2, **kw)
    pd.testing.assert_frame_equal(a.counts, pooled.counts)


def test_given_counts_are_exact_and_handle_time_means_hold() -> None:
    roster, agent_frame = _roster({"a": 30}, hours=4)
    vol = _volumes({"a": 10.0}, 180.0, hours=4)
    vol["calls"] = 100.0
    for handle, cv in (("gamma", 0.5), ("lognormal", 1.5)):
        res = simulate(
            roster, agent_frame, vol, Targets(), replications=3, seed=13, counts="given", handle=handle, handle_cv=cv
        )
        assert (res.counts["offered"] == 100).all()
        # 30 agents, ~10 Erlangs: busy time per interval ~ 100 calls x 180 s
        busy = res.counts.loc[res.counts["interval_start"] >= START + pd.Timedelta(hours=1), "busy_sec"].mean()
        assert abs(busy / (100 * 180.0) - 1.0) < 0.1, (handle, busy)


def test_bad_input_names_the_value() -> None:
    roster, agent_frame = _roster({"a": 3}, hours=2)
    vol = _volumes({"a": 1.0}, 180.0, hours=2)
    with pytest.raises(InvalidInputError, match="ghost"):
        simulate(pd.concat([roster, roster.head(1).assign(agent_id="ghost")]), agent_frame, vol)
    with pytest.raises(InvalidInputError, match="b"):
        simulate(roster, agent_frame, _volumes({"a": 1.0, "b": 1.0}, 180.0, hours=2))
    with pytest.raises(InvalidInputError, match="calls must be >= 0, got -3"):
        simulate(roster, agent_frame, vol.assign(calls=[-3.0] + [1.0] * (len(vol) - 1)))
    with pytest.raises(InvalidInputError, match="aht_sec must be > 0"):
        simulate(roster, agent_frame, vol.assign(aht_sec=0.0))
    with pytest.raises(InvalidInputError, match="whole numbers"):
        simulate(roster, agent_frame, vol.assign(calls=1.5), counts="given")
    with pytest.raises(InvalidInputError, match="shift_end must be after shift_start"):
        simulate(roster.assign(shift_end=roster["shift_start"]), agent_frame, vol)
    with pytest.raises(InvalidInputError, match="replications must be >= 1, got 0"):
        simulate(roster, agent_frame, vol, replications=0)
    with pytest.raises(InvalidInputError, match="handle must be one of"):
        simulate(roster, agent_frame, vol, handle="weibull")
    with pytest.raises(InvalidInputError, match="coefficient of variation of 1"):
        simulate(roster, agent_frame, vol, handle_cv=0.5)
    with pytest.raises(InvalidInputError, match="missing column"):
        simulate(roster.drop(columns="shift_end"), agent_frame, vol)
    with pytest.raises(InvalidInputError, match="nobody"):
        simulate(
            roster,
            agent_frame,
            vol,
            breaks=pd.DataFrame(
                {"agent_id": ["nobody"], "break_start": [START], "break_end": [START + pd.Timedelta(minutes=15)]}
            ),
        )
    with pytest.raises(InvalidInputError, match="level"):
        simulate(roster, agent_frame.assign(skills="a:12"), vol)
    # a skill for a queue without volumes is no error: that queue simply has no calls
    res = simulate(roster, agent_frame.assign(skills="a;zz"), vol, replications=1)
    assert set(res.daily["queue"]) == {"a"}


def test_a_queue_no_rostered_agent_holds_warns() -> None:
    roster, agent_frame = _roster({"a": 3, "b": 1}, hours=2)
    roster = roster[~roster["agent_id"].str.startswith("b")]
    with pytest.warns(WFMWarning, match="'b'"):
        res = simulate(roster, agent_frame, _volumes({"a": 1.0, "b": 1.0}, 180.0, hours=2), replications=2)
    d = res.daily.set_index("queue")
    assert d.loc["b", "answered"] == 0 and d.loc["b", "service_level"] == 0.0


def test_cli_simulate_writes_daily_figures_and_fails_in_one_line(tmp_path) -> None:
    from click.testing import CliRunner

    from wfm.cli import main
    from wfm.io import read_frame, write_frame

    roster, agent_frame = _roster({"a": 14}, hours=6)
    write_frame(roster, tmp_path / "roster.csv")
    write_frame(agent_frame, tmp_path / "agents.csv")
    write_frame(_volumes({"a": 10.0}, 180.0, hours=6), tmp_path / "volumes.csv")
    (tmp_path / "targets.toml").write_text("[default]\nservice_level = 0.8\nanswer_sec = 20\n")
    args = [
        "simulate",
        str(tmp_path / "roster.csv"),
        "--agents",
        str(tmp_path / "agents.csv"),
        "--volumes",
        str(tmp_path / "volumes.csv"),
        "--targets",
        str(tmp_path / "targets.toml"),
        "--replications",
        "5",
        "--seed",
        "3",
        "-o",
        str(tmp_path / "service.csv"),
        "--intervals",
        str(tmp_path / "iv.csv"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    daily = read_frame(tmp_path / "service.csv")
    assert list(daily["queue"]) == ["a"] and daily["service_level_lo"].iloc[0] <= daily["service_level"].iloc[0]
    assert "a: " in result.stdout and "within 20 s" in result.stdout
    assert len(read_frame(tmp_path / "iv.csv")) == 12
    write_frame(roster.assign(agent_id="ghost"), tmp_path / "bad.csv")
    bad = CliRunner().invoke(main, [*args[:1], str(tmp_path / "bad.csv"), *args[2:]])
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1 and "ghost" in bad.stderr and "Traceback" not in bad.output


def test_compare_to_plan_flags_misses_beyond_two_points() -> None:
    from wfm.simulate import compare_to_plan, miss_warnings

    roster, agent_frame = _roster({"a": 11, "b": 11}, hours=6)
    vol = _volumes({"a": 10.0, "b": 5.0}, 180.0, hours=6)
    targets = TargetSet(
        Targets(service_level=0.8, answer_sec=20), {"b": Targets(service_level=None, answer_sec=None, asa_sec=30.0)}
    )
    res = simulate(roster, agent_frame, vol, targets, replications=5, seed=4)
    planned = pd.DataFrame(
        {"date": [START, START], "queue": ["a", "b"], "service_level": [0.81, np.nan], "asa_sec": [9.0, 0.5]}
    )
    cmp_ = compare_to_plan(res.daily, planned, targets).set_index("queue")
    assert cmp_.loc["a", "metric"] == "service_level" and cmp_.loc["a", "erlang_allocated"] == 0.81
    assert cmp_.loc["a", "misses"]  # 10 Erlangs on 11 agents is far below 80/20
    assert cmp_.loc["b", "metric"] == "asa_sec" and not cmp_.loc["b", "misses"]
    lines = miss_warnings(compare_to_plan(res.daily, planned, targets))
    assert (
        len(lines) == 1
        and lines[0].startswith("simulate: a misses its service level 80% target")
        and "03-02" in lines[0]
    )


def test_compare_to_plan_judges_deferrable_work_by_its_deadline() -> None:
    from wfm.simulate import compare_to_plan, miss_warnings

    # 2 agents on 6 h of callbacks at 3 Erlangs: the backlog grows all day, so late items miss
    # a 1-hour deadline; 6 agents clear it easily.
    deadline = TargetSet(Targets(service_level=None, answer_sec=None, deadline_sec=3600.0))
    vol = _volumes({"cb": 3.0}, 300.0, hours=6)
    planned = pd.DataFrame({"date": [START], "queue": ["cb"], "service_level": [np.nan], "asa_sec": [np.nan]})
    short = compare_to_plan(
        simulate(*_roster({"cb": 2}, hours=6), vol, deadline, replications=4, seed=3).daily, planned, deadline
    ).set_index("queue")
    ample = compare_to_plan(
        simulate(*_roster({"cb": 6}, hours=6), vol, deadline, replications=4, seed=3).daily, planned, deadline
    ).set_index("queue")
    assert short.loc["cb", "metric"] == ample.loc["cb", "metric"] == "within_deadline"
    assert short.loc["cb", "target"] == 1.0 and short.loc["cb", "misses"] and short.loc["cb", "simulated"] < 0.9
    assert not ample.loc["cb", "misses"] and ample.loc["cb", "simulated"] >= 0.98
    lines = miss_warnings(
        compare_to_plan(
            simulate(*_roster({"cb": 2}, hours=6), vol, deadline, replications=4, seed=3).daily, planned, deadline
        )
    )
    assert len(lines) == 1 and lines[0].startswith("simulate: cb misses its deadline")
