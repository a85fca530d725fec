"""More of torch's shape functions: narrow, select, ravel, diff, movedim (moveaxis),
swapdims, swapaxes, tile, repeat_interleave, reshape_as, unflatten, flipud, fliplr,
rot90, and the questions about
memory layout and dtype (stride, is_contiguous, element_size, ...). The functions of
several tensors (hstack, tensor_split, meshgrid, ...) are in joining.py.

All are composed from the movement primitives (GetItem, Reshape, Permute, Expand),
whose VJPs put each gradient back where its element came from: none has a backward of
its own, and second derivatives come for free. Each function is also a Tensor method
where torch has one, attached at the bottom of the file.
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from . import versions
from .composed import _slice_along, clone, flip, swapped
from .composed import cat as concatenate
from .device import channels_last, channels_last_3d, check_memory_format, contiguous_format
from .dtypes import check_int
from .selection import index_select, repeat
from .shapes import as_tuple, new_shape
from .tensor import (Tensor, _axis, _infer_shape, _integer, _other_tensor, _shape_arg,
                     _tensor)
from .unfold import unfold as image_unfold


def _dims(x: Tensor, dims: int | Sequence[int], op: str) -> tuple:
    """An int or a sequence of dims as non-negative axes, in the order given."""
    return tuple(_axis(x, d, op) for d in as_tuple(dims))


def narrow(input: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """input[..., start:start + length] along `dim` (a view, as torch). A negative start
    counts from the end; start may be a 0-d integer tensor. Gradient: g in that slice."""
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError("narrow: cannot be applied to a 0-d tensor")
    dim = _axis(x, dim, "narrow")
    n, start = x.shape[dim], operator.index(start)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dimension {dim} of "
                         f"size {n} (expected {-n} <= start <= {n})")
    start = start + n if start < 0 else start
    if length < 0:
        raise ValueError(f"narrow: length must be non-negative, got {length}")
    if start + length > n:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds the size {n} "
                         f"of dimension {dim} (input shape {x.shape})")
    return _slice_along(x, dim, start, start + length)


def movedim(input: Tensor, source: int | Sequence[int],
            destination: int | Sequence[int]) -> Tensor:
    """The dims `source` moved to the positions `destination`; the other dims keep their
    order (a permute). `moveaxis` is the same function."""
    x = _tensor(input)
    src, dst = _dims(x, source, "movedim"), _dims(x, destination, "movedim")
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} must name as many dims")
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise ValueError(f"movedim: repeated dim in {name} {dims}")
    if x.ndim == 0:
        return x.reshape(())
    rest = iter(d for d in range(x.ndim) if d not in src)
    order = dict(zip(dst, src))
    return x.permute(*[order[i] if i in order else next(rest) for i in range(x.ndim)])


moveaxis = movedim


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (torch's alias of transpose)."""
    return swapped(_tensor(input), dim0, dim1, "swapdims")


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Swap two dims (torch's alias of transpose)."""
    return swapped(_tensor(input), axis0, axis1, "swapaxes")


def tile(input: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """input repeated dims[d] times along each dim d; fewer dims than input has are padded
    with 1s in front (tile(x, (2,)) on a matrix repeats its columns), more add leading
    dims. `repeat` does the work: the gradient sums the copies."""
    if not args and dims is None:
        raise TypeError("tile: missing dims, the repetitions per dim (tile(x, (2, 1)))")
    x = _tensor(input)
    dims = tuple(_integer(d, "each dim", "tile") for d in _shape_arg(args, dims, "tile", "dims"))
    if any(d < 0 for d in dims):
        raise ValueError(f"tile: dims must be non-negative, got {dims}")
    sizes = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, sizes) if sizes else clone(x)


def repeat_interleave(input: Tensor, repeats: int | Tensor | None = None,
                      dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Each slice along `dim` repeated in place: [a, b] with repeats 2 -> [a, a, b, b].

    repeats is an int or an integer tensor of one count per slice (or one count for all);
    dim=None flattens input first. `output_size`, if given, must be the total. With no
    repeats, `repeat_interleave(r)` repeats each index i r[i] times (torch's form).
    An integer-array index_select: the gradient of a slice sums its copies.
    """
    if repeats is None:
        counts = _repeat_counts(_tensor(input), None, "repeat_interleave")
        return Tensor._from_node(np.repeat(np.arange(counts.size), counts), None)
    x = _tensor(input)
    if dim is None:
        x, dim = x.reshape(-1), 0
    elif x.ndim == 0:
        raise IndexError("repeat_interleave: a 0-d tensor has no dimension to repeat along "
                         "(leave dim=None)")
    dim = _axis(x, dim, "repeat_interleave")
    counts = _repeat_counts(repeats, x.shape[dim], "repeat_interleave")
    if output_size is not None and output_size != counts.sum():
        raise ValueError(f"repeat_interleave: output_size={output_size} but the repeats add "
                         f"up to {counts.sum()}")
    return index_select(x, dim, np.repeat(np.arange(x.shape[dim]), counts))


def _repeat_counts(repeats: Any, n: int | None, op: str) -> np.ndarray:
    """repeats as n non-negative counts (one int or one element is used n times)."""
    counts = repeats.data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"{op}: repeats must be an int or an integer tensor, got dtype "
                        f"{counts.dtype}")
    if counts.ndim > 1:
        raise ValueError(f"{op}: repeats must be 0-d or 1-D, got shape {counts.shape}")
    if n is not None and counts.size == 1:
        counts = np.full(n, counts.reshape(()))
    elif n is not None and counts.size != n:
        raise ValueError(f"{op}: {counts.size} repeats for a dimension of size {n}")
    if (counts < 0).any():
        raise ValueError(f"{op}: repeats must be non-negative, got {counts.tolist()}")
    return counts.reshape(-1)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """input reshaped to other's shape."""
    return _tensor(input).reshape(*_other_tensor(other, "other", "reshape_as").shape)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dim `dim` split into several of `sizes` (one may be -1), whose product is its size."""
    x, sizes = _tensor(input), tuple(sizes)
    if x.ndim == 0:
        raise ValueError("unflatten: a 0-d tensor has no dimension to unflatten")
    dim = _axis(x, dim, "unflatten")
    if not sizes:
        raise ValueError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, (x.shape[dim],), "unflatten")
    except ValueError:
        raise ValueError(f"unflatten: sizes {sizes} do not multiply up to the size "
                         f"{x.shape[dim]} of dimension {dim} (input shape {x.shape})") from None
    return x.reshape(*x.shape[:dim], *sizes, *x.shape[dim + 1:])


# ---------------------------------------------------------------- flips and rotations
def flipud(input: Tensor) -> Tensor:
    """Reversed along dim 0 (up/down); needs at least 1 dim."""
    x = _tensor(input)
    if x.ndim < 1:
        raise ValueError(f"flipud: input must be at least 1-D, got shape {x.shape}")
    return flip(x, 0)


def fliplr(input: Tensor) -> Tensor:
    """Reversed along dim 1 (left/right); needs at least 2 dims."""
    x = _tensor(input)
    if x.ndim < 2:
        raise ValueError(f"fliplr: input must be at least 2-D, got shape {x.shape}")
    return flip(x, 1)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotated by k quarter turns in the plane of `dims`, from the first dim towards the
    second (k=1 on a matrix: counter-clockwise, as numpy). A flip and a transpose; k=2
    flips both dims."""
    x, dims = _tensor(input), tuple(dims)
    if len(dims) != 2:
        raise ValueError(f"rot90: expected 2 rotation dims, got dims={dims}")
    if x.ndim < 2:
        raise ValueError(f"rot90: expected at least 2 dimensions, got shape {x.shape}")
    d0, d1 = _dims(x, dims, "rot90")
    if d0 == d1:
        raise ValueError(f"rot90: the rotation dims must differ, got dims={dims}")
    check_int("rot90", "k", k)
    k %= 4
    if k == 0:
        return clone(x)
    if k == 2:
        return flip(x, (d0, d1))
    return swapped(flip(x, d1 if k == 1 else d0), d0, d1, "rot90")


# ---------------------------------------------------------------- layout and dtype
def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum down to `size` (ints or one tuple), a shape that broadcasts to self's: the
    gradient of a broadcast, undone (torch's name for Tensor.sum_to)."""
    shape = new_shape(_shape_arg(size), "sum_to_size")
    if len(shape) > self.ndim or any(n not in (1, m) for n, m in zip(shape[::-1],
                                                                      self.shape[::-1])):
        raise ValueError(f"sum_to_size: size {shape} does not broadcast to the tensor's shape "
                         f"{self.shape} (each size must be 1 or the tensor's, from the right)")
    return self.sum_to(shape)


def get_device(self: Tensor) -> int:
    """-1, torch's number for the CPU (the only device here)."""
    return -1


def is_contiguous(self: Tensor, memory_format: Any = contiguous_format) -> bool:
    """Whether the elements lie in memory in row-major order without gaps (numpy's layout,
    which op results take here: see README); with memory_format=channels_last (4-d) or
    channels_last_3d (5-d), whether they lie in the order N, H, W, C (..., C)."""
    check_memory_format(memory_format, "is_contiguous")
    data = self.data
    if (memory_format is channels_last and data.ndim == 4
            or memory_format is channels_last_3d and data.ndim == 5):
        data = np.moveaxis(data, 1, -1)
    return bool(data.flags.c_contiguous)


def is_floating_point(input: Tensor) -> bool:
    """Whether the dtype is a float type (float32, float64, ...)."""
    return _tensor(input).dtype.kind == "f"


def is_signed(input: Tensor) -> bool:
    """Whether the dtype holds negative numbers (every float and int type, not uint8 or
    bool)."""
    return _tensor(input).dtype.kind in "fi"


def is_complex(input: Tensor) -> bool:
    """Whether the dtype is complex: never here (complex dtypes are not supported)."""
    return _tensor(input).dtype.kind == "c"


def nelement(self: Tensor) -> int:
    """The number of elements (numel)."""
    return self.numel()


def element_size(self: Tensor) -> int:
    """Bytes per element (4 for float32)."""
    return self.data.itemsize


def stride(self: Tensor, dim: int | None = None) -> tuple | int:
    """Steps in memory between neighbours along each dim, in elements as torch (numpy's
    strides are in bytes); 0 along an expanded dim. The layout is numpy's (see
    is_contiguous), so a result's strides can differ from torch's."""
    strides = tuple(s // self.data.itemsize for s in self.data.strides)
    if dim is None:
        return strides
    if self.ndim == 0:
        raise IndexError(f"stride: a 0-d tensor has no dimension {dim}")
    return strides[_axis(self, dim, "stride")]


def storage(self: Tensor) -> Tensor:
    """The memory the tensor's elements live in, as a 1-D tensor over it (no copy): a view
    (x.view(...), x.T, x[1:]) shows the same storage as its base, with storage_offset()
    and stride() saying where its elements are (torch's TypedStorage; here a Tensor)."""
    memory = versions.owner(self.data)
    if not (memory.flags.c_contiguous or memory.flags.f_contiguous):
        memory = self.data                          # (a strided array numpy did not copy)
    return Tensor._from_node(memory.reshape(-1, order="A"), None)


def storage_offset(self: Tensor) -> int:
    """Where the first element is in storage(), in elements."""
    start = versions.owner(self.data).__array_interface__["data"][0]
    return (self.data.__array_interface__["data"][0] - start) // self.data.itemsize


def _positions(shape: tuple, steps: tuple, start: int) -> np.ndarray:
    """start + sum_k i_k steps[k] for every index (i_0, ...) of `shape`: where each element
    of a strided layout lies in memory (in elements)."""
    where = np.full(shape, start, dtype=np.int64)
    for axis, (n, step) in enumerate(zip(shape, steps)):
        where += np.arange(n, dtype=np.int64).reshape((n,) + (1,) * (len(shape) - axis - 1)) * step
    return where


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int],
               storage_offset: int | None = None) -> Tensor:
    """torch.as_strided: the tensor of shape `size` whose element (j_0, j_1, ...) is the
    element of the input's storage() at storage_offset + sum_k j_k stride[k] (the input's
    own storage_offset() by default). Sliding windows and im2col are as_strided of an
    image: x.as_strided((L - 2, 3), (1, 1)) holds the windows of 3 of a 1-D x.

    A gather of the input's elements, so an element read several times adds up its
    gradients; a storage element outside the input (elsewhere in its base) is read as a
    constant, as torch (no gradient reaches the input from it). Where several elements of
    the input share memory (an expanded tensor), the gradient goes to the first of them
    (torch splits it among them; the sum through expand is the same). A copy here: torch
    returns a view that writes through to the storage."""
    op = "as_strided"
    x = _tensor(input)
    size, stride = tuple(as_tuple(size)), tuple(as_tuple(stride))
    for name, values in (("size", size), ("stride", stride)):
        for value in values:
            check_int(op, name, value)
    if len(size) != len(stride) or min(size + stride, default=0) < 0:
        raise ValueError(f"{op}: expected as many sizes as strides, none negative, got size "
                         f"{size} and stride {stride}")
    start = x.storage_offset() if storage_offset is None else storage_offset
    check_int(op, "storage_offset", start)
    memory = storage(x).data
    where = _positions(size, stride, start)
    if where.size and (start < 0 or where.max() >= memory.size):
        raise ValueError(f"{op}: size {size}, stride {stride} and storage_offset {start} "
                         f"reach element {where.max()} of a storage of {memory.size} elements "
                         f"(the input {x.shape}'s base)")
    own = _positions(x.shape, x.stride(), x.storage_offset()).reshape(-1)
    cells, first = np.unique(own, return_index=True)    # x's first element at each cell
    element = np.full(memory.size, -1, dtype=np.int64)
    element[cells] = first
    taken = element[where]
    out = x.reshape(-1)[np.maximum(taken, 0)]
    if (taken < 0).any():                                 # cells outside x: constants
        out = out.where(taken >= 0, Tensor._from_node(memory[where], None))
    return out


def sliding_windows(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold (torch's name; not F.unfold of images): the windows of `size`
    elements every `step` along `dimension`, in a new last dim of length size; dimension
    becomes the number of windows (L - size) // step + 1. A gather, so overlapping windows
    add their gradients. (A copy here; torch returns a view.)"""
    x = _tensor(input)
    d = _axis(x, dimension, "unfold")
    length = x.shape[d] if x.ndim else 1
    for name, value in (("size", size), ("step", step)):
        check_int("unfold", name, value)
    if step < 1 or size < 0 or size > length:
        raise ValueError(f"unfold: size {size} and step {step} do not fit dimension {dimension} "
                         f"of length {length} (need 0 <= size <= length, step >= 1)")
    if x.ndim == 0:                                    # torch: one window of the scalar
        return x.reshape(1)[:size]
    if size and step == size:                  # tiling windows (ViT's patches): a reshape
        count = length // size
        rows = x.movedim(d, -1)[..., :count * size]
        return rows.reshape(*rows.shape[:-1], count, size).movedim(-2, d)
    if size and x.numel() and x.dtype.kind == "f":
        # im2col of a one-row image (F.unfold): one strided copy, and col2im's strided adds
        # for the gradient; 5x faster than the gather below (whose VJP scatter-adds)
        rows = x.movedim(d, -1)
        columns = image_unfold(rows.reshape(-1, 1, 1, length), (1, size), stride=(1, step))
        return columns.transpose(1, 2).reshape(*rows.shape[:-1], -1, size).movedim(-2, d)
    starts = np.arange(0, length - size + 1, step)
    index = (slice(None),) * d + (starts[:, None] + np.arange(size),)
    return x[index].movedim(d + 1, -1)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """input[..., index, ...] with the index at `dim` (that dim removed), as torch.select."""
    x = _tensor(input)
    if x.ndim == 0:
        raise IndexError("select: cannot be applied to a 0-d tensor")
    d = _axis(x, dim, "select")
    n = x.shape[d]
    if isinstance(index, Tensor) and index.ndim == 0 and index.dtype.kind in "iu":
        index = index.item()
    if not isinstance(index, (int, np.integer)):
        raise TypeError(f"select: index must be an int, got {type(index).__name__}")
    if not -n <= index < n:
        raise IndexError(f"select: index {index!r} is out of range for dimension {d} of size "
                         f"{n} (input shape {x.shape})")
    return x[(slice(None),) * d + (int(index),)]


def ravel(input: Tensor) -> Tensor:
    """All elements in one row-major 1-D tensor (reshape(-1))."""
    return _tensor(input).reshape(-1)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along `dim`: out[i] = x[i + 1] - x[i], n times, after
    joining prepend and append to x along dim (torch.diff). Bools give x[i + 1] != x[i]."""
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError("diff: expected at least a 1-D tensor, got a 0-d one")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    d = _axis(x, dim, "diff")
    if n == 0:                                           # (torch and numpy: input as it is)
        return x
    parts = [_along_dim(t, x, d) for t in (prepend, x, append) if t is not None]
    x = parts[0] if len(parts) == 1 else concatenate(parts, d)
    lead = (slice(None),) * d
    for _ in range(n):
        later, earlier = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        x = later != earlier if x.dtype == np.bool_ else later - earlier
    return x


def _along_dim(t: Any, x: Tensor, d: int) -> Tensor:
    """prepend/append for diff: a number becomes x's shape with size 1 at d; a tensor
    must have x's shape but along d."""
    t = _tensor(t)
    if t.ndim == 0:
        return t.expand(*(1 if i == d else n for i, n in enumerate(x.shape)))
    if t.ndim != x.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, x.shape))
                               if i != d):
        raise ValueError(f"diff: prepend/append of shape {t.shape} must match the input's "
                         f"shape {x.shape} except along dim {d}")
    return t


def resize_(self: Tensor, *sizes: Any) -> Tensor:
    """torch's x.resize_(*sizes): x takes that shape; the elements that fit keep their values
    in order, new ones are zeros (torch leaves them uninitialized). Not for a tensor that
    requires grad (as torch)."""
    shape = _shape_arg(sizes)
    if self.requires_grad:
        raise RuntimeError("resize_: cannot resize a tensor that requires grad (as torch)")
    old = self.data
    if int(np.prod(shape)) == old.size and old.flags.c_contiguous:
        resized = old.reshape(shape)                  # the same memory: views still see x
    else:
        flat, resized = old.ravel(), np.zeros(shape, self.dtype)
        count = min(flat.size, resized.size)
        resized.reshape(-1)[:count] = flat[:count]
    self.data = resized
    versions.carry_version(old, resized)              # one change more in x._version
    return self


def resize_as_(self: Tensor, other: Tensor) -> Tensor:
    """x.resize_(*other.shape)."""
    return resize_(self, *_tensor(other).shape)


def ndimension(self: Tensor) -> int:
    """The number of dimensions (torch's old name for dim())."""
    return self.ndim


def signbit(input: Tensor) -> Tensor:
    """Whether the sign bit is set (True for -0.0 and -inf); no gradient."""
    return Tensor._from_node(np.signbit(_tensor(input).data), None)


def is_nonzero(input: Tensor) -> bool:
    """Whether the one element of input is nonzero (nan counts as nonzero), as bool(x);
    a tensor of no or several elements is an error, as torch."""
    x = _tensor(input)
    if x.numel() != 1:
        amount = "no values" if x.numel() == 0 else "more than one value"
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {amount} is ambiguous "
                           f"(shape {x.shape})")
    return bool(x.data.reshape(()))


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have the same shape (their dtypes may differ)."""
    return _tensor(input).shape == _other_tensor(other, "other", "is_same_size").shape


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """narrow(input, dim, start, length) as a new tensor (not a view). Gradient: g in that
    slice."""
    try:
        return clone(narrow(input, dim, start, length))
    except (IndexError, ValueError, TypeError) as error:
        raise type(error)(f"narrow_copy: {error}") from None


METHODS = [narrow, select, ravel, diff, movedim, swapdims, tile, repeat_interleave, reshape_as,
           unflatten, flipud, fliplr, rot90, is_contiguous, is_floating_point, is_signed,
           is_complex, nelement,
           element_size, stride, storage, storage_offset, resize_, resize_as_, ndimension,
           signbit, as_strided, is_nonzero, is_same_size, narrow_copy, sum_to_size, get_device]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
Tensor.moveaxis = movedim
Tensor.itemsize = property(element_size, doc="Bytes per element.")
Tensor.nbytes = property(lambda self: self.data.nbytes, doc="Bytes of all the elements.")
Tensor.is_cuda = property(lambda self: False, doc="Always False: CPU only.")
Tensor.is_cpu = property(lambda self: True, doc="Always True: CPU only.")
Tensor.unfold = sliding_windows
