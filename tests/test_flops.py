"""FLOPs per clip: counted by torch's flop counter at run time, recorded in the result,
checked by reproduction, validated on read."""

from __future__ import annotations

import json

import pytest
import torch

from benchmark.errors import ResultError
from benchmark.measure.flops import count_flops
from benchmark.results.schema import read_result
from benchmark.run.reproduce import compare
from benchmark.run.runner import RunOptions, run
from tests.conftest import TINY_MODEL

# The tiny test model on one 4x32x32 clip, by hand (a multiply-add = 2 FLOPs):
#   stem  Conv3d(3->8, k3, stride (1,2,2), pad 1): output 8x4x16x16 = 8192 values, each 3*27 MACs
#   stage Conv3d(8->16, k3, stride 2, pad 1):      output 16x2x8x8  = 2048 values, each 8*27 MACs
#   head  Linear(16->14):                          14 values, each 16 MACs
TINY_FLOPS = 2 * (8192 * 3 * 27 + 2048 * 8 * 27 + 14 * 16)  # 2,212,288 (ReLU and the mean are not counted)


def tiny_model() -> torch.nn.Module:
    namespace: dict = {}
    exec(TINY_MODEL, namespace)
    return namespace["build"](14).eval()


def test_the_counter_gives_the_hand_count():
    assert count_flops(tiny_model(), torch.zeros(1, 3, 4, 32, 32)) == TINY_FLOPS
    assert count_flops(tiny_model(), torch.zeros(2, 3, 4, 32, 32)) == 2 * TINY_FLOPS  # per batch: one clip each


class LearnedQuery(torch.nn.Module):
    """A learned parameter handed to a submodule as its input (as query-based VIS/DETR
    decoders do), then a Linear(4->3) on each of its 5 rows."""

    def __init__(self):
        super().__init__()
        self.query = torch.nn.Parameter(torch.zeros(5, 4))
        self.head = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.query.expand(x.shape[0], -1, -1))


def test_a_parameter_fed_to_a_submodule_is_counted_and_stays_trainable():
    model = LearnedQuery()
    assert count_flops(model, torch.zeros(2, 1)) == 2 * (2 * 5 * 4 * 3)  # 2 clips x 5 rows x 12 MACs
    assert all(p.requires_grad for p in model.parameters())


def test_run_records_the_flops_of_one_clip(tiny_submission, tmp_path, one_torch_thread):
    result, path = run(tiny_submission, RunOptions(pairs=12, bootstrap=0, eval_clips=4, batch_size=4,
                                                   progress=False, output=tmp_path / "out"))
    assert result.flops == TINY_FLOPS and read_result(path).flops == TINY_FLOPS


def test_reproduction_checks_recorded_flops_and_accepts_results_that_predate_them(tiny_submission, tmp_path,
                                                                                   one_torch_thread):
    result, _ = run(tiny_submission, RunOptions(pairs=12, bootstrap=0, eval_clips=4, batch_size=4,
                                                progress=False, output=tmp_path / "out"))
    older = result.model_copy(update={"flops": None})  # a result written before the field existed
    assert compare(older, result) == []
    forged = result.model_copy(update={"flops": TINY_FLOPS // 2})
    assert [d.field for d in compare(forged, result)] == ["flops"]


@pytest.mark.parametrize("flops", [-1, 10**19, "12 GFLOPs", 1.5])
def test_a_flops_field_that_is_no_count_is_refused(tmp_path, flops):
    path = tmp_path / "synthetic-motion__true.json"
    data = {"schema_version": 2, "submission": "x", "task": "action_recognition", "provenance": "verified",
            "dataset": {"name": "synthetic-motion"}, "pair_protocol": "true",
            "layers": [{"name": "a", "percent": {"dynamic": 1, "static": 1, "residual": 98}}], "flops": flops}
    path.write_text(json.dumps(data))
    with pytest.raises(ResultError, match="field 'flops'"):
        read_result(path)
