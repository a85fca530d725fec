"""The gamma-function family as primitives: lgamma and polygamma (digamma is polygamma 0).

    lgamma(x)       = ln |Gamma(x)|
    polygamma(n, x) = d^(n+1)/dx^(n+1) lgamma(x)      (digamma = polygamma 0, trigamma = 1)

so each one's derivative is the next: lgamma' = polygamma(0, .), polygamma(n, .)' =
polygamma(n + 1, .), and the VJPs below are that chain, to any order.

numpy has none of them, so the forwards are written here, vectorized, in float64:

- lgamma, for |x| < 1/2 and 1/2 <= x < 5/2, by the series around 1 and 2 (Abramowitz &
  Stegun 6.1.33), which keeps every digit at the roots x = 1 and x = 2:
      lgamma(1 + z) = -log1p(z) + (1 - euler_gamma) z + sum_{k>=2} (-1)^k (zeta(k) - 1) z^k / k
  with lgamma(x) = lgamma(1 + x) - ln|x| below 1/2 and lgamma(2 + z) = lgamma(1 + z) +
  log1p(z) (the log1p cancels). From 5/2 to 10 it steps down to [3/2, 5/2) with
  lgamma(x) = ln((x-1)(x-2)...(x-m)) + lgamma(x - m); from 10 on, Stirling's series.
  Below -1/2, the reflection Gamma(x) Gamma(1 - x) = pi / sin(pi x).
- polygamma(n, x) for n >= 1 is (-1)^(n+1) n! zeta(n + 1, x), the Hurwitz zeta function,
  summed directly up to x + m >= 10 and from there by Euler-Maclaurin. digamma is its
  asymptotic series from 10 on and its Taylor series at its root x0 = 1.4616 (whose
  coefficients are zeta values again) below, reached by steps of psi(x + 1) = psi(x) + 1/x
  that add terms of one sign. Below 0, the reflection
      polygamma(n, x) = (-1)^n polygamma(n, 1 - x) - pi d^n/dx^n cot(pi x).
Accuracy against mpmath: see `tests/test_gamma_functions.py`.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numpy.polynomial import Polynomial

from ..function import Function

BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
             Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510), Fraction(43867, 798),
             Fraction(-174611, 330), Fraction(854513, 138), Fraction(-236364091, 2730)]
"""B_2, B_4, ..., B_24: twelve terms of each asymptotic series make them exact from 10 on."""
ASYMPTOTIC_FROM = 10.0
EULER_GAMMA = 0.57721566490153286061
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _step_up(x: np.ndarray, term, until: float) -> tuple[np.ndarray, np.ndarray]:
    """(sum of term(x + k) over k = 0 .. m-1, x + m), with m the steps that take x to
    `until`; x is 1-d."""
    total, w = np.zeros_like(x), x.copy()
    below = np.flatnonzero(w < until)
    while below.size:
        total[below] += term(w[below])
        w[below] += 1
        below = below[w[below] < until]
    return total, w


def hurwitz_zeta(s: float, q: np.ndarray) -> np.ndarray:
    """zeta(s, q) = sum_{k>=0} (q + k)^-s for s > 1, q > 0: the terms below 10 + s summed
    (the series' terms grow with s; from there twelve keep 1e-17), then Euler-Maclaurin at
    w = q + m >= 10 + s:
        w^(1-s) / (s-1) + w^-s / 2 + sum_j B_2j / (2j)! * s (s+1) ... (s+2j-2) * w^(-s-2j+1)."""
    head, w = _step_up(q, lambda v: v ** -s, until=ASYMPTOTIC_FROM + s)
    tail = w ** (1 - s) / (s - 1) + w ** -s / 2
    rising, power, inverse_square = s, w ** (-s - 1), w ** -2.0
    for j, b in enumerate(BERNOULLI, start=1):     # rising = s (s+1) ... (s+2j-2),
        tail += float(b / math.factorial(2 * j)) * rising * power   # power = w^(-s-2j+1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        power *= inverse_square
    return head + tail


ZETA_MINUS_ONE = [float(hurwitz_zeta(k, np.array([2.0]))[0]) for k in range(2, 32)]
"""zeta(k) - 1 = zeta(k, 2) for k = 2 .. 31: the series of lgamma(1 + z) for |z| <= 1/2."""


def _lgamma_one_plus(z: np.ndarray) -> np.ndarray:
    """lgamma(1 + z) - (-log1p(z)) for |z| <= 1/2, by A&S 6.1.33 (terms below 2e-19)."""
    series = np.zeros_like(z)
    for k in range(len(ZETA_MINUS_ONE) + 1, 1, -1):       # Horner, highest power first
        series = (series + (-1) ** k * ZETA_MINUS_ONE[k - 2] / k) * z
    return (series + 1 - EULER_GAMMA) * z


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """lgamma(x) for x >= 1/2 (inf stays inf)."""
    out = np.empty_like(x)
    near_one, near_two, large = x < 1.5, (x >= 1.5) & (x < 2.5), x >= ASYMPTOTIC_FROM
    z = x[near_one] - 1
    out[near_one] = _lgamma_one_plus(z) - np.log1p(z)
    out[near_two] = _lgamma_one_plus(x[near_two] - 2)
    middle = ~(near_one | near_two | large)
    steps = np.floor(x[middle] - 1.5)                     # x - steps in [3/2, 5/2)
    product, shifted = np.ones_like(steps), x[middle].copy()
    for _ in range(int(steps.max(initial=0))):
        stepping = steps > 0
        shifted[stepping] -= 1
        product[stepping] *= shifted[stepping]
        steps -= stepping
    out[middle] = np.log(product) + _lgamma_one_plus(shifted - 2)
    w = x[large]
    with np.errstate(over="ignore", invalid="ignore"):   # inf from 2.55e305 on; at w = inf,
        out[large] = w * (np.log(w) - 1) - 0.5 * np.log(w) + HALF_LOG_2PI + stirling_tail(w)
    out[large & np.isinf(x)] = np.inf                     # inf - inf: fixed here
    return out


def stirling_tail(w: np.ndarray) -> np.ndarray:
    """lgamma(w) - ((w - 1/2) ln w - w + ln(2 pi)/2) = sum_j B_2j / (2j (2j-1) w^(2j-1)),
    for w >= 10 (Stirling's series)."""
    series, inverse_square = np.zeros_like(w), w ** -2.0
    for j, b in reversed(list(enumerate(BERNOULLI, start=1))):
        series = series * inverse_square + float(b / (2 * j * (2 * j - 1)))
    return series / w


def _fraction_of_pi(x: np.ndarray) -> np.ndarray:
    """x - round(x), in [-1/2, 1/2]: exact, so sin(pi x) and tan(pi x) keep every digit."""
    return x - np.round(x)


def lgamma_numpy(x: np.ndarray) -> np.ndarray:
    """ln |Gamma(x)| elementwise in x's float dtype: inf at the poles x = 0, -1, -2, ...
    and at +-inf, nan at nan (C's lgamma and torch's)."""
    x64 = x.astype(np.float64, copy=False)
    out = np.full(x64.shape, np.inf)
    pole = (x64 <= 0) & (x64 == np.floor(x64)) | np.isneginf(x64)
    out[np.isnan(x64)] = np.nan
    small = (np.abs(x64) < 0.5) & ~pole
    xs = x64[small]
    out[small] = _lgamma_one_plus(xs) - np.log1p(xs) - np.log(np.abs(xs))
    positive = x64 >= 0.5
    out[positive] = _lgamma_positive(x64[positive])
    reflected = (x64 <= -0.5) & ~pole                    # Gamma(x) = pi / (sin(pi x) Gamma(1-x))
    xr = x64[reflected]
    out[reflected] = (math.log(math.pi) - np.log(np.abs(np.sin(math.pi * _fraction_of_pi(xr))))
                      - _lgamma_positive(1 - xr))
    return out.astype(x.dtype, copy=False)


ROOT, ROOT_LOW = 1.4616321449683622, 9.549995429965697e-17
"""digamma's positive root x0 = ROOT + ROOT_LOW (to 32 digits)."""
TAYLOR_AT_ROOT = [(-1) ** (k + 1) * float(hurwitz_zeta(k + 1, np.array([ROOT]))[0])
                  for k in range(1, 48)]
"""psi^(k)(x0) / k! = (-1)^(k+1) zeta(k + 1, x0): digamma's Taylor series at its root."""


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """digamma(x) for x > 0, without cancellation:
    - from 10 on, the asymptotic series psi(x) = ln x - 1/(2x) - sum_j B_2j / (2j x^2j);
    - within 1/2 of the root x0, the Taylor series at the root (terms below 1e-20);
    - from x0 + 1/2 to 10, stepping down into that band: psi(x) = psi(x - m) + 1/(x-1) + ...
      + 1/(x-m), a sum of positive terms;
    - below x0 - 1/2, one step up: psi(x) = psi(x + 1) - 1/x (psi(x + 1) < 0 below 0.46)."""
    out = np.empty_like(x)
    large = x >= ASYMPTOTIC_FROM
    out[large] = np.log(x[large]) + digamma_minus_log(x[large])
    below, middle = x < ROOT - 0.5, ~large & (x >= ROOT - 0.5)
    shifted, steps = x[middle].copy(), np.zeros(middle.sum())
    for _ in range(int(np.ceil(np.max(shifted, initial=0) - ROOT - 0.5))):
        stepping = shifted >= ROOT + 0.5
        shifted[stepping] -= 1
        steps[stepping] += 1 / shifted[stepping]
    out[middle] = _digamma_near_root(shifted) + steps
    out[below] = _digamma_near_root(x[below] + 1) - 1 / x[below]
    return out


def digamma_minus_log(w: np.ndarray) -> np.ndarray:
    """psi(w) - ln w = -1/(2w) - sum_j B_2j / (2j w^2j), for w >= 10 (the asymptotic series)."""
    series, inverse_square = np.zeros_like(w), w ** -2.0
    for j, b in reversed(list(enumerate(BERNOULLI, start=1))):
        series = (series + float(b / (2 * j))) * inverse_square
    return -0.5 / w - series


def _digamma_near_root(x: np.ndarray) -> np.ndarray:
    d = (x - ROOT) - ROOT_LOW                           # x - x0 with x0's 32 digits
    taylor = np.zeros_like(d)
    for c in reversed(TAYLOR_AT_ROOT):
        taylor = (taylor + c) * d
    return taylor


def _polygamma_positive(n: int, x: np.ndarray) -> np.ndarray:
    if n == 0:
        return _digamma_positive(x)
    return (-1) ** (n + 1) * math.factorial(n) * hurwitz_zeta(n + 1, x)


def _cot_derivative(n: int) -> Polynomial:
    """P_n with d^n/du^n cot(u) = P_n(cot u): P_0(c) = c, P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    p = Polynomial([0, 1])
    for _ in range(n):
        p = -Polynomial([1, 0, 1]) * p.deriv()
    return p


def polygamma_numpy(n: int, x: np.ndarray) -> np.ndarray:
    """polygamma(n, x) elementwise in x's float dtype. At x = 0 and the negative integers:
    digamma is -inf at +0, inf at -0 and nan below (torch's); polygamma n >= 1 is
    (-1)^(n+1) inf, its limit from the right. At x = inf: inf (n = 0), 0 (n >= 1); at -inf:
    nan."""
    x64 = x.astype(np.float64, copy=False)
    out = np.full(x64.shape, np.nan)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        positive = x64 > 0
        out[positive] = _polygamma_positive(n, x64[positive])
        negative = (x64 < 0) & (x64 != np.floor(x64))
        xr = x64[negative]
        r = _fraction_of_pi(xr)          # cot(pi r) = cos / sin, cos(pi r) = sin(pi (1/2 - |r|)):
        cot = np.sin(math.pi * (0.5 - np.abs(r))) / np.sin(math.pi * r)   # exactly 0 at 1/2
        finite = np.isfinite(cot)
        cot[~finite] = 0                 # (x within 1e-308 of 0: the limit below is inf)
        out[negative] = np.where(finite, (-1) ** n * _polygamma_positive(n, 1 - xr)
                                 - math.pi ** (n + 1) * _cot_derivative(n)(cot), np.inf)
    pole = (x64 <= 0) & (x64 == np.floor(x64)) & np.isfinite(x64)
    if n == 0:
        out[pole] = np.where(x64[pole] == 0, -np.copysign(np.inf, x64[pole]), np.nan)
    else:
        out[pole] = (-1) ** (n + 1) * np.inf
    return out.astype(x.dtype, copy=False)


class Lgamma(Function):
    """out = ln |Gamma(a)|.   VJP: dL/da = g * digamma(a).   Saves a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return lgamma_numpy(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Polygamma.apply(a, n=0)


class Polygamma(Function):
    """out = polygamma(n, a) = d^(n+1)/da^(n+1) ln Gamma(a)  (n = 0: digamma).

    VJP: dL/da = g * polygamma(n + 1, a).   Saves a.
    """

    @staticmethod
    def forward(ctx, a, n):
        ctx.save_for_backward(a)
        return polygamma_numpy(n, a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Polygamma.apply(a, n=ctx.options["n"] + 1)
