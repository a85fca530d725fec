"""One random generator for all three packages, so `manual_seed(n)` makes everything reproducible.

Factories (`rand`, `randn`), `nn.init`, dropout masks and `DataLoader` shuffles all
draw from `generator()`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Re-seed the shared generator (as `torch.manual_seed`)."""
    global _generator
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    """The shared numpy Generator."""
    return _generator


def check_generator(generator: Any, where: str) -> np.random.Generator | None:
    """A `generator=` argument (torch's keyword; a numpy Generator here) itself when it is
    None or a numpy Generator, else a TypeError naming `where`."""
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{where}: generator must be a numpy np.random.Generator (for example "
                        f"np.random.default_rng(0)) or None, got {type(generator).__name__}")
    return generator
