"""The YouTube-VIS reader on the synthetic VIS world exported in the published layout."""

from __future__ import annotations

import json
import shutil
from itertools import groupby

import numpy as np
import pytest

from benchmark.errors import DataError
from tasks.synthetic import get_world
from tasks.synthetic.youtube_vis_export import export_youtube_vis
from tasks.vis import rle
from tasks.vis.youtube_vis import YouTubeVIS

FRAMES, SIZE = 6, 40


@pytest.fixture(scope="module")
def world():
    return get_world("synthetic-vis", train=0, val=3, test=0, frames=FRAMES, size=SIZE)


@pytest.fixture
def exported(world, tmp_path):
    export_youtube_vis(world, "val", tmp_path)
    return tmp_path


def test_round_trip_gives_back_the_world_masks(world, exported):
    dataset = YouTubeVIS(exported, "val")
    assert len(dataset) == 3 and dataset.has_annotations
    assert dataset.categories == {k + 1: name for k, name in enumerate(world.class_names)}
    for index in range(3):
        frames, instances = world.render_instances(world.spec("val", index))
        clip = dataset.load(index)
        assert clip.frames.shape == frames.shape and clip.frames.dtype == np.uint8
        assert np.abs(clip.frames.astype(int) - frames).mean() < 8  # JPEG
        assert [(i.category_id, i.iscrowd) for i in clip.instances] == [(i.category_id, False) for i in instances]
        for mine, theirs in zip(clip.instances, instances, strict=True):
            assert np.array_equal(mine.masks, theirs.masks)


def test_clips_are_sampled_uniformly_and_resized(world, exported):
    dataset = YouTubeVIS(exported, "val", num_frames=3, size=20)
    assert dataset.frame_indices(0).tolist() == [1, 3, 5]  # centres of three equal thirds of 6
    clip = dataset.load(0)
    assert clip.frames.shape == (3, 20, 20, 3)
    _, instances = world.render_instances(world.spec("val", 0))
    for mine, theirs in zip(clip.instances, instances, strict=True):
        assert mine.masks.shape == (3, 20, 20)
        assert np.array_equal(mine.masks, theirs.masks[[1, 3, 5], ::2, ::2])  # nearest, factor 2


def test_the_2021_layout_and_uncompressed_rle_read_the_same(exported, tmp_path):
    root = tmp_path / "ytvis2021"
    (root / "valid").mkdir(parents=True)
    shutil.copytree(exported / "JPEGImages", root / "valid" / "JPEGImages")
    data = json.loads((exported / "val.json").read_text())
    for annotation in data["annotations"]:  # rewrite every RLE with list counts
        annotation["segmentations"] = [_uncompressed(s) for s in annotation["segmentations"]]
    (root / "valid" / "instances.json").write_text(json.dumps(data))
    ours, reference = YouTubeVIS(root, "valid"), YouTubeVIS(exported, "val")
    assert ours.image_root == root / "valid" / "JPEGImages"
    for a, b in zip(ours.load(1).instances, reference.load(1).instances, strict=True):
        assert np.array_equal(a.masks, b.masks)


def _uncompressed(segmentation):
    """The same mask as an uncompressed RLE: column-major run lengths, zeros first."""
    if segmentation is None:
        return None
    height, width = segmentation["size"]
    flat = rle.decode(segmentation, height, width, "test").ravel(order="F")
    return {"size": [height, width], "counts": [0] * bool(flat[0]) + [len(list(r)) for _, r in groupby(flat)]}


def test_a_split_without_annotations_reads_with_no_instances(exported):
    data = json.loads((exported / "val.json").read_text())
    del data["annotations"]
    (exported / "valid.json").write_text(json.dumps(data))
    dataset = YouTubeVIS(exported, "valid")
    assert not dataset.has_annotations and dataset.load(0).instances == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["videos"][0].pop("height"), r"video.*'height' is missing"),
        (lambda d: d["videos"][1].update(length=99), r"video 2: field 'length' is 99"),
        (lambda d: d["annotations"][0].update(video_id=42), r"annotations\[0\]: field 'video_id': no video with id 42"),
        (lambda d: d["annotations"][0].update(category_id=99), r"annotations\[0\]: field 'category_id'"),
        (lambda d: d["annotations"][0]["segmentations"].pop(), r"annotations\[0\] \(video 1\): field 'segmentations'"),
    ],
)
def test_malformed_json_fields_are_named(exported, edit, message):
    data = json.loads((exported / "val.json").read_text())
    edit(data)
    (exported / "val.json").write_text(json.dumps(data))
    with pytest.raises(DataError, match=message):
        YouTubeVIS(exported, "val")


def test_a_bad_rle_size_names_the_annotation_and_frame(exported):
    data = json.loads((exported / "val.json").read_text())
    segs = data["annotations"][0]["segmentations"]
    t = next(k for k, s in enumerate(segs) if s is not None)
    segs[t]["size"] = [SIZE, SIZE + 1]
    (exported / "val.json").write_text(json.dumps(data))
    with pytest.raises(DataError, match=rf"annotation 1 \(video 1\): segmentations\[{t}\]: field 'size'"):
        YouTubeVIS(exported, "val").load(0)


def test_a_missing_frame_names_the_file_and_video(exported):
    (exported / "JPEGImages" / "vid_00002" / "00003.jpg").unlink()
    dataset = YouTubeVIS(exported, "val")
    dataset.load(0)
    with pytest.raises(DataError, match=r"vid_00002/00003.jpg: video 2"):
        dataset.load(1)


def test_a_missing_annotation_file_lists_where_it_looked(tmp_path):
    with pytest.raises(DataError, match=r"train.json.*train/instances.json"):
        YouTubeVIS(tmp_path, "train")
