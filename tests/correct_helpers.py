"""A small two-queue instance for the correction loop, with a planner that forgets breaks.

The planner covers each queue's ``agents_scheduled`` exactly with that queue's dedicated
agents (agent j of a queue works interval k iff j < requirement), and every fourth agent on
shift takes a 15-minute break inside each 30-minute interval it works. The coverage it
reports counts heads on shift (breaks not netted out), so the Erlang requirement falls short
in simulation by about an eighth of the agents: the case the correction loop exists for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.staffing import Targets, TargetSet, requirements

QUEUES = ("sales", "support")
START = pd.Timestamp("2026-03-02 08:00")


@dataclass(frozen=True)
class Plan:
    roster: pd.DataFrame
    breaks: pd.DataFrame
    coverage: pd.DataFrame


def instance(days: int = 1, intervals_per_day: int = 24, sales_calls: float = 60.0, support_calls: float = 36.0):
    starts = pd.DatetimeIndex(
        [
            START + pd.Timedelta(days=d) + pd.Timedelta(minutes=30 * k)
            for d in range(days)
            for k in range(intervals_per_day)
        ]
    )
    shape = 0.75 + 0.5 * np.sin(np.linspace(0, np.pi, intervals_per_day))
    shape = np.tile(shape, days)
    forecast = pd.concat(
        [
            pd.DataFrame({"queue": "sales", "interval_start": starts, "calls": sales_calls * shape, "aht_sec": 240.0}),
            pd.DataFrame(
                {"queue": "support", "interval_start": starts, "calls": support_calls * shape, "aht_sec": 300.0}
            ),
        ],
        ignore_index=True,
    )
    targets = TargetSet(
        Targets(service_level=0.8, answer_sec=20, shrinkage=0.2),
        {"support": Targets(service_level=0.8, answer_sec=30, patience_sec=240, shrinkage=0.2)},
    )
    req = requirements(forecast, targets)
    return forecast, targets, req


def agents_frame(per_queue: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{q[:2].upper()}{j:03d}", q) for q in QUEUES for j in range(per_queue[q])]
    return pd.DataFrame(rows, columns=["agent_id", "skills"])


def planner(per_queue: dict[str, int], *, per_queue_coverage: bool = True, break_every: int = 4):
    """A planner covering each queue's requirement with its own agents (at most ``per_queue[q]``)."""
    calls: list[pd.DataFrame] = []

    def plan(req: pd.DataFrame) -> Plan:
        calls.append(req.copy())
        shifts, breaks, cover = [], [], []
        for q in QUEUES:
            block = req.loc[req["queue"] == q].sort_values("interval_start")
            need = np.minimum(block["agents_scheduled"].to_numpy(dtype=int), per_queue[q])
            ts = pd.DatetimeIndex(block["interval_start"])
            for j in range(per_queue[q]):
                on = need > j
                k = 0
                while k < len(on):
                    if not on[k]:
                        k += 1
                        continue
                    first = k
                    while k < len(on) and on[k]:
                        if j % break_every == 0:
                            b0 = ts[k] + pd.Timedelta(minutes=10)
                            breaks.append((f"{q[:2].upper()}{j:03d}", b0, b0 + pd.Timedelta(minutes=15)))
                        k += 1
                    shifts.append((f"{q[:2].upper()}{j:03d}", ts[first], ts[k - 1] + pd.Timedelta(minutes=30)))
            cover.append(
                pd.DataFrame(
                    {
                        "interval_start": ts,
                        "queue": q,
                        "required": block["agents_scheduled"].to_numpy(),
                        "scheduled": need,
                    }
                )
            )
        roster = pd.DataFrame(shifts, columns=["agent_id", "shift_start", "shift_end"])
        brk = pd.DataFrame(breaks, columns=["agent_id", "break_start", "break_end"])
        coverage = pd.concat(cover, ignore_index=True)
        if not per_queue_coverage:
            coverage = coverage.groupby("interval_start", as_index=False)[["required", "scheduled"]].sum()
        coverage["under"] = np.maximum(coverage["required"] - coverage["scheduled"], 0)
        coverage["over"] = np.maximum(coverage["scheduled"] - coverage["required"], 0)
        return Plan(roster, brk, coverage)

    plan.calls = calls  # type: ignore[attr-defined]
    return plan
