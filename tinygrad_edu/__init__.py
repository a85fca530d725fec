"""tinygrad_edu: the autograd engine you can see through.

    import tinygrad_edu as tg
    a = tg.Tensor(2.0, requires_grad=True)
    b = tg.Tensor(-3.0, requires_grad=True)
    c = a * b + b ** 2
    c.backward()            # a.grad == -3, b.grad == -4

`Tensor` records the graph; the primitive ops (each a `Function` subclass with a
hand-written VJP) are listed in `OPS`; `composed` builds the rest from them.
"""
from __future__ import annotations

import functools
import inspect
import math
import sys
import warnings
from collections import namedtuple
from typing import Any, Callable

import numpy as np

from . import composed, ops  # noqa: F401  (registers the primitives, attaches the methods)
from . import (aliases, amp, anomaly, autograd, autograd_functional, autograd_graph,
               distributions, function, linalg, special, utils)
from .amp import autocast
from .autograd import grad
from .cnn import (avg_pool2d, binary_cross_entropy_with_logits, cross_entropy,  # noqa: F401
                  dropout, dropout2d, max_pool2d, mse_loss, multi_margin_loss, nll_loss)
from .comparison import allclose, equal, isclose, isin
from .composed import (ValuesIndices, amin, broadcast_to, cat, chunk, clone, flatten, flip,
                       logsumexp, mean, minimum, pad, reciprocal, sign, split, split_with_sizes,
                       square, squeeze, stack, std, t, take_along_dim, transpose, unsqueeze, var)
from .composed import max as _max
from .composed import min as _min
from .cnn1d import (adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, conv1d,
                    conv_transpose1d, dropout1d, max_pool1d)
from .cnn3d import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                    conv_transpose3d, dropout3d, max_pool3d)
from .conv import conv2d, conv_transpose2d
from .creation import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
                       IntTensor, LongTensor, ShortTensor, arange, empty, empty_strided, eye,
                       from_numpy, full, full_like, linspace, ones, ones_like, rand, rand_like,
                       randn, randn_like, scalar_tensor, tensor, zeros, zeros_like)
from .scripting import Variable, _assert, jit
from . import func
from .func import vmap
from .device import (accelerator, backends, channels_last, channels_last_3d, compile,
                     contiguous_format, cuda, device, get_default_device, memory_format,
                     preserve_format, set_default_device)
from .dtypes import (bfloat16, bool_, can_cast, double, float16, float32, float64,
                     get_default_dtype, half, int8, int16, int32, int64, long, promote_types,
                     set_default_dtype, short, uint8)
from .function import OPS, Function
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .inverse_trig import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctanh, asin,
                           asinh, atanh)
from .linalg import (cholesky_inverse, cholesky_solve, det, logdet, matrix_exp, matrix_power,
                     slogdet)
from .least_squares import pinverse
from .lu import lu_unpack
from .householder import geqrf
from .householder import householder_product as orgqr
from .linalg import svd_legacy as svd
from .linalg import inv as inverse
from .linear_algebra import bmm, dot, mm, norm, outer
from .linear_algebra import outer as ger                 # torch's deprecated name
from .math_more import (addcdiv, addcmul, arctan, arctan2, atan, atan2, clamp_max, clamp_min,
                        copysign, cosh, deg2rad, erf, erfc, erfinv, exp2, fmax, fmin, fmod,
                        frac,
                        heaviside, hypot, isinf, isneginf, isposinf, lerp, log2, log10,
                        logaddexp, logaddexp2, logit, nan_to_num, rad2deg, rsqrt, sgn, sinc,
                        sinh, tan, xlogy)
from .linear_algebra_more import (addmm, addmv, addr, baddbmm, cdist, cross, dist, einsum,
                                  inner, kron, mv, renorm, tensordot, vdot)
from .binning import bincount, bucketize, histc, histogram, searchsorted
from .sampling import (as_tensor, asarray, bernoulli, empty_like, logspace,
                       multinomial, normal, poisson, randint, randint_like, randperm, seed)
from .statistics import (aminmax, corrcoef, cov, cummax, cummin, cumprod,
                         cumulative_trapezoid, median, mode, msort, nanmean, nanmedian, nansum,
                         std_mean, trapezoid, trapz, var_mean)
from .quantiles import kthvalue, nanquantile, quantile
from .quantization import fake_quantize_per_channel_affine, fake_quantize_per_tensor_affine
from .discrete import (argwhere, count_nonzero, logical_and, logical_not, logical_or,
                       logical_xor, nonzero, nonzero_static, tril_indices, triu_indices, unique,
                       unique_consecutive, unravel_index)
from .indexed import (diag, diag_embed, diagonal, index_add, index_copy, index_fill,
                      index_put, index_put_, masked_scatter, masked_select, put, scatter,
                      scatter_add, take, trace)
from .scatter_reduce import index_reduce, scatter_reduce
from .joining import (atleast_1d, atleast_2d, atleast_3d, block_diag, broadcast_shapes,
                      broadcast_tensors, cartesian_prod, column_stack, combinations, concat,
                      concatenate, dsplit, dstack, hsplit, hstack, meshgrid, row_stack,
                      tensor_split, vsplit, vstack)
from .memory import tune_malloc
from .foreach import FOREACH as _FOREACH
from .parallel import get_num_threads, set_num_threads
from .printing import set_printoptions
from .random import (Generator, are_deterministic_algorithms_enabled, default_generator,
                     get_rng_state, initial_seed, manual_seed, set_rng_state,
                     use_deterministic_algorithms)
from .selection import (argsort, gather, index_select, masked_fill, roll, sort, topk, tril,
                        triu, unbind)
from .serialization import load, save
from .shapes import Size, broadcast_pair
from .special import digamma, i0, igamma, igammac, lgamma, mvlgamma, polygamma
from .shape_more import (as_strided, diff, fliplr, flipud, is_complex, is_floating_point,
                         is_nonzero, is_same_size, is_signed, moveaxis, movedim, narrow,
                         narrow_copy, ravel, repeat_interleave, rot90, select, signbit, swapaxes,
                         swapdims, tile, unflatten)
from .float_bits import frexp, ldexp, nextafter
from .integer_math import gcd, lcm
from .matrix_forms import addbmm, chain_matmul, diagflat, vander
from .real_views import (angle, conj, is_conj, is_neg, isreal, positive, real, resolve_conj,
                         resolve_neg)
from .scatter_into import diagonal_scatter, select_scatter, slice_scatter
from .tensor import Tensor, result_type
from .finite_differences import gradient
from .windows import (bartlett_window, blackman_window, hamming_window, hann_window,
                      kaiser_window)
from .tensor import _operand, _tensor
from .linalg import cholesky as _cholesky, qr as _qr, solve_triangular as _solve_triangular


def cholesky(input: Any, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated there for linalg.cholesky): upper as a positional flag."""
    return _cholesky(input, upper=upper)


def qr(input: Any, some: bool = True) -> tuple:
    """torch.qr (deprecated there for linalg.qr): (Q, R), reduced with some=True, else
    complete."""
    return _qr(input, "reduced" if some else "complete")


Tensor.cholesky, Tensor.qr = cholesky, qr


def triangular_solve(b: Any, A: Any, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> tuple:
    """torch.triangular_solve (deprecated there for linalg.solve_triangular): (X, A) with
    A X = b (A^T X = b with transpose), A's `upper` triangle read."""
    a = _tensor(A)
    solution = _solve_triangular(a.mT if transpose else a, b, upper=upper != transpose,
                                 unitriangular=unitriangular)
    return TriangularSolveResult(solution, a.clone())


TriangularSolveResult = namedtuple("TriangularSolveResult", ["solution", "cloned_coefficient"])
from . import in_place  # noqa: E402,F401  (attaches x.exp_() and the other in-place methods)
globals().update(_FOREACH)              # tg._foreach_mul_(tensors, 0.9), ...

# torch's names under torch.autograd: .functional, .function (once_differentiable),
# .gradcheck and .gradgradcheck, also for `from tinygrad_edu.autograd.functional import ...`
autograd.functional, autograd.function = autograd_functional, function
autograd.gradcheck, autograd.gradgradcheck = gradcheck, gradgradcheck
autograd.Variable = Variable
(autograd.no_grad, autograd.enable_grad, autograd.set_grad_enabled,       # older tutorials'
 autograd.inference_mode) = (no_grad, enable_grad, set_grad_enabled, inference_mode)  # names
Tensor.matrix_exp = matrix_exp
autograd.detect_anomaly, autograd.set_detect_anomaly = (anomaly.detect_anomaly,
                                                      anomaly.set_detect_anomaly)
from .anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402
sys.modules[f"{__name__}.autograd.functional"] = autograd_functional
sys.modules[f"{__name__}.autograd.function"] = function
autograd.graph = autograd_graph
sys.modules[f"{__name__}.autograd.graph"] = autograd_graph


def _wrapping_input(fn):
    """tg.fn(array or list, ...) as tg.fn(Tensor(array), ...), as the other functions take
    them, and with torch's name for the tensor, `input=` (these composed.py functions are
    also Tensor methods, where input is a Tensor; linalg's name it A, as torch.linalg)."""
    @functools.wraps(fn)
    def wrapped(input: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(input if isinstance(input, Tensor) else Tensor(input), *args, **kwargs)
    wrapped.__module__ = __name__                  # (found as tinygrad_edu.<name>: pickle)
    wrapped.__code__ = wrapped.__code__.replace(co_name=fn.__name__)  # (named in tracebacks)
    signature = inspect.signature(fn)              # help() shows input, not x
    first, *rest = signature.parameters.values()
    wrapped.__signature__ = signature.replace(parameters=[first.replace(name="input"), *rest])
    return wrapped


(amin, broadcast_to, chunk, clone, flatten, flip, logsumexp, minimum, reciprocal, sign, split,
 square, squeeze, std, t, take_along_dim, transpose, unsqueeze, var, max,  # noqa: A001
 min, mean, det, inverse, slogdet, logdet, matrix_exp, cholesky_inverse,  # noqa: A001
 geqrf) = map(_wrapping_input, (
    amin, broadcast_to, chunk, clone, flatten, flip, logsumexp, minimum, reciprocal, sign, split,
    square, squeeze, std, t, take_along_dim, transpose, unsqueeze, var, _max, _min, mean, det,
    inverse, slogdet, logdet, matrix_exp, cholesky_inverse, geqrf))
inverse.__name__ = inverse.__qualname__ = "inverse"      # (linalg's inv: found as tg.inverse)


TRUE_DIVISIONS = ("div", "divide", "true_divide")


def _function_form(method: str):
    def fn(input: Tensor, *args: Any, out: Tensor | None = None, **kwargs: Any) -> Any:
        partner = args[0] if args else kwargs.get("other")
        true_divide = method in TRUE_DIVISIONS and kwargs.get("rounding_mode") is None
        result = getattr(_operand(input, partner, true_divide), method)(*args, **kwargs)
        return result if out is None else _write_out(method, result, out)
    fn.__name__ = fn.__qualname__ = method          # (found as tinygrad_edu.<method>)
    fn.__code__ = fn.__code__.replace(co_name=method)   # (and named so in tracebacks)
    fn.__doc__ = (f"`{method}(x, ...)` is `x.{method}(...)`; with `out=t` the result is "
                  f"written into t, as torch.\n\nx.{method}: "
                  + inspect.cleandoc(getattr(Tensor, method).__doc__ or ""))
    return fn


def _write_out(op: str, result: Tensor, out: Tensor) -> Tensor:
    """torch's `out=`: the result written into `out` (resized when its shape differs, with
    torch's warning if it held elements); not for results that need a gradient."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: out must be a Tensor, got {type(out).__name__}")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if not can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the desired "
                           f"output type {out.dtype}")
    if out.shape != result.shape:
        if out.data.base is not None:
            raise RuntimeError(f"{op}: out is a view of shape {out.shape} and the result has "
                               f"shape {result.shape}; a view cannot be resized here (give an "
                               "out of the result's shape)")
        if out.numel():
            warnings.warn(f"{op}: an output with one or more elements was resized since it had "
                          f"shape {list(out.shape)}, which does not match the required output "
                          f"shape {list(result.shape)}", stacklevel=3)
        out.data = np.empty(result.shape, dtype=out.dtype)
    with no_grad():
        out.copy_(result)
    return out


# torch has these both as `torch.f(x, ...)` and as `x.f(...)`.
for _name in ("add", "sub", "mul", "div", "neg", "pow", "matmul", "exp", "log", "sqrt", "tanh",
              "sigmoid", "relu", "abs", "maximum", "clamp", "clip", "sum", "amax", "argmax",
              "argmin", "reshape", "permute", "softmax", "log_softmax", "isfinite", "isnan",
              "numel", "sin", "cos", "log1p", "expm1", "floor", "ceil", "round", "trunc",
              "cumsum", "logcumsumexp", "prod", "absolute", "negative", "multiply",
              "true_divide", "fix", "all", "any", "eq", "ne", "gt", "ge", "lt", "le", "greater",
              "greater_equal", "less", "less_equal", "not_equal", "remainder", "floor_divide",
              "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
              "bitwise_right_shift", "detach"):
    globals()[_name] = _function_form(_name)
linalg.matmul = _function_form("matmul")
subtract, divide = _function_form("sub"), _function_form("div")   # torch's aliases
subtract.__name__ = subtract.__qualname__ = "subtract"
divide.__name__ = divide.__qualname__ = "divide"
Tensor.subtract, Tensor.divide = Tensor.sub, Tensor.div


def rsub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """other - alpha * input, torch.rsub (sub with the operands swapped)."""
    return _operand(other, input).sub(input, alpha=alpha)


def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64, as torch.float_power."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    e = exponent.double() if isinstance(exponent, Tensor) else exponent
    broadcast_pair("float_power", x.shape, np.shape(e.data if isinstance(e, Tensor) else e))
    return x.double() ** e


Tensor.float_power = float_power
_float_power_written = in_place.in_place("float_power")


def _float_power_(self: Tensor, exponent: Any) -> Tensor:
    """x.float_power(exponent) written into x, which must be float64 as torch requires."""
    if self.dtype != float64:
        raise TypeError(f"float_power_: the result is float64 but x is {self.dtype}; use "
                        f"x.float_power(...), or x.double() first")
    return _float_power_written(self, exponent)


Tensor.float_power_ = _float_power_


# and the in-place forms, torch.sin_(x), torch.relu_(x), ...
for _name in in_place.ELEMENTWISE:
    globals()[_name + "_"] = _function_form(_name + "_")


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """`input` where `condition` else `other` (torch.where); with the condition alone, the
    positions where it holds, as `nonzero(condition, as_tuple=True)`."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return _operand(input, other).where(condition, other)


pi, e, inf, nan = math.pi, math.e, math.inf, math.nan      # torch.pi ... (Python floats)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


dtype = np.dtype
"""torch.dtype: the type of tg.float32 and the other dtypes (numpy's dtype objects)."""

_DTYPE_ALIASES = {"float": float32, "int": int32, "bool": bool_}


class finfo:
    """The limits of a float dtype (the default dtype when none is given), as torch.finfo:
    `bits`, `eps`, `max`, `min`, `tiny` (= `smallest_normal`), `resolution` as Python
    numbers, so that arithmetic on them does not round to the dtype."""

    def __init__(self, type: Any = None) -> None:
        dtype = np.dtype(get_default_dtype() if type is None else type)
        if dtype.kind != "f":
            raise TypeError(f"finfo: {dtype} is not a floating point dtype; use iinfo")
        info = np.finfo(dtype)
        self.dtype, self.bits, self.resolution = dtype, info.bits, 10.0 ** -info.precision
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
                f"eps={self.eps}, tiny={self.tiny}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer (or bool) dtype, as torch.iinfo: `bits`, `min`, `max`."""

    def __init__(self, type: Any) -> None:
        dtype = np.dtype(type)
        if dtype.kind not in "iub":
            raise TypeError(f"iinfo: {dtype} is not an integer dtype; use finfo")
        info = np.iinfo(np.uint8 if dtype.kind == "b" else dtype)
        self.dtype, self.bits, self.min, self.max = dtype, info.bits, int(info.min), int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, bits={self.bits}, dtype={self.dtype})"


def _accepting_out(fn: Callable) -> Callable:
    """torch's `out=` on a function that has none of its own: the result written into out
    (a tuple of tensors for a (values, indices) result)."""
    @functools.wraps(fn)
    def wrapped(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if out is None:
            return result
        if not isinstance(result, tuple):
            return _write_out(fn.__name__, result, out)
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{fn.__name__}: this result needs out= as a tuple of "
                            f"{len(result)} tensors, got {type(out).__name__}")
        for part, into in zip(result, out):
            _write_out(fn.__name__, part, into)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    wrapped.__module__ = __name__                  # (found as tinygrad_edu.<name>: pickle)
    wrapped.__qualname__ = fn.__name__
    return wrapped


for _name in ("index_select", "where", "cat", "concat", "concatenate", "stack", "hstack",
              "vstack", "dstack", "column_stack", "max", "min", "minimum", "gather",
              "masked_select", "mm", "bmm", "mv", "dot", "sort", "topk", "cumprod", "argsort",
              "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv", "take", "take_along_dim",
              "flip", "roll", "diag", "tril", "triu", "outer", "atan2", "hypot", "fmod",
              "mean", "std", "var", "median", "logsumexp", "erf", "erfinv", "square", "rsqrt",
              "sign", "logical_and", "logical_or", "logical_not", "xlogy", "sinh", "cosh",
              "tan", "asin", "acos", "atan", "searchsorted", "bucketize", "kthvalue", "mode",
              "nanmean", "nansum", "cummax", "cummin", "baddbmm", "addmm", "addmv", "einsum",
              "nanmedian", "msort", "signbit", "ldexp", "frexp", "nextafter", "gcd", "lcm",
              "addbmm", "narrow_copy"):
    globals()[_name] = _accepting_out(globals()[_name])


_FROM_FUNCTIONAL = ("cosine_similarity", "pairwise_distance", "pdist", "pixel_shuffle",
                    "pixel_unshuffle", "channel_shuffle", "celu", "selu", "prelu", "rrelu",
                    "hardshrink", "threshold", "rms_norm", "layer_norm", "group_norm",
                    "celu_", "selu_", "rrelu_", "threshold_")


def _functional_method(name: str) -> Callable:
    """The method x.name(...) = nn.functional.name(x, ...), as torch's Tensor has it."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        import nn.functional                    # (on first use: nn imports this package)
        return getattr(nn.functional, name)(self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = f"`F.{name}(x, ...)` as a method (see nn.functional.{name})."
    return method


Tensor.hardshrink, Tensor.prelu = _functional_method("hardshrink"), _functional_method("prelu")


def __getattr__(name: str) -> Any:
    """torch's dtype aliases tg.float, tg.int, tg.bool (float32, int32, bool), served here
    so that they do not shadow the builtins float, int and bool inside this module; and
    the packages nn and nn.optim as tg.nn and tg.optim, so `torch.nn.Linear` and
    `torch.optim.Adam` carry over (imported on first use: nn imports this package), and
    the functions torch also has at the top level with nn.functional's signature
    (`torch.cosine_similarity`, ...)."""
    if name in _DTYPE_ALIASES:
        return _DTYPE_ALIASES[name]
    if name in ("nn", "optim"):
        import nn
        return nn if name == "nn" else nn.optim
    if name in _FROM_FUNCTIONAL:
        import nn.functional
        return getattr(nn.functional, name)
    raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")


# numpy's axis=/keepdims= and the factories' size=, as torch accepts them (aliases.py)
aliases.install(globals(), Tensor)
aliases.install(vars(linalg))
