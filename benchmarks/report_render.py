"""Time render_report on a week of 15-minute data for 6 queues and 1,400 agents.

The plan is the synthetic one the report tests use (tests/test_report.py::make_plan): five
weeks of history, a week of forecast and requirements, 1,400 agents on five 9-hour shifts
with two breaks each (about 7,000 shifts and 14,000 breaks), per-queue coverage.

    python benchmarks/report_render.py [REPEATS] [OUT.html]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_report import make_plan  # noqa: E402

from wfm.report import render_report, write_report  # noqa: E402


def main(repeats: int, out: str | None) -> None:
    plan = make_plan(n_agents=1400)
    sizes = {k: len(v) for k, v in plan.items() if hasattr(v, "__len__") and not isinstance(v, dict)}
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        page = render_report(**plan, title="Benchmark week")
        times.append(time.perf_counter() - start)
    print(
        f"render_report: {len(page) / 1e6:.2f} MB of HTML; seconds per render "
        + ", ".join(f"{t:.2f}" for t in times)
        + f" (best {min(times):.2f})"
    )
    if out:
        write_report(out, **plan, title="Benchmark week")
        print(f"wrote {out}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, sys.argv[2] if len(sys.argv) > 2 else None)
