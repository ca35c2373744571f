"""A zoo of small action-recognition models, from frame-only to strongly temporal.

Eight designs users know, sized to train in minutes on one CPU core (8 frames at 48x48):

=============== ============================================================== ==========
name            design                                                         time
=============== ============================================================== ==========
``tsn``         2D ResNet per frame, logits averaged over time (TSN)           none
``late-fusion`` 2D ResNet per frame, per-frame features concatenated + MLP     head only
``two-stream``  spatial stream (centre frame) + temporal stream (stacked       input
                frame differences), fused by an MLP
``tsm``         2D ResNet with temporal channel shifts in every block (TSM)    every block
``r2plus1d``    factorised (2+1)D convolutions (R(2+1)D)                       every block
``r3d``         3D convolutions (R3D)                                          every block
``slowfast``    slow (T/4 frames, wide) + fast (T frames, thin) pathways with  every block
                fast-to-slow lateral connections (SlowFast)
``timesformer`` video transformer, divided space-time attention (TimeSformer)  every block
=============== ============================================================== ==========

Every convolutional activation stays 5-D (B, C, T, H, W): a per-frame 2D convolution is a
``Conv3d`` with a (1, k, k) kernel, so all stages are probed alike (METHOD.md §2).  Each
class's ``LAYERS`` maps the zoo's five probe names ``stem``, ``early``, ``middle``, ``late``
and ``last`` to its module paths (``last``: ``res5``, the fusion MLP, or the last
transformer block); the zoo's submissions declare exactly these.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

WIDTHS = (16, 24, 32, 48)
"""Channels of res2..res5 (stem = res2) of every convolutional zoo model."""

Stride = tuple[int, int, int]

RESNET_LAYERS = {"stem": "stem", "early": "res2", "middle": "res3", "late": "res4", "last": "res5"}
FUSION_LAYERS = {"stem": "stem", "early": "res2", "middle": "res3", "late": "res4", "last": "fusion"}
TRANSFORMER_LAYERS = {"stem": "embed", "early": "blocks.0", "middle": "blocks.1", "late": "blocks.2",
                      "last": "blocks.3"}


# -- convolutions by how they treat time --------------------------------------------------
def _conv_2d(cin: int, cout: int, stride: Stride) -> nn.Module:
    """A per-frame 3x3 convolution (kernel 1 in time)."""
    return nn.Conv3d(cin, cout, (1, 3, 3), stride=stride, padding=(0, 1, 1), bias=False)


def _conv_3d(cin: int, cout: int, stride: Stride) -> nn.Module:
    """A 3x3x3 spatiotemporal convolution."""
    return nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=False)


def _conv_2plus1d(cin: int, cout: int, stride: Stride) -> nn.Module:
    """A 1x3x3 spatial convolution, BN-ReLU, then a 3x1x1 temporal one (R(2+1)D)."""
    st, sh, sw = stride
    return nn.Sequential(
        nn.Conv3d(cin, cout, (1, 3, 3), stride=(1, sh, sw), padding=(0, 1, 1), bias=False),
        nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
        nn.Conv3d(cout, cout, (3, 1, 1), stride=(st, 1, 1), padding=(1, 0, 0), bias=False),
    )


CONVS: dict[str, Callable[[int, int, Stride], nn.Module]] = {
    "2d": _conv_2d, "shift": _conv_2d, "3d": _conv_3d, "2+1d": _conv_2plus1d,
}
"""Block kinds: the 3x3 convolution of each (``shift`` = ``2d`` after a temporal shift)."""


class TemporalShift(nn.Module):
    """Shift 1/``fold_div`` of the channels one frame forward in time and as many one frame
    backward, zero-padded (TSM, Lin et al. ICCV 2019); (B, C, T, H, W) in and out."""

    def __init__(self, fold_div: int = 8):
        super().__init__()
        self.fold_div = fold_div

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fold = x.shape[1] // self.fold_div
        out = torch.zeros_like(x)
        out[:, :fold, 1:] = x[:, :fold, :-1]  # frame t sees frame t-1
        out[:, fold:2 * fold, :-1] = x[:, fold:2 * fold, 1:]  # frame t sees frame t+1
        out[:, 2 * fold:] = x[:, 2 * fold:]
        return out


class ResBlock(nn.Module):
    """conv-BN-ReLU-conv-BN with a (projected) residual; ``kind`` picks the convolution."""

    def __init__(self, kind: str, cin: int, cout: int, stride: Stride = (1, 1, 1)):
        super().__init__()
        conv = CONVS[kind]
        self.shift = TemporalShift() if kind == "shift" else nn.Identity()
        self.body = nn.Sequential(
            conv(cin, cout, stride), nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
            conv(cout, cout, (1, 1, 1)), nn.BatchNorm3d(cout),
        )
        if cin == cout and stride == (1, 1, 1):
            self.skip: nn.Module = nn.Identity()
        else:
            self.skip = nn.Sequential(nn.Conv3d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm3d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(self.shift(x)) + self.skip(x))


def stem(cin: int, cout: int, temporal_kernel: int = 1) -> nn.Sequential:
    """5x5 convolution with spatial stride 2 (temporal kernel ``temporal_kernel``), BN-ReLU."""
    return nn.Sequential(
        nn.Conv3d(cin, cout, (temporal_kernel, 5, 5), stride=(1, 2, 2),
                  padding=(temporal_kernel // 2, 2, 2), bias=False),
        nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
    )


def _stage_strides(temporal: tuple[int, int, int, int]) -> list[Stride]:
    """res2..res5 strides: spatial 1, 2, 2, 2; temporal as given."""
    return [(t, s, s) for t, s in zip(temporal, (1, 2, 2, 2), strict=True)]


# -- single-pathway ResNets ---------------------------------------------------------------
class VideoResNet(nn.Module):
    """stem + res2..res5 of ``kind`` blocks, global average pool, linear head."""

    kind = "3d"
    temporal_strides = (1, 1, 2, 2)
    stem_temporal_kernel = 3
    LAYERS = RESNET_LAYERS

    def __init__(self, num_classes: int, widths: tuple[int, ...] = WIDTHS):
        super().__init__()
        self.stem = stem(3, widths[0], self.stem_temporal_kernel)
        cins = (widths[0], *widths[:-1])
        strides = _stage_strides(self.temporal_strides)
        for name, cin, cout, stride in zip(("res2", "res3", "res4", "res5"), cins, widths, strides, strict=True):
            self.add_module(name, ResBlock(self.kind, cin, cout, stride))
        self.head = nn.Linear(widths[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.res5(self.res4(self.res3(self.res2(self.stem(x)))))
        return self.head(y.mean(dim=(2, 3, 4)))


class TSN(VideoResNet):
    """Frame-only: a 2D ResNet on every frame, averaged over time (TSN's average consensus;
    the head is linear, so averaging features equals averaging per-frame logits)."""

    kind = "2d"
    temporal_strides = (1, 1, 1, 1)
    stem_temporal_kernel = 1


class TSM(VideoResNet):
    """A 2D ResNet whose blocks shift 1/8 + 1/8 of their channels one frame along time."""

    kind = "shift"
    temporal_strides = (1, 1, 1, 1)
    stem_temporal_kernel = 1


class R2Plus1D(VideoResNet):
    """Factorised (2+1)D convolutions; time downsampled in res4 and res5."""

    kind = "2+1d"


class R3D(VideoResNet):
    """3D convolutions throughout; time downsampled in res4 and res5."""

    kind = "3d"


# -- fusion models ------------------------------------------------------------------------
class LateFusion(nn.Module):
    """A 2D ResNet (stem, res2..res4) on every frame; the per-frame feature vectors are
    concatenated in time order and fused by an MLP (``fusion``) before the head."""

    LAYERS = FUSION_LAYERS

    def __init__(self, num_classes: int, frames: int = 8, widths: tuple[int, ...] = WIDTHS):
        super().__init__()
        self.frames = frames
        self.stem = stem(3, widths[0])
        self.res2 = ResBlock("2d", widths[0], widths[0])
        self.res3 = ResBlock("2d", widths[0], widths[1], (1, 2, 2))
        self.res4 = ResBlock("2d", widths[1], widths[2], (1, 2, 2))
        self.fusion = nn.Sequential(nn.Linear(frames * widths[2], widths[3]), nn.ReLU(inplace=True))
        self.head = nn.Linear(widths[3], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_frames(self, x)
        per_frame = self.res4(self.res3(self.res2(self.stem(x)))).mean(dim=(3, 4))  # (B, C, T)
        return self.head(self.fusion(per_frame.transpose(1, 2).flatten(1)))


class Streams(nn.Module):
    """Two modules applied side by side to a pair (or list) of inputs; returns a list."""

    def __init__(self, first: nn.Module, second: nn.Module):
        super().__init__()
        self.first, self.second = first, second

    def forward(self, pair: list[torch.Tensor]) -> list[torch.Tensor]:
        return [self.first(pair[0]), self.second(pair[1])]


class TwoStream(nn.Module):
    """Two-stream network: a spatial stream on the centre frame and a temporal stream on the
    T-1 frame differences stacked along channels (Simonyan & Zisserman's stacked-flow input,
    with RGB differences for flow as in TSN); pooled features concatenated, fused by an MLP.
    Every stage is a :class:`Streams` pair, so probing it sees both streams."""

    LAYERS = FUSION_LAYERS

    def __init__(self, num_classes: int, frames: int = 8, widths: tuple[int, ...] = WIDTHS):
        super().__init__()
        self.frames = frames
        self.stem = Streams(stem(3, widths[0]), stem(3 * (frames - 1), widths[0]))

        def pair(cin: int, cout: int, stride: Stride) -> Streams:
            return Streams(ResBlock("2d", cin, cout, stride), ResBlock("2d", cin, cout, stride))

        self.res2 = pair(widths[0], widths[0], (1, 1, 1))
        self.res3 = pair(widths[0], widths[1], (1, 2, 2))
        self.res4 = pair(widths[1], widths[2], (1, 2, 2))
        self.fusion = nn.Sequential(nn.Linear(2 * widths[2], widths[3]), nn.ReLU(inplace=True))
        self.head = nn.Linear(widths[3], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_frames(self, x)
        b, c, t, h, w = x.shape
        centre = x[:, :, t // 2: t // 2 + 1]
        differences = (x[:, :, 1:] - x[:, :, :-1]).reshape(b, c * (t - 1), 1, h, w)
        rgb, motion = self.res4(self.res3(self.res2(self.stem([centre, differences]))))
        pooled = torch.cat([rgb.mean(dim=(2, 3, 4)), motion.mean(dim=(2, 3, 4))], dim=1)
        return self.head(self.fusion(pooled))


def _check_frames(model: nn.Module, x: torch.Tensor) -> None:
    if x.shape[2] != model.frames:
        raise ValueError(f"{type(model).__name__} was built for {model.frames} frames, got {x.shape[2]}; "
                         "set model_args.frames to the manifest's input.frames")


# -- SlowFast -----------------------------------------------------------------------------
class Lateral(nn.Module):
    """Fuse fast into slow: a time-strided 5x1x1 convolution of the fast features
    (2x their channels), concatenated to the slow features (SlowFast's time-strided conv)."""

    def __init__(self, fast_channels: int, alpha: int):
        super().__init__()
        self.conv = nn.Conv3d(fast_channels, 2 * fast_channels, (5, 1, 1), stride=(alpha, 1, 1),
                              padding=(2, 0, 0), bias=False)
        self.norm = nn.BatchNorm3d(2 * fast_channels)

    def forward(self, pathways: list[torch.Tensor]) -> list[torch.Tensor]:
        slow, fast = pathways
        return [torch.cat([slow, torch.relu(self.norm(self.conv(fast)))], dim=1), fast]


class SlowFast(nn.Module):
    """Two pathways, input ``[slow, fast]`` (manifest ``pathways: [alpha, 1]``): the slow one
    sees T/alpha frames with ``widths`` channels and temporal kernels only in res4/res5; the
    fast one sees all T frames with ``widths / beta_inv`` channels and temporal kernels
    everywhere; laterals after the stem and res2..res4.  Each stage returns both pathways."""

    LAYERS = RESNET_LAYERS

    def __init__(self, num_classes: int, widths: tuple[int, ...] = WIDTHS, alpha: int = 4,
                 beta_inv: int = 4):
        super().__init__()
        fast = tuple(max(4, w // beta_inv) for w in widths)
        self.stem = nn.Sequential(Streams(stem(3, widths[0], 1), stem(3, fast[0], 3)), Lateral(fast[0], alpha))
        slow_kinds = ("2d", "2d", "3d", "3d")
        strides = _stage_strides((1, 1, 1, 1))
        slow_in, fast_in = widths[0] + 2 * fast[0], fast[0]
        for i, name in enumerate(("res2", "res3", "res4", "res5")):
            stage: nn.Module = Streams(ResBlock(slow_kinds[i], slow_in, widths[i], strides[i]),
                                       ResBlock("3d", fast_in, fast[i], strides[i]))
            if name != "res5":
                stage = nn.Sequential(stage, Lateral(fast[i], alpha))
            self.add_module(name, stage)
            slow_in, fast_in = widths[i] + (2 * fast[i] if name != "res5" else 0), fast[i]
        self.head = nn.Linear(widths[-1] + fast[-1], num_classes)

    def forward(self, pathways: list[torch.Tensor]) -> torch.Tensor:
        slow, fast = self.res5(self.res4(self.res3(self.res2(self.stem(list(pathways))))))
        return self.head(torch.cat([slow.mean(dim=(2, 3, 4)), fast.mean(dim=(2, 3, 4))], dim=1))


# -- TimeSformer --------------------------------------------------------------------------
class PatchEmbed(nn.Module):
    """Non-overlapping ``patch`` x ``patch`` patches of every frame, linearly embedded, plus
    learned space and time position embeddings; returns tokens (B, T*N, D), frame-major."""

    def __init__(self, dim: int, frames: int, size: int, patch: int):
        super().__init__()
        if size % patch:
            raise ValueError(f"input size {size} is not a multiple of the patch size {patch}")
        self.frames = frames
        self.proj = nn.Conv3d(3, dim, (1, patch, patch), stride=(1, patch, patch))
        self.pos_space = nn.Parameter(torch.zeros(1, 1, (size // patch) ** 2, dim))
        self.pos_time = nn.Parameter(torch.zeros(1, frames, 1, dim))
        nn.init.trunc_normal_(self.pos_space, std=0.02)
        nn.init.trunc_normal_(self.pos_time, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_frames(self, x)
        tokens = self.proj(x).flatten(3).permute(0, 2, 3, 1)  # (B, T, N, D)
        if tokens.shape[2] != self.pos_space.shape[2]:
            raise ValueError(f"PatchEmbed was built for {self.pos_space.shape[2]} patches per frame, "
                             f"got {tokens.shape[2]}; set model_args.size to the manifest's input.size")
        tokens = tokens + self.pos_space + self.pos_time
        return tokens.flatten(1, 2)


class DividedBlock(nn.Module):
    """Pre-norm transformer block with divided attention: temporal (each patch position
    attends over the T frames), then spatial (each frame's N patches), then an MLP."""

    def __init__(self, dim: int, heads: int, frames: int, mlp_ratio: int = 2):
        super().__init__()
        self.frames = frames
        self.norm_time, self.norm_space, self.norm_mlp = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn_time = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.attn_space = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    @staticmethod
    def _attend(attn: nn.MultiheadAttention, norm: nn.LayerNorm, x: torch.Tensor) -> torch.Tensor:
        h = norm(x)
        return x + attn(h, h, h, need_weights=False)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, length, d = x.shape
        t, n = self.frames, length // self.frames
        along_time = x.reshape(b, t, n, d).transpose(1, 2).reshape(b * n, t, d)
        along_time = self._attend(self.attn_time, self.norm_time, along_time)
        along_space = along_time.reshape(b, n, t, d).transpose(1, 2).reshape(b * t, n, d)
        along_space = self._attend(self.attn_space, self.norm_space, along_space)
        x = along_space.reshape(b, length, d)
        return x + self.mlp(self.norm_mlp(x))


class TimeSformer(nn.Module):
    """A small TimeSformer: patch embedding, ``depth`` divided space-time blocks, mean of
    all tokens (no class token), LayerNorm, linear head."""

    LAYERS = TRANSFORMER_LAYERS

    def __init__(self, num_classes: int, frames: int = 8, size: int = 48, patch: int = 8,
                 dim: int = 48, depth: int = 4, heads: int = 4):
        super().__init__()
        self.embed = PatchEmbed(dim, frames, size, patch)
        self.blocks = nn.Sequential(*[DividedBlock(dim, heads, frames) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(self.blocks(self.embed(x)).mean(1)))


ZOO: dict[str, type[nn.Module]] = {
    "tsn": TSN,
    "late-fusion": LateFusion,
    "two-stream": TwoStream,
    "tsm": TSM,
    "r2plus1d": R2Plus1D,
    "r3d": R3D,
    "slowfast": SlowFast,
    "timesformer": TimeSformer,
}
"""The zoo's architectures by name, from frame-only to strongly temporal."""
