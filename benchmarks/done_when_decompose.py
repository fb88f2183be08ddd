"""Why a replayed queue-day misses the run's promise: the published roster simulated with one factor changed at a time.

    python benchmarks/done_when_decompose.py [--queue vip] [--volume-seed 20261128] [--run-folder DIR]

Reads the run cached by ``bench_done_when.py`` (``benchmarks/.cache/done-when/default/<as-of>``;
run that first) and simulates its roster and breaks (10 replications) against: the run's
forecast (Poisson, exponential handle times: the promise); the same with gamma handle times at
the generator's CVs; the forecast's shape over the day scaled to the replayed week's day totals
for the queue alone, for the queue and one other, and for every queue; and the replayed interval
counts themselves (exponential and gamma handle times: the bar's replay). Prints the queue's
service level per day for each, and the replayed day totals against the forecast per queue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench_done_when import CACHE, HISTORY_COLUMNS  # noqa: E402
from wfm import io as wfm_io  # noqa: E402
from wfm import pipeline  # noqa: E402
from wfm.datasets import EXAMPLE_QUEUES, make_example_history  # noqa: E402
from wfm.simulate import simulate  # noqa: E402
from wfm.staffing import load_targets  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--as-of", default="2026-11-01")
    ap.add_argument("--queue", default="vip")
    ap.add_argument("--also", default="credit_cards", help="the other queue scaled with it in one row")
    ap.add_argument("--volume-seed", type=int, default=20261128)
    ap.add_argument("--run-folder", type=Path, default=None)
    args = ap.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    folder = args.run_folder or CACHE / "default" / as_of.isoformat()
    agents = wfm_io.read_frame(pipeline.example_dir() / "agents.csv")
    agents = agents.drop(columns=[c for c in HISTORY_COLUMNS if c in agents.columns])
    agents = agents.merge(wfm_io.read_frame(folder / "agent_history.csv"), on="agent_id", how="inner")
    roster = wfm_io.read_frame(folder / "roster.csv")
    breaks = wfm_io.read_frame(folder / "breaks.csv")
    targets = load_targets(pipeline.example_dir() / "targets.toml")
    cv = {q.name: float(q.aht_cv) for q in EXAMPLE_QUEUES}
    forecast = wfm_io.read_frame(folder / "forecast.csv")
    forecast["queue"] = forecast["queue"].astype(str)
    week = make_example_history(start=as_of, end=as_of + dt.timedelta(days=6), seed=args.volume_seed)
    week["queue"] = week["queue"].astype(str)
    day = pd.to_datetime(forecast["interval_start"]).dt.normalize()
    replayed = week.groupby(["queue", pd.to_datetime(week["interval_start"]).dt.normalize()])["calls"].sum()
    planned = forecast.groupby(["queue", day])["calls"].transform("sum").to_numpy(dtype=float)
    totals = pd.MultiIndex.from_arrays([forecast["queue"], day]).map(replayed).to_numpy(dtype=float)
    scaled = forecast["calls"].to_numpy(dtype=float) * np.divide(
        totals, planned, out=np.ones_like(planned), where=planned > 0
    )

    def at_totals(queues: list[str] | None) -> pd.DataFrame:
        frame = forecast.copy()
        pick = np.ones(len(frame), bool) if queues is None else frame["queue"].isin(queues).to_numpy()
        frame["calls"] = np.where(pick, scaled, frame["calls"])
        return frame

    cases = [
        ("the forecast, Poisson, exponential (the promise)", forecast, "poisson", "exponential", 0),
        ("the forecast, gamma handle times", forecast, "poisson", "gamma", 1),
        (f"{args.queue} at the replayed day totals", at_totals([args.queue]), "poisson", "exponential", 0),
        (
            f"{args.queue}, {args.also} at the replayed totals",
            at_totals([args.queue, args.also]),
            "poisson",
            "exponential",
            0,
        ),
        ("every queue at the replayed totals", at_totals(None), "poisson", "exponential", 0),
        ("the replayed counts, exponential", week, "given", "exponential", 1),
        ("the replayed counts, gamma (the bar's replay)", week, "given", "gamma", 1),
    ]
    for label, volumes, counts, handle, seed in cases:
        sim = simulate(
            roster,
            agents,
            volumes,
            targets,
            breaks=breaks,
            replications=10,
            seed=seed,
            counts=counts,
            handle=handle,
            handle_cv=cv if handle == "gamma" else None,
        )
        d = sim.daily[sim.daily["queue"] == args.queue]
        print(f"{label:<55}" + " ".join(f"{x:6.1%}" for x in d["service_level"]))
    ratio = (replayed / forecast.groupby(["queue", day])["calls"].sum() - 1).unstack()
    print("\nreplayed day totals against the forecast:")
    print(ratio.map(lambda x: f"{x:+.1%}" if np.isfinite(x) else "-").to_string())


if __name__ == "__main__":
    main()
