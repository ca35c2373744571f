"""The validity study (studies/validity_study.py, docs/validity.md) and the real-footage
motion measure (studies/measure_styles_real.py): rank agreement with hand-derived values,
the pre-registered selection rule, the committed study tables against the committed
results, and the EPE script end to end on a video written here."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import studies.measure_styles_real as real_motion
from studies import validity_study as study
from studies.agreement import agreement
from studies.protocol_selection import Scored, choose
from studies.validity_models import CONFIRMATION, DEVELOPMENT, FRAME_ONLY, canonical_layers
from tests.fixtures.action_datasets import write_video

ROOT = Path(__file__).resolve().parents[1]


def test_agreement_of_one_swapped_pair_among_four_models():
    # Concordant pairs 5 of 6, discordant 1: tau = (5 - 1) / 6; squared rank differences
    # 0 + 1 + 1 + 0: rho = 1 - 6 * 2 / (4 * 15) = 0.8; |diff| = (0, .1, .1, 0) -> 0.05.
    a = agreement([0.3, 0.4, 0.5, 0.6], [0.3, 0.5, 0.4, 0.6], replicates=200)
    assert a["kendall_tau"]["value"] == pytest.approx(2 / 3)
    assert a["spearman_rho"]["value"] == pytest.approx(0.8)
    assert a["mean_abs_diff"]["value"] == pytest.approx(0.05)
    for key in ("kendall_tau", "spearman_rho", "mean_abs_diff"):
        e = a[key]
        assert e["low"] <= e["value"] <= e["high"]
    assert a["kendall_tau"]["low"] < 2 / 3  # some resamples keep the swap and drop others


def test_agreement_of_a_shifted_copy_is_perfect_rank_agreement_with_an_offset():
    truth = np.linspace(0.3, 0.7, 8)
    a = agreement(truth, truth - 0.1, replicates=300)
    assert a["kendall_tau"] == {"value": pytest.approx(1.0), "low": pytest.approx(1.0), "high": pytest.approx(1.0)}
    assert a["mean_abs_diff"]["low"] == pytest.approx(0.1) and a["mean_abs_diff"]["high"] == pytest.approx(0.1)
    reversed_ = agreement(truth, truth[::-1], replicates=50)
    assert reversed_["kendall_tau"]["value"] == pytest.approx(-1.0)
    assert reversed_["spearman_rho"]["high"] == pytest.approx(-1.0)


def test_agreement_needs_three_models_under_both_protocols():
    with pytest.raises(ValueError, match="three or more"):
        agreement([0.3, 0.4], [0.3, 0.4])
    with pytest.raises(ValueError):
        agreement([0.3, 0.4, 0.5], [0.3, 0.4])


def test_the_halves_are_disjoint_large_enough_and_each_has_a_frame_only_model():
    assert not set(DEVELOPMENT) & set(CONFIRMATION)
    assert len(DEVELOPMENT) >= 12 and len(CONFIRMATION) >= 12
    assert set(FRAME_ONLY) & set(DEVELOPMENT) and set(FRAME_ONLY) & set(CONFIRMATION)
    for name in (*DEVELOPMENT, *CONFIRMATION):
        assert (ROOT / "submissions" / name / "submission.yaml").is_file(), name
    assert canonical_layers(["stem", "res2", "res3", "res4", "res5"])["res3"] == "middle"


def scored(name: str, tau: tuple[float, float], mad: tuple[float, float], frame: float) -> Scored:
    return Scored(name, {"middle": tau[0], "last": tau[1]}, {"middle": mad[0], "last": mad[1]}, {"tsn": frame})


def test_the_selection_rule_filters_then_takes_the_best_worst_layer_then_the_smaller_error():
    """Step 1 drops a candidate too far from true (mean |Δ| 0.09) and one whose frame-only
    model is off by 0.06; among the rest the best min(τ) wins, and within 0.02 of it the
    smaller error; with nothing passing, τ alone decides."""
    far = scored("far", (0.95, 0.95), (0.09, 0.01), 0.0)
    frame = scored("frame", (0.95, 0.95), (0.01, 0.01), 0.06)
    good = scored("good", (0.80, 0.90), (0.05, 0.06), 0.01)
    close = scored("close", (0.79, 0.99), (0.02, 0.03), 0.01)
    worse = scored("worse", (0.60, 0.99), (0.01, 0.01), 0.0)
    chosen, passed = choose([far, frame, good, close, worse])
    assert passed and chosen.candidate == "close"
    chosen, passed = choose([far, frame])
    assert not passed and chosen.candidate in ("far", "frame")


def test_committed_study_tables_match_the_committed_results():
    """docs/validity/shares.csv holds exactly the shares of the committed results."""
    table = ROOT / "docs" / "validity" / "shares.csv"
    if not table.is_file():
        pytest.fail("docs/validity/shares.csv is missing: run python -m studies.validity_study")
    committed = {(r["submission"], r["layer"], r["protocol"]): float(r["share"])
                 for r in csv.DictReader(table.open())}
    rows = [r for r in study.collect(study.study_submissions()) if r["protocol"] in ("true", "stylize")]
    assert len(rows) >= 24 * 2 * 5
    for row in rows:
        assert committed[(row["submission"], row["layer"], row["protocol"])] == pytest.approx(row["share"], abs=1e-6)


def test_real_footage_measure_on_a_written_video(tmp_path):
    """A textured square moving 2 px a frame: the frozen control scores exactly 1 (it
    predicts no motion), the flicker control far above the default bank."""
    rng = np.random.default_rng(0)
    texture = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
    frames = np.full((20, 48, 64, 3), 90, np.uint8)
    for t in range(len(frames)):
        frames[t, 16:32, 4 + 2 * t: 20 + 2 * t] = texture
    write_video(tmp_path / "square.mp4", frames, fps=8)
    real = real_motion
    real.main(["--videos", str(tmp_path), "--clips-per-video", "2", "--frames", "6", "--stride", "1",
               "--size", "48", "--out", str(tmp_path / "out")])
    res = json.loads((tmp_path / "out" / "real_footage_epe.json").read_text())
    assert [c["name"] for c in res["clips"]] == ["square@5", "square@9"]
    assert all(c["mean_flow_px"] > 0.1 for c in res["clips"])
    assert res["controls"]["control:frozen"]["epe"] == pytest.approx([1.0, 1.0])
    assert res["default_bank"]["names"] == ["randconv", "colour_curve", "hue_posterise", "sketch"]
    assert res["controls"]["control:flicker"]["median"] > res["default_bank"]["median"]
    assert len(res["styles"]["sketch"]["epe"]) == 2


def test_real_footage_measure_names_a_missing_video(tmp_path):
    real = real_motion
    with pytest.raises(SystemExit, match="no such file"):
        real.main(["--videos", str(tmp_path / "absent.avi"), "--out", str(tmp_path)])


def test_the_search_tool_measures_what_the_harness_measures(tmp_path):
    """``studies.protocol_search``'s candidate ``tone:4:0.5+frozen`` builds the pairs of the
    harness's ``stylize`` (v3) protocol: on the same plan both give the same shares."""
    from benchmark.run.runner import RunOptions, run
    from studies.protocol_search import measure
    from tests.conftest import write_tiny_submission

    folder = write_tiny_submission(tmp_path / "submissions")
    searched = measure(folder, ["tone:4:0.5+frozen"], pairs=40, seed=0)
    result, _ = run(folder, RunOptions(pairs=40, pair_protocol="stylize", bootstrap=0, eval_clips=10,
                                       output=tmp_path / "out", progress=False))
    harness = {layer.name: layer.dynamic_share.value for layer in result.layers}
    assert harness == pytest.approx(searched["tone:4:0.5+frozen"], abs=1e-9)
    assert searched["true"] != pytest.approx(searched["tone:4:0.5+frozen"], abs=1e-3)
