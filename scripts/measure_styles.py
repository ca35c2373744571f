"""Measure the procedural style bank: is motion preserved, is appearance changed?

For every registered style (benchmark/pairs/styles.py) and every test video:

- motion: relative endpoint error of Farneback optical flow, styled clip vs original
  (:func:`benchmark.pairs.style_quality.motion_preservation`; 0 = same flow, 1 = as bad as no motion);
- appearance: mean per-frame |Pearson r| of RGB values and luminance SSIM, between each
  style and the original and between every pair of styles (lower = more different).

Test videos (``scripts/style_clips.py``): moving textured shapes (synthetic-looking), a
camera panning/zooming over a photo-like 1/f image with a rotating object (real-looking), and, if ``tasks.synthetic``
provides it, clips of ``get_world("synthetic-motion")``. Controls show the metric can
fail: a frozen clip, a strong screen-space texture and a per-frame (flickering) style.

Then it proposes a bank: torch-native styles with mean relative EPE below
``MOTION_THRESHOLD`` on every video kind (and below ``MOTION_MAX_THRESHOLD`` on every
clip), added greedily (lowest worst-case EPE first) while every pair in the bank keeps
|r| below ``APPEARANCE_THRESHOLD`` and colour-map R2 below ``COLOUR_MAP_THRESHOLD``; it
checks ``DEFAULT_STYLES`` against the same rules (exit status 1 if it fails).

    python scripts/measure_styles.py --out results/styles     # < 1 minute on 2 CPU cores
    python scripts/measure_styles.py --seeds 4 --out DIR       # more clips, ~2 minutes
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from style_clips import camera_clip, moving_shapes_clip  # scripts/style_clips.py

from benchmark.pairs import style_quality as Q
from benchmark.pairs import styles as S


def _world_clips(count: int, frames: int, size: int) -> tuple[list[torch.Tensor], str]:
    """Test-split clips of ``tasks.synthetic.get_world("synthetic-motion")`` (written in
    parallel; any failure is reported and the kind skipped)."""
    try:
        from tasks.synthetic import get_world

        world = get_world("synthetic-motion", frames=frames, size=size)
        clips = []
        for i in range(count):
            video = np.asarray(world.render(world.spec("test", i)))  # (T, H, W, 3) uint8
            clip = torch.from_numpy(video).permute(0, 3, 1, 2).float()
            clips.append((clip / 255.0 if video.dtype == np.uint8 else clip).contiguous())
        return clips, "ok"
    except Exception as exc:  # noqa: BLE001 - optional video kind: report and go on
        return [], f"skipped ({type(exc).__name__}: {exc})"


def _controls() -> dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    """Negative controls that must fail the motion test."""
    gen = torch.Generator().manual_seed(1234)

    def frozen(clip: torch.Tensor) -> torch.Tensor:
        return clip[:1].expand_as(clip).clone()

    def screen_texture(clip: torch.Tensor) -> torch.Tensor:
        tex = torch.rand(1, 1, *clip.shape[-2:], generator=gen)
        tex = torch.nn.functional.avg_pool2d(tex, 3, 1, 1)
        return (0.15 * clip + 0.85 * tex).clamp(0, 1)

    def flicker(clip: torch.Tensor) -> torch.Tensor:
        return torch.cat([S.apply_style(clip[t : t + 1], 1 + t % 3) for t in range(len(clip))])

    return {"control:frozen": frozen, "control:screen_texture": screen_texture, "control:flicker": flicker}


def measure(frames: int = 16, size: int = 128, seeds: int = 2, world: bool = True) -> dict:
    """All measurements as a JSON-able dict."""
    videos: dict[str, list[torch.Tensor]] = {
        "synthetic": [moving_shapes_clip(s, frames, size) for s in range(seeds)],
        "real_like": [camera_clip(s, frames, size) for s in range(seeds)],
    }
    notes = {}
    if world:
        clips, note = _world_clips(seeds, frames, size)
        notes["synthetic-motion world"] = note
        if clips:
            videos["world"] = clips
    names = S.style_names()
    flows = {kind: [Q.farneback_flows(Q.to_gray_uint8(c)) for c in clips] for kind, clips in videos.items()}
    originals = [c for clips in videos.values() for c in clips]
    step = max(1, frames // 4)  # appearance metrics on every step-th frame (4 per clip)

    def appearance(xs: list[torch.Tensor], ys: list[torch.Tensor]) -> dict[str, float]:
        xs, ys = [x[::step] for x in xs], [y[::step] for y in ys]
        pairs_ = list(zip(xs, ys, strict=True))
        return {
            "r": float(np.mean([Q.appearance_similarity(x, y) for x, y in pairs_])),
            "ssim": float(np.mean([Q.ssim(x, y) for x, y in pairs_])),
            "r2_colour_map": float(np.mean([Q.colour_map_r2(x, y) for x, y in pairs_])),
            "r2_colour_map_reverse": float(np.mean([Q.colour_map_r2(y, x) for x, y in pairs_])),
        }

    def epes(kind: str, outs: list[torch.Tensor]) -> dict[str, float]:
        vals = [Q.motion_preservation(None, o, reference_flows=f) for f, o in zip(flows[kind], outs, strict=True)]
        return {f"epe_{kind}": float(np.mean(vals)), f"epe_max_{kind}": float(np.max(vals))}

    styled: dict[str, list[torch.Tensor]] = {}
    per_style: dict[str, dict] = {}
    for sid, name in enumerate(names):
        t0 = time.perf_counter()
        by_kind = {kind: [S.apply_style(c, sid) for c in clips] for kind, clips in videos.items()}
        elapsed = time.perf_counter() - t0
        styled[name] = [o for outs in by_kind.values() for o in outs]
        row: dict = {"id": sid, "torch_native": S.get_style(sid).torch_native,
                     "ms_per_clip": 1000 * elapsed / len(originals)}
        for kind, outs in by_kind.items():
            row.update(epes(kind, outs))
        vs = appearance(originals, styled[name])
        row.update({"r_vs_original": vs["r"], "ssim_vs_original": vs["ssim"],
                    "r2_colour_map_from_original": vs["r2_colour_map"]})
        per_style[name] = row
    controls = {name: {k: v for kind, clips in videos.items() for k, v in epes(kind, [fn(c) for c in clips]).items()}
                for name, fn in _controls().items()}
    pairs = {f"{a}|{b}": appearance(styled[a], styled[b]) for a, b in itertools.combinations(names, 2)}
    kinds = list(videos)
    proposal = propose_bank(per_style, pairs, kinds)
    default_ok, default_why = check_bank(S.DEFAULT_STYLES, per_style, pairs, kinds)
    return {
        "config": {"frames": frames, "size": size, "seeds": seeds, "video_kinds": kinds,
                   "motion_threshold": Q.MOTION_THRESHOLD,
                   "motion_max_threshold": Q.MOTION_MAX_THRESHOLD, "appearance_threshold": Q.APPEARANCE_THRESHOLD,
                   "colour_map_threshold": Q.COLOUR_MAP_THRESHOLD},
        "notes": notes,
        "styles": per_style,
        "controls": controls,
        "pairs": pairs,
        "proposed_bank": proposal,
        "default_bank": {"ids": list(S.DEFAULT_STYLES), "names": [names[i] for i in S.DEFAULT_STYLES],
                         "passes": default_ok, "why": default_why},
    }


def _pair(pairs: dict, a: str, b: str) -> dict[str, float]:
    """Pair metrics oriented a -> b (``r2_colour_map``: map from a explaining b)."""
    if f"{a}|{b}" in pairs:
        return pairs[f"{a}|{b}"]
    p = dict(pairs[f"{b}|{a}"])
    p["r2_colour_map"], p["r2_colour_map_reverse"] = p["r2_colour_map_reverse"], p["r2_colour_map"]
    return p


def _differ(pairs: dict, a: str, b: str) -> bool:
    """Appearance rules for two bank members: low |r| and no global colour map between them."""
    p = _pair(pairs, a, b)
    return p["r"] < Q.APPEARANCE_THRESHOLD and max(p["r2_colour_map"], p["r2_colour_map_reverse"]) < Q.COLOUR_MAP_THRESHOLD


def _moves(row: dict, kinds: list[str]) -> bool:
    """Motion rule: mean relative EPE per kind below MOTION_THRESHOLD and every clip below
    MOTION_MAX_THRESHOLD."""
    return all(row[f"epe_{k}"] < Q.MOTION_THRESHOLD and row[f"epe_max_{k}"] < Q.MOTION_MAX_THRESHOLD for k in kinds)


def propose_bank(per_style: dict, pairs: dict, kinds: list[str]) -> dict:
    """Greedy bank: motion-preserving torch styles, lowest worst-case EPE first, each added
    only if its |r| with every member already in the bank is below the threshold."""
    cands = [n for n, row in per_style.items() if row["torch_native"] and _moves(row, kinds)]
    cands.sort(key=lambda n: max(per_style[n][f"epe_max_{k}"] for k in kinds))
    bank: list[str] = []
    for name in cands:
        if all(_differ(pairs, name, m) for m in bank):
            bank.append(name)
    rs = [_pair(pairs, a, b)["r"] for a, b in itertools.combinations(bank, 2)]
    return {"ids": [per_style[n]["id"] for n in bank], "names": bank,
            "mean_pair_r": float(np.mean(rs)) if rs else None, "max_pair_r": float(np.max(rs)) if rs else None}


def check_bank(ids: tuple[int, ...], per_style: dict, pairs: dict, kinds: list[str]) -> tuple[bool, str]:
    """Whether a bank satisfies both rules, and the first violation if not."""
    names = [S.style_names()[i] for i in ids]
    for n in names:
        if not _moves(per_style[n], kinds):
            return False, f"{n}: relative EPE >= {Q.MOTION_THRESHOLD} (mean) or >= {Q.MOTION_MAX_THRESHOLD} (a clip)"
    for a, b in itertools.combinations(names, 2):
        if not _differ(pairs, a, b):
            return False, (f"{a} vs {b}: |r| >= {Q.APPEARANCE_THRESHOLD} or colour-map R2 >= "
                           f"{Q.COLOUR_MAP_THRESHOLD}")
    return True, "ok"


def to_markdown(res: dict) -> str:
    """The style x metric table, the controls and the pairwise matrices as markdown."""
    kinds = res["config"]["video_kinds"]
    names = list(res["styles"])
    lines = [
        f"Relative EPE threshold {res['config']['motion_threshold']} (mean per kind), "
        f"{res['config']['motion_max_threshold']} (every clip), "
        f"|r| threshold {res['config']['appearance_threshold']}, "
        f"colour-map R2 threshold {res['config']['colour_map_threshold']}; "
        f"{res['config']['seeds']} clips per kind, {res['config']['frames']} frames of "
        f"{res['config']['size']}x{res['config']['size']}.",
        "",
        "Relative EPE: mean (max) over the clips of a kind.",
        "",
        "| id | style | torch | " + " | ".join(f"rel EPE {k}" for k in kinds)
        + " | \\|r\\| vs orig | SSIM vs orig | R2 colour map from orig | mean \\|r\\| vs others | ms/clip |",
        "|---|---|---|" + "---|" * len(kinds) + "---|---|---|---|---|",
    ]
    for n in names:
        row = res["styles"][n]
        others = np.mean([_pair(res["pairs"], n, m)["r"] for m in names if m != n])
        lines.append(
            f"| {row['id']} | {n} | {'yes' if row['torch_native'] else 'no'} | "
            + " | ".join(f"{row[f'epe_{k}']:.3f} ({row[f'epe_max_{k}']:.3f})" for k in kinds)
            + f" | {row['r_vs_original']:.3f} | {row['ssim_vs_original']:.3f} | {row['r2_colour_map_from_original']:.3f}"
            f" | {others:.3f} | {row['ms_per_clip']:.0f} |"
        )
    for n, row in res["controls"].items():
        lines.append(f"|  | {n} |  | " + " | ".join(f"{row[f'epe_{k}']:.3f} ({row[f'epe_max_{k}']:.3f})" for k in kinds)
                     + " |  |  |  |  |  |")
    short = [n[:10] for n in names]
    titles = {"r": "|r|", "ssim": "SSIM", "r2_colour_map": "R2 of the best affine colour map row -> column"}
    for metric, title in titles.items():
        lines += ["", f"Pairwise {title} (styles of the same frames):", "",
                  "| | " + " | ".join(short) + " |", "|---|" + "---|" * len(names)]
        for a in names:
            cells = ["" if a == b else f"{_pair(res['pairs'], a, b)[metric]:.2f}" for b in names]
            lines.append(f"| {a} | " + " | ".join(cells) + " |")
    p, d = res["proposed_bank"], res["default_bank"]
    lines += ["", f"Proposed bank: {p['ids']} {p['names']} (mean pair |r| {p['mean_pair_r']}, max {p['max_pair_r']})",
              f"DEFAULT_STYLES: {d['ids']} {d['names']} -> {'passes' if d['passes'] else 'FAILS: ' + d['why']}"]
    for k, v in res["notes"].items():
        lines.append(f"Note: {k}: {v}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for styles.json and styles.md")
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--seeds", type=int, default=2, help="clips per video kind")
    parser.add_argument("--no-world", action="store_true", help="skip tasks.synthetic clips")
    args = parser.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    t0 = time.perf_counter()
    res = measure(args.frames, args.size, args.seeds, world=not args.no_world)
    res["config"]["seconds"] = round(time.perf_counter() - t0, 1)
    md = to_markdown(res)
    print(md)
    print(f"({res['config']['seconds']} s)")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "styles.json").write_text(json.dumps(res, indent=2))
        (args.out / "styles.md").write_text(md)
    return 0 if res["default_bank"]["passes"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
