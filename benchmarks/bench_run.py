"""Time `wfm run` on the bundled example centre, step by step, and check reruns are identical.

    python benchmarks/bench_run.py [--repeat 2] [--time-limit 60]

Runs the example configuration (six queues, two years of 15-minute history, 1,400 agents,
1,700 seats, one week ahead) into a temporary folder, prints seconds per step, the total
and the peak RSS, and with --repeat >= 2 whether every published file is byte-identical
between runs. Issue bar: under 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wfm import pipeline  # noqa: E402


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None, help="roster time limit (default: the config's)")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            overrides = {"output_dir": Path(tmp) / f"run{i}"}
            if args.time_limit is not None:
                overrides["time_limit_sec"] = args.time_limit
            config = pipeline.example_config(**overrides)
            start = time.perf_counter()
            outcome = pipeline.run(config)
            total = time.perf_counter() - start
            runs.append((outcome, total, _hashes(outcome.folder)))
            steps = "  ".join(f"{k} {v:.1f}s" for k, v in outcome.timings.items())
            r = outcome.summary["roster"]
            print(f"run {i + 1}: total {total:.1f} s | {steps}")
            print(
                f"        roster gap {r.get('gap')}, under {r.get('under_agent_intervals')} agent-intervals, "
                f"planned SL {outcome.summary['service']['service_level_planned']:.3f}, exit code {outcome.exit_code}"
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:,.0f} MB; bar: total < 300 s -> {'PASS' if max(t for _, t, _ in runs) < 300 else 'FAIL'}")
    if len(runs) > 1:
        same = all(h == runs[0][2] for _, _, h in runs[1:])
        diff = sorted(k for _, _, h in runs[1:] for k in h if h[k] != runs[0][2].get(k))
        print(f"reruns byte-identical: {same}" + ("" if same else f" (differ: {', '.join(sorted(set(diff)))})"))


if __name__ == "__main__":
    main()
