"""Explore the bundled example centre's history with the library API.

Loads data/example/history.csv.gz, labels every day with the Chinese calendar's day type,
and prints the figures a planner looks at first: volume and handle time per queue, the
weekly pattern, and the 2026 Spring Festival trough and the surge after it.

    python examples/explore_example_history.py        # from the repository root
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wfm.datasets import day_multipliers
from wfm.io import read_frame

HISTORY = Path(__file__).resolve().parents[1] / "data" / "example" / "history.csv.gz"


def main() -> None:
    history = read_frame(HISTORY, parse_dates=["interval_start"])
    first, last = history["interval_start"].min(), history["interval_start"].max()
    print(f"{len(history):,} rows, {history['queue'].nunique()} queues, {first} .. {last}\n")

    # Per queue: calls per day and the calls-weighted handle time.
    days = history["interval_start"].dt.normalize().nunique()
    per_queue = history.assign(work=history["calls"] * history["aht_sec"]).groupby("queue")[["calls", "work"]].sum()
    per_queue["calls_per_day"] = per_queue["calls"] / days
    per_queue["aht_sec"] = per_queue["work"] / per_queue["calls"]
    print(per_queue[["calls_per_day", "aht_sec"]].round(0).astype(int).to_string(), "\n")

    # Daily totals labelled with the day type (workday, make-up workday, weekend, holiday).
    daily = history.groupby(history["interval_start"].dt.date)["calls"].sum().rename("calls")
    kinds = day_multipliers(first.date(), last.date()).set_index("date")
    labelled = kinds.join(daily)
    print("mean calls by day type:")
    print(labelled.groupby("kind")["calls"].mean().round(0).astype(int).to_string(), "\n")

    plain = labelled[labelled["kind"].isin(["workday", "weekend"])]
    by_weekday = plain.groupby("weekday")["calls"].mean()
    by_weekday.index = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    print("mean calls by weekday (plain days):")
    print((by_weekday / by_weekday.iloc[:5].mean()).round(2).to_string(), "\n")

    window = labelled.loc[pd.Timestamp("2026-02-09").date() : pd.Timestamp("2026-03-03").date()]
    print("Spring Festival 2026 (break 15-23 Feb; Sat 14 and Sat 28 Feb are make-up workdays):")
    print(window[["kind", "holiday", "calls"]].to_string())


if __name__ == "__main__":
    main()
