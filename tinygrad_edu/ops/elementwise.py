"""Elementwise primitives: out[i] = f(a[i], b[i]) with numpy broadcasting.

Notation in every docstring: g = dL/dout (the upstream gradient, shaped like out).
A VJP may return a gradient with the broadcast shape of out; the engine sums it
down to the input's shape (see `autograd.unbroadcast`), so these read exactly
like the scalar chain rule.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import grad_mode
from ..dtypes import cast
from ..function import Function

if TYPE_CHECKING:
    from ..tensor import Tensor


class Add(Function):
    """out = a + b.   VJP: dL/da = g,  dL/db = g.   Saves nothing."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """out = a - b.   VJP: dL/da = g,  dL/db = -g.   Saves nothing."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    """out = a * b.   VJP: dL/da = g * b,  dL/db = g * a.   Saves a, b.
    (Only the gradients wanted are computed: x * constant skips one product.)"""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return g * b if need_a else None, g * a if need_b else None


class Div(Function):
    """out = a / b.   VJP: dL/da = g / b,  dL/db = -g * a / b**2 = -g * (out / b).   Saves
    b, out. (Only the gradients wanted are computed: x / constant skips the second. out / b
    is taken first, as torch: 0 / b stays 0 for a tiny b where g / b would be inf.)"""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        out = a / b
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return g / b if need_a else None, -g * (out / b) if need_b else None


class Neg(Function):
    """out = -a.   VJP: dL/da = -g.   Saves nothing."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class PowScalar(Function):
    """out = a ** p for a number p.   VJP: dL/da = g * p * a**(p-1).   Saves a."""

    name = "pow_scalar"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore"):               # 0 ** -1 = inf, the exact limit
            return (a ** exponent).astype(a.dtype, copy=False)  # numpy 1.x: f32 ** 3 is f64

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.options["exponent"]
        if p == 0:
            return g * 0
        return g * p * (a if p == 2 else a ** (p - 1))      # (no a**1 node in the graph)


class Pow(Function):
    """out = a ** b, both Tensors.

    VJP: dL/da = g * b * a**(b-1),   dL/db = g * out * ln(a).
    At a = 0, out * ln(a) is taken as 0 for b >= 0 (torch's convention: the limit is 0
    for b > 0, while 0**b has no derivative in b at b = 0) and -inf for b < 0 (out =
    inf); for a < 0 the real power exists only for integer b, and has no derivative in b
    there: 0 (torch: NaN); other b give nan, value and gradient.
    At b = 0, a**0 = 1 is constant in a: the gradient in a is 0, as torch. Where a is 0 or
    subnormal, a**-1 overflows, so it is computed as 0 * a**0, not 0 * inf = nan. Only
    those points are masked, so every derivative in b stays exact elsewhere.
    Saves a, b, out.
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        if b.dtype.kind in "iu" and a.dtype.kind in "iub" and (b < 0).any():
            return integer_power(a, b)             # (an integer result: never differentiated)
        with np.errstate(divide="ignore"):               # 0 ** -1 = inf, the exact limit
            out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        at_zero = a == 0
        log_a = a.where(a > 0, 1).log().where(~(at_zero & (b < 0)), -np.inf)
        overflows = (b == 0) & (abs(a) < np.finfo(a.data.dtype).tiny)     # a**-1 = inf
        slope_a = b * a ** (b.where(~overflows, 1) - 1)
        return g * slope_a, g * out * log_a


def integer_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ** b for integers with some b < 0 (numpy refuses them), as torch: 1 / a**|b|
    truncated to an integer, so 1 for a = 1, +-1 for a = -1 and 0 for any other a (0 too)."""
    out = a ** np.maximum(b, 0)
    unit = np.where(b % 2 == 0, 1, a)                 # (-1) ** b, or 1 ** b
    return np.where(b >= 0, out, np.where(abs(a) == 1, unit, 0)).astype(out.dtype)


class Exp(Function):
    """out = e**a.   VJP: dL/da = g * out.   Saves out."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    """out = ln(a).   VJP: dL/da = g / a.   Saves a.   ln(0) = -inf without numpy's
    divide-by-zero warning (the exact limit, as torch); ln of a negative is nan and warns."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Function):
    """out = sqrt(a).   VJP: dL/da = g / (2 * out).   Saves out."""

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (out * 2)


class Sin(Function):
    """out = sin(a).   VJP: dL/da = g * cos(a).   Saves a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a.cos()


class Cos(Function):
    """out = cos(a).   VJP: dL/da = -g * sin(a).   Saves a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * a.sin()


class Log1p(Function):
    """out = ln(1 + a), exact for small a (where 1 + a would round).   VJP: dL/da = g / (1 + a).

    Saves a.   log1p(-1) = -inf without numpy's divide-by-zero warning, as `Log`.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore"):
            return np.log1p(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a + 1)


class Expm1(Function):
    """out = e**a - 1, exact for small a.   VJP: dL/da = g * e**a.   Saves a.

    (Not g * (out + 1): once e**a is below half an ulp of 1, out + 1 rounds to 0 where
    e**a is still positive: for a < -17.3 in float32, a < -37.4 in float64.)
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.expm1(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a.exp()


class Tanh(Function):
    """out = tanh(a).   VJP: dL/da = g * (1 - out**2).   Saves out."""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Function):
    """out = 1 / (1 + e**-a), computed without overflow.   VJP: dL/da = g * out * (1 - out).

    Saves out.
    """

    @staticmethod
    def forward(ctx, a):
        work = a.astype(np.promote_types(a.dtype, np.float32), copy=False)  # (float16: float32)
        e = np.exp(-np.abs(work))            # in (0, 1]: never overflows
        out = np.where(work >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


def masked(g: Tensor, weight: Tensor) -> Tensor:
    """g * weight for a weight that is 0 where no gradient flows (relu's, clamp's and
    maximum's masks): as torch, 0 there even where g is inf or nan (0 * inf would be nan).
    The product is the fast form; g.where(weight != 0, 0) is taken only when g is not
    all finite (sqrt(relu(x)) at x = 0 sends an infinite g, say)."""
    if np.isfinite(g.data).all():
        return g * weight
    return g.where(weight.data != 0, 0) * weight


class Tie(Function):
    """out = v, recorded as also depending on `on`, with derivative 0 there.

    VJP: dL/dv = g,  dL/don = 0 (zeros, not None).   Saves nothing.
    For the VJPs that route g by a mask or an argmax of their input (relu, leaky_relu,
    abs, max-pooling): the mask is a piecewise constant function of the input, so the
    VJP's derivative with respect to the input is 0, not absent. Tied to the input, a
    second backward reaches it with zeros, as torch's threshold_backward and
    max_pool2d_with_indices_backward do: a parameter that only such a path reaches gets
    .grad 0, not None (an optimizer skips a None, but applies weight decay to a 0).
    """

    @staticmethod
    def forward(ctx, v, on):
        return v

    @staticmethod
    def backward(ctx, g):
        on = ctx.inputs[1]
        return g, (on.new_zeros(on.shape) if ctx.needs_input_grad[1] else None)


def tied(v: Tensor, on: Tensor) -> Tensor:
    """v tied to `on` (see Tie) while gradients are being recorded (create_graph); v itself
    in a plain backward, where nothing would differentiate it again."""
    return Tie.apply(v, on) if grad_mode._enabled else v


class Relu(Function):
    """out = max(a, 0).   VJP: dL/da = g * [a > 0]   (so relu'(0) = 0, as torch).

    Saves the indicator [a > 0] as 0.0 / 1.0 in a's dtype: numpy multiplies two float
    arrays 2-3x faster than a float array by a bool one. The max is taken against an
    array of zeros: np.maximum(a, 0) runs numpy's loop for a broadcast scalar, which
    is not vectorized (150 vs 90 us with the zeros made, for LeNet's first activation).
    The zeros come from np.zeros (calloc) rather than np.zeros_like (allocate, then
    fill): 92 -> 83 us there, 40 -> 37 us for the MLP's first (128, 256) activation.
    """

    @staticmethod
    def forward(ctx, a):
        positive = (a > 0).astype(a.dtype)
        ctx.save_for_backward(positive)
        return np.maximum(a, np.zeros(a.shape, a.dtype))

    @staticmethod
    def backward(ctx, g):
        (positive,) = ctx.saved_tensors
        return tied(masked(g, positive), ctx.inputs[0])


class LeakyRelu(Function):
    """out = a if a > 0 else slope * a.   VJP: dL/da = g * (1 if a > 0 else slope)
    (so the derivative at 0 is slope, as torch).   Saves that factor, in a's dtype."""

    @staticmethod
    def forward(ctx, a, slope):
        positive = a > 0
        ctx.save_for_backward(np.where(positive, a.dtype.type(1), a.dtype.type(slope)))
        return np.where(positive, a, a * a.dtype.type(slope))

    @staticmethod
    def backward(ctx, g):
        (factor,) = ctx.saved_tensors
        return tied(g * factor, ctx.inputs[0])


class Abs(Function):
    """out = |a|.   VJP: dL/da = g * sign(a)   (sign(0) = 0, as torch).   Saves a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return tied(g * np.sign(a.data), a)


class Remainder(Function):
    """out = a - floor(a / b) * b   (Python's and torch's %: the sign of b).

    The quotient floor(a / b) is piecewise constant, so where out is continuous
    VJP: dL/da = g,  dL/db = -g * floor(a / b)   (as torch).   Saves the quotient.
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):    # x % 0.0 is nan, as torch
            ctx.save_for_backward(np.floor_divide(a, b))
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        (quotient,) = ctx.saved_tensors
        return g, -g * quotient


class Fmod(Remainder):
    """out = a - trunc(a / b) * b   (C's fmod and torch.fmod: the sign of a).

    As for remainder (whose backward it shares), the quotient trunc(a / b) is piecewise
    constant, so where out is continuous   VJP: dL/da = g,  dL/db = -g * trunc(a / b)
    (as torch).   Saves the quotient.
    """

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):    # x fmod 0.0 is nan
            ctx.save_for_backward(np.trunc(a / b))
            return np.fmod(a, b)


class Maximum(Function):
    """out = max(a, b) elementwise.

    VJP: dL/da = g * w with w = [a > b] + [a = b] / 2,  dL/db = g * (1 - w)
    (w is 1 where a wins, 0 where b wins, 1/2 on ties: shared evenly, as torch).   Saves w.
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        share_a = (a > b) + 0.5 * (a == b)
        ctx.save_for_backward(share_a.astype(np.result_type(a, b), copy=False))
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        (share_a,) = ctx.saved_tensors
        return masked(g, share_a), masked(g, 1 - share_a)


class Clamp(Function):
    """out = min(max(a, low), high) with number bounds (either may be None).

    VJP: dL/da = g * [low <= a <= high]   (inclusive, as torch).   Saves the mask.
    """

    @staticmethod
    def forward(ctx, a, low, high):
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        ctx.save_for_backward(inside)
        return np.clip(a, low, high).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return masked(g, inside)


class Where(Function):
    """out = a where cond else b   (cond is a bool Tensor, not differentiated).

    VJP: dL/dcond = None,  dL/da = g * cond,  dL/db = g * (1 - cond).
    Saves nothing: it keeps cond, an input the node holds anyway, outside what backward
    frees, so a second backward through tril, triu or masked_fill works, as in torch.
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        return None, g.where(ctx.cond, 0), g.where(~ctx.cond, 0)


class Cast(Function):
    """out = a converted to `dtype` (between float16, 32 and 64).   VJP: dL/da = g converted
    back.

    Saves nothing (only a's dtype).
    """

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return cast(a, dtype)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.in_dtype)


_TO_INTEGER = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.rint}


class Round(Function):
    """out = a rounded to an integer value (in a's float dtype), by `mode`: "floor" (down),
    "ceil" (up), "trunc" (toward 0) or "round" (to the nearest, halves to even: 0.5 -> 0,
    1.5 -> 2, as torch). With `decimals` d != 0, round rounds a * 10**d and divides by 10**d
    (for d < 0: rounds a / 10**-d and multiplies back), as torch does (float16 in float32).

    Piecewise constant, so no gradient: `differentiable = False`, never recorded; saves nothing.
    """

    differentiable = False

    @staticmethod
    def forward(ctx, a, mode, decimals):
        to_integer = _TO_INTEGER[mode]
        if decimals == 0:
            return to_integer(a)
        work = np.dtype(np.float32) if a.dtype == np.float16 else a.dtype   # (10**5: inf)
        with np.errstate(over="ignore", invalid="ignore"):   # |decimals| > 308: 10**d is
            scale = np.power(work.type(10), abs(decimals), dtype=work)     # inf: nan
            out = (to_integer(a * scale) / scale if decimals > 0       # out, as torch
                   else to_integer(a / scale) * scale)
        return out.astype(a.dtype, copy=False)
