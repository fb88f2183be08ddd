"""Before/after check of a refactor on rules spanning weeks: three seeded multi-week instances with an
hour-balancing cycle (benchmarks/stranding_instance.py), one worker, printed status, objective, bound,
shifts, validator violations and a hash of the roster. Run it from two checkouts and compare the lines.

    python benchmarks/cycle_split_check.py
"""

from __future__ import annotations

import hashlib
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (str(ROOT), str(ROOT / "benchmarks")):
    if p not in sys.path:
        sys.path.insert(0, p)

import stranding_instance as si  # noqa: E402

from wfm.roster import schedule, validate  # noqa: E402

for weeks, n, seed in ((4, 40, 10), (4, 60, 14), (2, 50, 20)):
    req, agents, rd = si.instance(weeks, n, seed, leave=0.05, cycle=True)
    rules = si.as_rules(rd)
    t = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = schedule(req, agents, rules, time_limit_sec=20, seed=0, num_workers=1)
    v = validate(r.roster, agents, rules, horizon_start=si.START, horizon_days=7 * weeks)
    h = hashlib.sha256(r.roster.to_csv(index=False).encode()).hexdigest()[:12]
    s = r.summary
    print(
        weeks,
        n,
        seed,
        s.status,
        s.objective,
        s.lower_bound,
        len(r.roster),
        len(v),
        h,
        f"{time.time() - t:.1f}s",
        flush=True,
    )
