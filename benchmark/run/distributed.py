"""``torchrun`` support: join and leave the process group, gather small lists.

The estimator's sufficient statistics are all-reduced by
:meth:`benchmark.measure.estimator.StaticDynamicEstimator.all_reduce`; this module only manages the
group the runner works in.
"""

from __future__ import annotations

import os

_OWN_GROUP = False  # whether init_distributed created the process group


def init_distributed(device: str) -> tuple[int, int]:
    """(rank, world size); joins the process group when launched by ``torchrun``."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    import torch.distributed as dist

    global _OWN_GROUP
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
        _OWN_GROUP = True
    return dist.get_rank(), dist.get_world_size()


def close_distributed() -> None:
    """Leave the process group this module created (a live gloo group aborts at exit)."""
    global _OWN_GROUP
    if _OWN_GROUP:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
        _OWN_GROUP = False


def gather_lists(items: list[str]) -> list[str]:
    """Concatenate every rank's list, in rank order."""
    import torch.distributed as dist

    gathered: list[list[str]] = [[] for _ in range(dist.get_world_size())]
    dist.all_gather_object(gathered, items)
    return [item for part in gathered for item in part]
