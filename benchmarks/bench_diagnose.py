"""Time the shortfall diagnosis on the benchmark week (issue 4's instance, no breaks).

Builds the instance of ``roster_instance.py`` (1,400 agents, 15-minute intervals, on-shift
scaling, ``examples/rules_no_breaks.toml``), schedules it, then runs
:func:`wfm.roster.diagnose.diagnose_shortfall` on the roster and prints the findings, which
checks ran and how long each stage took.

Usage::

    python benchmarks/bench_diagnose.py [--time-limit 60] [--diagnose-time-limit 180] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import roster_instance as instance  # noqa: E402

from wfm.io import write_frame, write_text  # noqa: E402
from wfm.roster import load_rules, schedule  # noqa: E402
from wfm.roster.diagnose import diagnose_shortfall  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="schedule's time limit (s)")
    parser.add_argument("--diagnose-time-limit", type=float, default=180.0, help="diagnosis budget (s)")
    parser.add_argument("--max-periods", type=int, default=6)
    parser.add_argument("--out", type=Path, help="write diagnosis.csv, checks.csv and diagnosis.md here")
    args = parser.parse_args()
    rules = load_rules(ROOT / "examples" / "rules_no_breaks.toml")
    req = instance.requirements(1, on_phone=False)
    agents = instance.agents(weeks=1)
    t0 = time.perf_counter()
    result = schedule(req, agents, rules, time_limit_sec=args.time_limit, seed=0, num_workers=2)
    schedule_sec = time.perf_counter() - t0
    print(
        f"schedule: {schedule_sec:.1f} s, under {result.summary.under_agent_intervals} agent-intervals, "
        f"gap {result.summary.gap:.4%}",
        flush=True,
    )
    t1 = time.perf_counter()
    diag = diagnose_shortfall(
        req,
        agents,
        rules,
        result,
        time_limit_sec=args.diagnose_time_limit,
        max_periods=args.max_periods,
        progress=lambda m: print(m, flush=True),
    )
    print(f"diagnose: {time.perf_counter() - t1:.1f} s wall")
    print(diag.to_text())
    if args.out:
        write_frame(diag.periods, args.out / "diagnosis.csv")
        write_frame(diag.checks, args.out / "checks.csv")
        write_text(diag.to_markdown(), args.out / "diagnosis.md")


if __name__ == "__main__":
    main()
