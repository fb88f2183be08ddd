"""Tests of the example centre generator (wfm.datasets) and the shipped data/example files.

The calendar checks use the ``holidays`` package as an independent source of the Chinese
holiday dates; the reproducibility check compares against the shipped file's bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pytest

from wfm import datasets
from wfm.datasets import EXAMPLE_QUEUES, derive_shapes, make_example_history
from wfm.exceptions import InvalidInputError
from wfm.io import read_frame

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "example" / "history.csv.gz"
QUEUE_NAMES = {q.name for q in EXAMPLE_QUEUES}


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    frame = read_frame(SHIPPED)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    return frame


@pytest.fixture(scope="module")
def daily(shipped: pd.DataFrame) -> pd.Series:
    """Pooled calls per day of the shipped history, indexed by date."""
    return shipped.groupby(shipped["interval_start"].dt.date)["calls"].sum()


def _cn_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.China(years=year).items())


# ---------------------------------------------------------------- the shipped file


def test_shipped_file_is_small_and_data_folder_under_10_mb() -> None:
    total = sum(p.stat().st_size for p in (ROOT / "data").rglob("*") if p.is_file())
    assert SHIPPED.stat().st_size < 5_000_000
    assert total < 10_000_000


def test_shipped_history_follows_the_contract(shipped: pd.DataFrame) -> None:
    assert list(shipped.columns) == ["queue", "interval_start", "calls", "aht_sec"]
    assert set(shipped["queue"]) == QUEUE_NAMES
    assert shipped["interval_start"].min() == pd.Timestamp("2024-11-01 00:00")
    assert shipped["interval_start"].max() == pd.Timestamp("2026-10-31 23:45")
    # a complete 15-minute grid: 730 days x 96 intervals per queue, no duplicates
    assert len(shipped) == len(QUEUE_NAMES) * 730 * 96
    assert not shipped.duplicated(["queue", "interval_start"]).any()
    assert (shipped["calls"] >= 0).all()
    assert (shipped["aht_sec"] > 0).all()
    assert (shipped["interval_start"].dt.minute % 15 == 0).all()


def test_regenerating_a_window_reproduces_the_shipped_rows(shipped: pd.DataFrame) -> None:
    # Spans the 2025 Spring Festival break, so the surge logic near window edges is covered.
    window = make_example_history(start="2025-01-20", end="2025-02-12")
    lo, hi = pd.Timestamp("2025-01-20"), pd.Timestamp("2025-02-13")
    part = shipped[(shipped["interval_start"] >= lo) & (shipped["interval_start"] < hi)]
    part = part.sort_values(["queue", "interval_start"]).reset_index(drop=True)
    assert len(window) == len(part)
    assert window["queue"].astype(str).tolist() == part["queue"].astype(str).tolist()
    assert (window["interval_start"].to_numpy() == part["interval_start"].to_numpy()).all()
    np.testing.assert_array_equal(window["calls"].to_numpy(), part["calls"].to_numpy())
    np.testing.assert_array_equal(window["aht_sec"].to_numpy(), part["aht_sec"].to_numpy())


def test_a_window_without_holidays_also_reproduces_the_shipped_rows(shipped: pd.DataFrame) -> None:
    # Regression: a window whose padding holds no holiday once classified days differently.
    window = make_example_history(start="2025-03-10", end="2025-03-16")
    part = shipped[(shipped["interval_start"] >= "2025-03-10") & (shipped["interval_start"] < "2025-03-17")]
    part = part.sort_values(["queue", "interval_start"]).reset_index(drop=True)
    np.testing.assert_array_equal(window["calls"].to_numpy(), part["calls"].to_numpy())
    np.testing.assert_array_equal(window["aht_sec"].to_numpy(), part["aht_sec"].to_numpy())


def test_load_example_history_equals_a_fresh_generation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = datasets.load_example_history()
    assert loaded["interval_start"].dtype.kind == "M"
    # without the shipped file (an installed package) it regenerates the same frame
    monkeypatch.setattr(datasets, "EXAMPLE_HISTORY_PATH", tmp_path / "absent.csv.gz")
    generated = datasets.load_example_history()
    pd.testing.assert_frame_equal(loaded, generated)


def test_same_seed_same_frame_other_seed_other_frame() -> None:
    a = make_example_history(start="2025-06-02", end="2025-06-03", seed=7)
    b = make_example_history(start="2025-06-02", end="2025-06-03", seed=7)
    c = make_example_history(start="2025-06-02", end="2025-06-03", seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["calls"].equals(c["calls"])


# ---------------------------------------------------------------- calendar behaviour


def _normal_workday_mean(daily: pd.Series, first: str, last: str) -> float:
    """Mean pooled calls of plain Monday-Friday days (per holidays.China: no holiday in the
    week before, so no catch-up surge) in a range."""
    days = pd.date_range(first, last, freq="D").date
    cn: dict[dt.date, str] = {}
    for year in {d.year for d in days} | {days[0].year - 1}:
        cn.update(_cn_holidays(year))
    plain = [d for d in days if d.weekday() < 5 and not any(d - dt.timedelta(days=k) in cn for k in range(0, 8))]
    assert len(plain) >= 5, "test range should hold some plain workdays"
    return float(daily.loc[plain].mean())


@pytest.mark.parametrize("year", [2025, 2026])
def test_spring_festival_eve_is_a_deep_trough_followed_by_a_surge(daily: pd.Series, year: int) -> None:
    cn = _cn_holidays(year)
    eve = next(d for d, name in cn.items() if "Eve" in name)
    normal = _normal_workday_mean(daily, str(eve - dt.timedelta(days=40)), str(eve - dt.timedelta(days=10)))
    assert daily.loc[eve] < 0.5 * normal
    # first day after the break that chinese_calendar calls a workday: well above normal
    import chinese_calendar

    day = eve
    while not chinese_calendar.is_workday(day):
        day += dt.timedelta(days=1)
    assert day > eve + dt.timedelta(days=5)  # the bridged break is a week long
    assert daily.loc[day] > 1.2 * normal


def test_make_up_workday_behaves_as_a_workday(daily: pd.Series) -> None:
    # Sunday 2025-01-26 and Saturday 2025-02-08 are 调休 workdays (independent of our code:
    # holidays.China names the days they were swapped with).
    swapped = {d for d, name in _cn_holidays(2025).items() if "substituted from 01/26/2025" in name}
    assert swapped, "holidays.China should list the day swapped with 2025-01-26"
    sunday = dt.date(2025, 1, 26)
    normal = _normal_workday_mean(daily, "2024-12-02", "2025-01-17")
    plain_sundays = [dt.date(2025, 1, 12), dt.date(2025, 1, 19), dt.date(2024, 12, 15)]
    assert daily.loc[sunday] > 0.85 * normal
    assert daily.loc[sunday] > 1.4 * np.mean([daily.loc[d] for d in plain_sundays])


def test_golden_week_is_a_trough(daily: pd.Series) -> None:
    golden = [d for d, name in _cn_holidays(2025).items() if name == "National Day"]
    normal = _normal_workday_mean(daily, "2025-09-01", "2025-09-26")
    assert np.mean([daily.loc[d] for d in golden]) < 0.55 * normal


def test_weekly_pattern_of_plain_weeks(daily: pd.Series) -> None:
    # 2025-06-09 .. 2025-09-21: fifteen weeks without any Chinese holiday or 调休 day
    days = pd.date_range("2025-06-09", "2025-09-21", freq="D").date
    assert not any(d in _cn_holidays(2025) for d in days)
    by_weekday = daily.loc[list(days)].groupby([d.weekday() for d in days]).mean()
    # Monday is the busiest day (the US bank's measured pattern), weekends well below
    assert by_weekday.idxmax() == 0
    weekday_mean, weekend_mean = by_weekday.loc[0:4].mean(), by_weekday.loc[5:6].mean()
    assert 1.3 < weekday_mean / weekend_mean < 1.9
    assert by_weekday.loc[5] > by_weekday.loc[6]
    # a plain weekend is busier than a statutory holiday (Dragon Boat Festival, 2025-05-31..06-02)
    dragon_boat = [d for d, name in _cn_holidays(2025).items() if name.startswith("Dragon Boat")]
    assert np.mean([daily.loc[d] for d in dragon_boat]) < 0.85 * weekend_mean


def test_outbound_callbacks_only_in_business_hours_on_workdays(shipped: pd.DataFrame) -> None:
    cb = shipped[shipped["queue"] == "outbound_callbacks"]
    hour = cb["interval_start"].dt.hour
    assert cb.loc[(hour < 9) | (hour >= 18), "calls"].sum() == 0
    import chinese_calendar

    days = cb["interval_start"].dt.date
    off = ~days.map(chinese_calendar.is_workday).astype(bool)
    assert cb.loc[off, "calls"].sum() == 0
    assert cb.loc[~off, "calls"].sum() > 0


def test_intraday_shape_day_peak_and_night_trough(shipped: pd.DataFrame) -> None:
    week = shipped[(shipped["interval_start"] >= "2025-03-10") & (shipped["interval_start"] < "2025-03-15")]
    by_slot = week.groupby(week["interval_start"].dt.hour * 4 + week["interval_start"].dt.minute // 15)["calls"].mean()
    peak_slot = by_slot.idxmax()
    assert 9 * 4 <= peak_slot < 12 * 4  # morning peak, as in the US data
    night = by_slot.loc[2 * 4 : 5 * 4].mean()
    assert by_slot.max() / 60 < night < by_slot.max() / 10


def test_aht_per_queue_is_near_its_planned_value(shipped: pd.DataFrame) -> None:
    planned = {q.name: q.aht_sec for q in EXAMPLE_QUEUES}
    weighted = shipped.assign(work=shipped["calls"] * shipped["aht_sec"]).groupby("queue")[["work", "calls"]].sum()
    observed = weighted["work"] / weighted["calls"]
    for queue, aht in planned.items():
        assert 0.85 * aht < observed[queue] < 1.15 * aht


def test_coarser_interval_gives_the_same_days() -> None:
    fine = make_example_history(start="2025-04-07", end="2025-04-09")
    coarse = make_example_history(start="2025-04-07", end="2025-04-09", interval_minutes=30)
    assert len(coarse) == len(fine) // 2
    assert set(coarse["interval_start"].dt.minute) == {0, 30}
    f = fine.groupby(["queue", fine["interval_start"].dt.date])["calls"].sum()
    c = coarse.groupby(["queue", coarse["interval_start"].dt.date])["calls"].sum()
    # same day-level draws; only the Poisson noise differs (sd ~ sqrt(n))
    assert (np.abs(f - c) <= 5 * np.sqrt(f) + 5).all()


def test_lunar_new_year_table_agrees_with_holidays_package() -> None:
    for year, day in datasets._LUNAR_NEW_YEAR.items():
        names = holidays.China(years=year)
        assert "Spring Festival" in names.get(day, ""), (year, day, names.get(day))


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": "2025-02-01", "end": "2025-01-01"}, "end must not be before start"),
        ({"start": "2026-12-01", "end": "2027-01-05"}, "within 2004-2026"),
        ({"start": "not a date"}, "start must be a date"),
        ({"interval_minutes": 7}, "interval_minutes must be one of"),
        ({"seed": -1}, "seed must be a non-negative integer"),
    ],
)
def test_bad_arguments_raise_invalid_input(kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        make_example_history(**kwargs)


# ---------------------------------------------------------------- the embedded shapes


def test_embedded_shapes_are_reproducible_from_the_real_data(shared_data: Path) -> None:
    shapes = derive_shapes(
        read_frame(shared_data / "us_bank_2003_5min.csv"),
        read_frame(shared_data / "israel_bank_1999-02_calls.csv"),
    )
    np.testing.assert_allclose(shapes["weekday_profile"], datasets.WEEKDAY_PROFILE, atol=6e-5)
    np.testing.assert_allclose(shapes["weekday_levels"], datasets.WEEKDAY_LEVELS, atol=6e-5)
    np.testing.assert_allclose(shapes["aht_profile"], datasets.AHT_PROFILE, atol=6e-5)
    assert shapes["reduced_day_level"] == pytest.approx(datasets.REDUCED_DAY_LEVEL, abs=6e-5)


def test_embedded_shapes_are_well_formed() -> None:
    profile = np.asarray(datasets.WEEKDAY_PROFILE)
    assert profile.shape == (96,) and (profile > 0).all()
    assert profile.mean() == pytest.approx(1.0, abs=1e-3)
    assert np.mean(datasets.WEEKDAY_LEVELS) == pytest.approx(1.0, abs=1e-3)
    assert len(datasets.AHT_PROFILE) == 96


# ---------------------------------------------------------------- the example scripts


@pytest.mark.parametrize("script", ["explore_example_history.py", "regenerate_example_history.py"])
def test_example_scripts_run(script: str, capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    runpy.run_path(str(ROOT / "examples" / script), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip()
    if script.startswith("regenerate"):
        assert "identical to shipped: True" in out
