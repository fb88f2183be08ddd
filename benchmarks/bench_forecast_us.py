"""US bank 5-minute data: one-shot accuracy per model and for the tournament, day-ahead
rolling forecasts, intraday reforecast from 11:00, and interval coverage.

Customary split: the first 7,605 slots (2003-03-03 to 2003-05-06, 45 days) train, the next
2,535 (2003-05-07 to 2003-05-28, 15 days) test; one-shot = one forecast from 2003-05-06
covering the whole test period. Baselines measured in the same run:
- same interval last week, rolling (the actual 5 business days = 845 slots earlier): DOMAIN.md says RMSE 24.14;
- the same, one shot (last training week repeated);
- a plain 6-week same-weekday average with light smoothing (weighted_weeks).

Run: python benchmarks/bench_forecast_us.py [--skip-rolling]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wfm.exceptions import WFMWarning  # noqa: E402
from wfm.forecast import MODELS, coverage, forecast, mae, reforecast_intraday, rmse, wape  # noqa: E402

DATA = Path(os.environ.get("WFM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data")


def load() -> pd.DataFrame:
    df = pd.read_csv(DATA / "us_bank_2003_5min.csv").rename(columns={"timestamp": "interval_start"})
    df["interval_start"] = pd.to_datetime(df["interval_start"])
    return df


def score(test: pd.DataFrame, fc: pd.DataFrame, special: pd.DataFrame | None = None) -> dict[str, float]:
    """RMSE, MAE, WAPE and the 80% interval's coverage; with ``special`` (a result's
    ``special_days``) the coverage on the open special days and on the other days apart."""
    m = test.merge(fc, on="interval_start", how="left", suffixes=("", "_f"))
    assert len(m) == len(test) and m["calls_f"].notna().all(), "forecast must cover every test slot"
    out = {
        "rmse": rmse(m["calls"], m["calls_f"]),
        "mae": mae(m["calls"], m["calls_f"]),
        "wape": wape(m["calls"], m["calls_f"]),
    }
    if "calls_lo_80" in m:
        out["cover80"] = coverage(m["calls"], m["calls_lo_80"], m["calls_hi_80"])
        out["below_q90"] = float((m["calls"] <= m["calls_hi_80"]).mean())
        out["below_q10"] = float((m["calls"] < m["calls_lo_80"]).mean())
        if special is not None and len(special):
            sp = m["interval_start"].dt.normalize().isin(set(special.loc[special["status"] == "open", "date"]))
            for part, sel in (("special", sp), ("ordinary", ~sp)):
                out[f"cover80_{part}"] = coverage(
                    m.loc[sel, "calls"], m.loc[sel, "calls_lo_80"], m.loc[sel, "calls_hi_80"]
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-rolling", action="store_true", help="skip the 15 day-ahead tournaments")
    args = parser.parse_args()
    warnings.simplefilter("ignore", WFMWarning)
    df = load()
    train, test = df.iloc[:7605], df.iloc[7605:10140]
    horizon = int((test["interval_start"].max().normalize() - train["interval_start"].max().normalize()).days)
    print(f"train {len(train)} slots to {train.interval_start.max()}, test {len(test)} slots, horizon {horizon} days")

    lag = df["calls"].shift(845).iloc[7605:10140]
    print(
        f"{'baseline same interval last week, rolling':48s} RMSE {rmse(test.calls, lag):6.2f}  MAE {mae(test.calls, lag):6.2f}"
    )
    # DOMAIN.md's 24.14: the last 845 training slots repeated as a plain sequence (calendar-blind)
    seq = np.tile(train["calls"].to_numpy()[-845:], 3)[: len(test)]
    print(
        f"{'baseline last training week repeated (sequence)':48s} RMSE {rmse(test.calls, seq):6.2f}  MAE {mae(test.calls, seq):6.2f}"
    )

    print("\none-shot forecast of the 15 test days (country=US holiday calendar):")
    rows = []
    for name in [*MODELS, "combo", "auto"]:
        t0 = time.perf_counter()
        res = forecast(train, horizon, model=name, country="US", aht_sec=300)
        s = score(test, res.forecast, res.special_days)
        rows.append((name, res.selected["model"].iloc[0], s, time.perf_counter() - t0))
        print(
            f"  {name:16s} -> {res.selected['model'].iloc[0]:50s} RMSE {s['rmse']:6.2f} MAE {s['mae']:6.2f} "
            f"WAPE {s['wape']:.4f}  cover80 {s['cover80']:.3f} below_q90 {s['below_q90']:.3f} "
            f"(special days {s.get('cover80_special', float('nan')):.3f}, others {s.get('cover80_ordinary', float('nan')):.3f}) "
            f"({time.perf_counter() - t0:.1f} s)"
        )
    res_nocal = forecast(train, horizon, model="auto", country=None, aht_sec=300)
    s = score(test, res_nocal.forecast)
    print(
        f"  {'auto, no calendar':16s} -> {res_nocal.selected['model'].iloc[0]:50s} RMSE {s['rmse']:6.2f} "
        f"MAE {s['mae']:6.2f} WAPE {s['wape']:.4f}  (no holiday => 2003-05-27 not treated as post-holiday)"
    )
    auto = next(r for r in rows if r[0] == "auto")[2]
    snaive = next(r for r in rows if r[0] == "snaive")[2]
    print(
        f"\ntournament one-shot RMSE {auto['rmse']:.2f} (bar 20.5); vs seasonal naive one-shot "
        f"{snaive['rmse']:.2f}: ratio {auto['rmse'] / snaive['rmse']:.3f}; vs rolling last-week "
        f"{rmse(test.calls, lag):.2f}: ratio {auto['rmse'] / rmse(test.calls, lag):.3f}"
    )
    print(
        f"80% interval coverage {auto['cover80']:.3f} (nominal 0.80), share below q90 {auto['below_q90']:.3f}, "
        f"below q10 {auto['below_q10']:.3f}"
    )

    if args.skip_rolling:
        return
    print("\nday-ahead rolling (tournament refit each day, 2 origins) and intraday reforecast from 11:00:")
    days = sorted(test["interval_start"].dt.normalize().unique())
    da, act_all, rf, act_rest, da_rest = [], [], [], [], []
    lo, hi = [], []
    t0 = time.perf_counter()
    for d in days:
        hist = df[df["interval_start"] < d]
        h = int((d - hist["interval_start"].max().normalize()).days)
        res = forecast(hist, h, model="auto", country="US", aht_sec=300, n_origins=2)
        fc = res.forecast[res.forecast["interval_start"].dt.normalize() == d]
        act = df[df["interval_start"].dt.normalize() == d]
        m = act.merge(fc, on="interval_start", suffixes=("", "_f"))
        da.append(m["calls_f"].to_numpy())
        act_all.append(m["calls"].to_numpy())
        lo.append(m["calls_lo_80"].to_numpy())
        hi.append(m["calls_hi_80"].to_numpy())
        now = d + pd.Timedelta(hours=11)
        up = reforecast_intraday(fc, act[act["interval_start"] < now], now)
        mu = act.merge(up, on="interval_start", suffixes=("", "_f"))
        rest = mu["interval_start"] >= now
        rf.append(mu.loc[rest, "calls_f"].to_numpy())
        act_rest.append(mu.loc[rest, "calls"].to_numpy())
        da_rest.append(m.loc[rest.to_numpy(), "calls_f"].to_numpy())
    a = np.concatenate(act_all)
    f = np.concatenate(da)
    print(
        f"  day-ahead: RMSE {rmse(a, f):.2f} MAE {mae(a, f):.2f} WAPE {wape(a, f):.4f} "
        f"cover80 {coverage(a, np.concatenate(lo), np.concatenate(hi)):.3f} "
        f"below_q90 {float(np.mean(a <= np.concatenate(hi))):.3f} ({time.perf_counter() - t0:.0f} s for {len(days)} days)"
    )
    ar = np.concatenate(act_rest)
    r_da, r_rf = rmse(ar, np.concatenate(da_rest)), rmse(ar, np.concatenate(rf))
    print(
        f"  rest of day after 11:00: day-ahead RMSE {r_da:.2f}, reforecast RMSE {r_rf:.2f}, "
        f"improvement {100 * (1 - r_rf / r_da):.1f}% (bar 15%)"
    )


if __name__ == "__main__":
    main()
