"""Action-recognition dataset readers on tiny fixtures in the published layouts."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from benchmark.data import video as video_mod
from benchmark.data.video import (
    center_crop,
    decode_frames,
    read_clip,
    resize_short_side,
    sample_indices,
    segment_frames,
)
from benchmark.errors import DataError
from tasks.action_recognition.datasets import DATASETS, ClipRecord, collate_clips
from tasks.action_recognition.datasets.kinetics import clip_name
from tasks.action_recognition.datasets.ssv2 import template_key
from tests.fixtures.action_datasets import (
    frame_index_of,
    synthetic_frames,
    write_activitynet_fixture,
    write_diving48_fixture,
    write_kinetics_fixture,
    write_ssv2_fixture,
    write_video,
)

# (registry name, writer, evaluation split, a broken video of that split)
READERS = {
    "diving48": (write_diving48_fixture, "test", "dive001xYz_00001"),
    "ssv2": (write_ssv2_fixture, "validation", "1037"),
    "kinetics400": (write_kinetics_fixture, "val", "-k01_AbCdEf_000103_000113"),
    "activitynet": (write_activitynet_fixture, "validation", "anet001QwEr"),
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One intact fixture per dataset."""
    base = tmp_path_factory.mktemp("clean")
    return {name: writer(base / name) for name, (writer, _, _) in READERS.items()}


def _build(name: str, root: Path, split: str, **kwargs):
    return DATASETS.get(name)(root, split, **kwargs)


# -- temporal sampling ---------------------------------------------------------------------


def test_uniform_sampling_is_centred_in_equal_bins():
    assert sample_indices(24, 4).tolist() == [3, 9, 15, 21]
    assert sample_indices(10, 1).tolist() == [5]
    assert sample_indices(3, 6).tolist() == [0, 0, 1, 1, 2, 2]  # repeats when too short
    idx = sample_indices(1000, 16)
    assert idx.dtype == np.int64 and np.all(np.diff(idx) > 0) and idx[-1] < 1000


def test_strided_sampling_takes_a_centred_window_and_pads_with_the_last_frame():
    assert sample_indices(100, 8, 4).tolist() == list(range(34, 66, 4))
    assert sample_indices(32, 8, 4).tolist() == list(range(0, 32, 4))
    assert sample_indices(10, 4, 4).tolist() == [0, 4, 8, 9]
    assert sample_indices(1, 3, 2).tolist() == [0, 0, 0]


def test_sampling_rejects_bad_arguments():
    for args in [(0, 4), (10, 0), (10, 4, 0)]:
        with pytest.raises(ValueError):
            sample_indices(*args)


def test_segments_convert_seconds_and_clamp_to_the_video():
    assert segment_frames(48, 8.0, None, None, "frame") == (0, 48)
    assert segment_frames(48, 8.0, 0, 30, "frame") == (0, 30)
    assert segment_frames(48, 8.0, 0, 99, "frame") == (0, 48)
    assert segment_frames(48, 8.0, 0.5, 2.5, "sec") == (4, 20)
    assert segment_frames(48, 8.0, 5.9, 5.9, "sec") == (47, 48)  # at least one frame
    with pytest.raises(ValueError, match="only 48 frames"):
        segment_frames(48, 8.0, 7.0, 9.0, "sec")
    with pytest.raises(ValueError):
        segment_frames(48, 0.0, 1.0, 2.0, "sec")


# -- spatial transforms --------------------------------------------------------------------


def test_resize_short_side_and_center_crop():
    frames = synthetic_frames(3, (48, 64))
    small = resize_short_side(frames, 24)
    assert small.shape == (3, 24, 32, 3) and small.dtype == np.uint8
    portrait = resize_short_side(np.ascontiguousarray(frames.transpose(0, 2, 1, 3)), 96)
    assert portrait.shape == (3, 128, 96, 3)
    crop = center_crop(frames, 32)
    assert crop.shape == (3, 32, 32, 3) and crop.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(crop, frames[:, 8:40, 16:48])
    assert center_crop(frames, (20, 30)).shape == (3, 20, 30, 3)
    with pytest.raises(ValueError):
        center_crop(frames, 50)
    with pytest.raises(ValueError):
        resize_short_side(frames.astype(np.float32), 24)


# -- decoding ------------------------------------------------------------------------------


def test_decode_frames_returns_exactly_the_requested_frames(tmp_path):
    path = tmp_path / "v.mp4"
    write_video(path, synthetic_frames(24, seed=3))
    frames = decode_frames(path, [5, 1, 1, 23, 40], clip_id="v")
    assert frames.shape == (5, 48, 64, 3) and frames.dtype == np.uint8
    assert [frame_index_of(f) for f in frames] == [5, 1, 1, 23, 23]  # past the end: last


def test_seeking_gives_the_same_frames_as_sequential_decoding(tmp_path, monkeypatch):
    path = tmp_path / "long.mp4"
    write_video(path, synthetic_frames(96, seed=1), fps=8, gop=8)
    wanted = [41, 50, 77, 95]
    seeking = read_clip(path, "long", 4, start=41, end=96)
    assert [frame_index_of(f) for f in seeking] == [47, 61, 75, 89]
    assert [frame_index_of(f) for f in decode_frames(path, wanted)] == wanted
    monkeypatch.setattr(video_mod, "SEEK_AFTER_SECONDS", 1e9)
    np.testing.assert_array_equal(read_clip(path, "long", 4, start=41, end=96), seeking)


def test_an_overstated_frame_count_is_resampled_against_the_true_count(tmp_path, monkeypatch):
    path = tmp_path / "v.webm"
    write_video(path, synthetic_frames(20))
    real = video_mod.probe_video

    def overstated(p, clip_id=""):
        info = real(p, clip_id)
        return video_mod.VideoInfo(info.num_frames + 12, info.fps, info.height, info.width)

    monkeypatch.setattr(video_mod, "probe_video", overstated)
    frames = read_clip(path, "v", 4)
    assert [frame_index_of(f) for f in frames] == sample_indices(20, 4).tolist()


# -- readers on the fixtures ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(READERS))
def test_reader_parses_the_published_layout(name, clean):
    fixture = clean[name]
    for split, clip_ids in fixture.splits.items():
        ds = _build(name, fixture.root, split)
        assert ds.name == name and ds.split == split
        assert [r.clip_id for r in ds.records] == clip_ids
        assert [r.label for r in ds.records] == [fixture.labels[c] for c in clip_ids]
        assert ds.class_names == fixture.class_names
        assert ds.num_classes == len(fixture.class_names) and len(ds) == len(clip_ids)
        assert all(isinstance(r, ClipRecord) and r.path.is_file() for r in ds.records)
    assert DATASETS.names() == sorted(READERS)


@pytest.mark.parametrize("name", sorted(READERS))
def test_reader_decodes_the_sampled_frames(name, clean):
    fixture = clean[name]
    split = READERS[name][1]
    ds = _build(name, fixture.root, split, num_frames=5, size=32)
    item = ds[0]
    assert set(item) == {"clip", "label", "clip_id", "index"}
    assert item["clip"].dtype == torch.uint8 and tuple(item["clip"].shape) == (5, 32, 32, 3)
    assert item["label"] == fixture.labels[item["clip_id"]] and item["index"] == 0
    full = _build(name, fixture.root, split, num_frames=6)
    record = full.records[0]
    frames = full.load(0)
    assert frames.shape == (6, 48, 64, 3) and frames.dtype == np.uint8
    fps = 8.0 if name != "ssv2" else 12.0
    count = 48 if name == "activitynet" else 24
    a, b = segment_frames(count, fps, record.start, record.end, record.unit)
    expected = (a + sample_indices(b - a, 6)).tolist()
    assert [frame_index_of(f) for f in frames] == expected
    strided = _build(name, fixture.root, split, num_frames=4, sampling_rate=2)
    expected = (a + sample_indices(b - a, 4, 2)).tolist()
    assert [frame_index_of(f) for f in strided.load(0)] == expected


def test_diving48_vocab_and_split_alias(clean):
    fixture = clean["diving48"]
    ds = _build("diving48", fixture.root, "val")
    assert ds.split == "test" and len(ds.class_names) == 48
    assert ds.vocab[0] == ("Back", "15som", "NoTwis", "PIKE")
    assert ds.records[0].path == fixture.root / "rgb" / f"{ds.records[0].clip_id}.mp4"
    assert (ds.records[0].start, ds.records[0].end, ds.records[0].unit) == (0.0, 24.0, "frame")
    with pytest.raises(DataError, match="unknown split 'dev'"):
        _build("diving48", fixture.root, "dev")


def test_ssv2_templates_match_labels_json_without_brackets(clean):
    fixture = clean["ssv2"]
    assert template_key("Dropping [something] into [something]") == (
        "Dropping something into something"
    )
    labels = json.loads((fixture.root / "labels" / "labels.json").read_text())
    ds = _build("ssv2", fixture.root, "val")
    entries = json.loads((fixture.root / "labels" / "validation.json").read_text())
    for entry, record in zip(entries, ds.records, strict=True):
        assert record.label == int(labels[template_key(entry["template"])])
        assert record.path.name == f"{entry['id']}.webm"
        assert record.path.parent.name == "20bn-something-something-v2"


@pytest.mark.parametrize("video_dir", ["videos", ""])
def test_ssv2_accepts_other_video_folders(tmp_path, video_dir):
    fixture = write_ssv2_fixture(tmp_path, n_videos=2, video_dir=video_dir)
    ds = _build("ssv2", fixture.root, "train", num_frames=2)
    assert ds.records[0].path == fixture.videos[ds.records[0].clip_id]
    assert ds[0]["clip"] is not None


def test_kinetics_file_naming_and_classes(clean):
    fixture = clean["kinetics400"]
    assert clip_name("abc", 14.0, 24.0) == "abc_000014_000024"
    ds = _build("kinetics400", fixture.root, "validate")
    assert ds.split == "val"
    with (fixture.root / "annotations" / "validate.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for row, record in zip(rows, ds.records, strict=True):
        start, end = int(row["time_start"]), int(row["time_end"])
        assert record.path.name == f"{row['youtube_id']}_{start:06d}_{end:06d}.mp4"
        assert record.path.parent == fixture.root / "val" / row["label"]
        assert ds.class_names[record.label] == row["label"]
        assert (record.start, record.end) == (None, None)  # the files are trimmed
    assert ds.class_names == sorted(ds.class_names)
    assert _build("kinetics400", fixture.root, "train").class_names == ds.class_names


def test_kinetics_accepts_flat_and_underscored_folders(tmp_path):
    fixture = write_kinetics_fixture(tmp_path / "k", n_videos=4)
    for split in ("train", "val"):  # flat: <split>/<file>.mp4, CSVs at the root
        for video in sorted((fixture.root / split).glob("*/*.mp4")):
            video.rename(fixture.root / split / video.name)
            video.parent.rmdir()  # one video per label folder here
    shutil.move(fixture.root / "annotations" / "train.csv", fixture.root / "train.csv")
    ds = _build("kinetics400", fixture.root, "train", num_frames=2)
    assert all(r.path.parent == fixture.root / "train" for r in ds.records)
    assert ds[0]["clip"] is not None
    under = write_kinetics_fixture(tmp_path / "u", n_videos=2)
    (under.root / "train" / "air drumming").rename(under.root / "train" / "air_drumming")
    ds = _build("kinetics400", under.root, "train", num_frames=2)
    assert ds.records[0].path.parent.name == "air_drumming" and ds[0]["clip"] is not None


def test_activitynet_segments(clean):
    fixture = clean["activitynet"]
    ds = _build("activitynet", fixture.root, "val")
    assert ds.split == "validation"
    assert [r.clip_id for r in ds.records] == [
        "anet001QwEr_0",
        "anet001QwEr_1",
        "anet003QwEr_0",
        "anet003QwEr_1",
    ]
    assert all(r.unit == "sec" for r in ds.records)
    assert (ds.records[1].start, ds.records[1].end) == (4.0, 5.75)
    assert ds.records[-1].path.name == "anet003QwEr.mp4"  # the <id>.mp4 naming
    assert ds.records[0].path.name == "v_anet001QwEr.mp4"
    train = _build("activitynet", fixture.root, "train")
    assert all("unlabelledTst" not in r.clip_id for r in train.records)
    assert train.class_names == ds.class_names == sorted(ds.class_names)


# -- bad videos ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "garbage", "empty", "truncated", "noframes"])
@pytest.mark.parametrize("name", sorted(READERS))
def test_a_bad_video_is_a_data_error_naming_clip_and_path(tmp_path, name, kind):
    writer, split, bad = READERS[name]
    fixture = writer(tmp_path, n_videos=4, broken={bad: kind})
    ds = _build(name, fixture.root, split, num_frames=2)
    index = next(i for i, r in enumerate(ds.records) if r.path == fixture.videos[bad])
    record = ds.records[index]
    with pytest.raises(DataError) as info:
        ds.load(index)
    message = str(info.value)
    assert record.clip_id in message and str(record.path) in message
    item = ds[index]
    assert item["clip"] is None and item["error"] == message
    assert (item["clip_id"], item["index"], item["label"]) == (record.clip_id, index, record.label)
    expected = {"missing": "does not exist", "empty": "empty", "noframes": "zero"}
    if kind in expected:
        assert expected[kind] in message


# -- annotation errors ---------------------------------------------------------------------


def _edit_json(path: Path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def test_diving48_annotation_errors_name_file_and_field(tmp_path):
    fixture = write_diving48_fixture(tmp_path, n_videos=2)
    train = fixture.root / "Diving48_V2_train.json"
    _edit_json(train, lambda d: d[0].pop("start_frame"))
    with pytest.raises(DataError, match=r"Diving48_V2_train\.json.*entry 0.*'start_frame'"):
        _build("diving48", fixture.root, "train")
    _edit_json(train, lambda d: d[0].update(start_frame=0, label=48))
    with pytest.raises(DataError, match=r"Diving48_V2_train\.json.*label 48.*Diving48_vocab"):
        _build("diving48", fixture.root, "train")
    (fixture.root / "Diving48_vocab.json").unlink()
    with pytest.raises(DataError, match="Diving48_vocab.json"):
        _build("diving48", fixture.root, "train")


def test_ssv2_annotation_errors_name_file_and_entry(tmp_path):
    fixture = write_ssv2_fixture(tmp_path, n_videos=2)
    train = fixture.root / "labels" / "train.json"
    _edit_json(train, lambda d: d[0].update(template="Juggling [something]"))
    with pytest.raises(DataError, match=r"train\.json.*id '1000'.*'Juggling something'"):
        _build("ssv2", fixture.root, "train")
    _edit_json(train, lambda d: d[0].pop("template"))
    with pytest.raises(DataError, match=r"train\.json.*'template'"):
        _build("ssv2", fixture.root, "train")
    (fixture.root / "labels" / "labels.json").write_text("{not json")
    with pytest.raises(DataError, match=r"labels\.json is not valid JSON"):
        _build("ssv2", fixture.root, "train")


def test_kinetics_annotation_errors_name_file_and_column(tmp_path):
    fixture = write_kinetics_fixture(tmp_path, n_videos=2)
    path = fixture.root / "annotations" / "train.csv"
    path.write_text("label,youtube_id,time_end,split\nabseiling,abc,10,train\n")
    with pytest.raises(DataError, match=r"train\.csv.*time_start"):
        _build("kinetics400", fixture.root, "train")
    path.unlink()
    with pytest.raises(DataError, match=r"train\.csv"):
        _build("kinetics400", fixture.root, "train")


def test_activitynet_annotation_errors_name_file_and_field(tmp_path):
    fixture = write_activitynet_fixture(tmp_path, n_videos=2)
    path = fixture.root / "activity_net.v1-3.min.json"
    _edit_json(path, lambda d: d["database"]["anet000QwEr"]["annotations"][1].pop("segment"))
    with pytest.raises(DataError, match=r"v1-3\.min\.json.*annotation 1.*anet000QwEr.*'segment'"):
        _build("activitynet", fixture.root, "training")
    _edit_json(path, lambda d: d.pop("database"))
    with pytest.raises(DataError, match=r"v1-3\.min\.json.*'database'"):
        _build("activitynet", fixture.root, "training")


# -- identity and loading ------------------------------------------------------------------


def test_fingerprint_is_stable_and_tracks_the_sample_list(tmp_path):
    fixture = write_diving48_fixture(tmp_path, n_videos=4)
    first = _build("diving48", fixture.root, "train").fingerprint()
    again = _build("diving48", fixture.root, "train", num_frames=3, size=16).fingerprint()
    assert first == again and len(first) == 64
    assert _build("diving48", fixture.root, "train", limit=1).fingerprint() != first
    assert _build("diving48", fixture.root, "test").fingerprint() != first
    _edit_json(fixture.root / "Diving48_V2_train.json", lambda d: d[0].update(end_frame=20))
    assert _build("diving48", fixture.root, "train").fingerprint() != first


def test_dataloader_with_workers_reports_bad_items(tmp_path):
    fixture = write_diving48_fixture(
        tmp_path, n_videos=8, broken={"dive001xYz_00001": "missing", "dive005xYz_00005": "garbage"}
    )
    ds = _build("diving48", fixture.root, "test", num_frames=3, size=24)
    loader = DataLoader(ds, batch_size=3, num_workers=2, collate_fn=collate_clips)
    good, errors = [], []
    for batch in loader:
        if batch["clip"] is not None:
            assert batch["clip"].shape[1:] == (3, 24, 24, 3)
            assert batch["clip"].shape[0] == len(batch["clip_id"]) == len(batch["label"])
        good += batch["clip_id"]
        errors += batch["errors"]
    assert sorted(good) == ["dive003xYz_00003", "dive007xYz_00007"]
    assert sorted(e["clip_id"] for e in errors) == ["dive001xYz_00001", "dive005xYz_00005"]
    assert all(e["clip_id"] in e["error"] and e["label"] is not None for e in errors)


def test_collate_of_only_bad_items_and_of_mixed_shapes():
    bad = {"clip": None, "error": "boom", "clip_id": "x", "index": 0, "label": 1}
    batch = collate_clips([bad])
    assert batch["clip"] is None and batch["errors"][0]["error"] == "boom"
    assert batch["label"].shape == (0,)
    items = [
        {
            "clip": torch.zeros(2, 4, 4, 3, dtype=torch.uint8),
            "clip_id": "a",
            "index": 0,
            "label": 0,
        },
        {
            "clip": torch.zeros(2, 4, 6, 3, dtype=torch.uint8),
            "clip_id": "b",
            "index": 1,
            "label": 0,
        },
    ]
    with pytest.raises(DataError, match="different shapes"):
        collate_clips(items)
