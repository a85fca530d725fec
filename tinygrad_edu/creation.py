"""Tensor factories, as torch's: zeros, ones, full, arange, eye, rand, randn and the *_like
forms."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .device import check_device, check_memory_format
from .dtypes import LEGACY, check_int, fitted, get_default_dtype, to_dtype
from .random import check_generator
from .random import generator as shared_generator
from .shapes import Size, as_tuple, new_shape
from .tensor import Number, Tensor, _other_tensor, _shape_arg


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._from_node(array, None).requires_grad_(requires_grad)


def _float(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else to_dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    check_device(device, "zeros")
    return _make(np.zeros(new_shape(_shape_arg(size), "zeros"), dtype=_float(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    check_device(device, "ones")
    return _make(np.ones(new_shape(_shape_arg(size), "ones"), dtype=_float(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """Filled with `fill_value`; the dtype follows the value when not given (as torch)."""
    check_device(device, "full")
    dtype = _fill_dtype(fill_value) if dtype is None else to_dtype(dtype)
    value = fitted("full", fill_value, dtype)
    shape = new_shape(_shape_arg((size,)), "full")
    return _make(np.full(shape, value, dtype=dtype), requires_grad)


def _fill_dtype(fill_value: Any) -> np.dtype:
    """full's dtype for a fill value, by its kind as torch's (not its precision): bool for a
    bool, int64 for an int, the default float dtype for a float, also from a numpy scalar
    or a 0-d tensor (np.float64(0.5) gives float32)."""
    dtype = Tensor(fill_value).dtype
    kinds = {"b": np.dtype(bool), "i": np.dtype(np.int64), "u": np.dtype(np.int64),
             "f": get_default_dtype()}
    return kinds.get(dtype.kind, dtype)


def _real(op: str, name: str, value: Any) -> int | float:
    """A range argument as a Python number: ints, floats and bools, numpy scalars and 0-d
    tensors count; anything else is a TypeError naming the op and the argument."""
    if isinstance(value, (Tensor, np.ndarray, np.generic)) and np.ndim(value) == 0:
        value = value.item()
    if not isinstance(value, (int, float)):
        raise TypeError(f"{op}: {name} must be a real number or a 0-d tensor, got "
                        f"{type(value).__name__} {value!r}")
    return value


def _steps(op: str, steps: Any) -> int:
    """linspace's and logspace's `steps`: a non-negative int (numpy ints and 0-d int tensors
    count)."""
    if isinstance(steps, Tensor) and steps.ndim == 0 and steps.dtype.kind in "iu":
        steps = steps.item()
    check_int(op, "steps", steps)
    if steps < 0:
        raise ValueError(f"{op}: steps must be non-negative, got {steps}")
    return int(steps)


def arange(*limits: float, start: float | None = None, end: float | None = None,
           step: float | None = None, dtype: Any = None, requires_grad: bool = False,
           device: Any = None) -> Tensor:
    """[start, end) in steps; int64 for integer arguments, float32 otherwise (as torch).

    The values are start + i * step computed in float64, then cast (torch's float64
    values agree to the last bit or one unit in it). numpy's arange drifts: in float32 by
    many steps (arange(1000, 1001, 0.001) ended at 1000.9756 instead of 1000.999), in
    float64 by hundreds of units in the last place (it steps by (start + step) - start).
    """
    check_device(device, "arange")
    start, end, step = _range_limits(limits, start, end, step)
    start, end, step = (_real("arange", name, v)
                        for name, v in zip(("start", "end", "step"), (start, end, step)))
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise ValueError(f"arange: unsupported range: {start} -> {end} (step {step})")
    if dtype is not None and to_dtype(dtype).kind in "iu":      # torch: the limits become
        start, end, step = (math.trunc(v) for v in (start, end, step))   # integers first
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the range from {start} to {end} is inconsistent with the "
                         f"sign of step {step}")
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dtype = to_dtype(np.int64 if integral else get_default_dtype()) if dtype is None else (
        to_dtype(dtype))
    if integral:
        values = np.arange(start, end, step, dtype=np.int64)
    else:
        values = start + np.arange(math.ceil((end - start) / step)) * float(step)
    return _make(values.astype(dtype, copy=False), requires_grad)


def _range_limits(limits: tuple, start: Any, end: Any, step: Any) -> tuple:
    """(start, end, step) from torch's forms arange(end), arange(start, end[, step]) and
    their keywords; end is required."""
    if len(limits) > 3:
        raise TypeError(f"arange: takes at most 3 positional arguments, got {len(limits)}")
    if len(limits) == 1 and end is None:
        limits = (0 if start is None else start, limits[0])    # arange(end)
        start = None
    given = dict(zip(("start", "end", "step"), limits))
    for name, value in (("start", start), ("end", end), ("step", step)):
        if value is not None:
            if name in given:
                raise TypeError(f"arange: got {name} both by position and by keyword")
            given[name] = value
    if "end" not in given:
        raise TypeError("arange: end is required (arange(end) or arange(start, end, step))")
    return given.get("start", 0), given["end"], given.get("step", 1)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """`steps` evenly spaced values from start to end, both included (float32 by default;
    computed in float64, then cast)."""
    check_device(device, "linspace")
    start, end = _real("linspace", "start", start), _real("linspace", "end", end)
    values = np.linspace(start, end, _steps("linspace", steps))
    return _make(values.astype(_float(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """A new tensor to be filled in. torch leaves its values uninitialised; here they are
    zeros, so nothing left over in memory shows up in a lesson."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False,
        device: Any = None) -> Tensor:
    check_device(device, "eye")
    n, m = new_shape((n, n if m is None else m), "eye")
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """Uniform on [0, 1), from `generator` when given (tg.Generator or numpy's)."""
    check_device(device, "rand")
    dtype = _float(dtype)
    rng = check_generator(generator, "rand") or shared_generator()
    drawn = rng.random(new_shape(_shape_arg(size), "rand"), dtype=_drawable(dtype, "rand"))
    drawn = drawn.astype(dtype, copy=False)
    if dtype == np.float16:                  # (rounding to float16 can reach 1.0)
        drawn = np.minimum(drawn, np.nextafter(np.float16(1), np.float16(0)))
    return _make(drawn, requires_grad)


def randn(*size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Standard normal, from `generator` when given (tg.Generator or numpy's)."""
    check_device(device, "randn")
    dtype = _float(dtype)
    rng = check_generator(generator, "randn") or shared_generator()
    drawn = rng.standard_normal(new_shape(_shape_arg(size), "randn"),
                                dtype=_drawable(dtype, "randn"))
    return _make(drawn.astype(dtype, copy=False), requires_grad)


def _drawable(dtype: np.dtype, op: str) -> np.dtype:
    """numpy draws float32 and float64 only: float16 is drawn as float32, then rounded.
    An integer or bool dtype is a TypeError, as in torch."""
    if dtype.kind != "f":
        raise TypeError(f"{op}: dtype must be a floating point dtype, got {dtype} (randint "
                        "draws integers; bernoulli draws 0s and 1s)")
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def _like(factory, random: bool = False):
    """`zeros_like(input)` and the like: the factory with input's shape, and input's dtype
    unless `dtype` is given; the random ones also take a `generator`."""
    name = f"{factory.__name__}_like"

    def like(input: Tensor, dtype: Any = None, requires_grad: bool = False,
             device: Any = None, memory_format: Any = None, *, generator: Any = None) -> Tensor:
        check_memory_format(memory_format, name)                      # (one layout here)
        if not isinstance(input, np.ndarray):   # (an array, such as p.grad.data, is fine)
            _other_tensor(input, "input", name)
        if generator is not None and not random:
            raise TypeError(f"{name}: got an unexpected keyword argument 'generator'")
        draws_from = {"generator": generator} if random else {}
        return factory(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                       device=device, **draws_from)
    like.__name__ = like.__qualname__ = name
    like.__doc__ = (f"`{factory.__name__}(*input.shape)` in input's dtype unless `dtype` is "
                    "given.")
    return like


zeros_like, ones_like = _like(zeros), _like(ones)
randn_like, rand_like = _like(randn, random=True), _like(rand, random=True)


def full_like(input: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False,
              device: Any = None, memory_format: Any = None) -> Tensor:
    check_memory_format(memory_format, "full_like")
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                requires_grad=requires_grad, device=device)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False,
           device: Any = None) -> Tensor:
    """`torch.tensor`: the same as `Tensor(...)`."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """Wrap an ndarray without copying (dtype kept; a view, so two wraps are told apart as
    two tensors, see `Tensor.detach`). Numbers and bools only, as Tensor()."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__} (use "
                        "tg.tensor for lists and numbers)")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"from_numpy: cannot wrap an array of numpy dtype {array.dtype}; "
                        "expected floats, integers or bools")
    if not array.dtype.isnative:
        raise TypeError(f"from_numpy: the array's byte order ({array.dtype.str}) is not this "
                        "machine's; convert it first: array.astype(array.dtype.newbyteorder('='))")
    return Tensor._from_node(np.asarray(array).view(), None)     # (np.matrix: a plain array)


# ---------------------------------------------------------------- Tensor.new_* (torch's)
def _new(factory):
    """`x.new_zeros(*size)` and the like: the factory with x's dtype unless `dtype` is given."""
    def method(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None, **keyword: Any) -> Tensor:
        if set(keyword) - {"size"} or (size and keyword):
            raise TypeError(f"new_{factory.__name__}: give the size once, as sizes or size=; "
                            f"got {size} and {keyword}")
        if not size and not keyword:
            raise TypeError(f"new_{factory.__name__}: missing the size (x.new_{factory.__name__}"
                            "(2, 3))")
        return factory(*(size or (keyword["size"],)), dtype=dtype or self.dtype,
                       requires_grad=requires_grad, device=device)
    method.__name__ = f"new_{factory.__name__}"
    method.__doc__ = (f"`{factory.__name__}(*size)` with this tensor's dtype unless `dtype` "
                      "is given.")
    return method


def new_full(self: Tensor, size: Any, fill_value: float, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """`full(size, fill_value)` with this tensor's dtype unless `dtype` is given."""
    return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad,
                device=device)


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number s, in the default float dtype unless `dtype` is
    given (also for an int or bool s, as torch: scalar_tensor(3) is tensor(3.))."""
    if isinstance(s, Tensor) and s.numel() == 1:
        s = s.item()
    if not isinstance(s, Number):
        raise TypeError(f"scalar_tensor: s must be a number, got {type(s).__name__}")
    return full((), s, dtype=get_default_dtype() if dtype is None else dtype,
                requires_grad=requires_grad, device=device)


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None,
                  device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor of shape `size`, as `empty` (zeros here). The stride is checked (one
    non-negative int per dim) but not kept: the tensor has numpy's row-major layout, so
    its stride() is that of a contiguous tensor."""
    size, stride = tuple(as_tuple(size)), tuple(as_tuple(stride))
    for name, values in (("size", size), ("stride", stride)):
        for value in values:
            check_int("empty_strided", name, value)
    if len(size) != len(stride):
        raise ValueError(f"empty_strided: size {size} and stride {stride} must have as many "
                         "dims")
    if min(size + stride, default=0) < 0:
        raise ValueError(f"empty_strided: sizes and strides must be non-negative, got size "
                         f"{size} and stride {stride}")
    return empty(size, dtype=dtype, requires_grad=requires_grad, device=device)


def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """A copy of `data` with this tensor's dtype unless `dtype` is given (a leaf, as torch)."""
    data = data.data if isinstance(data, Tensor) else data
    return Tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad, device=device)


def new(self: Tensor, *args: Any) -> Tensor:
    """torch's legacy x.new(...): data (a list or a tensor) as a tensor of x's dtype, sizes
    (or a shape tuple: x.new(x.shape), since .shape is a tuple here) as one of zeros
    (torch's is uninitialized), nothing as an empty one. (torch reads a tuple of
    numbers as data: write a list for that.)"""
    if not _sizes_given(args, tuple):
        return new_tensor(self, args[0])
    return zeros(*(args or (0,)), dtype=self.dtype)


for _factory in (zeros, ones, empty):
    setattr(Tensor, f"new_{_factory.__name__}", _new(_factory))
Tensor.new_full, Tensor.new_tensor, Tensor.new = new_full, new_tensor, new


def _sizes_given(args: tuple, shape_type: type = Size) -> bool:
    """Whether the arguments of torch's legacy constructors are sizes, not data: ints, one
    `shape_type` (a Size, as x.size(); a tuple of ints is data there, as in torch), or
    nothing."""
    return len(args) != 1 or isinstance(args[0], (int, np.integer, shape_type))


def _legacy(name: str, dtype: np.dtype):
    """torch's legacy typed constructors (torch.LongTensor([1, 2]), torch.FloatTensor(2, 3)):
    data gives a tensor of that dtype, ints or a Size (FloatTensor(x.size())) a zero-filled
    tensor of that shape, nothing an empty one. x.type(tg.LongTensor) reads the dtype."""
    def make(*args: Any) -> Tensor:
        if not _sizes_given(args):
            return Tensor(args[0], dtype=dtype)
        return zeros(*(args or (0,)), dtype=dtype)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"torch.{name}: data as {dtype.name}, or zeros of a shape (legacy)."
    make.legacy_dtype = dtype
    return make


(FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,
 ByteTensor, BoolTensor) = (_legacy(name, dtype) for name, dtype in LEGACY.items())
