"""What the harness knows of a model before it runs it: the input it expects
(:class:`InputSpec`) and the layers to probe (:class:`LayerSpec`), as a submission's
manifest declares them. Torch-free: the validator and the leaderboard read them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: A module path as ``model.named_modules()`` prints it.
MODULE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.]{0,199}$"
ModulePath = Annotated[str, Field(pattern=MODULE_PATTERN)]


class Strict(BaseModel):
    """A frozen model that refuses unknown fields (every part of a manifest is one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerSpec(Strict):
    """A probed layer: a module path, optionally how to pool its output.

    ``pool``: ``auto`` (by rank: 5-D (B,C,T,H,W) and 4-D (B,C,H,W) average all but the
    channel axis; 3-D (B,N,C) token sequences average the tokens; 2-D as is),
    ``tokens`` or ``channels_first`` to force one reading of a 3-D output, and
    ``channels_last`` for outputs shaped (B, ..., C) such as Swin's (B, T, H, W, C).
    ``output``: which element of a tuple/list output to use; by default every tensor
    element is pooled and the results concatenated (e.g. SlowFast's two pathways).
    """

    module: ModulePath
    pool: Literal["auto", "tokens", "channels_first", "channels_last"] = "auto"
    output: int | None = None


class InputSpec(Strict):
    """What the model expects: frames, square crop size, normalisation, pathways."""

    frames: int = Field(gt=0)
    size: int = Field(gt=0)
    mean: tuple[float, float, float] = (0.45, 0.45, 0.45)
    std: tuple[float, float, float] = (0.225, 0.225, 0.225)
    sampling_rate: int | None = Field(default=None, gt=0)
    pathways: list[int] | None = None  # temporal stride per pathway, e.g. [4, 1] for SlowFast

    @field_validator("std")
    @classmethod
    def _positive_std(cls, std: tuple[float, float, float]) -> tuple[float, float, float]:
        if min(std) <= 0:
            raise ValueError("every std must be positive")
        return std
