"""``all_reduce`` over two gloo processes gives what one process gives over all pairs.

Each rank feeds its shard of the pairs (pair i goes to rank i % 2, or everything to rank 0),
all-reduces, and writes its state and scores; the test compares them with a single process.
"""

from __future__ import annotations

import datetime
import time
import traceback

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from benchmark.errors import EstimatorError
from benchmark.measure.estimator import StaticDynamicEstimator, _recentre

WORLD = 2
N_PAIRS, BATCH, BOOTSTRAP, SEED = 300, 32, 64, 11
LAYERS = {"stem": 8, "res5": 24}
TIMEOUT_S = 90


def all_pairs():
    """The same deterministic pairs in every process; res5 carries a large offset."""
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 2, N_PAIRS)
    features = {}
    for layer, units in LAYERS.items():
        a = rng.normal(size=(N_PAIRS, units))
        b = np.where(factors[:, None] == 1, 0.8, 0.3) * a + rng.normal(size=(N_PAIRS, units))
        offset = 1e4 if layer == "res5" else 0.0
        features[layer] = (a + offset, b + offset)
    return features, factors, np.arange(N_PAIRS) + 7


def feed(estimator, rows):
    features, factors, ids = all_pairs()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        estimator.update(
            {layer: torch.from_numpy(a[batch]) for layer, (a, _) in features.items()},
            {layer: torch.from_numpy(b[batch]) for layer, (_, b) in features.items()},
            factors[batch],
            ids[batch],
        )
    return estimator


def shard(rank: int, layout: str) -> np.ndarray:
    rows = np.arange(N_PAIRS)
    if layout == "interleaved":
        return rows[rows % WORLD == rank]
    return rows if rank == 0 else rows[:0]  # "one_rank_empty": rank 1 sees no pairs at all


def worker(rank: int, rendezvous: str, out_dir: str, layout: str) -> None:
    dist.init_process_group(
        "gloo",
        init_method=f"file://{rendezvous}",
        rank=rank,
        world_size=WORLD,
        timeout=datetime.timedelta(seconds=TIMEOUT_S),
    )
    try:
        if layout == "mismatched_settings":
            estimator = StaticDynamicEstimator(bootstrap=BOOTSTRAP + rank, seed=SEED)
            try:
                estimator.all_reduce()
                outcome = "no error"
            except EstimatorError as error:
                outcome = str(error)
            torch.save({"outcome": outcome}, f"{out_dir}/rank{rank}.pt")
            return
        estimator = feed(
            StaticDynamicEstimator(bootstrap=BOOTSTRAP, seed=SEED), shard(rank, layout)
        )
        if layout == "one_rank_empty" and rank == 1:
            assert estimator.layers == {}
        estimator.all_reduce()
        torch.save(
            {
                "state": estimator.state_dict(),
                "scores": {layer: estimator.layer_scores(layer).to_dict() for layer in LAYERS},
            },
            f"{out_dir}/rank{rank}.pt",
        )
    except Exception:
        with open(f"{out_dir}/rank{rank}.error", "w") as log:
            log.write(traceback.format_exc())
        raise
    finally:
        dist.destroy_process_group()


def run_two_ranks(tmp_path, layout: str) -> list[dict]:
    context = mp.spawn(
        worker, args=(str(tmp_path / "rendezvous"), str(tmp_path), layout), nprocs=WORLD, join=False
    )
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while not context.join(timeout=1):
            if time.monotonic() > deadline:
                pytest.fail(f"the {WORLD} ranks did not finish within {TIMEOUT_S} s")
    except mp.ProcessRaisedException as error:
        logs = "\n".join(p.read_text() for p in sorted(tmp_path.glob("rank*.error")))
        pytest.fail(f"a rank failed:\n{logs or error}")
    finally:
        for process in context.processes:  # never leave a rank behind
            if process.is_alive():
                process.kill()
                process.join(5)
    return [torch.load(tmp_path / f"rank{rank}.pt", weights_only=True) for rank in range(WORLD)]


def assert_nested_close(left, right, tol, path="scores"):
    if isinstance(left, dict):
        assert left.keys() == right.keys(), path
        for key in left:
            assert_nested_close(left[key], right[key], tol, f"{path}.{key}")
    elif isinstance(left, float):
        assert left == pytest.approx(right, rel=tol, abs=tol, nan_ok=True), path
    else:
        assert left == right, path


def assert_states_close(left: dict, right: dict, tol: float) -> None:
    """Equal sums, once expressed about the same reference point (ranks agree on their own)."""
    assert left["layers"].keys() == right["layers"].keys()
    for layer, tensors in left["layers"].items():
        tensors = {key: value.clone() for key, value in tensors.items()}
        _recentre(tensors, right["layers"][layer]["shift"])
        for key, value in tensors.items():
            other = right["layers"][layer][key]
            scale = max(float(value.abs().max()) if value.numel() else 0.0, 1.0)
            torch.testing.assert_close(
                value, other, rtol=tol, atol=tol * scale, msg=f"{layer}.{key}"
            )


def single_process() -> StaticDynamicEstimator:
    return feed(StaticDynamicEstimator(bootstrap=BOOTSTRAP, seed=SEED), np.arange(N_PAIRS))


@pytest.mark.parametrize("layout", ["interleaved", "one_rank_empty"])
def test_all_reduce_over_two_ranks_equals_one_process(tmp_path, layout):
    ranks = run_two_ranks(tmp_path, layout)
    reference = single_process()
    expected_scores = {layer: reference.layer_scores(layer).to_dict() for layer in LAYERS}

    for rank in ranks:  # every rank holds the full result after all_reduce
        assert_nested_close(rank["scores"], expected_scores, tol=1e-12)
        assert_states_close(rank["state"], reference.state_dict(), tol=1e-12)
    for layer in LAYERS:  # and the ranks agree bit for bit, reference point included
        for key, value in ranks[0]["state"]["layers"][layer].items():
            assert torch.equal(value, ranks[1]["state"]["layers"][layer][key]), (layer, key)
    gap = max_difference(ranks[0]["scores"], expected_scores)
    print(f"\n{layout}: max |2 ranks - 1 process| over all scores and intervals: {gap:.1e}")


def max_difference(left, right) -> float:
    if isinstance(left, dict):
        return max((max_difference(left[k], right[k]) for k in left), default=0.0)
    if isinstance(left, float) and not (np.isnan(left) and np.isnan(right)):
        return abs(left - right)
    return 0.0


def test_all_reduce_with_different_settings_fails_on_every_rank_without_hanging(tmp_path):
    ranks = run_two_ranks(tmp_path, "mismatched_settings")
    for rank in ranks:
        assert "different bootstrap settings" in rank["outcome"]
