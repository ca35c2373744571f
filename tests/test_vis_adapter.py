"""The VIS task adapter: datasets, sources, pairs and AP clean / with frames shuffled."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.api.model_spec import InputSpec
from benchmark.api.task import EvalOptions
from benchmark.api.tasks import get_spec, get_task
from benchmark.pairs.protocols import PairSpec, parse_protocol
from tasks.vis.samples import VisClip, VisInstance

SPEC = InputSpec(frames=4, size=32, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class WhiteSquares:
    """A stub source: one white 8x8 square per clip moving right on black, category 2."""

    name, split, has_annotations = "white-squares", "test", True

    def __len__(self) -> int:
        return 3

    def categories(self) -> dict[int, str]:
        return {1: "other", 2: "square"}

    def clip_id(self, index: int) -> str:
        return f"squares/{index}"

    def sample(self, index: int) -> VisClip:
        masks = np.zeros((6, 32, 32), dtype=bool)
        for t in range(6):
            masks[t, 8 + 2 * index:16 + 2 * index, 2 * t:2 * t + 8] = True
        frames = np.repeat(masks[..., None] * np.uint8(255), 3, axis=-1)
        return VisClip(self.clip_id(index), frames, [VisInstance(1, 2, masks)])


class Brightness(nn.Module):
    """A 'model' whose one track (query 0, category index 1) is the bright pixels of every
    frame, at half resolution; it looks at each frame alone, so shuffling cannot hurt it."""

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        b, _, t, h, w = x.shape
        logits = torch.full((b, 2, 3), -10.0)
        logits[:, 0, 1] = 10.0
        logits[:, 1, 2] = 10.0  # query 1: no object
        bright = nn.functional.avg_pool3d(x.mean(1, keepdim=True), (1, 2, 2))  # (B, 1, T, h/2, w/2)
        return {"pred_logits": logits, "pred_masks": bright.expand(b, 2, t, h // 2, w // 2)}


def test_datasets_and_default_protocols():
    spec = get_spec("vis")
    assert spec.name == "vis" and spec.main_metric.name == "AP"
    assert spec.dataset_names() == ["synthetic-vis", "youtube-vis-2019", "youtube-vis-2021"]
    assert spec.dataset("synthetic-vis").default_protocol == "true"
    assert spec.dataset("youtube-vis-2021").default_protocol == "stylize"


def test_the_synthetic_source_gives_clips_labels_and_true_pairs():
    task = get_task("vis")
    source = task.open_source(task.spec.dataset("synthetic-vis"), "val", None, SPEC, task.spec.options(), limit=5)
    assert (source.split, len(source)) == ("val", 5)
    clip = source.clip(0)
    assert clip.shape == (16, 64, 64, 3) and clip.dtype == np.uint8
    assert source.label(0) == source.sample(0).instances[0].category_id - 1
    a, b = source.true_pair(0, 0, seed=7)  # dynamic pair: same motion, new appearance
    assert np.array_equal(a, clip) and not np.array_equal(a, b)
    pair = parse_protocol("stylize", task)(source, PairSpec(pair_id=0, factor=1, item=0, seed=3))
    assert pair.shuffle_b is not None  # static pair: the second clip's frames get permuted
    assert len(source.fingerprint()) == 64


def test_a_perfect_model_scores_ap_one_clean_and_shuffled():
    metrics = get_task("vis").score(Brightness(), WhiteSquares(), SPEC, EvalOptions(batch_size=2, progress=False))
    assert metrics["AP"] == metrics["AP_shuffled"] == 1.0
    assert metrics["AR1"] == metrics["AR10_shuffled"] == 1.0
    assert metrics["AP_shuffled_rel_drop"] == 0.0


def test_shuffled_masks_are_put_back_in_frame_order():
    from tasks.vis.adapter import shuffled_input, unshuffle_masks

    x = torch.arange(2 * 3 * 5, dtype=torch.float).reshape(2, 1, 3, 5, 1, 1).squeeze(1)  # (B=2, C=3, T=5, 1, 1)
    perms = [np.array([4, 2, 0, 1, 3]), np.array([1, 0, 2, 4, 3])]
    shown = shuffled_input(x, perms)
    assert torch.equal(shown[0, :, 1], x[0, :, 2])
    masks = shown  # as if a model's masks (B, N=3, T, h, w) at each input frame were that frame
    assert torch.equal(unshuffle_masks(masks, perms), x)


def test_a_split_without_annotations_has_no_ap():
    source = WhiteSquares()
    source.has_annotations = False
    assert get_task("vis").score(Brightness(), source, SPEC, EvalOptions(progress=False)) == {}


def test_a_model_breaking_the_output_contract_is_told_what_to_return():
    from benchmark.errors import BenchmarkError

    class Logits(nn.Module):
        def forward(self, x):
            return x.mean((2, 3, 4))

    with pytest.raises(BenchmarkError, match="pred_logits"):
        get_task("vis").score(Logits(), WhiteSquares(), SPEC, EvalOptions(progress=False))


def test_youtube_vis_sources_read_the_published_layout(tmp_path):
    from tasks.synthetic import get_world
    from tasks.synthetic.youtube_vis_export import export_youtube_vis

    world = get_world("synthetic-vis", train=0, val=2, test=0, frames=6, size=40)
    (export_youtube_vis(world, "val", tmp_path)).rename(tmp_path / "valid.json")
    task = get_task("vis")
    dataset = task.spec.dataset("youtube-vis-2021")
    source = task.open_source(dataset, dataset.eval_split, tmp_path, SPEC, task.spec.options())
    assert (source.split, len(source)) == ("valid", 2)
    assert source.clip(0).shape == (4, 32, 32, 3)  # the model's frames and size
    sample = source.sample(1)
    assert sample.instances[0].masks.shape == (4, 32, 32)
    assert source.label(1) == sample.instances[0].category_id - 1
    metrics = task.score(Brightness(), source, SPEC, EvalOptions(progress=False))
    assert 0.0 <= metrics["AP"] <= 1.0 and "AP_shuffled" in metrics


def test_youtube_vis_needs_a_data_root():
    from benchmark.errors import DataError

    with pytest.raises(DataError, match="--data-root"):
        task = get_task("vis")
        task.open_source(task.spec.dataset("youtube-vis-2019"), "valid", None, SPEC, task.spec.options())
