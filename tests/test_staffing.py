"""wfm.staffing: targets, TOML targets, the requirements frame, shrinkage and the seat limit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wfm.erlang import erlang_a, service_level
from wfm.exceptions import ConfigError, InvalidInputError, WFMWarning
from wfm.staffing import Targets, TargetSet, load_targets, requirements, seat_report

EXAMPLE_TARGETS = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "targets.toml"


def _forecast(queues=("retail",), periods=4, freq="30min", calls=100.0, aht=180.0, start="2026-03-02 09:00"):
    frames = []
    for q in queues:
        frames.append(
            pd.DataFrame(
                {
                    "queue": q,
                    "interval_start": pd.date_range(start, periods=periods, freq=freq),
                    "calls": calls,
                    "aht_sec": aht,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_domain_known_values_through_the_frame():
    f = pd.DataFrame(
        {
            "queue": ["small", "small", "big", "big"],
            "interval_start": pd.to_datetime(["2026-03-02 09:00", "2026-03-02 09:30"] * 2),
            "calls": [100.0, 0.0, 6000.0, 6000.0],
            "aht_sec": [180.0, 180.0, 300.0, 300.0],
            "model": "x",
        }
    )
    req = requirements(f, Targets(service_level=0.8, answer_sec=20))
    assert req["erlangs"].tolist() == [10.0, 0.0, 1000.0, 1000.0]
    assert req["agents"].tolist() == [14, 0, 1015, 1015]
    assert req["service_level"].iloc[0] == pytest.approx(0.8883500192, abs=1e-10)
    assert req["asa_sec"].iloc[0] == pytest.approx(7.836, abs=1e-3)
    assert req["occupancy"].iloc[0] == pytest.approx(10 / 14)
    assert req["service_level"].iloc[1] == 1.0 and req["asa_sec"].iloc[1] == 0.0 and req["occupancy"].iloc[1] == 0.0
    assert req["service_level"].iloc[2] == pytest.approx(0.8058974794, abs=1e-10)
    # Forecast columns first, in input order and row order; the contract's columns after.
    assert list(req.columns[:5]) == ["queue", "interval_start", "calls", "aht_sec", "model"]
    for col in ("erlangs", "agents", "agents_scheduled", "service_level", "asa_sec", "occupancy", "seat_limited"):
        assert col in req.columns
    assert "abandon_rate" not in req.columns and "agents_seated" not in req.columns
    assert req["agents"].dtype == np.int64 and req["agents_scheduled"].dtype == np.int64
    assert not req["seat_limited"].any()


@pytest.mark.parametrize("freq, minutes", [("5min", 5), ("15min", 15), ("30min", 30), ("60min", 60)])
def test_interval_length_is_read_from_the_data(freq, minutes):
    # The same calls in a shorter interval are more Erlangs.
    req = requirements(_forecast(freq=freq, calls=50.0, aht=300.0))
    assert req["erlangs"].iloc[0] == pytest.approx(50 * 300 / (minutes * 60))


def test_interval_with_gaps_and_override():
    f = _forecast(periods=6, freq="15min").drop(index=[2, 3]).reset_index(drop=True)
    assert requirements(f)["erlangs"].iloc[0] == pytest.approx(100 * 180 / 900)
    single = _forecast(periods=1)
    with pytest.raises(InvalidInputError, match="cannot infer the interval length"):
        requirements(single)
    assert requirements(single, interval_minutes=30)["agents"].tolist() == [14]
    as_text = single.assign(interval_start=single["interval_start"].astype(str))
    out = requirements(as_text, interval_minutes=30)
    assert pd.api.types.is_datetime64_any_dtype(out["interval_start"])


def test_shrinkage_one_figure_rounds_up_without_float_noise():
    req = requirements(_forecast(periods=2), Targets(shrinkage=0.3))
    # 14 / 0.7 = 20 exactly (20.000000000000004 in floats): 20, not 21.
    assert req["agents_scheduled"].tolist() == [20, 20]
    req = requirements(_forecast(periods=2), Targets(shrinkage=0.33))
    assert req["agents_scheduled"].tolist() == [21, 21]  # 14 / 0.67 = 20.9


def test_shrinkage_by_weekday_and_hour():
    table = {"monday": [0.1] * 9 + [0.5] + [0.1] * 14, "other": 0.2}
    f = _forecast(periods=2, freq="60min", start="2026-03-02 08:00")  # Monday 08:00 and 09:00
    f = pd.concat([f, _forecast(periods=2, freq="60min", start="2026-03-03 09:00")], ignore_index=True)
    req = requirements(f, Targets(shrinkage=table))
    n = req["agents"].to_numpy()
    expected = np.ceil(n / (1 - np.array([0.1, 0.5, 0.2, 0.2])) - 1e-9)
    assert req["agents_scheduled"].tolist() == expected.astype(int).tolist()
    arr = np.full((7, 24), 0.25)
    assert Targets(shrinkage=arr).shrinkage == Targets(shrinkage=0.25 * np.ones((7, 24))).shrinkage


def test_per_queue_targets_vip_and_erlang_a():
    f = _forecast(queues=("retail", "vip", "sales"), periods=3, calls=200.0, aht=240.0)
    ts = TargetSet(
        Targets(service_level=0.8, answer_sec=20),
        {
            "vip": Targets(service_level=0.9, answer_sec=10),
            "sales": Targets(service_level=0.8, answer_sec=20, patience_sec=120, max_abandon=0.03),
        },
    )
    req = requirements(f, ts)
    a = 200 * 240 / 1800
    by_q = req.groupby("queue")["agents"].first()
    assert by_q["vip"] > by_q["retail"]
    for q, sl, t in (("retail", 0.8, 20), ("vip", 0.9, 10)):
        n = by_q[q]
        assert service_level(a, n, 240, t) >= sl > service_level(a, n - 1, 240, t)
    n = by_q["sales"]
    ea = erlang_a(a, [n - 1, n], 240.0, 120.0, 20.0)
    assert ea.service_level[1] >= 0.8 and ea.abandon_probability[1] <= 0.03
    assert ea.service_level[0] < 0.8 or ea.abandon_probability[0] > 0.03
    sales = req[req["queue"] == "sales"]
    assert sales["abandon_rate"].iloc[0] == pytest.approx(float(ea.abandon_probability[1]))
    assert req.loc[req["queue"] != "sales", "abandon_rate"].isna().all()


def test_seat_limit_flags_reports_and_never_cuts():
    f = _forecast(queues=("a", "b", "c"), periods=3, calls=100.0)
    f.loc[f["queue"] == "b", "calls"] = [100.0, 300.0, 50.0]
    free = requirements(f, Targets(shrinkage=0.2))
    totals = free.groupby("interval_start")["agents_scheduled"].sum()
    seats = int(totals.iloc[0])  # binds only in the second interval
    with pytest.warns(WFMWarning, match=f"seat limit of {seats} binds in 1 of 3 intervals"):
        req = requirements(f, Targets(shrinkage=0.2), seats=seats)
    # Requirements are not cut.
    assert req["agents_scheduled"].tolist() == free["agents_scheduled"].tolist()
    second = req["interval_start"] == req["interval_start"].unique()[1]
    assert req.loc[second, "seat_limited"].all() and not req.loc[~second, "seat_limited"].any()
    assert req.loc[second, "agents_seated"].sum() == seats
    assert (req["agents_seated"] <= req["agents_scheduled"]).all()
    assert req.loc[~second, "agents_seated"].tolist() == req.loc[~second, "agents_scheduled"].tolist()
    summary = req.attrs["seat_limit"]
    assert summary["intervals"] == 1 and summary["shortfall_agent_intervals"] == totals.iloc[1] - seats
    report = seat_report(req, seats)
    assert len(report) == 1 and report["shortfall"].iloc[0] == totals.iloc[1] - seats
    # No warning where the limit does not bind.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = requirements(f, Targets(shrinkage=0.2), seats=int(totals.max()))
    assert not ok["seat_limited"].any()


def test_seat_shares_are_proportional_largest_remainder():
    f = pd.DataFrame(
        {
            "queue": ["a", "b", "c"] * 2,
            "interval_start": pd.to_datetime(["2026-03-02 09:00"] * 3 + ["2026-03-02 09:30"] * 3),
            "calls": [100.0, 100.0, 100.0, 10.0, 10.0, 10.0],
            "aht_sec": 180.0,
        }
    )
    with pytest.warns(WFMWarning):
        req = requirements(f, seats=20)
    first = req.iloc[:3]
    assert first["agents_scheduled"].tolist() == [14, 14, 14]
    assert first["agents_seated"].tolist() == [7, 7, 6]  # 20 seats over three equal queues


def test_empty_forecast_gives_empty_requirements():
    f = pd.DataFrame({"queue": [], "interval_start": [], "calls": [], "aht_sec": []})
    req = requirements(f, seats=10)
    assert req.empty
    assert list(req.columns)[-8:] == [
        "erlangs",
        "agents",
        "agents_scheduled",
        "service_level",
        "asa_sec",
        "occupancy",
        "seat_limited",
        "agents_seated",
    ]


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda f: f.drop(columns=["aht_sec"]), "missing column\\(s\\) aht_sec"),
        (lambda f: f.assign(calls=[-1.0, 1.0, 1.0, 1.0]), "calls must be >= 0, got -1"),
        (lambda f: f.assign(calls=[np.nan, 1.0, 1.0, 1.0]), "calls must not be NaN"),
        (lambda f: f.assign(aht_sec=[180.0, np.nan, 1.0, 1.0]), "aht_sec must not be NaN"),
        (lambda f: f.assign(aht_sec=[180.0, -3.0, 1.0, 1.0]), "aht_sec must be >= 0, got -3"),
        (lambda f: pd.concat([f, f.iloc[:1]], ignore_index=True), "duplicated rows"),
        (lambda f: f.assign(interval_start=["2026-03-02 09:00", "2026-03-02 09:20", "x", "y"]), "must hold timestamps"),
        (lambda f: f.assign(queue=["a", None, "a", "a"]), "queue must not be empty, got a missing value at row 1"),
        (
            lambda f: f.assign(aht_sec=[180.0, 0.0, 1.0, 1.0]),
            "aht_sec must be > 0 where calls > 0, got 0 with 100 calls",
        ),
        (
            lambda f: f.assign(
                interval_start=pd.to_datetime(
                    ["2026-03-02 09:00", "2026-03-02 09:20", "2026-03-02 09:40", "2026-03-02 10:00"]
                )
            ),
            "got 20 min",
        ),
    ],
)
def test_bad_forecast_raises_one_line_errors(mutate, match):
    with pytest.raises(InvalidInputError, match=match) as info:
        requirements(mutate(_forecast()))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(service_level=1.5), r"service_level must be in \(0, 1\], got 1.5"),
        (dict(service_level=0.0), r"service_level must be in \(0, 1\], got 0.0"),
        (dict(answer_sec=-1), r"answer_sec must be >= 0, got -1"),
        (dict(max_occupancy=1.2), r"max_occupancy must be in \(0, 1\], got 1.2"),
        (dict(max_occupancy=0), r"max_occupancy must be in \(0, 1\], got 0"),
        (dict(shrinkage=1.0), r"shrinkage must be in \[0, 1\), got 1.0"),
        (dict(shrinkage=-0.1), r"shrinkage must be in \[0, 1\), got -0.1"),
        (dict(shrinkage={"monday": 0.1}), r"no value for tuesday"),
        (dict(shrinkage={"moonday": 0.1, "other": 0.2}), r"weekday must be one of"),
        (dict(shrinkage={"monday": [0.1] * 23, "other": 0.2}), r"must hold 24 hourly values, got 23"),
        (dict(asa_sec=0), r"asa_sec must be > 0, got 0"),
        (dict(max_abandon=0.05), r"max_abandon needs patience_sec"),
        (dict(patience_sec=float("inf")), r"patience_sec must be finite"),
        (dict(service_level=None), r"given together"),
        (dict(service_level=None, answer_sec=None), r"at least one of"),
        (dict(service_level="high"), r"service_level must be a number, got 'high'"),
    ],
)
def test_bad_targets(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        Targets(**kwargs)


def test_bad_seats():
    with pytest.raises(InvalidInputError, match="seats must be a whole number >= 0, got -1"):
        requirements(_forecast(), seats=-1)


def test_load_example_targets_and_schema_errors(tmp_path):
    ts = load_targets(EXAMPLE_TARGETS)
    assert ts.for_queue("vip").service_level == 0.9 and ts.for_queue("vip").max_occupancy == 0.92
    assert ts.for_queue("transactions").model == "erlang_a"
    assert ts.for_queue("transactions").max_occupancy is None  # `= false` dropped it
    assert ts.for_queue("anything").shrinkage[0][12] == 0.40  # Monday 12:00
    assert ts.for_queue("anything").shrinkage[5][12] == 0.25  # Saturday
    f = _forecast(queues=("retail", "vip", "transactions"), periods=4)
    req = requirements(f, ts)
    assert "abandon_rate" in req.columns

    def write(text):
        p = tmp_path / "t.toml"
        p.write_text(text, encoding="utf-8")
        return p

    with pytest.raises(ConfigError, match=r"\[queues.vip\]: service_level must be in \(0, 1\], got 1.5"):
        load_targets(write("[queues.vip]\nservice_level = 1.5\n"))
    with pytest.raises(ConfigError, match=r"unknown key 'servicelevel'"):
        load_targets(write("[default]\nservicelevel = 0.8\n"))
    with pytest.raises(ConfigError, match=r"unknown section \[defaults\]"):
        load_targets(write("[defaults]\nservice_level = 0.8\n"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_targets(write("[default\n"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_targets(tmp_path / "missing.toml")
    # A queue in the targets file that the forecast does not have.
    with pytest.raises(ConfigError, match="targets name queue\\(s\\) vip not in the forecast; forecast queues: retail"):
        requirements(_forecast(), load_targets(write("[queues.vip]\nservice_level = 0.9\nanswer_sec = 10\n")))


def test_target_set_overrides_and_mapping_input():
    ts = TargetSet(Targets(), {"vip": Targets(service_level=0.9, answer_sec=10)}).with_overrides(shrinkage=0.3)
    assert ts.for_queue("vip").shrinkage == 0.3 and ts.for_queue("x").shrinkage == 0.3
    req = requirements(_forecast(queues=("vip", "x")), {"vip": Targets(service_level=0.9, answer_sec=10)})
    assert req.groupby("queue")["agents"].first()["vip"] > req.groupby("queue")["agents"].first()["x"]


def test_timezone_aware_timestamps():
    f = _forecast(periods=3)
    f["interval_start"] = f["interval_start"].dt.tz_localize("Asia/Shanghai")
    req = requirements(f, Targets(shrinkage={"monday": [0.0] * 9 + [0.5] * 15, "other": 0.0}))
    assert req["agents_scheduled"].tolist() == [28, 28, 28]  # Monday 09:00+ local: 14 / 0.5


def test_large_frame_fortnight_of_20_queues():
    rng = np.random.default_rng(3)
    f = _forecast(queues=[f"q{i}" for i in range(20)], periods=14 * 96, freq="15min")
    f["calls"] = rng.uniform(0, 1000 * 900 / 300, len(f)).round(1)
    f["aht_sec"] = 300.0
    req = requirements(f, Targets(service_level=0.8, answer_sec=20))
    assert len(req) == 26_880
    assert (req["agents"] > req["erlangs"]).where(req["erlangs"] > 0, True).all()
    assert (req["service_level"] >= 0.8).all()


def test_real_us_bank_five_minute_data(shared_data):
    # Real arrivals (five-minute slots, weekdays 07:00-21:00) as a forecast with AHT 240 s.
    raw = pd.read_csv(shared_data / "us_bank_2003_5min.csv")
    f = pd.DataFrame({"queue": "us_bank", "interval_start": raw["timestamp"], "calls": raw["calls"], "aht_sec": 240.0})
    with pytest.warns(WFMWarning, match="seat limit of 400 binds"):
        req = requirements(f, Targets(service_level=0.8, answer_sec=20, shrinkage=0.35), seats=400)
    assert len(req) == len(raw)
    # Five-minute slots were inferred: 100 calls x 240 s / 300 s = 80 Erlangs.
    assert np.allclose(req["erlangs"], raw["calls"] * 240.0 / 300.0)
    busy = req["erlangs"] > 0
    assert (req.loc[busy, "agents"] > req.loc[busy, "erlangs"]).all()
    assert (req["service_level"] >= 0.8).all()
    assert req["seat_limited"].tolist() == (req["agents_scheduled"] > 400).tolist()  # one queue


# ------------------------------------------------------------------ deferrable work (deadlines)


def _deferrable_forecast() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue": ["a", "a", "cb", "cb"],
            "interval_start": ["2026-03-02 09:00", "2026-03-02 09:30"] * 2,
            "calls": [100.0, 200.0, 31.0, 0.0],
            "aht_sec": [180.0, 180.0, 300.0, 300.0],
        }
    )


def test_deadline_queue_is_sized_by_workload_not_erlang():
    t = TargetSet(
        Targets(shrinkage=0.3),
        {"cb": Targets(service_level=None, answer_sec=None, max_occupancy=0.8, deadline_sec=4 * 3600, shrinkage=0.2)},
    )
    req = requirements(_deferrable_forecast(), t)
    cb = req[req["queue"] == "cb"]
    # 31 calls x 300 s / 1800 s = 5.1667 busy agents; over 0.8 occupancy 6.46 -> 7; gross 7 / 0.8 = 8.75 -> 9
    assert cb["erlangs"].tolist() == pytest.approx([31 * 300 / 1800, 0.0])
    assert cb["agents"].tolist() == [7, 0]
    assert cb["agents_scheduled"].tolist() == [9, 0]
    assert cb["service_level"].isna().all() and cb["asa_sec"].isna().all()
    assert cb["deadline_sec"].tolist() == [14400.0, 14400.0]
    # the interval queue keeps its Erlang C sizing and has no deadline
    a = req[req["queue"] == "a"]
    assert a["deadline_sec"].isna().all()
    assert a["agents"].tolist() == requirements(_deferrable_forecast()[:2], Targets(shrinkage=0.3))["agents"].tolist()
    assert "deadline_sec" not in requirements(_deferrable_forecast(), Targets()).columns


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"deadline_sec": 3600}, "no waiting-time target.*service_level=0.8"),
        ({"service_level": None, "answer_sec": None, "asa_sec": 60, "deadline_sec": 3600}, "asa_sec=60"),
        ({"service_level": None, "answer_sec": None, "deadline_sec": 0}, "deadline_sec must be > 0, got 0"),
        ({"service_level": None, "answer_sec": None, "deadline_sec": "4h"}, "deadline_sec must be a number"),
        ({"service_level": None, "answer_sec": None, "deadline_sec": float("inf")}, "deadline_sec must be finite"),
    ],
)
def test_bad_deadlines(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        Targets(**kwargs)


def test_deadline_in_the_targets_file(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text(
        "[default]\nservice_level = 0.8\nanswer_sec = 20\nshrinkage = 0.3\n"
        "[queues.cb]\ndeadline_hours = 4\n[queues.x]\ndeadline_sec = 900\n"
    )
    ts = load_targets(p)
    cb = ts.for_queue("cb")
    # the deadline drops the waiting-time targets inherited from [default], keeps shrinkage
    assert (cb.deadline_sec, cb.service_level, cb.answer_sec, cb.shrinkage) == (14400.0, None, None, 0.3)
    assert cb.model == "deferrable" and ts.for_queue("x").deadline_sec == 900.0
    assert ts.for_queue("other").deadline_sec is None
    for body, match in [
        ("[queues.cb]\ndeadline_hours = 4\ndeadline_sec = 60\n", "deadline_sec or deadline_hours, got both"),
        ("[queues.cb]\ndeadline_hours = 'soon'\n", r"\[queues.cb\].*deadline_hours must be a number"),
        ("[queues.cb]\ndeadline_hours = 4\nanswer_sec = 30\n", r"\[queues.cb\].*no waiting-time target.*answer_sec=30"),
        ("[queues.cb]\ndeadline_hours = -1\n", "deadline_sec must be > 0"),
    ]:
        p.write_text("[default]\nservice_level = 0.8\nanswer_sec = 20\n" + body)
        with pytest.raises(ConfigError, match=match):
            load_targets(p)
