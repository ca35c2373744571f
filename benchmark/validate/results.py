"""Every number and string of a result file, checked against itself, its task's declaration
and its submission's manifest (no torch, no task code, no submission code).

Result files are written by an adversary.  :func:`check_result` returns one
``(field, message)`` per problem; ``benchmark validate`` reports them all and the
leaderboard skips a file with any.  What is checked:

- **finite values only**, anywhere in the file;
- **strings** restricted in charset and length (names, splits, layer names and modules,
  the pair protocol, the citation, the environment, skipped clip ids, task options);
- **ranges**: proportions and metrics in their declared bounds, counts >= 0, percents in
  [0, 100] summing to 100;
- **internal consistency**: per layer, dims <-> percent <-> shares <-> scores <-> dynamic
  share and unit classes <-> unit counts, every point inside its interval, pair counts
  adding up across the file and to ``run_options``, relative drops matching their metrics,
  ``eval_count`` no larger than the dataset;
- **no interval from fewer than** :data:`~benchmark.api.intervals.MIN_PAIRS_FOR_INTERVAL`
  pairs per factor (or, for a bootstrap interval of a metric, evaluation units);
- **provenance**: ``verified`` only on synthetic datasets (CI reproduces those),
  ``submitted`` and ``reported`` only on real ones; a reported result cites its source;
- **against the manifest**: submission name, task, a declared dataset, the probed layers
  and input exactly as declared, the pinned weights' sha256.

What a result file alone cannot show (a fingerprint recomputed from the data, numbers
recomputed by the model) is ``validate``'s fingerprint check and CI's ``reproduce``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from benchmark.api.intervals import MIN_PAIRS_FOR_INTERVAL
from benchmark.api.model_spec import MODULE_PATTERN
from benchmark.api.tasks import TASKS, get_spec
from benchmark.api.taskspec import DatasetSpec, TaskSpec
from benchmark.results.schema import IntervalModel, LayerResult, Result, RunRecord, non_finite
from benchmark.submission.manifest import (
    LAYER_PATTERN,
    NAME_PATTERN,
    SHA256_PATTERN,
    Manifest,
    Submission,
)

Problem = tuple[str, str]  # (field, message)

NAME = re.compile(NAME_PATTERN)  # a submission
TOKEN = re.compile(LAYER_PATTERN)  # a layer name, a split
MODULE = re.compile(MODULE_PATTERN)
PROTOCOL = re.compile(r"^[a-z]+(:[A-Za-z0-9._,/+=@~-]{1,240})?$")  # name[:argument]
HEX64 = re.compile(SHA256_PATTERN)
#: Longest free text (a citation, an environment string, a skipped clip id).
MAX_TEXT = 400
MAX_SKIPPED = 100_000
PAIR_KEYS = ("planned", "dynamic", "static", "skipped")
FACTOR_KEYS = ("dynamic", "static")
SHARE_KEYS = ("dynamic", "static", "residual")
UNIT_CLASS_KEYS = ("joint", "dynamic", "static", "neither")
# Tolerances of recomputed floats: values are float64 computed the same way, so only
# summation order separates them.
REL = 1e-9
ABS = 1e-12


def printable(text: str, limit: int = MAX_TEXT) -> str | None:
    """Why ``text`` is not a one-line printable string of at most ``limit`` characters
    (None when it is)."""
    if len(text) > limit:
        return f"{len(text)} characters, at most {limit} allowed"
    bad = sorted({c for c in text if not c.isprintable()})
    if bad:
        return f"contains control characters {''.join(bad)!r} (one printable line only)"
    return None


def _close(a: float, b: float, rel: float = REL, abs_: float = ABS) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _interval(field: str, interval: IntervalModel | None, low: float, high: float) -> list[Problem]:
    """An interval's point lies in ``[low, high]`` and inside the interval."""
    if interval is None:
        return []
    problems = []
    for name in ("value", "low", "high"):
        x = getattr(interval, name)
        if x is not None and not low - ABS <= x <= high + ABS:
            problems.append((f"{field}.{name}", f"{x!r} is outside [{low:g}, {high:g}]"))
    if (interval.low is None) != (interval.high is None):
        problems.append((field, "an interval needs both 'low' and 'high'"))
    elif interval.low is not None and not interval.low - ABS <= interval.value <= interval.high + ABS:
        problems.append((field, f"value {interval.value!r} lies outside its interval "
                                f"[{interval.low!r}, {interval.high!r}]"))
    return problems


def _has_interval(interval: IntervalModel | None) -> bool:
    return interval is not None and interval.low is not None


# --------------------------------------------------------------------------- strings


def check_strings(result: Result) -> list[Problem]:
    """Charset and length of every string a result holds."""
    problems: list[Problem] = []

    def match(field: str, value: str | None, pattern: re.Pattern, what: str) -> None:
        if value is not None and not pattern.fullmatch(value):
            shown = value if len(value) <= 80 else value[:80] + "..."
            problems.append((field, f"{shown!r} is not {what}"))

    def text(field: str, value: str | None, limit: int = MAX_TEXT) -> None:
        why = printable(value, limit) if value is not None else None
        if why:
            problems.append((field, why))

    match("submission", result.submission, NAME, "a submission name ([a-z0-9._-], at most 64 characters)")
    match("dataset.split", result.dataset.split, TOKEN, "a split name ([A-Za-z0-9._-], at most 64 characters)")
    match("dataset.fingerprint", result.dataset.fingerprint, HEX64, "a sha256 (64 lowercase hex digits)")
    match("weights_sha256", result.weights_sha256, HEX64, "a sha256 (64 lowercase hex digits)")
    match("pair_protocol", result.pair_protocol, PROTOCOL,
          "a pair protocol name[:argument] (argument: [A-Za-z0-9._,/+=@~-], at most 240 characters)")
    text("citation", result.citation)
    text("eval_unit", result.eval_unit, 16)
    text("main_metric", result.main_metric, 64)
    if result.environment is not None:
        for key, value in result.environment.model_dump().items():
            text(f"environment.{key}", value, 100)
    if len(result.skipped_clips) > MAX_SKIPPED:
        problems.append(("skipped_clips", f"{len(result.skipped_clips)} entries, at most {MAX_SKIPPED}"))
    for index, clip in enumerate(result.skipped_clips[:MAX_SKIPPED]):
        text(f"skipped_clips.{index}", clip, 256)
    seen: set[str] = set()
    for index, layer in enumerate(result.layers):
        match(f"layers.{index}.name", layer.name, TOKEN, "a layer name ([A-Za-z0-9._-], at most 64 characters)")
        match(f"layers.{index}.module", layer.module, MODULE, "a module path ([A-Za-z0-9_.], at most 200 characters)")
        if layer.name in seen:
            problems.append((f"layers.{index}.name", f"{layer.name!r} repeats"))
        seen.add(layer.name)
    for key, value in result.task_options.items():
        text(f"task_options.{key[:64]}", key, 64)
        if isinstance(value, str):
            text(f"task_options.{key[:64]}", value, 256)
    return problems


# --------------------------------------------------------------------------- metrics


def check_metrics(result: Result, spec: TaskSpec, dataset: DatasetSpec | None) -> list[Problem]:
    """Known keys, declared bounds, relative drops that follow from their metrics, intervals,
    accuracies that are a whole number of units, and ``eval_count``."""
    problems: list[Problem] = []
    known = set(spec.metric_keys())
    measured = result.provenance != "reported"
    for key, value in result.metrics.items():
        field = f"metrics.{key[:64]}"
        if key not in known:
            problems.append((field, f"{key[:64]!r} is not a metric of task {spec.name!r} "
                                    f"(known: {', '.join(sorted(known))})"))
            continue
        bounds = spec.metric_bounds(key)
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            problems.append((field, f"{value!r} is outside [{bounds[0]:g}, {bounds[1]:g}]"))
        if key.endswith("_rel_drop"):
            problems += _check_drop(result, spec, key, value)
    for metric in spec.metrics:
        value = result.metrics.get(metric.name)
        if metric.proportion and measured and value is not None and result.eval_count and 0.0 <= value <= 1.0:
            hits = value * result.eval_count
            if abs(hits - round(hits)) > 1e-6 * max(1, result.eval_count):
                problems.append((f"metrics.{metric.name}", f"{value!r} of {result.eval_count} "
                                 f"{result.eval_unit or 'unit'}s is not a whole number of them"))
    for key, interval in result.metric_intervals.items():
        field = f"metric_intervals.{key[:64]}"
        if key not in result.metrics:
            problems.append((field, f"an interval of {key[:64]!r}, a metric the file does not hold"))
            continue
        bounds = spec.metric_bounds(key) or (-math.inf, math.inf)
        problems += _interval(field, interval, *bounds)
        if not _close(interval.value, result.metrics[key]):
            problems.append((f"{field}.value", f"{interval.value!r} differs from metrics.{key} "
                                               f"{result.metrics[key]!r}"))
        declared = spec.metric(key)
        if (_has_interval(interval) and not (declared and declared.proportion)
                and (result.eval_count or 0) < MIN_PAIRS_FOR_INTERVAL):
            problems.append((field, f"a bootstrap interval over {result.eval_count or 0} units; at least "
                                    f"{MIN_PAIRS_FOR_INTERVAL} are needed for an interval"))
    if measured:
        problems += _check_eval_count(result, dataset)
    return problems


def _check_drop(result: Result, spec: TaskSpec, key: str, value: float) -> list[Problem]:
    field = f"metrics.{key}"
    if value < -1.0 - ABS:
        return [(field, f"{value!r}: a relative drop is at least -1 (the metric fell to 0)")]
    clean_key, perturbed_key = next((m.name, f"{m.name}_{p}") for m in spec.metrics for p in m.perturbations
                                    if key == f"{m.name}_{p}_rel_drop")
    clean, perturbed = result.metrics.get(clean_key), result.metrics.get(perturbed_key)
    if clean is None or perturbed is None:
        if result.provenance == "reported":
            return []  # a published drop may come without its metrics
        return [(field, f"a relative drop without both {clean_key!r} and {perturbed_key!r}")]
    if clean == 0 or not _close(value, (perturbed - clean) / clean, 1e-9, 1e-9):
        return [(field, f"{value!r} does not follow from {clean_key} {clean!r} and {perturbed_key} {perturbed!r}")]
    return []


def _check_eval_count(result: Result, dataset: DatasetSpec | None) -> list[Problem]:
    count = result.eval_count
    if result.metrics and not count:
        return [("eval_count", "metrics without the number of units they were computed on")]
    if count is None:
        return []
    problems = []
    if dataset is not None and result.eval_unit != dataset.unit:
        problems.append(("eval_unit", f"{result.eval_unit!r}, but dataset {dataset.name!r} counts "
                                      f"{dataset.unit!r} units"))
    limits = []
    if result.run_options is not None and result.run_options.eval_clips is not None:
        limits.append((result.run_options.eval_clips, "run_options.eval_clips"))
    elif dataset is not None and dataset.eval_limit is not None:
        limits.append((dataset.eval_limit, f"the {dataset.name} default evaluation size"))
    if dataset is not None and result.dataset.split == dataset.eval_split and result.dataset.num_items:
        limits.append((result.dataset.num_items, "dataset.num_items"))
    for limit, name in limits:
        if count > limit:
            problems.append(("eval_count", f"{count} units, more than {name} ({limit})"))
    return problems


# --------------------------------------------------------------------------- layers


def _softmax(scores: tuple[float, float]) -> tuple[float, float, float]:
    logits = (*scores, 1.0)
    top = max(logits)
    weights = [math.exp(x - top) for x in logits]
    return tuple(w / sum(weights) for w in weights)


def check_layer(index: int, layer: LayerResult, result: Result) -> list[Problem]:
    """One layer: ranges, and every number against the others (METHOD.md §3-§5)."""
    at = f"layers.{index}"
    problems: list[Problem] = []
    percent = layer.percent
    if set(percent) != set(SHARE_KEYS):
        return [(f"{at}.percent", f"keys {sorted(percent)}, expected {list(SHARE_KEYS)}")]
    for key, value in percent.items():
        if not 0.0 <= value <= 100.0:
            problems.append((f"{at}.percent.{key}", f"{value!r} is outside [0, 100]"))
    if abs(sum(percent.values()) - 100.0) > 0.5:
        problems.append((f"{at}.percent", f"sums to {sum(percent.values()):g}, not 100"))
    if result.provenance == "reported":
        return problems
    units = layer.units
    required = ("units", "pairs", "score", "share", "dims", "percent_interval", "dynamic_share",
                "unit_classes", "unit_counts", "constant_units", "bootstrap")
    missing = [name for name in required if getattr(layer, name) is None]
    if missing:
        return problems + [(at, f"a measured layer needs {', '.join(missing)}")]
    if units < 1:
        return problems + [(f"{at}.units", f"{units} units; a layer has at least 1")]
    # pairs: what every layer saw, as the file's totals say
    if set(layer.pairs) != set(FACTOR_KEYS) or any(v < 0 for v in layer.pairs.values()):
        problems.append((f"{at}.pairs", f"{layer.pairs}: expected non-negative dynamic and static counts"))
    elif any(layer.pairs[k] != result.pairs.get(k) for k in FACTOR_KEYS):
        problems.append((f"{at}.pairs", f"{layer.pairs} differs from the file's pairs {result.pairs}"))
    # dims -> percent
    if set(layer.dims) != set(SHARE_KEYS) or any(v < 0 for v in layer.dims.values()):
        problems.append((f"{at}.dims", f"{layer.dims}: expected non-negative {list(SHARE_KEYS)}"))
        return problems
    if sum(layer.dims.values()) != units:
        problems.append((f"{at}.dims", f"sum to {sum(layer.dims.values())}, not the layer's {units} units"))
    for key in SHARE_KEYS:
        expected = round(100.0 * layer.dims[key] / units, 1)
        if abs(percent[key] - expected) > 1e-9:
            problems.append((f"{at}.percent.{key}", f"{percent[key]!r}, but dims give {expected!r}"))
    # scores -> shares -> dims and dynamic share
    if set(layer.score) != set(FACTOR_KEYS) or set(layer.share) != set(SHARE_KEYS):
        return problems + [(f"{at}.share", "expected scores per factor and shares per factor and residual")]
    softmax = _softmax((layer.score["dynamic"].value, layer.score["static"].value))
    for key, expected in zip(SHARE_KEYS, softmax, strict=True):
        share = layer.share[key]
        problems += _interval(f"{at}.share.{key}", share, 0.0, 1.0)
        if not _close(share.value, expected):
            problems.append((f"{at}.share.{key}.value", f"{share.value!r}, but the scores give {expected!r}"))
    for key in FACTOR_KEYS:
        exact = layer.share[key].value * units
        if not (layer.dims[key] - 1e-9 <= exact < layer.dims[key] + 1 + 1e-9):
            problems.append((f"{at}.dims.{key}", f"{layer.dims[key]}, but floor(share x units) is "
                                                 f"{math.floor(exact)}"))
        problems += _interval(f"{at}.score.{key}", layer.score[key], -math.inf, math.inf)
    p_dyn, p_stat = layer.share["dynamic"].value, layer.share["static"].value
    problems += _interval(f"{at}.dynamic_share", layer.dynamic_share, 0.0, 1.0)
    if p_dyn + p_stat > 0 and not _close(layer.dynamic_share.value, p_dyn / (p_dyn + p_stat)):
        problems.append((f"{at}.dynamic_share.value", f"{layer.dynamic_share.value!r}, but the shares give "
                                                      f"{p_dyn / (p_dyn + p_stat)!r}"))
    if set(layer.percent_interval) != set(SHARE_KEYS):
        problems.append((f"{at}.percent_interval", f"keys {sorted(layer.percent_interval)}"))
    else:
        for key, interval in layer.percent_interval.items():
            problems += _interval(f"{at}.percent_interval.{key}", interval, 0.0, 100.0)
            if not _close(interval.value, 100.0 * layer.dims[key] / units):
                problems.append((f"{at}.percent_interval.{key}.value",
                                 f"{interval.value!r}, but dims give {100.0 * layer.dims[key] / units!r}"))
    # unit classes
    counts = layer.unit_counts
    if set(counts) != set(UNIT_CLASS_KEYS) or any(v < 0 for v in counts.values()) or sum(counts.values()) != units:
        problems.append((f"{at}.unit_counts", f"{counts}: expected {list(UNIT_CLASS_KEYS)} summing to {units}"))
    elif set(layer.unit_classes) != set(UNIT_CLASS_KEYS) or any(
            abs(layer.unit_classes[k] - round(100.0 * counts[k] / units, 1)) > 1e-9 for k in UNIT_CLASS_KEYS):
        problems.append((f"{at}.unit_classes", f"{layer.unit_classes} does not follow from unit_counts {counts}"))
    if set(layer.constant_units) != set(FACTOR_KEYS) or any(not 0 <= v <= units for v in layer.constant_units.values()):
        problems.append((f"{at}.constant_units", f"{layer.constant_units}: expected 0..{units} per factor"))
    # intervals need pairs
    if result.run_options is not None and layer.bootstrap != result.run_options.bootstrap:
        problems.append((f"{at}.bootstrap", f"{layer.bootstrap}, but run_options.bootstrap is "
                                            f"{result.run_options.bootstrap}"))
    intervals = [layer.dynamic_share, *layer.score.values(), *layer.share.values(), *layer.percent_interval.values()]
    fewest = min(layer.pairs.get(k, 0) for k in FACTOR_KEYS)
    if any(_has_interval(i) for i in intervals) and (fewest < MIN_PAIRS_FOR_INTERVAL or not layer.bootstrap):
        problems.append((f"{at}.dynamic_share", f"intervals from {fewest} pairs of a factor (bootstrap "
                                                f"{layer.bootstrap}); an interval needs at least "
                                                f"{MIN_PAIRS_FOR_INTERVAL} pairs per factor"))
    return problems


def check_pairs(result: Result) -> list[Problem]:
    """The file's pair counts add up (and match ``run_options.pairs``)."""
    pairs = result.pairs
    if result.provenance == "reported":
        return [("pairs", f"negative count in {pairs}")] if any(v < 0 for v in pairs.values()) else []
    if set(pairs) != set(PAIR_KEYS) or any(v < 0 for v in pairs.values()):
        return [("pairs", f"{pairs}: expected non-negative counts {', '.join(PAIR_KEYS)}")]
    problems = []
    if pairs["planned"] != pairs["dynamic"] + pairs["static"] + pairs["skipped"]:
        problems.append(("pairs", f"planned {pairs['planned']} != dynamic {pairs['dynamic']} + static "
                                  f"{pairs['static']} + skipped {pairs['skipped']}"))
    if result.run_options is not None and pairs["planned"] != result.run_options.pairs:
        problems.append(("pairs.planned", f"{pairs['planned']}, but run_options.pairs is {result.run_options.pairs}"))
    if pairs["skipped"] and not result.skipped_clips:
        problems.append(("skipped_clips", f"{pairs['skipped']} pairs were skipped, but no clip is listed"))
    return problems


def check_run(result: Result) -> list[Problem]:
    """Options, seeds and counts of a measured result."""
    if result.provenance == "reported":
        return []
    problems: list[Problem] = []
    run: RunRecord | None = result.run_options
    if run is None:
        return [("run_options", "a measured result records the options it was run with")]
    for key, value in result.seeds.items():
        if value != run.seed:
            problems.append((f"seeds.{key[:32]}", f"{value}, but run_options.seed is {run.seed}"))
    for field, value in (("dataset.num_items", result.dataset.num_items), ("parameters", result.parameters)):
        if value is not None and value < (1 if field == "dataset.num_items" else 0):
            problems.append((field, f"{value} is not a count"))
    if result.wall_time_s is not None and result.wall_time_s < 0:
        problems.append(("wall_time_s", f"{result.wall_time_s} is negative"))
    if not result.dataset.fingerprint:
        problems.append(("dataset.fingerprint", "missing; a measured result records the sha256 of its sample list"))
    return problems


def check_provenance(result: Result, dataset: DatasetSpec | None) -> list[Problem]:
    """``verified`` on synthetic data, ``submitted``/``reported`` on real data."""
    if dataset is None:
        return []
    kind = "synthetic" if dataset.synthetic else "real"
    allowed = {"synthetic": ("verified", "template"), "real": ("submitted", "reported", "template")}[kind]
    problems: list[Problem] = []
    if result.provenance not in allowed:
        problems.append(("provenance", f"{result.provenance!r} on the {kind} dataset {dataset.name!r}; "
                                       f"results there are {' or '.join(allowed)}"))
    if result.provenance == "reported" and not result.citation:
        problems.append(("citation", "a reported result must cite where its figures were published"))
    if result.provenance == "submitted" and (result.environment is None or not all(
            result.environment.model_dump().values())):
        problems.append(("environment", "a submitted result records torch, python, platform and device"))
    return problems


def check_result(result: Result) -> list[Problem]:
    """Every problem of ``result`` that the file itself shows (see the module docstring)."""
    raw = result.model_dump(mode="python")
    problems = [(path, "not a finite number") for path in non_finite(raw)]
    problems += check_strings(result)
    if problems:
        return problems  # the arithmetic below needs finite numbers
    try:
        return _check_numbers(result)
    except (ArithmeticError, ValueError) as error:  # e.g. an integer too large for a float
        return [("(numbers)", f"a number is out of any sensible range ({error})")]


def _check_numbers(result: Result) -> list[Problem]:
    problems: list[Problem] = []
    if result.task not in TASKS:
        return problems + [("task", f"{result.task[:64]!r} is not a known task ({', '.join(TASKS.names())})")]
    spec = get_spec(result.task)
    dataset = next((d for d in spec.datasets if d.name == result.dataset.name), None)
    if dataset is None:
        problems.append(("dataset.name", f"{result.dataset.name[:64]!r} is not a dataset of task "
                                         f"{spec.name!r} ({', '.join(spec.dataset_names())})"))
    if result.main_metric is not None and result.main_metric != spec.main_metric.name:
        problems.append(("main_metric", f"{result.main_metric[:64]!r}, but task {spec.name!r} ranks by "
                                        f"{spec.main_metric.name!r}"))
    problems += check_metrics(result, spec, dataset)
    problems += check_pairs(result)
    problems += check_run(result)
    for index, layer in enumerate(result.layers):
        problems += check_layer(index, layer, result)
    return problems


# --------------------------------------------------------------------------- the submission


def expected_provenance(submission: Submission, dataset: DatasetSpec | None) -> str:
    """The provenance a result of ``submission`` on ``dataset`` must carry."""
    if submission.reported:
        return "reported"
    if submission.manifest.template:
        return "template"
    return "submitted" if dataset is not None and not dataset.synthetic else "verified"


def _json(value) -> object:
    return json.loads(json.dumps(value))


def check_identity(path: Path, result: Result, submission: Submission) -> list[Problem]:
    """Whose result ``path`` is, on what: the name, task and a dataset its manifest declares,
    the file name, and the provenance results of this submission on that dataset carry."""
    manifest = submission.manifest
    problems: list[Problem] = []
    if result.submission != manifest.name:
        problems.append(("submission", f"{result.submission[:64]!r} does not match the manifest name {manifest.name!r}"))
    if result.task != manifest.task:
        problems.append(("task", f"{result.task[:64]!r} differs from the manifest's {manifest.task!r}"))
    if result.file_name() != path.name:
        problems.append(("dataset.name", f"file name should be {result.file_name()[:120]!r} for dataset "
                                         f"{result.dataset.name[:64]!r} and protocol {result.pair_protocol[:64]!r}"))
    if result.dataset.name not in manifest.datasets:
        problems.append(("dataset.name", f"{result.dataset.name[:64]!r} is not one of the manifest's datasets "
                                         f"({', '.join(manifest.datasets)}); declare it there (and make the model "
                                         "fit it) before submitting results on it"))
    dataset = None
    if result.task in TASKS:
        dataset = next((d for d in get_spec(result.task).datasets if d.name == result.dataset.name), None)
    expected = expected_provenance(submission, dataset)
    if result.provenance != expected:
        problems.append(("provenance", f"{result.provenance!r}, but this submission's results on "
                                       f"{result.dataset.name[:64]!r} are {expected!r}"))
    reported = {field for field, _ in problems}
    return problems + [(f, m) for f, m in check_provenance(result, dataset) if f not in reported]


def check_against_manifest(result: Result, submission: Submission) -> list[Problem]:
    """A measured result probed the manifest's layers with its input and pinned weights."""
    manifest = submission.manifest
    if not isinstance(manifest, Manifest) or result.provenance == "reported":
        return []
    problems: list[Problem] = []
    declared = manifest.layer_specs()
    got = [(layer.name, layer.module) for layer in result.layers]
    wanted = [(name, spec.module) for name, spec in declared.items()]
    if got != wanted:
        problems.append(("layers", f"{[n[:64] for n, _ in got][:20]} (modules {[str(m)[:64] for _, m in got][:20]}) "
                                   f"differ from the manifest's layers {[n for n, _ in wanted]} (modules "
                                   f"{[m for _, m in wanted]})"))
    if result.input is None or _json(result.input) != _json(manifest.input.model_dump(mode="json")):
        problems.append(("input", "differs from the manifest's input (the run must use the declared input)"))
    pinned = manifest.weights.sha256 if manifest.weights else None
    if result.weights_sha256 != pinned:
        problems.append(("weights_sha256", f"{result.weights_sha256} does not match the manifest's weights.sha256 "
                                           f"{pinned}; rerun the benchmark with these weights"))
    return problems


def check_declared(result: Result) -> list[Problem]:
    """The task is registered, the dataset one it declares, and every metric key one it
    knows (what the leaderboard names in its headings and columns)."""
    if result.task not in TASKS:
        return [("task", f"{result.task[:64]!r} is not a known task ({', '.join(TASKS.names())})")]
    spec = get_spec(result.task)
    problems: list[Problem] = []
    if result.dataset.name not in spec.dataset_names():
        problems.append(("dataset.name", f"{result.dataset.name[:64]!r} is not a dataset of task {spec.name!r}"))
    known = set(spec.metric_keys())
    problems += [(f"metrics.{key[:64]}", f"{key[:64]!r} is not a metric of task {spec.name!r}")
                 for key in result.metrics if key not in known]
    return problems


def check_for_display(path: Path, result: Result, submission: Submission) -> list[Problem]:
    """What the leaderboard needs before it shows a row: finite numbers, safe strings, a
    task, dataset and metrics the task declares, and the row's submission, dataset and
    provenance as its folder's manifest says."""
    problems = [(p, "not a finite number") for p in non_finite(result.model_dump(mode="python"))]
    return problems + check_strings(result) + check_declared(result) + check_identity(path, result, submission)
