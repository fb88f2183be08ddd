"""Skill-aware roster benchmark: 1,400-agent weeks with 6 queues and 11 skill groups, with breaks.

Instances (``skill_instance``): the pooled week of ``roster_instance`` split into six queues with
their own intraday shapes (retail, credit cards, phone transactions, complaints, VIP and
deferrable outbound callbacks, done within 4 h), and the agents of ``roster_instance`` given the
example centre's skill mix (specialists, generalists, complaints handlers, VIP seniors, an
outbound team). Three instances differ in seed, load, queue shapes and contract mix.

Per instance, each run in its own process (peak RSS is the process's):

- the skill-aware roster (``wfm.roster.schedule`` with the queue column and the agents' skills):
  validator violations, objective, skill-aware bound, gap, wall time, peak RSS, per-queue
  under-staffing (the roster's ``queue_coverage``);
- the skill-blind baseline in the same run: the pooled requirement, agents without skills
  (today's model), its roster's per-queue shortfall counted by the same cover model
  (``wfm.cover.allocate`` on its heads per skill group).

    python benchmarks/bench_skills.py --time-limit 100          # 3 instances
    python benchmarks/bench_skills.py --instances 0 --no-breaks
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

for p in (str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])):
    if p not in sys.path:
        sys.path.insert(0, p)

import roster_instance as instance  # noqa: E402

QUEUES = ("retail_inquiries", "credit_cards", "phone_transactions", "complaints", "vip", "outbound_callbacks")
DEADLINE_SEC = 4 * 3600.0  # outbound callbacks: done within 4 hours

# The example centre's skill mix (data/example/agents.csv), as shares of the agents.
SKILL_MIX = (
    ("retail_inquiries;credit_cards", 291),
    ("retail_inquiries;credit_cards;phone_transactions", 187),
    ("outbound_callbacks;retail_inquiries:2", 180),
    ("retail_inquiries", 132),
    ("retail_inquiries;credit_cards;complaints", 121),
    ("retail_inquiries;phone_transactions", 110),
    ("vip;credit_cards:2;retail_inquiries:2;complaints:2", 110),
    ("complaints;retail_inquiries:2", 77),
    ("credit_cards", 77),
    ("outbound_callbacks", 60),
    ("phone_transactions", 55),
)

# (seed, load, queue shares, part-time agents converted from full-time, name)
INSTANCES = (
    (7, 0.93, (0.40, 0.22, 0.12, 0.09, 0.07, 0.10), 0, "A: seed 7, load 0.93, 1,100 FT / 300 PT"),
    (11, 0.90, (0.36, 0.25, 0.13, 0.10, 0.06, 0.10), 0, "B: seed 11, load 0.90, more cards and complaints"),
    (23, 0.86, (0.42, 0.20, 0.10, 0.09, 0.08, 0.11), 200, "C: seed 23, load 0.86, 900 FT / 500 PT"),
)


def skill_instance(k: int, weeks: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(requirements with a queue column, agents with skills, description) of instance ``k``."""
    seed, load, shares, to_part_time, name = INSTANCES[k]
    rng = np.random.default_rng(seed + 1000)
    pooled = instance.requirements(weeks, load=load, seed=seed)
    agents = instance.agents(seed=seed, weeks=weeks)
    if to_part_time:
        ft = np.flatnonzero(agents["contract"].to_numpy() == "full_time")
        pick = np.sort(rng.choice(ft, size=to_part_time, replace=False))
        agents.loc[pick, ["contract", "min_hours_week", "max_hours_week", "shift_lengths_h", "night_allowed"]] = [
            "part_time",
            20,
            30,
            "4;5;6",
            False,
        ]
        # fewer contracted hours: the same load of a smaller week
        scale = (agents["max_hours_week"].astype(float).sum()) / (instance.N_FULL_TIME * 40 + instance.N_PART_TIME * 30)
        pooled["agents_scheduled"] = np.round(pooled["agents_scheduled"] * scale).astype(int)
    # Queue shapes: each queue's share moves through the day (VIP and complaints in office
    # hours, callbacks in the afternoon and evening, retail flat), renormalised per interval.
    stamps = pd.to_datetime(pooled["interval_start"])
    hour = (stamps.dt.hour + stamps.dt.minute / 60).to_numpy()
    phase = rng.uniform(-1.0, 1.0, size=len(QUEUES))
    office = np.exp(-(((hour - 12.5 - phase[3]) / 4.0) ** 2))
    evening = np.exp(-(((hour - 17.0 - phase[5]) / 3.5) ** 2))
    weights = np.column_stack(
        [
            np.full(len(hour), shares[0]),
            shares[1] * (0.8 + 0.4 * np.exp(-(((hour - 11 - phase[1]) / 5) ** 2))),
            shares[2] * (0.7 + 0.6 * np.exp(-(((hour - 10 - phase[2]) / 4) ** 2))),
            shares[3] * (0.3 + 1.4 * office),
            shares[4] * (0.4 + 1.2 * office),
            shares[5] * (0.2 + 1.6 * evening),
        ]
    )
    weights /= weights.sum(axis=1, keepdims=True)
    rows = []
    for j, q in enumerate(QUEUES):
        value = pooled["agents_scheduled"].to_numpy(dtype=float) * weights[:, j]
        rows.append(
            pd.DataFrame(
                {
                    "interval_start": stamps,
                    "queue": q,
                    "agents_scheduled": value.round(3),
                    "erlangs": value.round(3),
                    "agents": value.round(3),
                }
            )
        )
    req = pd.concat(rows, ignore_index=True)
    counts = np.array([n for _, n in SKILL_MIX], dtype=float)
    skills = rng.choice([s for s, _ in SKILL_MIX], size=len(agents), p=counts / counts.sum())
    # Part-timers are not VIP seniors (as in the example): give them the generalist set.
    pt = agents["contract"].to_numpy() == "part_time"
    skills = np.where(pt & (skills == SKILL_MIX[6][0]), SKILL_MIX[0][0], skills)
    return req, agents.assign(skills=skills), name


class QueueTargets:
    """Targets per queue: only outbound callbacks carry a deadline (what the roster reads)."""

    def __init__(self) -> None:
        from wfm.staffing import Targets

        self._deadline = Targets(service_level=None, answer_sec=None, deadline_sec=DEADLINE_SEC)
        self._interval = Targets()

    def for_queue(self, queue: str):
        return self._deadline if queue == "outbound_callbacks" else self._interval


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_part(part: str, k: int, time_limit: float, breaks: bool, out: Path) -> dict:
    from wfm.cover import allocate
    from wfm.roster import load_rules, schedule, validate
    from wfm.roster.agents import parse_agents
    from wfm.roster.skill_cover import group_heads
    from wfm.roster.skill_plan import build_skill_plan
    from wfm.roster.tours import build_catalogue, build_grid

    req, agents, _ = skill_instance(k)
    rules = load_rules(instance.ROOT / "examples" / ("rules.toml" if breaks else "rules_no_breaks.toml"))
    targets = QueueTargets()
    t0 = time.perf_counter()

    def progress(m: str) -> None:
        print(f"  [{part} {time.perf_counter() - t0:6.1f} s] {m}", file=sys.stderr)

    if part == "aware":
        result = schedule(
            req, agents, rules, time_limit_sec=time_limit, seed=0, num_workers=2, progress=progress, targets=targets
        )
    else:
        pooled = req.groupby("interval_start", as_index=False)["agents_scheduled"].sum()
        result = schedule(
            pooled,
            agents.drop(columns="skills"),
            rules,
            time_limit_sec=time_limit,
            seed=0,
            num_workers=2,
            progress=progress,
        )
    wall = time.perf_counter() - t0
    rss = _peak_rss_mb()
    violations = validate(result.roster, agents.drop(columns="skills"), rules, breaks=result.breaks)
    # Per-queue shortfall of the roster, counted by the cover model on the same whole-head requirement.
    grid = build_grid(req)
    sk = build_skill_plan(req, agents, grid, targets)
    assert sk is not None
    cat = build_catalogue(grid, parse_agents(agents.drop(columns="skills"), rules), rules, sk)
    heads = group_heads(cat, result.roster, result.breaks)
    cover = allocate(heads, sk.required.astype(float), sk.holds, deadline_steps=list(sk.deadline_steps))
    queue_under = {q: float(cover.under[:, j].sum()) for j, q in enumerate(sk.queues)}
    queue_required = {q: float(sk.required[:, j].sum()) for j, q in enumerate(sk.queues)}
    summary = result.as_dict()
    return {
        "wall_sec": wall,
        "peak_rss_mb": rss,
        "violations": int(len(violations)),
        "objective": summary["objective"],
        "lower_bound": summary["lower_bound"],
        "lower_bound_kind": summary["lower_bound_kind"],
        "gap": summary["gap"],
        "pooled_under": summary["under_agent_intervals"],
        "queue_under": queue_under,
        "queue_required": queue_required,
        "queue_floor": summary.get("queue_floor", {}),
        "skill_aware": summary.get("skill_aware"),
        "aggregate_variables": summary.get("aggregate_variables"),
        "aggregate_rows": summary.get("aggregate_rows"),
        "plan_used": summary.get("plan_used"),
        "aggregate_status": summary.get("aggregate_status"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=100.0)
    parser.add_argument("--instances", type=int, nargs="*", default=list(range(len(INSTANCES))))
    parser.add_argument("--no-breaks", action="store_true")
    parser.add_argument("--skip-blind", action="store_true")
    parser.add_argument("--part", choices=["aware", "blind"], help=argparse.SUPPRESS)
    parser.add_argument("--instance", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print(json.dumps(run_part(args.part, args.instance, args.time_limit, not args.no_breaks, args.out)))
        return
    print(
        f"skill benchmark: 1 week, 1,400 agents, 6 queues, 11 skill groups, "
        f"{'no breaks' if args.no_breaks else 'with breaks'}, time limit {args.time_limit:g} s, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for k in args.instances:
            name = INSTANCES[k][4]
            figures = {}
            for part in ("aware",) + (() if args.skip_blind else ("blind",)):
                cmd = [
                    sys.executable,
                    __file__,
                    "--part",
                    part,
                    "--instance",
                    str(k),
                    "--time-limit",
                    str(args.time_limit),
                    "--out",
                    str(Path(tmp) / f"{part}{k}.pkl"),
                ]
                if args.no_breaks:
                    cmd.append("--no-breaks")
                run = subprocess.run(cmd, capture_output=True, text=True)
                if run.returncode != 0:
                    print(run.stderr[-3000:])
                    print(f"instance {name}: {part} run failed with exit code {run.returncode}")
                    failed = True
                    continue
                figures[part] = json.loads(run.stdout.strip().splitlines()[-1])
            if "aware" not in figures:
                continue
            a = figures["aware"]
            print(f"\n== instance {name} ==")
            print(
                f"skill-aware model: {a['aggregate_variables']:,} variables, {a['aggregate_rows']:,} rows; "
                f"plan {a['plan_used']} ({a['aggregate_status']})"
            )
            ok_gap = a["gap"] is not None and a["gap"] <= 0.02
            ok_time = a["wall_sec"] < 120
            ok_mem = a["peak_rss_mb"] < 4096
            print(
                f"validator violations {a['violations']} (bar 0)   objective {a['objective']:,.1f}   "
                f"skill-aware bound {a['lower_bound']:,.1f} ({a['lower_bound_kind']})   gap {a['gap']:.3%} "
                f"(bar <= 2%: {'ok' if ok_gap else 'MISSED'})"
            )
            print(
                f"wall {a['wall_sec']:.1f} s (bar < 120 s: {'ok' if ok_time else 'MISSED'})   peak RSS "
                f"{a['peak_rss_mb']:,.0f} MB (bar < 4 GB: {'ok' if ok_mem else 'MISSED'})"
            )
            b = figures.get("blind")
            # floor: what every roster leaves the queue short (block sums; wfm.roster.skill_floor)
            print(f"{'queue':<20} {'required':>10} {'floor':>8} {'under (aware)':>14} {'under (blind)':>14}")
            for q in QUEUES:
                floor = a.get("queue_floor", {}).get(q)
                print(
                    f"{q:<20} {a['queue_required'][q]:>10,.0f} {'-' if floor is None else f'{floor:,}':>8} "
                    f"{a['queue_under'][q]:>14,.1f} {(b['queue_under'][q] if b else float('nan')):>14,.1f}"
                )
            tot_a = sum(a["queue_under"].values())
            if b:
                tot_b = sum(b["queue_under"].values())
                print(
                    f"{'all queues':<20} {sum(a['queue_required'].values()):>10,.0f} {tot_a:>14,.1f} {tot_b:>14,.1f}"
                    f"   (aware / blind = {tot_a / tot_b if tot_b else float('nan'):.3f}; blind: objective "
                    f"{b['objective']:,.1f}, {b['wall_sec']:.1f} s, {b['violations']} violations)"
                )
            failed |= not (a["violations"] == 0 and ok_gap and ok_time and ok_mem)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
