"""``benchmark run`` end to end for AVOS: the reference submission on the synthetic
default, and a tiny model on a DAVIS 2016 fixture with stylised pairs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import save_file

from benchmark.cli import main
from benchmark.hashing import sha256_file
from benchmark.results.schema import read_result, result_files
from benchmark.run.runner import RunOptions, format_table, run
from benchmark.validate.submission import validate_submission
from tasks.avos.models import TwoStreamAvos
from tests.fixtures.avos_datasets import write_davis2016_fixture

REFERENCE = Path(__file__).resolve().parents[1] / "submissions" / "avos-reciprocal-gated-gatedfusion"
FEW = dict(pairs=16, batch_size=8, eval_clips=8, bootstrap=20, progress=False)




def test_reference_submission_runs_on_the_synthetic_default(tmp_path, one_torch_thread):
    result, path = run(REFERENCE, RunOptions(output=tmp_path, **FEW))
    assert path.parent == tmp_path and result.dataset.name == "synthetic-avos"
    assert result.pair_protocol == "true" and result.main_metric == "jf_mean"
    assert [layer.name for layer in result.layers][-1] == "fusion.stage4"
    assert len(result.layers) == 12
    last = result.last_layer
    assert last.pairs["dynamic"] + last.pairs["static"] == 16
    assert 0.0 <= last.dynamic_share.value <= 1.0
    for key in ("j_mean", "j_recall", "f_mean", "f_recall", "jf_mean", "jf_mean_static", "jf_mean_shuffled"):
        assert 0.0 <= result.metrics[key] <= 1.0, key
    assert result.metrics["jf_mean"] > 0.3  # a trained model segments the moving object


def write_tiny_avos_submission(root: Path, datasets: str = "[davis2016]") -> Path:
    folder = root / "tiny-avos"
    folder.mkdir(parents=True)
    (folder / "model.py").write_text(
        "from tasks.avos.models import TwoStreamAvos\n\n\ndef build(**args):\n    return TwoStreamAvos(**args)\n"
    )
    args = {"cross": "reciprocal", "gated": True, "fusion": "convex", "widths": [4, 8, 8]}
    torch.manual_seed(0)
    save_file(TwoStreamAvos(**args).state_dict(), str(folder / "weights.safetensors"))
    manifest = {
        "name": "tiny-avos", "task": "avos", "model": "model.py:build", "model_args": args,
        "weights": {"path": "weights.safetensors", "sha256": sha256_file(folder / "weights.safetensors")},
        "layers": {"motion.stage3": "motion.stage3", "fusion.stage3": "fusion.stage3"},
        "input": {"frames": 1, "size": 32}, "datasets": yaml.safe_load(datasets),
    }
    (folder / "submission.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return folder


@pytest.mark.parametrize("flow_cache", ["default", "off"])
def test_tiny_model_runs_on_a_davis_fixture_with_stylized_pairs(tmp_path, capsys, flow_cache):
    cache = str(tmp_path / "flow") if flow_cache == "default" else "off"
    root = write_davis2016_fixture(tmp_path / "DAVIS", train=1, val=2, frames=4).root
    folder = write_tiny_avos_submission(tmp_path / "submissions")
    code = main(["run", str(folder), "--dataset", "davis2016", "--data-root", str(root), "--pairs", "12",
                 "--batch-size", "4", "--bootstrap", "10", "--no-progress", "--task-option", f"flow.cache={cache}",
                 "--task-option", "flow.method=dis", "--update-results"])
    assert code == 0, capsys.readouterr().err
    [path] = result_files(folder)
    result = read_result(path)
    assert result.pair_protocol == "stylize" and result.dataset.split == "val"
    assert result.dataset.num_items == 2 * 3
    assert {"jf_mean", "jf_mean_static", "jf_mean_shuffled"} <= set(result.metrics)
    # the convention defaults to the dataset's; the flow cache changes no number (not recorded)
    assert result.task_options == {"flow.method": "dis", "flow.root": None, "eval.convention": "davis2016",
                                   "moca.iou": "mask"}
    interval = result.metric_intervals["jf_mean"]  # 2 sequences: too few units for an interval
    assert interval.value == result.metrics["jf_mean"] and interval.low is None
    assert {"j_decay", "miou", "sr50", "sr_mean"} <= set(result.metrics)
    assert (result.eval_count, result.eval_unit) == (2, "sequence")
    assert validate_submission(folder) == []
    assert (tmp_path / "flow").is_dir() == (flow_cache == "default")


def test_true_pairs_on_real_data_say_what_to_use(tmp_path, capsys):
    root = write_davis2016_fixture(tmp_path / "DAVIS", train=0, val=1, frames=3).root
    folder = write_tiny_avos_submission(tmp_path / "submissions")
    code = main(["run", str(folder), "--dataset", "davis2016", "--data-root", str(root), "--pairs", "4",
                 "--pair-protocol", "true", "--no-progress"])
    assert code != 0 and "stylize" in capsys.readouterr().err


AVOS_SUBMISSIONS = sorted((REFERENCE.parent).glob("avos-*"))


@pytest.mark.parametrize("folder", AVOS_SUBMISSIONS, ids=[p.name for p in AVOS_SUBMISSIONS])
def test_every_avos_submission_validates(folder):
    assert validate_submission(folder) == []


def test_resume_with_another_flow_method_is_refused_naming_the_option(tmp_path, monkeypatch):
    from benchmark.errors import BenchmarkError
    from benchmark.measure.estimator import StaticDynamicEstimator

    folder = write_tiny_avos_submission(tmp_path / "submissions", datasets="[synthetic-avos]")
    monkeypatch.setattr(StaticDynamicEstimator, "update", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run(folder, RunOptions(output=tmp_path / "out", checkpoint_every=1, **FEW))
    monkeypatch.undo()
    with pytest.raises(BenchmarkError, match="task_options.flow.method: checkpoint 'farneback', now 'dis'"):
        run(folder, RunOptions(output=tmp_path / "out", resume=True, task_options=("flow.method=dis",), **FEW))


def test_the_printed_summary_gives_jf_with_its_interval_and_names_the_convention():
    result = read_result(REFERENCE / "results" / "synthetic-avos__true.json")
    text = format_table(result)
    jf = result.metric_intervals["jf_mean"]
    assert f"jf_mean: {result.metrics['jf_mean']:.3f} [{jf.low:.3f}, {jf.high:.3f}]" in text
    assert "over 100 sequences" in text
    assert "eval.convention=davis2017-unsupervised" in text
