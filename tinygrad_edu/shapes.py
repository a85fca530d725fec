"""Shape arithmetic in plain Python (numpy's helpers cost microseconds per call on small tuples)."""
from __future__ import annotations

import operator
from functools import lru_cache
from typing import Any

import numpy as np


class Size(tuple):
    """A shape, as `torch.Size`: a tuple of ints with `numel()`; slices, `+` and `*` give
    Sizes. (`x.size()` is one; `x.shape` stays numpy's plain tuple.)"""

    def __new__(cls, sizes: Any = ()) -> Size:
        sizes = tuple(sizes)
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes):
            raise TypeError(f"Size: expected a sequence of ints, got {sizes!r}")
        return super().__new__(cls, (int(n) for n in sizes))

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: tuple) -> Size:
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: tuple) -> Size:
        return Size(tuple(other) + tuple(self))

    def __mul__(self, times: int) -> Size:
        return Size(tuple(self) * times)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"tinygrad_edu.Size({list(self)})"


def as_tuple(value: Any) -> tuple:
    """A sequence of dims or sizes as a tuple; one (an int, a numpy int, a 0-d tensor) as
    a 1-tuple."""
    return tuple(value) if isinstance(value, (tuple, list, range)) else (value,)


def new_shape(shape: Any, op: str) -> tuple:
    """The shape of a tensor to be made: non-negative integers (0-d integer tensors and
    numpy integers count; bools and tensors of sizes do not, as in torch), else a clear
    error, as torch's "negative dimension" one."""
    shape = tuple(shape)
    sizes = tuple(_size(n) for n in shape)
    if None in sizes:
        hint = ("; for a tensor t of sizes, pass tuple(t.tolist())"
                if any(getattr(n, "ndim", 0) for n in shape) else "")
        raise TypeError(f"{op}: a size must be a sequence of ints, got {shape!r}{hint}")
    if any(n < 0 for n in sizes):
        raise ValueError(f"{op}: cannot make a tensor with a negative dimension: {sizes}")
    return sizes


def _size(n: Any) -> int | None:
    """n as one size (an int, a numpy int, a 0-d integer tensor), or None for anything else."""
    if isinstance(n, bool) or getattr(n, "ndim", 0) != 0:
        return None
    try:
        return operator.index(n)
    except TypeError:
        return None


@lru_cache(maxsize=4096)
def broadcast_shapes(*shapes: tuple) -> tuple:
    """The shape numpy broadcasting gives `shapes`; ValueError when they do not broadcast.

    Aligned from the right, each axis must be equal across shapes or 1.
    Cached: a model asks for the same few pairs on every step (bias adds, gradients summed
    back to a parameter's shape), and a hit costs 0.1 us against 1.5 us for the loops.
    """
    ndim = max(map(len, shapes))
    result = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape, ndim - len(shape)):
            if n != result[i]:
                if result[i] != 1 and n != 1:
                    raise ValueError(f"shapes {shapes} do not broadcast")
                if n != 1:
                    result[i] = n
    return tuple(result)


def broadcast_pair(op: str, a: tuple, b: tuple) -> tuple:
    """broadcast_shapes(a, b) of two operands' shapes, or a ValueError naming `op` and both."""
    try:
        return broadcast_shapes(a, b)
    except ValueError:
        raise ValueError(f"{op}: shapes {a} and {b} cannot be broadcast together") from None


_SEQUENCE = {1: "a tuple of one int", 2: "a pair of ints", 3: "a tuple of three ints"}


def int_tuple(value: Any, n: int, name: str, op: str, minimum: int) -> tuple:
    """An int or a sequence of n ints (kernel_size, stride, ... of n spatial axes) as an
    n-tuple.

    Raises TypeError naming `op` and `name` for anything else, ValueError when an entry is
    below `minimum` (1: must be positive, 0: must be non-negative).
    """
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                   for v in values):
        raise TypeError(f"{op}: {name} must be an int or {_SEQUENCE[n]}, got {value!r}")
    values = tuple(int(v) for v in values)
    if min(values) < minimum:
        rule = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {rule}, got {value!r}")
    return values


def int_pair(value: Any, name: str, op: str, minimum: int) -> tuple:
    """int_tuple for the (rows, columns) of an image."""
    return int_tuple(value, 2, name, op, minimum)
