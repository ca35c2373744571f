"""A run under ``torchrun`` (gloo, 2 CPU processes) gives the scores and task metrics of one
process: pairs are sharded and the estimator's sums all-reduced; evaluation units are
sharded and the metric states merged."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from benchmark.results.schema import read_result
from benchmark.run.runner import RunOptions, run
from tests.test_avos_run import write_tiny_avos_submission

ARGS = ["--pairs", "32", "--batch-size", "8", "--eval-clips", "8", "--bootstrap", "40", "--no-progress"]


def torchrun(folder, output, *extra: str):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "benchmark", "run", str(folder), *ARGS, *extra, "--output", str(output)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # 2 processes on 2 cores: no oversubscription
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    [path] = list(output.glob("*.json"))
    assert not list((output / ".partial").glob("*"))  # every rank cleaned up
    return read_result(path)


def assert_same_result(distributed, single):
    assert distributed.pairs == single.pairs
    for mine, theirs in zip(distributed.layers, single.layers, strict=True):
        assert mine.pairs == theirs.pairs
        assert mine.percent == theirs.percent
        for factor in ("dynamic", "static"):
            # features of a clip may differ in the last float32 bit with the batch composition
            assert mine.score[factor].value == pytest.approx(theirs.score[factor].value, rel=1e-5)
            assert mine.score[factor].low == pytest.approx(theirs.score[factor].low, rel=1e-5)
            assert mine.score[factor].high == pytest.approx(theirs.score[factor].high, rel=1e-5)
    # the task metric: each rank scored half of the units; the merged states give one answer
    assert distributed.metrics == single.metrics and distributed.metrics
    assert distributed.metric_intervals == single.metric_intervals
    assert distributed.eval_count == single.eval_count == 8


def test_torchrun_two_processes_match_one(tiny_submission, tmp_path):
    single, _ = run(tiny_submission, RunOptions(pairs=32, batch_size=8, eval_clips=8, bootstrap=40,
                                                progress=False, output=tmp_path / "single"))
    assert_same_result(torchrun(tiny_submission, tmp_path / "dist"), single)


def test_torchrun_merges_per_sequence_metrics_like_one_process(tmp_path):
    """AVOS: J&F averages per-sequence scores, merged across ranks in sequence order."""
    folder = write_tiny_avos_submission(tmp_path / "submissions", datasets="[synthetic-avos]")
    single, _ = run(folder, RunOptions(pairs=32, batch_size=8, eval_clips=8, bootstrap=40,
                                       progress=False, output=tmp_path / "single"))
    assert_same_result(torchrun(folder, tmp_path / "dist"), single)
