"""Plan one week of the example centre step by step with the library API.

The same steps `wfm run` takes, as a Python user would call them: forecast the six
queues from history, size each interval for per-queue targets, roster the pooled
requirement with named agents, check the roster with the independent validator, and see
what service the roster gives each queue.

    python examples/plan_a_week.py [TIME_LIMIT_SEC]        # from the repository root
"""

from __future__ import annotations

import sys

import pandas as pd

from wfm.datasets import EXAMPLE_AS_OF, example_dir, load_example_history
from wfm.evaluate import daily_service
from wfm.forecast import forecast
from wfm.io import read_frame
from wfm.roster import load_rules, schedule, validate
from wfm.staffing import load_targets, requirements


def main(time_limit_sec: float = 30.0) -> None:
    folder = example_dir()
    as_of = pd.Timestamp(EXAMPLE_AS_OF)
    history = load_example_history()
    history = history[history["interval_start"] >= as_of - pd.Timedelta(days=400)]

    # 1. Forecast: a backtested tournament per queue; history ends the day before as_of.
    fc = forecast(history, horizon_days=7, as_of=(as_of - pd.Timedelta(days=1)).date(), country="CN")
    print("models chosen:", fc.selected.set_index("queue")["model"].to_dict() if hasattr(fc, "selected") else "")

    # 2. Size: per-queue targets (VIP 90/10, Erlang A for phone transactions, ...).
    targets = load_targets(folder / "targets.toml")
    req = requirements(fc.forecast, targets, seats=1700)
    pooled = req.groupby("interval_start")["agents_scheduled"].sum()
    print(f"gross requirement: peak {pooled.max()} agents, {pooled.sum() / 4:,.0f} agent-hours in the week")

    # 3. Schedule the pooled requirement with the example's 1,400 agents.
    agents = read_frame(folder / "agents.csv")
    rules = load_rules(folder / "rules.toml")
    result = schedule(req, agents, rules, time_limit_sec=time_limit_sec, seed=0)
    s = result.as_dict()
    print(
        f"roster: {s['status']}, objective {s['objective']:,.0f}, lower bound {s['lower_bound']:,.0f} "
        f"(gap {s['gap']:.2%}), {len(result.roster):,} shifts"
    )

    # 4. Check every hard rule independently of the model.
    violations = validate(result.roster, agents, rules)
    print(f"validator: {len(violations)} violations")

    # 5. The service the roster gives each queue, per day.
    daily = daily_service(req, result.coverage, result.roster, result.breaks, targets)
    table = daily.pivot(index="date", columns="queue", values="service_level")
    print("\nservice level at the rostered staffing:")
    print(table.map(lambda v: f"{v:.0%}" if pd.notna(v) else "-").to_string())


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 30.0)
