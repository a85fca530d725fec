"""Shape arithmetic in plain Python (numpy's helpers cost microseconds per call on small tuples)."""
from __future__ import annotations


def broadcast_shapes(*shapes: tuple) -> tuple:
    """The shape numpy broadcasting gives `shapes`; ValueError when they do not broadcast.

    Aligned from the right, each axis must be equal across shapes or 1.
    """
    ndim = max(len(s) for s in shapes)
    result = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape, ndim - len(shape)):
            if n != result[i]:
                if result[i] != 1 and n != 1:
                    raise ValueError(f"shapes {shapes} do not broadcast")
                if n != 1:
                    result[i] = n
    return tuple(result)
