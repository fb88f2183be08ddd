"""Roster benchmark: wfm.roster.schedule vs pyworkforce 0.5.1 MinHoursRoster on the reference instance.

Each solver runs in its own subprocess (so each peak RSS is its own); the parent checks both
rosters with the independent validator and scores both with the same objective.

Usage::

    python benchmarks/bench_roster.py [--weeks 1] [--time-limit 60] [--skip-pyworkforce] [--repeat 2]
                                      [--no-breaks | --rules examples/rules_cycle.toml]

``--repeat 2`` runs our engine twice to check the roster is identical (determinism).
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

ROOT = Path(__file__).resolve().parents[1]
for p in (str(ROOT), str(ROOT / "benchmarks")):
    if p not in sys.path:
        sys.path.insert(0, p)

import roster_instance as instance  # noqa: E402

from wfm.roster import load_rules, validate  # noqa: E402


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(weeks: int, time_limit: float, seed: int, out: Path) -> dict:
    from wfm.roster import schedule
    from wfm.roster.agents import parse_agents
    from wfm.roster.aggregate import build_aggregate, lp_bound
    from wfm.roster.tours import build_catalogue, build_grid

    req = instance.requirements(weeks)
    agents = instance.agents(weeks=weeks)
    t0 = time.perf_counter()
    rules = load_rules(instance.RULES_PATH)
    result = schedule(
        req,
        agents,
        rules,
        time_limit_sec=time_limit,
        seed=seed,
        num_workers=2,
        progress=lambda m: print(f"  [ours {time.perf_counter() - t0:6.1f} s] {m}", file=sys.stderr),
    )
    wall = time.perf_counter() - t0
    rss = _peak_rss_mb()
    result.roster.to_pickle(out)
    result.breaks.to_pickle(out.with_suffix(".breaks.pkl"))
    # Least under-staffing the aggregate model can reach (its LP relaxation: a lower bound on it).
    cat = build_catalogue(build_grid(req), parse_agents(agents, rules), rules)
    model = build_aggregate(cat)
    only_under = np.zeros_like(model.cost)
    only_under[model.under_var.ravel()] = 1
    least_under, _ = lp_bound(model, objective=only_under)
    return {"wall_sec": wall, "peak_rss_mb": rss, "summary": result.as_dict(), "least_under_lp": least_under}


PW_FT_STARTS = [0, 3, 6, 9, 12, 15, 18, 21]
PW_PT_STARTS = [6, 10, 14, 18]


def _pw_shift_types(rules) -> list[tuple[str, int, int, int]]:
    """(name, start hour, length h, paid h) of pyworkforce's fixed shift types."""
    ft = rules.contracts["full_time"].shifts[0]
    types = [(f"F{h:02d}", h, ft.length_minutes // 60, ft.paid_minutes // 60) for h in PW_FT_STARTS]
    types += [(f"P{h:02d}", h, 5, 5) for h in PW_PT_STARTS]
    return types


def _shift_demand(req: pd.DataFrame, types, n_ft: int, n_pt: int, days: int) -> dict[str, list[int]]:
    """pyworkforce needs heads per (shift type, day), not per interval: an LP covering the interval
    requirement with its shift types (same under/over weights, at most 5/7 of each contract per day),
    rounded down so the demand stays feasible."""
    from scipy.optimize import linprog

    step = 15
    per_day = 1440 // step
    n_int = days * per_day
    required = req["agents_scheduled"].to_numpy(float)
    n_x = len(types) * days
    cols_x = []
    a_eq_rows, a_eq_cols = [], []
    for d in range(days):
        for k, (_, start_h, length_h, _) in enumerate(types):
            j = d * len(types) + k
            first = d * per_day + start_h * 60 // step
            for i in range(first, min(first + length_h * 60 // step, n_int)):
                a_eq_rows.append(i)
                a_eq_cols.append(j)
            cols_x.append(j)
    import scipy.sparse as sp

    cover = sp.csr_matrix((np.ones(len(a_eq_rows)), (a_eq_rows, a_eq_cols)), shape=(n_int, n_x))
    a_eq = sp.hstack([cover, sp.eye(n_int), -sp.eye(n_int)]).tocsr()
    cost = np.concatenate([np.zeros(n_x), np.full(n_int, 100.0), np.full(n_int, 10.0)])
    cap_rows, cap_cols, cap_rhs = [], [], []
    for d in range(days):
        for group, limit in (("F", n_ft * 5 // 7), ("P", n_pt * 5 // 7)):
            r = len(cap_rhs)
            for k, t in enumerate(types):
                if t[0].startswith(group):
                    cap_rows.append(r)
                    cap_cols.append(d * len(types) + k)
            cap_rhs.append(limit)
    a_ub = sp.csr_matrix((np.ones(len(cap_rows)), (cap_rows, cap_cols)), shape=(len(cap_rhs), n_x + 2 * n_int))
    res = linprog(cost, A_ub=a_ub, b_ub=cap_rhs, A_eq=a_eq, b_eq=required, bounds=(0, None), method="highs")
    x = np.floor(res.x[:n_x] + 1e-6).astype(int)
    return {t[0]: [int(x[d * len(types) + k]) for d in range(days)] for k, t in enumerate(types)}


def run_pyworkforce(weeks: int, time_limit: float, out: Path) -> dict:
    from pyworkforce.rostering.binary_programming import MinHoursRoster

    rules = load_rules(instance.RULES_PATH)
    req = instance.requirements(weeks)
    agents = instance.agents(weeks=weeks)
    days = 7 * weeks
    t0 = time.perf_counter()
    types = _pw_shift_types(rules)
    names = [t[0] for t in types]
    ft = agents["contract"] == "full_time"
    demand = _shift_demand(req, types, int(ft.sum()), int((~ft).sum()), days)
    banned = []
    night_types = [t[0] for t in types if rules.is_night(t[1] * 60, t[2] * 60)]
    for _, a in agents.iterrows():
        own = "F" if a["contract"] == "full_time" else "P"
        bad = [n for n in names if not n.startswith(own)]
        if not a["night_allowed"]:
            bad += [n for n in night_types if n.startswith(own)]
        off = {(pd.Timestamp(x) - instance.START).days for x in str(a["unavailable_dates"] or "").split(";") if x}
        for d in range(days):
            for n in names if d in off else bad:
                banned.append({"resource": a["agent_id"], "shift": n, "day": d})
    # Rest could in principle be written as forbidden successions of its fixed shift types
    # (non_sequential_shifts), but its constraint sums x[d][s] once per forbidden successor
    # (binary_programming.py: sum_j x[d][s]*idx[s][j] + x[d+1][j] <= 1), so any shift type
    # with two or more forbidden successors can never be worked: with the 11 h rule the
    # model is INFEASIBLE. So no rest rule is given to it; the validator counts the damage.
    non_sequential = None
    solver = MinHoursRoster(
        num_days=days,
        resources=agents["agent_id"].tolist(),
        shifts=names,
        shifts_hours=[t[3] for t in types],
        min_working_hours=25 * weeks,
        banned_shifts=banned,
        max_resting=2 * weeks,
        required_resources=demand,
        non_sequential_shifts=non_sequential,
        max_search_time=time_limit,
        num_search_workers=2,
    )
    solution = solver.solve()
    wall = time.perf_counter() - t0
    rss = _peak_rss_mb()
    by_name = {t[0]: t for t in types}
    rows = []
    if solution["status"] in ("OPTIMAL", "FEASIBLE"):
        for s in solution["resource_shifts"]:
            _, start_h, length_h, _ = by_name[s["shift"]]
            day = instance.START + pd.Timedelta(days=int(s["day"]))
            start = day + pd.Timedelta(hours=start_h)
            rows.append((s["resource"], day, start, start + pd.Timedelta(hours=length_h)))
    pd.DataFrame(rows, columns=["agent_id", "date", "shift_start", "shift_end"]).to_pickle(out)
    return {
        "wall_sec": wall,
        "peak_rss_mb": rss,
        "status": solution["status"],
        "shifted_hours": solution["shifted_hours"],
        "banned_entries": len(banned),
    }


def score(roster: pd.DataFrame, weeks: int, breaks: pd.DataFrame | None = None) -> dict:
    """Under/over-staffing and objective of any roster, recounted from its shifts and breaks.

    An agent counts in an interval when on shift for all of it and on no break during any of it.
    """
    rules = load_rules(instance.RULES_PATH)
    req = instance.requirements(weeks)
    agents = instance.agents(weeks=weeks)
    t = req["interval_start"].to_numpy()
    step = np.timedelta64(15, "m")
    heads = np.zeros(len(t), dtype=np.int64)
    for s, e in zip(roster["shift_start"].to_numpy(), roster["shift_end"].to_numpy()):
        heads += (t >= s) & (t + step <= e)
    if breaks is not None:
        for s, e in zip(breaks["break_start"].to_numpy(), breaks["break_end"].to_numpy()):
            heads -= (t < e) & (t + step > s)
    for end in pd.to_datetime(agents["prev_shift_end"]).to_numpy():
        heads += t < end
    required = req["agents_scheduled"].to_numpy()
    under = np.maximum(required - heads, 0)
    over = np.maximum(heads - required, 0)
    hours = ((roster["shift_end"] - roster["shift_start"]) / pd.Timedelta(hours=1)).to_numpy()
    paid = (
        roster["paid_hours"].sum() if "paid_hours" in roster.columns else np.where(hours >= 9, hours - 1, hours).sum()
    )
    objective = (
        sum(rules.objective.under_penalty(u) for u in under)
        + rules.objective.over_weight * over.sum()
        + rules.objective.paid_hour_weight * paid
    )
    within = np.where(required > 0, np.abs(heads - required) <= 0.1 * required, heads == 0)
    return {
        "objective": float(objective),
        "under": int(under.sum()),
        "over": int(over.sum()),
        "required": int(required.sum()),
        "within_10pct": float(within.mean()),
        "peak_heads": int(heads.max()),
        "paid_hours": float(paid),
    }


def _child(part: str, args: argparse.Namespace, out: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--part",
        part,
        "--weeks",
        str(args.weeks),
        "--time-limit",
        str(args.time_limit),
        "--seed",
        str(args.seed),
        "--out",
        str(out),
    ]
    if args.no_breaks:
        cmd.append("--no-breaks")
    if args.rules:
        cmd += ["--rules", str(args.rules)]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    sys.stderr.write(proc.stderr)
    if proc.returncode:
        raise SystemExit(f"{part} run failed with exit code {proc.returncode} (its stderr is above)")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-pyworkforce", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--no-breaks",
        action="store_true",
        help="rules without breaks (examples/rules_no_breaks.toml) and on-shift scaling: issue 4's instance",
    )
    parser.add_argument(
        "--rules",
        type=Path,
        help="another rules file (e.g. examples/rules_cycle.toml); without breaks in it the "
        "requirement is scaled to on-shift hours, and with cycle hour balancing the agents "
        "take the contract's weekly bounds",
    )
    parser.add_argument("--part", choices=["ours", "pyworkforce"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.no_breaks:
        # Issue 4's instance: no breaks, requirement scaled to on-shift hours.
        import functools

        instance.RULES_PATH = instance.ROOT / "examples" / "rules_no_breaks.toml"
        instance.requirements = functools.partial(instance.requirements, on_phone=False)
    if args.rules:
        import functools

        instance.RULES_PATH = args.rules.resolve()
        custom = load_rules(instance.RULES_PATH)
        if not any(t.breaks for c in custom.contracts.values() for t in c.shifts):
            instance.requirements = functools.partial(instance.requirements, on_phone=False)
        if any(c.avg_hours_week is not None for c in custom.contracts.values()):
            # Hour balancing: each week within the contract's bounds, the cycle at its average.
            plain = instance.agents
            instance.agents = lambda *a, **k: plain(*a, **k).drop(columns=["min_hours_week", "max_hours_week"])
    if args.part == "ours":
        print(json.dumps(run_ours(args.weeks, args.time_limit, args.seed, args.out), default=str))
        return
    if args.part == "pyworkforce":
        print(json.dumps(run_pyworkforce(args.weeks, args.time_limit, args.out), default=str))
        return

    print(
        f"roster benchmark: {args.weeks} week(s), 1,400 agents, time limit {args.time_limit:g} s, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    rules = load_rules(instance.RULES_PATH)
    agents = instance.agents(weeks=args.weeks)
    tmp = Path(tempfile.mkdtemp(prefix="bench_roster_"))
    ours_runs = []
    for r in range(args.repeat):
        ours_runs.append(_child("ours", args, tmp / f"ours{r}.pkl"))
    ours = ours_runs[0]
    roster = pd.read_pickle(tmp / "ours0.pkl")
    t0 = time.perf_counter()
    breaks = pd.read_pickle(tmp / "ours0.breaks.pkl")
    violations = validate(
        roster, agents, rules, horizon_start=instance.START, horizon_days=7 * args.weeks, breaks=breaks
    )
    s = ours["summary"]
    mine = score(roster, args.weeks, breaks)
    required = mine["required"]
    print("\n== wfm.roster.schedule ==")
    print(f"status {s['status']} (aggregate {s['aggregate_status']}, plan used: {s['plan_used']})")
    print(f"objective {s['objective']:,.1f}   recounted {mine['objective']:,.1f}")
    kind = s.get("lower_bound_kind", "lp")
    if s["aggregate_status"] in ("DIVE", "DIVE_STOPPED", "LP_ROUNDED"):
        plan = f"plan {s['aggregate_status']} objective {s['aggregate_objective']:,.1f}"
    else:
        plan = (
            f"CP-SAT aggregate objective {s['aggregate_objective']:,.1f}, bound {s['aggregate_bound']:,.1f}"
            f"{' of the LP-support-restricted model' if s['aggregate_restricted'] else ''}"
        )
    print(
        f"lower bound over every legal roster {s['lower_bound']:,.1f} ({kind}, {s.get('legal_bound_rounds', 0)} rounds, "
        f"{s.get('legal_bound_sec', 0):.1f} s)   gap {s['gap']:.3%}  (target <= 3% with breaks)"
    )
    print(
        f"catalogue bound {s.get('catalogue_bound', s['lower_bound']):,.1f} ({s.get('catalogue_bound_kind', kind)}; "
        f"LP relaxation of the aggregate model {s['lp_bound']:,.1f}; {plan})   catalogue gap "
        f"{s.get('catalogue_gap', s['gap']):.3%}"
    )
    excess = (s["under_agent_intervals"] - ours["least_under_lp"]) / required
    print(
        f"under-staffing {s['under_agent_intervals']:,} agent-intervals = {s['under_share']:.3%} of {required:,} "
        f"required; least reachable (aggregate LP) {ours['least_under_lp']:,.1f}; excess {excess:.3%} of required "
        "(target <= 1%)"
    )
    print(
        f"over-staffing {s['over_agent_intervals']:,}; within +/-10%: {s['within_10pct_share']:.1%} of intervals; "
        f"peak seats {s['peak_seats_used']} / {s['seats']}; paid hours {s['paid_hours']:,.0f}"
    )
    print(
        f"breaks: {len(breaks):,} ({breaks['kind'].value_counts().to_dict()}), "
        f"{s.get('on_break_agent_intervals', 0):,} agent-intervals on break, {s.get('break_moves', 0):,} improving moves in "
        f"{s.get('break_passes', 0)} pass(es), {s.get('break_sec', 0)} s"
    )
    print(
        f"validator (shifts and breaks): {len(violations)} violation(s) (checked in {time.perf_counter() - t0:.1f} s)"
    )
    print(
        f"wall {ours['wall_sec']:.1f} s (model building included; target < 120 s), "
        f"peak RSS {ours['peak_rss_mb']:,.0f} MB (target < 4,096 MB)"
    )
    print(
        f"timings: build {s['build_sec']} s, aggregate CP-SAT {s['aggregate_sec']} s, repair passes "
        f"{s['repair_passes']}, agent-weeks re-placed {s['agent_weeks_replaced']}"
    )
    if args.repeat > 1:
        same = all(
            pd.read_pickle(tmp / f"ours{r}.pkl").equals(roster)
            and pd.read_pickle(tmp / f"ours{r}.breaks.pkl").equals(breaks)
            for r in range(1, args.repeat)
        )
        print(
            f"determinism: {args.repeat} runs with seed {args.seed} give {'the same' if same else 'DIFFERENT'} roster "
            f"(objectives {[r['summary']['objective'] for r in ours_runs]})"
        )
    if not violations.empty:
        print(violations["rule"].value_counts().to_string())
    if any(c.avg_hours_week is not None for c in rules.contracts.values()) and len(roster):
        weekly = roster.assign(week=(roster["date"] - instance.START).dt.days // 7).pivot_table(
            index="agent_id", columns="week", values="paid_hours", aggfunc="sum", fill_value=0
        )
        ft = weekly.index.str.startswith("FT")
        print(
            f"cycle: full-time weekly paid hours {weekly[ft].stack().value_counts().sort_index().to_dict()}; "
            f"cycle totals {weekly[ft].sum(axis=1).value_counts().sort_index().to_dict()}; part-time cycle "
            f"totals {weekly[~ft].sum(axis=1).describe()[['min', 'mean', 'max']].round(1).to_dict()}"
        )

    if not args.skip_pyworkforce:
        pw = _child("pyworkforce", args, tmp / "pw.pkl")
        pw_roster = pd.read_pickle(tmp / "pw.pkl")
        print("\n== pyworkforce 0.5.1 MinHoursRoster (same instance, same run) ==")
        print(
            f"status {pw['status']}, wall {pw['wall_sec']:.1f} s, peak RSS {pw['peak_rss_mb']:,.0f} MB, "
            f"{len(pw_roster):,} shifts, {pw['banned_entries']:,} banned (agent, shift, day) entries"
        )
        if len(pw_roster):
            theirs = score(pw_roster, args.weeks)
            pw_viol = validate(pw_roster, agents, rules, horizon_start=instance.START, horizon_days=7 * args.weeks)
            print(
                f"objective {theirs['objective']:,.1f} ({theirs['objective'] / s['lower_bound'] - 1:+.1%} vs our "
                f"lower bound); under {theirs['under']:,} ({theirs['under'] / required:.2%}), over "
                f"{theirs['over']:,}, within +/-10% {theirs['within_10pct']:.1%}, paid hours "
                f"{theirs['paid_hours']:,.0f}, peak heads {theirs['peak_heads']}"
            )
            print(f"validator: {len(pw_viol)} violation(s)")
            if not pw_viol.empty:
                print(pw_viol["rule"].value_counts().to_string())


if __name__ == "__main__":
    main()
