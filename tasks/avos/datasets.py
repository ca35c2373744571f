"""AVOS datasets as per-frame samples grouped in sequences.

Readers for the published layouts (README "Running on real data"):

- **DAVIS 2016**: ``JPEGImages/480p/<seq>/00000.jpg``, ``Annotations/480p/<seq>/00000.png``,
  sequence lists ``ImageSets/2016/{train,val}.txt`` (one sequence name per line; lines of
  the original release's ``/JPEGImages/480p/<seq>/00000.jpg /Annotations/...`` form are
  accepted too).
- **MoCA-Mask**: ``<split>/<seq>/Frame/*.jpg`` with masks ``<split>/<seq>/GT/*.png`` (only
  some frames are annotated); ``train``/``test`` are aliases of the published split folders
  ``TrainDataset_per_sq``/``TestDataset_per_sq``.
- **synthetic-avos** / **synthetic-avos-camouflage**: the procedural AVOS world
  (``tasks.synthetic``), rendered on the fly, with true factor pairs.

An *item* is a frame that has a successor (the flow goes from frame t to t+1), so a
sequence of T frames gives T-1 items.  Every source answers ``len``, ``sample(index,
size)``, ``clip_id``, ``fingerprint``, ``sequence_names`` and ``sequence_samples``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from benchmark.data.clips import require_data_root
from benchmark.errors import DataError
from tasks.avos.flow import FlowCache, FlowParams, cached_flow, read_flow_image
from tasks.avos.flow_colour import flow_to_colour
from tasks.avos.samples import FrameSample

#: The synthetic AVOS datasets and whether the moving object is camouflaged.
SYNTHETIC_DATASETS: dict[str, bool] = {"synthetic-avos": False, "synthetic-avos-camouflage": True}
MOCA_SPLIT_FOLDERS = {"train": "TrainDataset_per_sq", "test": "TestDataset_per_sq", "val": "TestDataset_per_sq"}


@dataclass(frozen=True)
class FlowOptions:
    """Where flow images come from: computed with ``params`` (cached under ``cache_dir``
    unless ``cache`` is False), or read from ``flow_root`` when given."""

    params: FlowParams = field(default_factory=FlowParams)
    cache: bool = True
    cache_dir: Path | None = None
    flow_root: Path | None = None

    def make_cache(self) -> FlowCache | None:
        return FlowCache(self.cache_dir) if self.cache else None


# --------------------------------------------------------------------------- image files


def read_rgb(path: Path) -> np.ndarray:
    """An image file as RGB uint8; DataError naming the file when missing or unreadable."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        what = "missing" if not Path(path).is_file() else "not a readable image"
        raise DataError(f"{path}: frame {what}.")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_mask(path: Path) -> np.ndarray:
    """A mask PNG as bool (H, W): palette images: index > 0; grey or RGB: value > 127."""
    try:
        with Image.open(path) as image:
            if image.mode == "P":
                return np.asarray(image) > 0
            return np.asarray(image.convert("L")) > 127
    except (OSError, ValueError) as error:
        what = "missing" if not Path(path).is_file() else f"not a readable image ({error})"
        raise DataError(f"{path}: mask {what}.") from None


# --------------------------------------------------------------------------- sequences on disk


@dataclass(frozen=True)
class SequenceFiles:
    """A sequence's frame files in order, and its mask file per frame (None: unannotated)."""

    name: str
    images: tuple[Path, ...]
    masks: tuple[Path | None, ...]


class _AvosSource:
    """What both kinds of AVOS source share: items as samples at the model's input size."""

    input_size: int | None = None

    def sample(self, index: int, size: int | None = None) -> FrameSample:
        raise NotImplementedError

    def clip(self, index: int) -> FrameSample:
        """Item ``index`` as the model sees it: a sample at ``input_size`` (mask as annotated)."""
        return self.sample(index, self.input_size)


class FolderSource(_AvosSource):
    """Sequences of image files (DAVIS 2016, MoCA-Mask) as per-frame AVOS samples."""

    def __init__(
        self, name: str, split: str, sequences: list[SequenceFiles], flow: FlowOptions | None = None,
        limit: int | None = None, input_size: int | None = None,
    ) -> None:
        self.name = name
        self.split = split
        self.input_size = input_size
        self.sequences = sequences[:limit] if limit is not None else list(sequences)
        if not self.sequences:
            raise DataError(f"{name} ({split}): no sequences found.")
        self.flow = flow or FlowOptions()
        self._cache = self.flow.make_cache()
        self._items = [(s, t) for s, seq in enumerate(self.sequences) for t in range(len(seq.images) - 1)]
        self._by_name = {seq.name: s for s, seq in enumerate(self.sequences)}

    def __len__(self) -> int:
        return len(self._items)

    def clip_id(self, index: int) -> str:
        s, t = self._items[index]
        return f"{self.sequences[s].name}/{self.sequences[s].images[t].stem}"

    def sequence_names(self) -> list[str]:
        return [seq.name for seq in self.sequences]

    def sequence_items(self, name: str) -> list[int]:
        s = self._sequence_index(name)
        return [i for i, (si, _) in enumerate(self._items) if si == s]

    def prestyle_ref(self, index: int) -> tuple[str, list[int]]:
        """The sequence's folder in a pre-stylised copy and the frame this item is."""
        s, t = self._items[index]
        return self.sequences[s].name, [t]

    def _sequence_index(self, name: str) -> int:
        if name not in self._by_name:
            raise DataError(f"{self.name} ({self.split}): no sequence {name!r}.")
        return self._by_name[name]

    def flow_image(self, s: int, t: int, rgb: np.ndarray | None = None) -> np.ndarray:
        """The colour-coded flow of frame t -> t+1 of sequence ``s`` at its working resolution."""
        seq = self.sequences[s]
        if self.flow.flow_root is not None:
            return read_flow_image(self.flow.flow_root, seq.name, seq.images[t].stem)
        identity = f"{self.name}:{seq.images[t].parent.resolve()}"

        def frames() -> tuple[np.ndarray, np.ndarray]:
            first = rgb if rgb is not None else read_rgb(seq.images[t])
            second = read_rgb(seq.images[t + 1])
            if first.shape != second.shape:
                raise DataError(f"{seq.images[t + 1]}: size {second.shape[:2]} differs from the "
                                f"previous frame's {first.shape[:2]}.")
            return first, second

        return flow_to_colour(cached_flow(self._cache, identity, t, self.flow.params, frames))

    def sample(self, index: int, size: int | None = None) -> FrameSample:
        """Item ``index``: RGB frame, flow image, mask (None if unannotated); images resized
        to ``size`` x ``size`` when given (the mask keeps its resolution)."""
        s, t = self._items[index]
        seq = self.sequences[s]
        rgb = read_rgb(seq.images[t])
        mask = read_mask(seq.masks[t]) if seq.masks[t] is not None else None
        if mask is not None and mask.shape != rgb.shape[:2]:
            raise DataError(f"{seq.masks[t]}: mask size {mask.shape} differs from the frame's {rgb.shape[:2]}.")
        sample = FrameSample(rgb, self.flow_image(s, t, rgb), mask, seq.name, t)
        return sample.resized(size)

    def sequence_samples(self, name: str, size: int | None = None) -> list[FrameSample]:
        return [self.sample(i, size) for i in self.sequence_items(name)]

    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.name}|{self.split}".encode())
        for seq in self.sequences:
            digest.update(seq.name.encode())
            for image, mask in zip(seq.images, seq.masks, strict=True):
                digest.update(f"|{image.name}:{mask.name if mask else '-'}".encode())
        return digest.hexdigest()


def _sorted_files(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    suffixes = tuple(suffixes)
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes)


def _davis_sequence_list(root: Path, split: str) -> list[str]:
    listing = root / "ImageSets" / "2016" / f"{split}.txt"
    if not listing.is_file():
        raise DataError(f"davis2016: sequence list {listing} is missing (expected "
                        "ImageSets/2016/{train,val}.txt under --data-root).")
    names: list[str] = []
    for number, line in enumerate(listing.read_text().splitlines(), 1):
        token = line.strip().split()[0] if line.strip() else ""
        if not token:
            continue
        if "/" in token:  # "/JPEGImages/480p/<seq>/00000.jpg /Annotations/..." form
            parts = [p for p in token.split("/") if p]
            if len(parts) < 2:
                raise DataError(f"{listing}: line {number}: cannot read a sequence from {line!r}.")
            token = parts[-2]
        if token not in names:
            names.append(token)
    if not names:
        raise DataError(f"{listing}: lists no sequences.")
    return names


def read_davis2016(root: str | Path, split: str = "val") -> list[SequenceFiles]:
    """The sequences of DAVIS 2016 split ``split`` (train or val) under ``root``."""
    root = Path(root)
    sequences = []
    for name in _davis_sequence_list(root, split):
        frames_dir = root / "JPEGImages" / "480p" / name
        masks_dir = root / "Annotations" / "480p" / name
        if not frames_dir.is_dir():
            raise DataError(f"davis2016: sequence {name!r}: frame folder {frames_dir} is missing.")
        if not masks_dir.is_dir():
            raise DataError(f"davis2016: sequence {name!r}: annotation folder {masks_dir} is missing.")
        images = _sorted_files(frames_dir, (".jpg", ".jpeg"))
        if len(images) < 2:
            raise DataError(f"davis2016: sequence {name!r}: {frames_dir} holds {len(images)} frame(s); "
                            "at least 2 are needed for optical flow.")
        masks = tuple(masks_dir / f"{p.stem}.png" if (masks_dir / f"{p.stem}.png").is_file() else None
                      for p in images)
        sequences.append(SequenceFiles(name, tuple(images), masks))
    return sequences


def read_moca(root: str | Path, split: str = "test") -> list[SequenceFiles]:
    """The sequences of MoCA-Mask split ``split`` (a split folder name, or train/test)."""
    root = Path(root)
    folder = root / split
    if not folder.is_dir() and split in MOCA_SPLIT_FOLDERS:
        folder = root / MOCA_SPLIT_FOLDERS[split]
    if not folder.is_dir():
        raise DataError(f"moca: split folder {folder} is missing (expected <split>/<seq>/Frame/*.jpg "
                        f"and <split>/<seq>/GT/*.png under --data-root).")
    sequences = []
    for seq_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        frames_dir, masks_dir = seq_dir / "Frame", seq_dir / "GT"
        if not frames_dir.is_dir():
            raise DataError(f"moca: sequence {seq_dir.name!r}: frame folder {frames_dir} is missing.")
        images = _sorted_files(frames_dir, (".jpg", ".jpeg", ".png"))
        if len(images) < 2:
            raise DataError(f"moca: sequence {seq_dir.name!r}: {frames_dir} holds {len(images)} frame(s); "
                            "at least 2 are needed for optical flow.")
        masks = tuple(masks_dir / f"{p.stem}.png" if (masks_dir / f"{p.stem}.png").is_file() else None
                      for p in images)
        sequences.append(SequenceFiles(seq_dir.name, tuple(images), masks))
    if not sequences:
        raise DataError(f"moca: {folder} holds no sequence folders.")
    return sequences


#: Readers of the real datasets' published layouts.
READERS = {"davis2016": read_davis2016, "moca": read_moca}


# --------------------------------------------------------------------------- synthetic world


class SyntheticAvosSource(_AvosSource):
    """A split of the synthetic AVOS world as per-frame samples, with true factor pairs.

    Rendering a 64x64 clip and its flow is cheaper than reading a cache, so flow is not
    cached unless ``flow.cache`` is set explicitly with ``cache_synthetic``.
    """

    def __init__(
        self, name: str, split: str, flow: FlowOptions | None = None, limit: int | None = None,
        cache_synthetic: bool = False, input_size: int | None = None, **world_options,
    ) -> None:
        from tasks.synthetic import get_world

        if name not in SYNTHETIC_DATASETS:
            raise DataError(f"unknown synthetic AVOS dataset {name!r}; known: {', '.join(SYNTHETIC_DATASETS)}")
        self.name = name
        self.split = split
        self.input_size = input_size
        self.world = get_world("synthetic-avos", camouflage=SYNTHETIC_DATASETS[name], **world_options)
        size = self.world.split_size(split)
        self.num_clips = size if limit is None else min(limit, size)
        self.flow = flow or FlowOptions(cache=False)
        self._cache = self.flow.make_cache() if cache_synthetic else None
        self._steps = self.world.frames - 1
        self._memo: tuple[object, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return self.num_clips * self._steps

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise DataError(f"{self.name} ({self.split}): item {index} out of range 0..{len(self) - 1}.")
        return divmod(int(index), self._steps)

    def clip_id(self, index: int) -> str:
        clip, t = self._locate(index)
        return f"{self.name}/{self.split}/{clip}/{t:05d}"

    def sequence_names(self) -> list[str]:
        return [f"{self.split}/{clip}" for clip in range(self.num_clips)]

    def sequence_items(self, name: str) -> list[int]:
        clip = int(name.rsplit("/", 1)[1])
        return list(range(clip * self._steps, (clip + 1) * self._steps))

    def render(self, spec) -> tuple[np.ndarray, np.ndarray]:
        """Frames and masks of a clip spec (the last one rendered is remembered)."""
        if self._memo is None or self._memo[0] != spec:
            frames, masks = self.world.render_with_masks(spec)
            self._memo = (spec, frames, masks)
        return self._memo[1], self._memo[2]

    def _sample_of(self, spec, t: int, sequence: str, size: int | None) -> FrameSample:
        frames, masks = self.render(spec)
        identity = f"{self.name}:{self.world.frames}:{self.world.size}:{json.dumps(asdict(spec), sort_keys=True)}"
        flow = cached_flow(self._cache, identity, t, self.flow.params, lambda: (frames[t], frames[t + 1]))
        sample = FrameSample(frames[t], flow_to_colour(flow), masks[t].copy(), sequence, t)
        return sample.resized(size, resize_mask=True)

    def sample(self, index: int, size: int | None = None) -> FrameSample:
        clip, t = self._locate(index)
        return self._sample_of(self.world.spec(self.split, clip), t, f"{self.split}/{clip}", size)

    def sequence_samples(self, name: str, size: int | None = None) -> list[FrameSample]:
        return [self.sample(i, size) for i in self.sequence_items(name)]

    def true_pair(self, index: int, factor: int, seed: int, size: int | None = None) -> tuple[FrameSample, FrameSample]:
        """Item ``index`` and its true partner: same dynamics, new appearance (factor 0) or
        same appearance, new dynamics (factor 1); the partner's flow is computed from the
        partner's own frames.  Both at ``size`` (default: the source's ``input_size``)."""
        size = size if size is not None else self.input_size
        clip, t = self._locate(index)
        spec = self.world.spec(self.split, clip)
        if factor == 0:
            partner = self.world.with_new_appearance(spec, seed)
        else:
            partner = self.world.with_new_dynamics(spec, seed)
        sequence = f"{self.split}/{clip}"
        first = self._sample_of(spec, t, sequence, size)
        return first, self._sample_of(partner, t, f"{sequence}/partner", size)

    def fingerprint(self) -> str:
        world = self.world
        digest = hashlib.sha256(f"{self.name}|{self.split}|{world.frames}|{world.size}|{world.camouflage}".encode())
        for clip in range(self.num_clips):
            digest.update(json.dumps(asdict(world.spec(self.split, clip)), sort_keys=True).encode())
        return digest.hexdigest()


# --------------------------------------------------------------------------- opening by name


def open_dataset(
    name: str, split: str | None = None, data_root: str | Path | None = None,
    flow: FlowOptions | None = None, limit: int | None = None, input_size: int | None = None,
) -> SyntheticAvosSource | FolderSource:
    """Open AVOS dataset ``name`` (declared in :mod:`tasks.avos.spec`); ``split`` defaults
    to its evaluation split; ``limit`` keeps the first sequences; items come at
    ``input_size`` (None: their own size)."""
    from tasks.avos.spec import SPEC

    dataset = SPEC.dataset(name)
    split = split or dataset.eval_split
    if dataset.synthetic:
        return SyntheticAvosSource(name, split, flow, limit=limit, input_size=input_size)
    root = require_data_root(name, data_root)
    return FolderSource(name, split, READERS[name](root, split), flow, limit=limit, input_size=input_size)
