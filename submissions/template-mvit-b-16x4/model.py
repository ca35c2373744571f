"""MViT-B 16x4: pytorchvideo builder, randomly initialised (a template)."""

from pytorchvideo.models.vision_transformers import create_multiscale_vision_transformers
from torch import nn


def build(
    num_classes: int = 400,
    spatial_size: int = 224,
    temporal_size: int = 16,
    embed_dim: int = 96,
    **overrides,
) -> nn.Module:
    """MViT-B, 16 blocks in four scale stages (1, 2, 11, 2 blocks); ``overrides`` go to
    ``create_multiscale_vision_transformers``.  Position embeddings are sized by
    ``spatial_size`` x ``temporal_size``, which must match ``input`` (size, frames);
    ``embed_dim`` < 96 gives a narrow variant for quick checks.
    """
    stages = [[1, 2.0], [3, 2.0], [14, 2.0]]
    options: dict = dict(
        spatial_size=spatial_size, temporal_size=temporal_size, depth=16,
        patch_embed_dim=embed_dim, num_heads=1, embed_dim_mul=stages, atten_head_mul=stages,
        pool_q_stride_size=[[1, 1, 2, 2], [3, 1, 2, 2], [14, 1, 2, 2]],
        pool_kv_stride_adaptive=[1, 8, 8], pool_kvq_kernel=[3, 3, 3],
        head_num_classes=num_classes,
    )
    options.update(overrides)
    return create_multiscale_vision_transformers(**options)
