"""Tiny on-the-fly copies of the real datasets, in their exact published layouts.

Each writer encodes a few real videos with PyAV (H.264 via libx264, else MPEG-4 part 2,
in .mp4; VP9, else VP8, in .webm) showing a moving square, and writes the annotation
files. Every frame also carries its own index in two grey 16x16 blocks in the top-left
corner, so a test can check which frames a sampler decoded (:func:`frame_index_of`).

``broken`` names videos (by the dataset's own video name) to damage:
``{"name": kind}`` or a list of names (kind "garbage") or of ``(name, kind)`` pairs, with
kind one of ``missing`` (no file), ``garbage`` (random bytes), ``empty`` (0 bytes),
``truncated`` (a real video cut short) and ``noframes`` (a container without frames).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

BROKEN_KINDS = ("missing", "garbage", "empty", "truncated", "noframes")
BLOCK = 16  # side of the two index blocks (one macroblock each)

BrokenSpec = Mapping[str, str] | Iterable[str | tuple[str, str]]


@dataclass(frozen=True)
class Fixture:
    """What a fixture writer produced, for tests to compare a reader against."""

    root: Path
    splits: dict[str, list[str]]  # split name (as the reader calls it) -> clip ids, in order
    labels: dict[str, int]  # clip id -> class index
    class_names: list[str]
    videos: dict[str, Path]  # video name -> path (also for missing ones)
    broken: dict[str, str] = field(default_factory=dict)  # video name -> kind
    codec: str = ""


# -- video content and encoding ----------------------------------------------------------


def synthetic_frames(
    num_frames: int, size: tuple[int, int] = (48, 64), seed: int = 0
) -> np.ndarray:
    """``(num_frames, H, W, 3)`` uint8 frames: a coloured square moving over a flat tinted
    background, with the frame index written into the top-left index blocks."""
    height, width = size
    if height < 2 * BLOCK or width < 2 * BLOCK or height % 2 or width % 2:
        raise ValueError(f"fixture frames need even sizes >= {2 * BLOCK}, got {size}")
    if num_frames > 256:
        raise ValueError("the index blocks encode at most 256 frames")
    rng = np.random.default_rng(seed)
    background = rng.integers(40, 90, size=3, dtype=np.uint8)
    colour = rng.integers(150, 256, size=3, dtype=np.uint8)
    side = min(12, height - BLOCK - 2)
    frames = np.empty((num_frames, height, width, 3), dtype=np.uint8)
    frames[:] = background
    for t in range(num_frames):
        x = (int(seed) * 7 + 3 * t) % (width - side)
        y = BLOCK + (int(seed) * 5 + 2 * t) % (height - BLOCK - side)
        frames[t, y : y + side, x : x + side] = colour
        frames[t, :BLOCK, :BLOCK] = 16 * (t // 16) + 8
        frames[t, :BLOCK, BLOCK : 2 * BLOCK] = 16 * (t % 16) + 8
    return frames


def frame_index_of(frame: np.ndarray) -> int:
    """The frame index written into a (decoded, resized no more than) fixture frame."""
    high = float(frame[2 : BLOCK - 2, 2 : BLOCK - 2].mean())
    low = float(frame[2 : BLOCK - 2, BLOCK + 2 : 2 * BLOCK - 2].mean())
    return int(round((high - 8) / 16)) * 16 + int(round((low - 8) / 16))


def _has_encoder(name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
    except Exception:
        return False
    return True


def pick_codec(suffix: str) -> str:
    """The encoder used for a container suffix (".mp4" or ".webm") in this PyAV build."""
    choices = {".mp4": ("libx264", "mpeg4"), ".webm": ("libvpx-vp9", "libvpx")}[suffix]
    for name in choices:
        if _has_encoder(name):
            return name
    raise RuntimeError(f"this PyAV build has none of the encoders {choices} for {suffix}")


_CODEC_OPTIONS = {
    "libx264": {"preset": "ultrafast", "crf": "10"},
    "mpeg4": {"qscale": "2"},
    "libvpx-vp9": {"crf": "10", "b": "0", "deadline": "realtime", "cpu-used": "8"},
    "libvpx": {"crf": "4", "b": "1M", "deadline": "realtime", "cpu-used": "8"},
}


def write_video(path: Path, frames: np.ndarray, fps: int = 8, gop: int = 8) -> str:
    """Encode ``frames`` (T, H, W, 3 uint8) to ``path`` (.mp4 or .webm); returns the codec.

    A keyframe every ``gop`` frames, so that seeking has something to land on.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codec = pick_codec(path.suffix)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        stream.codec_context.gop_size = gop
        stream.options = dict(_CODEC_OPTIONS[codec])
        for array in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return codec


def _write_broken(path: Path, kind: str, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "missing":
        path.unlink(missing_ok=True)
    elif kind == "garbage":
        path.write_bytes(np.random.default_rng(seed).integers(0, 256, 4096, np.uint8).tobytes())
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        write_video(path, synthetic_frames(16, seed=seed))
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif kind == "noframes":
        with av.open(str(path), mode="w") as container:
            stream = container.add_stream(pick_codec(path.suffix), rate=8)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            container.start_encoding()
    else:
        raise ValueError(f"unknown broken kind {kind!r}; use one of {BROKEN_KINDS}")


def _broken_map(broken: BrokenSpec, names: Iterable[str]) -> dict[str, str]:
    if isinstance(broken, Mapping):
        pairs = list(broken.items())
    else:
        pairs = [(b, "garbage") if isinstance(b, str) else tuple(b) for b in broken]
    known = set(names)
    for name, kind in pairs:
        if name not in known:
            raise ValueError(f"broken video {name!r} is not in this fixture: {sorted(known)}")
        if kind not in BROKEN_KINDS:
            raise ValueError(f"unknown broken kind {kind!r}; use one of {BROKEN_KINDS}")
    return dict(pairs)


def _write_videos(
    paths: dict[str, Path], frames: int, size: tuple[int, int], broken: dict[str, str], fps: int
) -> str:
    codec = ""
    for seed, (name, path) in enumerate(paths.items()):
        if name in broken:
            _write_broken(path, broken[name], seed)
        else:
            codec = write_video(path, synthetic_frames(frames, size, seed), fps=fps)
    return codec


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _eval_split(i: int) -> bool:
    """Videos 1, 3, 5, ... go to the evaluation split, the others to training."""
    return i % 2 == 1


# -- Diving48 ----------------------------------------------------------------------------

DIVING48_PARTS = (
    ("Back", "Forward", "Inward", "Reward"),
    ("15som", "2som", "25som", "3som"),
    ("NoTwis", "05Twis", "1Twis"),
    ("PIKE", "TUCK", "STR", "FREE"),
)


def write_diving48_fixture(
    root: Path,
    n_videos: int = 6,
    frames: int = 24,
    size: tuple[int, int] = (48, 64),
    broken: BrokenSpec = (),
) -> Fixture:
    """Diving48 V2: vocab (48 classes), train/test JSON lists, ``rgb/<vid_name>.mp4``."""
    root = Path(root)
    vocab = [list(parts) for parts in itertools.islice(itertools.product(*DIVING48_PARTS), 48)]
    _write_json(root / "Diving48_vocab.json", vocab)
    names = [f"dive{i:03d}xYz_{i:05d}" for i in range(n_videos)]
    labels = {name: (7 * i + 3) % 48 for i, name in enumerate(names)}
    splits: dict[str, list[str]] = {"train": [], "test": []}
    for i, name in enumerate(names):
        splits["test" if _eval_split(i) else "train"].append(name)
    for split, members in splits.items():
        entries = [
            {"vid_name": n, "label": labels[n], "start_frame": 0, "end_frame": frames}
            for n in members
        ]
        _write_json(root / f"Diving48_V2_{split}.json", entries)
    videos = {name: root / "rgb" / f"{name}.mp4" for name in names}
    bad = _broken_map(broken, names)
    codec = _write_videos(videos, frames, size, bad, fps=8)
    return Fixture(root, splits, labels, [" ".join(v) for v in vocab], videos, bad, codec)


# -- Something-Something v2 --------------------------------------------------------------

SSV2_TEMPLATES = (
    "Pushing [something] from left to right",
    "Putting [something] on a surface",
    "Moving [something] up",
    "Taking [one of many similar things on the table]",
    "Dropping [something] into [something]",
    "Turning [something] upside down",
)
SSV2_INDEX = (4, 0, 5, 2, 1, 3)  # labels.json indices: deliberately not alphabetical


def _fill_template(template: str, objects: list[str]) -> str:
    text = template
    for obj in objects:
        start, end = text.index("["), text.index("]")
        text = text[:start] + obj + text[end + 1 :]
    return text


def write_ssv2_fixture(
    root: Path,
    n_videos: int = 6,
    frames: int = 24,
    size: tuple[int, int] = (48, 64),
    broken: BrokenSpec = (),
    video_dir: str = "20bn-something-something-v2",
) -> Fixture:
    """SSv2: ``labels/{labels,train,validation}.json`` and ``<video_dir>/<id>.webm``."""
    root = Path(root)
    keys = [t.replace("[", "").replace("]", "") for t in SSV2_TEMPLATES]
    _write_json(
        root / "labels" / "labels.json", {k: str(i) for k, i in zip(keys, SSV2_INDEX, strict=True)}
    )
    class_names = [k for _, k in sorted(zip(SSV2_INDEX, keys, strict=True))]
    ids = [str(1000 + 37 * i) for i in range(n_videos)]
    labels: dict[str, int] = {}
    splits: dict[str, list[str]] = {"train": [], "validation": []}
    entries: dict[str, list[dict]] = {"train": [], "validation": []}
    for i, vid in enumerate(ids):
        t = i % len(SSV2_TEMPLATES)
        template = SSV2_TEMPLATES[t]
        objects = ["a pen", "a cup"][: template.count("[")]
        split = "validation" if _eval_split(i) else "train"
        splits[split].append(vid)
        labels[vid] = SSV2_INDEX[t]
        entries[split].append(
            {
                "id": vid,
                "label": _fill_template(template, objects),
                "template": template,
                "placeholders": objects,
            }
        )
    for split, items in entries.items():
        _write_json(root / "labels" / f"{split}.json", items)
    base = root / video_dir if video_dir else root
    videos = {vid: base / f"{vid}.webm" for vid in ids}
    bad = _broken_map(broken, ids)
    codec = _write_videos(videos, frames, size, bad, fps=12)
    return Fixture(root, splits, labels, class_names, videos, bad, codec)


# -- Kinetics-400 ------------------------------------------------------------------------

KINETICS_LABELS = ("air drumming", "abseiling", "passing American football (in game)")


def write_kinetics_fixture(
    root: Path,
    n_videos: int = 6,
    frames: int = 24,
    size: tuple[int, int] = (48, 64),
    broken: BrokenSpec = (),
) -> Fixture:
    """Kinetics-400: ``annotations/{train,validate}.csv`` and
    ``{train,val}/<label>/<youtube_id>_<start:06d>_<end:06d>.mp4``."""
    root = Path(root)
    splits: dict[str, list[str]] = {"train": [], "val": []}
    rows: dict[str, list[list[str]]] = {"train": [], "val": []}
    videos: dict[str, Path] = {}
    label_of: dict[str, str] = {}
    for i in range(n_videos):
        label = KINETICS_LABELS[i % len(KINETICS_LABELS)]
        youtube_id = f"-k{i:02d}_AbCdEf"[:11]
        start = 3 * i + (i % 2) * 100
        stem = f"{youtube_id}_{start:06d}_{start + 10:06d}"
        split = "val" if _eval_split(i) else "train"
        splits[split].append(stem)
        rows[split].append([label, youtube_id, str(start), str(start + 10), split])
        videos[stem] = root / split / label / f"{stem}.mp4"
        label_of[stem] = label
    for split, csv_name in (("train", "train.csv"), ("val", "validate.csv")):
        path = root / "annotations" / csv_name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["label", "youtube_id", "time_start", "time_end", "split"])
            writer.writerows(rows[split])
    class_names = sorted(set(label_of.values()))
    labels = {stem: class_names.index(label) for stem, label in label_of.items()}
    bad = _broken_map(broken, videos)
    codec = _write_videos(videos, frames, size, bad, fps=8)
    return Fixture(root, splits, labels, class_names, videos, bad, codec)


# -- ActivityNet v1.3 --------------------------------------------------------------------

ACTIVITYNET_LABELS = ("Walking the dog", "Archery", "Making a sandwich")
ACTIVITYNET_SEGMENTS = ((0.5, 2.5), (4.0, 5.75))  # seconds; the second one forces a seek


def write_activitynet_fixture(
    root: Path,
    n_videos: int = 4,
    frames: int = 48,
    size: tuple[int, int] = (48, 64),
    broken: BrokenSpec = (),
    fps: int = 8,
) -> Fixture:
    """ActivityNet v1.3: ``activity_net.v1-3.min.json`` (two segments per video, plus an
    unannotated ``testing`` video) and ``videos/v_<id>.mp4`` (the last video is stored as
    ``videos/<id>.mp4``, the other accepted name)."""
    root = Path(root)
    duration = frames / fps
    ids = [f"anet{i:03d}QwEr" for i in range(n_videos)]
    database: dict[str, dict] = {}
    splits: dict[str, list[str]] = {"training": [], "validation": []}
    label_of: dict[str, str] = {}
    videos: dict[str, Path] = {}
    for i, vid in enumerate(ids):
        subset = "validation" if _eval_split(i) else "training"
        annotations = []
        for k, (start, end) in enumerate(ACTIVITYNET_SEGMENTS):
            label = ACTIVITYNET_LABELS[(i + k) % len(ACTIVITYNET_LABELS)]
            annotations.append({"segment": [start, min(end, duration)], "label": label})
            splits[subset].append(f"{vid}_{k}")
            label_of[f"{vid}_{k}"] = label
        database[vid] = {
            "subset": subset,
            "duration": duration,
            "resolution": "64x48",
            "url": f"https://www.youtube.com/watch?v={vid}",
            "annotations": annotations,
        }
        name = vid if i == n_videos - 1 else f"v_{vid}"
        videos[vid] = root / "videos" / f"{name}.mp4"
    database["unlabelledTst"] = {"subset": "testing", "duration": duration, "annotations": []}
    taxonomy = [{"nodeId": 0, "nodeName": "Root", "parentId": None, "parentName": None}] + [
        {"nodeId": j + 1, "nodeName": name, "parentId": 0, "parentName": "Root"}
        for j, name in enumerate(ACTIVITYNET_LABELS)
    ]
    _write_json(
        root / "activity_net.v1-3.min.json",
        {"version": "VERSION 1.3", "taxonomy": taxonomy, "database": database},
    )
    class_names = sorted(set(label_of.values()))
    labels = {clip: class_names.index(label) for clip, label in label_of.items()}
    bad = _broken_map(broken, ids)
    codec = _write_videos(videos, frames, size, bad, fps=fps)
    return Fixture(root, splits, labels, class_names, videos, bad, codec)
