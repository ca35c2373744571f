"""A run under ``torchrun`` (gloo, 2 CPU processes) gives the scores of one process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from benchmark.results import read_result
from benchmark.runner import RunOptions, run

ARGS = ["--pairs", "32", "--batch-size", "8", "--eval-clips", "8", "--bootstrap", "40", "--no-progress"]


def test_torchrun_two_processes_match_one(tiny_submission, tmp_path):
    single, _ = run(tiny_submission, RunOptions(pairs=32, batch_size=8, eval_clips=8, bootstrap=40,
                                                progress=False, output=tmp_path / "single"))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "benchmark", "run", str(tiny_submission), *ARGS, "--output", str(tmp_path / "dist")]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # 2 processes on 2 cores: no oversubscription
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    [path] = list((tmp_path / "dist").glob("*.json"))
    distributed = read_result(path)
    assert distributed.pairs == single.pairs
    assert not list((tmp_path / "dist" / ".partial").glob("*"))  # every rank cleaned up
    for mine, theirs in zip(distributed.layers, single.layers, strict=True):
        assert mine.pairs == theirs.pairs
        assert mine.percent == theirs.percent
        for factor in ("dynamic", "static"):
            # features of a clip may differ in the last float32 bit with the batch composition
            assert mine.score[factor].value == pytest.approx(theirs.score[factor].value, rel=1e-5)
            assert mine.score[factor].low == pytest.approx(theirs.score[factor].low, rel=1e-5)
            assert mine.score[factor].high == pytest.approx(theirs.score[factor].high, rel=1e-5)
    assert distributed.metrics == single.metrics
