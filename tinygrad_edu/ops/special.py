"""Special-function primitives: erf, erfc, atan, atan2, log2, log10, sinh, cosh.

Notation as in elementwise.py: g = dL/dout, and a VJP may return a broadcast gradient.
Each is a primitive because no composition of the other ops is exact: numpy has no erf
(the forward below is fdlibm's rational approximation), atan and atan2 have no
algebraic form, and log(x) / ln(2) misses log2(2**k) = k for a fifth of all k (the
quotient of two rounded logarithms: log2(2**29) would be 29.000000000000004); sinh and
cosh say why in their docstrings.
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Function

# erf and erfc by the rational approximations of Sun's fdlibm (s_erf.c, (c) 1993 Sun
# Microsystems, "permission to use, copy, modify, and distribute this software is freely
# granted, provided that this notice is preserved"), the erf of glibc, musl, FreeBSD and
# Go. Each polynomial is listed highest power first (Horner's order). For a = |x|:
#   a < 0.84375:         erf(x) = x + x PP(x^2) / QQ(x^2)
#   0.84375 <= a < 1.25: erfc(a) = (1 - ERX) - PA(a - 1) / QA(a - 1)    (ERX ~ erf(1))
#   1.25 <= a < 28:      erfc(a) = exp(-a^2 - 0.5625 + R(1/a^2) / S(1/a^2)) / a, with RA/SA
#                        below 1/0.35 and RB/SB above; erfc(a) < 1e-342 rounds to 0 beyond.
# (W. J. Cody's 1969 approximations are simpler, but their erf is 1 - erfc from 0.47 on,
# where the rounding of erfc costs erf up to 3.7 ulp, and erfc reaches 7 ulp.)
ERX = 8.45062911510467529297e-01
PP = (-2.37630166566501626084e-05, -5.77027029648944159157e-03, -2.84817495755985104766e-02,
      -3.25042107247001499370e-01, 1.28379167095512558561e-01)
QQ = (-3.96022827877536812320e-06, 1.32494738004321644526e-04, 5.08130628187576562776e-03,
      6.50222499887672944485e-02, 3.97917223959155352819e-01, 1.0)
PA = (-2.16637559486879084300e-03, 3.54783043256182359371e-02, -1.10894694282396677476e-01,
      3.18346619901161753674e-01, -3.72207876035701323847e-01, 4.14856118683748331666e-01,
      -2.36211856075265944077e-03)
QA = (1.19844998467991074170e-02, 1.36370839120290507362e-02, 1.26171219808761642112e-01,
      7.18286544141962662868e-02, 5.40397917702171048937e-01, 1.06420880400844228286e-01, 1.0)
RA = (-9.81432934416914548592e+00, -8.12874355063065934246e+01, -1.84605092906711035994e+02,
      -1.62396669462573470355e+02, -6.23753324503260060396e+01, -1.05586262253232909814e+01,
      -6.93858572707181764372e-01, -9.86494403484714822705e-03)
SA = (-6.04244152148580987438e-02, 6.57024977031928170135e+00, 1.08635005541779435134e+02,
      4.29008140027567833386e+02, 6.45387271733267880336e+02, 4.34565877475229228821e+02,
      1.37657754143519042600e+02, 1.96512716674392571292e+01, 1.0)
RB = (-4.83519191608651397019e+02, -1.02509513161107724954e+03, -6.37566443368389627722e+02,
      -1.60636384855821916062e+02, -1.77579549177547519889e+01, -7.99283237680523006574e-01,
      -9.86494292470009928597e-03)
SB = (-2.24409524465858183362e+01, 4.74528541206955367215e+02, 2.55305040643316442583e+03,
      3.19985821950859553908e+03, 1.53672958608443695994e+03, 3.25792512996573918826e+02,
      3.03380607434824582924e+01, 1.0)
TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _ratio(p: tuple, q: tuple, t: np.ndarray) -> np.ndarray:
    """p(t) / q(t) by Horner's rule, in place (np.polyval's steps without its temporaries)."""
    num, den = np.full_like(t, p[0]), np.full_like(t, q[0])
    for c in p[1:]:
        num *= t
        num += c
    for c in q[1:]:
        den *= t
        den += c
    num /= den
    return num


def _erfc_of_abs(a: np.ndarray) -> np.ndarray:
    """erfc(a) for a >= 0.84375 (inf included)."""
    out = np.zeros_like(a)
    near = a < 1.25
    s = a[near] - 1
    out[near] = (1 - ERX) - _ratio(PA, QA, s)
    mid = ~near & (a < 28)
    a = a[mid]
    s = 1 / (a * a)
    ratio = np.empty_like(a)
    low = a < 1 / 0.35
    ratio[low], ratio[~low] = _ratio(RA, SA, s[low]), _ratio(RB, SB, s[~low])
    # exp(-a^2) without the rounding of a^2: z = a rounded to 24 bits, so z^2 is exact,
    # and -a^2 = -z^2 + (z - a)(z + a), the second part tiny.
    z = a.astype(np.float32).astype(np.float64)
    out[mid] = np.exp(-z * z - 0.5625) * np.exp((z - a) * (z + a) + ratio) / a
    return out


def erf_numpy(x: np.ndarray, complement: bool = False) -> np.ndarray:
    """erf(x), or erfc(x) = 1 - erf(x) with `complement`, elementwise, in x's float dtype.

    Computed in float64 (fdlibm's approximations, above) and rounded to x's dtype. Max
    error against a 40-digit reference (mpmath) at about 500,000 points of [-30, 30] and
    of 1e-310 <= |x| <= 1e300: 0.93 ulp for erf and 2.4 ulp for erfc in float64 (glibc's
    math.erf and math.erfc: 0.93 and 3.0; subnormal results within one unit), and the
    float32 results are correctly rounded. erf is odd (erf(-0.) = -0.), erf(+-inf) = +-1,
    erfc(-inf) = 2, erfc(inf) = 0, and nan stays nan.
    """
    x64 = x.astype(np.float64, copy=False)
    out = np.full(x64.shape, np.nan)
    a = np.abs(x64)
    near, far = a < 0.84375, a >= 0.84375
    xs = x64[near]
    t = xs * xs
    xy = xs * _ratio(PP, QQ, t)                               # erf(x) = x + xy
    out[near] = (np.where(xs < 0.25, 1 - (xs + xy), 0.5 - ((xs - 0.5) + xy)) if complement
                 else xs + xy)          # (x - 0.5 is exact for x in [1/4, 1]: one rounding)
    tail, xs = _erfc_of_abs(a[far]), x64[far]
    out[far] = np.where(xs < 0, 2 - tail, tail) if complement else np.copysign(1 - tail, xs)
    return out.astype(x.dtype, copy=False)


class _ErrorFunction(Function, register=False):
    """erf and erfc: the same forward and, up to sign, the same VJP."""

    complement: bool

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return erf_numpy(a, type(ctx).complement)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        slope = (-(a * a)).exp() * TWO_OVER_SQRT_PI
        return -g * slope if type(ctx).complement else g * slope


class Erf(_ErrorFunction):
    """out = erf(a) = 2/sqrt(pi) * integral_0^a e^(-t^2) dt   (see `erf_numpy`: within
    1 ulp).

    VJP: dL/da = g * 2/sqrt(pi) * e^(-a^2).   Saves a.
    """

    complement = False


class Erfc(_ErrorFunction):
    """out = erfc(a) = 1 - erf(a), accurate where 1 - erf(a) would cancel: erfc(10) is
    2.1e-45, not 0 (it underflows from a = 26.6 on, to 0 beyond 27.2). A primitive for that
    reason.

    VJP: dL/da = -g * 2/sqrt(pi) * e^(-a^2).   Saves a.
    """

    complement = True


class Atan(Function):
    """out = arctan(a), in (-pi/2, pi/2).   VJP: dL/da = g / (1 + a^2).   Saves a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * a + 1)


class Sinh(Function):
    """out = sinh(a) = (e^a - e^-a) / 2, numpy's (libm's: every digit near 0, finite up to
    |a| = 710.47 where e^a alone overflows; inf beyond, without a warning).

    VJP: dL/da = g * cosh(a).   Saves a.
    A primitive because the composed forms lose either end: e^a - e^-a cancels near 0, and
    forms built from expm1(a/2) overflow in their derivative before sinh itself does.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return np.sinh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Cosh.apply(a)


class Cosh(Function):
    """out = cosh(a) = (e^a + e^-a) / 2, numpy's (finite up to |a| = 710.47).

    VJP: dL/da = g * sinh(a).   Saves a.   (A primitive for the reasons of Sinh.)
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(over="ignore"):
            return np.cosh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Sinh.apply(a)


class Atan2(Function):
    """out = atan2(a, b): the angle of the point (x, y) = (b, a), in [-pi, pi] (numpy's
    and torch's signed zeros and infinities: atan2(0, -1) = pi, atan2(-0., -1) = -pi,
    atan2(inf, inf) = pi/4).

    VJP: dL/da = g * b / (a^2 + b^2),  dL/db = -g * a / (a^2 + b^2).   Saves a, b.
    Computed with a and b divided by s = max(|a|, |b|), a constant (the same function:
    b / (a^2 + b^2) = (b/s) / (((a/s)^2 + (b/s)^2) s)), so a^2 + b^2 cannot underflow
    (below 1e-162) or overflow. At the origin, where atan2 has no derivative, the
    gradient is 0, as torch.
    A primitive rather than atan(a / b) plus pi in the left quadrants: a / b is infinite
    at b = 0, where atan2 is smooth (the gradient through a / b would be nan there), and
    nan at two infinities, where atan2 is defined. (Branches on |a| <= |b| would mend
    that, longer and less accurate than numpy's arctan2.)
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        s = np.maximum(np.abs(a.data), np.abs(b.data))
        s = np.where((s == 0) | ~np.isfinite(s), 1, s).astype(s.dtype, copy=False)
        u, v = a / s, b / s                        # (0 / 1 at the origin, not 0 / 0)
        r2 = u * u + v * v
        r2_s = r2.where(r2.data != 0, 1) * s
        return g * v / r2_s, -g * u / r2_s


class _LogOfBase(Function, register=False):
    """log2 and log10: numpy's, exact at the powers of the base."""

    numpy_log: staticmethod
    ln_base: float

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore"):
            return type(ctx).numpy_log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * type(ctx).ln_base)


class Log2(_LogOfBase):
    """out = log2(a) = ln(a) / ln 2, numpy's: log2(2**k) = k exactly (log2(0) = -inf
    without a warning, as `Log`; a negative gives nan).

    VJP: dL/da = g / (a ln 2).   Saves a.
    """

    numpy_log = staticmethod(np.log2)
    ln_base = math.log(2)


class Log10(_LogOfBase):
    """out = log10(a) = ln(a) / ln 10, numpy's: log10(1000) = 3 exactly.

    VJP: dL/da = g / (a ln 10).   Saves a.
    """

    numpy_log = staticmethod(np.log10)
    ln_base = math.log(10)
