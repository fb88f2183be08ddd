"""Sizing arithmetic of the example centre: is it a plausible 1,400-agent hotline?

Generates the example history, takes the busiest weekday-week mean profile, sizes every queue
and interval with Erlang C (80 % within 20 s; VIP 90 % within 10 s; callbacks 80 % within
300 s), adds 30 % shrinkage, and prints the pooled gross requirement's peak and trough.
Independent of wfm's staffing module on purpose (a plain Erlang B/C recursion).

    python benchmarks/example_sizing.py [START END]
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd

from wfm.datasets import make_example_history

TARGETS = {"vip": (0.90, 10.0), "outbound_callbacks": (0.80, 300.0)}
DEFAULT_TARGET = (0.80, 20.0)
SHRINKAGE = 0.30


def agents_needed(calls: float, aht_sec: float, interval_sec: float, sl: float, t_sec: float) -> int:
    """Smallest N with Erlang C service level >= sl (0 when there are no calls)."""
    if calls <= 0:
        return 0
    a = calls * aht_sec / interval_sec
    b, n = 1.0, 0
    while True:
        n += 1
        b = a * b / (n + a * b)
        if n > a:
            c = n * b / (n - a * (1 - b))
            if 1 - c * math.exp(-(n - a) * t_sec / aht_sec) >= sl:
                return n


def size_days(days: pd.DataFrame) -> pd.DataFrame:
    """Net agents per queue and slot for the mean day of ``days``."""
    rows = []
    for (queue, slot), g in days.groupby(["queue", "slot"]):
        calls = g["calls"].mean()
        aht = float(np.average(g["aht_sec"], weights=g["calls"] + 1e-9))
        sl, t = TARGETS.get(queue, DEFAULT_TARGET)
        rows.append((queue, slot, calls, aht, agents_needed(calls, aht, 900.0, sl, t)))
    return pd.DataFrame(rows, columns=["queue", "slot", "calls", "aht_sec", "net"])


def main(start: str, end: str) -> None:
    hist = make_example_history(start=start, end=end)
    hist["slot"] = hist["interval_start"].dt.hour * 4 + hist["interval_start"].dt.minute // 15
    hist["weekday"] = hist["interval_start"].dt.day_of_week
    shifts_per_week = 0.0
    for label, days, n_days in (("weekday", hist[hist["weekday"] < 5], 5), ("weekend", hist[hist["weekday"] >= 5], 2)):
        sized = size_days(days)
        pooled = sized.groupby("slot")["net"].sum()
        gross = pooled / (1 - SHRINKAGE)
        daily = days.groupby(days["interval_start"].dt.date)["calls"].sum()
        print(f"== {label}s of {start}..{end}: mean calls per day {daily.mean():,.0f}")
        print(sized.groupby("queue").agg(calls_day=("calls", "sum"), peak_net=("net", "max")).round(0).to_string())
        peak = int(pooled.idxmax())
        print(
            f"pooled net peak {pooled.max():.0f} at {peak // 4:02d}:{peak % 4 * 15:02d}; "
            f"gross peak {gross.max():.0f}, trough {gross.min():.0f} (peak/trough {gross.max() / gross.min():.1f})"
        )
        hours = pooled.sum() * 0.25 / (1 - SHRINKAGE)
        print(f"gross agent-hours per day {hours:,.0f} = {hours / 8:,.0f} eight-hour shifts\n")
        shifts_per_week += n_days * hours / 8
    print(
        f"eight-hour shifts per week {shifts_per_week:,.0f}; 1,400 agents x 5 shifts = 7,000 "
        f"(rostered share {shifts_per_week / 7000:.0%})"
    )


if __name__ == "__main__":
    args = sys.argv[1:] or ["2025-03-03", "2025-05-30"]
    main(args[0], args[1])
