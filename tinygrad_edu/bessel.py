"""The modified Bessel functions of the first kind I0 and I1, their exponentially scaled
forms, and the scaled complementary error function, as torch.special has them:

    i0(x)  = I0(x) = sum_k (x/2)^(2k) / (k!)^2          i0e(x) = e^-|x| I0(x)
    i1(x)  = I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!)    i1e(x) = e^-|x| I1(x)
    erfcx(x) = e^(x^2) erfc(x)

(torch.i0 and x.i0() too). The scaled forms stay finite where I0, I1 and e^(x^2) overflow:
i0e(x) ~ 1 / sqrt(2 pi |x|) and erfcx(x) ~ 1 / (x sqrt(pi)) for large x.

Each is a primitive (numpy has np.i0 but not the others), and each derivative is written
with the others, so the VJPs are differentiable again, to any order:

    i0' = i1                   i1' = i0 - i1 / x            (1/2 at x = 0)
    i0e' = i1e - sign(x) i0e   i1e' = i0e - i1e (sign(x) + 1/x)   (1/2 at x = 0)
    erfcx' = 2 x erfcx(x) - 2 / sqrt(pi)

The forwards run in float64 and are rounded to the input's dtype:

- i0e and i1e by Cephes' Chebyshev expansions (i0.c, i1.c; Cephes Math Library 2.8,
  (c) 1984-2000 Stephen L. Moshier, BSD license), the ones torch, numpy's np.i0 and XLA use:
  e^-x I(x) in t = x/2 - 2 for 0 <= x <= 8, e^-x sqrt(x) I(x) in t = 32/x - 2 beyond.
  Cephes gives their peak relative error over [0, 30] as 5.8e-16 (i0), 5.4e-16 (i0e),
  1.9e-15 (i1) and 2.0e-15 (i1e); `tests/test_bessel.py` checks them against mpmath.
- i0 and i1 are e^|x| times the scaled ones, with e^|x| in two factors beyond 700, so that
  they are finite up to |x| = 713.98, where I0 and I1 overflow (torch's are inf from 709.78
  on, where e^x does).
- erfcx with fdlibm's rational approximations of erfc (ops/special.py):
  erfc(x) = e^(-x^2 - 0.5625 + R(1/x^2) / S(1/x^2)) / x for x >= 1.25, so there
  erfcx(x) = e^(R/S - 0.5625) / x with no e^(x^2) at all (R/S keeps its digits beyond
  fdlibm's x < 28, where erfc underflows: within 2 ulp of mpmath up to 1e300). Below
  1.25, e^(x^2) erfc(x), with x^2 split exactly as fdlibm does (x = z + (x - z), z with
  24 bits): erfcx(x) = 2 e^(x^2) - erfcx(-x) grows to inf where 2 e^(x^2) overflows,
  x < -26.63.

Integer and bool inputs become the default float dtype, as torch.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .composed import sign
from .function import Function
from .math_more import _float
from .ops.special import RA, RB, SA, SB, _ratio, erf_numpy
from .tensor import Tensor

__all__ = ["erfcx", "i0", "i0e", "i1", "i1e"]

# Cephes' Chebyshev coefficients, highest order first (chbevl's order); see the docstring.
I0_A = (-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
        1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
        -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
        9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
        -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
        1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
        -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
        1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
        -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
        1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
"""e^-x I0(x) on [0, 8], in t = x/2 - 2."""
I0_B = (-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
        3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
        1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
        -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
        7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
        -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
        3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
        2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
        8.04490411014108831608e-1)
"""e^-x sqrt(x) I0(x) on [8, inf), in t = 32/x - 2 (its limit is 1/sqrt(2 pi))."""
I1_A = (2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
        -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
        3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
        -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
        9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
        -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
        4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
        -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
        2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
        -1.76416518357834055153e-1, 2.52587186443633654823e-1)
"""e^-x I1(x) / x on [0, 8], in t = x/2 - 2."""
I1_B = (7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
        -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
        -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
        4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
        -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
        3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
        -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
        -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
        7.78576235018280120474e-1)
"""e^-x sqrt(x) I1(x) on [8, inf), in t = 32/x - 2 (its limit is 1/sqrt(2 pi))."""
EXP_SPLIT = 700.0
"""e^|x| = e^h e^(|x| - h), h = min(|x|, 700) (|x| - h is exact; e^0 = 1 below 700): finite
as long as I0(x) and I1(x) are."""
ERFCX_RATIONAL_FROM = 1.25
"""Where fdlibm's e^(R/S - 0.5625) / x takes over from e^(x^2) erfc(x)."""
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def chbevl(t: np.ndarray, coefficients: tuple) -> np.ndarray:
    """c_0 T_n(t/2) + ... + c_(n-1) T_1(t/2) + c_n / 2 by Clenshaw's recurrence,
    b_k = t b_(k+1) - b_(k+2) + c_k (Cephes' chbevl; t in [-2, 2])."""
    b0, b1, b2 = np.zeros_like(t), np.zeros_like(t), np.zeros_like(t)
    for c in coefficients:
        b2, b1 = b1, b0
        b0 = t * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _scaled_bessel(x: np.ndarray, order: int) -> np.ndarray:
    """e^-|x| I_order(x) in float64: one Chebyshev series up to |x| = 8, the other beyond
    (i1e odd, with -0. at -0.; inf gives 0, nan stays nan)."""
    a = np.abs(x.astype(np.float64, copy=False))
    out = np.empty_like(a)
    near = a <= 8
    near_series, far_series = (I0_A, I0_B) if order == 0 else (I1_A, I1_B)
    out[near] = chbevl(a[near] / 2 - 2, near_series) * (1 if order == 0 else a[near])
    far = a[~near]
    out[~near] = chbevl(32 / far - 2, far_series) / np.sqrt(far)
    return out if order == 0 else np.copysign(out, x)


def _rounded(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """float64 values in like's dtype (beyond its range: inf, silently)."""
    with np.errstate(over="ignore"):
        return values.astype(like.dtype, copy=False)


def bessel_numpy(x: np.ndarray, order: int, scaled: bool) -> np.ndarray:
    """I_order(x), or e^-|x| I_order(x) when `scaled`, for order 0 or 1, in x's dtype."""
    out = _scaled_bessel(x, order)
    if not scaled:
        a = np.abs(x.astype(np.float64, copy=False))
        head = np.minimum(a, EXP_SPLIT)
        with np.errstate(over="ignore", invalid="ignore"):      # inf beyond |x| = 713.98
            out = np.where(np.isinf(a), np.copysign(np.inf, out),
                           np.exp(head) * out * np.exp(a - head))
    return _rounded(out, x)


def _exp_square(x: np.ndarray) -> np.ndarray:
    """e^(x^2) without the rounding of x^2: x = z + (x - z) with z = x to 24 bits, so z^2
    is exact and x^2 = z^2 + (x - z)(x + z). For |x| <= 27 (beyond, e^(x^2) is inf)."""
    z = x.astype(np.float32).astype(np.float64)
    return np.exp(z * z) * np.exp((x - z) * (x + z))


def erfcx_numpy(x: np.ndarray) -> np.ndarray:
    """e^(x^2) erfc(x) in x's dtype: 1 at 0, ~ 1 / (x sqrt(pi)) for large x (0 at inf),
    2 e^(x^2) for very negative x (inf below -26.63 and at -inf); nan stays nan."""
    x64 = x.astype(np.float64, copy=False)
    out = np.empty_like(x64)
    near = x64 < ERFCX_RATIONAL_FROM
    xs = np.maximum(x64[near], -27.0)           # (erfcx(-27) is inf already, as at -inf)
    with np.errstate(over="ignore"):
        out[near] = _exp_square(xs) * erf_numpy(xs, complement=True)
    a = x64[~near]
    t = 1 / a
    s = t * t
    ratio = np.empty_like(a)
    low = a < 1 / 0.35                          # fdlibm's two rationals, as in _erfc_of_abs
    ratio[low], ratio[~low] = _ratio(RA, SA, s[low]), _ratio(RB, SB, s[~low])
    out[~near] = np.exp(ratio - 0.5625) * t
    return _rounded(out, x)


# ---------------------------------------------------------------------------- primitives
def _over_x(value: Tensor, x: Tensor, scaled: bool) -> Tensor:
    """value / x for value = i1(x) (or i1e(x) when scaled); where |x| <= eps (torch's cut)
    its series I1(x) / x = 1/2 + x^2 / 16 + O(x^4) (times e^-|x| when scaled), which is the
    same to the last digit there and has the same first and second derivatives. x is
    replaced by 1 at those points, so no 0/0 reaches a higher derivative."""
    tiny = np.abs(x.data) <= np.finfo(x.dtype).eps
    near_zero = x.where(tiny, 0)
    series = near_zero * near_zero / 16 + 0.5
    limit = series * (-near_zero.abs()).exp() if scaled else series
    with np.errstate(invalid="ignore"):                 # i1(inf) / inf: nan, as torch
        return (value / x.where(~tiny, 1)).where(~tiny, limit)


class I0(Function):
    """out = I0(a), the modified Bessel function of the first kind of order 0.

    VJP: dL/da = g * i1(a).   Saves a.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return bessel_numpy(a, order=0, scaled=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * I1.apply(a)


class I0e(Function):
    """out = i0e(a) = e^-|a| I0(a).

    VJP: dL/da = g * (i1e(a) - sign(a) out).   Saves a and out.
    """

    @staticmethod
    def forward(ctx, a):
        out = bessel_numpy(a, order=0, scaled=True)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g * (I1e.apply(a) - sign(a) * out)


class I1(Function):
    """out = I1(a), the modified Bessel function of the first kind of order 1 (odd).

    VJP: dL/da = g * (i0(a) - out / a), and g / 2 at a = 0.   Saves a and out.
    """

    @staticmethod
    def forward(ctx, a):
        out = bessel_numpy(a, order=1, scaled=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        i0 = I0.apply(a)
        return g * (i0 - _over_x(out, a, scaled=False))


class I1e(Function):
    """out = i1e(a) = e^-|a| I1(a).

    VJP: dL/da = g * (i0e(a) - out (sign(a) + 1/a)), and g / 2 at a = 0.   Saves a and out.
    """

    @staticmethod
    def forward(ctx, a):
        out = bessel_numpy(a, order=1, scaled=True)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        i0e = I0e.apply(a)
        return g * (i0e - sign(a) * out - _over_x(out, a, scaled=True))


class Erfcx(Function):
    """out = erfcx(a) = e^(a^2) erfc(a).

    VJP: dL/da = g * (2 a out - 2/sqrt(pi)).   Saves a and out.
    For large a the two terms cancel (the derivative is about -1 / (sqrt(pi) a^2); torch's
    formula keeps 16 - 2 log10(a) digits), so above a = 12 it is the asymptotic series
    -1/sqrt(pi) sum_k c_k (2k + 1) / a^(2k + 2), c_k = (-1)^k (2k - 1)!! / 2^k, to 12
    terms: exact to rounding there, and so are its own derivatives.
    """

    ASYMPTOTIC_ABOVE = 12.0

    @staticmethod
    def forward(ctx, a):
        out = erfcx_numpy(a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        far = a.data > Erfcx.ASYMPTOTIC_ABOVE
        near = ~far                              # (each piece sees only its own inputs)
        with np.errstate(over="ignore", invalid="ignore"):        # -inf below -26.6
            slope = 2 * a.where(near, 0) * out.where(near, 0) - TWO_OVER_SQRT_PI
        if far.any():
            slope = slope.where(near, _erfcx_slope_series(a.where(far, Erfcx.ASYMPTOTIC_ABOVE)))
        return g * slope


def _erfcx_slope_series(a: Tensor) -> Tensor:
    """erfcx'(a) for a >= 12: -1/sqrt(pi) sum_{k < 12} c_k (2k + 1) a^-(2k + 2), Tensor ops."""
    w = a ** -2
    series, power, c = 0.0, w, 1.0
    for k in range(12):
        series = series + power * (c * (2 * k + 1))
        power, c = power * w, c * -(2 * k + 1) / 2
    return series * (-TWO_OVER_SQRT_PI / 2)


# ---------------------------------------------------------------------------- public names
def i0(input: Any) -> Tensor:
    """I0(x) = sum_k (x/2)^(2k) / (k!)^2: even, 1 at 0, ~ e^|x| / sqrt(2 pi |x|) for large
    |x| (inf beyond 713.98). Derivative i1(x)."""
    return I0.apply(_float(input))


def i0e(input: Any) -> Tensor:
    """e^-|x| I0(x): 1 at 0, ~ 1 / sqrt(2 pi |x|), 0 at +-inf. Derivative
    i1e(x) - sign(x) i0e(x)."""
    return I0e.apply(_float(input))


def i1(input: Any) -> Tensor:
    """I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!): odd, ~ x/2 near 0. Derivative
    i0(x) - i1(x) / x (1/2 at 0)."""
    return I1.apply(_float(input))


def i1e(input: Any) -> Tensor:
    """e^-|x| I1(x): odd, 0 at 0 and at +-inf. Derivative i0e(x) - i1e(x) (sign(x) + 1/x)
    (1/2 at 0)."""
    return I1e.apply(_float(input))


def erfcx(input: Any) -> Tensor:
    """e^(x^2) erfc(x), without the overflow and underflow of the product: ~ 1 / (x sqrt(pi))
    for large x (erfcx(1e10) = 5.6e-11 where erfc(1e10) is 0), 2 e^(x^2) for very negative
    x. Derivative 2 x erfcx(x) - 2/sqrt(pi)."""
    return Erfcx.apply(_float(input))


Tensor.i0 = i0
