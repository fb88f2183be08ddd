"""Erlang B/C/A against independent exact arithmetic, a tagged-customer Markov chain and a simulation.

The references here share no code with wfm.erlang: Erlang B/C from the plain sums
sum A^k/k! in mpmath (60 digits) or Fraction; Erlang A from the truncated birth-death
chain built state by state in mpmath, its service level from the tagged caller's
absorbing chain solved by uniformisation, and a discrete-event simulation.
"""

from __future__ import annotations

import heapq
import math
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.erlang import (
    agents_required,
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
)
from wfm.exceptions import InvalidInputError

mpmath.mp.dps = 60


# --------------------------------------------------------------------------- references


def _exact_inv_b_all(a: float, n_max: int) -> list[mpmath.mpf]:
    """1/B(n, A) for n = 0..n_max from the sum sum_{k<=n} (n!/k!) A^(k-n), via mpmath."""
    big_a = mpmath.mpf(a)
    out = []
    term = mpmath.mpf(1)  # A^n / n!
    total = mpmath.mpf(1)  # sum_{k<=n} A^k / k!
    out.append(total / term)
    for n in range(1, n_max + 1):
        term = term * big_a / n
        total += term
        out.append(total / term)
    return out


def _exact_c(a: float, n: int, inv_b: mpmath.mpf) -> mpmath.mpf:
    b = 1 / inv_b
    big_a = mpmath.mpf(a)
    return n * b / (n - big_a * (1 - b))


def _exact_sl(a: float, n: int, inv_b, aht: float, t: float) -> mpmath.mpf:
    c = _exact_c(a, n, inv_b)
    return 1 - c * mpmath.exp(-(n - mpmath.mpf(a)) * mpmath.mpf(t) / mpmath.mpf(aht))


def _exact_required(a: float, aht: float, sl: float, t: float) -> int:
    inv = _exact_inv_b_all(a, int(a + 12 * math.sqrt(a) + 50))
    n = math.floor(a) + 1
    while _exact_sl(a, n, inv[n], aht, t) < sl:
        n += 1
    return n


# --------------------------------------------------------------------------- Erlang B / C


def test_known_values_from_domain_md():
    assert int(agents_required(10.0, 180.0, service_level=0.8, answer_sec=20.0)) == 14
    assert float(erlang_c(10.0, 14)) == pytest.approx(0.1741319336, abs=5e-11)
    assert float(service_level(10.0, 14, 180.0, 20.0)) == pytest.approx(0.8883500192, abs=5e-11)
    assert float(asa(10.0, 14, 180.0)) == pytest.approx(7.836, abs=5e-4)
    assert int(agents_required(1000.0, 300.0, service_level=0.8, answer_sec=20.0)) == 1015
    assert float(erlang_c(1000.0, 1015)) == pytest.approx(0.5276253546, abs=5e-11)
    assert float(service_level(1000.0, 1015, 300.0, 20.0)) == pytest.approx(0.8058974794, abs=5e-11)
    assert float(asa(1000.0, 1015, 300.0)) == pytest.approx(10.553, abs=5e-4)


def test_erlang_b_c_exact_fraction_small():
    # Exact rational arithmetic for A = 10 (and A = 1/100 = 0.01) over every N up to 30.
    for a in (Fraction(10), Fraction(1, 100)):
        num = Fraction(1)
        den = Fraction(1)
        for n in range(1, 31):
            num = num * a / n
            den += num
            b = num / den
            assert abs(float(erlang_b(float(a), n)) - float(b)) <= 1e-15
            if n > a:
                c = n * b / (n - a * (1 - b))
                assert abs(float(erlang_c(float(a), n)) - float(c)) <= 1e-15


@pytest.mark.parametrize("a", [0.01, 0.7, 10.0, 57.3, 1000.0, 10_000.0])
def test_erlang_b_c_sl_asa_match_mpmath(a):
    aht, t = 300.0, 20.0
    n_hi = int(a + 10 * math.sqrt(a) + 30)
    inv = _exact_inv_b_all(a, n_hi)
    ns = np.unique(np.linspace(0, n_hi, 200).astype(int))
    got_b = erlang_b(a, ns)
    got_c = erlang_c(a, ns)
    got_sl = service_level(a, ns, aht, t)
    got_asa = asa(a, ns, aht)
    for i, n in enumerate(ns):
        assert abs(got_b[i] - float(1 / inv[n])) <= 1e-12
        if n > a:
            c = _exact_c(a, int(n), inv[n])
            assert abs(got_c[i] - float(c)) <= 1e-12
            assert abs(got_sl[i] - float(_exact_sl(a, int(n), inv[n], aht, t))) <= 1e-12
            exact_asa = c * aht / (n - mpmath.mpf(a))
            assert abs(got_asa[i] - float(exact_asa)) <= 1e-9 * max(1.0, float(exact_asa))
        else:
            assert got_c[i] == 1.0 and got_sl[i] == 0.0 and got_asa[i] == np.inf


@pytest.mark.parametrize(
    "a, aht, sl, t",
    [
        (0.01, 180.0, 0.8, 20.0),
        (10.0, 180.0, 0.8, 20.0),
        (10.0, 180.0, 0.95, 5.0),
        (250.5, 240.0, 0.9, 10.0),
        (1000.0, 300.0, 0.8, 20.0),
        (10_000.0, 300.0, 0.8, 20.0),
        (10_000.0, 120.0, 0.99, 60.0),
    ],
)
def test_required_agents_match_exact_search(a, aht, sl, t):
    assert int(agents_required(a, aht, service_level=sl, answer_sec=t)) == _exact_required(a, aht, sl, t)


def test_required_agents_vectorised_equals_one_by_one_exact():
    rng = np.random.default_rng(7)
    traffic = np.round(rng.uniform(0, 300, 25), 3)
    got = agents_required(traffic, 300.0, service_level=0.8, answer_sec=20.0)
    for a, n in zip(traffic, got, strict=True):
        assert n == _exact_required(float(a), 300.0, 0.8, 20.0)


def test_stability_for_huge_traffic_without_warnings():
    # pytest turns RuntimeWarnings from wfm into errors: none may occur.
    a = np.array([0.0, 1e-9, 0.01, 20_000.0, 50_000.0])
    n = agents_required(a, 300.0, service_level=0.8, answer_sec=20.0, asa_sec=30.0)
    assert n[0] == 0 and n[1] == 1 and np.all(n[1:] > a[1:])
    assert np.all(np.isfinite(service_level(a, n, 300.0, 20.0)))
    assert float(erlang_b(0.5, 10**6)) == 0.0
    assert float(erlang_c(20_000.0, 30_000)) == 0.0
    assert float(service_level(20_000.0, 19_000, 300.0, 20.0)) == 0.0
    assert float(asa(20_000.0, 20_000, 300.0)) == np.inf


def test_zero_traffic_and_unstable_conventions():
    assert int(agents_required(0.0, 300.0, service_level=0.8, answer_sec=20.0)) == 0
    assert float(erlang_c(0.0, 0)) == 0.0 and float(service_level(0.0, 0, 300.0, 20.0)) == 1.0
    assert float(asa(0.0, 0, 300.0)) == 0.0 and float(occupancy(0.0, 0)) == 0.0
    assert float(occupancy(10.0, 5)) == 1.0 and float(occupancy(10.0, 0)) == 1.0
    assert float(occupancy(10.0, 20)) == 0.5


def test_broadcasting_shapes():
    a = np.array([[5.0], [50.0]])
    n = np.array([8, 60, 70])
    assert erlang_c(a, n).shape == (2, 3)
    assert service_level(a, n, [[180.0], [300.0]], 20.0).shape == (2, 3)
    req = agents_required(a, 300.0, service_level=np.array([0.8, 0.9]), answer_sec=20.0)
    assert req.shape == (2, 2) and req.dtype == np.int64


def test_occupancy_and_asa_targets():
    # max occupancy 0.85 at A = 100 -> N >= 100/0.85 = 117.6 -> 118 (SL alone needs fewer).
    assert int(agents_required(100.0, 300.0, service_level=0.5, answer_sec=20.0, max_occupancy=0.85)) == 118
    # Exactly representable boundary: A = 8, occupancy 0.8 -> N = 10 (A/10 == 0.8).
    assert int(agents_required(8.0, 300.0, max_occupancy=0.8)) == 10
    n = int(agents_required(200.0, 300.0, asa_sec=15.0))
    assert asa(200.0, n, 300.0) <= 15.0 < asa(200.0, n - 1, 300.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(service_level=1.5, answer_sec=20.0), r"service_level must be in \(0, 1\], got 1.5"),
        (dict(service_level=0.8, answer_sec=-1.0), r"answer_sec must be >= 0, got -1"),
        (dict(service_level=0.8), r"given together"),
        (dict(max_occupancy=0.0), r"max_occupancy must be in \(0, 1\], got 0"),
        (dict(asa_sec=0.0), r"asa_sec must be > 0, got 0"),
        (dict(max_abandon=0.05), r"needs patience_sec"),
        ({}, r"at least one target"),
        (dict(service_level=0.8, answer_sec=20.0, patience_sec=-5.0), r"patience_sec must be > 0, got -5"),
    ],
)
def test_bad_targets_raise_one_line_errors(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        agents_required(10.0, 180.0, **kwargs)


def test_bad_arrays_raise():
    with pytest.raises(InvalidInputError, match="traffic must be finite, got nan"):
        erlang_c(np.nan, 3)
    with pytest.raises(InvalidInputError, match="traffic must be >= 0, got -1"):
        erlang_b(-1.0, 3)
    with pytest.raises(InvalidInputError, match="agents must be whole numbers, got 2.5"):
        erlang_c(1.0, 2.5)
    with pytest.raises(InvalidInputError, match="aht_sec must be > 0, got 0"):
        service_level(1.0, 3, 0.0, 20.0)


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.01, 3000.0),
    aht=st.floats(10.0, 1200.0),
    t=st.floats(0.0, 120.0),
)
def test_properties_monotone_in_agents(a, aht, t):
    ns = np.arange(0, int(a + 6 * math.sqrt(a) + 10))
    sl = service_level(a, ns, aht, t)
    w = asa(a, ns, aht)
    c = erlang_c(a, ns)
    assert np.all(np.diff(sl) >= -1e-12)
    stable = ns > a
    assert np.all(np.isinf(w[~stable]))
    ws = w[stable]
    assert np.all(np.diff(ws) <= 1e-9 * np.maximum(1.0, ws[1:]))
    assert np.all(np.diff(c) <= 1e-12)
    assert np.all((0 <= sl) & (sl <= 1))


@settings(max_examples=60, deadline=None)
@given(a=st.floats(0.001, 5000.0), sl=st.floats(0.05, 0.99), t=st.floats(0.0, 60.0))
def test_property_required_is_minimal_and_above_traffic(a, sl, t):
    n = int(agents_required(a, 300.0, service_level=sl, answer_sec=t))
    assert n > a
    assert service_level(a, n, 300.0, t) >= sl
    if n - 1 > a:
        assert service_level(a, n - 1, 300.0, t) < sl


# --------------------------------------------------------------------------- Erlang A


def _exact_erlang_a(a: float, n: int, aht: float, patience: float, t: float) -> dict[str, mpmath.mpf]:
    """The M/M/N+M chain state by state in mpmath (truncated far in the tail) and the
    service level from the tagged caller's absorbing chain by uniformisation."""
    lam = mpmath.mpf(a) / aht
    mu = mpmath.mpf(1) / aht
    theta = mpmath.mpf(1) / patience
    weights = [mpmath.mpf(1)]
    peak = weights[0]
    tiny = mpmath.mpf(10) ** -40
    state = 0
    while True:
        death = min(state + 1, n) * mu + max(state + 1 - n, 0) * theta
        weights.append(weights[-1] * lam / death)
        peak = max(peak, weights[-1])
        state += 1
        if state > n + 5 and weights[-1] < tiny * peak:
            break
    z = mpmath.fsum(weights)
    pi = [w / z for w in weights]
    p_wait = mpmath.fsum(pi[n:])
    lq = mpmath.fsum((k - n) * pi[k] for k in range(n, len(pi)))
    p_ab = theta * lq / lam
    # Tagged caller finding j waiting ahead: transient states j..0 ahead; absorbs to
    # served at rate N mu from position 0; moves ahead at N mu + i theta; abandons at theta.
    sl = mpmath.fsum(pi[:n])
    if t > 0:
        jmax = len(pi) - n - 1
        rate = n * mu + (jmax + 1) * theta
        p_tag = [mpmath.mpf(0)] * (jmax + 1)
        # Uniformised DTMC: probability of being served by time t, per starting position.
        # served(t | j) = sum_m Poisson(rate t; m) * P(served within m jumps | j).
        served_by = [mpmath.mpf(0)] * (jmax + 1)  # after m jumps
        pois = mpmath.exp(-rate * t)
        cum = [mpmath.mpf(0)] * (jmax + 1)
        m = 0
        total_pois = mpmath.mpf(0)
        # dist[j][i]: probability of being at position i after m jumps starting from j is
        # expensive; instead iterate the backward equation on absorption probabilities.
        while total_pois < 1 - mpmath.mpf(10) ** -30:
            for j in range(jmax + 1):
                cum[j] += pois * served_by[j]
            total_pois += pois
            m += 1
            pois = pois * rate * t / m
            new = [mpmath.mpf(0)] * (jmax + 1)
            for i in range(jmax + 1):
                ahead = n * mu + i * theta
                prev = served_by[i - 1] if i > 0 else mpmath.mpf(1)
                stay = rate - ahead - theta
                new[i] = (ahead * prev + stay * served_by[i]) / rate
            served_by = new
        p_tag = cum
        sl += mpmath.fsum(pi[n + j] * p_tag[j] for j in range(jmax + 1))
    return {"p_wait": p_wait, "p_ab": p_ab, "asa": lq / lam, "sl": sl}


@pytest.mark.parametrize(
    "a, n, aht, patience, t",
    [
        (0.01, 1, 180.0, 60.0, 20.0),
        (10.0, 8, 180.0, 120.0, 20.0),
        (10.0, 12, 180.0, 600.0, 10.0),
        (3.0, 2, 60.0, 30.0, 5.0),
    ],
)
def test_erlang_a_matches_exact_chain_and_tagged_caller(a, n, aht, patience, t):
    ref = _exact_erlang_a(a, n, aht, patience, t)
    got = erlang_a(a, n, aht, patience, t)
    assert abs(float(got.wait_probability) - float(ref["p_wait"])) <= 1e-9
    assert abs(float(got.abandon_probability) - float(ref["p_ab"])) <= 1e-9
    assert abs(float(got.asa_sec) - float(ref["asa"])) <= 1e-9 * max(1.0, float(ref["asa"]))
    assert abs(float(got.service_level) - float(ref["sl"])) <= 1e-9


@pytest.mark.parametrize(
    "a, n, aht, patience",
    [
        (1000.0, 1000, 300.0, 300.0),
        (1000.0, 950, 300.0, 60.0),
        (1000.0, 1020, 300.0, 3600.0),
        (10_000.0, 10_000, 300.0, 300.0),
        (10_000.0, 9_900, 240.0, 120.0),
    ],
)
def test_erlang_a_large_matches_exact_chain(a, n, aht, patience):
    mpmath.mp.dps = 30
    try:
        ref = _exact_erlang_a(a, n, aht, patience, 0.0)
    finally:
        mpmath.mp.dps = 60
    got = erlang_a(a, n, aht, patience, 0.0)
    assert abs(float(got.wait_probability) - float(ref["p_wait"])) <= 1e-9
    assert abs(float(got.abandon_probability) - float(ref["p_ab"])) <= 1e-9
    # With answer_sec = 0, SL is the share served at once.
    assert abs(float(got.service_level) - (1 - float(ref["p_wait"]))) <= 1e-9


def _simulate_sl(a, n, aht, patience, t, calls, seed):
    """FCFS M/M/N+M by the virtual-waiting-time recursion; returns per-batch SL means."""
    rng = random.Random(seed)
    lam = a / aht
    clock = 0.0
    free = [0.0] * n
    heapq.heapify(free)
    hits = []
    for _ in range(calls):
        clock += rng.expovariate(lam)
        wait = max(0.0, free[0] - clock)
        if wait <= rng.expovariate(1.0 / patience):
            heapq.heapreplace(free, clock + wait + rng.expovariate(1.0 / aht))
            hits.append(wait <= t)
        else:
            hits.append(False)
    warm = calls // 10
    batches = np.array_split(np.array(hits[warm:], dtype=float), 20)
    return np.array([b.mean() for b in batches])


@pytest.mark.parametrize("a, n, aht, patience, t", [(20.0, 20, 180.0, 120.0, 20.0), (8.0, 7, 180.0, 60.0, 15.0)])
def test_erlang_a_service_level_matches_simulation(a, n, aht, patience, t):
    batch = _simulate_sl(a, n, aht, patience, t, calls=120_000, seed=11)
    se = batch.std(ddof=1) / math.sqrt(len(batch))
    got = float(erlang_a(a, n, aht, patience, t).service_level)
    assert abs(batch.mean() - got) <= 4 * se + 1e-3


def test_erlang_a_answered_asa_and_identities():
    res = erlang_a(50.0, np.arange(30, 70), 240.0, 90.0, 20.0)
    p_served = 1 - res.abandon_probability
    # Mean wait of all calls >= answered callers' share of it; abandon <= wait.
    assert np.all(res.abandon_probability <= res.wait_probability + 1e-15)
    assert np.all(res.asa_answered_sec * p_served <= res.asa_sec + 1e-12)
    assert np.allclose(res.occupancy, 50.0 * p_served / np.arange(30, 70))
    assert np.all(res.service_level <= p_served + 1e-12)


def test_erlang_a_no_agents_and_zero_traffic():
    res = erlang_a([0.0, 5.0], 0, 180.0, 60.0, 20.0)
    assert res.wait_probability.tolist() == [0.0, 1.0]
    assert res.abandon_probability.tolist() == [0.0, 1.0]
    assert res.service_level.tolist() == [1.0, 0.0]
    assert res.asa_sec.tolist() == [0.0, 60.0]


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.05, 800.0), patience=st.floats(10.0, 3000.0), t=st.floats(0.0, 60.0))
def test_property_erlang_a_monotone(a, patience, t):
    ns = np.arange(0, int(a + 5 * math.sqrt(a) + 8))
    res = erlang_a(a, ns, 240.0, patience, t)
    assert np.all(np.diff(res.service_level) >= -1e-12)
    assert np.all(np.diff(res.abandon_probability) <= 1e-12)
    assert np.all(np.diff(res.asa_sec) <= 1e-9 * np.maximum(1.0, res.asa_sec[1:]))
    assert np.all(np.diff(res.occupancy[1:]) <= 1e-12)


@pytest.mark.parametrize(
    "a, aht, patience, kwargs",
    [
        (1000.0, 300.0, 300.0, dict(service_level=0.8, answer_sec=20.0)),
        (10.0, 180.0, 120.0, dict(service_level=0.8, answer_sec=20.0, max_abandon=0.02)),
        (250.0, 240.0, 60.0, dict(asa_sec=10.0, max_occupancy=0.95)),
        (10_000.0, 300.0, 600.0, dict(service_level=0.9, answer_sec=10.0)),
        (400.0, 300.0, 100_000.0, dict(service_level=0.8, answer_sec=20.0)),
    ],
)
def test_erlang_a_required_is_minimal(a, aht, patience, kwargs):
    n = int(agents_required(a, aht, patience_sec=patience, **kwargs))
    both = erlang_a(a, [n - 1, n], aht, patience, kwargs.get("answer_sec", 0.0))

    def meets(i):
        ok = True
        if "service_level" in kwargs:
            ok &= both.service_level[i] >= kwargs["service_level"]
        if "max_abandon" in kwargs:
            ok &= both.abandon_probability[i] <= kwargs["max_abandon"]
        if "asa_sec" in kwargs:
            ok &= both.asa_sec[i] <= kwargs["asa_sec"]
        if "max_occupancy" in kwargs:
            ok &= both.occupancy[i] <= kwargs["max_occupancy"]
        return ok

    assert meets(1) and not meets(0)


def test_erlang_a_long_patience_approaches_erlang_c():
    n_c = int(agents_required(500.0, 300.0, service_level=0.8, answer_sec=20.0))
    n_a = int(agents_required(500.0, 300.0, service_level=0.8, answer_sec=20.0, patience_sec=1e7))
    assert n_c - 1 <= n_a <= n_c


def _erlang_a_meets_all(a, n, aht, patience, targets):
    res = erlang_a(a, n, aht, patience, targets.get("answer_sec", 0.0))
    ok = np.ones(np.shape(n), dtype=bool)
    if "service_level" in targets:
        ok &= res.service_level >= targets["service_level"]
    if "max_abandon" in targets:
        ok &= res.abandon_probability <= targets["max_abandon"]
    if "asa_sec" in targets:
        ok &= res.asa_sec <= targets["asa_sec"]
    if "max_occupancy" in targets:
        ok &= res.occupancy <= targets["max_occupancy"]
    return ok


@settings(max_examples=25, deadline=None)
@given(
    a=st.floats(0.05, 2000.0),
    patience=st.floats(5.0, 20_000.0),
    sl=st.one_of(st.none(), st.floats(0.3, 0.99)),
    t=st.floats(0.0, 60.0),
    max_abandon=st.one_of(st.none(), st.floats(0.005, 0.3)),
    asa_sec=st.one_of(st.none(), st.floats(1.0, 120.0)),
)
def test_property_erlang_a_sizing_minimal(a, patience, sl, t, max_abandon, asa_sec):
    targets = {}
    if sl is not None:
        targets.update(service_level=sl, answer_sec=t)
    if max_abandon is not None:
        targets["max_abandon"] = max_abandon
    if asa_sec is not None:
        targets["asa_sec"] = asa_sec
    if not targets:
        targets["max_abandon"] = 0.1
    n = int(agents_required(a, 240.0, patience_sec=patience, **targets))
    assert n >= 1
    assert _erlang_a_meets_all(a, n, 240.0, patience, targets)
    if n > 1:
        assert not _erlang_a_meets_all(a, n - 1, 240.0, patience, targets)


def test_erlang_a_sizing_vectorised_mixed_paths():
    # Intervals whose answers lie above, at and far below the Erlang C guess, sized together.
    traffic = np.array([0.0, 0.3, 5.0, 50.0, 400.0, 900.0, 3000.0])
    patience = np.array([30.0, 60.0, 600.0, 10.0, 3600.0, 90.0, 300.0])
    n = agents_required(traffic, 300.0, service_level=0.8, answer_sec=20.0, max_abandon=0.02, patience_sec=patience)
    assert n[0] == 0
    for i in range(1, len(traffic)):
        targets = dict(service_level=0.8, answer_sec=20.0, max_abandon=0.02)
        assert _erlang_a_meets_all(traffic[i], n[i], 300.0, patience[i], targets)
        assert n[i] == 1 or not _erlang_a_meets_all(traffic[i], n[i] - 1, 300.0, patience[i], targets)


def _exact_sl_betainc(a: float, n: int, aht: float, patience: float, t: float) -> float:
    """SL from the mpmath birth-death chain and mpmath's regularised incomplete beta."""
    mpmath.mp.dps = 30
    try:
        lam, mu, theta = mpmath.mpf(a) / aht, mpmath.mpf(1) / aht, mpmath.mpf(1) / patience
        weights = [mpmath.mpf(1)]
        peak = weights[0]
        state = 0
        while True:
            death = min(state + 1, n) * mu + max(state + 1 - n, 0) * theta
            weights.append(weights[-1] * lam / death)
            peak = max(peak, weights[-1])
            state += 1
            if state > n + 5 and weights[-1] < mpmath.mpf(10) ** -25 * peak:
                break
        z = mpmath.fsum(weights)
        c = n * mu / theta
        p = 1 - mpmath.exp(-theta * t)
        sl = mpmath.fsum(weights[:n]) / z
        for j in range(len(weights) - n):
            served = c / (c + j + 1)
            sl += weights[n + j] / z * served * mpmath.betainc(j + 1, c + 1, 0, p, regularized=True)
        return float(sl)
    finally:
        mpmath.mp.dps = 60


@pytest.mark.parametrize(
    "a, n, aht, patience, t",
    [(1000.0, 990, 300.0, 300.0, 20.0), pytest.param(10_000.0, 9_950, 240.0, 600.0, 15.0, marks=pytest.mark.slow)],
)
def test_erlang_a_service_level_large_against_mpmath_betainc(a, n, aht, patience, t):
    # Chain probabilities from the mpmath birth-death chain; the served-within-t chance of a
    # caller finding j ahead from mpmath's regularised incomplete beta I_p(j+1, c+1) (its
    # derivation is checked against the tagged-caller chain above at small A).
    sl = _exact_sl_betainc(a, n, aht, patience, t)
    assert abs(float(erlang_a(a, n, aht, patience, t).service_level) - sl) <= 1e-9


def test_erlang_a_required_agents_sl_at_1000_erlangs_identical_to_exact():
    n = int(agents_required(1000.0, 300.0, service_level=0.8, answer_sec=20.0, patience_sec=300.0))
    assert (
        _exact_sl_betainc(1000.0, n, 300.0, 300.0, 20.0) >= 0.8 > _exact_sl_betainc(1000.0, n - 1, 300.0, 300.0, 20.0)
    )


def test_erlang_a_abandon_and_answered_wait_match_simulation():
    a, n, aht, patience = 20.0, 19, 180.0, 120.0
    rng = random.Random(5)
    lam = a / aht
    clock = 0.0
    free = [0.0] * n
    waits, abandoned = [], 0
    calls = 150_000
    for _ in range(calls):
        clock += rng.expovariate(lam)
        wait = max(0.0, free[0] - clock)
        if wait <= rng.expovariate(1.0 / patience):
            heapq.heapreplace(free, clock + wait + rng.expovariate(1.0 / aht))
            waits.append(wait)
        else:
            abandoned += 1
    res = erlang_a(a, n, aht, patience, 20.0)
    p_ab = abandoned / calls
    assert abs(p_ab - float(res.abandon_probability)) <= 4 * math.sqrt(p_ab * (1 - p_ab) / calls) * 3
    batches = np.array([b.mean() for b in np.array_split(np.array(waits), 20)])
    se = batches.std(ddof=1) / math.sqrt(len(batches))
    assert abs(batches.mean() - float(res.asa_answered_sec)) <= 4 * se + 0.05


def _exact_chain_abandon(a: float, n: int, aht: float, patience: float) -> float:
    """P(abandon) = theta E[queue] / lambda from the mpmath birth-death chain (30 digits)."""
    lam, mu, theta = mpmath.mpf(a) / aht, mpmath.mpf(1) / aht, mpmath.mpf(1) / patience
    weights = [mpmath.mpf(1)]
    peak = weights[0]
    state = 0
    while True:
        death = min(state + 1, n) * mu + max(state + 1 - n, 0) * theta
        weights.append(weights[-1] * lam / death)
        peak = max(peak, weights[-1])
        state += 1
        if state > n + 5 and weights[-1] < mpmath.mpf(10) ** -25 * peak:
            break
    z = mpmath.fsum(weights)
    lq = mpmath.fsum((k - n) * weights[k] for k in range(n, len(weights))) / z
    return float(theta * lq / lam)


@pytest.mark.parametrize(
    "a, aht, patience, max_abandon",
    [
        (0.01, 180.0, 60.0, 0.001),
        (10.0, 180.0, 120.0, 0.02),
        (1000.0, 300.0, 300.0, 0.01),
        (10_000.0, 240.0, 180.0, 0.005),
    ],
)
def test_erlang_a_required_agents_identical_to_exact_chain(a, aht, patience, max_abandon):
    mpmath.mp.dps = 30
    try:
        n = int(agents_required(a, aht, patience_sec=patience, max_abandon=max_abandon))
        assert _exact_chain_abandon(a, n, aht, patience) <= max_abandon
        assert n == 1 or _exact_chain_abandon(a, n - 1, aht, patience) > max_abandon
    finally:
        mpmath.mp.dps = 60


def test_erlang_a_required_agents_sl_identical_to_tagged_caller_chain():
    a, aht, patience, t = 10.0, 180.0, 120.0, 20.0
    n = int(agents_required(a, aht, service_level=0.8, answer_sec=t, patience_sec=patience))
    assert _exact_erlang_a(a, n, aht, patience, t)["sl"] >= 0.8
    assert _exact_erlang_a(a, n - 1, aht, patience, t)["sl"] < 0.8
