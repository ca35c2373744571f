"""Forward hooks pool every declared layer in one pass, without changing the model."""

from __future__ import annotations

import torch
from torch import nn

from benchmark.api.model_spec import LayerSpec
from benchmark.measure.probe import LayerProbe, pool_output


def test_pooling_by_rank():
    video = torch.arange(2 * 3 * 4 * 5 * 6, dtype=torch.float32).reshape(2, 3, 4, 5, 6)
    assert torch.allclose(pool_output(video), video.mean(dim=(2, 3, 4)))
    tokens = torch.randn(2, 7, 3)
    assert torch.allclose(pool_output(tokens), tokens.mean(1))  # class token included
    assert torch.allclose(pool_output(tokens, "channels_first"), tokens.mean(2))
    assert pool_output(torch.ones(2, 3, dtype=torch.float16)).dtype == torch.float32


class TwoPathway(nn.Module):
    """Returns a list like SlowFast stages; counts forward calls."""

    def __init__(self):
        super().__init__()
        self.slow = nn.Conv3d(3, 4, 1)
        self.fast = nn.Conv3d(3, 2, 1)
        self.calls = 0

    def forward(self, xs):
        self.calls += 1
        return [self.slow(xs[0]), self.fast(xs[1])]


class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = TwoPathway()
        self.per_frame = nn.Conv2d(3, 5, 1)

    def forward(self, xs):
        out = self.block(xs)
        b, c, t, h, w = xs[1].shape
        frames = self.per_frame(xs[1].transpose(1, 2).reshape(b * t, c, h, w))
        return out, frames


def test_one_forward_captures_all_layers_and_unfolds_frames():
    model = Wrapper()
    xs = [torch.randn(2, 3, 2, 4, 4), torch.randn(2, 3, 8, 4, 4)]
    layers = {
        "both": "block",
        "slow": LayerSpec(module="block", output=0),
        "frames": "per_frame",
    }
    with LayerProbe(model, layers) as probe:
        model(xs)
        feats = probe.pop(batch_size=2)
    assert model.block.calls == 1
    assert feats["both"].shape == (2, 6)  # slow and fast pathways concatenated
    assert feats["slow"].shape == (2, 4)
    assert torch.allclose(feats["both"][:, :4], feats["slow"])
    # per-frame 2D outputs (B*T, C, H, W) are averaged over frames per clip
    expected = model.per_frame(xs[1].transpose(1, 2).reshape(16, 3, 4, 4)).mean(dim=(2, 3))
    assert torch.allclose(feats["frames"], expected.reshape(2, 8, 5).mean(1), atol=1e-6)


def test_hooks_are_removed_after_the_context():
    model = Wrapper()
    with LayerProbe(model, {"both": "block"}):
        pass
    assert not model.block._forward_hooks


def test_channels_last_outputs_pool_over_everything_but_the_last_axis():
    swin_like = torch.randn(2, 4, 3, 3, 6)  # (B, T, H, W, C)
    assert torch.allclose(pool_output(swin_like, "channels_last"), swin_like.mean(dim=(1, 2, 3)))
