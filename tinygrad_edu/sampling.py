"""Random sampling and the remaining creation functions, as torch's: randint, randint_like,
randperm, multinomial, bernoulli, normal, empty_like, as_tensor, asarray, logspace, seed.

Every draw comes from the shared generator of random.py (so `manual_seed(n)` repeats
it), or from `generator=`, torch's keyword, which takes a numpy np.random.Generator
here. No gradient flows through sampling: the samples are new leaves (torch records
bernoulli and normal with a zero gradient; here their results do not require grad).
"""
from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from . import random
from .creation import _like, _make, _real, _steps, empty, linspace
from .device import check_device, check_memory_format
from .dtypes import get_default_dtype, to_dtype
from .shapes import broadcast_shapes, new_shape
from .binning import insertion_points
from .tensor import Tensor, _integer, _shape_arg, _tensor


def _rng(generator: Any, op: str) -> np.random.Generator:
    """`generator` when given (checked), else the shared one manual_seed fixes."""
    return random.check_generator(generator, op) or random.generator()


def _bounds(op: str, numbers: tuple, low: Any, high: Any) -> tuple[int, int]:
    """torch's (low=0, high) from `f(high)`, `f(low, high)` and the keywords."""
    numbers = list(numbers)
    if high is None and numbers:
        high = numbers.pop()
    if low is None and numbers:
        low = numbers.pop()
    low = 0 if low is None else low
    if numbers or high is None:
        raise TypeError(f"{op}: expected the bounds as (high) or (low, high), positional or "
                        "as keywords")
    for name, value in (("low", low), ("high", high)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if low >= high:
        raise ValueError(f"{op}: expects low < high, got low={low} >= high={high}")
    return int(low), int(high)


def _integers(op: str, low: int, high: int, shape: tuple, dtype: np.dtype,
              generator: Any) -> np.ndarray:
    """Uniform integers in [low, high) as `dtype` (they must fit in it)."""
    if dtype.kind in "iub":
        least, most = (0, 1) if dtype.kind == "b" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        if low < least or high - 1 > most:
            raise ValueError(f"{op}: the range [{low}, {high}) does not fit in {dtype}")
    return _rng(generator, op).integers(low, high, shape, dtype=np.int64).astype(dtype)


def randint(*args: Any, low: int | None = None, high: int | None = None, size: Any = None,
            generator: Any = None, dtype: Any = None, requires_grad: bool = False,
            device: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high) (low = 0 unless given), int64 unless
    `dtype` says otherwise: randint(10, (2, 3)), randint(3, 10, (2, 3)), or keywords."""
    check_device(device, "randint")
    if args and isinstance(args[-1], (tuple, list)):
        size, args = args[-1], args[:-1]
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint: size is required, as a tuple of ints, got {size!r}")
    low, high = _bounds("randint", args, low, high)
    dtype = np.dtype(np.int64) if dtype is None else to_dtype(dtype)
    shape = new_shape(_shape_arg((size,)), "randint")
    return _make(_integers("randint", low, high, shape, dtype, generator), requires_grad)


def randint_like(input: Tensor, *args: Any, low: int | None = None, high: int | None = None,
                 generator: Any = None, dtype: Any = None, requires_grad: bool = False,
                 device: Any = None, memory_format: Any = None) -> Tensor:
    """randint with input's shape, in input's dtype unless `dtype` is given:
    randint_like(x, 10) or randint_like(x, 3, 10)."""
    check_device(device, "randint_like")
    check_memory_format(memory_format, "randint_like")
    x = _tensor(input)
    low, high = _bounds("randint_like", args, low, high)
    dtype = x.dtype if dtype is None else to_dtype(dtype)
    return _make(_integers("randint_like", low, high, x.shape, dtype, generator),
                 requires_grad)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, requires_grad: bool = False,
             device: Any = None) -> Tensor:
    """A random permutation of 0, ..., n - 1 (int64 unless `dtype` says otherwise)."""
    check_device(device, "randperm")
    n = _integer(n, "n", "randperm")
    if n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    dtype = np.dtype(np.int64) if dtype is None else to_dtype(dtype)
    if dtype.kind == "b" or dtype.kind in "iu" and n - 1 > np.iinfo(dtype).max:
        raise ValueError(f"randperm: n = {n} values do not fit in {dtype}")
    return _make(_rng(generator, "randperm").permutation(int(n)).astype(dtype), requires_grad)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """Category indices drawn with probabilities proportional to the weights in each row
    of input (1-D: one row), num_samples per row; int64, shape (rows, num_samples).

    With replacement, each draw is a uniform u in [0, 1) located in the cumulative
    distribution: the category i with cdf[i-1] <= u < cdf[i]. Without replacement, the
    categories are drawn in the order of the keys E_i / w_i for independent E_i ~ Exp(1):
    the smallest key comes first with probability w_i / sum(w) (a race of exponential
    clocks), and by memorylessness the race among the rest continues the same way. As in
    torch, categories of weight 0 come last, after every other one has been drawn.
    No gradient (integer results).
    """
    w = _tensor(input)
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-D or 2-D (rows of weights), got "
                         f"shape {w.shape}")
    if w.dtype.kind != "f":
        raise TypeError(f"multinomial: only supports floating point weights, got {w.dtype}")
    n = w.shape[-1]
    if num_samples <= 0:
        raise ValueError(f"multinomial: cannot sample num_samples={num_samples} <= 0 samples")
    if not replacement and num_samples > n:
        raise ValueError(f"multinomial: cannot sample {num_samples} > {n} categories (input "
                         f"shape {w.shape}) without replacement")
    rows = np.atleast_2d(w.data).astype(np.float64)
    if not (np.isfinite(rows) & (rows >= 0)).all():
        raise ValueError("multinomial: the weights contain inf, nan or an element < 0")
    totals = rows.sum(-1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError("multinomial: a row of weights sums to 0 (invalid distribution)")
    rng = _rng(generator, "multinomial")
    if replacement:
        running = np.cumsum(rows, -1)
        cdf = running / running[:, -1:]                        # ends at exactly 1
        u = rng.random((rows.shape[0], num_samples))
        drawn = insertion_points(cdf[:, :-1], u, right=True)   # count of cdf[i] <= u
    else:
        keys = rng.standard_exponential(rows.shape)
        keys = np.divide(keys, rows, out=np.full_like(keys, np.inf), where=rows > 0)
        drawn = np.argsort(keys, axis=-1, kind="stable")[:, :num_samples]
    return Tensor._from_node(drawn.reshape(*w.shape[:-1], num_samples).astype(np.int64), None)


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """A Poisson draw with each element's rate (>= 0), in input's dtype. No gradient."""
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"poisson: expected a floating point tensor of rates, got {x.dtype}")
    if not (x.data >= 0).all():
        raise ValueError("poisson: the rates must be non-negative")
    draws = np.asarray(_rng(generator, "poisson").poisson(x.data))    # (0-d: a Python int)
    return Tensor._from_node(draws.astype(x.dtype), None)


def _probabilities(op: str, p: Any) -> np.ndarray:
    """p as an array of probabilities, each in [0, 1]."""
    p = p.data if isinstance(p, Tensor) else np.asarray(p)
    if p.dtype.kind != "f" and p.ndim:
        raise TypeError(f"{op}: the probabilities must be floating point, got {p.dtype}")
    if not ((p >= 0) & (p <= 1)).all():
        raise ValueError(f"{op}: the probabilities must lie in [0, 1]")
    return p


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """1 with probability input[i] (or with probability p, in input's shape), else 0, in
    input's dtype. No gradient (torch records a zero one)."""
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"bernoulli: expected a floating point tensor, got dtype {x.dtype}")
    prob = _probabilities("bernoulli", x if p is None else p)
    ones = _rng(generator, "bernoulli").random(x.shape) < prob
    return Tensor._from_node(ones.astype(x.dtype), None)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 1 (probability p, a number or a tensor that broadcasts to self's shape)
    or 0, in place (like normal_: a leaf that requires grad takes it only under
    no_grad())."""
    prob = _probabilities("bernoulli_", p)
    try:
        if broadcast_shapes(prob.shape, self.shape) != self.shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"bernoulli_: p of shape {prob.shape} does not broadcast to the "
                         f"tensor's shape {self.shape}") from None
    ones = _rng(generator, "bernoulli_").random(self.shape) < prob
    return self._overwrite(ones, "bernoulli_")


def random_(self: Tensor, *bounds: int, to: int | None = None, generator: Any = None) -> Tensor:
    """Fill with integers drawn uniformly from [from, to): random_(to) is [0, to),
    random_(from, to) as given, and random_() [0, 2^mantissa bits] for floats, [0, the
    dtype's max] for integers (torch's); in place, as normal_. The loss docs' targets:
    `tg.empty(3, dtype=tg.long).random_(5)`."""
    bounds += () if to is None else (to,)
    if len(bounds) > 2:
        raise TypeError(f"random_: takes (to) or (from, to), got {len(bounds)} bounds")
    bounds = tuple(_integer(bound, "each bound", "random_") for bound in bounds)
    if len(bounds) == 2:
        low, high = bounds
    elif bounds:
        low, high = 0, bounds[0]
    elif self.dtype.kind == "f":
        low, high = 0, 2 ** (np.finfo(self.dtype).nmant + 1) + 1
    else:
        low, high = 0, 2 if self.dtype == np.bool_ else int(np.iinfo(self.dtype).max) + 1
    if not low < high:
        raise ValueError(f"random_: expects from < to, got from={low}, to={high}")
    if self.dtype.kind in "iub":
        lowest, highest = (0, 1) if self.dtype == np.bool_ else (
            np.iinfo(self.dtype).min, np.iinfo(self.dtype).max)
        if low < lowest or high - 1 > highest:
            raise ValueError(f"random_: [{low}, {high}) is out of the range of {self.dtype} "
                             f"[{lowest}, {highest}]")
    values = _rng(generator, "random_").integers(low, high, self.shape)
    return self._overwrite(values.astype(self.dtype), "random_")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Draws of N(mean, std**2), in torch's forms: normal(mean, std) with tensors (or one
    tensor and a number; the shapes broadcast, the dtype is mean's, else std's), or
    normal(mean, std, size) with two numbers (float32 unless `dtype` is given).
    No gradient to mean and std (torch records a zero one)."""
    check_device(device, "normal")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal: size is only for a number mean and std; with tensors "
                            "the shape is theirs")
        if tensors[0].dtype.kind != "f":
            raise TypeError(f"normal: expected floating point tensors, got {tensors[0].dtype}")
        dtype, mean, std = tensors[0].dtype, np.asarray(mean), np.asarray(std)
        try:
            shape = broadcast_shapes(mean.shape, std.shape)
        except ValueError:
            raise ValueError(f"normal: mean of shape {mean.shape} and std of shape "
                             f"{std.shape} cannot be broadcast together") from None
    elif size is None:
        raise TypeError("normal: with a number mean and std, size is required")
    else:
        dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
        shape = new_shape(_shape_arg((size,)), "normal")
    if not (np.asarray(std) >= 0).all():
        raise ValueError("normal: expects std >= 0.0" + (" in every element" if tensors else
                                                         f", got std={std}"))
    draws = _rng(generator, "normal").normal(mean, std, shape).astype(dtype)
    return _make(draws, requires_grad)


empty_like = _like(empty)
empty_like.__module__ = __name__                  # (found here by pickle)
empty_like.__doc__ = ("A new tensor of t's shape and dtype (unless `dtype` is given), zeros "
                      "here (see `empty`).")


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a Tensor without a copy when possible, as torch: a Tensor of that dtype is
    returned itself (another dtype: data.to(dtype), in the graph), an ndarray of that dtype
    is shared (writes show in both); lists and numbers are copied as by Tensor()."""
    check_device(device, "as_tensor")
    dtype = None if dtype is None else to_dtype(dtype)
    if isinstance(data, Tensor):
        return data if dtype is None or dtype == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype == data.dtype) and (
            data.dtype.kind in "fiub"):
        return Tensor._from_node(data.view(), None)       # (a view: see from_numpy)
    return Tensor(data, dtype=dtype)


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """torch.asarray: `obj` as a Tensor, sharing the memory of a Tensor or ndarray when its
    dtype fits (copy=None, as as_tensor), always a copy (copy=True), or an error where a
    copy would be needed (copy=False: a list, or another dtype)."""
    result = as_tensor(obj, dtype=dtype, device=device)
    source = obj.data if isinstance(obj, Tensor) else obj
    shared = isinstance(source, np.ndarray) and np.shares_memory(result.data, source)
    if copy and shared:             # (a tensor's copy stays in its graph, as clone)
        result = result.clone() if isinstance(obj, Tensor) else Tensor(result.data.copy())
    elif copy is False and not shared:
        raise ValueError(f"asarray: copy=False, but a {type(obj).__name__} cannot be shared as "
                         f"a tensor of dtype {result.dtype}; pass copy=None to allow a copy")
    return result.requires_grad_() if requires_grad else result


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """base ** linspace(start, end, steps): `steps` values from base**start to base**end,
    evenly spaced in the exponent (float32 by default; computed in float64, then cast)."""
    check_device(device, "logspace")
    start, end, base = (_real("logspace", name, value)
                        for name, value in (("start", start), ("end", end), ("base", base)))
    exponents = linspace(start, end, _steps("logspace", steps), dtype=np.float64).data
    dtype = get_default_dtype() if dtype is None else to_dtype(dtype)
    return _make((float(base) ** exponents).astype(dtype), requires_grad)


def seed() -> int:
    """Seed the shared generator with a fresh non-deterministic 64-bit number, and return it."""
    value = secrets.randbits(64)
    random.manual_seed(value)
    return value


Tensor.bernoulli = bernoulli
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_
Tensor.multinomial = multinomial
