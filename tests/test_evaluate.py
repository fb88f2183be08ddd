"""Service at the rostered staffing, checked against DOMAIN.md's known Erlang C values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.evaluate import daily_service, interval_service
from wfm.staffing import Targets, TargetSet

T0 = pd.Timestamp("2026-11-02 09:00")


def _req(rows):
    return pd.DataFrame(
        rows, columns=["queue", "interval_start", "calls", "aht_sec", "erlangs", "agents", "agents_scheduled"]
    )


def test_known_value_through_shrinkage_and_split():
    # A = 10 Erlangs (100 calls / 30 min, AHT 180 s). The pooled roster has 40 heads; the
    # two queues need 20 gross each, so each gets 20 heads; 30% shrinkage leaves 14 on the
    # phones: DOMAIN.md gives SL 0.8883500192 and ASA 7.836 s for 14 agents at 80/20.
    req = _req(
        [
            ["a", T0, 100, 180, 10.0, 14, 20],
            ["b", T0, 100, 180, 10.0, 14, 20],
        ]
    )
    coverage = pd.DataFrame({"interval_start": [T0], "scheduled": [40]})
    svc = interval_service(req, coverage, Targets(shrinkage=0.3))
    assert list(svc["agents_available"]) == [14, 14]
    assert svc["service_level"].to_numpy() == pytest.approx([0.8883500192] * 2, abs=1e-9)
    assert svc["asa_sec"].to_numpy() == pytest.approx([7.836] * 2, abs=1e-3)
    assert svc["occupancy"].to_numpy() == pytest.approx([10 / 14] * 2)


def test_under_staffed_interval_has_zero_service_and_unstable_asa():
    req = _req([["a", T0, 100, 180, 10.0, 14, 14]])
    svc = interval_service(req, pd.DataFrame({"interval_start": [T0], "scheduled": [9]}), Targets())
    assert svc["service_level"].iloc[0] == 0.0 and np.isinf(svc["asa_sec"].iloc[0])


def test_daily_weights_by_calls_and_skips_queues_without_a_service_target():
    t1 = T0 + pd.Timedelta(minutes=30)
    req = _req(
        [
            ["a", T0, 100, 180, 10.0, 14, 14],
            ["a", t1, 300, 180, 30.0, 36, 36],
            ["cb", T0, 50, 180, 5.0, 6, 6],
        ]
    )
    coverage = pd.DataFrame(
        {"interval_start": [T0, t1], "required": [20, 36], "scheduled": [20, 36], "under": [0, 0], "over": [0, 0]}
    )
    targets = TargetSet(Targets(), {"cb": Targets(service_level=None, answer_sec=None, asa_sec=600)})
    daily = daily_service(req, coverage, None, None, targets)
    a = interval_service(req, coverage, targets).query("queue == 'a'")
    expected = float((a["service_level"] * a["calls"]).sum() / a["calls"].sum())
    row_a = daily.query("queue == 'a'").iloc[0]
    row_all = daily.query("queue == 'ALL'").iloc[0]
    assert row_a["service_level"] == pytest.approx(expected)
    assert np.isnan(daily.query("queue == 'cb'").iloc[0]["service_level"])
    assert row_all["service_level"] == pytest.approx(expected)  # the callback queue is left out
    assert row_all["calls"] == 450
    assert row_all["required_agent_hours"] == pytest.approx((20 + 36) * 0.5)


def test_paid_hours_use_the_roster_column_or_unpaid_breaks():
    req = _req([["a", T0, 100, 180, 10.0, 14, 14]])
    coverage = pd.DataFrame({"interval_start": [T0], "required": [14], "scheduled": [14], "under": [0], "over": [0]})
    roster = pd.DataFrame(
        {
            "agent_id": ["x", "y"],
            "date": [T0.normalize()] * 2,
            "shift_start": [T0, T0],
            "shift_end": [T0 + pd.Timedelta(hours=9)] * 2,
        }
    )
    breaks = pd.DataFrame(
        {
            "agent_id": ["x"],
            "break_start": [T0 + pd.Timedelta(hours=4)],
            "break_end": [T0 + pd.Timedelta(hours=5)],
            "kind": ["meal"],
            "paid": [False],
        }
    )
    daily = daily_service(req, coverage, roster, breaks, Targets())
    assert daily.query("queue == 'ALL'")["paid_hours"].iloc[0] == pytest.approx(17.0)
    daily = daily_service(req, coverage, roster.assign(paid_hours=[8.0, 8.0]), None, Targets())
    assert daily.query("queue == 'ALL'")["paid_hours"].iloc[0] == pytest.approx(16.0)


def test_per_queue_coverage_rows_are_each_queues_heads():
    # Same pooled 40 heads as above, but the skill cover gives queue a 20 and queue b only 10:
    # a keeps DOMAIN.md's 14-agent figure, b gets 7 agents for 10 Erlangs (unstable: SL 0).
    req = _req(
        [
            ["a", T0, 100, 180, 10.0, 14, 20],
            ["b", T0, 100, 180, 10.0, 14, 20],
        ]
    )
    coverage = pd.DataFrame(
        {
            "interval_start": [T0] * 3,
            "queue": ["pooled", "a", "b"],
            "required": [40, 20, 20],
            "scheduled": [30, 20, 10],
            "under": [10, 0, 10],
            "over": 0,
        }
    )
    svc = interval_service(req, coverage, Targets(shrinkage=0.3)).set_index("queue")
    assert svc.loc["a", "agents_available"] == 14 and svc.loc["b", "agents_available"] == 7
    assert svc.loc["a", "service_level"] == pytest.approx(0.8883500192, abs=1e-9)
    assert svc.loc["b", "service_level"] == 0.0
    # the pooled hour columns come from the pooled rows only
    daily = daily_service(req, coverage, None, None, Targets(shrinkage=0.3))
    # (10 heads short for one interval; a lone interval is read as 15 minutes)
    assert daily.query("queue == 'ALL'")["under_agent_hours"].iloc[0] == pytest.approx(2.5)


def test_deferrable_queue_has_no_interval_service_level():
    req = _req([["cb", T0, 30, 300, 5.0, 5, 7]])
    t = TargetSet(Targets(), {"cb": Targets(service_level=None, answer_sec=None, deadline_sec=14400, shrinkage=0.3)})
    svc = interval_service(req, pd.DataFrame({"interval_start": [T0], "scheduled": [10]}), t)
    assert np.isnan(svc["service_level"].iloc[0]) and np.isnan(svc["asa_sec"].iloc[0])
    assert svc["occupancy"].iloc[0] == pytest.approx(5 / 7)
