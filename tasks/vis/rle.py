"""COCO run-length encoding of masks, as YouTube-VIS stores them (via pycocotools).

YouTube-VIS files hold one segmentation per frame: ``null`` (object absent), an RLE with
``counts`` as a compressed string, or an *uncompressed* RLE whose ``counts`` is a list of
run lengths (column-major, starting with a run of zeros).  Everything here turns any of
those into a compressed RLE (``counts`` as bytes) that pycocotools' C routines accept,
checking that the RLE fits the video's height and width.
"""

from __future__ import annotations

import warnings

import numpy as np
from pycocotools import mask as mask_utils

from benchmark.errors import DataError

CompressedRLE = dict  # {"size": [H, W], "counts": bytes}


def encode(mask: np.ndarray) -> dict | None:
    """JSON-ready RLE (``counts`` as str) of a (H, W) bool mask; None when it is empty."""
    if not mask.any():
        return None
    rle = mask_utils.encode(np.asfortranarray(mask, dtype=np.uint8))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def to_compressed(segmentation, height: int, width: int, where: str) -> CompressedRLE | None:
    """A compressed RLE of one frame's segmentation (None stays None).

    Accepts an RLE dict with ``counts`` as str/bytes (compressed) or a list of ints
    (uncompressed), or a COCO polygon list.  ``where`` names the file, video and field
    in error messages.
    """
    if segmentation is None:
        return None
    if isinstance(segmentation, dict):
        return _rle_dict(segmentation, height, width, where)
    if isinstance(segmentation, list) and all(isinstance(p, list) for p in segmentation):
        if not segmentation:
            return None
        try:
            return mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
        except Exception as error:  # pycocotools raises bare Exceptions on bad polygons
            raise DataError(f"{where}: invalid polygon segmentation: {error}") from None
    raise DataError(
        f"{where}: expected null, an RLE {{'size', 'counts'}} or a polygon list, "
        f"got {type(segmentation).__name__}"
    )


def _rle_dict(rle: dict, height: int, width: int, where: str) -> CompressedRLE:
    missing = {"size", "counts"} - set(rle)
    if missing:
        raise DataError(f"{where}: RLE lacks field(s) {sorted(missing)}")
    size = rle["size"]
    if not (isinstance(size, (list, tuple)) and [int(s) for s in size] == [height, width]):
        raise DataError(
            f"{where}: field 'size' is {size!r} but the video is {height}x{width} (height, width)"
        )
    counts = rle["counts"]
    if isinstance(counts, list):
        if not all(isinstance(c, int) and c >= 0 for c in counts):
            raise DataError(f"{where}: uncompressed 'counts' must be non-negative integers")
        if sum(counts) != height * width:
            raise DataError(
                f"{where}: uncompressed 'counts' sum to {sum(counts)}, expected "
                f"{height * width} (= {height}x{width})"
            )
        return mask_utils.frPyObjects({"size": [height, width], "counts": counts}, height, width)
    if isinstance(counts, str):
        counts = counts.encode("ascii")
    if not isinstance(counts, bytes):
        raise DataError(f"{where}: field 'counts' must be a string or a list, got {type(counts).__name__}")
    compressed = {"size": [height, width], "counts": counts}
    total = int(mask_utils.area(compressed))
    if total > height * width:
        raise DataError(f"{where}: compressed 'counts' do not decode to a {height}x{width} mask")
    return compressed


def decode(segmentation, height: int, width: int, where: str) -> np.ndarray:
    """The (H, W) bool mask of one frame's segmentation (all False for null)."""
    rle = to_compressed(segmentation, height, width, where)
    if rle is None:
        return np.zeros((height, width), dtype=bool)
    with warnings.catch_warnings():  # pycocotools' numpy-2 copy= deprecation notice
        warnings.simplefilter("ignore", DeprecationWarning)
        return mask_utils.decode(rle).astype(bool)


def areas(rles: list[CompressedRLE | None]) -> np.ndarray:
    """Pixel count of each RLE (0 for None), int64."""
    present = [r for r in rles if r is not None]
    values = iter(mask_utils.area(present).tolist() if present else [])
    return np.array([0 if r is None else next(values) for r in rles], dtype=np.int64)
