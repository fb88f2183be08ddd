"""Preferences and fairness benchmark on the reference instance (1,400 agents, 1,700 seats).

Runs ``wfm.roster.schedule`` on the instance of ``roster_instance.py`` with the agents' generated
wishes (``roster_instance.add_wishes``, seeded) and the rules' fairness pass switched on, and
prints: the objective split (coverage vs preferences), the bound and gap, wishes asked and
granted, the fairness spread of each metric before and after the coverage-neutral pass (and
the final distribution per contract), validator violations, wall time and machine load.
``--baseline`` first runs the same instance without wishes and without fairness, so the
coverage objective paid for the wishes can be read off.

Usage::

    python benchmarks/bench_fairness.py [--weeks 1] [--time-limit 100] [--objective spread] [--baseline]
        [--no-breaks] [--no-wishes] [--no-fairness] [--rules examples/rules_cycle.toml]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
for p in (str(ROOT), str(ROOT / "benchmarks")):
    if p not in sys.path:
        sys.path.insert(0, p)

import roster_instance as instance  # noqa: E402

from wfm.roster import load_rules, parse_agents, schedule, validate  # noqa: E402
from wfm.roster.preferences import granted_counts  # noqa: E402
from wfm.roster.fairness import FAIRNESS_METRICS, FairnessSettings  # noqa: E402


def _run(label: str, req: pd.DataFrame, agents: pd.DataFrame, rules, args: argparse.Namespace) -> dict:
    print(f"\n== {label} ==  (load average {os.getloadavg()[0]:.1f})", flush=True)
    t0 = time.perf_counter()
    result = schedule(
        req,
        agents,
        rules,
        time_limit_sec=args.time_limit,
        seed=args.seed,
        num_workers=2,
        progress=lambda m: print(f"  [{time.perf_counter() - t0:6.1f} s] {m}", file=sys.stderr, flush=True),
    )
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    violations = validate(
        result.roster, agents, rules, horizon_start=instance.START, horizon_days=7 * args.weeks, breaks=result.breaks
    )
    s = result.as_dict()
    print(
        f"objective {s['objective']:,.1f} = coverage {s['coverage_objective']:,.1f} + preferences "
        f"{s['preference_objective']:,.1f}; lower bound {s['lower_bound']:,.1f}, gap {s['gap']:.3%} "
        f"(coverage part alone {s['coverage_gap']:.3%})"
    )
    print(
        f"under {s['under_agent_intervals']:,}, over {s['over_agent_intervals']:,} agent-intervals, "
        f"paid hours {s['paid_hours']:,.0f}, plan used {s['plan_used']}"
    )
    if s["preferences_asked"]:
        print(
            f"preferences granted {s['preferences_granted']:,} of {s['preferences_asked']:,} "
            f"({s['preferences_granted_share']:.1%}) from {s['agents_with_preferences']} agents: "
            + ", ".join(
                f"{k.replace('_', ' ')} {s[f'preferences_{k}_granted']:,}/{s[f'preferences_{k}_asked']:,}"
                for k in ("days_off", "start_window", "shift_type")
            )
            + f"; coverage-neutral wish swaps {s.get('preference_swaps', '-')}"
        )
    if s.get("fairness_enabled"):
        print(
            f"fairness pass ({s['fairness_objective']}): {s['fairness_moves']:,} agent-weeks swapped in "
            f"{s['fairness_sweeps']} sweeps, {s['fairness_sec']} s; weighted cost {s['fairness_cost_before']:,.0f} "
            f"-> {s['fairness_cost_after']:,.0f}"
        )
        for m in FAIRNESS_METRICS:
            print(
                f"  {m}: worst contract's spread {s[f'fairness_{m}_spread_before_pass']:g} before the pass -> "
                f"{s[f'fairness_{m}_spread']:g} in the final roster (least possible "
                f"{s[f'fairness_{m}_least_spread']:g})"
            )
    print(result.fairness.to_string(index=False))
    print(f"validator (shifts and breaks): {len(violations)} violation(s) ({time.perf_counter() - t1:.1f} s)")
    if not violations.empty:
        print(violations["rule"].value_counts().to_string())
    print(
        f"wall {wall:.1f} s (model building included), peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB",
        flush=True,
    )
    return {"summary": s, "wall": wall, "violations": len(violations), "roster": result.roster}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--objective", choices=["spread", "max"], default="spread")
    parser.add_argument("--baseline", action="store_true", help="first run without wishes and without fairness")
    parser.add_argument("--no-breaks", action="store_true", help="rules without breaks, on-shift scaling")
    parser.add_argument("--no-wishes", action="store_true")
    parser.add_argument("--no-fairness", action="store_true")
    parser.add_argument(
        "--rules",
        type=Path,
        help="another rules file (e.g. examples/rules_cycle.toml for hour "
        "balancing over a 4-week cycle); the requirement is scaled on-phone when it has breaks",
    )
    args = parser.parse_args()
    rules_path = args.rules or instance.ROOT / "examples" / ("rules_no_breaks.toml" if args.no_breaks else "rules.toml")
    base_rules = load_rules(rules_path)
    has_breaks = any(t.breaks for c in base_rules.contracts.values() for t in c.shifts)
    req = instance.requirements(args.weeks, on_phone=has_breaks)
    if any(c.avg_hours_week is not None for c in base_rules.contracts.values()):
        # Hour balancing: each week within the contract's bounds, the cycle at its average (as
        # bench_roster.py --rules): the instance's fixed per-agent weekly hours are dropped.
        plain = instance.agents
        instance.agents = lambda *a, **k: plain(*a, **k).drop(columns=["min_hours_week", "max_hours_week"])
    print(
        f"preferences and fairness benchmark: {args.weeks} week(s), 1,400 agents, time limit "
        f"{args.time_limit:g} s, rules {rules_path.name}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    runs = {}
    wished_agents = parse_agents(instance.agents(weeks=args.weeks, wishes=True), base_rules)
    if args.baseline:
        runs["baseline"] = _run(
            "baseline: no wishes, no fairness pass", req, instance.agents(weeks=args.weeks), base_rules, args
        )
        chance = granted_counts(runs["baseline"]["roster"], wished_agents, instance.START, 7 * args.weeks)
        print(
            f"the same wishes held against the baseline roster (granted by chance): "
            f"{chance['preferences_granted'].sum():,} of {chance['preferences_asked'].sum():,} "
            f"({chance['preferences_granted'].sum() / chance['preferences_asked'].sum():.1%}): days off "
            f"{chance['days_off_granted'].sum():,}/{chance['days_off_asked'].sum():,}, start window "
            f"{chance['start_window_granted'].sum():,}/{chance['start_window_asked'].sum():,}, shift type "
            f"{chance['shift_type_granted'].sum():,}/{chance['shift_type_asked'].sum():,}"
        )
    rules = dataclasses.replace(
        base_rules, fairness=FairnessSettings(enabled=not args.no_fairness, objective=args.objective)
    )
    agents = instance.agents(weeks=args.weeks, wishes=not args.no_wishes)
    label = (
        " + ".join(x for x in ("wishes" if not args.no_wishes else "", "fairness" if not args.no_fairness else "") if x)
        or "neither"
    )
    runs["with"] = _run(f"with {label}", req, agents, rules, args)
    if args.baseline:
        a, b = runs["baseline"]["summary"], runs["with"]["summary"]
        paid = b["coverage_objective"] - a["coverage_objective"]
        print(
            f"\ncoverage objective paid for wishes and fairness: {paid:+,.1f}"
            f" ({paid / a['coverage_objective']:+.3%}); fairness "
            "spreads without the pass (baseline) -> with: "
            + ", ".join(f"{m} {a[f'fairness_{m}_spread']:g} -> {b[f'fairness_{m}_spread']:g}" for m in FAIRNESS_METRICS)
        )


if __name__ == "__main__":
    main()
