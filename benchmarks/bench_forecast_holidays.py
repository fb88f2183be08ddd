"""Holiday weeks: hold back each of the last big holiday periods in turn and forecast them.

For every instance and period: history up to two weeks before the period's first day, a
one-shot forecast to the end of the last Monday-Sunday week touching the period (its eve,
days and after-days), scored at interval level, all queues pooled:

- holiday weeks: the Monday-Sunday weeks holding a day of the period, its eve or its after-days;
- ordinary weeks: the horizon's other days that are no special day (mostly the week
  before; for National Day 2026 the days around Mid-Autumn, which has its own period).

Methods, all measured in this run on the same cut:
- ``kinds``: this code (every holiday kind its own learned / pooled / prior effect);
- ``single_ratio``: the earlier method (one median ratio for every holiday), the baseline;
- ``snaive``: the last history week repeated (calendar-unaware seasonal naive).

Instances: the bundled centre (``load_example_history``, seed 20261128), the generator
with seed 7 (not tuned on), and the US bank real data (a Mon-Fri centre closed on its
holidays: Memorial Day, Independence Day, Labor Day, Columbus Day are held back; its
"holiday weeks" test the closure and the backlog after it). The Israeli file (February
1999) holds no public holiday and is not used here.

``--per-day`` adds, for ``kinds``, the holiday weeks' error day by day (the holiday, its
eve, the first and second days back, the weeks' other days) and by cause: the level (the
holiday weeks' ordinary days, forecast / actual) against the special days' effects. The
holiday-week WAPE is recomputed with the forecast scaled by the level miss of the weeks'
ordinary days ("level fixed"), and then with every day's total exact ("totals fixed": only
the intraday shape is left).

Run: python benchmarks/bench_forecast_holidays.py [--instances bundled,seed7,us] [--periods ...] [--per-day]
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

from wfm.calendar import day_types  # noqa: E402
from wfm.datasets import load_example_history, make_example_history  # noqa: E402
from wfm.exceptions import WFMWarning  # noqa: E402
from wfm.forecast import forecast  # noqa: E402

DATA = Path(os.environ.get("WFM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data")

CN_PERIODS = {
    "Spring Festival": "2026-02-15",
    "Qingming": "2026-04-04",
    "Labour Day": "2026-05-01",
    "National Day": "2026-10-01",
}
US_PERIODS = {
    "Memorial Day": "2003-05-26",
    "Independence Day": "2003-07-04",
    "Labor Day": "2003-09-01",
    "Columbus Day": "2003-10-13",
}


def _weeks(period_start: pd.Timestamp, cal: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp, set]:
    """As-of day, last forecast day and the Mondays of the holiday weeks."""
    as_of = period_start - pd.Timedelta(days=15)  # history ends two weeks before the first day
    kind = cal.set_index("date")["kind"]
    name = kind.get(period_start, "")
    label = name.split(":", 1)[1] if ":" in name else ""
    near = kind[
        (kind.index >= period_start - pd.Timedelta(days=10)) & (kind.index <= period_start + pd.Timedelta(days=25))
    ]
    own = near[near.str.endswith(":" + label) & ~near.str.startswith("makeup:")] if label else near.iloc[:0]
    days = own.index if len(own) else pd.DatetimeIndex([period_start])
    mondays = {d - pd.Timedelta(days=d.weekday()) for d in days}
    end = max(mondays) + pd.Timedelta(days=6)
    return as_of, end, mondays


def _snaive(history: pd.DataFrame, as_of: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Same interval of the last history week, repeated (no calendar)."""
    last_week = history[
        (history["interval_start"] > as_of - pd.Timedelta(days=6))
        & (history["interval_start"] < as_of + pd.Timedelta(days=1))
    ]
    out = []
    k = 1
    while as_of + pd.Timedelta(days=7 * (k - 1) + 1) <= end:
        shifted = last_week.assign(interval_start=last_week["interval_start"] + pd.Timedelta(days=7 * k))
        out.append(shifted)
        k += 1
    fc = pd.concat(out, ignore_index=True)
    return fc[fc["interval_start"] < end + pd.Timedelta(days=1)][["queue", "interval_start", "calls"]]


def _score(actual: pd.DataFrame, fc: pd.DataFrame, weeks: dict[str, set]) -> dict[str, float]:
    m = actual.merge(
        fc[["queue", "interval_start", "calls"]], on=["queue", "interval_start"], how="left", suffixes=("", "_f")
    )
    m["calls_f"] = m["calls_f"].fillna(0.0)  # a closed forecast is a forecast of zero
    day = m["interval_start"].dt.normalize()
    monday = day - pd.to_timedelta(m["interval_start"].dt.dayofweek, unit="D")
    out = {}
    for label, mondays in weeks.items():
        sel = monday.isin(list(mondays)) if label == "holiday" else day.isin(list(mondays))
        a, f = m.loc[sel, "calls"].to_numpy(), m.loc[sel, "calls_f"].to_numpy()
        out[label] = float(np.abs(a - f).sum() / a.sum()) if a.sum() > 0 else float("nan")
    return out


def _per_day(actual: pd.DataFrame, fc: pd.DataFrame, mondays: set, cal: pd.DataFrame, special: pd.DataFrame) -> None:
    """Print the holiday weeks' error day by day and the level / special-day decomposition."""
    # as the headline score: intervals with an actual row (a day without rows is not scored)
    m = actual.merge(
        fc[["queue", "interval_start", "calls"]], on=["queue", "interval_start"], how="left", suffixes=("", "_f")
    ).fillna({"calls_f": 0.0})
    fc_day = fc["interval_start"].dt.normalize()
    unscored = fc[
        ~fc_day.isin(set(m["interval_start"].dt.normalize()))
        & (fc_day - pd.to_timedelta(fc_day.dt.dayofweek, unit="D")).isin(list(mondays))
    ]
    for d, g in unscored.groupby(unscored["interval_start"].dt.normalize()):
        print(f"    {d.date()} {d.day_name()[:3]} no actual rows (not scored): forecast {g['calls'].sum():.0f}")
    day = m["interval_start"].dt.normalize()
    monday = day - pd.to_timedelta(m["interval_start"].dt.dayofweek, unit="D")
    m = m[monday.isin(list(mondays))].assign(day=day)
    kinds = cal.set_index("date")["kind"]
    meth = special.groupby("date")["method"].first() if len(special) else pd.Series(dtype=object)
    m["kind"] = m["day"].map(kinds).fillna("")
    m["err"] = (m["calls"] - m["calls_f"]).abs()
    total = m["calls"].sum()
    by_day = m.groupby("day").agg(
        kind=("kind", "first"), actual=("calls", "sum"), fc=("calls_f", "sum"), err=("err", "sum")
    )
    for d, r in by_day.iterrows():
        print(
            f"    {d.date()} {d.day_name()[:3]} {r['kind'] or 'ordinary':28s} {meth.get(d, ''):8s} actual {r['actual']:8.0f}"
            f" forecast {r['fc']:8.0f} ({r['fc'] / r['actual'] - 1 if r['actual'] else float('nan'):+.3f}) "
            f"interval |err| {r['err']:7.0f} = {r['err'] / total:.3f} of the weeks' calls"
        )
    fam = m["kind"].str.split(":").str[0].replace("", "ordinary")
    parts = m.groupby(fam)["err"].sum() / total
    ordinary = m["kind"] == ""
    level = m.loc[ordinary, "calls"].sum() / m.loc[ordinary, "calls_f"].sum() if ordinary.any() else 1.0
    fixed = (m["calls"] - level * m["calls_f"]).abs().sum() / total
    dt = m.groupby("day")[["calls", "calls_f"]].transform("sum")
    shape_f = np.divide(m["calls_f"], dt["calls_f"], out=np.zeros(len(m)), where=dt["calls_f"].to_numpy() > 0)
    totals_fixed = (m["calls"] - shape_f * dt["calls"]).abs().sum() / total
    print(
        "    holiday weeks' WAPE by day family: "
        + ", ".join(f"{k} {v:.3f}" for k, v in parts.items())
        + f"; level of the weeks' ordinary days actual/forecast {level:.3f}; WAPE {m['err'].sum() / total:.3f}, "
        f"level fixed {fixed:.3f}, every day's total fixed {totals_fixed:.3f}",
        flush=True,
    )


def _coverage(actual: pd.DataFrame, fc: pd.DataFrame, days: set) -> float:
    """Share of the actual intervals of ``days`` inside the forecast's 80% interval (scored intervals only)."""
    m = actual.merge(fc, on=["queue", "interval_start"], how="inner", suffixes=("", "_f"))
    m = m[m["interval_start"].dt.normalize().isin(list(days))]
    inside = (m["calls"] >= m["calls_lo_80"]) & (m["calls"] <= m["calls_hi_80"])
    return float(inside.mean()) if len(m) else float("nan")


def run_instance(
    name: str, history: pd.DataFrame, periods: dict[str, str], country: str, aht_sec=None, per_day: bool = False
):
    if "queue" not in history.columns:
        history = history.assign(queue="all")
    cal = day_types(
        pd.date_range(history["interval_start"].min().normalize(), history["interval_start"].max().normalize()),
        country=country,
    )
    rows = []
    for label, start in periods.items():
        start = pd.Timestamp(start)
        as_of, end, hol_mondays = _weeks(start, cal)
        hist = history[history["interval_start"] < as_of + pd.Timedelta(days=1)]
        actual = history[
            (history["interval_start"] > as_of + pd.Timedelta(days=1) - pd.Timedelta(seconds=1))
            & (history["interval_start"] < end + pd.Timedelta(days=1))
        ]
        # ordinary days: the horizon's days of no special kind outside the holiday weeks
        kinds = cal.set_index("date")["kind"]
        horizon_days = pd.date_range(as_of + pd.Timedelta(days=1), end)
        ordinary = {
            d for d in horizon_days if d - pd.Timedelta(days=d.weekday()) not in hol_mondays and kinds.get(d, "") == ""
        }
        weeks = {"holiday": hol_mondays, "ordinary": ordinary}
        horizon = int((end - as_of).days)
        res = {"instance": name, "period": label, "as_of": str(as_of.date()), "horizon": horizon}
        for method in ("kinds", "single_ratio"):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", WFMWarning)
                r = forecast(hist, horizon, country=country, holiday_effects=method, aht_sec=aht_sec)
            sc = _score(actual, r.forecast, weeks)
            res[f"{method}_hol"], res[f"{method}_ord"] = sc["holiday"], sc["ordinary"]
            res[f"{method}_s"] = time.perf_counter() - t0
            if method == "kinds":
                sp = r.special_days
                hol = sp[sp["kind"].str.startswith("holiday:")]
                res["methods"] = ", ".join(
                    f"{k.split(':', 1)[1]}={m}" for k, m in hol.groupby("kind", sort=False)["method"].first().items()
                )
                res["model"] = ",".join(sorted(set(r.selected["model"])))[:60]
                # 80% interval coverage on the open special days of the horizon and on its ordinary days
                special_days = set(sp.loc[sp["status"] == "open", "date"])
                res["cover_special"] = _coverage(actual, r.forecast, special_days)
                res["cover_ordinary"] = _coverage(actual, r.forecast, set(horizon_days) - set(kinds[kinds != ""].index))
                if per_day:
                    print(f"{name} {label}: kinds, model {res['model']}", flush=True)
                    _per_day(actual, r.forecast, hol_mondays, cal, sp)
        sc = _score(actual, _snaive(hist, as_of, end), weeks)
        res["snaive_hol"], res["snaive_ord"] = sc["holiday"], sc["ordinary"]
        rows.append(res)
        print(
            f"{name:8s} {label:16s} as_of {res['as_of']} h={horizon:2d}: holiday-week WAPE kinds "
            f"{res['kinds_hol']:.3f} single_ratio {res['single_ratio_hol']:.3f} snaive {res['snaive_hol']:.3f}; "
            f"ordinary-week kinds {res['kinds_ord']:.3f} single_ratio {res['single_ratio_ord']:.3f} "
            f"snaive {res['snaive_ord']:.3f}; ratio hol/ord {res['kinds_hol'] / res['kinds_ord']:.2f}; "
            f"80% coverage special days {res['cover_special']:.3f} ordinary {res['cover_ordinary']:.3f}; "
            f"{res['kinds_s']:.0f}+{res['single_ratio_s']:.0f} s; {res.get('methods', '')}",
            flush=True,
        )
    return rows


def load_us() -> pd.DataFrame:
    df = pd.read_csv(DATA / "us_bank_2003_5min.csv").rename(columns={"timestamp": "interval_start"})
    df["interval_start"] = pd.to_datetime(df["interval_start"])
    return df.assign(queue="all")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", default="bundled,seed7,us")
    parser.add_argument("--periods", default="", help="comma-separated subset of period labels")
    parser.add_argument("--per-day", action="store_true", help="the holiday weeks' error day by day and by cause")
    args = parser.parse_args()
    wanted = args.instances.split(",")
    pick = set(args.periods.split(",")) - {""}
    cn = {k: v for k, v in CN_PERIODS.items() if not pick or k in pick}
    us = {k: v for k, v in US_PERIODS.items() if not pick or k in pick}
    rows = []
    t0 = time.perf_counter()
    if "bundled" in wanted:
        rows += run_instance("bundled", load_example_history(), cn, "CN", per_day=args.per_day)
    if "seed7" in wanted:
        rows += run_instance("seed7", make_example_history(seed=7), cn, "CN", per_day=args.per_day)
    if "us" in wanted and (DATA / "us_bank_2003_5min.csv").exists() and us:
        rows += run_instance("us_bank", load_us(), us, "US", aht_sec=300.0, per_day=args.per_day)
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 250)
    cols = [
        "instance",
        "period",
        "kinds_hol",
        "single_ratio_hol",
        "snaive_hol",
        "kinds_ord",
        "single_ratio_ord",
        "snaive_ord",
        "cover_special",
        "cover_ordinary",
    ]
    print(table[cols].round(3).to_string(index=False))
    table["hol_vs_ord"] = table["kinds_hol"] / table["kinds_ord"]
    table["kinds_vs_single"] = table["kinds_hol"] / table["single_ratio_hol"]
    table["kinds_vs_snaive"] = table["kinds_hol"] / table["snaive_hol"]
    print(
        table[["instance", "period", "hol_vs_ord", "kinds_vs_single", "kinds_vs_snaive", "methods"]]
        .round(2)
        .to_string(index=False)
    )
    print(
        f"holiday weeks within 1.5x of ordinary weeks: {(table['hol_vs_ord'] <= 1.5).sum()}/{len(table)}; "
        f"better than single_ratio: {(table['kinds_vs_single'] < 1).sum()}/{len(table)}; "
        f"better than snaive: {(table['kinds_vs_snaive'] < 1).sum()}/{len(table)}; "
        f"total {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
