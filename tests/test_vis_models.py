"""The query-based VIS models, their probe-able layers, matching and loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.api.model_spec import LayerSpec
from benchmark.measure.probe import LayerProbe
from tasks.vis.losses import hungarian_match, semantic_loss, set_loss
from tasks.vis.models import QueryVIS, link_queries
from tasks.vis.predictions import clip_tracks

pytestmark = pytest.mark.usefixtures("one_torch_thread")


LAYERS = {
    "stage1": LayerSpec(module="encoder.stage1"),
    "stage3": LayerSpec(module="encoder.stage3"),
    "queries": LayerSpec(module="queries", pool="tokens"),
}


@pytest.mark.parametrize("temporal", [True, False])
def test_outputs_and_probed_layers(temporal):
    torch.manual_seed(0)
    model = QueryVIS(num_classes=6, num_queries=8, temporal=temporal).eval()
    x = torch.randn(2, 3, 4, 32, 32)
    with torch.no_grad(), LayerProbe(model, LAYERS) as probe:
        out = model(x)
        feats = probe.pop(batch_size=2)
    assert out["pred_logits"].shape == (2, 8, 7)
    assert out["pred_masks"].shape == (2, 8, 4, 16, 16)
    # Per frame, frames are folded into the batch; the probe averages them back per clip.
    assert {k: tuple(v.shape) for k, v in feats.items()} == {"stage1": (2, 16), "stage3": (2, 64), "queries": (2, 48)}
    if not temporal:
        assert out["frame_logits"].shape == (2, 4, 8, 7)


def test_the_per_frame_model_treats_frames_independently():
    torch.manual_seed(0)
    model = QueryVIS(temporal=False).eval()
    x = torch.randn(1, 3, 4, 32, 32)
    order = torch.tensor([2, 0, 3, 1])
    with torch.no_grad():
        clean, shuffled = model(x), model(x[:, :, order])
    for key in ("frame_masks", "frame_logits"):
        frames = 2 if key == "frame_masks" else 1
        assert torch.allclose(shuffled[key], clean[key].index_select(frames, order), atol=1e-5)


def test_per_frame_queries_are_linked_into_tracks_by_their_embeddings():
    torch.manual_seed(0)
    tracks = torch.randn(2, 5, 16)  # (clips, tracks, channels)
    permutations = [torch.randperm(5) for _ in range(6)]  # frame f shows track k as query p[k]
    embeddings = torch.zeros(2, 6, 5, 16)
    for f, p in enumerate(permutations):
        embeddings[:, f, p] = tracks + 0.3 * torch.randn(2, 5, 16)
    order = link_queries(embeddings)
    for f, p in enumerate(permutations):  # track k follows the first frame's query k
        assert order[:, f].tolist() == [p[permutations[0].argsort()].tolist()] * 2


def test_hungarian_matching_pairs_each_query_with_its_instance():
    targets = torch.tensor([[1.0, 1, 0, 0], [0, 0, 1, 1]])
    masks = torch.tensor([[-9.0, -9, 9, 9], [9.0, 9, -9, -9], [0.0, 0, 0, 0]])  # query 0 ~ instance 1
    logits = torch.zeros(3, 3)
    rows, cols = hungarian_match(logits, masks, torch.tensor([0, 1]), targets)
    assert dict(zip(rows.tolist(), cols.tolist(), strict=True)) == {0: 1, 1: 0}


def test_a_few_steps_lower_the_set_loss():
    torch.manual_seed(0)
    model = QueryVIS(num_queries=4, widths=(8, 16, 32), dim=32, pixel_dim=16)
    x = torch.randn(2, 3, 2, 32, 32)
    masks = torch.zeros(2, 2, 16, 16)
    masks[0, :, 2:8, 2:8] = 1
    masks[1, :, 8:14, 6:12] = 1
    targets = [(torch.tensor([2]), masks[:1].flatten(1)), (torch.tensor([4]), masks[1:].flatten(1))]
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):
        out = model(x)
        loss = set_loss(out["pred_logits"], out["pred_masks"].flatten(2), targets)["total"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.7 * losses[0]


def test_tracks_are_the_best_query_category_pairs_at_the_clip_size():
    logits = torch.full((3, 4), -10.0)
    logits[1, 2] = 10.0  # query 1 is confidently category index 2 (id 3)
    masks = torch.full((3, 2, 4, 4), -5.0)
    masks[1, :, :2, :2] = 5.0
    tracks = clip_tracks(logits, masks, 8, 8, top_k=2)
    assert len(tracks) == 2
    best = tracks[0]
    assert best.category_id == 3 and best.score > 0.9  # class prob x mean mask prob
    expected = np.zeros((2, 8, 8), dtype=bool)
    expected[:, :4, :4] = True
    assert np.array_equal(best.masks, expected)


def test_semantic_loss_scores_only_the_pixels_an_instance_covers():
    masks = torch.zeros(2, 1, 2, 2)  # two instances, one frame of 2x2 pixels
    masks[0, 0, 0, 0] = 1.0  # category 2 at the top left
    masks[1, 0, 1, 1] = 0.8  # category 0 at the bottom right
    targets = [(torch.tensor([2, 0]), masks)]
    right = torch.full((1, 3, 1, 2, 2), -20.0)
    right[0, 2, 0, 0, 0] = right[0, 0, 0, 1, 1] = 20.0
    right[0, 1, 0, 0, 1] = right[0, 1, 0, 1, 0] = 20.0  # uncovered pixels: anything goes
    assert float(semantic_loss(right, targets)) < 1e-6
    wrong = right.clone()
    wrong[0, :, 0, 1, 1] = torch.tensor([-20.0, 20.0, -20.0])
    assert float(semantic_loss(wrong, targets)) == pytest.approx(40.0 / 2, rel=1e-4)  # one of two wrong
    assert float(semantic_loss(right, [(torch.zeros(0, dtype=torch.long), torch.zeros(0, 1, 2, 2))])) == 0.0
