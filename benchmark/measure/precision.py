"""The numeric precision of the model's forward (``benchmark run --precision``).

``fp32`` runs the model as it is; ``bf16`` and ``fp16`` run its forward under
:func:`torch.autocast` and hand its floating outputs back in float32.  The layer probe
pools in float32 and the estimator accumulates in float64 whatever the forward's
precision.  ``fp16`` is refused on the CPU (autocast there is bf16).  The precision
changes numbers, so it is recorded in the result's ``run_options`` and in the resume
checkpoint's key.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from benchmark.errors import BenchmarkError

PRECISIONS: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def check_precision(precision: str, device: str) -> None:
    """A :class:`BenchmarkError` for an unknown precision, or fp16 off a CUDA device."""
    if precision not in PRECISIONS:
        raise BenchmarkError(f"--precision {precision}: unknown; use one of {', '.join(PRECISIONS)}.")
    if precision == "fp16" and torch.device(device).type != "cuda":
        raise BenchmarkError(f"--precision fp16 needs --device cuda (got --device {device}); "
                             "on the CPU use --precision bf16 or fp32.")


def _as_float32(output: Any) -> Any:
    if isinstance(output, torch.Tensor):
        return output.float() if output.dtype in (torch.float16, torch.bfloat16) else output
    if isinstance(output, (list, tuple)) and not hasattr(output, "_fields"):
        return type(output)(_as_float32(x) for x in output)
    if isinstance(output, dict):
        return {k: _as_float32(v) for k, v in output.items()}
    return output


class AutocastModel(nn.Module):
    """``model`` with its forward under autocast to ``dtype``; float outputs in float32."""

    def __init__(self, model: nn.Module, dtype: torch.dtype, device_type: str) -> None:
        super().__init__()
        self.model = model
        self.dtype = dtype
        self.device_type = device_type

    def forward(self, *args, **kwargs):
        with torch.autocast(self.device_type, dtype=self.dtype):
            output = self.model(*args, **kwargs)
        return _as_float32(output)


def with_precision(model: nn.Module, precision: str, device: str) -> nn.Module:
    """``model`` running its forward in ``precision`` on ``device`` (itself for fp32)."""
    check_precision(precision, device)
    dtype = PRECISIONS[precision]
    return model if dtype is None else AutocastModel(model, dtype, torch.device(device).type)
