"""Speed of wfm.simulate: the bundled centre's week and generated instances, engines compared.

    python benchmarks/bench_simulate.py [--replications 10] [--instances example,gen-a,gen-b] [--python-reps 1]

Instances:

* ``example``: the bundled example centre's published week (``wfm run`` on the example, run
  once and cached in ``benchmarks/.cache/example-run``): ~400,000 calls, ~1,400 agents,
  six queues, 15-minute intervals, the agents' carried-in night shifts.
* ``gen-a``: generated, 4 queues, ~800 agents, 30-minute intervals, 7 days, breaks,
  lognormal handle times (CV 1.2), patience on two queues (seed 1).
* ``gen-b``: generated, 10 queues, ~2,000 agents, 15-minute intervals, 3 days, gamma handle
  times (CV 0.7), shrinkage 25% (seed 2).

For each: the numba engine in one process (after the one-off compile, reported separately:
numba caches it on disk), the same with a process pool of 2, and the interpreted engine
(the same event loop in pure Python, the baseline) on ``--python-reps`` replications,
scaled to the same count. Ratios are against that baseline measured in the same run.
Bar (issue 11): 10 replications of the example in under 60 s on 2 cores, on every instance.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wfm import erlang  # noqa: E402
from wfm import io as wfm_io  # noqa: E402
from wfm.simulate import simulate  # noqa: E402
from wfm.staffing import Targets, TargetSet, load_targets  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache" / "example-run"


def example_instance() -> dict:
    """The example centre's published week from `wfm run` (cached)."""
    from wfm import pipeline

    folders = sorted(p for p in CACHE.glob("20*") if (p / "roster.csv").is_file()) if CACHE.is_dir() else []
    if not folders:
        print("running `wfm run` on the example once to get its roster (cached in benchmarks/.cache) ...", flush=True)
        pipeline.run(pipeline.example_config(output_dir=CACHE))
        folders = sorted(p for p in CACHE.glob("20*") if (p / "roster.csv").is_file())
    folder = folders[-1]
    agents = wfm_io.read_frame(pipeline.example_dir() / "agents.csv")
    history = wfm_io.read_frame(folder / "agent_history.csv")
    agents = agents.drop(columns=[c for c in history.columns if c != "agent_id" and c in agents.columns])
    agents = agents.merge(history, on="agent_id", how="left")
    return {
        "roster": wfm_io.read_frame(folder / "roster.csv"),
        "breaks": wfm_io.read_frame(folder / "breaks.csv"),
        "agents": agents,
        "volumes": wfm_io.read_frame(folder / "forecast.csv"),
        "targets": load_targets(pipeline.example_dir() / "targets.toml"),
        "options": {},
    }


def generated_instance(
    seed: int,
    n_queues: int,
    days: int,
    minutes: int,
    peak_erlangs: float,
    breaks: bool,
    handle: str,
    cv: float,
    shrinkage: float,
    patience_queues: int,
) -> dict:
    """A synthetic multi-skill centre: daily-profile volumes, Erlang-sized, greedily rostered shifts."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-06-01")
    per_day = 24 * 60 // minutes
    ts = pd.date_range(start, periods=days * per_day, freq=f"{minutes}min")
    hour = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    shape = 0.15 + np.exp(-((hour - 11) ** 2) / 8) + 0.8 * np.exp(-((hour - 16) ** 2) / 10)
    shares = rng.dirichlet(np.ones(n_queues) * 2)
    aht = rng.uniform(150, 480, n_queues)
    queues = [f"q{j}" for j in range(n_queues)]
    rows = []
    need = np.zeros(len(ts))
    for j, q in enumerate(queues):
        erl = peak_erlangs * shares[j] * shape / shape.max() * rng.uniform(0.9, 1.1, len(ts))
        calls = erl * minutes * 60 / aht[j]
        rows.append(pd.DataFrame({"queue": q, "interval_start": ts, "calls": calls, "aht_sec": aht[j]}))
        need += erlang.agents_required(erl, aht[j], service_level=0.8, answer_sec=20) / (1 - shrinkage)
    volumes = pd.concat(rows, ignore_index=True)
    # Skill groups: specialists per queue, pairs, and generalists.
    patterns = [[q] for q in queues] + [[queues[j], queues[(j + 1) % n_queues]] for j in range(n_queues)] + [queues]
    # Greedy 8-hour shifts: start enough agents to cover the need (with a 10% cushion).
    shift_steps = 8 * 60 // minutes
    on = np.zeros(len(ts) + shift_steps)
    starts = []
    for k in range(len(ts)):
        short = int(np.ceil(need[k] * 1.1 - on[k]))
        if short > 0:
            on[k : k + shift_steps] += short
            starts += [k] * short
    ids = [f"A{i:05d}" for i in range(len(starts))]
    skill = [";".join(patterns[int(rng.integers(len(patterns)))]) for _ in ids]
    shift_start = ts[np.array(starts)]
    roster = pd.DataFrame(
        {"agent_id": ids, "shift_start": shift_start, "shift_end": shift_start + pd.Timedelta(hours=8)}
    )
    br = None
    if breaks:
        b0 = roster["shift_start"] + pd.to_timedelta(rng.integers(3, 5, len(roster)) * 60, unit="min")
        br = pd.DataFrame(
            {
                "agent_id": ids,
                "break_start": b0,
                "break_end": b0 + pd.Timedelta(minutes=30),
                "kind": "meal",
                "paid": False,
            }
        )
    targets = TargetSet(
        Targets(service_level=0.8, answer_sec=20, shrinkage=shrinkage),
        {
            q: Targets(service_level=0.8, answer_sec=20, patience_sec=240.0, shrinkage=shrinkage)
            for q in queues[:patience_queues]
        },
    )
    return {
        "roster": roster,
        "breaks": br,
        "agents": pd.DataFrame({"agent_id": ids, "skills": skill}),
        "volumes": volumes,
        "targets": targets,
        "options": {"handle": handle, "handle_cv": cv},
    }


INSTANCES = {
    "example": example_instance,
    "gen-a": lambda: generated_instance(1, 4, 7, 30, 450.0, True, "lognormal", 1.2, 0.3, 2),
    "gen-b": lambda: generated_instance(2, 10, 3, 15, 1100.0, False, "gamma", 0.7, 0.25, 0),
}


def _time(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--instances", default=",".join(INSTANCES))
    parser.add_argument("--python-reps", type=int, default=1, help="replications of the interpreted baseline")
    args = parser.parse_args()
    reps = args.replications
    all_pass = True
    for name in args.instances.split(","):
        inst = INSTANCES[name]()

        def run(replications: int, inst=inst, **kw):
            return simulate(
                inst["roster"],
                inst["agents"],
                inst["volumes"],
                inst["targets"],
                breaks=inst["breaks"],
                replications=replications,
                seed=0,
                **inst["options"],
                **kw,
            )

        first, _ = _time(lambda: run(1))
        serial, res = _time(lambda: run(reps))
        pool, res2 = _time(lambda: run(reps, workers=2))
        py, _ = _time(lambda: run(args.python_reps, engine="python"))
        py_scaled = py / args.python_reps * reps
        same = res.counts.equals(res2.counts)
        calls = res.summary["calls_per_replication"]
        agents = res.summary["agents_rostered"]
        ok = min(serial, pool) < 60.0
        all_pass &= ok
        print(
            f"{name}: {calls:,.0f} calls/replication, {agents:,} agents, {len(res.summary['queues'])} queues, "
            f"{reps} replications"
        )
        print(
            f"  numba, 1 process      {serial:7.2f} s   ({reps * calls / serial / 1e6:.2f} M calls/s)   "
            f"x{py_scaled / serial:,.0f} vs python"
        )
        print(
            f"  numba, pool of 2      {pool:7.2f} s   x{py_scaled / pool:,.0f} vs python   identical to 1 process: {same}"
        )
        print(
            f"  python (interpreted)  {py_scaled:7.1f} s   (measured {py:.1f} s on {args.python_reps} replication(s), "
            "scaled)   baseline"
        )
        print(f"  first call (1 replication, incl. compile or cache load) {first:.2f} s")
        print(f"  bar: {reps} replications < 60 s -> {'PASS' if ok else 'FAIL'}", flush=True)
    print(f"all instances: {'PASS' if all_pass else 'FAIL'}")


if __name__ == "__main__":
    main()
