"""One random generator for all three packages, so `manual_seed(n)` makes everything reproducible.

Factories (`rand`, `randn`), `nn.init`, dropout masks and `DataLoader` shuffles all
draw from `generator()`.
"""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Re-seed the shared generator (as `torch.manual_seed`)."""
    global _generator
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    """The shared numpy Generator."""
    return _generator
