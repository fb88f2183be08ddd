"""What-if: how many agents does a service target cost? Erlang C against Erlang A.

Sizes one forecast day of the example centre's retail queue for a range of service-level
targets, with and without abandonment (Erlang A with 3 minutes' mean patience), and prints
the agent-hours each needs: the trade-off planners discuss with the business.

    python examples/what_if_targets.py        # from the repository root
"""

from __future__ import annotations

import pandas as pd

from wfm.datasets import load_example_history
from wfm.staffing import Targets, requirements


def main() -> None:
    history = load_example_history()
    day = history[
        (history["queue"] == "retail_inquiries")
        & (history["interval_start"].dt.date == pd.Timestamp("2026-10-27").date())
    ]
    rows = []
    for sl, answer in [(0.7, 30), (0.8, 20), (0.9, 15), (0.95, 10)]:
        for patience in (None, 180.0):
            t = Targets(service_level=sl, answer_sec=answer, patience_sec=patience, shrinkage=0.3)
            req = requirements(day, t)
            rows.append(
                {
                    "target": f"{sl:.0%}/{answer}s",
                    "model": t.model,
                    "net agent-hours": req["agents"].sum() / 4,
                    "gross agent-hours": req["agents_scheduled"].sum() / 4,
                    "peak agents": int(req["agents"].max()),
                }
            )
    print(f"retail inquiries on Tuesday 2026-10-27: {int(day['calls'].sum()):,} calls")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
