"""Probe: column generation over the tour columns of the skill-aware aggregate LP.

Measured once and not landed (docs/results-roster.md, "Tried, not landed: column generation over
the tour columns"): every non-tour variable stays in the restricted master; per class-week it
starts with the cheapest tour and every len/6-th tour, and each round adds the ``--per`` tours of
most negative reduced cost. Each round prints the master's value and the Lagrangian bound over the
full model (valid at every round), both in the model's internal units.

    python benchmarks/colgen_probe.py --instance 0 [--breaks] [--per 5] [--rounds 30]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import bench_skills
import instances
from wfm.lp_status import solve_lp
from wfm.roster import load_rules
from wfm.roster.aggregate import lagrangian_bound
from wfm.roster.stages import build_problem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instance", type=int, default=0)
    ap.add_argument("--breaks", action="store_true")
    ap.add_argument("--per", type=int, default=5, help="tours added per class-week and round")
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()

    req, agents, _ = bench_skills.skill_instance(args.instance)
    rules_file = "rules.toml" if args.breaks else "rules_no_breaks.toml"
    rules = load_rules(instances.ROOT / "examples" / rules_file)
    t = time.perf_counter()
    problem = build_problem(req, agents, rules, print, t, bench_skills.QueueTargets(), None)
    m = problem.model
    n = len(m.cost)
    tours = np.concatenate([v for week in m.tour_var for v in week])
    print(f"built {time.perf_counter() - t:.1f} s: {n} variables, {tours.size} tours")
    bounds = np.column_stack([m.lower, m.upper])

    keep = np.ones(n, dtype=bool)
    keep[tours] = False
    for week in m.tour_var:
        for v in week:
            keep[v[np.argsort(m.cost[v], kind="stable")[:1]]] = True
            keep[v[:: max(1, len(v) // 6)]] = True
    a_eq_t, a_ub_t = m.a_eq.T.tocsr(), m.a_ub.T.tocsr()
    started = time.perf_counter()
    for it in range(args.rounds):
        cols = np.flatnonzero(keep)
        t = time.perf_counter()
        r = solve_lp(
            m.cost[cols],
            a_ub=m.a_ub[:, cols],
            b_ub=m.b_ub,
            a_eq=m.a_eq[:, cols],
            b_eq=m.b_eq,
            bounds=bounds[cols],
            method="highs-ipm",
        )
        lp_sec = time.perf_counter() - t
        if r.status != "OPTIMAL" or r.eq_marginals is None or r.ub_marginals is None:
            print(f"round {it}: master ended {r.status} ({r.message}); stopping")
            break
        y, z = r.eq_marginals, r.ub_marginals
        reduced = m.cost - a_eq_t @ y - a_ub_t @ np.minimum(z, 0.0)
        bound = lagrangian_bound(m, y, z)
        in_master = int(keep[tours].sum())
        added = 0
        for week in m.tour_var:
            for v in week:
                cand = v[~keep[v] & (reduced[v] < -1e-6)]
                if cand.size:
                    best = cand[np.argsort(reduced[cand], kind="stable")[: args.per]]
                    keep[best] = True
                    added += best.size
        print(
            f"round {it}: {cols.size} columns ({in_master} tours), master {r.fun:,.1f}, "
            f"bound {bound:,.1f}, master LP {lp_sec:.1f} s, added {added}, "
            f"total {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        if not added:
            print("converged: no tour of negative reduced cost")
            break


if __name__ == "__main__":
    main()
