"""Where a roster's surplus sits: within-10% share and over-staffing by daypart, against a baseline.

Usage::

    python benchmarks/surplus_placement.py BASELINE_COVERAGE.csv COVERAGE.csv [MORE_COVERAGE.csv ...]

Each file is a pooled coverage frame (``wfm schedule --coverage`` or a run's coverage.csv).
Prints, per file, the share of intervals within 10% of requirement (bar >= 0.90), the
over-staffing share of the night (00-06) and of the 4 busiest clock hours, and the ratio of the
night's over-staffed agent-hours to the baseline's (the surplus should move to the peaks).
"""

from __future__ import annotations

import sys

import pandas as pd

from wfm.roster.surplus import surplus_by_hour, surplus_figures


def main(paths: list[str]) -> int:
    if len(paths) < 2:
        print(__doc__)
        return 2
    rows = []
    for path in paths:
        cov = pd.read_csv(path)
        figs = surplus_figures(cov, surplus_by_hour(cov))
        rows.append(
            {
                "file": path,
                "within_10pct": round(figs["within_10pct_share"], 4),
                "over_agent_h": figs["over_agent_hours"],
                "night_over_h": figs["over_agent_hours_by_daypart"].get("night", 0.0),
                "over_share_night": round(figs["over_share_night"], 4),
                "over_share_peak": round(figs["over_share_peak_hours"], 4),
                "peak_hours": figs["peak_hours"],
            }
        )
    frame = pd.DataFrame(rows)
    base = frame.loc[0, "night_over_h"]
    frame["night_over_vs_baseline"] = (frame["night_over_h"] / base).round(3) if base else float("nan")
    print(frame.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
