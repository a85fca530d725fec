"""One random generator for all three packages, so `manual_seed(n)` makes everything reproducible.

Factories (`rand`, `randn`), `nn.init`, dropout masks and `DataLoader` shuffles all
draw from `generator()`.
"""
from __future__ import annotations

import copy
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


def get_rng_state() -> dict:
    """The shared generator's state (numpy's bit-generator state, a dict, where torch gives
    a ByteTensor): set_rng_state(it) replays the same draws."""
    return copy.deepcopy(_generator.bit_generator.state)


def set_rng_state(state: dict) -> None:
    _generator.bit_generator.state = state


_deterministic = False


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch's switch for reproducible kernels. Every op here is deterministic already
    (numpy on one machine gives the same bits each run); the flag is only kept."""
    global _deterministic
    _deterministic = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic
