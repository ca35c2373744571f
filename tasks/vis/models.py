"""Compact query-based VIS models (Mask2Former-VIS-like, sized for CPU and 64x64 clips).

``QueryVIS(temporal=True)`` -- the reference: a (2+1)D CNN clip encoder, N learned
instance queries decoded against the features of the whole clip, so each query is one
track over all frames; trained with Hungarian matching of queries to whole tracks.

``QueryVIS(temporal=False)`` -- the per-frame baseline: the same network with no temporal
modelling (2D convolutions, every frame encoded and decoded on its own, trained with
per-frame matching); tracks link each frame's queries to the tracks so far by embedding
similarity (:func:`link_queries`, MinVIS-style), and a track's class is the mean of its
frames' class probabilities.

Both classify a query (:class:`TrackClassifier`) from its embedding plus the pixel
features averaged under its own predicted mask, mixed over the frames it sees (all the
clip's for the reference, one for the baseline).  A per-pixel category head
(``pred_semantic``) is a training aid only (``LossWeights.semantic``).

Input (B, 3, T, H, W).  Output (the VIS output contract the adapter reads)::

    {"pred_logits": (B, N, K + 1)   class logits, last = no object,
     "pred_masks":  (B, N, T, H/2, W/2)  mask logits per query and frame}

(the per-frame model adds its unlinked ``"frame_logits"`` (B, T, N, K + 1) and
``"frame_masks"``).  Probe-able modules:
``encoder.stage1..3`` (5-D stage outputs), ``pixel_decoder``, ``decoder`` and ``queries``,
an identity whose output is the (B, N, C) query embeddings (per frame: (B*T, N, C)).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn


class Block(nn.Sequential):
    """Two spatial 1x3x3 convs (the first with stride 2), then a temporal 3x1x1 conv, or,
    without temporal modelling, a pointwise 1x1x1 conv in its place; BatchNorm + ReLU
    after each.  Both variants see the same spatial context."""

    def __init__(self, cin: int, cout: int, temporal: bool):
        time = 3 if temporal else 1
        super().__init__(
            nn.Conv3d(cin, cout, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False),
            nn.BatchNorm3d(cout),
            nn.ReLU(inplace=True),
            nn.Conv3d(cout, cout, (1, 3, 3), padding=(0, 1, 1), bias=False),
            nn.BatchNorm3d(cout),
            nn.ReLU(inplace=True),
            nn.Conv3d(cout, cout, (time, 1, 1), padding=(time // 2, 0, 0), bias=False),
            nn.BatchNorm3d(cout),
            nn.ReLU(inplace=True),
        )


class ClipEncoder(nn.Module):
    """Three stages at strides 2, 4, 8: ``stage1``, ``stage2``, ``stage3``."""

    def __init__(self, widths: tuple[int, int, int], temporal: bool):
        super().__init__()
        self.stage1 = Block(3, widths[0], temporal)
        self.stage2 = Block(widths[0], widths[1], temporal)
        self.stage3 = Block(widths[1], widths[2], temporal)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        f1 = self.stage1(x)
        f2 = self.stage2(f1)
        return [f1, f2, self.stage3(f2)]


def _upsample(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=like.shape[2:], mode="nearest")


class PixelDecoder(nn.Module):
    """Top-down fusion of the three stages into per-pixel embeddings at stride 2."""

    def __init__(self, widths: tuple[int, int, int], dim: int):
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv3d(w, dim, 1) for w in widths)
        self.out = nn.Sequential(nn.ReLU(), nn.Conv3d(dim, dim, 1))

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        f1, f2, f3 = (lateral(f) for lateral, f in zip(self.lateral, features, strict=True))
        x = f2 + _upsample(f3, f2)
        return self.out(f1 + _upsample(x, f1))


def _coordinates(t: int, h: int, w: int, device) -> torch.Tensor:
    """(t*h*w, 3) normalised (time, y, x) of every cell, in [-1, 1]."""
    axes = [torch.linspace(-1, 1, n, device=device) if n > 1 else torch.zeros(1, device=device) for n in (t, h, w)]
    return torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1).reshape(-1, 3)


class QueryDecoder(nn.Module):
    """Learned queries attending (with self-attention between them) to the tokens of the
    two deepest stages, each token tagged with its (time, y, x) position and its stage."""

    def __init__(self, widths: tuple[int, ...], dim: int, num_queries: int, layers: int, heads: int):
        super().__init__()
        self.query = nn.Parameter(torch.randn(num_queries, dim) * 0.1)
        self.memory = nn.ModuleList(nn.Linear(w, dim) for w in widths)
        self.level = nn.Parameter(torch.zeros(len(widths), dim))
        self.position = nn.Linear(3, dim)
        layer = nn.TransformerDecoderLayer(dim, heads, 2 * dim, dropout=0.0, batch_first=True, norm_first=True)
        self.layers = nn.TransformerDecoder(layer, layers, norm=nn.LayerNorm(dim))

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        tokens = []
        for k, (project, f) in enumerate(zip(self.memory, features, strict=True)):
            _, _, t, h, w = f.shape
            position = self.position(_coordinates(t, h, w, f.device)) + self.level[k]
            tokens.append(project(f.flatten(2).transpose(1, 2)) + position)
        memory = torch.cat(tokens, dim=1)
        return self.layers(self.query.expand(memory.shape[0], -1, -1), memory)


class TrackClassifier(nn.Module):
    """Class logits of each query from its embedding and, frame by frame, the pixel
    features averaged under its (soft, detached) mask, mixed over time by a temporal
    convolution (kernel 3; a per-frame model's clips have one frame) and averaged over time."""

    def __init__(self, dim: int, pixel_dim: int, num_classes: int):
        super().__init__()
        self.pixels = nn.Sequential(nn.Conv3d(pixel_dim, dim, 1), nn.ReLU())
        self.temporal = nn.Conv1d(2 * dim, dim, 3, padding=1)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, num_classes + 1))

    def forward(self, queries: torch.Tensor, masks: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
        b, n, t = masks.shape[:3]
        weights = masks.detach().sigmoid()
        pooled = torch.einsum("bnthw,bcthw->bntc", weights, self.pixels(pixels))
        pooled = pooled / weights.sum((3, 4)).clamp_min(1.0)[..., None]
        x = torch.cat([pooled, queries[:, :, None].expand(-1, -1, t, -1)], dim=-1)  # (B, N, T, 2C)
        x = self.temporal(x.flatten(0, 1).transpose(1, 2)).mean(-1)  # (B*N, C)
        return self.head(x).view(b, n, -1)


class QueryVIS(nn.Module):
    """Query-based VIS: clip encoder, pixel decoder, query decoder, class and mask heads."""

    def __init__(
        self,
        num_classes: int = 8,
        num_queries: int = 8,
        widths: tuple[int, int, int] = (16, 32, 64),
        dim: int = 48,
        pixel_dim: int = 32,
        layers: int = 2,
        heads: int = 4,
        temporal: bool = True,
    ):
        super().__init__()
        widths = tuple(widths)
        self.temporal = temporal
        self.num_classes = num_classes
        self.encoder = ClipEncoder(widths, temporal)
        self.pixel_decoder = PixelDecoder(widths, pixel_dim)
        self.decoder = QueryDecoder(widths[1:], dim, num_queries, layers, heads)
        self.queries = nn.Identity()  # probe hook: (B, N, C) query embeddings
        self.classifier = TrackClassifier(dim, pixel_dim, num_classes)
        self.semantic = nn.Conv3d(pixel_dim, num_classes, 1)  # per-pixel categories (training aid)
        self.mask_embed = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, pixel_dim))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        b, _, t, h, w = x.shape
        if not self.temporal:  # every frame is a clip of one frame
            x = x.transpose(1, 2).reshape(b * t, 3, 1, h, w)
        features = self.encoder(x)
        pixels = self.pixel_decoder(features)
        queries = self.queries(self.decoder(features[1:]))
        masks = torch.einsum("bnc,bcthw->bnthw", self.mask_embed(queries), pixels)
        logits = self.classifier(queries, masks, pixels)
        if self.temporal:
            return {"pred_logits": logits, "pred_masks": masks, "pred_semantic": self.semantic(pixels)}
        n, k = logits.shape[1], logits.shape[2]
        frame_logits = logits.reshape(b, t, n, k)
        frame_masks = masks.reshape(b, t, n, *masks.shape[-2:])
        order = link_queries(queries.reshape(b, t, n, -1))
        linked_logits = _gather_queries(frame_logits, order)
        linked_masks = _gather_queries(frame_masks, order).transpose(1, 2)
        # A track's class: the mean over its frames of the class probabilities.
        video_logits = linked_logits.softmax(-1).mean(1).clamp_min(1e-8).log()
        return {"pred_logits": video_logits, "pred_masks": linked_masks,
                "frame_logits": frame_logits, "frame_masks": frame_masks.transpose(1, 2),
                "pred_semantic": self.semantic(pixels).reshape(b, t, -1, *pixels.shape[-2:]).transpose(1, 2)}


@torch.no_grad()
def link_queries(embeddings: torch.Tensor) -> torch.Tensor:
    """Tracks from per-frame queries (MinVIS-style): ``embeddings`` (B, T, N, C) of the
    queries of each frame; returns ``order`` (B, T, N) with ``order[b, t, k]`` the query of
    frame t that continues track k.  Track k starts as query k of frame 0; each later frame's
    queries are assigned one-to-one (Hungarian) to the tracks by cosine similarity to the
    mean embedding of each track so far."""
    b, t, n, _ = embeddings.shape
    unit = F.normalize(embeddings.float(), dim=-1).cpu()
    order = torch.arange(n).repeat(b, t, 1)
    for i in range(b):
        memory = unit[i, 0].clone()
        for f in range(1, t):
            similarity = F.normalize(memory, dim=-1) @ unit[i, f].T  # (tracks, queries)
            tracks, queries = linear_sum_assignment(similarity.numpy(), maximize=True)
            order[i, f, torch.from_numpy(tracks)] = torch.from_numpy(queries)
            memory += unit[i, f, order[i, f]]
    return order.to(embeddings.device)


def _gather_queries(values: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """``values`` (B, T, N, ...) with the queries of each frame put in track ``order`` (B, T, N)."""
    index = order.reshape(*order.shape, *([1] * (values.ndim - 3))).expand_as(values)
    return values.gather(2, index)


ARCHITECTURES = {
    "query": lambda **kw: QueryVIS(temporal=True, **kw),
    "perframe": lambda **kw: QueryVIS(temporal=False, **kw),
}
