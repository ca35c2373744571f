"""``benchmark run`` on the VIS reference submissions (synthetic default, few pairs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.results.schema import read_result
from benchmark.run.runner import RunOptions, run
from benchmark.validate.results import check_result
from benchmark.validate.submission import validate_submission

SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"
REFERENCES = ["vis-query-synthetic", "vis-perframe-synthetic"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("name", REFERENCES)
def test_the_reference_submissions_are_valid(name):
    assert validate_submission(SUBMISSIONS / name) == []


@pytest.mark.slow
def test_a_short_run_reports_ap_and_per_layer_scores(tmp_path):
    options = RunOptions(pairs=16, batch_size=8, eval_clips=12, bootstrap=20, progress=False, output=tmp_path)
    result, path = run(SUBMISSIONS / "vis-query-synthetic", options)
    assert read_result(path).submission == "vis-query-synthetic"
    assert result.task == "vis" and result.main_metric == "AP"
    assert (result.dataset.name, result.pair_protocol) == ("synthetic-vis", "true")
    assert [layer.name for layer in result.layers] == ["stage1", "stage2", "stage3", "queries"]
    assert [layer.units for layer in result.layers] == [16, 32, 64, 48]
    assert sum(result.last_layer.pairs.values()) == 16
    assert {"AP", "AP50", "AP75", "AR1", "AR10", "AP_shuffled"} <= set(result.metrics)
    assert 0.0 <= result.metrics["AP"] <= 1.0
    # AP per kind of category (clean and shuffled) and per category, declared by the task.
    assert {"AP_appearance", "AP_motion", "AP_motion_shuffled", "AP_disc", "AP_spinning"} <= set(result.metrics)
    assert {"AP", "AR10", "AP_appearance", "AP_motion"} <= set(result.metric_intervals)
    assert check_result(result) == []
