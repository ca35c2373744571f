"""Video decoding with PyAV, temporal sampling, and spatial resizing of uint8 frame stacks.

Every decoding failure is a :class:`benchmark.errors.DataError` whose message names the
clip id and the path and says what is wrong, so a caller can report it and move on.
Frame stacks are ``(T, H, W, 3)`` uint8 RGB numpy arrays throughout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from benchmark.api.transforms import uniform_indices
from benchmark.errors import DataError

#: Seek instead of decoding from the start when the first wanted frame is this many
#: seconds into the video (long ActivityNet videos); short clips decode sequentially.
SEEK_AFTER_SECONDS = 4.0


@dataclass(frozen=True)
class VideoInfo:
    """What a video stream says about itself, before decoding."""

    num_frames: int  # from the container index, else a packet count; decoding may find fewer
    fps: float  # average frame rate; 0.0 when the container does not say
    height: int
    width: int


def _fail(clip_id: str, path: Path, what: str) -> DataError:
    return DataError(f"Clip {clip_id!r} ({path}): {what}")


def _open(path: Path, clip_id: str) -> av.container.InputContainer:
    path = Path(path)
    if not path.is_file():
        raise _fail(clip_id, path, "the video file does not exist.")
    if path.stat().st_size == 0:
        raise _fail(clip_id, path, "the video file is empty (0 bytes).")
    try:
        container = av.open(str(path), mode="r")
    except av.error.EOFError as err:
        raise _fail(
            clip_id, path, f"the video has zero frames (end of file in the header: {err})."
        ) from err
    except av.FFmpegError as err:
        raise _fail(clip_id, path, f"the file is not a decodable video ({err}).") from err
    if not container.streams.video:
        container.close()
        raise _fail(clip_id, path, "the file has no video stream (zero video frames).")
    return container


def probe_video(path: Path, clip_id: str = "") -> VideoInfo:
    """Frame count, frame rate and size of ``path``'s first video stream.

    Raises DataError when the file is missing, not a video, or has zero frames.
    """
    container = _open(path, clip_id)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        count = int(stream.frames or 0)
        if count <= 0:  # WebM and some MKV files carry no frame count: demux (no decode)
            count = sum(1 for packet in container.demux(stream) if packet.size)
        height, width = stream.codec_context.height, stream.codec_context.width
    except av.FFmpegError as err:
        raise _fail(clip_id, Path(path), f"the file cannot be read ({err}).") from err
    finally:
        container.close()
    if count <= 0:
        raise _fail(clip_id, Path(path), "the video has zero frames.")
    return VideoInfo(num_frames=count, fps=fps, height=height, width=width)


def sample_indices(
    num_available: int, num_frames: int, sampling_rate: int | None = None
) -> np.ndarray:
    """Indices of ``num_frames`` frames out of ``num_available`` (int64, non-decreasing).

    - ``sampling_rate=None``: uniform over the whole segment, centre-aligned: frame ``i``
      is the middle of the i-th of ``num_frames`` equal bins (repeats when too short).
    - ``sampling_rate=s``: a window of ``num_frames * s`` frames centred in the segment,
      every ``s``-th frame; when the segment is shorter than the window, the window
      starts at 0 and indices past the end repeat the last frame.
    """
    if num_available <= 0:
        raise ValueError(f"num_available must be positive, got {num_available}")
    if num_frames <= 0:
        raise ValueError(f"num_frames must be positive, got {num_frames}")
    if sampling_rate is None:
        return uniform_indices(num_available, num_frames)
    if sampling_rate <= 0:
        raise ValueError(f"sampling_rate must be positive or None, got {sampling_rate}")
    window = num_frames * sampling_rate
    first = (num_available - window) // 2 if num_available >= window else 0
    idx = first + sampling_rate * np.arange(num_frames, dtype=np.int64)
    return np.minimum(idx, num_available - 1)


def _decode_wanted(
    path: Path, wanted: Sequence[int], clip_id: str, fps: float
) -> tuple[dict[int, np.ndarray], int | None]:
    """Decode the frames at the sorted unique indices ``wanted``.

    Returns the frames by index and, when the stream ended before the last wanted
    index, the true number of frames (else None).
    """
    try:
        if fps > 0 and wanted[0] >= SEEK_AFTER_SECONDS * fps:
            container = _open(path, clip_id)
            try:
                frames = _decode_seeking(container, wanted, fps)
            finally:
                container.close()
            if frames is not None:
                return frames, None
        container = _open(path, clip_id)
        try:
            return _decode_sequential(container, wanted)
        finally:
            container.close()
    except av.FFmpegError as err:
        raise _fail(clip_id, Path(path), f"decoding failed ({err}).") from err


def _decode_sequential(
    container: av.container.InputContainer, wanted: Sequence[int]
) -> tuple[dict[int, np.ndarray], int | None]:
    stream = container.streams.video[0]
    wanted_set, last = set(wanted), wanted[-1]
    frames: dict[int, np.ndarray] = {}
    count = 0
    previous = None
    for frame in container.decode(stream):
        if count in wanted_set:
            frames[count] = frame.to_ndarray(format="rgb24")
        previous = frame
        count += 1
        if count > last:
            return frames, None
    if previous is not None and count - 1 not in frames:  # keep the last frame for padding
        frames[count - 1] = previous.to_ndarray(format="rgb24")
    return frames, count


def _decode_seeking(
    container: av.container.InputContainer, wanted: Sequence[int], fps: float
) -> dict[int, np.ndarray] | None:
    """Seek to the keyframe before the first wanted frame; index frames by timestamp.

    Returns None (the caller then decodes from the start) when timestamps are missing,
    the seek overshot, or not every wanted frame was found.
    """
    stream = container.streams.video[0]
    if stream.time_base is None:
        return None
    origin = stream.start_time or 0
    target = (wanted[0] - 1) / fps
    container.seek(origin + int(target / stream.time_base), stream=stream)
    wanted_set, last = set(wanted), wanted[-1]
    frames: dict[int, np.ndarray] = {}
    first = True
    for frame in container.decode(stream):
        if frame.pts is None:
            return None
        index = int(round(float((frame.pts - origin) * stream.time_base) * fps))
        if first and index > wanted[0]:
            return None
        first = False
        if index in wanted_set:
            frames[index] = frame.to_ndarray(format="rgb24")
        if index >= last:
            break
    return frames if len(frames) == len(wanted_set) else None


def _assemble(frames: dict[int, np.ndarray], indices: Sequence[int]) -> np.ndarray:
    """Stack ``frames[i]`` for each index; a missing index takes the nearest earlier frame."""
    decoded = sorted(frames)
    picks = []
    for i in indices:
        pos = int(np.searchsorted(decoded, int(i), side="right")) - 1
        picks.append(frames[decoded[max(pos, 0)]])
    return np.stack(picks)


def decode_frames(path: Path, indices: Sequence[int], clip_id: str = "") -> np.ndarray:
    """Decode exactly the frames at ``indices`` (any order, repeats allowed).

    Indices past the end of the video repeat its last frame. Only the needed frames are
    converted to RGB; decoding stops after the last needed one (and seeks first when the
    first needed frame is far into the video). Raises DataError naming clip and path.
    """
    path = Path(path)
    if len(indices) == 0:
        raise ValueError("indices must not be empty")
    if min(indices) < 0:
        raise ValueError(f"frame indices must be >= 0, got {min(indices)}")
    info = probe_video(path, clip_id)
    wanted = sorted({int(i) for i in indices})
    frames, _ = _decode_wanted(path, wanted, clip_id, info.fps)
    if not frames:
        raise _fail(clip_id, path, "the video has zero decodable frames.")
    return _assemble(frames, indices)


def segment_frames(
    num_frames: int,
    fps: float,
    start: float | None,
    end: float | None,
    unit: str,
) -> tuple[int, int]:
    """The half-open frame range ``[a, b)`` of a segment, clamped to the video.

    ``unit="frame"``: ``start``/``end`` are frame indices, ``end`` exclusive;
    ``unit="sec"``: seconds, converted with ``fps``. ``None`` means the video's start or
    end. Raises ValueError when the segment lies outside the video.
    """
    if unit not in ("frame", "sec"):
        raise ValueError(f"unit must be 'frame' or 'sec', got {unit!r}")
    if unit == "sec" and (start is not None or end is not None) and fps <= 0:
        raise ValueError("the video has no frame rate, so a segment in seconds cannot be located")
    scale = fps if unit == "sec" else 1.0
    a = 0 if start is None else int(math.floor(start * scale + 1e-6))
    b = num_frames if end is None else int(math.ceil(end * scale - 1e-6))
    a = max(a, 0)
    if a >= num_frames:
        raise ValueError(
            f"the segment starts at {start} {unit}(s) but the video has only {num_frames} "
            f"frames" + (f" ({num_frames / fps:.2f} s)" if fps > 0 else "")
        )
    b = min(max(b, a + 1), num_frames)
    return a, b


def read_clip(
    path: Path,
    clip_id: str,
    num_frames: int,
    sampling_rate: int | None = None,
    start: float | None = None,
    end: float | None = None,
    unit: str = "frame",
) -> np.ndarray:
    """Sample ``num_frames`` frames from a segment of a video (see :func:`sample_indices`).

    The segment is ``[start, end)`` in ``unit`` ("frame" or "sec"); None = whole video.
    Returns ``(num_frames, H, W, 3)`` uint8. Raises DataError naming clip and path.
    """
    path = Path(path)
    info = probe_video(path, clip_id)
    count = info.num_frames
    for _ in range(2):  # the container's frame count may exceed what decodes; then redo once
        try:
            a, b = segment_frames(count, info.fps, start, end, unit)
        except ValueError as err:
            raise _fail(clip_id, path, f"{err}.") from err
        indices = a + sample_indices(b - a, num_frames, sampling_rate)
        frames, total = _decode_wanted(path, sorted({int(i) for i in indices}), clip_id, info.fps)
        if total is None:
            break
        if total == 0:
            raise _fail(clip_id, path, "the video has zero decodable frames.")
        count = total
    if not frames:
        raise _fail(clip_id, path, "no frame of the segment could be decoded.")
    return _assemble(frames, indices)


def _check_stack(frames: np.ndarray) -> None:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"expected a (T, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")


def resize_short_side(frames: np.ndarray, size: int) -> np.ndarray:
    """Resize every frame so that its shorter side is ``size`` (aspect ratio kept).

    Uses cv2 INTER_AREA when shrinking and INTER_LINEAR when enlarging.
    """
    _check_stack(frames)
    if size <= 0:
        raise ValueError(f"size must be positive, got {size}")
    height, width = frames.shape[1:3]
    if min(height, width) == size:
        return frames
    scale = size / min(height, width)
    new_h = size if height <= width else max(1, int(round(height * scale)))
    new_w = size if width < height else max(1, int(round(width * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    out = np.empty((frames.shape[0], new_h, new_w, 3), dtype=np.uint8)
    for t, frame in enumerate(frames):
        out[t] = cv2.resize(frame, (new_w, new_h), interpolation=interp)
    return out


def center_crop(frames: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """The centred ``size`` (or ``(height, width)``) crop of every frame, contiguous."""
    _check_stack(frames)
    crop_h, crop_w = (size, size) if isinstance(size, int) else size
    height, width = frames.shape[1:3]
    if crop_h > height or crop_w > width:
        raise ValueError(f"crop {crop_h}x{crop_w} is larger than the frames ({height}x{width})")
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return np.ascontiguousarray(frames[:, top : top + crop_h, left : left + crop_w])
