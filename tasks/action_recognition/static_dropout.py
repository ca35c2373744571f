"""StaticDropout (docs/METHOD.md §6): drop the channels that encode static information.

At a chosen layer, the unit analysis of docs/METHOD.md §4 (the estimator's per-unit scores
``u_dyn``, ``u_stat``, measured on pairs of the *training* split) selects the units that
encode static information; during training each selected channel of that layer's output
is zeroed with probability ``p`` per sample, the kept ones scaled by ``1 / (1 - p)``
(inverted dropout), so the expected activation is unchanged.  Nothing happens in eval
mode.  The selection is re-estimated every ``every`` epochs from epoch ``start`` on.

    dropout = StaticDropout(model.get_submodule("res5"), p=0.5)
    with dropout:                       # the forward hook is attached
        dropout.select(select_units(analyse_units(...), "static", 0.5))
        loss = loss_fn(model(x), y)     # selected channels dropped (model.train())

The paper's own stage, rule and ``p`` were not published; here they are parameters
(:class:`StaticDropoutConfig`), recorded with the weights by the trainer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np
import torch
from torch import nn

from benchmark.api.model_spec import InputSpec
from benchmark.api.task import Source, Task
from benchmark.data.clips import LoadedItems, iterate_loaded
from benchmark.errors import BenchmarkError
from benchmark.measure.estimator import (
    UNIT_CLASSES,
    UNIT_THRESHOLD,
    StaticDynamicEstimator,
    UnitScores,
)
from benchmark.measure.probe import LayerProbe, resolve_module
from benchmark.pairs.protocols import parse_protocol, plan_pairs
from benchmark.registry import Registry
from benchmark.run.runner import forward_pairs

# --------------------------------------------------------------------------- selection rules

SelectionRule = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
SELECTION_RULES: Registry[SelectionRule] = Registry("selection rule")


@SELECTION_RULES.register("static")
def static_only(u_dyn: np.ndarray, u_stat: np.ndarray, t: float) -> np.ndarray:
    """The static units of docs/METHOD.md §4: ``u_stat > t`` and ``u_dyn <= t``."""
    return (u_stat > t) & ~(u_dyn > t)


@SELECTION_RULES.register("static-or-joint")
def static_or_joint(u_dyn: np.ndarray, u_stat: np.ndarray, t: float) -> np.ndarray:
    """Every unit that encodes static information, joint units included: ``u_stat > t``."""
    return u_stat > t


@SELECTION_RULES.register("margin")
def static_margin(u_dyn: np.ndarray, u_stat: np.ndarray, t: float) -> np.ndarray:
    """Units more static than dynamic by more than ``t``: ``u_stat - u_dyn > t``."""
    return u_stat - u_dyn > t


@SELECTION_RULES.register("most-static")
def most_static(u_dyn: np.ndarray, u_stat: np.ndarray, t: float) -> np.ndarray:
    """The fraction ``t`` of the units (rounded up) with the largest ``u_stat - u_dyn``: a
    relative rule, for layers where every unit passes the absolute threshold."""
    count = int(np.ceil(t * u_stat.size))
    order = np.argsort(-(u_stat - u_dyn), kind="stable")
    mask = np.zeros(u_stat.shape, dtype=bool)
    mask[order[:count]] = True
    return mask


def select_units(units: UnitScores, rule: str = "static", threshold: float = UNIT_THRESHOLD) -> torch.Tensor:
    """The boolean channel mask (C,) that ``rule`` selects from per-unit scores."""
    mask = SELECTION_RULES.get(rule)(units.dynamic, units.static, threshold)
    return torch.from_numpy(np.asarray(mask, dtype=bool))


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class StaticDropoutConfig:
    """The parameters of StaticDropout, as recorded with the weights.

    ``layer``: module path whose output channels are dropped; ``p``: drop probability of a
    selected channel; ``rule`` / ``threshold``: the selection (:data:`SELECTION_RULES`);
    ``start``: first epoch (0-based) with dropout, the first analysis runs at its start;
    ``every``: re-estimate the selection every this many epochs; ``pairs``: pairs of the
    training split per analysis, built with pair protocol ``protocol``.
    """

    layer: str
    p: float = 0.5
    rule: str = "static"
    threshold: float = UNIT_THRESHOLD
    start: int = 1
    every: int = 1
    pairs: int = 256
    protocol: str = "true"

    def __post_init__(self) -> None:
        if not 0.0 <= self.p < 1.0:
            raise BenchmarkError(f"StaticDropout: p must be in [0, 1), got {self.p}.")
        if self.rule not in SELECTION_RULES:
            raise BenchmarkError(f"StaticDropout: unknown rule {self.rule!r}; "
                                 f"choose one of {', '.join(SELECTION_RULES.names())}.")
        if self.start < 0 or self.every < 1 or self.pairs < 4:
            raise BenchmarkError("StaticDropout: start must be >= 0, every >= 1 and pairs >= 4 "
                                 f"(got start={self.start}, every={self.every}, pairs={self.pairs}).")

    def recorded(self) -> dict:
        return asdict(self)

    def analyses_at(self, epoch: int) -> bool:
        """Whether the selection is (re-)estimated at the start of ``epoch``."""
        return epoch >= self.start and (epoch - self.start) % self.every == 0


# --------------------------------------------------------------------------- the dropout


class StaticDropout:
    """Channel dropout of the selected channels of one module's output, in training only.

    A forward hook on ``module``: while the module is in train mode and a selection is
    set, every selected channel (dimension ``channel_dim`` of the output) is zeroed with
    probability ``p`` independently per sample (first dimension) and kept channels are
    scaled by ``1 / (1 - p)``; channels not selected pass unchanged.  In eval mode the
    output is returned as it is.  Use as a context manager (attaches and removes the hook).
    """

    def __init__(self, module: nn.Module, p: float, channel_dim: int = 1,
                 generator: torch.Generator | None = None):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.module = module
        self.p = float(p)
        self.channel_dim = channel_dim
        self.generator = generator
        self.selected: torch.Tensor | None = None
        self._handle = None

    def select(self, mask: torch.Tensor) -> None:
        """Set the selected channels (a boolean mask over the output's channels)."""
        self.selected = torch.as_tensor(mask, dtype=torch.bool).flatten().clone()

    @property
    def num_selected(self) -> int:
        return 0 if self.selected is None else int(self.selected.sum())

    def __enter__(self) -> StaticDropout:
        self._handle = self.module.register_forward_hook(self._hook)
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def channel_scale(self, output: torch.Tensor) -> torch.Tensor:
        """The multiplier of each (sample, channel), shaped to broadcast over ``output``."""
        channels = output.shape[self.channel_dim]
        if self.selected.numel() != channels:
            raise BenchmarkError(f"StaticDropout: the selection covers {self.selected.numel()} channels, "
                                 f"but the layer outputs {channels}.")
        selected = self.selected.to(output.device)
        draw = torch.rand((output.shape[0], channels), generator=self.generator).to(output.device)
        keep = (draw >= self.p) | ~selected
        scale = torch.where(selected, 1.0 / (1.0 - self.p), 1.0).to(output.dtype)
        factor = keep.to(output.dtype) * scale
        shape = [1] * output.ndim
        shape[0], shape[self.channel_dim] = output.shape[0], channels
        return factor.reshape(shape)

    def _hook(self, module: nn.Module, inputs, output):
        if not module.training or self.selected is None or self.p == 0.0 or not bool(self.selected.any()):
            return output
        return output * self.channel_scale(output)


# --------------------------------------------------------------------------- the analysis


@torch.no_grad()
def analyse_units(model: nn.Module, layer: str, task: Task, source: Source, input: InputSpec,
                  protocol: str = "true", pairs: int = 256, seed: int = 0, batch_size: int = 32,
                  device: str = "cpu") -> UnitScores:
    """Per-unit scores (docs/METHOD.md §4) of module ``layer`` on ``pairs`` pairs of ``source``.

    The model runs in eval mode (nothing dropped) and is returned to the mode it was in.
    """
    was_training = model.training
    model.eval()
    try:
        resolve_module(model, layer, layer)
        estimator = StaticDynamicEstimator(bootstrap=0, seed=seed)
        make = parse_protocol(protocol, task)
        plan = plan_pairs(pairs, len(source), seed)
        items = LoadedItems(plan, partial(make, source), lambda spec: source.clip_id(spec.item))
        with LayerProbe(model, {layer: layer}) as probe:
            for batch, _ in iterate_loaded(items, batch_size, 0, "fail", None):
                estimator.update(*forward_pairs(model, probe, task, input, device, batch))
        return estimator.unit_scores(layer)
    finally:
        model.train(was_training)


class StaticDropoutSchedule:
    """StaticDropout during training: the dropout hook plus its periodic re-selection.

    Call :meth:`on_epoch_start` at the start of every epoch; it re-estimates the selection
    when the configuration says so and returns a log entry (None otherwise).
    """

    def __init__(self, config: StaticDropoutConfig, model: nn.Module, task: Task, source: Source,
                 input: InputSpec, seed: int = 0, device: str = "cpu"):
        self.config = config
        self.model = model
        self.task, self.source, self.input = task, source, input
        self.seed, self.device = seed, device
        self.dropout = StaticDropout(resolve_module(model, config.layer, config.layer), config.p)
        self.history: list[dict] = []

    def __enter__(self) -> StaticDropoutSchedule:
        self.dropout.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.dropout.__exit__(*exc)

    def on_epoch_start(self, epoch: int) -> dict | None:
        config = self.config
        if not config.analyses_at(epoch):
            return None
        units = analyse_units(self.model, config.layer, self.task, self.source, self.input, config.protocol,
                              config.pairs, seed=self.seed * 1000 + epoch, device=self.device)
        mask = select_units(units, config.rule, config.threshold)
        self.dropout.select(mask)
        entry = {"epoch": epoch, "selected": int(mask.sum()), "units": int(mask.numel()),
                 **{f"{name}_units": int((units.classes == k).sum()) for k, name in enumerate(UNIT_CLASSES)}}
        self.history.append(entry)
        return entry
