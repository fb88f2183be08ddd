"""Israeli bank, February 1999: calls offered per 30 minutes, 24x7 with a Sunday-Thursday week.

Calls offered = every record of the call log except PHANTOM (dropped records, 278 of
33,344), counted per 30-minute interval of ``arrival``; an interval without calls is a true
zero (the log has every call). Train on 1-21 Feb, forecast 22-28 Feb in one shot; report
interval WAPE (and RMSE) of each model and of the tournament against seasonal naive (same
interval last week). The burst on 3 Feb 13:00-13:30 (407 arrivals, a system event) is
excluded from history with ``exclude=``; the run without the exclusion is shown as well.

Run: python benchmarks/bench_forecast_israel.py
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wfm.exceptions import WFMWarning  # noqa: E402
from wfm.forecast import MODELS, coverage, forecast, rmse, wape  # noqa: E402

DATA = Path(os.environ.get("WFM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
BURST = [("1999-02-03 13:00", "1999-02-03 13:30")]


def load() -> pd.DataFrame:
    calls = pd.read_csv(DATA / "israel_bank_1999-02_calls.csv", usecols=["arrival", "outcome", "service_s"])
    calls = calls[calls["outcome"] != "PHANTOM"]
    calls["arrival"] = pd.to_datetime(calls["arrival"])
    grid = pd.date_range("1999-02-01", "1999-02-28 23:30", freq="30min")
    counts = calls.set_index("arrival").resample("30min").size().reindex(grid, fill_value=0)
    # handle time of served calls, averaged per interval (for the AHT forecast)
    served = calls[calls["outcome"] == "AGENT"].set_index("arrival")["service_s"].resample("30min").mean().reindex(grid)
    return pd.DataFrame(
        {"interval_start": grid, "calls": counts.to_numpy().astype(float), "aht_sec": served.to_numpy()}
    )


def main() -> None:
    warnings.simplefilter("ignore", WFMWarning)
    df = load()
    train = df[df["interval_start"] < "1999-02-22"]
    test = df[df["interval_start"] >= "1999-02-22"]
    print(
        f"train {len(train)} intervals ({train.calls.sum():.0f} calls), test {len(test)} ({test.calls.sum():.0f} calls)"
    )
    results = {}
    for name in [*MODELS, "combo", "auto"]:
        t0 = time.perf_counter()
        res = forecast(train, 7, model=name, country="IL", exclude=BURST)
        m = test.merge(res.forecast, on="interval_start", how="left", suffixes=("", "_f")).fillna({"calls_f": 0.0})
        results[name] = m
        print(
            f"  {name:16s} -> {res.selected['model'].iloc[0]:48s} WAPE {wape(m.calls, m.calls_f):.4f} "
            f"RMSE {rmse(m.calls, m.calls_f):6.2f} cover80 {coverage(m.calls, m.calls_lo_80, m.calls_hi_80):.3f} "
            f"below_q90 {(m.calls <= m.calls_hi_80).mean():.3f} "
            f"({time.perf_counter() - t0:.1f} s)"
        )
    res = forecast(train, 7, model="auto", country="IL", exclude=BURST)
    print("  operating hours learned:", "; ".join(f"{r.weekday} {r.open}" for r in res.operating_hours.itertuples()))
    print("  notes:", *res.notes, sep="\n    ")
    raw = forecast(train, 7, model="auto", country="IL")
    m_raw = test.merge(raw.forecast, on="interval_start", how="left", suffixes=("", "_f")).fillna({"calls_f": 0.0})
    a, s = results["auto"], results["snaive"]
    print(
        f"\ntournament WAPE {wape(a.calls, a.calls_f):.4f} vs seasonal naive {wape(s.calls, s.calls_f):.4f} "
        f"(ratio {wape(a.calls, a.calls_f) / wape(s.calls, s.calls_f):.3f}); without excluding the 3 Feb burst "
        f"{wape(m_raw.calls, m_raw.calls_f):.4f}"
    )
    daily = a.groupby(a.interval_start.dt.normalize())[["calls", "calls_f"]].sum()
    print(
        f"daily totals WAPE {wape(daily.calls, daily.calls_f):.4f}; AHT forecast mean {a.aht_sec.mean():.0f} s "
        f"(served calls in test week: {test.aht_sec.mean():.0f} s)"
    )


if __name__ == "__main__":
    main()
