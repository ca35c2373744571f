"""Every shown result flattened to one row per submission × dataset × pair protocol × layer
(``leaderboard --export results.csv`` / ``results.json``).

The columns are :data:`COLUMNS` (documented in ``docs/board.md``), then one ``metrics.<key>``
column per metric key any exported result holds, in name order.  A missing value is an empty
CSV cell or a JSON ``null``, never zero.  Rows follow the board: sections in board order,
in each the rows ranked by the main metric, then the templates; a result's layers in probing
order.  Floats are written in full precision (Python's shortest round-tripping form), so a
reader gets the result files' own numbers back.  The JSON file is
``{"columns": {name: description}, "rows": [{column: value}]}``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from benchmark.board.ranking import dynamic_share, metric_estimate
from benchmark.board.rows import Collected, Placed, Row, sections, shuffled_drop
from benchmark.errors import BenchmarkError
from benchmark.files import write_text_atomic
from benchmark.results.schema import LayerResult

#: Every fixed column and what it holds.
COLUMNS: dict[str, str] = {
    "submission": "the submission's name (its folder under submissions/)",
    "task": "the task (a registered task: `python -m benchmark list`)",
    "dataset": "the dataset the pairs and the metric were measured on",
    "split": "the dataset split the pairs were built from",
    "pair_protocol": "the pair protocol as run, with its argument (e.g. stylize:0,1)",
    "protocol": "the pair protocol's name: true, stylize or prestylized (the board's sections)",
    "provenance": "verified, submitted, reported or template",
    "rank_best": "best rank by the main metric within its (task, dataset, protocol) section; empty: unranked",
    "rank_worst": "worst rank by the main metric within its section",
    "main_metric": "the task's main metric (top1, jf_mean, AP)",
    "main_value": "the main metric on clean data",
    "main_low": "lower bound of the main metric's 95 % interval",
    "main_high": "upper bound of the main metric's 95 % interval",
    "shuffled_drop": "relative change of the main metric with shuffled frames (recorded or derived)",
    "eval_count": "evaluation units the metrics were computed on",
    "eval_unit": "what eval_count counts: clip, sequence or video",
    "pairs_dynamic": "dynamic pairs measured",
    "pairs_static": "static pairs measured",
    "pairs_skipped": "planned pairs skipped (bad videos)",
    "parameters": "the model's parameters",
    "flops": "FLOPs of one forward pass on one clip of the declared input (torch's flop counter)",
    "input_frames": "frames per clip the model takes",
    "input_size": "square crop size in pixels the model takes",
    "training_data": "the manifest's training_data, entries joined with '; '",
    "weights_sha256": "sha256 of the weights measured (empty: random or none)",
    "dataset_fingerprint": "sha256 of the dataset split's sample list",
    "citation": "where reported figures were published",
    "suite_version": "the suite version that wrote the result",
    "protocol_version": "the measurement protocol version",
    "result_file": "the result file, relative to the submissions folder",
    "layer_index": "the layer's position in probing order (0 = first)",
    "layer": "the probed layer's name",
    "module": "the layer's module path in the model",
    "is_last_layer": "true for the last probed layer (the one the board ranks)",
    "units": "channels (units) of the layer",
    "static_percent": "percent of the layer's units encoding static information",
    "dynamic_percent": "percent of the layer's units encoding dynamic information",
    "residual_percent": "percent of the layer's units left to neither factor",
    "dynamic_share": "p_dyn / (p_dyn + p_stat) at the layer",
    "dynamic_share_low": "lower bound of the dynamic share's 95 % bootstrap interval",
    "dynamic_share_high": "upper bound of the dynamic share's 95 % bootstrap interval",
    "dynamic_share_approximate": "true when derived from published percentages (no interval)",
    "score_dynamic": "the layer score s_dyn (METHOD.md §3)",
    "score_static": "the layer score s_stat",
    "units_joint_percent": "percent of units encoding both factors (threshold 0.5)",
    "units_dynamic_percent": "percent of units encoding only the dynamic factor",
    "units_static_percent": "percent of units encoding only the static factor",
    "units_neither_percent": "percent of units encoding neither factor",
}
METRIC_PREFIX = "metrics."
FORMATS = (".csv", ".json")

Record = dict[str, object]


def _result_fields(placed: Placed) -> Record:
    row: Row = placed.row
    result = row.result
    metric = result.main_metric
    estimate = metric_estimate(result, metric) if metric else None
    pairs = result.pairs
    spec = result.input or {}
    return {
        "submission": result.submission,
        "task": result.task,
        "dataset": result.dataset.name,
        "split": result.dataset.split,
        "pair_protocol": result.pair_protocol,
        "protocol": row.protocol,
        "provenance": result.provenance,
        "rank_best": None if placed.rank is None else placed.rank.best,
        "rank_worst": None if placed.rank is None else placed.rank.worst,
        "main_metric": metric,
        "main_value": None if estimate is None else estimate.value,
        "main_low": None if estimate is None else estimate.low,
        "main_high": None if estimate is None else estimate.high,
        "shuffled_drop": shuffled_drop(result, metric) if metric else None,
        "eval_count": result.eval_count,
        "eval_unit": result.eval_unit,
        "pairs_dynamic": pairs.get("dynamic"),
        "pairs_static": pairs.get("static"),
        "pairs_skipped": pairs.get("skipped"),
        "parameters": result.parameters,
        "flops": result.flops,
        "input_frames": spec.get("frames"),
        "input_size": spec.get("size"),
        "training_data": "; ".join(row.training_data) or None,
        "weights_sha256": result.weights_sha256,
        "dataset_fingerprint": result.dataset.fingerprint,
        "citation": result.citation,
        "suite_version": result.suite_version,
        "protocol_version": result.protocol_version,
        "result_file": f"{result.submission}/results/{row.path.name}",
    } | {f"{METRIC_PREFIX}{key}": value for key, value in result.metrics.items()}


def _layer_fields(index: int, layer: LayerResult, last: bool) -> Record:
    share = dynamic_share(layer)
    classes = layer.unit_classes or {}
    scores = layer.score or {}
    return {
        "layer_index": index,
        "layer": layer.name,
        "module": layer.module,
        "is_last_layer": last,
        "units": layer.units,
        "static_percent": layer.percent.get("static"),
        "dynamic_percent": layer.percent.get("dynamic"),
        "residual_percent": layer.percent.get("residual"),
        "dynamic_share": None if share is None else share.value,
        "dynamic_share_low": None if share is None else share.low,
        "dynamic_share_high": None if share is None else share.high,
        "dynamic_share_approximate": None if share is None else share.approximate,
        "score_dynamic": scores["dynamic"].value if "dynamic" in scores else None,
        "score_static": scores["static"].value if "static" in scores else None,
        **{f"units_{kind}_percent": classes.get(kind) for kind in ("joint", "dynamic", "static", "neither")},
    }


def records(collected: Collected) -> Iterator[Record]:
    """One record per shown result and layer, in board order."""
    for section in sections(collected.rows):
        for placed in section.by_metric() + section.listed_templates():
            fields = _result_fields(placed)
            layers = placed.row.result.layers
            for index, layer in enumerate(layers):
                yield fields | _layer_fields(index, layer, index == len(layers) - 1)


def columns(rows: list[Record]) -> list[str]:
    """The fixed columns, then the metric columns the rows hold (by name)."""
    metrics = sorted({key for row in rows for key in row if key.startswith(METRIC_PREFIX)})
    return list(COLUMNS) + metrics


def export_csv(collected: Collected) -> str:
    """The CSV text (a header row, then one row per result and layer; missing: empty)."""
    rows = list(records(collected))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = columns(rows)
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else _csv_value(row[name]) for name in names])
    return buffer.getvalue()


#: A text cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: object) -> str:
    """Numbers in full precision; text starting like a formula behind a ``'`` (OWASP)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)


def export_json(collected: Collected) -> str:
    """``{"columns": {name: description}, "rows": [...]}`` (missing values: null)."""
    rows = list(records(collected))
    names = columns(rows)
    described = {name: COLUMNS.get(name, f"the task metric {name[len(METRIC_PREFIX):]!r}") for name in names}
    data = {"columns": described, "rows": [{name: row.get(name) for name in names} for row in rows]}
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_export(collected: Collected, path: Path) -> Path:
    """Write the ``.csv`` or ``.json`` export to ``path`` (never through a link)."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise BenchmarkError(f"{path}: an export is a .csv or a .json file.")
    text = export_csv(collected) if path.suffix.lower() == ".csv" else export_json(collected)
    return write_text_atomic(path, text)
