"""Acceptance of the streaming estimator (issue #3): exactly METHOD.md §3-§5, at any batching.

The reference below is a direct, in-memory reading of METHOD.md: every clip is kept, every
mean and variance is taken literally with numpy (population variance, ddof=0). The streaming
estimator must agree with it to 1e-9 whatever the batch size, pair order or factor mix.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from benchmark.errors import EstimatorError
from benchmark.measure.estimator import UNIT_CLASSES, StaticDynamicEstimator, poisson_weights

DYNAMIC, STATIC = 0, 1
LAYER = "res5"


# --------------------------------------------------------------------------- the reference


def direct_measure(a: np.ndarray, b: np.ndarray, factors: np.ndarray, threshold: float = 0.5):
    """METHOD.md §3 and §4 with every clip in memory. a, b: (N, C); factors: (N,) 0/1."""
    units = a.shape[1]
    # V: per-unit variance of all 2N clips, both factors pooled, around the global mean.
    all_clips = np.concatenate([a, b])
    total_variance = all_clips.var(axis=0, ddof=0).sum()

    score, unit = {}, {}
    for f, name in ((DYNAMIC, "dynamic"), (STATIC, "static")):
        a_f, b_f = a[factors == f], b[factors == f]
        m_f = (a_f.mean(axis=0) + b_f.mean(axis=0)) / 2  # the factor's own mean
        covariance = ((a_f - m_f) * (b_f - m_f)).mean(axis=0)  # per unit
        score[name] = covariance.sum() / total_variance
        variance_f = np.concatenate([a_f, b_f]).var(axis=0, ddof=0)  # over the 2N_F clips
        unit[name] = covariance / variance_f

    logits = np.array([score["dynamic"], score["static"], 1.0])  # s_R = 1
    weights = np.exp(logits - logits.max())
    p = weights / weights.sum()
    dims_dyn, dims_stat = math.floor(p[0] * units), math.floor(p[1] * units)
    dims = {"dynamic": dims_dyn, "static": dims_stat, "residual": units - dims_dyn - dims_stat}
    percent = {name: round(100 * d / units, 1) for name, d in dims.items()}

    t = threshold
    classes = np.where(
        (unit["dynamic"] > t) & (unit["static"] > t),
        "joint",
        np.where(unit["dynamic"] > t, "dynamic", np.where(unit["static"] > t, "static", "neither")),
    )
    return {
        "score": score,
        "share": {"dynamic": p[0], "static": p[1], "residual": p[2]},
        "dims": dims,
        "percent": percent,
        "dynamic_share": p[0] / (p[0] + p[1]),
        "unit": unit,
        "classes": classes,
    }


def direct_bootstrap(a, b, factors, ids, seed, replicates):
    """The Poisson bootstrap read literally: replicate r repeats pair n w[r, n] times."""
    weights = poisson_weights(seed, ids, replicates).astype(int)
    rows = {"dynamic": [], "static": [], "share_dynamic": [], "dynamic_share": []}
    for w in weights:
        fw = np.repeat(factors, w)
        if (fw == DYNAMIC).sum() < 2 or (fw == STATIC).sum() < 2:
            continue  # a replicate with < 2 pairs of a factor has no score
        r = direct_measure(np.repeat(a, w, axis=0), np.repeat(b, w, axis=0), fw)
        rows["dynamic"].append(r["score"]["dynamic"])
        rows["static"].append(r["score"]["static"])
        rows["share_dynamic"].append(r["share"]["dynamic"])
        rows["dynamic_share"].append(r["dynamic_share"])
    return {key: np.percentile(values, [2.5, 97.5]) for key, values in rows.items()}


# --------------------------------------------------------------------------- data and feeding


def correlated_pairs(n_pairs: int, units: int, seed: int, offset: float = 3.0):
    """Random pairs whose two clips are correlated unit by unit, more for static pairs."""
    rng = np.random.default_rng(seed)
    factors = rng.integers(0, 2, n_pairs)
    strength = np.where(factors == STATIC, 0.8, 0.4)[:, None] * rng.uniform(0, 1, units)
    a = rng.normal(size=(n_pairs, units)) * rng.uniform(0.5, 2.0, units)
    b = strength * a + rng.normal(size=(n_pairs, units))
    return a + offset, b + offset, factors


def feed(estimator, a, b, factors, ids, batch_size, order=None):
    order = np.arange(len(ids)) if order is None else order
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        estimator.update(
            {LAYER: torch.from_numpy(a[rows])},
            {LAYER: torch.from_numpy(b[rows])},
            factors[rows],
            ids[rows],
        )
    return estimator


def assert_matches_direct(scores, units_detail, expected, tol=1e-9):
    for name in ("dynamic", "static"):
        assert scores.score[name].value == pytest.approx(expected["score"][name], abs=tol, rel=tol)
        np.testing.assert_allclose(
            units_detail.__dict__[name], expected["unit"][name], rtol=tol, atol=tol
        )
    for name in ("dynamic", "static", "residual"):
        assert scores.share[name].value == pytest.approx(expected["share"][name], abs=tol, rel=tol)
    assert scores.dims == expected["dims"]
    assert scores.percent == expected["percent"]
    assert scores.dynamic_share.value == pytest.approx(expected["dynamic_share"], abs=tol, rel=tol)
    classes = np.array(UNIT_CLASSES)[units_detail.classes]
    assert (classes == expected["classes"]).all()
    for name in UNIT_CLASSES:
        assert scores.unit_counts[name] == int((expected["classes"] == name).sum())


# --------------------------------------------------------------------------- §3-§4 exactly


@pytest.mark.parametrize("batch_size", [1, 7, 64, None])
def test_equals_the_direct_implementation_at_any_batch_size_and_order(batch_size):
    a, b, factors = correlated_pairs(n_pairs=300, units=24, seed=1)
    ids = np.arange(len(factors))
    order = np.random.default_rng(batch_size or 0).permutation(len(ids))  # shuffled pairs
    estimator = feed(
        StaticDynamicEstimator(bootstrap=0), a, b, factors, ids, batch_size or len(ids), order
    )

    expected = direct_measure(a, b, factors)
    scores = estimator.layer_scores(LAYER)
    assert_matches_direct(scores, estimator.unit_scores(LAYER), expected)
    assert scores.pairs == {
        "dynamic": int((factors == 0).sum()),
        "static": int((factors == 1).sum()),
    }
    # The report's unit percentages are the class counts over C, rounded to 1 decimal.
    assert scores.unit_classes == {k: round(100 * v / 24, 1) for k, v in scores.unit_counts.items()}


def test_max_difference_to_the_direct_implementation_is_at_rounding_level():
    a, b, factors = correlated_pairs(n_pairs=1000, units=64, seed=2)
    ids = np.arange(len(factors))
    estimator = feed(StaticDynamicEstimator(bootstrap=0), a, b, factors, ids, batch_size=64)
    expected = direct_measure(a, b, factors)
    scores, units = estimator.layer_scores(LAYER), estimator.unit_scores(LAYER)
    differences = [abs(scores.score[k].value - expected["score"][k]) for k in ("dynamic", "static")]
    differences += [abs(scores.share[k].value - expected["share"][k]) for k in expected["share"]]
    differences += [
        np.abs(units.__dict__[k] - expected["unit"][k]).max() for k in ("dynamic", "static")
    ]
    print(f"max |estimator - direct| over scores, shares and unit scores: {max(differences):.2e}")
    assert max(differences) < 1e-12


@pytest.mark.parametrize("offset", [1e3, 1e5])
def test_large_common_offset_does_not_cancel(offset):
    """Sums are taken about a reference point, so an offset of 1e5 (std 1) loses nothing.

    Raw float64 moments would lose ~10 digits here (the error was ~3e-6 at offset 1e5).
    """
    a, b, factors = correlated_pairs(n_pairs=400, units=16, seed=3, offset=0.0)
    ids = np.arange(len(factors))
    estimator = feed(StaticDynamicEstimator(bootstrap=0), a + offset, b + offset, factors, ids, 64)
    expected = direct_measure(a, b, factors)  # the measure is translation invariant
    assert_matches_direct(estimator.layer_scores(LAYER), estimator.unit_scores(LAYER), expected)


def test_bootstrap_intervals_equal_a_literal_resampling():
    a, b, factors = correlated_pairs(n_pairs=60, units=8, seed=4)
    ids = np.arange(100, 160)
    estimator = feed(
        StaticDynamicEstimator(bootstrap=100, seed=7), a, b, factors, ids, batch_size=16
    )
    scores = estimator.layer_scores(LAYER)
    expected = direct_bootstrap(a, b, factors, ids, seed=7, replicates=100)
    got = {
        "dynamic": scores.score["dynamic"],
        "static": scores.score["static"],
        "share_dynamic": scores.share["dynamic"],
        "dynamic_share": scores.dynamic_share,
    }
    for key, interval in got.items():
        np.testing.assert_allclose(
            [interval.low, interval.high], expected[key], rtol=1e-9, atol=1e-12
        )
        assert interval.low <= interval.value <= interval.high


def test_bootstrap_intervals_do_not_depend_on_batching_or_order():
    a, b, factors = correlated_pairs(n_pairs=200, units=12, seed=5)
    ids = np.arange(len(factors))
    results = []
    for batch_size, shuffle_seed in ((1, 0), (7, 1), (64, 2), (200, 3)):
        order = np.random.default_rng(shuffle_seed).permutation(len(ids))
        estimator = feed(
            StaticDynamicEstimator(bootstrap=50), a, b, factors, ids, batch_size, order
        )
        results.append(estimator.layer_scores(LAYER).to_dict())
    for other in results[1:]:
        assert_nested_close(other, results[0], tol=1e-12)


def test_no_interval_from_fewer_than_ten_pairs_per_factor():
    """With 3 pairs per factor 41 % of replicates draw < 2 pairs of a factor: no interval
    is given (the point values are); from 10 pairs per factor on, finite intervals."""
    a, b, factors = correlated_pairs(n_pairs=6, units=5, seed=6)
    factors = np.array([0, 1, 0, 1, 0, 1])
    estimator = feed(StaticDynamicEstimator(bootstrap=200), a, b, factors, np.arange(6), 6)
    scores = estimator.layer_scores(LAYER)
    for interval in (*scores.score.values(), *scores.share.values(), scores.dynamic_share):
        assert np.isfinite(interval.value) and interval.low is None and interval.high is None

    a, b, _ = correlated_pairs(n_pairs=20, units=5, seed=6)
    factors = np.arange(20) % 2  # 10 pairs per factor
    estimator = feed(StaticDynamicEstimator(bootstrap=200), a, b, factors, np.arange(20), 20)
    scores = estimator.layer_scores(LAYER)
    for interval in (*scores.score.values(), *scores.share.values(), scores.dynamic_share):
        assert np.isfinite([interval.low, interval.high]).all()
        assert interval.low <= interval.value <= interval.high


# --------------------------------------------------------------------------- ground truth


def block_pairs(n_pairs, static=0, dynamic=0, joint=0, noise=0, seed=0):
    """Features [static | dynamic | joint | noise]: a static pair shares its static and joint
    blocks (the rest drawn afresh for each clip), a dynamic pair its dynamic and joint blocks."""
    rng = np.random.default_rng(seed)
    factors = rng.permutation(np.arange(n_pairs) % 2)
    sizes = {"static": static, "dynamic": dynamic, "joint": joint, "noise": noise}
    a_blocks, b_blocks = [], []
    for block, size in sizes.items():
        a_part = rng.normal(size=(n_pairs, size))
        b_part = rng.normal(size=(n_pairs, size))
        shared_by = {
            "static": factors == STATIC,
            "dynamic": factors == DYNAMIC,
            "joint": np.ones(n_pairs, bool),
            "noise": np.zeros(n_pairs, bool),
        }[block]
        b_part[shared_by] = a_part[shared_by]
        a_blocks.append(a_part)
        b_blocks.append(b_part)
    truth = np.concatenate([[block] * size for block, size in sizes.items()])
    return np.hstack(a_blocks), np.hstack(b_blocks), factors, truth


def measure(a, b, factors, batch_size=64):
    estimator = feed(
        StaticDynamicEstimator(bootstrap=0), a, b, factors, np.arange(len(factors)), batch_size
    )
    return estimator.layer_scores(LAYER), estimator.unit_scores(LAYER)


def test_a_larger_static_block_ranks_static_first():
    a, b, factors, _ = block_pairs(600, static=40, dynamic=10, noise=14, seed=10)
    scores, _ = measure(a, b, factors)
    assert scores.score["static"].value > scores.score["dynamic"].value
    assert scores.dynamic_share.value < 0.5
    assert scores.percent["static"] > scores.percent["dynamic"]
    # Each shared unit carries (almost) all of its variance: s_F ~ (shared units) / C.
    assert scores.score["static"].value == pytest.approx(40 / 64, abs=0.05)
    assert scores.score["dynamic"].value == pytest.approx(10 / 64, abs=0.05)


def test_a_larger_dynamic_block_ranks_dynamic_first():
    a, b, factors, _ = block_pairs(600, static=10, dynamic=40, noise=14, seed=11)
    scores, _ = measure(a, b, factors)
    assert scores.score["dynamic"].value > scores.score["static"].value
    assert scores.dynamic_share.value > 0.5
    assert scores.percent["dynamic"] > scores.percent["static"]


def test_unit_classes_recover_the_blocks_exactly():
    a, b, factors, truth = block_pairs(600, static=12, dynamic=9, joint=5, noise=6, seed=12)
    scores, units = measure(a, b, factors, batch_size=7)
    found = np.array(UNIT_CLASSES)[units.classes]
    expected = np.where(truth == "noise", "neither", truth)
    assert (found == expected).all(), list(zip(truth, found, strict=True))
    assert scores.unit_counts == {"joint": 5, "dynamic": 9, "static": 12, "neither": 6}
    assert scores.unit_classes["static"] == round(100 * 12 / 32, 1)


# --------------------------------------------------------------------------- merge and checkpoint


def assert_states_close(left, right, tol=1e-12):
    assert left.layers.keys() == right.layers.keys()
    for layer in left.layers:
        assert left.layers[layer].keys() == right.layers[layer].keys()
        for key, value in left.layers[layer].items():
            other = right.layers[layer][key]
            scale = float(value.abs().max()) if value.numel() else 0.0
            torch.testing.assert_close(value, other, rtol=tol, atol=tol * max(scale, 1.0), msg=key)


def assert_nested_close(left, right, tol):
    if isinstance(left, dict):
        assert left.keys() == right.keys()
        for key in left:
            assert_nested_close(left[key], right[key], tol)
    elif isinstance(left, float):
        assert left == pytest.approx(right, rel=tol, abs=tol, nan_ok=True)
    else:
        assert left == right


@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_merge_of_two_halves_equals_one_pass(offset):
    a, b, factors = correlated_pairs(n_pairs=240, units=16, seed=20, offset=offset)
    ids = np.arange(1000, 1240)
    in_a = np.random.default_rng(0).random(240) < 0.4  # an uneven split of the pairs
    first, second = np.flatnonzero(in_a), np.flatnonzero(~in_a)
    make = lambda: StaticDynamicEstimator(bootstrap=64, seed=3)  # noqa: E731

    one_pass = feed(make(), a, b, factors, ids, 32, order=np.concatenate([first, second]))
    part_a = feed(make(), a, b, factors, ids, 32, order=first)
    part_b = feed(make(), a, b, factors, ids, 32, order=second[::-1])  # another order too
    merged = make().merge(part_a).merge(part_b)

    assert_states_close(merged, one_pass)
    assert_nested_close(
        merged.layer_scores(LAYER).to_dict(), one_pass.layer_scores(LAYER).to_dict(), 1e-12
    )
    # Merging leaves its argument untouched.
    assert_states_close(part_b, feed(make(), a, b, factors, ids, 32, order=second[::-1]), tol=0)


def test_merge_refuses_different_bootstrap_settings():
    with pytest.raises(EstimatorError, match="bootstrap settings"):
        StaticDynamicEstimator(bootstrap=10).merge(StaticDynamicEstimator(bootstrap=20))


def test_save_load_and_continue_equals_an_uninterrupted_run(tmp_path):
    a, b, factors = correlated_pairs(n_pairs=200, units=16, seed=21)
    ids = np.arange(200)
    head, tail = np.arange(96), np.arange(96, 200)

    uninterrupted = feed(StaticDynamicEstimator(bootstrap=32, seed=5), a, b, factors, ids, 32)
    interrupted = feed(
        StaticDynamicEstimator(bootstrap=32, seed=5), a, b, factors, ids, 32, order=head
    )
    interrupted.save(tmp_path / "estimator.pt")
    resumed = StaticDynamicEstimator.load(tmp_path / "estimator.pt")
    assert (resumed.bootstrap, resumed.seed, resumed.threshold) == (32, 5, 0.5)
    feed(resumed, a, b, factors, ids, 32, order=tail)

    assert_states_close(resumed, uninterrupted, tol=0)  # bit for bit
    assert resumed.layer_scores(LAYER).to_dict() == uninterrupted.layer_scores(LAYER).to_dict()


def test_states_without_a_reference_point_still_load():
    """A state of raw sums (no ``shift``, as written before it existed) scores the same."""
    a, b, factors = correlated_pairs(n_pairs=100, units=8, seed=22)
    estimator = feed(StaticDynamicEstimator(bootstrap=16), a, b, factors, np.arange(100), 25)
    state = estimator.state_dict()
    from benchmark.measure.estimator import _recentre  # the raw sums are the sums about 0

    raw = state["layers"][LAYER]
    _recentre(raw, torch.zeros(8, dtype=torch.float64))
    del raw["shift"]
    old = StaticDynamicEstimator().load_state_dict(state)
    assert_nested_close(
        old.layer_scores(LAYER).to_dict(), estimator.layer_scores(LAYER).to_dict(), 1e-9
    )


# --------------------------------------------------------------------------- inputs


def test_half_precision_and_tensor_labels_are_accepted():
    a, b, factors = correlated_pairs(n_pairs=64, units=8, seed=30)
    for dtype in (torch.float16, torch.bfloat16, torch.float32):
        a_t, b_t = torch.from_numpy(a).to(dtype), torch.from_numpy(b).to(dtype)
        low = StaticDynamicEstimator(bootstrap=8)
        low.update({LAYER: a_t}, {LAYER: b_t}, torch.from_numpy(factors), torch.arange(64))
        exact = StaticDynamicEstimator(bootstrap=8)  # the same rounded values, given as float64
        exact.update(
            {LAYER: a_t.double()}, {LAYER: b_t.double()}, factors.tolist(), list(range(64))
        )
        assert_states_close(low, exact, tol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_features_and_labels():
    a, b, factors = correlated_pairs(n_pairs=64, units=8, seed=31)
    gpu = StaticDynamicEstimator(bootstrap=8)
    gpu.update(
        {LAYER: torch.from_numpy(a).cuda().half()},
        {LAYER: torch.from_numpy(b).cuda().half()},
        torch.from_numpy(factors).cuda(),
        torch.arange(64, device="cuda"),
    )
    cpu = StaticDynamicEstimator(bootstrap=8)
    cpu.update(
        {LAYER: torch.from_numpy(a).half()},
        {LAYER: torch.from_numpy(b).half()},
        factors,
        np.arange(64),
    )
    assert_states_close(gpu, cpu, tol=0)


# --------------------------------------------------------------------------- errors


def test_non_finite_features_name_the_layer_and_count_and_change_nothing():
    a, b, factors = correlated_pairs(n_pairs=16, units=6, seed=40)
    estimator = feed(StaticDynamicEstimator(bootstrap=4), a, b, factors, np.arange(16), 16)
    before = {key: value.clone() for key, value in estimator.layers[LAYER].items()}
    bad = a.copy()
    bad[2, 1] = np.nan
    bad[5, 0] = np.inf
    bad[5, 3] = -np.inf
    with pytest.raises(EstimatorError, match=r"Layer 'stem'.*3 non-finite values") as error:
        estimator.update(
            {LAYER: torch.from_numpy(a), "stem": torch.from_numpy(bad)},
            {LAYER: torch.from_numpy(b), "stem": torch.from_numpy(b)},
            factors,
            np.arange(100, 116),
        )
    assert "[102, 105]" in str(error.value)  # the offending pair ids
    # The batch was rejected as a whole: the valid layer did not take it either.
    assert set(estimator.layers) == {LAYER}
    for key, value in before.items():
        assert torch.equal(value, estimator.layers[LAYER][key])


def test_a_factor_with_fewer_than_two_pairs_is_refused():
    a, b, _ = correlated_pairs(n_pairs=10, units=4, seed=41)
    factors = np.array([0] * 9 + [1])
    estimator = feed(StaticDynamicEstimator(bootstrap=0), a, b, factors, np.arange(10), 4)
    with pytest.raises(EstimatorError, match=r"'res5'.*static factor has 1 pair.*at least 2"):
        estimator.layer_scores(LAYER)
    with pytest.raises(EstimatorError, match="static factor"):
        estimator.unit_scores(LAYER)


def test_constant_features_are_refused():
    constant = np.full((20, 5), 0.7)
    factors = np.arange(20) % 2
    estimator = feed(
        StaticDynamicEstimator(bootstrap=8), constant, constant.copy(), factors, np.arange(20), 7
    )
    with pytest.raises(EstimatorError, match=r"'res5'.*zero total variance over all 40 clips"):
        estimator.layer_scores(LAYER)


def test_constant_units_score_zero_and_are_counted():
    a, b, factors = correlated_pairs(n_pairs=50, units=6, seed=42)
    a[:, 2] = b[:, 2] = 5.0  # one dead unit
    estimator = feed(StaticDynamicEstimator(bootstrap=0), a, b, factors, np.arange(50), 16)
    units = estimator.unit_scores(LAYER)
    assert units.dynamic[2] == 0.0 and units.static[2] == 0.0
    assert units.constant == {"dynamic": 1, "static": 1}
    assert UNIT_CLASSES[units.classes[2]] == "neither"


def test_a_layer_that_changes_width_is_refused():
    estimator = StaticDynamicEstimator(bootstrap=0)
    estimator.update({LAYER: torch.randn(4, 8)}, {LAYER: torch.randn(4, 8)}, [0, 1, 0, 1], range(4))
    with pytest.raises(EstimatorError, match=r"'res5' gave 9 units.*earlier batches gave 8"):
        estimator.update(
            {LAYER: torch.randn(4, 9)}, {LAYER: torch.randn(4, 9)}, [0, 1, 0, 1], range(4, 8)
        )


def test_shape_and_layer_mismatches_are_refused():
    estimator = StaticDynamicEstimator(bootstrap=0)
    with pytest.raises(EstimatorError, match="shape"):
        estimator.update(
            {LAYER: torch.randn(3, 8)}, {LAYER: torch.randn(4, 8)}, [0, 1, 0, 1], range(4)
        )
    with pytest.raises(EstimatorError, match="same layers"):
        estimator.update(
            {LAYER: torch.randn(4, 8)}, {"other": torch.randn(4, 8)}, [0, 1, 0, 1], range(4)
        )
    with pytest.raises(EstimatorError, match="no pairs were fed"):
        estimator.layer_scores("never_seen")


# --------------------------------------------------------------------------- bootstrap weights


def test_poisson_weights_are_a_pure_function_of_seed_pair_and_replicate():
    ids = np.arange(5000, 5500)
    weights = poisson_weights(seed=3, pair_ids=ids, replicates=40)
    assert weights.shape == (40, 500) and weights.dtype == np.float64
    assert np.array_equal(weights, poisson_weights(3, ids, 40))  # deterministic
    split = np.hstack([poisson_weights(3, ids[:123], 40), poisson_weights(3, ids[123:], 40)])
    assert np.array_equal(weights, split)  # independent of batching
    shuffled = np.random.default_rng(0).permutation(500)
    assert np.array_equal(weights[:, shuffled], poisson_weights(3, ids[shuffled], 40))  # and order
    assert np.array_equal(weights[:10], poisson_weights(3, ids, 10))  # more replicates extend
    assert not np.array_equal(weights, poisson_weights(4, ids, 40))  # the seed matters


def test_poisson_weights_are_poisson_one():
    weights = poisson_weights(seed=0, pair_ids=np.arange(20_000), replicates=50)  # 1e6 draws
    assert weights.mean() == pytest.approx(1.0, abs=0.005)
    assert weights.var() == pytest.approx(1.0, abs=0.01)
    for k in range(4):
        assert (weights == k).mean() == pytest.approx(math.exp(-1) / math.factorial(k), abs=0.003)
    # Replicates (and neighbouring pairs) are uncorrelated.
    assert abs(np.corrcoef(weights[0], weights[1])[0, 1]) < 0.03
    assert abs(np.corrcoef(weights[0, :-1], weights[0, 1:])[0, 1]) < 0.03
