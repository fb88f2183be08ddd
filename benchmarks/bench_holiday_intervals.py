"""Coverage of special days' 80% intervals on held-back days of generated 24x7 centres.

The centre is the one of tests/test_forecast_holidays.py (Spring Festival at 0.3 of an
average day, other holidays 0.6, first day back x1.4, Poisson noise). Two cuts per seed:
history 2024-12-02 .. 2026-01-31 (one earlier Spring Festival: pooled) and 2025-10-13 ..
2026-01-31 (no Spring Festival: the kind unseen, priors for families never seen); forecast 26
days, scored on the held-back actuals per day method. Baseline in the same run: the same
forecast with the special days' added spread switched off (the ordinary calibration only).

    python benchmarks/bench_holiday_intervals.py [--seeds 5,9]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_forecast_holidays import centre  # noqa: E402

from wfm.exceptions import WFMWarning  # noqa: E402
from wfm.forecast import forecast  # noqa: E402
from wfm.forecast import special  # noqa: E402


def scored(hist: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WFMWarning)
        r = forecast(hist, 26, country="CN", model="weighted_weeks")
    fc = r.forecast.merge(actual.rename(columns={"calls": "actual"}), on="interval_start")
    fc = fc.assign(date=fc["interval_start"].dt.normalize()).merge(
        r.special_days[["date", "method"]], on="date", how="left"
    )
    fc["method"] = fc["method"].fillna("ordinary")
    fc["inside"] = (fc["actual"] >= fc["calls_lo_80"]) & (fc["actual"] <= fc["calls_hi_80"])
    fc["width"] = (fc["calls_hi_80"] - fc["calls_lo_80"]) / fc["calls"]
    return fc.groupby("method").agg(coverage=("inside", "mean"), width=("width", "median"), n=("inside", "size"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="5,9")
    args = ap.parse_args()
    real = special.Estimate.log_sd
    for seed in (int(s) for s in args.seeds.split(",")):
        df, _ = centre("2024-12-02", "2026-02-28", seed=seed)
        actual = df.loc[df["interval_start"] >= "2026-02-01", ["interval_start", "calls"]]
        for start in ("2024-12-02", "2025-10-13"):
            hist = df[(df["interval_start"] >= start) & (df["interval_start"] < "2026-02-01")]
            special.Estimate.log_sd = lambda self: 0.0  # type: ignore[method-assign]
            before = scored(hist, actual)
            special.Estimate.log_sd = real  # type: ignore[method-assign]
            after = scored(hist, actual)
            for method in after.index:
                b, a = before.loc[method], after.loc[method]
                print(
                    f"seed {seed} history from {start} {method:9s} n {int(a['n']):4d}  coverage "
                    f"{b['coverage']:.2f} -> {a['coverage']:.2f}  width/forecast {b['width']:.2f} -> {a['width']:.2f}"
                )


if __name__ == "__main__":
    main()
