"""What the leaderboard shows, whatever it is rendered as (markdown, HTML, CSV/JSON).

Result files alone make the board (no torch, no task code beyond the tasks' declarations,
never submission code):

- :func:`collect_results` reads every submission folder's manifest and result files and
  leaves out, with the reason, a file that cannot be shown safely - unreadable, not finite,
  a symbolic link, or not the result its folder's manifest says it is
  (:func:`benchmark.validate.results.check_for_display`);
- :func:`sections` groups the rows by **task, dataset and pair protocol**: rows measured
  on different pairs are on different scales and are never ranked together; templates
  (random weights) are listed apart, never ranked;
- each section ranks its rows by the task's main metric and by the dynamic share at the
  last probed layer, a rank being the range of ranks the row can take given the 95 %
  intervals (:func:`benchmark.board.ranking.rank_ranges`);
- the tables' columns (:data:`METRIC_COLUMNS`, :data:`SHARE_COLUMNS`) give every cell as
  plain text with a sort key; each renderer escapes the text for its own format.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmark.api.intervals import Estimate
from benchmark.api.metric import relative_drop
from benchmark.api.tasks import find_dataset, get_spec
from benchmark.api.taskspec import DatasetSpec, MetricSpec
from benchmark.board.ranking import RankRange, dynamic_share, metric_estimate, rank_ranges
from benchmark.errors import BenchmarkError
from benchmark.results.schema import (
    CURVES_DIR,
    CurveResult,
    Result,
    curve_files,
    read_curve,
    read_result,
    result_files,
)
from benchmark.submission.manifest import (
    MANIFEST_NAME,
    Manifest,
    ReportedManifest,
    Submission,
    read_manifest,
)
from benchmark.validate.results import NAME, check_for_display

MISSING = "—"
SUMMARY_DIR = Path("docs") / "leaderboard"

#: How to read the numbers of each pair protocol (one sentence; ``tests/test_board.py``
#: checks that every registered protocol has one).
PROTOCOL_READING: dict[str, str] = {
    "true": "ground-truth pairs rendered by the synthetic world: the same motion with a new appearance "
            "(a dynamic pair) or the same appearance with new motion (a static pair)",
    "stylize": "each clip in two procedural styles (a dynamic pair: motion kept, appearance changed) or "
               "in one style beside its static partner (a static pair: appearance kept, motion destroyed, "
               "e.g. the frames permuted)",
    "prestylized": "like stylize, with the styles read from a pre-stylised copy of the dataset (the papers' "
                   "stylised datasets)",
}
BIAS_READING = {"dynamic": "dynamically biased (its labels need motion)",
                "static": "statically biased (appearance mostly suffices)",
                "mixed": "of mixed bias"}


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    """One result file as the board sees it, with its submission's manifest."""

    path: Path
    result: Result
    manifest: Manifest | ReportedManifest | None = None
    curve: CurveResult | None = None  # the checked training curve of its dataset and protocol

    @property
    def sort_name(self) -> tuple[str, str]:
        return (self.result.submission, self.result.pair_protocol)

    @property
    def folder(self) -> Path:
        """The submission folder (``<folder>/results/<file>``)."""
        return self.path.parent.parent

    @property
    def training_data(self) -> list[str]:
        return list(getattr(self.manifest, "training_data", None) or [])

    @property
    def protocol(self) -> str:
        """The pair protocol's name (its argument, e.g. a style list, is in ``pair_protocol``)."""
        return protocol_name(self.result.pair_protocol)


def protocol_name(text: str) -> str:
    """``stylize`` of ``stylize:0,1``."""
    return text.split(":", 1)[0]


@dataclass
class Collected:
    """The rows that can be shown (with their training curves), and why the other result
    and curve files are left out."""

    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _submission(folder: Path) -> Submission:
    """The folder's manifest (schema only: the board reads no other file of it)."""
    for path in (folder, folder / MANIFEST_NAME, folder / "results"):
        if path.is_symlink():
            raise BenchmarkError(f"{path}: a symbolic link; the leaderboard never follows links.")
    manifest = read_manifest(folder / MANIFEST_NAME)
    if manifest.name != folder.name or not NAME.fullmatch(folder.name):
        raise BenchmarkError(f"{folder / MANIFEST_NAME}: field 'name': {manifest.name!r} must equal the folder "
                             f"name {folder.name[:64]!r} (a submission name: [a-z0-9._-]).")
    return Submission(folder, manifest)


def _is_submission(folder: Path) -> bool:
    manifest = folder / MANIFEST_NAME
    return folder.is_symlink() or manifest.exists() or manifest.is_symlink()


def _curves(folder: Path, submission: Submission, problems: list[str]) -> dict[str, CurveResult]:
    """The submission's training curves that can be shown, by file name (a curve is named
    like the result it belongs to: ``results/curves/<result>.json``); every point is
    checked as a result."""
    curves = {}
    for path in curve_files(folder):
        try:
            if path.is_symlink() or path.parent.is_symlink():
                raise BenchmarkError(f"{path}: a symbolic link; the leaderboard never follows links.")
            curve = read_curve(path)
        except BenchmarkError as error:
            problems.append(str(error))
            continue
        found = sorted({p for point in curve.points for p in check_for_display(path, curve.point_result(point),
                                                                                submission)})
        if found:
            problems += [f"{path}: field '{f}': {m}." for f, m in found]
            continue
        curves[path.name] = curve
    return curves


def collect_results(submissions: Path) -> Collected:
    """Every result file of every submission folder that can be shown safely, each with the
    training curve of its dataset and protocol when there is one; the others are left
    out, each with the reason."""
    collected = Collected()
    root = Path(submissions)
    folders = sorted(p for p in root.iterdir() if p.is_dir() or p.is_symlink()) if root.is_dir() else []
    for folder in filter(_is_submission, folders):
        try:
            submission = _submission(folder)
        except BenchmarkError as error:
            collected.problems.append(str(error))
            continue
        curves = _curves(folder, submission, collected.problems)
        for path in result_files(folder):
            try:
                if path.is_symlink():
                    raise BenchmarkError(f"{path}: a symbolic link; the leaderboard never follows links.")
                result = read_result(path)
            except BenchmarkError as error:
                collected.problems.append(str(error))
                continue
            problems = check_for_display(path, result, submission)
            if problems:
                collected.problems += [f"{path}: field '{f}': {m}." for f, m in problems]
                continue
            curve = curves.get(path.name)
            if curve is not None and (curve.dataset.name, curve.pair_protocol) != (result.dataset.name,
                                                                                  result.pair_protocol):
                curve = None
            collected.rows.append(Row(path, result, submission.manifest, curve))
    return collected


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True)
class Placed:
    """A row in a table: its range of ranks (None: unranked) and its position."""

    rank: RankRange | None
    row: Row
    position: int

    @property
    def rank_text(self) -> str:
        return MISSING if self.rank is None else str(self.rank)


Estimator = Callable[[Row], Estimate | None]


def ranked(rows: list[Row], estimate: Estimator, higher_is_better: bool = True) -> list[Placed]:
    """Rows best-first by ``estimate(row)``, each with its range of ranks; rows without a
    value last, unranked."""
    sign = 1.0 if higher_is_better else -1.0
    valued = [(estimate(r), r) for r in rows]
    present = sorted(((e, r) for e, r in valued if e is not None),
                     key=lambda er: (-sign * er[0].value, er[1].sort_name))
    absent = sorted((r for e, r in valued if e is None), key=lambda r: r.sort_name)
    ranks = rank_ranges([_oriented(e, higher_is_better) for e, _ in present])
    placed = [Placed(rank, row, k) for k, (rank, (_, row)) in enumerate(zip(ranks, present, strict=True))]
    return placed + [Placed(None, row, len(placed) + k) for k, row in enumerate(absent)]


def _oriented(estimate: Estimate, higher_is_better: bool) -> tuple[float, float]:
    """The interval with "above" meaning "better" (negated for a lower-is-better metric)."""
    low, high = estimate.interval
    return (low, high) if higher_is_better else (-high, -low)


def listed(rows: list[Row]) -> list[Placed]:
    """Rows by name, unranked (templates)."""
    return [Placed(None, row, k) for k, row in enumerate(sorted(rows, key=lambda r: r.sort_name))]


# --------------------------------------------------------------------------- sections


def section_key(task: str, dataset: str, protocol: str = "") -> tuple[int, str, str, int, str]:
    """Order of sections: datasets their task declares dynamically biased first, then by
    name; within a dataset, the protocols in :data:`PROTOCOL_READING` order."""
    declared = find_dataset(task, dataset)
    order = list(PROTOCOL_READING)
    return (0 if declared is not None and declared.bias == "dynamic" else 1, dataset, task,
            order.index(protocol) if protocol in order else len(order), protocol)


@dataclass
class Section:
    """The rows of one task, dataset and pair protocol."""

    task: str
    dataset: str
    protocol: str
    rows: list[Row] = field(default_factory=list)  # ranked
    templates: list[Row] = field(default_factory=list)  # listed apart, never ranked

    @property
    def metric(self) -> MetricSpec:
        """The task's main metric (what the section is ranked by)."""
        return get_spec(self.task).main_metric

    @property
    def declared(self) -> DatasetSpec | None:
        return find_dataset(self.task, self.dataset)

    @property
    def title(self) -> str:
        return f"{self.task} · {self.dataset} · {self.protocol} pairs"

    @property
    def anchor(self) -> str:
        """An id for the section: letters, digits and dashes only."""
        return re.sub(r"[^a-z0-9]+", "-", f"{self.task}-{self.dataset}-{self.protocol}".lower()).strip("-")

    def by_metric(self) -> list[Placed]:
        metric = self.metric
        return ranked(self.rows, lambda r: metric_estimate(r.result, metric.name), metric.higher_is_better)

    def by_share(self) -> list[Placed]:
        return ranked(self.rows, lambda r: dynamic_share(r.result.last_layer))

    def listed_templates(self) -> list[Placed]:
        return listed(self.templates)

    def how_to_read(self) -> str:
        """A short paragraph: the data, the pairs, and how the ranks read (plain text)."""
        declared = self.declared
        if declared is None:
            data = f"{self.dataset}: not a dataset its task declares."
        else:
            kind = "a synthetic world rendered by the suite" if declared.synthetic else "real video"
            data = (f"{self.dataset} ({declared.description or declared.name}; {kind}) is declared "
                    f"{BIAS_READING.get(declared.bias, declared.bias)}.")
        pairs = PROTOCOL_READING.get(self.protocol, "a pair protocol this leaderboard has no description of")
        metric = self.metric
        direction = "higher" if metric.higher_is_better else "lower"
        return (f"{data} Pairs ({self.protocol}): {pairs}. Ranked by {metric.name} on clean data ({direction} "
                "is better) and by the dynamic share at the last probed layer; # is the range of ranks a row "
                "can take given the 95 % intervals. Compare numbers only within a section.")


def sections(rows: list[Row]) -> list[Section]:
    """One section per (task, dataset, pair protocol), in :func:`section_key` order."""
    grouped: dict[tuple[str, str, str], Section] = {}
    for row in rows:
        key = (row.result.task, row.result.dataset.name, row.protocol)
        section = grouped.setdefault(key, Section(*key))
        (section.templates if row.result.provenance == "template" else section.rows).append(row)
    return [grouped[key] for key in sorted(grouped, key=lambda k: section_key(*k))]


# --------------------------------------------------------------------------- paths


def result_plot_path(result_path: Path) -> Path:
    """Where a result's plot lives: next to it, ``<result>.png``."""
    return result_path.with_suffix(".png")


def curve_path(result_path: Path) -> Path:
    """Where the training curve of a result's submission, dataset and protocol lives
    (``results/curves/<result>.json``), when there is one."""
    return result_path.parent / CURVES_DIR / result_path.name


def curve_plot_path(result_path: Path) -> Path:
    """Where the plot of a result's training curve lives (``results/curves/<result>.png``)."""
    return result_plot_path(curve_path(result_path))


def summary_plot_path(root: Path, task: str) -> Path:
    """The per-task summary scatter (main metric vs dynamic share)."""
    return root / SUMMARY_DIR / f"{task}.png"


# --------------------------------------------------------------------------- values as text


def fmt(value: float | None, digits: int = 3) -> str:
    return MISSING if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def fmt_estimate(estimate: Estimate | None) -> str:
    if estimate is None:
        return MISSING
    text = ("≈" if estimate.approximate else "") + f"{estimate.value:.3f}"
    if estimate.low is not None and estimate.high is not None:
        text += f" [{estimate.low:.3f}, {estimate.high:.3f}]"
    return text


def fmt_percent(layer_percent: dict[str, float], factor: str) -> str:
    value = layer_percent.get(factor)
    return MISSING if value is None else f"{value:.1f}"


def shuffled_drop(result: Result, metric: str) -> float | None:
    """The relative change of ``metric`` with shuffled frames (recorded, else derived)."""
    drop = result.metrics.get(f"{metric}_shuffled_rel_drop")
    clean, shuffled = result.metrics.get(metric), result.metrics.get(f"{metric}_shuffled")
    if drop is None and clean and shuffled is not None:
        drop = relative_drop(clean, shuffled)
    return drop


def fmt_drop(result: Result, metric: str) -> str:
    drop = shuffled_drop(result, metric)
    if drop is None:
        return MISSING
    return ("≈" if result.provenance == "reported" else "") + f"{100 * drop:+.1f} %"


def _fmt_count(count: int | None, units: tuple[tuple[float, str], ...]) -> str:
    if count is None:
        return MISSING
    for scale, suffix in units:
        if count >= scale:
            return f"{count / scale:.1f} {suffix}"
    return str(count)


def fmt_parameters(parameters: int | None) -> str:
    return _fmt_count(parameters, ((1e9, "G"), (1e6, "M"), (1e3, "k")))


def fmt_flops(flops: int | None) -> str:
    return _fmt_count(flops, ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")))


def input_shape(spec: dict | None) -> tuple[int, int] | None:
    """(frames, size) of a result's recorded input, when both are integers."""
    frames, size = (spec or {}).get("frames"), (spec or {}).get("size")
    if any(not isinstance(v, int) or isinstance(v, bool) for v in (frames, size)):
        return None
    return frames, size


def fmt_input(spec: dict | None) -> str:
    shape = input_shape(spec)
    return MISSING if shape is None else f"{shape[0]}×{shape[1]}²"


def fmt_training_data(row: Row) -> str:
    return ", ".join(row.training_data) or MISSING


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Cell:
    """One table cell: plain text (the renderer escapes it), a sort key (None: missing,
    sorted last) and what it is (``text``, ``provenance``, or a link to the ``submission``
    or ``plot``)."""

    text: str
    sort: float | str | None = None
    kind: str = "text"


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Placed, str], Cell]  # (placed row, main metric name) -> cell
    numeric: bool = False


def _value(estimate: Estimate | None) -> float | None:
    return None if estimate is None else estimate.value


def _number(value: float | int | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _percent(row: Row, factor: str) -> Cell:
    percent = row.result.last_layer.percent
    return Cell(fmt_percent(percent, factor), _number(percent.get(factor)))


def _share(row: Row) -> Cell:
    share = dynamic_share(row.result.last_layer)
    return Cell(fmt_estimate(share), _value(share))


def _metric(row: Row, metric: str) -> Cell:
    estimate = metric_estimate(row.result, metric)
    return Cell(fmt_estimate(estimate), _value(estimate))


def _drop(row: Row, metric: str) -> Cell:
    drop = shuffled_drop(row.result, metric)
    return Cell(fmt_drop(row.result, metric), _number(drop))


RANK = Column("#", lambda p, m: Cell(p.rank_text, None if p.rank is None else p.position), numeric=True)
SUBMISSION = Column("submission", lambda p, m: Cell(p.row.result.submission, p.row.result.submission, "submission"))
PROVENANCE = Column("provenance", lambda p, m: Cell(p.row.result.provenance, p.row.result.provenance, "provenance"))
PAIRS = Column("pairs", lambda p, m: Cell(p.row.result.pair_protocol, p.row.result.pair_protocol))
LAYER = Column("layer", lambda p, m: Cell(p.row.result.last_layer.name, p.row.result.last_layer.name))
STATIC = Column("static %", lambda p, m: _percent(p.row, "static"), numeric=True)
DYNAMIC = Column("dynamic %", lambda p, m: _percent(p.row, "dynamic"), numeric=True)
SHARE = Column("dynamic share [95% CI]", lambda p, m: _share(p.row), numeric=True)
LEADING = (RANK, SUBMISSION, PROVENANCE, PAIRS)


def metric_columns(metric: str) -> tuple[Column, ...]:
    """The columns of a table ranked by ``metric`` (and of the templates' table)."""
    return (
        *LEADING,
        Column(f"{metric} [95% CI]", lambda p, m: _metric(p.row, m), numeric=True),
        Column("shuffled", lambda p, m: Cell(fmt(p.row.result.metrics.get(f"{m}_shuffled")),
                                             _number(p.row.result.metrics.get(f"{m}_shuffled"))), numeric=True),
        Column("drop", lambda p, m: _drop(p.row, m), numeric=True),
        STATIC, DYNAMIC, SHARE, LAYER,
        Column("params", lambda p, m: Cell(fmt_parameters(p.row.result.parameters), p.row.result.parameters),
               numeric=True),
        Column("FLOPs/clip", lambda p, m: Cell(fmt_flops(p.row.result.flops), p.row.result.flops), numeric=True),
        Column("input (T×S²)", lambda p, m: Cell(fmt_input(p.row.result.input), _input_sort(p.row)), numeric=True),
        Column("trained on", lambda p, m: Cell(fmt_training_data(p.row), ", ".join(p.row.training_data) or None)),
        Column("plot", lambda p, m: Cell("plot", None, "plot")),
    )


def _input_sort(row: Row) -> float | None:
    shape = input_shape(row.result.input)
    return None if shape is None else float(shape[0] * shape[1] ** 2)


def share_columns(metric: str) -> tuple[Column, ...]:
    """The columns of a table ranked by the dynamic share."""
    return (
        *LEADING, SHARE, LAYER, STATIC, DYNAMIC,
        Column(metric, lambda p, m: Cell(fmt(p.row.result.metrics.get(m)), _number(p.row.result.metrics.get(m))),
               numeric=True),
    )


@dataclass(frozen=True)
class Table:
    """A titled table of a section: its columns and placed rows; ``kind`` is ``metric``
    (ranked by the main metric), ``share`` (ranked by dynamic share) or ``template``."""

    caption: str
    columns: tuple[Column, ...]
    placed: list[Placed]
    metric: str
    kind: str

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def cells(self) -> list[tuple[Placed, list[Cell]]]:
        return [(p, [column.cell(p, self.metric) for column in self.columns]) for p in self.placed]


def tables(section: Section) -> list[Table]:
    """The section's tables: ranked by the main metric, ranked by dynamic share, and the
    templates (unranked), each only when it has rows."""
    metric = section.metric.name
    found = []
    if section.rows:
        found.append(Table(f"Ranked by {metric}", metric_columns(metric), section.by_metric(), metric, "metric"))
        found.append(Table("Ranked by dynamic share (last probed layer)", share_columns(metric),
                           section.by_share(), metric, "share"))
    if section.templates:
        found.append(Table("Templates (random weights; listed apart, never ranked)", metric_columns(metric),
                           section.listed_templates(), metric, "template"))
    return found


def citations(rows: list[Row]) -> dict[str, list[str]]:
    """Each distinct citation of the reported rows, with the submissions citing it."""
    cited: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.result.provenance == "reported" and row.result.citation:
            cited[row.result.citation].add(row.result.submission)
    return {citation: sorted(names) for citation, names in sorted(cited.items())}
