"""Derive the example centre's shape constants from the real data, once.

Prints the Python source of the constants at the top of wfm/datasets.py (WEEKDAY_PROFILE,
WEEKDAY_LEVELS, AHT_PROFILE, REDUCED_DAY_LEVEL); paste it over the block between the
"fmt: off/on" markers. tests/test_datasets.py re-derives them and checks they match.

    python benchmarks/derive_example_shapes.py [../shared/data]
"""

from __future__ import annotations

import sys
from pathlib import Path

from wfm.datasets import derive_shapes
from wfm.io import read_frame


def _tuple_source(name: str, values) -> str:
    items = [f"{v:.4f}" for v in values]
    lines, line = [], "    "
    for item in items:
        if len(line) + len(item) + 2 > 96:
            lines.append(line.rstrip())
            line = "    "
        line += item + ", "
    lines.append(line.rstrip())
    return f"{name}: tuple[float, ...] = (\n" + "\n".join(lines) + "\n)"


def main(folder: str) -> None:
    root = Path(folder)
    shapes = derive_shapes(
        read_frame(root / "us_bank_2003_5min.csv"),
        read_frame(root / "israel_bank_1999-02_calls.csv"),
    )
    print(_tuple_source("WEEKDAY_PROFILE", shapes["weekday_profile"]))
    print(_tuple_source("WEEKDAY_LEVELS", shapes["weekday_levels"]))
    print(_tuple_source("AHT_PROFILE", shapes["aht_profile"]))
    print(f"REDUCED_DAY_LEVEL: float = {shapes['reduced_day_level']:.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
