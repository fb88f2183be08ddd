"""Issue 16: no false "no legal week" on generated multi-week instances, and the wall clock against its cap.

Each instance comes from ``benchmarks/stranding_instance.py`` (leave blocks across week
boundaries, tight rest and consecutive-day limits, carry-in history, optionally a 2-week
hour-balancing cycle). Per instance it prints weeks, agents, the joint re-plans made over
week boundaries, the agent-weeks re-placed by the assignment, the wall clock against the cap
(model build + 1.5 x the limit, the summary's ``hard_deadline_sec``), the validator's
violations and the outcome:

* ``roster``: published; ``violations`` must be 0 unless agent-weeks were left for the planner;
* ``no-legal``: the engine's claim, checked by the independent per-agent CP-SAT model of
  ``stranding_instance.agent_admits`` for the agent it names (``claim held`` / ``FALSE CLAIM``).

``--load N`` runs N busy-loop processes alongside (a loaded 2-core machine).

Usage::

    python benchmarks/bench_stranding.py --agents 1400 --weeks 1 2 3 4 5 6 --seeds 1 --time-limit 60 --load 2
    python benchmarks/bench_stranding.py --agents 30 --weeks 1 2 3 4 5 6 --seeds 30 --time-limit 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import stranding_instance as si  # noqa: E402

from wfm.exceptions import InfeasibleRosterError  # noqa: E402
from wfm.roster import schedule, validate  # noqa: E402


def _busy() -> None:  # pragma: no cover - a competing load
    x = 0
    while True:
        x = (x * 31 + 7) % 1_000_003


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1400)
    parser.add_argument("--weeks", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--seeds", type=int, default=1, help="instances per week count")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--leave", type=float, default=0.05)
    parser.add_argument("--cycle-every", type=int, default=5, help="every k-th seed has a 2-week cycle (0: none)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load", type=int, default=0, help="busy-loop processes alongside")
    args = parser.parse_args()
    hogs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.load)]
    for h in hogs:
        h.start()
    print("weeks agents seed cycle joint_replans replaced stranded wall_s cap_s violations outcome")
    counts = {"roster": 0, "no-legal held": 0, "FALSE CLAIM": 0, "over cap": 0, "violations": 0}
    try:
        for weeks in args.weeks:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                cycle = bool(args.cycle_every) and seed % args.cycle_every == args.cycle_every - 1 and weeks % 2 == 0
                req, agents, rd = si.instance(weeks, args.agents, seed, leave=args.leave, cycle=cycle)
                rules = si.as_rules(rd)
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        result = schedule(
                            req, agents, rules, time_limit_sec=args.time_limit, seed=0, num_workers=args.workers
                        )
                    except InfeasibleRosterError as exc:
                        wall = time.perf_counter() - t
                        named = str(exc).split(":")[0].removeprefix("agent ")
                        rows = agents[agents["agent_id"] == named]
                        held = not rows.empty and not si.agent_admits(rd, rows.iloc[0], weeks)
                        outcome = "no-legal " + ("claim held" if held else "FALSE CLAIM")
                        counts["no-legal held" if held else "FALSE CLAIM"] += 1
                        print(f"{weeks} {args.agents} {seed} {cycle} - - - {wall:.1f} - - {outcome}", flush=True)
                        continue
                wall = time.perf_counter() - t
                d = result.diagnostics
                violations = len(validate(result.roster, agents, rules))
                cap = float(d["hard_deadline_sec"])
                counts["roster"] += 1
                counts["over cap"] += wall > cap + 5
                counts["violations"] += violations > 0
                print(
                    f"{weeks} {args.agents} {seed} {cycle} {d['joint_replans']} {d['agent_weeks_replaced']} "
                    f"{len(d['stranded_agent_weeks'])} {wall:.1f} {cap:.1f} {violations} roster",
                    flush=True,
                )
    finally:
        for h in hogs:
            h.terminate()
    print("totals:", counts)


if __name__ == "__main__":
    main()
