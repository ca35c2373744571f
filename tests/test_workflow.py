"""The CI workflow (.github/workflows/leaderboard.yml) and CODEOWNERS, read as data.

Item 12 of issue 13: a pull request is judged by the base branch's harness, publishing
waits for checks on the same commit, every job has a timeout, and only one job ever runs
submission code, without secrets or a token that can write.  Issue 19: the web site is
built from result files alone and deployed to GitHub Pages after publishing.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from benchmark.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "leaderboard.yml"
BASE_REF = "${{ github.event.pull_request.base.sha }}"
JUDGES = ("validate", "reproduce")  # the jobs that judge a pull request


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def jobs() -> dict:
    return workflow()["jobs"]


def benchmark_steps(job: dict) -> list[tuple[dict, str]]:
    """``(step, command)`` for every ``python -m benchmark ...`` line of a job."""
    found = []
    for step in job["steps"]:
        for line in step.get("run", "").splitlines():
            line = line.strip()
            if line.startswith("python -m benchmark"):
                found.append((step, line.split(" || ")[0].split(" > ")[0]))
    return found


def test_triggers_and_default_permissions():
    flow = workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"pull_request", "push"} and triggers["push"]["branches"] == ["main"]
    assert flow["permissions"] == {"contents": "read"}
    assert "${{ secrets" not in WORKFLOW.read_text()


PERMISSIONS = {  # the only job that writes the repository is publish; pages writes GitHub Pages only
    "publish": {"contents": "write"},
    "pages": {"contents": "read", "pages": "write", "id-token": "write"},
}


def test_job_order_permissions_and_timeouts():
    every = jobs()
    assert set(every) == {"validate", "reproduce", "verify", "publish", "pages"}
    for name, job in every.items():
        assert isinstance(job.get("timeout-minutes"), int) and 0 < job["timeout-minutes"] <= 120, name
        assert job["permissions"] == PERMISSIONS.get(name, {"contents": "read"}), name
    for name in JUDGES:
        assert every[name]["if"] == "github.event_name == 'pull_request'"
    for name in ("verify", "publish", "pages"):
        assert every[name]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert every["reproduce"]["needs"] == "validate"  # code runs only for folders that validate
    assert every["publish"]["needs"] == "verify"  # publish only after main's checks passed on that commit
    assert every["pages"]["needs"] == "publish"  # deploy only what was published
    assert "needs" not in every["validate"] and "needs" not in every["verify"]


def test_the_pages_job_builds_the_site_from_result_files_and_deploys_it():
    job = jobs()["pages"]
    [checkout] = [step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout")]
    assert checkout["with"]["persist-credentials"] is False
    [(_, command)] = benchmark_steps(job)
    words = shlex.split(command)
    assert words[3] == "leaderboard" and words[words.index("--html") + 1] == "site"
    assert "--check" not in words and "--no-plots" not in words
    uses = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    assert uses[-3:] == ["actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"]
    [upload] = [step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert upload["with"] == {"path": "site"}
    assert job["environment"]["name"] == "github-pages"


@pytest.mark.parametrize("name", JUDGES)
def test_pull_requests_are_judged_by_the_base_branchs_harness(name):
    job = jobs()[name]
    checkouts = [step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout")]
    base, pr = checkouts
    assert base["with"] == {"ref": BASE_REF, "path": "base", "persist-credentials": False}
    assert pr["with"]["path"] == "pr" and pr["with"]["persist-credentials"] is False and "ref" not in pr["with"]
    [install] = [step for step in job["steps"] if "pip install" in step.get("run", "")]
    assert install["working-directory"] == "base"  # the PR's pyproject and code are never installed
    commands = benchmark_steps(job)
    assert commands
    for step, command in commands:
        assert step["working-directory"] == "base", command  # `python -m benchmark` imports base/benchmark
        assert step.get("env", {}).get("BASE_SHA", BASE_REF) == BASE_REF
        words = shlex.split(command)
        if words[3] == "changed":
            assert "--submissions" in words and words[words.index("--submissions") + 1] == "../pr/submissions"
            assert "-z" in words  # NUL-separated: any folder name survives
            assert "read -r -d ''" in step["run"]
        elif words[3] == "leaderboard":
            assert words[words.index("--submissions") + 1] == "../pr/submissions" and "--check" not in words
        elif words[3] == "reproduce":  # every folder `changed` listed under ../pr, rerun in parallel
            assert words[4] == "${folders[@]}" and "--jobs" in words
        else:
            assert words[4] == '"$folder"' or words[4] == "$folder"  # a folder `changed` listed under ../pr
    assert all(step.get("working-directory") != "pr" for step in job["steps"])


def test_only_the_reproduce_job_runs_submission_code():
    every = jobs()
    kinds = {name: {shlex.split(command)[3] for _, command in benchmark_steps(job)} for name, job in every.items()}
    assert kinds == {
        "validate": {"changed", "validate", "leaderboard"},
        "reproduce": {"changed", "reproduce", "run"},
        "verify": {"validate", "leaderboard"},
        "publish": {"leaderboard"},
        "pages": {"leaderboard"},
    }
    reproduce = [command for _, command in benchmark_steps(every["reproduce"]) if " reproduce " in command]
    assert all("--threads 1" in command and "--tolerance" in command for command in reproduce)


def test_every_workflow_command_parses_with_the_cli():
    parser = build_parser()
    for job in jobs().values():
        for _, command in benchmark_steps(job):
            text = command.replace('"$folder"', "submissions/x").replace('"${folders[@]}"', "submissions/x").replace('"$BASE_SHA"', "abc")
            parser.parse_args(shlex.split(text)[3:])


def test_codeowners_guard_the_harness_the_tasks_and_ci():
    owners = {line.split()[0]: line.split()[1:] for line in (REPO / ".github" / "CODEOWNERS").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    for path in ("*", "/benchmark/", "/tasks/", "/.github/"):
        assert owners.get(path), path  # "*": any change outside submissions/ needs review
    assert owners.get("/submissions/") == []  # a submission's own folder: judged by CI


@pytest.mark.parametrize("name", ["publish", "pages"])
def test_the_jobs_on_main_install_only_the_pinned_dependencies(name):
    [install] = [step for step in jobs()[name]["steps"] if "pip install" in step.get("run", "")]
    assert install["run"].split() == ["pip", "install", "-r", "constraints.txt"]  # no -e: no build files run
