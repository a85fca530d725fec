"""More elementwise math, as torch has it: erf, erfc, erfinv, atan, atan2, log2, log10, exp2, rsqrt,
tan, sinh, cosh, hypot, logaddexp, logaddexp2, xlogy, logit, lerp, addcmul, addcdiv, frac,
sgn, clamp_min, clamp_max, nan_to_num, isinf, isposinf, isneginf, fmod, sinc, copysign,
deg2rad, rad2deg, heaviside, fmax, fmin, and torch's aliases (arctan, arctan2, absolute, negative,
multiply, true_divide, fix).

erf, erfc, atan, atan2, log2, log10, sinh and cosh are the primitives of ops/special.py
(their docstrings say why no composition would do), erfinv that of ops/inverse_erf.py,
fmod is ops/elementwise.py's Fmod (as remainder, exact where a - trunc(a / b) * b rounds);
everything else is composed and has no backward of its own. Where the textbook formula
overflows or makes nan although the answer is finite (x^2 in hypot, e^x + e^y in
logaddexp), it is rearranged so that it does not, and where `where` picks between pieces,
the piece it does not pick is computed from safe values, so that its zero gradient stays
zero (not 0 * inf).
Integer and bool inputs become float32, as torch, except where torch refuses them (frac,
hypot, logaddexp, logaddexp2, lerp). Each function is also a Tensor method, attached at
the bottom of the file.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from .composed import clone, sign
from .dtypes import float16_via_float32, promote
from .ops import elementwise as ew
from .ops import inverse_erf, special
from .shapes import broadcast_pair, broadcast_shapes
from .tensor import (Number, Tensor, _check_integer_divisor, _operand, _result_dtype,
                     _tensor)

LN2 = math.log(2)


def _float(input: Any) -> Tensor:
    """input as a Tensor, integers and bools as float32 (torch's exp, log, ...)."""
    return _tensor(input)._as_float()


def _only_float(op: str, x: Tensor) -> Tensor:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {x.dtype} (as torch)")
    return x


def _float_pair(op: str, input: Any, other: Any, integers: bool = True) -> tuple:
    """input and other broadcast-checked and cast straight to torch's float result dtype
    (two integer or bool operands: float32, or an error when `integers` is False, as
    torch); integers never meet in an integer dtype first, where they could wrap."""
    kinds = [getattr(v, "dtype", np.dtype(type(v))).kind for v in (input, other)]
    if not integers and "f" not in kinds:
        raise TypeError(f"{op}: expected floating point tensors, got dtypes "
                        + " and ".join(str(getattr(v, "dtype", type(v).__name__))
                                       for v in (input, other)) + " (as torch)")
    x = _operand(input, other, true_divide=True)       # (a number first: float, never wrapped)
    a, b = x._operands(other, op, true_divide=True)
    dtype = a.dtype if a.dtype.kind == "f" else b.dtype   # (a bool operand is left uncast)
    return a.to(dtype), b.to(dtype)


def _mask(x: Tensor, fn: Callable) -> Tensor:
    return Tensor._from_node(np.asarray(fn(x.data)), None)


# ---------------------------------------------------------------------------- primitives
def erf(input: Tensor) -> Tensor:
    """erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt, within 1 ulp (ops/special.py).
    Derivative 2/sqrt(pi) e^(-x^2)."""
    return special.Erf.apply(_float(input))


def erfc(input: Tensor) -> Tensor:
    """erfc(x) = 1 - erf(x), without the cancellation: erfc(10) = 2.1e-45, not 0.
    Derivative -2/sqrt(pi) e^(-x^2)."""
    return special.Erfc.apply(_float(input))


def erfinv(input: Tensor) -> Tensor:
    """The x with erf(x) = y, for y in [-1, 1] (+-inf at +-1, nan outside), within 1 ulp
    (ops/inverse_erf.py). Derivative sqrt(pi)/2 e^(x^2)."""
    return inverse_erf.ErfInv.apply(_float(input))


def atan(input: Tensor) -> Tensor:
    """arctan(x) in (-pi/2, pi/2). Derivative 1 / (1 + x^2)."""
    return special.Atan.apply(_float(input))


def atan2(input: Tensor, other: Any) -> Tensor:
    """The angle of the point (other, input) = (x, y), in [-pi, pi]: atan2(y, x), with
    C's and torch's signed zeros and infinities. Derivatives x / (x^2 + y^2) in y and
    -y / (x^2 + y^2) in x (0 at the origin, as torch)."""
    return special.Atan2.apply(*_float_pair("atan2", input, other))


def log2(input: Tensor) -> Tensor:
    """log2(x), exact at powers of two (log2(2**29) = 29). Derivative 1 / (x ln 2)."""
    return special.Log2.apply(_float(input))


def log10(input: Tensor) -> Tensor:
    """log10(x), exact at powers of ten (log10(1000) = 3). Derivative 1 / (x ln 10)."""
    return special.Log10.apply(_float(input))


# ---------------------------------------------------------------------------- composed
def exp2(input: Tensor) -> Tensor:
    """2^x, as the power 2 ** x: exact at integers (exp(x ln 2) is not). Derivative
    2^x ln 2."""
    return 2 ** _float(input)


@float16_via_float32
def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x): inf at 0 (-inf at -0.), nan below. Derivative -x^(-3/2) / 2."""
    with np.errstate(divide="ignore"):             # 1 / 0 = inf is the answer, as torch
        return 1 / _float(input).sqrt()


@float16_via_float32
def tan(input: Tensor) -> Tensor:
    """sin(x) / cos(x). Derivative 1 + tan^2 x = 1 / cos^2 x."""
    x = _float(input)
    return x.sin() / x.cos()


def sinh(input: Tensor) -> Tensor:
    """(e^x - e^-x) / 2, the primitive Sinh (derivative cosh x; see ops/special.py)."""
    return special.Sinh.apply(_float(input))


def cosh(input: Tensor) -> Tensor:
    """(e^x + e^-x) / 2, the primitive Cosh (derivative sinh x; see ops/special.py)."""
    return special.Cosh.apply(_float(input))


@float16_via_float32
def hypot(input: Tensor, other: Any) -> Tensor:
    """sqrt(x^2 + y^2) without overflow or underflow, computed as s sqrt((x/s)^2 + (y/s)^2)
    with the scale s = max(|x|, |y|) held constant (hypot(1e200, 1e200) = 1.4e200, where
    x^2 is inf). Any s > 0 gives the same function, so holding it constant leaves every
    derivative exact, to any order; and inf where x or y is infinite, even next to nan (as
    C and torch).

    Derivatives x / hypot and y / hypot (second ones y^2 / hypot^3, ...); at (0, 0), where
    there is none, 0 (torch: nan). Floating point tensors only, as torch.
    """
    x, y = _float_pair("hypot", input, other, integers=False)
    infinite = np.isinf(x.data) | np.isinf(y.data)
    x, y = x.where(~infinite, 0), y.where(~infinite, 0)      # (inf / inf in the unused piece)
    scale = np.maximum(np.abs(x.data), np.abs(y.data))       # nan stays nan
    origin = scale == 0
    s = Tensor._from_node(np.where(origin, 1, scale).astype(x.dtype), None)
    squares = (x / s) * (x / s) + (y / s) * (y / s)
    root = s * squares.where(~origin, 1).sqrt()               # (sqrt has no slope at 0)
    return root.where(~origin, 0).where(~infinite, math.inf)


def _log_add(op: str, input: Any, other: Any, log1p_power: Callable) -> Tensor:
    """hi + log1p_power(lo - hi) with hi, lo the larger and smaller of x and y, lo - hi <= 0,
    so the power never overflows; where x and y are the same infinity, lo - hi (nan) is
    replaced by 0, which gives that infinity. nan in x or y gives nan."""
    x, y = _float_pair(op, input, other, integers=False)
    first = x.data >= y.data
    hi, lo = x.where(first, y), y.where(first, x)
    same_infinity = np.isinf(hi.data) & (hi.data == lo.data)
    with np.errstate(invalid="ignore"):                 # inf - inf, replaced just below
        diff = lo - hi
    return hi + log1p_power(diff.where(~same_infinity, 0))


@float16_via_float32
def logaddexp(input: Tensor, other: Any) -> Tensor:
    """log(e^x + e^y) = max + log1p(e^(min - max)): logaddexp(1000, 1000) = 1000 + ln 2 and
    logaddexp(-inf, -inf) = -inf, as torch. Derivatives e^x / (e^x + e^y) = sigmoid(x - y)
    in x and sigmoid(y - x) in y; at x = y = -inf all of it goes to x (torch: nan in both).
    Floating point tensors only, as torch."""
    return _log_add("logaddexp", input, other, lambda d: d.exp().log1p())


@float16_via_float32
def logaddexp2(input: Tensor, other: Any) -> Tensor:
    """log2(2^x + 2^y) = max + log2(1 + 2^(min - max)), as `logaddexp` (logaddexp2(x, x) is
    x + 1 exactly). Derivatives 2^x / (2^x + 2^y) and 2^y / (2^x + 2^y)."""
    return _log_add("logaddexp2", input, other, lambda d: (2 ** d).log1p() / LN2)


def xlogy(input: Any, other: Any) -> Tensor:
    """x log(y), and 0 where x == 0 (unless y is nan), as torch: the 0 log 0 = 0 of entropies.
    Either may be a number. Computed as x log(y'), y' = y except 1 where x == 0 and y is
    not in (0, inf): then 0 log(1) = 0 is the value, and the derivatives are torch's, log(y)
    in x (also at x == 0 when 0 < y < inf: the function is linear in x there; 0 where the
    log would be infinite) and x / y in y (0 where x == 0)."""
    x, y = _float_pair("xlogy", input, other)
    keep = (x.data != 0) | ((y.data > 0) & (y.data < np.inf)) | np.isnan(y.data)
    return x * y.where(keep, 1).log() + 0.0      # + 0.0: -0. * log(y) is 0, as torch's


@float16_via_float32
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)) = log(p) - log1p(-p), the inverse of sigmoid: -inf at 0, inf at 1, nan
    outside [0, 1]. With `eps`, p is first clamped to [eps, 1 - eps] (gradient 0 outside,
    as torch). Derivative 1 / (p (1 - p))."""
    p = _float(input)
    if eps is not None:
        p = p.clamp(eps, 1 - eps)
    return p.log() - (-p).log1p()


@float16_via_float32
def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """input + weight (end - input), weight a number or a tensor (the three broadcast).

    As torch, where |weight| >= 0.5 it is end - (end - input)(1 - weight), which is end
    exactly at weight = 1; and end and a weight tensor must have input's dtype (a 0-d
    weight may have another float dtype). Derivatives 1 - weight, weight, end - input.
    """
    start = _only_float("lerp", _tensor(input))
    tensors = {"end": end} if isinstance(weight, Number) else {"end": end, "weight": weight}
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"lerp: {name} must be a Tensor, got {type(t).__name__}")
        other_dtype_ok = name == "weight" and t.ndim == 0 and t.dtype.kind == "f"
        if t.dtype != start.dtype and not other_dtype_ok:
            raise TypeError(f"lerp: expected dtype {start.dtype} for {name} but got {t.dtype}")
    try:
        broadcast_shapes(start.shape, *(t.shape for t in tensors.values()))
    except ValueError:
        raise ValueError(f"lerp: shapes {start.shape}, {end.shape} and "
                         f"{getattr(weight, 'shape', ())} cannot be broadcast together") from None
    diff = end - start
    if isinstance(weight, Number):
        return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    if start.ndim == end.ndim == weight.ndim == 0:               # all 0-d: weight promotes too
        dtype = promote(start.dtype, weight.dtype)
        start, end, diff = start.to(dtype), end.to(dtype), diff.to(dtype)
    weight = weight.to(start.dtype)
    near_start = np.abs(weight.data) < 0.5
    return (start + weight * diff).where(near_start, end - diff * (1 - weight))


@float16_via_float32
def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """input + value * tensor1 * tensor2, the three broadcast (Adam's update is written with
    it in torch). Derivatives 1, value * tensor2, value * tensor1."""
    x, t1, t2 = _common_dtype(input, tensor1, tensor2)
    return x + value * t1 * t2


def _common_dtype(*values: Any) -> list[Tensor]:
    """The tensors in the dtype torch promotes them to together (float32 times float32 is
    then not rounded to float32 before it meets a float64 input)."""
    tensors = [_tensor(v) for v in values]
    dtype = _result_dtype(*tensors)
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


@float16_via_float32
def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """input + value * tensor1 / tensor2, the three broadcast. Derivatives 1,
    value / tensor2, -value * tensor1 / tensor2^2. Two integer tensors are refused, as torch."""
    x, t1, t2 = _common_dtype(input, tensor1, tensor2)
    if _tensor(tensor1).dtype.kind in "iub" and _tensor(tensor2).dtype.kind in "iub":
        raise TypeError("addcdiv: integer division is not supported (as torch); pass floating "
                        "point tensor1 or tensor2")
    return x + value * t1 / t2


def frac(input: Tensor) -> Tensor:
    """x - trunc(x): the fractional part, with x's sign (frac(-1.25) = -0.25). Derivative 1
    (trunc is flat). Floating point tensors only, as torch."""
    x = _only_float("frac", _tensor(input))
    return x - x.trunc()


def sgn(input: Tensor) -> Tensor:
    """sign(x), which torch's sgn is for real tensors (x / |x| for complex ones). No
    gradient (see `sign`)."""
    return sign(_tensor(input))


def _clamp_one(op: str, input: Any, bound: Any, upper: bool) -> Tensor:
    """clamp with one bound; a tensor bound broadcasts with input and takes the gradient
    where it is the result (strictly beyond input; on ties input takes it, as torch)."""
    x = _tensor(input)
    if not isinstance(bound, Tensor):
        return x.clamp(max=bound) if upper else x.clamp(min=bound)
    a, b = x._operands(bound, op)
    keep = (a.data <= b.data if upper else a.data >= b.data) | np.isnan(a.data)
    return a.where(keep, b)


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002 - torch's name
    """max(x, min), min a number or a tensor; nan in either gives nan. The gradient goes
    to x where x >= min, else to a tensor min (see `_clamp_one`)."""
    return _clamp_one("clamp_min", input, min, upper=False)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002 - torch's name
    """min(x, max), max a number or a tensor; the gradient goes to x where x <= max."""
    return _clamp_one("clamp_max", input, max, upper=True)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """nan -> `nan`, inf -> `posinf`, -inf -> `neginf` (by default the largest and the
    lowest finite value of the dtype); a value beyond the dtype's range becomes inf, as
    torch. Derivative 1 where x is finite, 0 where it was replaced. Integer and bool
    tensors come back as a copy."""
    x = _tensor(input)
    if x.dtype.kind != "f":
        return clone(x)
    nan = 0.0 if nan is None else nan                          # (torch's default)
    with np.errstate(over="ignore"):
        filled = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return x.where(np.isfinite(x.data), filled)


def fmod(input: Tensor, other: Any) -> Tensor:
    """a - trunc(a / b) * b, the remainder with the sign of a (C's fmod; `%` takes b's):
    the primitive Fmod. Integers stay integers, and dividing them by 0 is an error."""
    a, b = _tensor(input)._operands(other, "fmod")
    _check_integer_divisor("fmod", a, b)
    return ew.Fmod.apply(a, b)


SINC_TAYLOR = (1.0, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800)
"""sin(u) / u = sum_k c_k u^(2k): these terms, for |u| < 0.16, leave an error below 4e-20."""


@float16_via_float32
def sinc(input: Tensor) -> Tensor:
    """sin(pi x) / (pi x), and 1 at x = 0 (its limit). Near 0 (|x| < 0.05) it is the
    Taylor polynomial in u = pi x, so derivatives of every order up to 10 are right there
    (sin(u)/u alone would be 0/0); elsewhere the quotient. Each piece is computed from
    safe values where the other is used, so no 0/0 or overflow reaches the gradient."""
    x = _float(input)
    near = np.abs(x.data) < 0.05
    u = x.where(near, 0.0) * math.pi
    taylor = functools.reduce(lambda total, c: total * (u * u) + c, reversed(SINC_TAYLOR))
    far = x.where(~near, 1.0) * math.pi
    return taylor.where(near, far.sin() / far)


def copysign(input: Tensor, other: Any) -> Tensor:
    """|a| with the sign of b (-0.0 counts as negative, as torch). Derivative in a:
    sign(a) times b's sign (0 at a = 0, as torch); none in b."""
    a, b = _float_pair("copysign", input, other)
    return a.abs() * Tensor._from_node(np.copysign(1, b.data).astype(a.dtype), None)


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians: x * pi / 180."""
    return _float(input) * (math.pi / 180)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees: x * 180 / pi."""
    return _float(input) * (180 / math.pi)


def heaviside(input: Tensor, values: Any) -> Tensor:
    """0 for x < 0, `values` where x = 0, 1 for x > 0, in the dtype the two promote to.
    A step: no gradient (torch's has none either)."""
    x, v = _tensor(input), _tensor(values)
    broadcast_pair("heaviside", x.shape, v.shape)
    if x.dtype != v.dtype:
        raise TypeError(f"heaviside: input and values must have the same dtype, got {x.dtype} "
                        f"and {v.dtype} (as torch)")
    step = np.where(x.data == 0, v.data, x.data > 0)          # (nan: 0, as torch)
    return Tensor._from_node(np.asarray(step).astype(x.dtype), None)


def isinf(input: Tensor) -> Tensor:
    """True where x is inf or -inf (never for integers). No gradient (a mask)."""
    return _mask(_tensor(input), np.isinf)


def isposinf(input: Tensor) -> Tensor:
    """True where x is +inf. No gradient."""
    return _mask(_tensor(input), np.isposinf)


def isneginf(input: Tensor) -> Tensor:
    """True where x is -inf. No gradient."""
    return _mask(_tensor(input), np.isneginf)


arctan, arctan2 = atan, atan2                      # torch's NumPy-style names

def fmax(input: Tensor, other: Tensor) -> Tensor:
    """max(input, other) elementwise, ignoring nan (nan only where both are); as torch,
    the gradient goes to input where input >= other (ties included) or other is nan."""
    a, b = _common_dtype(input, other)
    broadcast_pair("fmax", a.shape, b.shape)
    return a.where((a.data >= b.data) | np.isnan(b.data), b)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """min(input, other) elementwise, ignoring nan; the gradient as fmax's, with <=."""
    a, b = _common_dtype(input, other)
    broadcast_pair("fmin", a.shape, b.shape)
    return a.where((a.data <= b.data) | np.isnan(b.data), b)


METHODS = [fmax, fmin, erf, erfc, erfinv, atan, atan2, log2, log10, exp2, rsqrt, tan, sinh, cosh,
           hypot, logaddexp, logaddexp2, xlogy, logit, lerp, addcmul, addcdiv, frac, sgn, clamp_min,
           clamp_max, nan_to_num, isinf, isposinf, isneginf, fmod, sinc, copysign, deg2rad, rad2deg,
           heaviside]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
ALIASES = {"arctan": "atan", "arctan2": "atan2", "absolute": "abs", "negative": "neg",
           "multiply": "mul", "true_divide": "div", "fix": "trunc"}
"""torch's second names of Tensor methods (and of torch functions: the same spelling)."""
for _alias, _name in ALIASES.items():
    setattr(Tensor, _alias, getattr(Tensor, _name))
