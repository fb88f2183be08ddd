"""wfm.forecast against synthetic Poisson data with a known rate, and held-back real data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import main
from wfm.exceptions import InsufficientHistoryError, InvalidInputError, NotFittedError, WFMWarning
from wfm.forecast import (
    SeasonalNaive,
    TopDown,
    WeightedWeeks,
    coverage,
    forecast,
    reforecast_intraday,
    rmse,
    wape,
)
from wfm.forecast.frame import quantile_column

WEEKDAY_LEVEL = np.array([1.25, 1.05, 1.0, 1.0, 0.95, 0.0, 0.0])  # Mon..Sun, weekends closed


def true_rate(ts: pd.DatetimeIndex, base: float = 60.0) -> np.ndarray:
    """Calls per 15 minutes: weekday level x a two-humped day between 08:00 and 20:00."""
    hour = ts.hour + ts.minute / 60
    shape = 0.6 + np.exp(-((hour - 10.5) ** 2) / 4) + 0.7 * np.exp(-((hour - 15) ** 2) / 5)
    open_ = (hour >= 8) & (hour < 20)
    return np.asarray(base * WEEKDAY_LEVEL[ts.day_of_week] * shape * open_, dtype=float)


def synthetic(days: int = 63, start: str = "2025-03-03", seed: int = 1, queue: str | None = None) -> pd.DataFrame:
    """Weekdays 08:00-20:00 at 15 minutes, rows only while open (like a real ACD export)."""
    ts = pd.date_range(start, periods=days * 96, freq="15min")
    rate = true_rate(ts)
    keep = rate > 0
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"interval_start": ts[keep], "calls": rng.poisson(rate[keep]).astype(float)})
    df["aht_sec"] = 240 + 30 * (df["interval_start"].dt.hour >= 17)
    if queue is not None:
        df.insert(0, "queue", queue)
    return df


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return synthetic()


@pytest.fixture(scope="module")
def result(history):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        return forecast(history, 14, country=None)


def test_forecast_matches_the_true_rate_within_noise(result):
    fc = result.forecast
    truth = true_rate(pd.DatetimeIndex(fc["interval_start"]))
    # the forecast is an estimate of the rate: far closer to it than Poisson noise (sqrt(rate) ~ 8)
    assert wape(truth, fc["calls"]) < 0.05
    assert set(fc.columns) >= {"queue", "interval_start", "calls", "aht_sec", "calls_lo_80", "calls_hi_80", "model"}
    assert (fc["calls_lo_80"] <= fc["calls"]).all() and (fc["calls"] <= fc["calls_hi_80"]).all()


def test_operating_hours_learned_and_respected(result):
    fc = result.forecast
    ts = pd.DatetimeIndex(fc["interval_start"])
    assert ts.day_of_week.max() <= 4, "weekends are closed in history and must not be forecast"
    assert ts.hour.min() == 8 and ts.hour.max() == 19
    assert len(fc) == 10 * 48  # two weeks of weekdays x 12 open hours
    hours = result.operating_hours.set_index("weekday")["open"]
    assert hours["Mon"] == "08:00-20:00" and hours["Sat"] == "closed"


def test_aht_is_calls_weighted_profile(result):
    fc = result.forecast
    late = fc["interval_start"].dt.hour >= 17
    assert np.allclose(fc.loc[late, "aht_sec"], 270, atol=3) and np.allclose(fc.loc[~late, "aht_sec"], 240, atol=3)


def test_backtest_table_and_selection(result):
    bt = result.backtest
    assert {"snaive", "weighted_weeks", "top_down_level", "top_down_ets", "mstl"} <= set(bt["model"])
    assert bt["origin"].nunique() == 3 and (bt["horizon_days"] == 14).all()
    # smoothing/averaging must beat one noisy week on pure Poisson data
    means = bt.groupby("model")["wape"].mean()
    assert means["snaive"] > means.drop("snaive").min()
    assert result.selected["model"].iloc[0] != "snaive"


def test_calibrated_intervals_cover_held_back_data(history):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(history, 14, country=None, quantiles=(0.1, 0.9))
    later = synthetic(days=77, seed=1).merge(res.forecast, on="interval_start", suffixes=("", "_f"))
    assert len(later) == 480
    cov = coverage(later["calls"], later["calls_lo_80"], later["calls_hi_80"])
    assert abs(cov - 0.8) < 0.08


def test_missing_day_is_reported_and_not_zero(history):
    holed = history[history["interval_start"].dt.normalize() != "2025-04-28"]  # a Monday
    with pytest.warns(WFMWarning, match="2025-04-28"):
        res = forecast(holed, 7, country=None, model="weighted_weeks")
    monday = res.forecast[pd.DatetimeIndex(res.forecast["interval_start"]).day_of_week == 0]
    truth = true_rate(pd.DatetimeIndex(monday["interval_start"]))
    assert abs(monday["calls"].sum() / truth.sum() - 1) < 0.05
    assert (res.missing["interval_start"].dt.normalize() == pd.Timestamp("2025-04-28")).sum() == 48


def test_outlier_exclusion(history):
    burst = history.copy()
    hit = burst["interval_start"].between("2025-04-30 13:00", "2025-04-30 13:45")
    burst.loc[hit, "calls"] = 2000.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        raw = forecast(burst, 7, country=None, model="weighted_weeks").forecast
        clean = forecast(
            burst, 7, country=None, model="weighted_weeks", exclude=[("2025-04-30 13:00", "2025-04-30 14:00")]
        ).forecast

    def at(f):
        return f.loc[(f["interval_start"].dt.day_of_week == 2) & (f["interval_start"].dt.hour == 13), "calls"].mean()

    truth = true_rate(pd.DatetimeIndex(["2025-05-07 13:00"]))[0]
    assert at(raw) > 2 * truth
    assert abs(at(clean) / truth - 1) < 0.2


def test_china_makeup_workday_and_bridged_holiday_in_horizon():
    # history to 2025-09-26; horizon covers the 2025 National Day golden week (1-8 Oct,
    # make-up workdays Sun 28 Sep and Sat 11 Oct)
    hist = synthetic(days=70, start="2025-07-19")
    hist = hist[hist["interval_start"] < "2025-09-27"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(hist, 16, country="CN", model="weighted_weeks")
    days = set(pd.DatetimeIndex(res.forecast["interval_start"]).normalize().strftime("%m-%d"))
    assert "09-28" in days and "10-11" in days  # weekend make-up workdays are open
    assert not any(f"10-0{d}" in days for d in range(1, 9))  # the bridged break is closed
    assert any("holiday" in n for n in res.notes)


def test_events_multiplier():
    hist = synthetic(days=42)
    events = pd.DataFrame({"date": ["2025-04-16"], "event": ["campaign"], "multiplier": [1.5]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        base = forecast(hist, 7, country=None, model="weighted_weeks").forecast
        lifted = forecast(hist, 7, country=None, model="weighted_weeks", events=events).forecast
    on = lifted["interval_start"].dt.normalize() == "2025-04-16"
    assert np.allclose(lifted.loc[on, "calls"], 1.5 * base.loc[on, "calls"])
    assert np.allclose(lifted.loc[~on, "calls"], base.loc[~on, "calls"])


def test_multi_queue_and_as_of(history):
    two = pd.concat([synthetic(seed=2, queue="a"), synthetic(seed=3, queue="b")], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(two, 3, country=None, as_of="2025-04-25", n_origins=1)
    assert set(res.forecast["queue"]) == {"a", "b"}
    assert res.forecast["interval_start"].min() == pd.Timestamp("2025-04-28 08:00")


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: pd.concat([d, d.iloc[:1]]), "duplicated"),
        (lambda d: d.assign(calls=d["calls"].where(d.index != 5, -1)), ">= 0"),
        (lambda d: d.assign(calls=d["calls"].astype(object).where(d.index != 5, "x")), "numeric"),
        (
            lambda d: d.assign(
                interval_start=d["interval_start"].where(d.index != 5, d["interval_start"][5] + pd.Timedelta(minutes=7))
            ),
            "interval",
        ),
        (lambda d: d.drop(columns="calls"), "missing column"),
    ],
)
def test_bad_history_is_a_clear_error(history, mutate, match):
    with pytest.raises(InvalidInputError, match=match):
        forecast(mutate(history), 7, country=None)


def test_queues_with_different_interval_lengths_are_an_error():
    a = synthetic(days=21, queue="a")
    b = a.assign(queue="b")
    b = b[b["interval_start"].dt.minute.isin([0, 30])]
    with pytest.raises(InvalidInputError, match="one interval length"):
        forecast(pd.concat([a, b]), 7, country=None)


def test_short_history_and_bad_options(history):
    with pytest.raises(InsufficientHistoryError, match="at least 14 days"):
        forecast(history.iloc[:200], 7, country=None)
    with pytest.raises(InvalidInputError, match="model must be one of"):
        forecast(history, 7, model="prophet")
    with pytest.raises(InvalidInputError, match="quantiles"):
        forecast(history, 7, quantiles=(0.5,))
    # a calls-only history forecasts calls; only sizing needs a handle time (tests/test_forecast_feeds.py)
    assert forecast(history.drop(columns="aht_sec"), 7, country=None).forecast["aht_sec"].isna().all()


def test_model_classes_sklearn_style(history):
    with pytest.raises(NotFittedError):
        WeightedWeeks().predict(7)
    model = TopDown(daily="ets")
    assert model.fit(history, country=None) is model
    out = model.predict(7)
    truth = true_rate(pd.DatetimeIndex(out["interval_start"]))
    assert wape(truth, out["calls"]) < 0.08
    assert "daily='ets'" in repr(model)
    snaive = SeasonalNaive().fit(history, country=None).predict(7)
    last = history[history["interval_start"] >= "2025-04-28"]
    assert np.allclose(snaive["calls"].to_numpy(), last["calls"].to_numpy())  # exactly last week


def test_quantile_column_names():
    assert quantile_column(0.1) == "calls_lo_80" and quantile_column(0.9) == "calls_hi_80"
    assert quantile_column(0.025) == "calls_lo_95"


def test_reforecast_scales_rest_of_day_only():
    ts = pd.date_range("2025-05-05 08:00", periods=48, freq="15min")
    fc = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": ts,
            "calls": 100.0,
            "aht_sec": 300.0,
            "calls_lo_80": 80.0,
            "calls_hi_80": 120.0,
        }
    )
    now = pd.Timestamp("2025-05-05 11:00")
    actual = pd.DataFrame({"queue": "q", "interval_start": ts[ts < now], "calls": 150.0})
    out = reforecast_intraday(fc, actual, now, prior_calls=0)
    past = out["interval_start"] < now
    assert np.allclose(out.loc[past, "calls"], 100) and np.allclose(out.loc[~past, "calls"], 150)
    assert np.allclose(out.loc[~past, "calls_hi_80"], 180)
    shrunk = reforecast_intraday(fc, actual, now, prior_calls=1000)
    assert 100 < shrunk.loc[~past, "calls"].iloc[0] < 150


def test_cli_forecast(tmp_path, history):
    src = tmp_path / "history.csv"
    history.to_csv(src, index=False)
    out, report = tmp_path / "fc.csv", tmp_path / "bt.csv"
    runner = CliRunner()
    res = runner.invoke(
        main,
        [
            "forecast",
            str(src),
            "--horizon-days",
            "7",
            "-o",
            str(out),
            "--country",
            "NONE",
            "--backtest-report",
            str(report),
            "--model",
            "weighted_weeks",
        ],
    )
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(out)
    assert len(fc) == 5 * 48 and "calls_hi_80" in fc.columns
    assert len(pd.read_csv(report)) == 3
    bad = runner.invoke(main, ["forecast", str(src), "-o", str(tmp_path / "x.csv"), "--model", "nope"])
    assert bad.exit_code == 2 and "model must be one of" in bad.output
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.slow
def test_us_bank_one_shot_rmse_and_coverage(shared_data):
    df = pd.read_csv(shared_data / "us_bank_2003_5min.csv").rename(columns={"timestamp": "interval_start"})
    train, test = df.iloc[:7605], df.iloc[7605:10140]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(train, 22, country="US", aht_sec=300)
    merged = test.assign(interval_start=pd.to_datetime(test["interval_start"])).merge(
        res.forecast, on="interval_start", suffixes=("", "_f")
    )
    assert len(merged) == 2535
    assert rmse(merged["calls"], merged["calls_f"]) <= 20.5
    assert abs(coverage(merged["calls"], merged["calls_lo_80"], merged["calls_hi_80"]) - 0.8) <= 0.05


def test_short_friday_and_24x7_operating_hours():
    ts = pd.date_range("2025-03-02", periods=28 * 48, freq="30min")
    hour = ts.hour + ts.minute / 60
    wd = ts.day_of_week
    # Sunday-Thursday 24 hours, Friday 08:00-13:00, Saturday closed (no rows)
    open_ = ((wd != 4) & (wd != 5)) | ((wd == 4) & (hour >= 8) & (hour < 13))
    rate = np.where((hour >= 7) & (hour < 22), 40.0, 6.0)
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"interval_start": ts[open_], "calls": rng.poisson(rate[open_]).astype(float), "aht_sec": 200.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(df, 7, country=None, model="weighted_weeks")
    hours = res.operating_hours.set_index("weekday")["open"]
    assert hours["Sun"] == "00:00-24:00" and hours["Fri"] == "08:00-13:00" and hours["Sat"] == "closed"
    fc = pd.DatetimeIndex(res.forecast["interval_start"])
    assert (fc.day_of_week != 5).all()
    assert len(res.forecast) == 5 * 48 + 10
    assert any("operating hours" in n for n in res.notes)


def test_public_names():
    import wfm
    import wfm.forecast

    assert callable(wfm.forecast.forecast) and wfm.day_types is not None
    assert wfm.ForecastResult is wfm.forecast.ForecastResult


def test_hourly_data_combo_and_as_of_after_history():
    hist = synthetic(days=42)
    hourly = (
        hist.assign(interval_start=hist["interval_start"].dt.floor("60min"))
        .groupby("interval_start", as_index=False)["calls"]
        .sum()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(hourly, 7, country=None, model="combo", aht_sec=180, as_of="2025-04-13")
    fc = res.forecast
    assert fc["model"].iloc[0].startswith("combo(") and (fc["aht_sec"] == 180).all()
    assert fc["interval_start"].min() == pd.Timestamp("2025-04-14 08:00")  # as_of after the last (Friday) day
    truth = (
        pd.Series(
            true_rate(pd.date_range("2025-04-14", periods=7 * 96, freq="15min")),
            index=pd.date_range("2025-04-14", periods=7 * 96, freq="15min"),
        )
        .resample("60min")
        .sum()
    )
    merged = fc.set_index("interval_start")["calls"]
    assert wape(truth.reindex(merged.index), merged) < 0.06
    with pytest.raises(InvalidInputError, match="DataFrame"):
        forecast([1, 2, 3], 7)


def test_holiday_ratio_learned_from_history_for_an_open_centre():
    # a 24x7 queue at 40% volume on Chinese public holidays: Qingming (4-6 Apr 2025) is in
    # history, the May Day break (1-5 May 2025) is in the horizon
    ts = pd.date_range("2025-02-17", "2025-04-28 23:00", freq="60min")
    from wfm.calendar import day_types

    hol = day_types(ts.normalize(), country="CN")["is_holiday"].to_numpy()
    rate = 50.0 * (1 + 0.5 * np.sin((ts.hour.to_numpy() - 6) / 24 * 2 * np.pi)) * np.where(hol, 0.4, 1.0)
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"interval_start": ts, "calls": rng.poisson(rate).astype(float), "aht_sec": 300.0})
    # drop the spring festival (28 Jan-4 Feb) by starting after it; Qingming stays
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(df, 10, country="CN", model="weighted_weeks")
    fc = res.forecast.set_index("interval_start")["calls"]
    day = fc.groupby(fc.index.normalize()).sum()
    holiday = day.loc["2025-05-01":"2025-05-05"].mean()
    ordinary = day.loc["2025-05-06":"2025-05-08"].mean()
    assert 0.3 < holiday / ordinary < 0.5


def test_same_inputs_same_outputs(history):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        a = forecast(history, 7, country=None).forecast
        b = forecast(history, 7, country=None).forecast
    pd.testing.assert_frame_equal(a, b)


def test_model_that_cannot_fit_falls_back_with_a_warning(monkeypatch, history):
    from wfm.forecast import models

    def refuse(self, sd):
        raise InsufficientHistoryError("MSTL needs two weeks of open days, got 3 days")

    monkeypatch.setattr(models.MSTLModel, "fit_series", refuse)
    with pytest.warns(WFMWarning, match="mstl cannot be fitted.*using weighted_weeks instead"):
        res = forecast(history, 7, country=None, model="mstl", n_origins=1)
    assert len(res.forecast) == 5 * 48 and (res.forecast["model"] == "weighted_weeks").all()
