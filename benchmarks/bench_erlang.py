"""Benchmark the staffing engine against pyworkforce 0.5.1 (measured in the same run).

1. Erlang C sizing of a fortnight of 15-minute intervals for 20 queues (26,880 intervals,
   traffic spread uniformly over 0..1,000 Erlangs, AHT 300 s) at 80/20: wfm's vectorised
   ``agents_required`` against pyworkforce's ``ErlangC.required_positions`` in a loop.
   pyworkforce needs about 1 ms per interval, so by default it is timed on a fixed random
   subset (``--subset``, seed 0) and its per-interval cost extrapolated to 26,880; pass
   ``--subset 0`` to run it on every interval. Answers are compared on every interval
   pyworkforce sized (zero-traffic intervals are skipped for it: it refuses 0 transactions).
2. Erlang A sizing at 1,000 Erlangs, AHT 300 s, patience 300 s, 80/20: ms per interval
   (also at patience 3,600 s and 100,000 s, and 96 intervals at once).
3. The whole frame layer, ``wfm.staffing.requirements`` on the same fortnight (validation,
   interval inference, sizing, expected SL/ASA/occupancy, shrinkage), Erlang C and Erlang A.

Run:  python benchmarks/bench_erlang.py [--repeat 5] [--subset 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wfm.erlang import agents_required  # noqa: E402

INTERVALS = 20 * 14 * 96
INTERVAL_MIN = 15
AHT_SEC = 300.0


def _best_of(repeat: int, fn):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_erlang_c(repeat: int, subset: int) -> float:
    from pyworkforce.queuing import ErlangC

    rng = np.random.default_rng(0)
    # calls per 15-minute interval such that traffic spans 0..1,000 Erlangs; a few exact zeros.
    calls = rng.uniform(0.0, 1000.0 * INTERVAL_MIN * 60 / AHT_SEC, INTERVALS).round(1)
    calls[rng.choice(INTERVALS, 200, replace=False)] = 0.0
    traffic = calls * AHT_SEC / (INTERVAL_MIN * 60)

    ours_sec, ours = _best_of(repeat, lambda: agents_required(traffic, AHT_SEC, service_level=0.8, answer_sec=20.0))

    idx = (
        np.arange(INTERVALS)
        if subset <= 0 or subset >= INTERVALS
        else np.sort(rng.choice(INTERVALS, subset, replace=False))
    )
    idx = idx[calls[idx] > 0]

    def pyworkforce_loop():
        out = np.empty(len(idx), dtype=np.int64)
        for k, i in enumerate(idx):
            erl = ErlangC(transactions=float(calls[i]), aht=AHT_SEC / 60, asa=20 / 60, interval=INTERVAL_MIN)
            out[k] = erl.required_positions(service_level=0.8)["raw_positions"]
        return out

    pw_sec, theirs = _best_of(1, pyworkforce_loop)
    mismatches = int((theirs != ours[idx]).sum())
    pw_per_interval = pw_sec / len(idx)
    pw_total = pw_per_interval * INTERVALS
    ratio = pw_total / ours_sec
    print("== Erlang C sizing, 26,880 intervals (20 queues x 14 days x 96), traffic 0..1,000 E, 80/20")
    print(f"wfm agents_required (vectorised): {ours_sec * 1e3:8.1f} ms  (best of {repeat})")
    scope = "all" if len(idx) >= INTERVALS - 200 else f"a fixed random subset of {len(idx)}"
    print(
        f"pyworkforce ErlangC loop on {scope} intervals: {pw_sec:8.2f} s = {pw_per_interval * 1e6:.0f} us/interval"
        + ("" if scope == "all" else f" -> extrapolated {pw_total:.1f} s for 26,880")
    )
    print(f"identical answers: {len(idx) - mismatches}/{len(idx)} intervals compared")
    print(f"speed-up: {ratio:,.0f}x")
    assert mismatches == 0, f"{mismatches} intervals differ from pyworkforce"
    return ratio


def bench_erlang_a(repeat: int) -> None:
    print("== Erlang A sizing, 1,000 Erlangs, AHT 300 s, 80/20")
    for patience in (300.0, 3600.0, 100_000.0):
        agents_required(1000.0, AHT_SEC, service_level=0.8, answer_sec=20.0, patience_sec=patience)  # warm-up
        sec, n = _best_of(
            repeat,
            lambda p=patience: agents_required(1000.0, AHT_SEC, service_level=0.8, answer_sec=20.0, patience_sec=p),
        )
        print(f"patience {patience:>9,.0f} s: {int(n)} agents, {sec * 1e3:6.1f} ms per interval (best of {repeat})")
    rng = np.random.default_rng(1)
    day = rng.uniform(0.0, 1000.0, 96)
    sec, _ = _best_of(
        repeat, lambda: agents_required(day, AHT_SEC, service_level=0.8, answer_sec=20.0, patience_sec=300.0)
    )
    print(
        f"one day of 96 intervals (0..1,000 E, patience 300 s) at once: {sec * 1e3:6.1f} ms = {sec / 96 * 1e3:.2f} ms/interval"
    )


def bench_requirements(repeat: int) -> None:
    import pandas as pd

    from wfm.staffing import Targets, requirements

    rng = np.random.default_rng(2)
    queues = [f"q{i:02d}" for i in range(20)]
    starts = pd.date_range("2026-03-02", periods=14 * 96, freq="15min")
    forecast = pd.DataFrame(
        {
            "queue": np.repeat(queues, len(starts)),
            "interval_start": np.tile(starts, len(queues)),
            "calls": rng.uniform(0.0, 1000.0 * INTERVAL_MIN * 60 / AHT_SEC, INTERVALS).round(1),
            "aht_sec": AHT_SEC,
        }
    )
    print("== wfm.staffing.requirements on the fortnight (26,880 rows, 0..1,000 E, 80/20, shrinkage 0.3)")
    for label, targets in (
        ("Erlang C", Targets(service_level=0.8, answer_sec=20, shrinkage=0.3)),
        ("Erlang A, patience 300 s", Targets(service_level=0.8, answer_sec=20, shrinkage=0.3, patience_sec=300)),
    ):
        sec, _ = _best_of(max(1, repeat if label == "Erlang C" else 1), lambda t=targets: requirements(forecast, t))
        print(f"{label}: {sec:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats for wfm (best is kept)")
    parser.add_argument("--subset", type=int, default=2000, help="intervals timed for pyworkforce (0 = all 26,880)")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f}; numpy {np.__version__}")
    bench_erlang_c(args.repeat, args.subset)
    bench_erlang_a(args.repeat)
    bench_requirements(args.repeat)


if __name__ == "__main__":
    main()
