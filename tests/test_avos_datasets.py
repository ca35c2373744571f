"""AVOS readers on tiny fixtures in the published layouts, and the synthetic source."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.errors import DataError
from tasks.avos.datasets import (
    FlowOptions,
    SyntheticAvosSource,
    open_dataset,
    read_davis2016,
    read_moca,
)
from tests.fixtures.avos_datasets import write_davis2016_fixture, write_moca_fixture


@pytest.fixture
def flow(tmp_path) -> FlowOptions:
    return FlowOptions(cache_dir=tmp_path / "flow-cache")


def test_davis2016_reads_sequences_frames_flow_and_masks(tmp_path, flow):
    fixture = write_davis2016_fixture(tmp_path / "DAVIS", train=1, val=2, frames=4)
    source = open_dataset("davis2016", None, fixture.root, flow)
    assert source.split == "val"
    assert source.sequence_names() == fixture.splits["val"]
    assert len(source) == 2 * (4 - 1)  # frames with a successor
    assert source.clip_id(0) == "val-seq0/00000"
    sample = source.sample(1)
    assert sample.rgb.shape == sample.flow.shape == (48, 64, 3) and sample.mask.shape == (48, 64)
    assert sample.mask.sum() == 100  # the 10x10 square
    red, white = sample.flow[sample.mask].mean(0), sample.flow[~sample.mask].mean(0)
    assert red[0] > 200 and red[1] < 150  # the square moves right: red
    assert white.min() > 200  # the background stands still: near white
    small = source.sample(1, size=32)
    assert small.rgb.shape == (32, 32, 3) and small.mask.shape == (48, 64)
    assert len(open_dataset("davis2016", "train", fixture.root, flow)) == 3
    assert len(source.fingerprint()) == 64


def test_davis2016_accepts_the_original_path_pair_listing(tmp_path):
    fixture = write_davis2016_fixture(tmp_path / "DAVIS", train=0, val=1, frames=3)
    listing = fixture.root / "ImageSets" / "2016" / "val.txt"
    listing.write_text("".join(f"/JPEGImages/480p/val-seq0/{t:05d}.jpg /Annotations/480p/val-seq0/{t:05d}.png\n"
                               for t in range(3)))
    assert [s.name for s in read_davis2016(fixture.root, "val")] == ["val-seq0"]


def test_davis2016_errors_name_the_missing_file(tmp_path, flow):
    with pytest.raises(DataError, match="ImageSets/2016/val.txt"):
        read_davis2016(tmp_path, "val")
    fixture = write_davis2016_fixture(tmp_path / "DAVIS", train=0, val=1, frames=3)
    frame = fixture.root / "JPEGImages" / "480p" / "val-seq0" / "00001.jpg"
    frame.write_bytes(b"not a jpeg")
    source = open_dataset("davis2016", "val", fixture.root, flow)
    with pytest.raises(DataError, match="val-seq0/00001.jpg"):
        source.sample(1)
    with pytest.raises(DataError, match="--data-root"):
        open_dataset("davis2016")


def test_moca_reads_split_folders_and_sparse_annotations(tmp_path, flow):
    fixture = write_moca_fixture(tmp_path / "MoCA", train=1, test=2, frames=5, annotate_every=2)
    source = open_dataset("moca", None, fixture.root, flow)  # test -> TestDataset_per_sq
    assert source.sequence_names() == ["flounder0", "flounder1"]
    samples = source.sequence_samples("flounder0")
    assert [s.mask is not None for s in samples] == [True, False, True, False]
    assert [s.id for s in samples][:2] == ["flounder0/00000", "flounder0/00001"]
    assert [s.name for s in read_moca(fixture.root, "TrainDataset_per_sq")] == ["moth0"]
    with pytest.raises(DataError, match="Nope"):
        read_moca(fixture.root, "Nope")


def test_flow_is_cached_across_sources_and_can_come_from_a_flow_root(tmp_path, flow):
    fixture = write_davis2016_fixture(tmp_path / "DAVIS", train=0, val=1, frames=3)
    first = open_dataset("davis2016", "val", fixture.root, flow)
    first.sample(0)
    second = open_dataset("davis2016", "val", fixture.root, flow)
    second.sample(0)
    assert (first._cache.misses, second._cache.hits) == (1, 1)

    import cv2

    flow_root = tmp_path / "flows"
    (flow_root / "val-seq0").mkdir(parents=True)
    green = np.zeros((48, 64, 3), np.uint8)
    green[..., 1] = 255
    cv2.imwrite(str(flow_root / "val-seq0" / "00000.png"), green)
    source = open_dataset("davis2016", "val", fixture.root, FlowOptions(flow_root=flow_root))
    assert (source.sample(0).flow[..., 1] == 255).all()
    with pytest.raises(DataError, match="00001.png"):
        source.sample(1)


def centroid(mask: np.ndarray) -> np.ndarray:
    return np.argwhere(mask).mean(0)


def test_synthetic_source_gives_frames_with_flow_and_true_pairs():
    source = SyntheticAvosSource("synthetic-avos-camouflage", "val", limit=3, frames=5, size=32)
    assert len(source) == 3 * 4 and source.sequence_names() == ["val/0", "val/1", "val/2"]
    sample = source.sample(5, size=32)
    assert sample.id == "val/1/00001" and sample.mask.any()
    same_dynamics, new_appearance = source.true_pair(5, 0, seed=7)
    # same trajectory: the object (whose shape is appearance) sits at the same place
    assert np.abs(centroid(same_dynamics.mask) - centroid(new_appearance.mask)).max() < 2.0
    assert not np.array_equal(same_dynamics.rgb, new_appearance.rgb)
    same_appearance, new_dynamics = source.true_pair(5, 1, seed=7)
    assert not np.array_equal(same_appearance.mask, new_dynamics.mask)
    assert source.fingerprint() == SyntheticAvosSource("synthetic-avos-camouflage", "val", limit=3,
                                                       frames=5, size=32).fingerprint()
