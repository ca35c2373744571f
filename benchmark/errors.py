"""User-facing errors: each names the file, field, layer or clip and says what to fix."""

from __future__ import annotations


class BenchmarkError(Exception):
    """An error caused by user input; the CLI prints it as one paragraph and exits non-zero."""


class ManifestError(BenchmarkError):
    """A submission manifest is malformed or points at something invalid."""


class WeightsError(BenchmarkError):
    """Weights are missing, unpinned or do not match their sha256."""


class LayerError(BenchmarkError):
    """A declared layer does not exist in the model, or produced unusable features."""


class ModelOutputError(BenchmarkError):
    """A model's output is not what its task needs (shape, class count, non-finite values)."""


class EstimatorError(BenchmarkError):
    """The statistics cannot give a score (too few pairs, zero variance, non-finite features)."""


class DataError(BenchmarkError):
    """A dataset, annotation file or video is missing or malformed."""


class ResultError(BenchmarkError):
    """A result file does not match the schema or contradicts its submission."""
