"""Write a tensor into a copy of another, at a view of it: select_scatter, slice_scatter,
diagonal_scatter. Each is the out-of-place form of a write through a view,

    select_scatter(x, src, dim, i)          out = x.clone(); out.select(dim, i)[...] = src
    slice_scatter(x, src, dim, a, b, s)     out = x.clone(); out[..., a:b:s, ...] = src
    diagonal_scatter(x, src, k, d1, d2)     out = x.clone(); out.diagonal(k, d1, d2)[...] = src

so src must have the view's shape (it is cast to x's dtype, as torch).

Which elements of x does a view read? The view of a tensor holding each element's own
flat position, arange(x.numel()).reshape(x.shape), answers it: select, slicing and
diagonal do the work, with their own checks. `put` then writes src at those positions, so
the gradient is put's: src gets g read back at the view, x gets g with zeros where src
was written (its values there were overwritten). No backward of its own; second
derivatives come for free. Each is also a Tensor method (bottom of the file).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .dtypes import check_int
from .indexed import diagonal, put
from .shape_more import select
from .tensor import Tensor, _axis, _tensor


def _written_at_view(op: str, input: Any, src: Any, view: Callable[[Tensor], Tensor]
                     ) -> Tensor:
    """A copy of input with src written at the elements `view(input)` reads."""
    x, source = _tensor(input), _tensor(src)
    try:
        positions = view(Tensor(np.arange(x.numel()).reshape(x.shape)))
    except (IndexError, ValueError, TypeError) as error:
        raise type(error)(f"{op}: {error}") from None
    if source.shape != positions.shape:
        raise ValueError(f"{op}: src must have the shape {positions.shape} of the view it "
                         f"replaces (input shape {x.shape}), got {source.shape}")
    return put(x, positions, source.to(x.dtype))


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input with its slice `index` along `dim` replaced by src (of the slice's
    shape: input's without dim). Gradient: src gets that slice of g, input the rest."""
    return _written_at_view("select_scatter", input, src, lambda t: select(t, dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of input with input[..., start:end:step, ...] (along `dim`) replaced by src.
    start and end follow Python's slicing (None: the ends, negative: from the end,
    beyond the size: clamped); step must be positive, as torch."""
    x = _tensor(input)
    if x.ndim == 0:
        raise IndexError("slice_scatter: slice() cannot be applied to a 0-d tensor")
    d = _axis(x, dim, "slice_scatter")
    for name, value in (("start", start), ("end", end), ("step", step)):
        if value is not None:
            check_int("slice_scatter", name, value)
    if step <= 0:
        raise ValueError(f"slice_scatter: slice step must be positive, got {step}")
    at = (slice(None),) * d + (slice(start, end, step),)
    return _written_at_view("slice_scatter", x, src, lambda t: t[at])


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of input with the diagonal (i, i + offset) of the matrices in dims (dim1,
    dim2) replaced by src, shaped as input.diagonal(offset, dim1, dim2): input's other
    dims, then the diagonal's length. Gradient: src gets g's diagonal, input the rest."""
    return _written_at_view("diagonal_scatter", input, src,
                            lambda t: diagonal(t, offset, dim1, dim2))


METHODS = [select_scatter, slice_scatter, diagonal_scatter]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
