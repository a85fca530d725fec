"""torch.utils's counterparts: `checkpoint` (gradient checkpointing). Data loading lives
in `nn.data`, also reachable as `tinygrad_edu.utils.data` (torch.utils.data)."""
from typing import Any

from . import checkpoint  # noqa: F401


def __getattr__(name: str) -> Any:
    if name == "data":                    # (imported on first use: nn imports tinygrad_edu)
        import nn.data
        return nn.data
    raise AttributeError(f"module 'tinygrad_edu.utils' has no attribute {name!r}")
