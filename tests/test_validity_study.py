"""The validity study (studies/validity_study.py, docs/validity.md) and the real-footage
motion measure (studies/measure_styles_real.py): rank agreement with hand-derived values,
the committed study tables against the committed results, and the EPE script end to end on
a video written here."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import studies.measure_styles_real as real_motion
import studies.validity_study as validity
from tests.fixtures.action_datasets import write_video

ROOT = Path(__file__).resolve().parents[1]


def test_agreement_of_one_swapped_pair_among_four_models():
    # Concordant pairs 5 of 6, discordant 1: tau = (5 - 1) / 6; squared rank differences
    # 0 + 1 + 1 + 0: rho = 1 - 6 * 2 / (4 * 15) = 0.8; |diff| = (0, .1, .1, 0) -> 0.05.
    study = validity
    a = study.agreement([0.3, 0.4, 0.5, 0.6], [0.3, 0.5, 0.4, 0.6], replicates=200)
    assert a["kendall_tau"]["value"] == pytest.approx(2 / 3)
    assert a["spearman_rho"]["value"] == pytest.approx(0.8)
    assert a["mean_abs_diff"]["value"] == pytest.approx(0.05)
    for key in ("kendall_tau", "spearman_rho", "mean_abs_diff"):
        e = a[key]
        assert e["low"] <= e["value"] <= e["high"]
    assert a["kendall_tau"]["low"] < 2 / 3  # some resamples keep the swap and drop others


def test_agreement_of_a_shifted_copy_is_perfect_rank_agreement_with_an_offset():
    study = validity
    truth = np.linspace(0.3, 0.7, 8)
    a = study.agreement(truth, truth - 0.1, replicates=300)
    assert a["kendall_tau"] == {"value": pytest.approx(1.0), "low": pytest.approx(1.0), "high": pytest.approx(1.0)}
    assert a["mean_abs_diff"]["low"] == pytest.approx(0.1) and a["mean_abs_diff"]["high"] == pytest.approx(0.1)
    reversed_ = study.agreement(truth, truth[::-1], replicates=50)
    assert reversed_["kendall_tau"]["value"] == pytest.approx(-1.0)
    assert reversed_["spearman_rho"]["high"] == pytest.approx(-1.0)


def test_agreement_needs_three_models_under_both_protocols():
    study = validity
    with pytest.raises(ValueError, match="three or more"):
        study.agreement([0.3, 0.4], [0.3, 0.4])
    with pytest.raises(ValueError):
        study.agreement([0.3, 0.4, 0.5], [0.3, 0.4])


def test_study_protocols_are_true_stylize_and_every_two_style_bank():
    study = validity
    protocols = study.study_protocols((0, 1, 2, 3))
    assert [p.argument for p in protocols[:2]] == ["true", "stylize"]
    assert [p.argument for p in protocols[2:]] == ["stylize:0,1", "stylize:0,2", "stylize:0,3",
                                                   "stylize:1,2", "stylize:1,3", "stylize:2,3"]
    assert protocols[2].label == "stylize:randconv+colour_curve"
    extra = study.study_protocols((0, 1), extra=((2, 9),))
    assert [p.argument for p in extra] == ["true", "stylize", "stylize:0,1", "stylize:2,9"]
    assert extra[-1].label == "stylize:hue_posterise+cv_edge_preserving"
    assert extra[-1].folder(Path("submissions/zoo-x")).name == "2-9"


def test_committed_study_tables_match_the_committed_results():
    """docs/validity/shares.csv holds exactly the shares of the committed zoo results."""
    study = validity
    table = ROOT / "docs" / "validity" / "shares.csv"
    if not table.is_file():
        pytest.fail("docs/validity/shares.csv is missing: run python -m studies.validity_study")
    committed = {(r["submission"], r["layer"], r["protocol"]): float(r["share"])
                 for r in csv.DictReader(table.open())}
    rows = study.collect(study.zoo_submissions(), study.study_protocols()[:2])
    assert len(rows) >= 8 * 2 * 5
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
