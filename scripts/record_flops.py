"""Record ``flops`` in result files written before the field existed (a one-off migration).

For each result file given (or every result of the submission folders given) that has no
``flops``, the value ``benchmark run`` would have recorded is computed the same way - the
run's own preparation (:func:`benchmark.run.runner.prepare` with the options the result
records) and :func:`benchmark.run.runner.clip_flops` - and written into the file; nothing else
in it changes.  CI's ``benchmark reproduce`` then checks the value like any other field.
Results on real data need ``--data-root`` (the clip comes from the dataset).

    python scripts/record_flops.py submissions/c3d-synthetic submissions/avos-*
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmark.files import write_text_atomic  # noqa: E402
from benchmark.results.schema import read_result, result_files  # noqa: E402
from benchmark.run.reproduce import rerun_options  # noqa: E402
from benchmark.run.runner import clip_flops, prepare  # noqa: E402


def flops_of(path: Path, data_root: Path | None) -> int | None:
    """The FLOPs ``benchmark run`` records for the result at ``path``."""
    result = read_result(path)
    with tempfile.TemporaryDirectory() as scratch:
        options = rerun_options(result, Path(scratch))
        options.data_root = data_root
        options.progress = False
        ctx = prepare(path.parent.parent, options)
        try:
            return clip_flops(ctx)
        finally:
            ctx.lock.release()


def record(path: Path, data_root: Path | None) -> str:
    raw = json.loads(path.read_text())
    if raw.get("flops") is not None or raw.get("provenance") == "reported":
        return f"{path}: unchanged"
    raw["flops"] = flops_of(path, data_root)
    write_text_atomic(path, json.dumps(raw, indent=2, sort_keys=True, allow_nan=False) + "\n")
    return f"{path}: flops {raw['flops']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", type=Path, nargs="+", help="result files or submission folders")
    parser.add_argument("--data-root", type=Path, help="the dataset of results on real data")
    args = parser.parse_args(argv)
    files = [p for given in args.paths for p in ([given] if given.suffix == ".json" else result_files(given))]
    for path in files:
        print(record(path, args.data_root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
