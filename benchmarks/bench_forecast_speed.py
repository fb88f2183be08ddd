"""Speed: the full tournament for 20 queues x two years of 15-minute history, 14-day horizon.

A synthetic generator makes 20 queues with different operating hours (24x7, weekdays
07:00-21:00, a short Friday, a Sunday-Thursday week), levels from 5 to 400 calls per
interval, trend, yearly season, lower volume on Chinese public holidays, and Poisson noise.
The bar: under 5 minutes on 2 cores. Prints wall time, rows, and the models picked.

Run: python benchmarks/bench_forecast_speed.py [--queues 20] [--years 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wfm.calendar import day_types  # noqa: E402
from wfm.exceptions import WFMWarning  # noqa: E402
from wfm.forecast import forecast  # noqa: E402

PATTERNS = ("24x7", "weekdays", "short_friday", "sun_thu")


def synthetic_history(n_queues: int = 20, years: float = 2.0, end: str = "2025-12-31", seed: int = 7) -> pd.DataFrame:
    """Twenty realistic 15-minute queues; rows only while each queue is open."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(
        end=pd.Timestamp(end) + pd.Timedelta(hours=23, minutes=45), periods=int(years * 365) * 96, freq="15min"
    )
    days = ts.normalize()
    cal = day_types(pd.DatetimeIndex(days.unique()), country="CN").set_index("date")
    holiday = cal["is_holiday"].reindex(days).to_numpy()
    makeup = cal["is_makeup_workday"].reindex(days).to_numpy()
    hour = (ts.hour + ts.minute / 60).to_numpy()
    wd = ts.day_of_week.to_numpy()
    t_years = ((ts - ts[0]) / pd.Timedelta(days=365)).to_numpy()
    frames = []
    for q in range(n_queues):
        pattern = PATTERNS[q % len(PATTERNS)]
        level = float(np.exp(rng.uniform(np.log(5), np.log(400))))
        peak = rng.uniform(9.5, 11.5)
        shape = 0.25 + np.exp(-((hour - peak) ** 2) / 5) + 0.6 * np.exp(-((hour - 15) ** 2) / 6)
        week = np.array([1.25, 1.05, 1.0, 1.0, 0.95, 0.5, 0.45])
        if pattern == "24x7":
            open_ = np.ones_like(hour, dtype=bool)
        elif pattern == "weekdays":
            open_ = ((wd < 5) | makeup) & (hour >= 7) & (hour < 21)
        elif pattern == "short_friday":
            open_ = ((wd < 4) & (hour >= 8) & (hour < 20)) | ((wd == 4) & (hour >= 8) & (hour < 14))
        else:  # Sunday-Thursday
            week = np.array([1.1, 1.0, 1.0, 0.9, 0.5, 0.1, 1.2])
            open_ = (wd != 5) & (hour >= 7) & (hour < 22)
        rate = level * shape * week[wd] * (1 + 0.08 * t_years) * (1 + 0.1 * np.sin(2 * np.pi * t_years))
        rate = np.where(holiday, 0.4 * rate, rate)
        if pattern != "24x7":
            open_ &= ~holiday | (pattern == "sun_thu")
        calls = rng.poisson(rate[open_])
        aht = rng.normal(280, 25, size=calls.size).clip(120)
        frames.append(pd.DataFrame({"queue": f"q{q:02d}", "interval_start": ts[open_], "calls": calls, "aht_sec": aht}))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--years", type=float, default=2.0)
    args = parser.parse_args()
    warnings.simplefilter("ignore", WFMWarning)
    t0 = time.perf_counter()
    history = synthetic_history(args.queues, args.years)
    print(f"generated {len(history):,} rows for {args.queues} queues in {time.perf_counter() - t0:.1f} s")
    done = [0]

    def progress(n: int) -> None:
        done[0] += n

    t0 = time.perf_counter()
    result = forecast(history, 14, model="auto", country="CN", progress=progress)
    wall = time.perf_counter() - t0
    print(
        f"full tournament (5 models + combo, 3 origins, 14-day horizon): {wall:.1f} s wall "
        f"({wall / args.queues:.2f} s per queue), {len(result.forecast):,} forecast rows, {done[0]} progress steps"
    )
    print("models picked:", result.selected["model"].value_counts().to_dict())
    print(f"bar: 300 s -> {'PASS' if wall <= 300 else 'FAIL'}")


if __name__ == "__main__":
    main()
