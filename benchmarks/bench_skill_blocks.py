"""Issue 11: the skill-aware LP per interval or on blocks, with history classes split or merged.

For each instance of ``benchmarks/bench_skills.py`` (1,400 agents, 6 queues, 11 skill groups, one
week) and each ``solver.skill_block_minutes`` given, builds the engine's aggregate model and solves
its LP relaxation as the engine does (``wfm.roster.aggregate.lp_relaxation``: HiGHS interior point,
with crossover unless ``--no-crossover``), each in its own process, one after the other; with
``--history split merged`` each block size also with ``solver.merge_history`` off and on (the
first week's classes split by history, or merged with counting rows: docs/roster.md "History in
the first week"). Prints the model's size, the LP value (a lower bound on every roster: the block
model is a relaxation of the per-interval one, docs/roster.md "Skill rows by block"), its wall
time, and against the first setting of the same run (the baseline): the time ratio and how much
weaker the bound is.

Usage::

    python benchmarks/bench_skill_blocks.py                       # instances A, B, C; blocks 0 and 30
    python benchmarks/bench_skill_blocks.py --instances 0 --blocks 0 30 60 [--breaks] [--no-crossover]
    python benchmarks/bench_skill_blocks.py --blocks 30 --history split merged [--breaks]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def solve_one(k: int, block: int, breaks: bool, crossover: bool, merge: bool) -> dict:
    import dataclasses

    import bench_skills

    from wfm.roster import load_rules
    from wfm.roster.aggregate import SCALE, lp_relaxation
    from wfm.roster.stages import build_problem

    req, agents, _ = bench_skills.skill_instance(k)
    rules = load_rules(ROOT / "examples" / ("rules.toml" if breaks else "rules_no_breaks.toml"))
    solver = dataclasses.replace(rules.solver, skill_block_minutes=block, merge_history=merge)
    rules = dataclasses.replace(rules, solver=solver)
    t0 = time.perf_counter()
    model = build_problem(req, agents, rules, lambda m: None, t0, bench_skills.QueueTargets()).model
    build = time.perf_counter() - t0
    lp = lp_relaxation(model, crossover=crossover)
    return {
        "variables": len(model.cost),
        "rows": model.a_eq.shape[0] + model.a_ub.shape[0],
        "skill_variables": int(model.skill_vars.size),
        "status": lp.status,
        "value": lp.value / SCALE + model.constant,
        "certified": lp.bound / SCALE + model.constant,
        "build_sec": build,
        "lp_sec": lp.wall_sec,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--blocks", type=int, nargs="+", default=[0, 30])
    parser.add_argument("--breaks", action="store_true")
    parser.add_argument("--no-crossover", action="store_true")
    parser.add_argument("--history", nargs="+", choices=["merged", "split"], default=["merged"])
    parser.add_argument("--one", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    crossover = not args.no_crossover
    if args.one:
        print(json.dumps(solve_one(args.one[0], args.one[1], args.breaks, crossover, bool(args.one[2]))))
        return
    print(
        f"skill rows by block: instances {args.instances}, blocks {args.blocks} min, history {args.history}, "
        f"{'with' if args.breaks else 'no'} breaks, crossover {'on' if crossover else 'off'}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for k in args.instances:
        base = None
        settings = [(block, history) for block in args.blocks for history in args.history]
        for block, history in settings:
            cmd = [sys.executable, __file__, "--one", str(k), str(block), str(int(history == "merged"))]
            cmd += (["--breaks"] if args.breaks else []) + ([] if crossover else ["--no-crossover"])
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                print(run.stderr[-2000:])
                print(f"instance {k}, blocks {block}, history {history}: failed with exit code {run.returncode}")
                continue
            r = json.loads(run.stdout.strip().splitlines()[-1])
            base = base or r
            print(
                f"instance {'ABC'[k] if k < 3 else k} blocks {block:>3} min, history {history}: {r['variables']:,} variables, "
                f"{r['rows']:,} rows ({r['skill_variables']:,} skill), LP {r['status']} {r['value']:,.1f} "
                f"(certified {r['certified']:,.1f}) in {r['lp_sec']:.1f} s; vs {settings[0][0]} min {settings[0][1]}: "
                f"time x{r['lp_sec'] / base['lp_sec']:.2f}, bound {(r['value'] - base['value']) / base['value']:+.3%}; "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
