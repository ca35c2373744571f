"""A board of N valid, internally consistent results: the repository's submissions copied
under new names (``<name>-cNNNNN``), their files hard-linked (weights included, so their
sha256 still matches the pin) and their result files rewritten with the new name.  Every
copy passes `benchmark validate` and shows on the leaderboard like its original; the copies
spread over every task, dataset and protocol the repository has results for."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = REPO / "submissions"


def sources() -> list[tuple[Path, list[Path]]]:
    """Every submission of the repository with its result files (curves aside)."""
    found = []
    for folder in sorted(SUBMISSIONS.iterdir()):
        results = sorted((folder / "results").glob("*.json"))
        if (folder / "submission.yaml").is_file() and results:
            found.append((folder, results))
    return found


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def write_board(root: Path, count: int) -> Path:
    """``root/submissions`` holding ``count`` result files; returns that folder."""
    submissions = root / "submissions"
    submissions.mkdir(parents=True)
    written, copy = 0, 0
    every = sources()
    while written < count:
        folder, results = every[copy % len(every)]
        name = f"{folder.name}-c{copy:05d}"
        target = submissions / name
        shutil.copytree(folder, target, copy_function=_link_or_copy,
                        ignore=lambda where, names: [n for n in names if n == "results"])
        manifest = target / "submission.yaml"
        text = manifest.read_text()
        manifest.unlink()  # a hard link: never write through it
        manifest.write_text(re.sub(r"(?m)^name: .*$", f"name: {name}", text, count=1))
        (target / "results").mkdir()
        for path in results[:count - written]:
            data = json.loads(path.read_text())
            data["submission"] = name
            (target / "results" / path.name).write_text(json.dumps(data, indent=1))
            written += 1
        copy += 1
    return submissions
