"""``--precision``: the forward under autocast, outputs and features back in float32, the
precision recorded; bf16 moves a reference model's dynamic shares by less than their
interval widths."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import torch
from torch import nn

from benchmark.cli import main
from benchmark.errors import BenchmarkError
from benchmark.measure.precision import AutocastModel, check_precision, with_precision
from benchmark.results.schema import read_result
from benchmark.run.runner import RunOptions, measure_pairs, prepare, run

REFERENCE = Path(__file__).resolve().parents[1] / "submissions" / "c3d-synthetic"

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        y = self.conv(x)
        return {"logits": y.mean(dim=(2, 3)), "maps": [y, y.argmax(1)]}


def test_fp32_is_the_model_itself_and_bad_precisions_are_refused():
    model = TwoHeads()
    assert with_precision(model, "fp32", "cpu") is model
    with pytest.raises(BenchmarkError, match="--precision fp16 needs --device cuda"):
        check_precision("fp16", "cpu")
    with pytest.raises(BenchmarkError, match="unknown; use one of fp32, bf16, fp16"):
        check_precision("fp8", "cpu")


def test_bf16_runs_the_forward_in_bf16_and_hands_back_float32():
    model = TwoHeads()
    seen = []
    model.conv.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    wrapped = with_precision(model, "bf16", "cpu")
    assert isinstance(wrapped, AutocastModel)
    out = wrapped(torch.rand(2, 3, 8, 8))
    assert seen == [torch.bfloat16]  # what the probe's hooks see, pooled in float32 by the probe
    assert out["logits"].dtype == out["maps"][0].dtype == torch.float32
    assert out["maps"][1].dtype == torch.int64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_fp16_runs_on_cuda_and_hands_back_float32():
    out = with_precision(TwoHeads().cuda(), "fp16", "cuda")(torch.rand(2, 3, 8, 8, device="cuda"))
    assert out["logits"].dtype == torch.float32 and out["logits"].device.type == "cuda"


def test_the_precision_is_recorded_and_part_of_the_resume_key(tiny_submission, tmp_path):
    fast = dict(pairs=8, batch_size=4, eval_clips=4, bootstrap=0, progress=False)
    result, _ = run(tiny_submission, RunOptions(output=tmp_path, precision="bf16", **fast))
    assert result.run_options.precision == "bf16"
    assert read_result(next(tmp_path.glob("*.json"))).run_options.precision == "bf16"
    ctx = prepare(tiny_submission, RunOptions(output=tmp_path, **fast))
    assert ctx.key["precision"] == "fp32"


def test_fp16_on_the_cpu_is_a_clear_error(tiny_submission, capsys):
    assert main(["run", str(tiny_submission), "--precision", "fp16", "--pairs", "4", "--no-progress"]) != 0
    assert "--precision fp16 needs --device cuda" in capsys.readouterr().err


def test_bf16_moves_a_reference_share_less_than_its_interval_width():
    """c3d-synthetic on 96 true pairs: every layer's dynamic share under bf16 lies within
    the width of the fp32 share's 95% interval."""
    shares = {}
    with tempfile.TemporaryDirectory() as out:
        for precision in ("fp32", "bf16"):
            ctx = prepare(REFERENCE, RunOptions(pairs=96, batch_size=32, bootstrap=100, progress=False,
                                                output=Path(out) / precision, precision=precision))
            measure_pairs(ctx)
            shares[precision] = {name: s.dynamic_share for name, s in ctx.estimator.all_layer_scores().items()}
    for layer, exact in shares["fp32"].items():
        moved = abs(shares["bf16"][layer].value - exact.value)
        assert moved < exact.high - exact.low, (layer, moved, exact)
    assert any(shares["bf16"][layer].value != exact.value for layer, exact in shares["fp32"].items())
