"""Forward hooks that pool every declared layer in one forward pass (METHOD.md §2).

The model is not modified: each declared module path gets a forward hook that pools its
output to one vector per clip.  Models that fold frames into the batch (2D networks applied
per frame, shape (B*T, ...)) are unfolded and averaged over time too.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import torch
from torch import nn

from benchmark.api.model_spec import LayerSpec
from benchmark.errors import LayerError


def pool_output(output: torch.Tensor, pool: str = "auto") -> torch.Tensor:
    """Pool one layer output to (N, C) in float32 (METHOD.md §2)."""
    x = output.detach().float()
    if pool == "channels_last" and x.ndim >= 3:  # (N, ..., C), e.g. Swin's (N, T, H, W, C)
        return x.flatten(1, -2).mean(1)
    if x.ndim >= 4:  # (N, C, T, H, W) or (N, C, H, W): average everything but channels
        return x.flatten(2).mean(-1)
    if x.ndim == 3:
        if pool == "channels_first":  # (N, C, L)
            return x.mean(-1)
        return x.mean(1)  # (N, tokens, C): mean over all tokens, class token included
    if x.ndim == 2:
        return x
    raise ValueError(f"cannot pool an output of shape {tuple(x.shape)}")


def _tensors(output, index: int | None) -> list[torch.Tensor]:
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, (tuple, list)):
        if index is not None:
            return _tensors(output[index], None)
        found = [item for item in output if isinstance(item, torch.Tensor)]
        if found:
            return found
    if isinstance(output, Mapping):
        return [v for v in output.values() if isinstance(v, torch.Tensor)]
    raise TypeError(f"output of type {type(output).__name__} holds no tensor")


def resolve_module(model: nn.Module, path: str, layer: str) -> nn.Module:
    """``model.get_submodule(path)`` with an error that suggests the closest names."""
    try:
        return model.get_submodule(path)
    except AttributeError:
        names = [name for name, _ in model.named_modules() if name]
        close = difflib.get_close_matches(path, names, n=5, cutoff=0.4)
        hint = f" Closest module paths: {', '.join(close)}." if close else ""
        raise LayerError(
            f"Layer {layer!r}: module path {path!r} does not exist in "
            f"{type(model).__name__}.{hint} Fix 'layers.{layer}' in submission.yaml "
            "(module paths are the names printed by model.named_modules())."
        ) from None


class LayerProbe:
    """Attach pooling hooks to named layers; use as a context manager.

    >>> with LayerProbe(model, {"res5": "blocks.4"}) as probe:
    ...     logits = model(x)
    ...     feats = probe.pop(batch_size=x.shape[0])   # {"res5": (B, C)}
    """

    def __init__(self, model: nn.Module, layers: Mapping[str, str | LayerSpec]):
        self.model = model
        self.layers = {
            name: spec if isinstance(spec, LayerSpec) else LayerSpec(module=spec)
            for name, spec in layers.items()
        }
        self.modules = {
            name: resolve_module(model, spec.module, name) for name, spec in self.layers.items()
        }
        self._captured: dict[str, torch.Tensor] = {}
        self._handles: list = []

    def __enter__(self) -> LayerProbe:
        for name, module in self.modules.items():
            self._handles.append(module.register_forward_hook(self._hook(name)))
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._captured.clear()

    def _hook(self, name: str):
        spec = self.layers[name]

        def hook(module, inputs, output):
            try:
                pooled = [pool_output(t, spec.pool) for t in _tensors(output, spec.output)]
            except (TypeError, ValueError, IndexError) as error:
                raise LayerError(
                    f"Layer {name!r} ({spec.module}): cannot pool its output: {error}. Set "
                    f"'layers.{name}.output' or 'layers.{name}.pool' in submission.yaml."
                ) from None
            rows = {p.shape[0] for p in pooled}
            if len(rows) != 1:
                raise LayerError(
                    f"Layer {name!r}: its output tensors disagree on the batch size {sorted(rows)}; "
                    f"choose one with 'layers.{name}.output'."
                )
            self._captured[name] = torch.cat(pooled, dim=1) if len(pooled) > 1 else pooled[0]

        return hook

    def pop(self, batch_size: int) -> dict[str, torch.Tensor]:
        """Pooled features of the last forward, (batch_size, C) per layer; clears them."""
        missing = [name for name in self.layers if name not in self._captured]
        if missing:
            raise LayerError(
                f"Layers {missing} were not executed in the forward pass; check that these "
                "modules are used by the model's forward()."
            )
        out = {}
        for name in self.layers:
            x = self._captured.pop(name)
            if x.shape[0] != batch_size:
                if x.shape[0] % batch_size:
                    raise LayerError(
                        f"Layer {name!r}: pooled output has {x.shape[0]} rows for a batch of "
                        f"{batch_size} clips; cannot map rows to clips."
                    )
                x = x.reshape(batch_size, x.shape[0] // batch_size, -1).mean(1)  # (B*T, C) -> (B, C)
            out[name] = x
        return out
