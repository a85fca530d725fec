"""torch.utils's counterparts: `checkpoint` (gradient checkpointing). Data loading lives
in `nn.data` (torch.utils.data)."""
from . import checkpoint  # noqa: F401
