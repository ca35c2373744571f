"""Leaderboard plots (matplotlib, Agg, no pyplot state), byte-stable for the same inputs.

- :func:`plot_result`: per layer, the static / dynamic / residual percentages as stacked
  bars with the dynamic share and its 95 % interval on a second axis, and the unit classes
  (joint / dynamic / static / neither) as stacked bars.
- :func:`plot_summary`: per task, main metric against dynamic share, both with intervals.
- :func:`plot_curve`: the bias over training: each layer's dynamic share (with its 95 %
  interval) against the training step, the main metric on a second axis.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from benchmark.board.ranking import dynamic_share, metric_estimate  # noqa: E402
from benchmark.files import write_atomic  # noqa: E402
from benchmark.results.schema import CurveResult, Result  # noqa: E402

FACTOR_COLOURS = {"static": "#4c72b0", "dynamic": "#dd8452", "residual": "#d0d0d0"}
UNIT_COLOURS = {"joint": "#8172b3", "dynamic": "#dd8452", "static": "#4c72b0", "neither": "#d0d0d0"}
DATASET_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
PROVENANCE_FILL = {"verified": True, "template": False, "reported": False}
# Fixed metadata and style so PNG bytes depend on the data only.
PNG_METADATA = {"Software": None}
DPI = 100


def _save(figure: Figure, path: Path, root: Path | None = None) -> Path:
    """Write the PNG atomically and never through a link (folders from ``root`` down)."""
    return write_atomic(path, lambda handle: figure.savefig(handle, format="png", dpi=DPI, metadata=PNG_METADATA),
                        root)


def _bar_axis(axis, labels: list[str]) -> None:
    """Layer names under the bars; a few layers keep a sensible bar width."""
    crowded = len(labels) > 6
    axis.set_xticks(range(len(labels)))
    axis.set_xticklabels(labels, rotation=30 if crowded else 0, ha="right" if crowded else "center")
    pad = max(0.0, (4 - len(labels)) / 2)
    axis.set_xlim(-0.6 - pad, len(labels) - 0.4 + pad)


def _legend_below(axis, handles, labels, columns: int) -> None:
    axis.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=columns,
                fontsize=8, frameon=False)


def _factor_panel(axis, result: Result) -> None:
    names = [layer.name for layer in result.layers]
    xs = range(len(names))
    bottom = [0.0] * len(names)
    for factor, colour in FACTOR_COLOURS.items():
        values = [layer.percent.get(factor, 0.0) for layer in result.layers]
        axis.bar(xs, values, bottom=bottom, color=colour, width=0.7, label=f"{factor} %")
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axis.set_ylim(0, 100)
    axis.set_ylabel("units (%)")
    axis.set_title("units per factor, and dynamic share")
    _bar_axis(axis, names)

    shares = [dynamic_share(layer) for layer in result.layers]
    twin = axis.twinx()
    twin.set_ylim(0, 1)
    twin.set_ylabel("dynamic share")
    twin.axhline(0.5, color="#555555", linestyle=":", linewidth=1, label="balanced (0.5)")
    points = [(x, s) for x, s in zip(xs, shares, strict=True) if s is not None]
    if points:
        px = [x for x, _ in points]
        py = [s.value for _, s in points]
        low = [s.value - s.interval[0] for _, s in points]
        high = [s.interval[1] - s.value for _, s in points]
        approximate = any(s.approximate for _, s in points)
        twin.errorbar(px, py, yerr=[low, high], color="black", marker="D", markersize=6,
                      markerfacecolor="white", markeredgewidth=1.5, capsize=4, linewidth=1.5,
                      label="dynamic share ≈ from the %" if approximate else "dynamic share, 95 % CI")
    handles, labels = axis.get_legend_handles_labels()
    twin_handles, twin_labels = twin.get_legend_handles_labels()
    _legend_below(axis, handles + twin_handles, labels + twin_labels, columns=3)


def _units_panel(axis, result: Result) -> None:
    names = [layer.name for layer in result.layers]
    axis.set_title("unit classes (threshold 0.5)")
    if not any(layer.unit_classes for layer in result.layers):
        axis.set_axis_off()
        axis.text(0.5, 0.5, "unit classes not reported", ha="center", va="center",
                  transform=axis.transAxes, color="#555555")
        return
    xs = range(len(names))
    bottom = [0.0] * len(names)
    for kind, colour in UNIT_COLOURS.items():
        values = [(layer.unit_classes or {}).get(kind, 0.0) for layer in result.layers]
        axis.bar(xs, values, bottom=bottom, color=colour, width=0.7, label=kind)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axis.set_ylim(0, 100)
    axis.set_ylabel("units (%)")
    _bar_axis(axis, names)
    _legend_below(axis, *axis.get_legend_handles_labels(), columns=4)


def plot_result(result: Result, path: Path, root: Path | None = None) -> Path:
    """Per-layer factor bars with the dynamic share, and unit classes; writes ``path``."""
    figure = Figure(figsize=(11, 4.8))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    _factor_panel(left, result)
    _units_panel(right, result)
    figure.suptitle(f"{result.submission} · {result.dataset.name} · {result.pair_protocol} pairs"
                    f" · {result.provenance}", fontsize=11)
    figure.tight_layout()
    return _save(figure, Path(path), root)


def _point(axis, share, score_value: float, score=None, *, marker: str, colour, filled: bool) -> None:
    sx = share.interval
    yerr = None
    if score is not None:
        yerr = [[score.value - score.interval[0]], [score.interval[1] - score.value]]
    axis.errorbar(share.value, score_value, xerr=[[share.value - sx[0]], [sx[1] - share.value]],
                  yerr=yerr, marker=marker, markersize=7, capsize=3, color=colour,
                  markerfacecolor=colour if filled else "white", linewidth=1)


def plot_summary(task: str, entries: list[tuple[Result, str]], path: Path, root: Path | None = None) -> Path:
    """Main metric against dynamic share (last layer) for every result of ``task``.

    ``entries`` are ``(result, main metric)``.  Results with a dynamic share but no metric
    (e.g. reported figures) are drawn in a strip below, on the same share axis.
    """
    metrics = sorted({metric for _, metric in entries})
    metric_name = "/".join(metrics)
    ordered = sorted(entries, key=lambda e: (e[0].dataset.name, e[0].submission, e[0].pair_protocol))
    scored, unscored = [], []
    for result, metric in ordered:
        share = dynamic_share(result.last_layer)
        if share is None:
            continue
        score = metric_estimate(result, metric)
        (scored if score is not None else unscored).append((result, share, score))
    datasets = sorted({result.dataset.name for result, _, _ in scored + unscored})
    colours = matplotlib.colormaps["tab10"]

    def style(result: Result) -> dict:
        index = datasets.index(result.dataset.name)
        return {"marker": DATASET_MARKERS[index % len(DATASET_MARKERS)], "colour": colours(index % 10),
                "filled": PROVENANCE_FILL.get(result.provenance, True)}

    strip_rows = max(len(unscored), 1)
    figure = Figure(figsize=(8, 5.5 + (0.28 * strip_rows if unscored else 0)))
    if unscored:
        axis, strip = figure.subplots(2, 1, sharex=True,
                                      gridspec_kw={"height_ratios": [5.5, 0.28 * strip_rows + 0.4]})
    else:
        axis, strip = figure.subplots(), None
    for k, (result, share, score) in enumerate(scored):
        _point(axis, share, score.value, score, **style(result))
        protocol = result.pair_protocol.split(":", 1)[0]
        axis.annotate(f"{result.submission} ({protocol} pairs)", (share.value, score.value),
                      xytext=(5, 4 if k % 2 == 0 else -10),  # alternate sides: fewer collisions
                      textcoords="offset points", fontsize=7, color="#333333")
    axis.set_ylim(0, 1.02)  # every task's main metric (accuracy, J&F, AP) lies in [0, 1]
    axis.set_ylabel(f"{metric_name} (clean)")
    if not scored:
        axis.text(0.5, 0.5, f"no result with {metric_name} yet", ha="center", va="center",
                  transform=axis.transAxes, color="#555555")
    bottom = axis
    if strip is not None:
        for row, (result, share, _) in enumerate(unscored):
            _point(strip, share, row, **style(result))
            strip.annotate(f"{result.submission} ({result.dataset.name})", (share.value, row),
                           xytext=(6, -3), textcoords="offset points", fontsize=7, color="#333333")
        strip.set_ylim(len(unscored) - 0.4, -0.6)
        strip.set_yticks([])
        strip.set_ylabel(f"no {metric_name}", fontsize=8)
        bottom = strip
    for panel in (axis, strip) if strip is not None else (axis,):
        panel.axvline(0.5, color="#555555", linestyle=":", linewidth=1)
        panel.grid(alpha=0.3)
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("dynamic share at the last probed layer (0.5 = balanced)")
    for index, dataset in enumerate(datasets):
        axis.plot([], [], linestyle="none", marker=DATASET_MARKERS[index % len(DATASET_MARKERS)],
                  color=colours(index % 10), label=dataset)
    if any(not PROVENANCE_FILL.get(r.provenance, True) for r, _, _ in scored + unscored):
        axis.plot([], [], linestyle="none", marker="o", color="#555555",
                  markerfacecolor="white", label="hollow: template / reported")
    if datasets:
        axis.legend(fontsize=8, loc="best", framealpha=0.9)
    axis.set_title(f"{task}: {metric_name} vs dynamic share (bars: 95 % intervals)", fontsize=10)
    figure.tight_layout()
    return _save(figure, Path(path), root)


def plot_curve(curve: CurveResult, path: Path, root: Path | None = None) -> Path:
    """Dynamic share per layer (bands: 95 % intervals) against the training step, with the
    clean main metric (and its interval) on a second axis; writes ``path``."""
    figure = Figure(figsize=(9, 4.8))
    axis = figure.subplots()
    steps = [point.step for point in curve.points]
    colours = matplotlib.colormaps["viridis"]
    names = curve.layer_names()
    extent = []
    for k, name in enumerate(names):
        colour = colours(k / max(len(names) - 1, 1) * 0.9)
        rows = [(point.step, layer.dynamic_share) for point in curve.points for layer in point.layers
                if layer.name == name and layer.dynamic_share is not None]
        if not rows:
            continue
        xs = [x for x, _ in rows]
        axis.plot(xs, [s.value for _, s in rows], color=colour, marker="o", markersize=3, linewidth=1.5,
                  label=name)
        extent += [s.value for _, s in rows]
        if all(s.low is not None and s.high is not None for _, s in rows):
            axis.fill_between(xs, [s.low for _, s in rows], [s.high for _, s in rows], color=colour,
                              alpha=0.18, linewidth=0)
            extent += [s.low for _, s in rows] + [s.high for _, s in rows]
    axis.axhline(0.5, color="#555555", linestyle=":", linewidth=1)
    # Zoomed to the data (the changes over training are what the plot is for).
    low, high = (min(extent), max(extent)) if extent else (0.0, 1.0)
    axis.set_ylim(max(0.0, low - 0.05), min(1.0, high + 0.05))
    axis.set_ylabel("dynamic share per layer (band: 95 % CI)")
    axis.set_xlabel(f"training step (of {curve.total_steps})" if curve.total_steps else "training step")
    axis.grid(alpha=0.3)
    metric = curve.main_metric
    twin = axis.twinx()
    twin.set_ylim(0, 1.02)
    if metric is not None:
        rows = [(point.step, point.metrics[metric], point.metric_intervals.get(metric))
                for point in curve.points if metric in point.metrics]
        if rows:
            xs, ys = [x for x, _, _ in rows], [y for _, y, _ in rows]
            twin.plot(xs, ys, color="black", linestyle="--", marker="s", markersize=3, linewidth=1.2,
                      label=f"{metric} (clean)")
            if all(i is not None and i.low is not None and i.high is not None for _, _, i in rows):
                twin.fill_between(xs, [i.low for _, _, i in rows], [i.high for _, _, i in rows],
                                  color="black", alpha=0.08, linewidth=0)
        twin.set_ylabel(f"{metric} (clean)")
    if steps:
        axis.set_xlim(min(steps), max(max(steps), curve.total_steps or 0))
    handles, labels = axis.get_legend_handles_labels()
    twin_handles, twin_labels = twin.get_legend_handles_labels()
    _legend_below(axis, handles + twin_handles, labels + twin_labels, columns=min(4, len(labels) + 1))
    figure.suptitle(f"{curve.submission} · {curve.dataset.name} · {curve.pair_protocol} pairs · "
                    f"bias over training ({len(curve.points)} checkpoints)", fontsize=11)
    figure.tight_layout()
    return _save(figure, Path(path), root)
