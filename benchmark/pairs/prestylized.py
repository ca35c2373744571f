"""Reader for pre-stylised datasets (METHOD.md §1, "Styles", option (a)).

Layout (the one the original authors used)::

    <root>/style_<k>/<video>/<frame>.jpg        k = 0..K-1

Every style folder holds the same videos, each a folder of frames; frames are ordered by
a natural sort of their names (``2.jpg`` before ``10.jpg``; zero-padded names sort the
same way). ``.jpg``, ``.jpeg`` and ``.png`` frames are read; hidden entries are ignored.

Validation is split by cost:

- at construction (one directory listing per style): the root exists, it has style
  folders, and every video is present in every style folder; a video missing from one
  style is a :class:`~benchmark.errors.DataError` naming the video and the style folder;
- lazily, per video: frame lists (cached), equal frame counts across styles
  (:meth:`PrestylizedStore.num_frames`), readable images of one size (:meth:`load`).

``tests/fixtures/prestylized.py`` writes a tiny tree of this layout for the tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmark.errors import DataError

__all__ = ["PrestylizedStore", "FRAME_EXTENSIONS"]

FRAME_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png")
_STYLE_DIR = re.compile(r"^style_(\d+)$")


def _natural_key(name: str) -> tuple:
    """Sort key treating digit runs as numbers: ``"f2" < "f10"``, ``"9" < "10"``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)


def _visible_dirs(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]


class PrestylizedStore:
    """A pre-stylised copy of a video dataset, ``<root>/style_<k>/<video>/<frame>.jpg``.

    ``styles``: the style indices found (sorted); ``videos``: the video names (sorted),
    present in every style folder. Raises :class:`DataError` at construction when the
    root is missing, has no ``style_<k>`` folders, or a video is missing from a style."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise DataError(f"pre-stylised dataset root {self.root} does not exist or is not a folder")
        found: dict[int, Path] = {}
        for folder in _visible_dirs(self.root):
            match = _STYLE_DIR.match(folder.name)
            if match:
                k = int(match.group(1))
                if k in found:
                    raise DataError(f"{self.root}: two folders for style {k}: {found[k].name} and {folder.name}")
                found[k] = folder
        if not found:
            raise DataError(
                f"{self.root} has no style folders: expected {self.root}/style_<k>/<video>/<frame>.jpg with k = 0, 1, ..."
            )
        self._style_dirs = dict(sorted(found.items()))
        per_style = {k: {p.name for p in _visible_dirs(d)} for k, d in self._style_dirs.items()}
        everywhere = set.intersection(*per_style.values())
        anywhere = set.union(*per_style.values())
        if not anywhere:
            raise DataError(f"{self.root}: the style folders hold no video folders")
        for video in sorted(anywhere - everywhere, key=_natural_key):
            missing = [str(self._style_dirs[k]) for k, vids in per_style.items() if video not in vids]
            raise DataError(
                f"video {video!r} is missing from style folder {missing[0]}"
                + (f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if len(missing) > 1 else "")
                + "; every style folder must hold every video"
            )
        self._videos = sorted(everywhere, key=_natural_key)
        self._frames: dict[tuple[str, int], list[Path]] = {}

    @property
    def styles(self) -> list[int]:
        """The style indices k of the ``style_<k>`` folders, sorted."""
        return list(self._style_dirs)

    @property
    def videos(self) -> list[str]:
        """The video folder names (present in every style), naturally sorted."""
        return list(self._videos)

    def __repr__(self) -> str:
        return f"PrestylizedStore({str(self.root)!r}: {len(self._style_dirs)} styles, {len(self._videos)} videos)"

    def style_dir(self, style: int) -> Path:
        """The folder of style ``style``; DataError naming it when it does not exist."""
        if style not in self._style_dirs:
            raise DataError(
                f"style folder {self.root / f'style_{style}'} does not exist; styles found: {self.styles}"
            )
        return self._style_dirs[style]

    def frame_paths(self, video: str, style: int) -> list[Path]:
        """The frame files of ``video`` in ``style``, in order (cached)."""
        key = (video, style)
        if key not in self._frames:
            folder = self.style_dir(style) / video
            if video not in self._videos or not folder.is_dir():
                raise DataError(f"video {video!r} not found in {self.style_dir(style)}")
            frames = [
                p for p in folder.iterdir()
                if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FRAME_EXTENSIONS
            ]
            if not frames:
                raise DataError(f"{folder} holds no frames ({', '.join(FRAME_EXTENSIONS)})")
            self._frames[key] = sorted(frames, key=lambda p: _natural_key(p.stem))
        return self._frames[key]

    def num_frames(self, video: str) -> int:
        """Frame count of ``video``, checked equal in every style (DataError naming the
        style folder that differs)."""
        counts = {k: len(self.frame_paths(video, k)) for k in self.styles}
        first = self.styles[0]
        for k, n in counts.items():
            if n != counts[first]:
                raise DataError(
                    f"video {video!r} has {n} frames in {self._style_dirs[k]} but {counts[first]} in "
                    f"{self._style_dirs[first]}; every style must have the same frames"
                )
        return counts[first]

    def load(self, video: str, style: int, frame_indices: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """Frames of ``video`` in ``style`` as (T, H, W, 3) uint8 RGB; all frames, or
        those at ``frame_indices`` (in the order given, repeats allowed)."""
        import cv2

        paths = self.frame_paths(video, style)
        if frame_indices is None:
            chosen = paths
        else:
            chosen = []
            for i in np.asarray(frame_indices, dtype=np.int64).reshape(-1).tolist():
                if not 0 <= i < len(paths):
                    raise DataError(f"frame index {i} out of range for {paths[0].parent} ({len(paths)} frames)")
                chosen.append(paths[i])
        frames = []
        for path in chosen:
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is None:
                raise DataError(f"cannot read frame {path}")
            if frames and img.shape != frames[0].shape:
                raise DataError(f"frame {path} is {img.shape[1]}x{img.shape[0]}, other frames of the video are "
                                f"{frames[0].shape[1]}x{frames[0].shape[0]}")
            frames.append(img[..., ::-1])
        if not frames:
            return np.zeros((0, 0, 0, 3), np.uint8)
        return np.ascontiguousarray(np.stack(frames))
