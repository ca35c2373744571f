"""``benchmark run``: submission -> pairs -> probe -> estimator -> task metric -> result file.

Progress is checkpointed (estimator sums + how many planned pairs are done) every few
batches and on interruption, so ``--resume`` continues where a run stopped and nothing
already computed is lost.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from tabulate import tabulate
from tqdm import tqdm

from benchmark.clips import PairDataset, iterate_pairs
from benchmark.distributed import close_distributed, gather_lists, init_distributed
from benchmark.errors import BenchmarkError
from benchmark.estimator import StaticDynamicEstimator, save_atomic
from benchmark.manifest import Submission, load_submission
from benchmark.pairs import plan_pairs
from benchmark.probe import LayerProbe
from benchmark.results import (
    DatasetInfo,
    LayerResult,
    Result,
    environment,
    result_file_name,
    write_result,
)
from benchmark.submission import build_model, resolve_weights, sha256_file
from benchmark.tasks import EvalOptions, get_task

EVAL_CLIPS = "_eval_clips"  # carried with the metrics through checkpoints


@dataclass
class RunOptions:
    """Options of one run (the CLI flags of ``benchmark run``)."""

    dataset: str | None = None
    data_root: Path | None = None
    split: str | None = None
    pairs: int = 1000
    batch_size: int = 16
    device: str = "cpu"
    seed: int = 0
    pair_protocol: str | None = None
    bootstrap: int = 200
    eval_clips: int | None = None
    workers: int = 0
    resume: bool = False
    on_bad_video: str = "fail"
    output: Path | None = None
    checkpoint_every: int = 10
    progress: bool = True


def _checkpoint_key(submission: Submission, dataset: str, protocol: str, options: RunOptions) -> dict:
    return {
        "submission": submission.name,
        "dataset": dataset,
        "protocol": protocol,
        "pairs": options.pairs,
        "seed": options.seed,
        "bootstrap": options.bootstrap,
        "split": options.split or "",
    }


def run(folder: str | Path, options: RunOptions | None = None) -> tuple[Result | None, Path | None]:
    """Measure one submission; returns the result and the path it was written to.

    Under ``torchrun`` every rank measures a shard of the pairs, the sufficient statistics
    are all-reduced, and rank 0 measures accuracy and writes the result (other ranks
    return ``(None, None)``); the scores equal a single-process run.
    """
    options = options or RunOptions()
    started = time.perf_counter()
    submission = load_submission(folder)
    submission.require_runnable()  # reported figures have no model to run
    manifest = submission.manifest
    task = get_task(manifest.task)
    dataset = options.dataset or manifest.datasets[0]
    if dataset not in task.dataset_names():
        raise BenchmarkError(
            f"Dataset {dataset!r} is not known to task {manifest.task!r}. "
            f"Known datasets: {', '.join(task.dataset_names())}."
        )
    protocol_text = options.pair_protocol or task.default_protocol(dataset)
    protocol = task.pair_protocol(protocol_text)
    device = options.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BenchmarkError("--device cuda was requested but no CUDA device is available.")
    rank, world_size = init_distributed(device)
    if device == "cuda" and world_size > 1:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}"

    model = build_model(submission, device)
    weights = resolve_weights(submission)
    layers = manifest.layer_specs()
    probe = LayerProbe(model, layers)  # fails fast on a wrong layer name
    source = task.open_source(dataset, options.split, options.data_root, manifest.input)
    plan = plan_pairs(options.pairs, len(source), options.seed)
    my_plan = plan[rank::world_size]  # under torchrun every rank measures its shard

    out_dir = Path(options.output) if options.output else submission.results_dir
    shard = f".rank{rank}of{world_size}" if world_size > 1 else ""
    checkpoint = out_dir / ".partial" / (result_file_name(dataset, protocol_text) + f"{shard}.ckpt.pt")
    key = _checkpoint_key(submission, dataset, protocol_text, options) | {"world_size": world_size}
    estimator = StaticDynamicEstimator(bootstrap=options.bootstrap, seed=options.seed)
    done, skipped, metrics = 0, [], None
    if options.resume and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=True)
        if saved["key"] != key:
            raise BenchmarkError(
                f"{checkpoint}: checkpoint was made with different options {saved['key']}; "
                "rerun with the same options or without --resume."
            )
        estimator.load_state_dict(saved["estimator"])
        done, skipped, metrics = saved["done"], list(saved["skipped"]), saved["metrics"]
        print(f"Resuming from {checkpoint}: {done}/{len(my_plan)} pairs done.")

    def save_checkpoint() -> None:
        save_atomic(
            {"key": key, "estimator": estimator.state_dict(), "done": done,
             "skipped": skipped, "metrics": metrics},
            checkpoint,
        )

    spec = manifest.input
    pairs_data = PairDataset(source, my_plan[done:], protocol)
    bar = tqdm(total=len(my_plan), initial=done, desc=f"pairs ({protocol_text})", unit="pair",
               disable=not options.progress or rank != 0)
    try:
        with torch.no_grad(), probe:
            for batch_index, (items, covered) in enumerate(
                iterate_pairs(pairs_data, options.batch_size, options.workers, options.on_bad_video, skipped)
            ):
                if items:
                    n = len(items)
                    clips = [i["a"] for i in items] + [i["b"] for i in items]
                    seeds = [None] * n + [i["shuffle_b"] for i in items]
                    x = task.model_input(clips, spec, seeds)
                    model(_to(x, device))
                    feats = probe.pop(batch_size=2 * n)
                    estimator.update(
                        {k: v[:n] for k, v in feats.items()},
                        {k: v[n:] for k, v in feats.items()},
                        [i["spec"].factor for i in items],
                        [i["spec"].pair_id for i in items],
                    )
                done += covered
                bar.update(covered)
                if (batch_index + 1) % options.checkpoint_every == 0:
                    save_checkpoint()
        bar.close()
        if metrics is None and rank == 0:  # accuracy is measured once, on rank 0
            eval_source = task.eval_source(dataset, options.data_root, spec, limit=options.eval_clips)
            skipped_before = len(skipped)
            evaluation = EvalOptions(
                batch_size=options.batch_size, device=device, workers=options.workers,
                seed=options.seed, on_bad_video=options.on_bad_video, progress=options.progress,
            )
            metrics = task.evaluate(model, eval_source, spec, evaluation, skipped)
            evaluated = len(eval_source) - (len(skipped) - skipped_before)
            metrics = {**metrics, EVAL_CLIPS: float(evaluated)}
            save_checkpoint()
    except BaseException:
        bar.close()
        save_checkpoint()
        print(f"\nInterrupted: progress saved to {checkpoint}; rerun with --resume to continue.")
        raise

    if world_size > 1:
        estimator.all_reduce()
        skipped = gather_lists(skipped)
        close_distributed()
        if rank != 0:
            checkpoint.unlink(missing_ok=True)
            return None, None
    scores = estimator.all_layer_scores()
    result = Result(
        submission=submission.name,
        task=manifest.task,
        provenance="template" if manifest.template else "verified",
        dataset=DatasetInfo(
            name=dataset, split=source.split, fingerprint=source.fingerprint(), num_items=len(source)
        ),
        pair_protocol=protocol_text,
        seeds={"run": options.seed, "bootstrap": options.seed},
        pairs=_pair_counts(estimator, next(iter(layers)), len(plan)),
        layers=[
            LayerResult(name=name, module=layers[name].module, **_plain(scores[name].to_dict()))
            for name in layers
        ],
        metrics={k: v for k, v in metrics.items() if k != EVAL_CLIPS},
        eval_clips=int(metrics[EVAL_CLIPS]),
        main_metric=task.main_metric,
        parameters=sum(p.numel() for p in model.parameters()),
        input=spec.model_dump(),
        weights_sha256=sha256_file(weights) if weights else None,
        environment=environment(device),
        wall_time_s=round(time.perf_counter() - started, 1),
        skipped_clips=sorted(set(skipped)),
    )
    path = write_result(result, out_dir)
    checkpoint.unlink(missing_ok=True)
    return result, path


def _pair_counts(estimator: StaticDynamicEstimator, layer: str, planned: int) -> dict[str, int]:
    counts = estimator.pairs(layer)
    return {"planned": planned, **counts, "skipped": planned - sum(counts.values())}


def _to(x, device):
    if isinstance(x, list):
        return [t.to(device) for t in x]
    return x.to(device)


def _plain(d: dict) -> dict:
    """NaN -> None so interval bounds that do not exist are absent, not NaN."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, float) and v != v:
            return None
        return v
    return clean(d)


def format_table(result: Result) -> str:
    """The per-layer table printed after a run."""
    rows = []
    for layer in result.layers:
        share = layer.dynamic_share
        interval = (
            f"{share.value:.3f} [{share.low:.3f}, {share.high:.3f}]"
            if share and share.low is not None else (f"{share.value:.3f}" if share else "")
        )
        units = layer.unit_classes or {}
        rows.append([
            layer.name, layer.units, layer.percent["dynamic"], layer.percent["static"],
            layer.percent["residual"], interval,
            "/".join(f"{units.get(k, 0):.0f}" for k in ("joint", "dynamic", "static", "neither")),
        ])
    table = tabulate(
        rows,
        headers=["layer", "units", "dynamic %", "static %", "residual %",
                 "dynamic share [95% CI]", "units j/d/s/n %"],
        tablefmt="github",
    )
    metric_lines = [
        f"{k}: {v:.3f}" for k, v in result.metrics.items() if not k.endswith("rel_drop")
    ]
    drops = [f"{k}: {v:+.1%}" for k, v in result.metrics.items() if k.endswith("rel_drop")]
    return "\n".join([table, "", "metrics  " + "  ".join(metric_lines), "relative drop  " + "  ".join(drops)])
