"""The inverse error functions as primitives: erfinv (torch.erfinv) and erfcinv (behind
torch.special.ndtri, the standard normal quantile, whose tails need it).

    x = erfinv(y)   <=>  erf(x) = y,   y in [-1, 1]
    x = erfcinv(q)  <=>  erfc(x) = q,  q in [0, 2]

Both derivatives come from that of erf, 2/sqrt(pi) e^(-x^2), at the output:
    d erfinv(y)/dy  =  sqrt(pi)/2 e^(x^2),     d erfcinv(q)/dq = -sqrt(pi)/2 e^(x^2),
Tensor operations on the saved output, so higher derivatives follow.

Forward: Winitzki's closed form (2008; within 2e-3), then Halley's method on erf or erfc,
whichever keeps the digits: erf(x) = y for |y| < 1/2; erfc(|x|) = 1 - |y| (exact there)
above, so the tails are found from their own small numbers. Halley's step for
f = erf(x) - y (or erfc(x) - q) is d / (1 + x d) with d = f / f', because f'' / f' = -2x
for both; the error e goes to about x^2 e^3 each step, so four steps take the guess's 2e-3
below 1e-16 out to x = 25 (q = 1e-280; beyond, an asymptotic series of ln erfc does it).
Against mpmath: `tests/test_inverse_erf.py`.
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Function
from .special import TWO_OVER_SQRT_PI, erf_numpy

WINITZKI_A = 0.147
HALLEY_STEPS = 4
HALF_SQRT_PI = math.sqrt(math.pi) / 2


def _winitzki(log_one_minus_y2: np.ndarray) -> np.ndarray:
    """|erfinv(y)| to 2e-3 from ln(1 - y^2): sqrt(sqrt(b^2 - L / a) - b), b = 2/(pi a) + L/2."""
    b = 2 / (math.pi * WINITZKI_A) + log_one_minus_y2 / 2
    return np.sqrt(np.sqrt(b * b - log_one_minus_y2 / WINITZKI_A) - b)


def _halley(x: np.ndarray, target: np.ndarray, complement: bool) -> np.ndarray:
    """HALLEY_STEPS steps towards erf(x) = target (erfc with `complement`)."""
    sign = -1.0 if complement else 1.0
    for _ in range(HALLEY_STEPS):
        with np.errstate(over="ignore", invalid="ignore"):
            ratio = (erf_numpy(x, complement) - target) / (sign * TWO_OVER_SQRT_PI
                                                          * np.exp(-x * x))
            x = x - np.nan_to_num(ratio / (1 + x * ratio))
    return x


def _far_tail(log_q: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x with ln erfc(x) = ln q for q below 1e-280, where erfc(x) itself loses its digits
    to underflow: the asymptotic series erfc(x) = e^(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2)
    + 3/(4x^4) - ...) (to 1e-20 from x = 25) as a fixed point of
    x^2 = -ln q - ln(x sqrt(pi)) + ln(series)."""
    for _ in range(6):
        inverse_square, term, series = 1 / (2 * x * x), np.ones_like(x), np.ones_like(x)
        for k in range(1, 8):
            term *= -(2 * k - 1) * inverse_square
            series += term
        x = np.sqrt(-log_q - np.log(x * math.sqrt(math.pi)) + np.log(series))
    return x


def erfcinv_positive(q: np.ndarray) -> np.ndarray:
    """x >= 0 with erfc(x) = q, for 0 <= q <= 1 (float64): inf at q = 0."""
    with np.errstate(divide="ignore"):
        log_q = np.log(q)
        guess = _winitzki(log_q + np.log(2 - q))                 # 1 - y^2 = q (2 - q)
    x = _halley(guess, q, complement=True)
    far = (q < 1e-280) & (q > 0)
    x[far] = _far_tail(log_q[far], guess[far])
    return np.where(q == 0, np.inf, np.where(q == 1, 0.0, x))


def erfinv_numpy(y: np.ndarray) -> np.ndarray:
    """erfinv elementwise in y's float dtype: +-inf at +-1, nan outside [-1, 1]."""
    y64 = y.astype(np.float64, copy=False)
    out = np.full(y64.shape, np.nan)
    a = np.abs(y64)
    near = a < 0.5
    yn = y64[near]
    out[near] = _halley(np.copysign(_winitzki(np.log1p(-yn * yn)), yn), yn, complement=False)
    far = (a >= 0.5) & (a <= 1)
    out[far] = np.copysign(erfcinv_positive(1 - a[far]), y64[far])   # 1 - |y| is exact
    return out.astype(y.dtype, copy=False)


def erfcinv_numpy(q: np.ndarray) -> np.ndarray:
    """erfcinv elementwise in q's float dtype: erfinv(1 - q) for 1/2 <= q <= 3/2 (1 - q
    exact; solving erfc(x) = q near 1 would lose the small x's digits), x > 0 for smaller
    q, and -erfcinv(2 - q) (2 - q exact) for larger; inf at 0, -inf at 2, nan outside
    [0, 2]."""
    q64 = q.astype(np.float64, copy=False)
    out = np.full(q64.shape, np.nan)
    middle = (q64 >= 0.5) & (q64 <= 1.5)
    low, high = (q64 >= 0) & (q64 < 0.5), (q64 > 1.5) & (q64 <= 2)
    out[middle] = erfinv_numpy(1 - q64[middle])
    out[low] = erfcinv_positive(q64[low])
    out[high] = -erfcinv_positive(2 - q64[high])
    return out.astype(q.dtype, copy=False)


class _InverseErrorFunction(Function, register=False):
    """erfinv and erfcinv: one forward each and, up to sign, the same VJP."""

    complement: bool

    @staticmethod
    def forward(ctx, a):
        out = erfcinv_numpy(a) if type(ctx).complement else erfinv_numpy(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        slope = (out * out).exp() * HALF_SQRT_PI
        return -g * slope if type(ctx).complement else g * slope


class ErfInv(_InverseErrorFunction):
    """out = erfinv(a), the x with erf(x) = a.

    VJP: dL/da = g * sqrt(pi)/2 * e^(out^2).   Saves out.
    """

    complement = False


class ErfcInv(_InverseErrorFunction):
    """out = erfcinv(a), the x with erfc(x) = a (the normal quantile's tails).

    VJP: dL/da = -g * sqrt(pi)/2 * e^(out^2).   Saves out.
    """

    complement = True
