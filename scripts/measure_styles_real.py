"""Motion preservation of every style on real camera footage (docs/validity.md).

    python scripts/measure_styles_real.py --videos /path/to/footage   # every .avi/.mp4/.mov in it
    python scripts/measure_styles_real.py --videos a.avi --videos b.mp4 --clips-per-video 3

From each video, ``--clips-per-video`` windows spread evenly over its length: ``--frames``
frames taken every ``--stride`` frames (``benchmark.data.video``, decoded with PyAV), short side
resized to ``--size`` and centre-cropped.  For every registered style
(``benchmark/pairs/styles.py``) and every window: the relative flow endpoint error against the
original window (``benchmark.pairs.style_quality.motion_preservation``; 0 = the same Farnebäck
flow, 1 = as wrong as predicting no motion), plus the negative controls of
``scripts/measure_styles.py`` (a frozen clip, a screen-space texture, a flickering style),
which must come out near or above 1.

Writes ``<out>/real_footage_epe.json`` (default ``docs/validity/``), which
``scripts/validity_study.py`` turns into the table of docs/validity.md.  The footage is
never committed; the dancer and pianist recordings of the ``musicalgestures`` wheel
(``examples/``) are the ones measured in docs/validity.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from measure_styles import _controls  # noqa: E402  (scripts/measure_styles.py)

from benchmark.data.video import center_crop, decode_frames, probe_video, resize_short_side  # noqa: E402
from benchmark.pairs import style_quality as Q  # noqa: E402
from benchmark.pairs import styles as S  # noqa: E402

VIDEO_SUFFIXES = (".avi", ".mp4", ".mov", ".mkv", ".webm")


def video_files(paths: list[Path]) -> list[Path]:
    """The videos named, or found (sorted) in the folders named."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"--videos {path}: no such file or folder")
    if not found:
        raise SystemExit(f"--videos {' '.join(map(str, paths))}: no video files ({', '.join(VIDEO_SUFFIXES)})")
    return found


def windows(path: Path, count: int, frames: int, stride: int, size: int) -> list[tuple[int, torch.Tensor]]:
    """``count`` windows of ``frames`` frames (every ``stride``-th) spread evenly over the
    video: (first frame index, (T, 3, size, size) float clip in [0, 1])."""
    info = probe_video(path, path.name)
    span = (frames - 1) * stride + 1
    if info.num_frames < span:
        raise SystemExit(f"{path}: {info.num_frames} frames, fewer than one window ({span})")
    starts = np.linspace(0, info.num_frames - span, count + 2)[1:-1].round().astype(int)
    out = []
    for start in starts:
        video = decode_frames(path, list(range(start, start + span, stride)), path.name)
        video = center_crop(resize_short_side(video, size), size)
        out.append((int(start), torch.from_numpy(video).permute(0, 3, 1, 2).float().div(255.0).contiguous()))
    return out


def measure(videos: list[Path], clips_per_video: int, frames: int, stride: int, size: int) -> dict:
    """Relative EPE of every style and control on every window, as a JSON-able dict."""
    started = time.perf_counter()
    clips, tensors = [], []
    for path in videos:
        for start, clip in windows(path, clips_per_video, frames, stride, size):
            flows = Q.farneback_flows(Q.to_gray_uint8(clip))
            magnitude = float(np.linalg.norm(flows[:, 8:-8, 8:-8], axis=-1).mean())
            clips.append({"name": f"{path.stem}@{start}", "video": path.name, "start": start,
                          "mean_flow_px": round(magnitude, 3), "flows": flows})
            tensors.append(clip)

    def epes(transform) -> list[float]:
        return [Q.motion_preservation(None, transform(clip), reference_flows=c["flows"])
                for c, clip in zip(clips, tensors, strict=True)]

    styles = {}
    for sid, name in enumerate(S.style_names()):
        values = epes(lambda clip, sid=sid: S.apply_style(clip, sid))
        styles[name] = {"id": sid, "default": sid in S.DEFAULT_STYLES, "torch_native": S.get_style(sid).torch_native,
                        "epe": values, "median": float(np.median(values)), "mean": float(np.mean(values))}
    controls = {}
    for name, fn in _controls().items():
        values = epes(fn)
        controls[name] = {"epe": values, "median": float(np.median(values))}
    bank = [n for n, row in styles.items() if row["default"]]
    pooled = [v for n in bank for v in styles[n]["epe"]]
    for c in clips:
        del c["flows"]
    return {
        "config": {"frames": frames, "stride": stride, "size": size, "clips_per_video": clips_per_video,
                   "seconds": round(time.perf_counter() - started, 1),
                   "description": (f"{clips_per_video} windows per video ({', '.join(v.name for v in videos)}), "
                                   f"{frames} frames every {stride}, short side resized to {size} and centre-cropped "
                                   f"to {size}×{size}; mean reference flow per clip (px/frame): "
                                   + ", ".join(f"{c['name']} {c['mean_flow_px']:.2f}" for c in clips))},
        "clips": clips,
        "styles": styles,
        "controls": controls,
        "default_bank": {"names": bank, "median": float(np.median(pooled)),
                         "worst_style_median": float(max(styles[n]["median"] for n in bank))},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=Path, action="append", required=True, help="a video or a folder of videos")
    parser.add_argument("--clips-per-video", type=int, default=3)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--stride", type=int, default=2, help="take every STRIDE-th frame")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "validity")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    res = measure(video_files(args.videos), args.clips_per_video, args.frames, args.stride, args.size)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "real_footage_epe.json").write_text(json.dumps(res, indent=1) + "\n")
    width = max(len(n) for n in res["styles"])
    print(" " * width + "  " + "  ".join(f"{c['name']:>14}" for c in res["clips"]) + "  median")
    for name, row in {**res["styles"], **res["controls"]}.items():
        print(f"{name:<{width}}  " + "  ".join(f"{v:14.3f}" for v in row["epe"]) + f"  {row['median']:.3f}")
    bank = res["default_bank"]
    print(f"default bank {bank['names']}: median {bank['median']:.3f}, worst style median {bank['worst_style_median']:.3f}"
          f"  ({res['config']['seconds']} s)")


if __name__ == "__main__":
    main()
