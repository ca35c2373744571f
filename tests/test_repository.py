"""The checked-in repository is consistent: every submission validates and leaderboard.md is fresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.submission.manifest import discover_submissions
from benchmark.validate.submission import validate_submission

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("folder", discover_submissions(ROOT / "submissions"), ids=lambda p: p.name)
def test_every_submission_validates(folder):
    assert validate_submission(folder) == []


def test_leaderboard_is_up_to_date(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["leaderboard", "--check"]) == 0
