"""Floating-point operations of one forward pass (``torch.utils.flop_counter``).

The count is what :class:`~torch.utils.flop_counter.FlopCounterMode` attributes to the
operations it has formulas for - convolutions, matrix products, attention - with a
multiply-add counted as 2 FLOPs; element-wise operations (activations, normalisation,
pooling) are not counted.  ``benchmark run`` records it per clip in the result
(``flops``), from one clip of the first planned pair, so the leaderboard can show it
without importing torch or submission code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from benchmark.errors import DataError


def count_flops(model: nn.Module, inputs: Any) -> int:
    """FLOPs of ``model(inputs)`` (no gradients).

    The parameters are frozen while counting (and restored after): the counter's module
    tracker hooks the gradient of every module input that requires one, which fails for a
    parameter passed to a submodule under ``no_grad`` (a learned query expanded into a
    transformer decoder, say)."""
    from torch.utils.flop_counter import FlopCounterMode

    parameters = list(model.parameters())
    trainable = [p.requires_grad for p in parameters]
    try:
        for p in parameters:
            p.requires_grad_(False)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(inputs)
    finally:
        for p, flag in zip(parameters, trainable, strict=True):
            p.requires_grad_(flag)
    return int(counter.get_total_flops())


def first_loadable(candidates: Iterable[Any], load: Callable[[Any], Any], tries: int = 20) -> Any | None:
    """``load(c)`` of the first of ``candidates`` that loads (a bad video raises
    :class:`DataError`), trying at most ``tries``; None when none did."""
    for attempt, candidate in enumerate(candidates):
        if attempt >= tries:
            break
        try:
            return load(candidate)
        except DataError:
            continue
    return None
