"""Holiday kinds, eves, after-days, make-up days and events against synthetic Poisson data
whose per-kind effects are known (the truth is the generating rate, not the code)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wfm.calendar import day_types
from wfm.exceptions import InvalidInputError, WFMWarning
from wfm.forecast import forecast

#: Mon..Sun levels of a 24x7 centre relative to an average day (mean 1)
LEVEL_24X7 = np.array([1.2, 1.1, 1.05, 1.05, 1.1, 0.8, 0.7])
DEPTH = {"Spring Festival": 0.3}  # holiday volume / average day; other holidays 0.6
OTHER_DEPTH = 0.6
AFTER1 = 1.4  # first working day after a period / its own weekday


def _shape(hours: np.ndarray, holiday: np.ndarray) -> np.ndarray:
    work = 0.3 + np.exp(-((hours - 10.5) ** 2) / 6) + 0.8 * np.exp(-((hours - 15) ** 2) / 6)
    rest = 0.5 + 0.6 * np.exp(-((hours - 13) ** 2) / 12)  # later, flatter holiday day
    shape = np.where(holiday, rest / rest.mean(), work / work.mean())
    return shape / 24.0


def centre(start: str, end: str, seed: int = 5, base: float = 2400.0) -> tuple[pd.DataFrame, pd.Series]:
    """Hourly 24x7 history and its true expected daily totals."""
    days = pd.date_range(start, end, freq="D")
    cal = day_types(days, country="CN")
    kind = cal["kind"].to_numpy()
    daily = base * LEVEL_24X7[cal["weekday"].to_numpy()]
    is_hol = np.array([k.startswith("holiday:") for k in kind])
    for i, k in enumerate(kind):
        if k.startswith("holiday:"):
            daily[i] = base * DEPTH.get(k.split(":", 1)[1], OTHER_DEPTH)
        elif k.startswith("after1:"):
            daily[i] *= AFTER1
        elif k.startswith("makeup:"):
            daily[i] = base * LEVEL_24X7[int(cal["borrows"].iloc[i])] if cal["borrows"].iloc[i] >= 0 else daily[i]
    ts = pd.date_range(start, pd.Timestamp(end) + pd.Timedelta(hours=23), freq="60min")
    d = (ts.normalize() - days[0]).days.to_numpy()
    rate = daily[d] * _shape(ts.hour.to_numpy().astype(float), is_hol[d]) * 1.0
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"interval_start": ts, "calls": rng.poisson(rate).astype(float), "aht_sec": 300.0})
    return df, pd.Series(daily, index=days)


def _daily(result) -> pd.Series:
    fc = result.forecast.set_index("interval_start")["calls"]
    return fc.groupby(fc.index.normalize()).sum()


@pytest.fixture(scope="module")
def spring():
    """History 2024-12-02 .. 2026-01-31 (one Spring Festival, 2025), forecast to 2026-02-26."""
    df, truth = centre("2024-12-02", "2026-02-28")
    hist = df[df["interval_start"] < "2026-02-01"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        new = forecast(hist, 26, country="CN", model="weighted_weeks")
        old = forecast(hist, 26, country="CN", model="weighted_weeks", holiday_effects="single_ratio")
    return new, old, truth


def test_spring_festival_gets_its_own_depth_from_one_past_occurrence(spring):
    new, old, truth = spring
    days = pd.date_range("2026-02-15", "2026-02-23")
    got, want = _daily(new).reindex(days), truth.reindex(days)
    assert (abs(got / want - 1) < 0.2).all(), (got / want).round(2).tolist()
    err_new = float((abs(got - want)).sum() / want.sum())
    err_old = float((abs(_daily(old).reindex(days).fillna(0) - want)).sum() / want.sum())
    assert err_new < 0.12 and err_new < 0.5 * err_old
    sp = new.special_days.set_index("date")
    assert (sp.loc["2026-02-17", "method"], sp.loc["2026-02-17", "occurrences"]) == ("pooled", 1)
    assert sp.loc["2026-02-17", "kind"] == "holiday:Spring Festival"
    assert any("holiday:Spring Festival" in n and "pooled" in n for n in new.notes)


def test_after_day_backlog_and_make_up_day(spring):
    new, _, truth = spring
    got = _daily(new)
    assert abs(got["2026-02-24"] / truth["2026-02-24"] - 1) < 0.15  # after1: x1.4 of a Tuesday
    assert abs(got["2026-02-14"] / truth["2026-02-14"] - 1) < 0.15  # make-up Saturday works like a Friday
    sp = new.special_days.set_index("date")
    assert sp.loc["2026-02-24", "kind"] == "after1:Spring Festival"
    assert sp.loc["2026-02-14", "prior"] == "Fri"  # the arrangement swaps it with Fri 20 Feb


def test_holiday_intraday_shape_is_learned(spring):
    new, _, _ = spring
    fc = new.forecast.set_index("interval_start")["calls"]
    day = fc.loc["2026-02-18"].to_numpy()
    hours = np.arange(24.0)
    want = _shape(hours, np.ones(24, dtype=bool))
    workday = _shape(hours, np.zeros(24, dtype=bool))
    # against the true holiday shape, which differs from a workday's
    assert np.abs(day / day.sum() - want).sum() < 0.4 * np.abs(workday - want).sum()


def test_backtest_includes_the_last_holiday_periods(spring):
    new, old, _ = spring
    bt = new.backtest
    # the last periods before 2026-01-31: New Year 1-3 Jan 2026 and the National Day week
    assert {"2025-12-25", "2025-09-24"} <= set(bt["origin"])
    assert bt.loc[bt["origin"] == "2025-12-25", "holiday_wape"].notna().all()
    assert (bt["n_holiday_intervals"] > 0).any()
    assert not {"2025-12-25", "2025-09-24"} & set(old.backtest["origin"])


def test_no_holiday_in_history_uses_priors():
    # 24x7 history without a holiday; the horizon holds Qingming 2025 (Fri 4 - Sun 6 Apr)
    df, truth = centre("2025-02-10", "2025-04-12")
    hist = df[df["interval_start"] < "2025-03-31"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(hist, 10, country="CN", model="weighted_weeks")
    sp = res.special_days.set_index("date")
    assert set(sp.loc["2025-04-04":"2025-04-06", "method"]) == {"prior"}
    assert set(sp.loc["2025-04-04":"2025-04-06", "prior"]) == {"Sun"}  # the quietest weekday
    assert sp.loc["2025-04-03", "prior"] == "Fri" and sp.loc["2025-04-07", "prior"] == "Mon"
    got = _daily(res)
    sunday = truth["2025-03-30"]  # an ordinary Sunday's true volume
    assert abs(got["2025-04-04"] / sunday - 1) < 0.1
    assert any("quietest weekday" in n for n in res.notes)


def test_make_up_days_borrow_the_swapped_weekday_on_a_weekday_centre():
    from tests.test_forecast import synthetic, true_rate

    hist = synthetic(days=42, start="2026-01-05")
    hist = hist[hist["interval_start"] < "2026-02-14"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(hist, 16, country="CN", model="weighted_weeks")
    got = _daily(res)
    rate = lambda d: true_rate(pd.date_range(d, periods=96, freq="15min")).sum()  # noqa: E731
    assert abs(got["2026-02-14"] / rate("2026-02-13") - 1) < 0.1  # Sat 14 Feb works Fri 20 Feb's day
    assert abs(got["2026-02-28"] / rate("2026-02-09") - 1) < 0.1  # Sat 28 Feb works Mon 23 Feb's day
    assert not any(pd.Timestamp("2026-02-16") <= d <= pd.Timestamp("2026-02-23") for d in got.index)
    assert abs(got["2026-02-24"] / rate("2026-02-09") - 1) < 0.1  # first day back: like a Monday


def test_events_learned_from_past_occurrences_and_like_weekday():
    from tests.test_forecast import synthetic, true_rate

    hist = synthetic(days=63, start="2025-03-03")
    past = ["2025-03-12", "2025-03-26", "2025-04-09"]
    on = hist["interval_start"].dt.normalize().isin(pd.DatetimeIndex(past))
    hist.loc[on, "calls"] = np.random.default_rng(3).poisson(hist.loc[on, "calls"] * 1.5)
    events = pd.DataFrame(
        {
            "date": past + ["2025-05-07", "2025-05-08"],
            "event": ["campaign"] * 4 + ["outage"],
            "like": [None] * 4 + ["Mon"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        base = forecast(hist, 7, country=None, model="weighted_weeks")
        res = forecast(hist, 7, country=None, model="weighted_weeks", events=events)
    b, g = _daily(base), _daily(res)
    wednesday = true_rate(pd.date_range("2025-05-07", periods=96, freq="15min")).sum()
    assert 1.35 < g["2025-05-07"] / wednesday < 1.65  # the campaign's +50%, learned
    # the calendar-blind forecast learns the campaigns into every Wednesday
    assert b["2025-05-07"] / wednesday > 1.1
    sp = res.special_days.set_index("date")
    assert sp.loc["2025-05-07", "method"] == "learned" and sp.loc["2025-05-07", "occurrences"] == 3
    assert sp.loc["2025-05-08", "method"] == "prior"
    assert abs(g["2025-05-08"] / b["2025-05-05"] - 1) < 1e-9  # forecast as that week's Monday


def test_bad_holiday_options_are_clear_errors():
    from tests.test_forecast import synthetic

    hist = synthetic(days=21)
    with pytest.raises(InvalidInputError, match="holiday_effects"):
        forecast(hist, 7, country=None, holiday_effects="ratio")
    with pytest.raises(InvalidInputError, match="holiday_origins"):
        forecast(hist, 7, country=None, holiday_origins=-1)
    with pytest.raises(InvalidInputError, match="like"):
        forecast(
            hist, 7, country=None, events=pd.DataFrame({"date": ["2025-03-20"], "event": ["x"], "like": ["Someday"]})
        )


def _coverage(result, actual: pd.DataFrame, method: str) -> tuple[float, float]:
    """Share of the held-back intervals of days of ``method`` inside the 80% interval, and the median relative width."""
    fc = result.forecast.merge(actual.rename(columns={"calls": "actual"}), on="interval_start")
    sp = result.special_days[["date", "method"]]
    fc = fc.assign(date=fc["interval_start"].dt.normalize()).merge(sp, on="date", how="left")
    fc = fc[fc["method"].fillna("ordinary") == method]
    inside = (fc["actual"] >= fc["calls_lo_80"]) & (fc["actual"] <= fc["calls_hi_80"])
    return float(inside.mean()), float(((fc["calls_hi_80"] - fc["calls_lo_80"]) / fc["calls"]).median())


def test_holiday_intervals_cover_the_held_back_spring_festival(spring):
    """The held-back Spring Festival (pooled from one occurrence) is covered as an 80% interval says.

    With the ordinary days' calibration alone (the method before special days added their
    effect's error) the share was 0.79; the intervals are wider than ordinary days' too.
    """
    new, _, _ = spring
    df, _ = centre("2024-12-02", "2026-02-28")
    actual = df.loc[df["interval_start"] >= "2026-02-01", ["interval_start", "calls"]]
    cover, width = _coverage(new, actual, "pooled")
    ordinary_cover, ordinary_width = _coverage(new, actual, "ordinary")
    assert cover >= 0.8 and ordinary_cover >= 0.75
    assert width > 1.3 * ordinary_width


def test_interval_spread_widens_from_learned_to_pooled_to_prior():
    from wfm.forecast.special import OCCURRENCE_SD, Estimate

    z = np.zeros(3)
    prior = Estimate("prior", 0, 0.0, 0.0, 0.0, 0.0, z, z)
    pooled_none = Estimate("pooled", 0, 0.0, 0.0, 0.95, -0.5, z, z)
    pooled_one = Estimate("pooled", 1, 0.78, -0.4, 0.95, -0.5, z, z, 0.15**2)
    learned = Estimate("learned", 4, 0.93, -0.4, 0.95, -0.5, z, z, 0.15**2)
    sds = [e.log_sd() for e in (learned, pooled_one, pooled_none, prior)]
    assert sds == sorted(sds) and len(set(sds)) == 4
    assert OCCURRENCE_SD < sds[0] < 1.5 * OCCURRENCE_SD  # learned: about a new occurrence's own spread
    assert sds[-1] > 0.35  # prior only: a quiet weekday for a holiday is a guess


def test_spring_festival_offsets_line_up_on_lunar_new_year_across_the_2025_reform():
    """Since 2025 the lunar new year's eve (除夕) is a statutory day; offset 0 stays on lunar new year's day."""
    for first, last, new_year in (
        ("2024-02-08", "2024-02-19", "2024-02-10"),
        ("2025-01-26", "2025-02-06", "2025-01-29"),
        ("2026-02-13", "2026-02-25", "2026-02-17"),
    ):
        cal = day_types(pd.date_range(first, last), country="CN").set_index("date")
        assert cal.loc[new_year, "kind"] == "holiday:Spring Festival" and cal.loc[new_year, "offset"] == 0
        eve = pd.Timestamp(new_year) - pd.Timedelta(days=1)
        assert cal.loc[eve, "offset"] == (0 if cal.loc[eve, "kind"].startswith("eve:") else -1)
    # the eve across a year boundary belongs to the next year's New Year's Day
    for country in ("CN", "US"):
        cal = day_types(pd.date_range("2025-12-30", "2026-01-02"), country=country).set_index("date")
        assert cal.loc["2025-12-31", "kind"] == "eve:New Year's Day"
        assert cal.loc["2026-01-01", "kind"] == "holiday:New Year's Day" and cal.loc["2026-01-01", "offset"] == 0


def test_first_day_back_after_a_closed_holiday_is_a_reopening_whatever_its_weekday():
    """A Mon-Fri centre closed on its holidays: the first day back takes the reopening's
    backlog like a Monday (the day after the weekly closure) does, times 1.1, on any weekday.

    Learned from one Tuesday (after Memorial Day, Monday 26 May 2003), forecast for a Monday
    (after Independence Day, Friday 4 July): measured against its own weekday, the Tuesday's
    ratio (1.32 / 1.0) would be applied on top of the Monday's own peak (1.2 x 1.32 = 1.58)."""
    level = np.array([1.2, 1.0, 0.95, 0.95, 1.0, 0.0, 0.0])
    days = pd.date_range("2003-03-03", "2003-07-13", freq="D")
    cal = day_types(days, country="US")
    kind = cal["kind"].to_numpy()
    daily = 3000.0 * level[cal["weekday"].to_numpy()]
    daily[np.char.startswith(kind.astype(str), "holiday:")] = 0.0
    after = np.char.startswith(kind.astype(str), "after1:")
    daily[after] = 3000.0 * level[0] * 1.1
    ts = pd.date_range(days[0], days[-1] + pd.Timedelta(hours=23), freq="60min")
    ts = ts[(ts.hour >= 8) & (ts.hour < 20)]
    d = (ts.normalize() - days[0]).days.to_numpy()
    rng = np.random.default_rng(3)
    calls = rng.poisson(daily[d] / 12.0).astype(float)
    df = pd.DataFrame({"interval_start": ts, "calls": calls, "aht_sec": 300.0})
    df = df[daily[d] > 0]  # closed days (weekends, holidays) have no rows
    hist = df[df["interval_start"] < "2003-06-16"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        res = forecast(hist, 28, country="US", model="weighted_weeks")
    got = _daily(res)
    truth = pd.Series(daily, index=days)
    assert "2003-07-04" not in got.index.strftime("%Y-%m-%d")  # the holiday stays closed
    sp = res.special_days.set_index("date")
    assert sp.loc["2003-07-07", "kind"] == "after1:Independence Day" and sp.loc["2003-07-07", "method"] == "pooled"
    assert abs(got["2003-07-07"] / truth["2003-07-07"] - 1) < 0.08, got["2003-07-07"] / truth["2003-07-07"]
