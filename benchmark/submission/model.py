"""Building a submission's model: the only place that imports submission code.

Weights are verified against their sha256 *before* anything reads them (URLs: https only,
:mod:`benchmark.submission.download`), and load only through safetensors or
``torch.load(weights_only=True)``.  Whatever goes wrong in submission code or its files -
``model.py`` raising at import, a factory refusing its ``model_args``, an empty or corrupt
weights file, weights of another shape - is one error naming the file and field.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from pathlib import Path

import torch
from torch import nn

from benchmark.errors import ManifestError, WeightsError
from benchmark.hashing import sha256_file
from benchmark.submission.download import fetch_pinned
from benchmark.submission.manifest import MANIFEST_NAME, Submission

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
        field = "weights.url"
        path = fetch_pinned(spec.url, spec.sha256, CACHE_DIR, f"{manifest_file}: field 'weights.url'")
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
    """Tensors from a ``.safetensors`` file or a ``torch.save`` file (weights only); an
    empty, truncated or foreign file is a :class:`WeightsError` naming it."""
    kind = "safetensors" if path.suffix == ".safetensors" else "torch.save (weights only)"
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - safetensors, pickle and zip errors alike
        size = path.stat().st_size if path.is_file() else 0
        raise WeightsError(
            f"{path}: not a readable {kind} file ({size} bytes; {type(error).__name__}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else 'no detail'}). Save the weights "
            "again (safetensors.torch.save_file(model.state_dict(), ...)) and pin the new sha256."
        ) from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path}: holds a {type(state).__name__}, not a state dict of tensors "
                           "(name -> tensor); save model.state_dict().")
    return state


def _where_in(file: Path, error: BaseException) -> str:
    """``line N`` of ``file`` where ``error`` was raised (or its syntax error is)."""
    if isinstance(error, SyntaxError) and error.lineno:
        return f" (line {error.lineno})"
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == file]
    return f" (line {lines[-1]})" if lines else ""


def import_model_factory(submission: Submission):
    """Import ``model.py`` of the submission and return its factory callable."""
    manifest = submission.manifest
    file = submission.inside(manifest.model_file, "model")
    module_name = f"_submission_{submission.name.replace('-', '_').replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        sys.modules.pop(module_name, None)
        raise ManifestError(
            f"{file}: importing the submission's model code failed{_where_in(file, error)}: "
            f"{type(error).__name__}: {error}. Fix model.py (python {file} shows the full traceback)."
        ) from None
    factory = getattr(module, manifest.model_callable, None)
    if factory is None or not callable(factory):
        raise ManifestError(
            f"{submission.folder / MANIFEST_NAME}: field 'model': {manifest.model_file} has no "
            f"callable {manifest.model_callable!r}."
        )
    return factory


def construct_model(submission: Submission) -> nn.Module:
    """The model the manifest's factory builds with its ``model_args`` (no weights loaded)."""
    manifest = submission.manifest
    factory = import_model_factory(submission)
    try:
        model = factory(**manifest.model_args)
    except (Exception, SystemExit) as error:
        file = submission.inside(manifest.model_file, "model")
        hint = (" An argument the factory does not take is misspelled or unknown in 'model_args'."
                if isinstance(error, TypeError) and "argument" in str(error) else "")
        raise ManifestError(
            f"{submission.folder / MANIFEST_NAME}: fields 'model' and 'model_args': "
            f"{manifest.model}(**{manifest.model_args}) raised{_where_in(file, error)} "
            f"{type(error).__name__}: {error}.{hint}"
        ) from None
    if not isinstance(model, nn.Module):
        raise ManifestError(
            f"{submission.folder / MANIFEST_NAME}: field 'model': the factory returned "
            f"{type(model).__name__}, not a torch.nn.Module."
        )
    return model


def build_model(submission: Submission, device: str | torch.device = "cpu") -> nn.Module:
    """Verify weights, build the model, load the weights strictly, eval mode on ``device``."""
    weights = resolve_weights(submission)
    manifest = submission.manifest
    model = construct_model(submission)
    if weights is not None:
        try:
            model.load_state_dict(load_state_dict(weights), strict=True)
        except RuntimeError as error:
            details = " ".join(line.strip() for line in str(error).splitlines()[1:4])
            raise WeightsError(
                f"{weights}: does not match the model built by {manifest.model} with model_args "
                f"{manifest.model_args}: {details[:600]} Check model_args (e.g. num_classes) and that "
                "the weights are this model's."
            ) from None
    return model.eval().to(device)
