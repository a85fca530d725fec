"""Weight initialisation, as `torch.nn.init`: fill a tensor in place (under no_grad), return it.

The random ones take torch's `generator=` keyword, here a `numpy.random.Generator` to draw from;
by default (None) they draw from `tinygrad_edu.random.generator()`, so `manual_seed` fixes them.
As in torch they refuse integer and bool tensors (random values cannot fill them); the
deterministic ones (zeros_, ones_, constant_, eye_, dirac_) fill any dtype.
For a weight of shape (out, in, *kernel): fan_in = in * prod(kernel),
fan_out = out * prod(kernel).
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Any, Callable

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.random import check_generator
from tinygrad_edu.random import generator as shared_generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance steady through `nonlinearity` (torch's table):
    1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + slope**2)) for leaky_relu (slope 0.01 when not given), 3/4 for selu."""
    linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if not (param is None or isinstance(param, (int, float)) and not isinstance(param, bool)):
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out need a tensor with at least 2 dimensions, "
                         f"got shape {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:]))
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _arrays_too(init_fn: Callable) -> Callable:
    """torch code passes `m.weight.data` (`nn.init.normal_(m.weight.data, 0.0, 0.02)`), which
    here is the numpy array itself: fill it in place too, and return it."""
    @functools.wraps(init_fn)
    def init(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(tensor, np.ndarray):
            init_fn(Tensor._from_node(tensor, None), *args, **kwargs)   # a view: same memory
            return tensor
        return init_fn(tensor, *args, **kwargs)
    return init


def _fill(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():                       # as torch's init functions
        return tensor.copy_(values)


def _need_ndim(ok: bool, op: str, tensor: Tensor, dims: str) -> None:
    if not ok:
        raise ValueError(f"{op}: only tensors with {dims} dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")


Sampler = Callable[[np.random.Generator, tuple], np.ndarray]


def _draw(tensor: Tensor, op: str, generator: np.random.Generator | None,
          sample: Sampler) -> Tensor:
    """Fill `tensor` with sample(rng, shape), rng being `generator` or the shared one.
    A non-empty integer or bool tensor is refused, as torch does."""
    if tensor.numel() and not np.issubdtype(tensor.dtype, np.floating):
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {tensor.dtype} "
                        "(random values cannot fill it; torch refuses it too)")
    rng = check_generator(generator, op) or shared_generator()
    return _fill(tensor, sample(rng, tensor.shape))


def _uniform(tensor: Tensor, a: float, b: float, generator: Any, op: str) -> Tensor:
    if not a <= b:
        raise ValueError(f"{op}: expects a <= b, got a={a}, b={b}")
    return _draw(tensor, op, generator, lambda rng, shape: rng.uniform(a, b, shape))


def _normal(tensor: Tensor, mean: float, std: float, generator: Any, op: str) -> Tensor:
    if not std >= 0:
        raise ValueError(f"{op}: expects std >= 0, got {std}")
    return _draw(tensor, op, generator, lambda rng, shape: rng.normal(mean, std, shape))


@_arrays_too
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: np.random.Generator | None = None) -> Tensor:
    """U(a, b). `generator`: a numpy Generator to draw from (None: the shared one)."""
    return _uniform(tensor, a, b, generator, "uniform_")


@_arrays_too
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: np.random.Generator | None = None) -> Tensor:
    """N(mean, std**2). `generator`: a numpy Generator to draw from (None: the shared one)."""
    return _normal(tensor, mean, std, generator, "normal_")


def _standard_truncated_normal(rng: np.random.Generator, lo: float, hi: float,
                               n: int) -> np.ndarray:
    """n exact draws of N(0, 1) conditioned on [lo, hi], by rejection from whichever proposal
    accepts most (Robert, 1995): N(0, 1) itself for a wide interval around 0, lo + Exp(rate)
    for a wide one in a tail, U(lo, hi) for a narrow one. Each accepts about half its draws
    or more, wherever [lo, hi] lies."""
    if lo == hi:
        return np.full(n, lo)
    if hi <= 0:                                     # mirror, so that hi > 0
        return -_standard_truncated_normal(rng, -hi, -lo, n)
    peak, width = max(lo, 0.0), hi - lo             # the density is highest at `peak`
    rate = (peak + math.hypot(peak, 2)) / 2         # the best exponential for a tail

    def propose(k: int) -> np.ndarray:
        if lo <= 0 and width >= math.sqrt(2 * math.pi):
            z = rng.standard_normal(k)
            return z[(lo <= z) & (z <= hi)]
        if lo > 0 and rate * width > math.exp((rate - lo) ** 2 / 2):
            z = lo + rng.exponential(1 / rate, k)   # kept with p = density / envelope
            return z[(z <= hi) & (rng.random(k) < np.exp(-(z - rate) ** 2 / 2))]
        z = rng.uniform(lo, hi, k)
        return z[rng.random(k) < np.exp((peak - z) * (peak + z) / 2)]

    out = np.empty(0)
    while out.size < n:
        out = np.concatenate([out, propose(2 * (n - out.size) + 64)])
    return out[:n]


@_arrays_too
def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: np.random.Generator | None = None) -> Tensor:
    """N(mean, std**2) conditioned on [a, b]: density proportional to
    exp(-(x - mean)**2 / (2 std**2)) on [a, b], 0 outside; a and b may be infinite. With
    alpha, beta = (a - mean) / std, (b - mean) / std and Z = Phi(beta) - Phi(alpha), its mean is
    mean + std * (phi(alpha) - phi(beta)) / Z. Drawn exactly, by rejection, wherever mean lies
    (torch's inverse-CDF draws are accurate only near [a, b], and it warns when mean is more
    than 2 std away); every value lies in [a, b] (as rounded to the tensor's dtype).
    `generator`: a numpy Generator to draw from (None: the shared one)."""
    if not (0 < std < math.inf and math.isfinite(mean) and a <= b):
        raise ValueError(f"trunc_normal_: expects a finite mean, 0 < std < inf and a <= b, "
                         f"got mean={mean}, std={std}, a={a}, b={b}")
    lo, hi = (a - mean) / std, (b - mean) / std
    return _draw(tensor, "trunc_normal_", generator, lambda rng, shape: np.clip(
        mean + std * _standard_truncated_normal(rng, lo, hi, math.prod(shape)), a, b
    ).reshape(shape))


@_arrays_too
def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0)


@_arrays_too
def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1)


@_arrays_too
def constant_(tensor: Tensor, val: float) -> Tensor:
    if val is None or isinstance(val, str):
        raise TypeError(f"constant_: val must be a number, got {type(val).__name__}")
    return _fill(tensor, val)


@_arrays_too
def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix: ones on the main diagonal, zeros elsewhere (rectangular too), 2-D
    only. A Linear layer with it passes min(in, out) of its inputs through unchanged."""
    _need_ndim(tensor.ndim == 2, "eye_", tensor, "2")
    return _fill(tensor, np.eye(*tensor.shape))


@_arrays_too
def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta for a conv weight (out, in, *kernel), 3-D to 5-D: in each of the `groups`
    blocks of out // groups output channels, output channel d of the block gets a 1 at input
    channel d and at the kernel's centre (index k // 2 in each spatial dimension), for d below
    min(out // groups, in); 0 elsewhere. Such a convolution keeps as many input channels as
    it can unchanged."""
    _need_ndim(3 <= tensor.ndim <= 5, "dirac_", tensor, "3, 4 or 5")
    out_channels, in_channels = tensor.shape[:2]
    if groups < 1 or out_channels % groups:
        raise ValueError(f"dirac_: dim 0 ({out_channels}) must be divisible by groups, "
                         f"got groups={groups}")
    per_group = out_channels // groups
    channel = np.arange(min(per_group, in_channels))
    values = np.zeros(tensor.shape)
    if values.size:
        rows = (np.arange(groups)[:, None] * per_group + channel).ravel()
        centre = tuple(k // 2 for k in tensor.shape[2:])
        values[(rows, np.tile(channel, groups)) + centre] = 1
    return _fill(tensor, values)


def _unless_empty(init_fn: Callable) -> Callable:
    """An init with fans: an empty tensor has nothing to fill and no fan to divide by,
    so it is returned as it is (as torch)."""
    @functools.wraps(init_fn)
    def init_unless_empty(tensor: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return tensor if 0 in tensor.shape else init_fn(tensor, *args, **kwargs)
    return init_unless_empty


def _fans_first(init_fn: Callable) -> Callable:
    """A xavier init: the fans are computed first, as torch, so a tensor of fewer than 2
    dims is refused even when it is empty."""
    @functools.wraps(init_fn)
    def with_fans(tensor: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _calculate_fan_in_and_fan_out(tensor)
        return init_fn(tensor, *args, **kwargs)
    return with_fans


@_arrays_too
@_fans_first
@_unless_empty
def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: np.random.Generator | None = None) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))  (Glorot & Bengio, 2010).
    `generator`: a numpy Generator to draw from (None: the shared one)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform(tensor, -bound, bound, generator, "xavier_uniform_")


@_arrays_too
@_fans_first
@_unless_empty
def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: np.random.Generator | None = None) -> Tensor:
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)).
    `generator`: a numpy Generator to draw from (None: the shared one)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _normal(tensor, 0.0, std, generator, "xavier_normal_")


@_arrays_too
@_unless_empty
def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None) -> Tensor:
    """U(-bound, bound) with bound = gain * sqrt(3 / fan)  (He et al., 2015).

    Layers use a = sqrt(5) with leaky_relu: gain = sqrt(2 / 6), so bound = 1 / sqrt(fan_in).
    `generator`: a numpy Generator to draw from (None: the shared one).
    """
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return _uniform(tensor, -bound, bound, generator, "kaiming_uniform_")


@_arrays_too
@_unless_empty
def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None) -> Tensor:
    """N(0, std**2) with std = gain / sqrt(fan).
    `generator`: a numpy Generator to draw from (None: the shared one)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return _normal(tensor, 0.0, std, generator, "kaiming_normal_")


@_arrays_too
def orthogonal_(tensor: Tensor, gain: float = 1.0,
                generator: np.random.Generator | None = None) -> Tensor:
    """gain * Q, Q a uniformly (Haar) distributed orthogonal matrix (Saxe et al., 2013): the
    tensor, viewed as (rows, cols) = (shape[0], numel // shape[0]), gets orthonormal rows when
    rows <= cols, orthonormal columns otherwise. Q comes from the QR decomposition of a
    standard normal matrix, its columns' signs fixed so that R's diagonal is positive (without
    that, Q would not be uniform). Needs 2 or more dimensions.
    `generator`: a numpy Generator to draw from (None: the shared one)."""
    _need_ndim(tensor.ndim >= 2, "orthogonal_", tensor, "2 or more")
    if tensor.numel() == 0:
        return tensor

    def sample(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        rows = shape[0]
        cols = math.prod(shape) // rows
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        return gain * (q if rows >= cols else q.T).reshape(shape)
    return _draw(tensor, "orthogonal_", generator, sample)


@_arrays_too
def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: np.random.Generator | None = None) -> Tensor:
    """N(0, std**2), then in each column ceil(sparsity * rows) entries, at rows drawn uniformly
    without replacement, set to 0 (Martens, 2010). 2-D only, 0 <= sparsity <= 1.
    `generator`: a numpy Generator to draw from (None: the shared one)."""
    _need_ndim(tensor.ndim == 2, "sparse_", tensor, "2")
    if not (0 <= sparsity <= 1 and std >= 0):
        raise ValueError(f"sparse_: expects 0 <= sparsity <= 1 and std >= 0, "
                         f"got sparsity={sparsity}, std={std}")

    def sample(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        values = rng.normal(0.0, std, shape)
        zero_rows = rng.random(shape).argsort(axis=0)[:math.ceil(sparsity * shape[0])]
        values[zero_rows, np.arange(shape[1])] = 0
        return values
    return _draw(tensor, "sparse_", generator, sample)


def _deprecated(init_fn: Callable) -> Callable:
    """torch's old name without the trailing underscore (nn.init.xavier_uniform): the same
    function, with torch's FutureWarning that points to the new name."""
    old_name = init_fn.__name__[:-1]

    @functools.wraps(init_fn)
    def deprecated_init(*args: Any, **kwargs: Any) -> Tensor:
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{init_fn.__name__}`.", FutureWarning, stacklevel=2)
        return init_fn(*args, **kwargs)
    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    return deprecated_init


uniform, normal, constant, eye, dirac = map(_deprecated, (uniform_, normal_, constant_, eye_,
                                                          dirac_))
xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, orthogonal, sparse = map(
    _deprecated, (xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_,
                  orthogonal_, sparse_))
