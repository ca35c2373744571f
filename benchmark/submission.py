"""Building a submission's model: the only place that imports submission code.

Weights are verified against their sha256 *before* anything reads them, and load only
through safetensors or ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import urllib.request
from pathlib import Path

import torch
from torch import nn

from benchmark.errors import ManifestError, WeightsError
from benchmark.hashing import sha256_file
from benchmark.manifest import MANIFEST_NAME, Submission

CACHE_DIR = Path(os.environ.get("MOTION_BENCH_CACHE", Path.home() / ".cache" / "motion-bench"))


def resolve_weights(submission: Submission) -> Path | None:
    """The verified local weights file (downloaded to the cache for a URL), or None."""
    spec = submission.manifest.weights
    if spec is None:
        return None
    manifest_file = submission.folder / MANIFEST_NAME
    if spec.path is not None:
        path = submission.inside(spec.path, "weights.path")
        field = "weights.path"
    else:
        path = CACHE_DIR / spec.sha256 / Path(spec.url.split("?")[0]).name
        field = "weights.url"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            try:
                urllib.request.urlretrieve(spec.url, tmp)
            except OSError as error:
                raise WeightsError(
                    f"{manifest_file}: field 'weights.url': could not download {spec.url}: {error}."
                ) from None
            os.replace(tmp, path)
    if not path.is_file():
        raise WeightsError(f"{manifest_file}: field '{field}': {path} does not exist.")
    actual = sha256_file(path)
    if actual != spec.sha256:
        raise WeightsError(
            f"{manifest_file}: field 'weights.sha256': the weights file {path.name} has sha256 "
            f"{actual}, but the manifest pins {spec.sha256}. The file changed or the pin is "
            "wrong: re-download the weights, or update the pin if you replaced them on purpose."
        )
    return path


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Tensors from a ``.safetensors`` file or a ``torch.save`` file (weights only)."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    return state


def import_model_factory(submission: Submission):
    """Import ``model.py`` of the submission and return its factory callable."""
    manifest = submission.manifest
    file = submission.inside(manifest.model_file, "model")
    module_name = f"_submission_{submission.name.replace('-', '_').replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    factory = getattr(module, manifest.model_callable, None)
    if factory is None or not callable(factory):
        raise ManifestError(
            f"{submission.folder / MANIFEST_NAME}: field 'model': {manifest.model_file} has no "
            f"callable {manifest.model_callable!r}."
        )
    return factory


def build_model(submission: Submission, device: str | torch.device = "cpu") -> nn.Module:
    """Verify weights, build the model, load the weights strictly, eval mode on ``device``."""
    weights = resolve_weights(submission)
    model = import_model_factory(submission)(**submission.manifest.model_args)
    if not isinstance(model, nn.Module):
        raise ManifestError(
            f"{submission.folder / MANIFEST_NAME}: field 'model': the factory returned "
            f"{type(model).__name__}, not a torch.nn.Module."
        )
    if weights is not None:
        try:
            model.load_state_dict(load_state_dict(weights), strict=True)
        except RuntimeError as error:
            raise WeightsError(
                f"{weights}: does not match the model built by {submission.manifest.model}: "
                " ".join(line.strip() for line in str(error).splitlines()[1:4])
            ) from None
    return model.eval().to(device)
