"""Export a VIS world split to disk in the YouTube-VIS 2019 layout."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from benchmark.errors import DataError


def encode_mask(mask: np.ndarray) -> dict | None:
    """COCO RLE of a (H, W) bool mask with ``counts`` as str; None when the mask is empty."""
    if not mask.any():
        return None
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def export_youtube_vis(world, split: str, root: Path, count: int | None = None) -> Path:
    """Write the first ``count`` clips (default: all) of ``split`` of a VIS world under
    ``root``: ``JPEGImages/vid_XXXXX/NNNNN.jpg`` and ``<split>.json``; returns the json path."""
    if not hasattr(world, "render_instances"):
        raise DataError(f"world {world.name!r} has no instances; use synthetic-vis")
    n = world.split_size(split)
    count = n if count is None else count
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= n:
        raise DataError(f"count must be an integer in 0..{n} for split {split!r}, got {count!r}")
    root = Path(root)
    videos, annotations = [], []
    for index in range(count):
        video_id = index + 1
        name = f"vid_{video_id:05d}"
        frames, instances = world.render_instances(world.spec(split, index))
        folder = root / "JPEGImages" / name
        folder.mkdir(parents=True, exist_ok=True)
        file_names = []
        for t, frame in enumerate(frames):
            Image.fromarray(frame).save(folder / f"{t:05d}.jpg", quality=95)
            file_names.append(f"{name}/{t:05d}.jpg")
        T, H, W = frames.shape[:3]
        videos.append(
            {"id": video_id, "file_names": file_names, "height": H, "width": W, "length": T}
        )
        for inst in instances:
            segs, boxes, areas = [], [], []
            for m in inst.masks:
                rle = encode_mask(m)
                segs.append(rle)
                if rle is None:
                    boxes.append(None)
                    areas.append(None)
                else:
                    boxes.append([float(v) for v in mask_utils.toBbox(rle)])
                    areas.append(int(m.sum()))
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "video_id": video_id,
                    "category_id": inst.category_id,
                    "segmentations": segs,
                    "bboxes": boxes,
                    "areas": areas,
                    "iscrowd": 0,
                    "height": H,
                    "width": W,
                }
            )
    data = {
        "info": {"description": f"{world.name} {split} (synthetic, procedural)"},
        "videos": videos,
        "annotations": annotations,
        "categories": [
            {"id": k + 1, "name": name, "supercategory": "shape"}
            for k, name in enumerate(world.class_names)
        ],
    }
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{split}.json"
    fd, tmp = tempfile.mkstemp(dir=root, suffix=".json.tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)
    return path
