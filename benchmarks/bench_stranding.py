"""Issue 16: no false "no legal roster / week" on generated multi-week instances.

Each instance comes from ``benchmarks/stranding_instance.py`` (1-6 weeks, leave blocks across
week boundaries, tight rest and consecutive-day limits, a carry-in history for every agent,
optionally a 2-week hour-balancing cycle, four requirement shapes). Every instance is checked
independently of the engine:

* the per-agent CP-SAT model ``stranding_instance.agent_admits`` (written from the rules'
  plain values, not the engine's catalogue, tours or masks) decides for every agent whether
  its rules and history admit a legal roster; seats are above the head count, so the instance
  has a legal roster exactly when every agent admits one;
* the validator (``wfm.roster.validate``) checks every published roster.

Outcomes (column ``outcome``):

* ``ok``: feasible, published, 0 violations, no agent-week left for the planner;
* ``stranded``: feasible, published, but some agent-week left empty for the planner (exit 1);
* ``claim-held``: infeasible, and the engine's "no legal" names an agent the model finds impossible;
* ``FALSE-CLAIM``: the engine said "no legal" for an agent the model finds a roster for;
* ``VIOLATIONS``: a published roster the validator rejects;
* ``MISSED``: the model finds no roster, the engine published one without violations (a
  disagreement between the model and the validator: either is wrong);
* ``SOLVER-ERROR``: the clock cut a stage before anything could be published (exit 3, no claim).

Two suites:

* ``--suite N``: N small instances (5-18 agents, weeks 1 + i % 6, leave share, shape, cycle and
  rule values drawn per instance from seed ``10_000 + i``); ``--jobs 2`` runs two at a time;
  ``--list PATH`` writes the compact instance list (markdown) for the closing note;
* ``--agents 1400 --weeks 1 2 3 4 5 6``: one instance per horizon at the 1,400-agent size; with
  ``--drop-impossible`` (default at 200+ agents) the agents the model finds impossible are
  removed first, so the engine must publish a roster.

The per-instance line shows the joint re-plans (``joint``: CP-SAT re-plans over week
boundaries), the agent-weeks the assignment re-placed (``replaced``), the stranded weeks, the
stages the clock cut, the wall clock and the hard deadline (``cap``). Totals at the end.

Usage::

    python benchmarks/bench_stranding.py --suite 204 --jobs 2 --time-limit 1 --list benchmarks/stranding_instances.md
    python benchmarks/bench_stranding.py --agents 1400 --weeks 1 2 3 4 5 6 --time-limit 60 --workers 2
    python benchmarks/bench_stranding.py --agents 1400 --weeks 1 2 3 4 5 6 --time-limit 60 --claims-only
    python benchmarks/bench_stranding.py --agents 1400 --weeks 1 2 3 4 5 6 --time-limit 60 --claims-only --leave-only
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import stranding_instance as si  # noqa: E402

from wfm.exceptions import InfeasibleRosterError, SolverError  # noqa: E402
from wfm.roster import schedule, validate  # noqa: E402

LEAVE_SHARES = (0.1, 0.2, 0.35, 0.5)


def suite_spec(i: int) -> dict:
    """The i-th small instance of the suite (deterministic in i)."""
    rng = np.random.default_rng(10_000 + i)
    weeks = 1 + i % 6
    return {
        "name": f"s{i:03d}",
        "weeks": weeks,
        "agents": int(rng.integers(5, 19)),
        "seed": i,
        "leave": float(rng.choice(LEAVE_SHARES)),
        "cycle": bool(weeks % 2 == 0 and rng.random() < 0.35),
        "shape": str(rng.choice(si.SHAPES)),
    }


def run_one(
    spec: dict,
    time_limit: float,
    workers: int,
    drop_impossible: bool,
    claims_only: bool = False,
    leave_only: bool = False,
) -> dict:
    """Draw, check independently, schedule, validate: one row of the table.

    ``claims_only``: the independent model checks only the agent a "no legal" claim names (the
    1,400-agent size, where checking every agent takes longer than the engine). ``leave_only``:
    the independent model checks the agents with leave (unavailable dates or windows) before the
    run (and those found impossible are dropped with ``drop_impossible``); the others are not
    checked before the run, only when a claim names them."""
    req, agents, rd = si.instance(
        spec["weeks"], spec["agents"], spec["seed"], leave=spec["leave"], cycle=spec["cycle"], shape=spec["shape"]
    )
    rules = si.as_rules(rd)
    t = time.perf_counter()
    checked = agents
    if leave_only:
        on_leave = agents["unavailable_dates"].fillna("").astype(str).str.len() > 0
        if "unavailable_windows" in agents:
            on_leave |= agents["unavailable_windows"].fillna("").astype(str).str.len() > 0
        checked = agents[on_leave]
    try:
        impossible: list[str] | None = (
            [] if claims_only and not leave_only else si.instance_admits(rd, checked, spec["weeks"])
        )
    except TimeoutError:  # the independent model did not finish even with 200 s an agent
        impossible = None
    check_sec = time.perf_counter() - t
    if impossible is None:
        row = dict(spec, outcome="CHECK-UNKNOWN", wall="-")
        return row
    dropped = 0
    if drop_impossible and impossible:
        dropped = len(impossible)
        agents = agents[~agents["agent_id"].isin(impossible)].reset_index(drop=True)
        impossible = []
    row = dict(
        spec,
        agents=len(agents),
        rest_h=rd["rules"]["min_rest_hours"],
        max_consec=rd["rules"]["max_consecutive_days"],
        leave_agents=int((agents["unavailable_dates"].str.count(";") >= 1).sum()),
        impossible=len(impossible),
        dropped=dropped,
        check_sec=round(check_sec, 1),
        joint="-",
        replaced="-",
        stranded="-",
        cut="-",
        violations="-",
        cap="-",
    )
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = schedule(req, agents, rules, time_limit_sec=time_limit, seed=0, num_workers=workers)
        except InfeasibleRosterError as exc:
            named = str(exc).split(":")[0].removeprefix("agent ")
            row.update(wall=round(time.perf_counter() - t, 1), named=named)
            if claims_only and named not in impossible:
                rows = agents[agents["agent_id"] == named]
                if not rows.empty and not si.agent_admits(rd, rows.iloc[0], spec["weeks"], 200.0):
                    impossible = [named]
                row["impossible"] = f"{named}:{'none' if impossible else 'has-one'}"
            row["outcome"] = "claim-held" if named in impossible else "FALSE-CLAIM"
            return row
        except SolverError as exc:  # the clock cut a stage with nothing to publish (not a claim)
            row.update(wall=round(time.perf_counter() - t, 1), named=str(exc)[:60])
            row["outcome"] = "SOLVER-ERROR"
            return row
    row["wall"] = round(time.perf_counter() - t, 1)
    d = result.diagnostics
    # the horizon given: weeks are 7-day blocks from its Monday (default: the roster's first date)
    violations = len(validate(result.roster, agents, rules, horizon_start=si.START, horizon_days=7 * spec["weeks"]))
    row.update(
        joint=int(d["joint_replans"]),
        replaced=int(d["agent_weeks_replaced"]),
        stranded=len(d["stranded_agent_weeks"]),
        cut=",".join(d["stages_cut"]) or "-",
        violations=violations,
        cap=float(d["hard_deadline_sec"]),
        named="",
    )
    if violations:
        row["outcome"] = "VIOLATIONS"
    elif impossible:
        row["outcome"] = "MISSED"
    elif claims_only and violations == 0 and not row["stranded"]:
        row["outcome"] = "ok"  # published legal and complete: the instance has a legal roster
    elif row["stranded"]:
        row["outcome"] = "stranded"
    else:
        row["outcome"] = "ok"
    return row


COLUMNS = [
    "name",
    "weeks",
    "agents",
    "seed",
    "leave",
    "cycle",
    "shape",
    "rest_h",
    "max_consec",
    "leave_agents",
    "impossible",
    "dropped",
    "joint",
    "replaced",
    "stranded",
    "cut",
    "violations",
    "wall",
    "cap",
    "outcome",
]


def read_log(path: Path) -> list[dict]:
    """The instance rows of an earlier run's output (one line per instance, COLUMNS order)."""
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) != len(COLUMNS) or not parts[0].startswith(("s", "big-")) or parts[0] == "name":
            continue
        row: dict = {}
        for c, v in zip(COLUMNS, parts, strict=True):
            row[c] = int(v) if v.lstrip("-").isdigit() else v
        rows.append(row)
    return rows


def _line(row: dict) -> str:
    return " ".join(str(row.get(c, "")) for c in COLUMNS)


def _job(args: tuple) -> dict:
    return run_one(*args)


def _busy() -> None:  # pragma: no cover - a competing load
    x = 0
    while True:
        x = (x * 31 + 7) % 1_000_003


def write_list(rows: list[dict], path: Path, command: str, load: str) -> None:
    """The compact instance list (markdown) for the closing note."""
    totals = Counter(r["outcome"] for r in rows)
    lines = [
        "# Issue 16: generated multi-week instances and what the engine did",
        "",
        f"Command: `{command}`  ",
        f"Load average at the end of the run: {load}. Generator: `benchmarks/stranding_instance.py` "
        "(`instance(weeks, agents, seed, leave=..., cycle=..., shape=...)`; rest and consecutive-day "
        "limits drawn from the seed). `impossible`: agents the independent per-agent CP-SAT model "
        "finds no legal roster for; `joint`: CP-SAT joint re-plans over week boundaries; `replaced`: "
        "agent-weeks the assignment re-placed (depth-first re-plan of the previous week, windows);",
        "`stranded`: agent-weeks left for the planner; `violations`: the validator's.",
        "",
        f"Totals: {len(rows)} instances; " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())) + "; "
        f"joint re-plans {sum(r['joint'] for r in rows if isinstance(r['joint'], int))}, agent-weeks re-placed "
        f"{sum(r['replaced'] for r in rows if isinstance(r['replaced'], int))}.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in COLUMNS) + " |" for r in rows]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=int, default=0, help="run this many small generated instances")
    parser.add_argument("--first", type=int, default=0, help="first suite index")
    parser.add_argument("--agents", type=int, default=1400)
    parser.add_argument("--weeks", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--seeds", type=int, default=1, help="instances per week count (--agents mode)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--leave", type=float, default=0.05)
    parser.add_argument("--shape", choices=si.SHAPES, default="two-peak")
    parser.add_argument("--cycle-every", type=int, default=5, help="every k-th seed has a 2-week cycle (0: none)")
    parser.add_argument("--drop-impossible", choices=("auto", "yes", "no"), default="auto")
    parser.add_argument(
        "--claims-only", action="store_true", help="check only the agent a 'no legal' names (1,400-agent size)"
    )
    parser.add_argument(
        "--leave-only",
        action="store_true",
        help="with --claims-only: check the agents with leave first too (and drop the impossible ones)",
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers per engine run")
    parser.add_argument("--jobs", type=int, default=1, help="instances run at once (at most 2 on this machine)")
    parser.add_argument("--load", type=int, default=0, help="busy-loop processes alongside")
    parser.add_argument("--list", type=Path, help="write the compact instance list (markdown) here")
    parser.add_argument("--resume", type=Path, nargs="*", default=[], help="earlier logs: their instances are kept")
    args = parser.parse_args()
    if args.suite:
        specs = [suite_spec(i) for i in range(args.first, args.first + args.suite)]
        drop = args.drop_impossible == "yes"
    else:
        specs = []
        for weeks in args.weeks:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                cycle = bool(args.cycle_every) and seed % args.cycle_every == args.cycle_every - 1 and weeks % 2 == 0
                specs.append(
                    {
                        "name": f"big-{args.agents}a-{weeks}w-s{seed}",
                        "weeks": weeks,
                        "agents": args.agents,
                        "seed": seed,
                        "leave": args.leave,
                        "cycle": cycle,
                        "shape": args.shape,
                    }
                )
        drop = args.drop_impossible == "yes" or (
            args.drop_impossible == "auto" and args.agents >= 200 and (not args.claims_only or args.leave_only)
        )
    hogs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.load)]
    for h in hogs:
        h.start()
    print(" ".join(COLUMNS), flush=True)
    rows: list[dict] = [r for log in args.resume for r in read_log(log)]
    done = {r["name"] for r in rows}
    for r in rows:
        print(_line(r), flush=True)
    command = "python " + " ".join(sys.argv)

    def keep(row: dict) -> None:
        rows.append(row)
        print(_line(row), flush=True)
        if args.list:  # after every instance: a run cut short still leaves its list
            load = " ".join(f"{v:.2f}" for v in os.getloadavg())
            write_list(sorted(rows, key=lambda r: r["name"]), args.list, command, load)

    t_all = time.perf_counter()
    try:
        jobs = [
            (s, args.time_limit, args.workers, drop, args.claims_only, args.leave_only)
            for s in specs
            if s["name"] not in done
        ]
        if args.jobs > 1:
            with multiprocessing.Pool(args.jobs) as pool:
                for row in pool.imap(_job, jobs):
                    keep(row)
        else:
            for job in jobs:
                keep(_job(job))
    finally:
        for h in hogs:
            h.terminate()
    totals = Counter(r["outcome"] for r in rows)
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"totals: {len(rows)} instances, {dict(sorted(totals.items()))}; joint re-plans "
        f"{sum(r['joint'] for r in rows if isinstance(r['joint'], int))}; agent-weeks re-placed "
        f"{sum(r['replaced'] for r in rows if isinstance(r['replaced'], int))}; stranded agent-weeks "
        f"{sum(r['stranded'] for r in rows if isinstance(r['stranded'], int))}; feasible instances "
        f"{sum(1 for r in rows if r['impossible'] == 0)}; {time.perf_counter() - t_all:.0f} s; load average {load}"
    )
    if args.list:
        write_list(sorted(rows, key=lambda r: r["name"]), args.list, command, load)
        print(f"wrote {args.list}")


if __name__ == "__main__":
    main()
