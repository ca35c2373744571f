"""What a pull request changes under ``submissions/``, from git (read-only git commands).

Used by ``benchmark changed`` (which folders CI validates and smoke-runs) and by
``benchmark validate --base REF`` (result files may be added or updated, never removed).
Paths are read NUL-separated (``git -z``): git neither quotes nor escapes them, so a folder
named with a tab, a newline or non-ASCII letters is listed like any other (and then refused
by ``validate`` for its name) instead of slipping past CI.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmark.errors import BenchmarkError
from benchmark.submission.manifest import MANIFEST_NAME, ReportedManifest, read_manifest


def git_paths(args: list[str], cwd: Path) -> list[str]:
    """The NUL-separated paths ``git <args> -z`` prints, exactly as stored."""
    return [path for path in git([*args[:1], "-z", *args[1:]], cwd).split("\0") if path]


def git(args: list[str], cwd: Path) -> str:
    """Output of ``git <args>`` run in ``cwd``; a failure is a :class:`BenchmarkError`."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              encoding="utf-8", errors="surrogateescape", check=False)
    except OSError as error:
        raise BenchmarkError(f"git is needed here but could not run: {error}.") from None
    if done.returncode != 0:
        raise BenchmarkError(f"`git {' '.join(args)}` failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def repo_root(path: Path) -> Path:
    """The top of the git work tree holding ``path`` (a folder that exists)."""
    return Path(git(["rev-parse", "--show-toplevel"], path).strip()).resolve()


def _verify_ref(ref: str, root: Path) -> None:
    try:
        git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    except BenchmarkError:
        raise BenchmarkError(
            f"--base {ref}: no such commit or branch in {root} (in CI, fetch it first, e.g. "
            "actions/checkout with fetch-depth: 0)."
        ) from None


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.is_dir():
        path = path.parent
    return path


def changed_submissions(base: str, submissions: str | Path = "submissions") -> list[Path]:
    """Submission folders (``<submissions>/<name>``) with any file added, modified or deleted
    since ``base`` (committed, staged, unstaged or untracked), sorted; deleted folders too."""
    submissions = Path(submissions)
    root = repo_root(_existing_parent(submissions))
    _verify_ref(base, root)
    prefix = submissions.resolve().relative_to(root).as_posix()
    listed = git_paths(["diff", "--name-only", "--no-renames", base, "--", prefix], root)
    listed += git_paths(["ls-files", "--others", "--exclude-standard", "--", prefix], root)
    names = set()
    for line in listed:
        parts = Path(line).relative_to(prefix).parts if line.startswith(prefix + "/") else ()
        if len(parts) >= 2:  # a file inside a submission folder
            names.add(parts[0])
    return [submissions / name for name in sorted(names)]


def is_runnable(folder: Path) -> bool:
    """True for an existing folder that is not a ``reported`` entry (a broken manifest counts
    as runnable, so the smoke run reports the problem)."""
    if not folder.is_dir():
        return False
    try:
        return not isinstance(read_manifest(folder / MANIFEST_NAME), ReportedManifest)
    except BenchmarkError:
        return True


def removed_results(folder: str | Path, base: str) -> list[str]:
    """One message per result file of ``folder`` present at ``base`` and missing now."""
    folder = Path(folder)
    root = repo_root(_existing_parent(folder))
    _verify_ref(base, root)
    results = (folder.resolve() / "results").relative_to(root).as_posix()
    listed = git_paths(["ls-tree", "-r", "--name-only", base, "--", results + "/"], root)
    problems = []
    for line in sorted(listed):
        if line.endswith(".json") and not (root / line).is_file():
            problems.append(
                f"{folder / 'results' / Path(line).relative_to(results)}: result file removed (it exists at "
                f"{base}); results are never deleted: restore it, or add a new result file "
                "beside it."
            )
    return problems
