"""One random generator for all three packages, so `manual_seed(n)` makes everything reproducible.

Factories (`rand`, `randn`), `nn.init`, dropout masks and `DataLoader` shuffles all
draw from `generator()`.
"""
from __future__ import annotations

import contextlib
import copy
from typing import Any, Iterator

import numpy as np

from .device import CPU, check_device

_generator = np.random.default_rng()
"""The shared stream. manual_seed re-seeds this very object, so a sampler or DataLoader
holding it (through `generator=tg.default_generator`) follows the new seed, as in torch."""
_initial_seed = int(_generator.bit_generator.seed_seq.entropy)


TORCH_DEFAULT_SEED = 67280421310721
"""The seed a new torch.Generator starts from (and so does a new Generator here)."""


def seed_value(seed: Any, op: str) -> int:
    """A seed as torch takes it: an int from -2^63 to 2^64 - 1, negatives wrapped to 2^64
    plus them."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{op}: the seed must be an int, got {seed!r}")
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError(f"{op}: the seed must be between -2**63 and 2**64 - 1, got {seed}")
    return int(seed) % 2 ** 64


def manual_seed(seed: int) -> Generator:
    """Re-seed the shared generator (as `torch.manual_seed`); returns it as a Generator
    (`tg.default_generator`)."""
    global _initial_seed
    try:
        seed = int(seed)                           # as torch.manual_seed: 1.0, True, "3"
    except (TypeError, ValueError):
        raise TypeError(f"manual_seed: the seed must be an int, got {seed!r}") from None
    _initial_seed = seed_value(seed, "manual_seed")
    _generator.bit_generator.state = np.random.default_rng(_initial_seed).bit_generator.state
    return default_generator


def initial_seed() -> int:
    """The seed of the shared generator: the last manual_seed() or seed() value (until one
    of them is called, the entropy numpy drew when the library was imported)."""
    return _initial_seed


_refusal: str | None = None
"""Set while a draw is an error (inside vmap(randomness="error")): the message."""


def generator() -> np.random.Generator:
    """The shared numpy Generator."""
    if _refusal is not None:
        raise RuntimeError(_refusal)
    return _generator


@contextlib.contextmanager
def refusing_draws(message: str) -> Iterator[None]:
    """Inside the block, a draw from the shared generator raises RuntimeError(message)."""
    global _refusal
    outer, _refusal = _refusal, message
    try:
        yield
    finally:
        _refusal = outer


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, **_: Any) -> Iterator[None]:
    """torch.random.fork_rng: the shared generator's state is restored when the block ends,
    so draws inside it leave the random stream outside unchanged (CPU only: `devices`
    has nothing to name here)."""
    state = get_rng_state() if enabled else None
    try:
        yield
    finally:
        if enabled:
            set_rng_state(state)


class Generator:
    """torch.Generator: a random stream of its own, for `generator=` arguments
    (`g = tg.Generator().manual_seed(2147483647); tg.randn(27, 27, generator=g)`, as in
    Karpathy's makemore). It wraps a numpy Generator (`g.numpy_generator`), so its numbers
    are not torch's; a np.random.Generator is accepted wherever this is."""

    def __init__(self, device: Any = None) -> None:
        check_device(device, "Generator")
        self._initial_seed = TORCH_DEFAULT_SEED        # (torch's: the same start each time)
        self.numpy_generator = np.random.default_rng(self._initial_seed)

    def manual_seed(self, seed: int) -> Generator:
        """Re-seed in place (samplers holding this generator follow); returns self."""
        self._initial_seed = seed_value(seed, "manual_seed")
        self.numpy_generator.bit_generator.state = np.random.default_rng(
            self._initial_seed).bit_generator.state
        return self

    def seed(self) -> int:
        """Re-seed from the operating system's entropy; returns the new seed."""
        return self.manual_seed(np.random.SeedSequence().entropy % 2 ** 63).initial_seed()

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict:
        """numpy's bit-generator state (a dict, where torch gives a ByteTensor)."""
        return copy.deepcopy(self.numpy_generator.bit_generator.state)

    def set_state(self, state: dict) -> Generator:
        self.numpy_generator.bit_generator.state = state
        return self

    @property
    def device(self) -> Any:
        return CPU


class _SharedGenerator(Generator):
    """`tg.default_generator`: the shared stream (manual_seed's) seen as a Generator."""

    def __init__(self) -> None:
        pass

    @property
    def numpy_generator(self) -> np.random.Generator:      # type: ignore[override]
        return _generator

    def manual_seed(self, seed: int) -> Generator:
        return manual_seed(seed)

    def initial_seed(self) -> int:
        return initial_seed()


default_generator = _SharedGenerator()


def check_generator(generator: Any, where: str) -> np.random.Generator | None:
    """The numpy Generator a `generator=` argument (torch's keyword) stands for: a Generator's
    own, a numpy Generator itself, or None; else a TypeError naming `where`."""
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{where}: generator must be a tinygrad_edu.Generator, a "
                        "np.random.Generator (for example np.random.default_rng(0)) or None, "
                        f"got {type(generator).__name__}")
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
