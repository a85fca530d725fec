"""The regularized incomplete gamma functions and the gamma quantile, as primitives.

    P(a, x) = 1/Gamma(a) int_0^x t^(a-1) e^-t dt        (gammainc; Q = 1 - P is gammaincc)
    dP/dx   = p(a, x) = x^(a-1) e^-x / Gamma(a)           (the Gamma(a, 1) density)

A Gamma(a, 1) draw that has a gradient in a (the reparameterization trick) is the quantile
z = P^-1(a, u) of a uniform u held fixed. Differentiating P(a, z) = u implicitly,
    dz/du = 1 / p(a, z),        dz/da = -(dP/da)(a, z) / p(a, z),
so the VJPs need one more quantity besides the density: D(a, x) = (dP/da) / p, "the shape
derivative". Two expansions give P, Q and D, each summed without cancellation on its side
of x = a + 1 (the split of Numerical Recipes, sec. 6.2):

  x <= a + 1, the series     P = p sum_{k>=0} r_k,    r_0 = x / a,   r_k = r_(k-1) x / (a + k)
                             D = sum_k r_k (ln x - psi(a + k + 1))
      (term k of P is x^(a+k) e^-x / Gamma(a + k + 1); its derivative in a brings down
      ln x - psi(a + k + 1)). The terms shrink from the first, x / (a + k) <= 1.
  x > a + 1, Legendre's continued fraction
                             Q = p x C,    C = 1 / (b_0 + a_1 / (b_1 + a_2 / (b_2 + ...))),
                             b_n = x + 2n + 1 - a,   a_n = -n (n - a),
                             D = -dQ/da / p = -x C (ln x - psi(a) + dln C/da)
      (P + Q = 1), with dln C/da carried along the fraction's recurrence (modified Lentz)
      by the chain rule: db_n/da = -1, da_n/da = n.
D needs no Gamma(a) and no power of x, so it keeps its digits for any a; P and Q take
their size from T = x^a e^-x / Gamma(a + 1) (`log_leading_term`), without cancellation.
Cost: the series and the fraction take about 9 sqrt(a) + 20 terms near x = a.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Function
from .gamma import (ASYMPTOTIC_FROM, HALF_LOG_2PI, Polygamma, _digamma_positive,
                    _lgamma_one_plus, digamma_minus_log, lgamma_numpy, stirling_tail)

EPS = 2.0 ** -64        # a term below EPS times the sum: the sum has every float64 digit
MAX_SHAPE = 1e8         # 9 sqrt(a) = 90,000 terms (seconds); beyond, an error says so
MAX_TERMS = 1_000_000
LARGE_SHAPE = 10.0      # from here on, the log density by Stirling (no cancellation)


def _log1p_minus(d: np.ndarray) -> np.ndarray:
    """ln(1 + d) - d for |d| < 1/2 without cancellation: the Taylor series
    -d^2/2 + d^3/3 - ... (to d^54: 2^-54 / 54 < 1e-18)."""
    series = np.zeros_like(d)
    for k in range(54, 1, -1):                    # Horner, highest power first
        series = (series + (-1) ** (k + 1) / k) * d
    return series * d


def _lgamma_one_plus_a(a: np.ndarray) -> np.ndarray:
    """lgamma(1 + a), from a itself up to 1/2 (rounding 1 + a would cost up to 6e-17)."""
    return np.where(a <= 0.5, _lgamma_one_plus(np.minimum(a, 0.5)) - np.log1p(a),
                    lgamma_numpy(1 + a))


def log_leading_term(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """ln T, T = x^a e^-x / Gamma(a + 1) (= p x / a, the first term of P's series), for
    a > 0, x > 0. Below a = 10, a ln x - x - lgamma(1 + a), small terms; from 10 on, with
    x = a (1 + d) and Stirling's lgamma(a + 1) = (a + 1/2) ln a - a + ln(2 pi)/2 + s(a),
        ln T = a (ln(1 + d) - d) - ln(2 pi a)/2 - s(a),
    where the large terms have cancelled by hand."""
    with np.errstate(divide="ignore"):           # (x / a can underflow to 0: ln 0 = -inf)
        out = a * np.log(x) - x - _lgamma_one_plus_a(a)
        large = a >= LARGE_SHAPE
        al, xl = a[large], x[large]
        d = (xl - al) / al                        # x - a is exact where it matters
        near = np.abs(d) < 0.5
        log1p_minus = np.log(xl / al) - d
    log1p_minus[near] = _log1p_minus(d[near])
    out[large] = al * log1p_minus - 0.5 * np.log(al) - HALF_LOG_2PI - stirling_tail(al)
    return out


def _psi_minus_log(w: np.ndarray) -> np.ndarray:
    """psi(w) - ln w for w > 0 (the asymptotic series from 10 on: no cancellation)."""
    large = w >= ASYMPTOTIC_FROM
    return np.where(large, digamma_minus_log(np.where(large, w, ASYMPTOTIC_FROM)),
                    _digamma_positive(np.minimum(w, ASYMPTOTIC_FROM)) - np.log(w))


def _log_ratio(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """ln(x / w), as log1p((x - w) / w) where x is near w (x - w is exact there)."""
    near = np.abs(x - w) < 0.5 * w
    out = np.log(x) - np.log(w)
    out[near] = np.log1p((x[near] - w[near]) / w[near])
    return out


def _lower_series(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P / T = sum_k r_k / r_0, D) by the series, for 1-d a > 0 and 0 < x <= a + 1. Each
    factor ln x - psi(v), v = a + k + 1, is taken as ln(x / v) - (psi(v) - ln v), two small
    numbers, with psi(v + 1) - ln(v + 1) = psi(v) - ln v + 1/v - ln(1 + 1/v)."""
    v = a + 1
    r = np.ones_like(x)                              # r_k / r_0
    psi_minus_log = _psi_minus_log(v)
    total, shape_derivative = r.copy(), _log_ratio(x, v) - psi_minus_log
    active = np.arange(a.size)
    for _ in range(MAX_TERMS):
        if not active.size:
            return total, shape_derivative * x / a
        vi = v[active]                               # r_(k+1) = r_k x / (a + k + 1)
        r[active] *= x[active] / vi
        psi_minus_log[active] += 1 / vi - np.log1p(1 / vi)
        v[active] = vi = vi + 1
        total[active] += r[active]
        shape_derivative[active] += r[active] * (_log_ratio(x[active], vi)
                                                 - psi_minus_log[active])
        active = active[r[active] > EPS * total[active]]
    raise ArithmeticError("gammainc: the series did not converge")


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(C, dln C/da) by Lentz's method for 1-d a > 0 and x > a + 1:
    F = b_0 + a_1 / (b_1 + ...) = F_n after n steps,  F_n = F_(n-1) c_n d_n  with
    c_n = b_n + a_n / c_(n-1) (c_0 = b_0) and d_n = 1 / (b_n + a_n d_(n-1)) (d_0 = 0);
    ln F adds ln(c_n d_n), its derivative dc_n / c_n + dd_n / d_n (the two ratios are
    carried: squares of c ~ x or d ~ 1/x would overflow or vanish); C = 1 / F."""
    b = x + 1 - a
    c, dc_over_c = b.copy(), -1 / b
    d, dd_over_d = np.zeros_like(b), np.zeros_like(b)
    log_f, dlog_f = np.log(b), -1 / b
    active = np.arange(a.size)
    for n in range(1, MAX_TERMS):
        if not active.size:
            return np.exp(-log_f), -dlog_f
        an = -n * (n - a[active])                     # da_n/da = n, db_n/da = -1
        b[active] += 2
        bi, ci, di = b[active], c[active], d[active]
        new_d = 1 / (bi + an * di)
        new_dd_over_d = -new_d * (-1 + di * (n + an * dd_over_d[active]))
        new_c = bi + an / ci
        new_dc_over_c = (-1 + (n - an * dc_over_c[active]) / ci) / new_c
        step, dstep = np.log(new_c * new_d), new_dc_over_c + new_dd_over_d
        c[active], dc_over_c[active], d[active], dd_over_d[active] = (
            new_c, new_dc_over_c, new_d, new_dd_over_d)
        log_f[active] += step
        dlog_f[active] += dstep
        done = (np.abs(step) <= EPS) & (np.abs(dstep) <= EPS * np.abs(dlog_f[active]))
        active = active[~done]
    raise ArithmeticError("gammaincc: the continued fraction did not converge")


def _upper_small_shape(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q for a < 1 and x <= a + 1 < 2, where 1 - P would lose digits (Q(0.001, 1) = 2e-4).
    From P = x^a / Gamma(a + 1) (1 + a sum_{n>=1} (-x)^n / (n! (a + n))) (the exponential's
    series integrated term by term):
        Q = -expm1(a ln x - lgamma(1 + a)) - x^a / Gamma(a + 1) a sum_{n>=1} ...
    40 terms: 2^40 / 40! < 1e-35."""
    log_power = a * np.log(x) - _lgamma_one_plus_a(a)
    term, total = np.ones_like(x), np.zeros_like(x)
    for n in range(1, 41):
        term *= -x / n
        total += term / (a + n)
    return -np.expm1(log_power) - np.exp(log_power) * a * total


def _expansions(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ln P, ln Q, D, ln T) for 1-d float64 a > 0 and 0 < x < inf, each side by its
    expansion (P = T sum_k r_k / r_0, Q = p x C = T a C) and the other as ln(1 - e^that)."""
    lower = x <= a + 1
    log_t = log_leading_term(a, x)
    log_lower, log_upper, shape_derivative = np.empty_like(a), np.empty_like(a), np.empty_like(a)
    total, shape_derivative[lower] = _lower_series(a[lower], x[lower])
    log_lower[lower] = log_t[lower] + np.log(total)
    xu, au = x[~lower], a[~lower]
    fraction, dlog_fraction = _upper_fraction(au, xu)
    with np.errstate(divide="ignore"):           # (a fraction that underflows: Q = 0)
        log_upper[~lower] = log_t[~lower] + np.log(au * fraction)
    shape_derivative[~lower] = -xu * fraction * (_log_ratio(xu, au) - _psi_minus_log(au)
                                                  + dlog_fraction)
    with np.errstate(divide="ignore"):               # ln 0 = -inf where the other is 1
        log_upper[lower] = np.log(-np.expm1(log_lower[lower]))
        small = lower & (a < 1)
        log_upper[small] = np.log(_upper_small_shape(a[small], x[small]))
        log_lower[~lower] = np.log(-np.expm1(log_upper[~lower]))
    return log_lower, log_upper, shape_derivative, log_t


def _interior(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)


def _flat_pair(a: Any, x: Any, op: str) -> tuple[tuple, np.ndarray, np.ndarray]:
    """(broadcast shape, a, x) as 1-d float64 arrays, a checked against MAX_SHAPE."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    if np.any(np.isfinite(a) & (a > MAX_SHAPE)):
        raise ValueError(f"{op}: shape a = {np.max(a[np.isfinite(a)]):g} is beyond what "
                         f"this implementation sums (a <= {MAX_SHAPE:g}: its series and "
                         "fraction take about 9 sqrt(a) terms)")
    return a.shape, a.ravel(), x.ravel()


def gammainc_numpy(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x), or Q(a, x) when `upper`, broadcast, in float64. At the edges as torch:
    P(a, 0) = 0 and P(a, inf) = 1 for a > 0, P(0, x) = 1 for x > 0, P(inf, x) = 0 for
    finite x; nan for a < 0, x < 0, P(0, 0), P(inf, inf) and nan inputs."""
    shape, a, x = _flat_pair(a, x, "gammaincc" if upper else "gammainc")
    lower_value = np.full(a.shape, np.nan)
    lower_value[(a > 0) & (x == 0)] = 0.0
    lower_value[(a > 0) & np.isfinite(a) & (x == np.inf)] = 1.0
    lower_value[(a == 0) & (x > 0)] = 1.0
    lower_value[(a == np.inf) & (x >= 0) & np.isfinite(x)] = 0.0
    inside = _interior(a, x)
    logs = _expansions(a[inside], x[inside])
    lower_value[inside] = np.exp(logs[0])
    out = 1 - lower_value
    out[inside] = np.exp(logs[1])
    return (out if upper else lower_value).reshape(shape)


def shape_derivative_numpy(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """D(a, x) = (dP/da)(a, x) / p(a, x), broadcast, float64 (0 where x is 0 or inf)."""
    shape, a, x = _flat_pair(a, x, "gammainc")
    out = np.where((x == 0) | (x == np.inf), 0.0, np.nan)
    inside = _interior(a, x)
    out[inside] = _expansions(a[inside], x[inside])[2]
    return out.reshape(shape)


def _initial_quantile(a: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A first guess at ln z, P(a, z) = u, that Newton's method then refines. For a > 1,
    Wilson & Hilferty's z = a (1 - 1/(9a) + w / (3 sqrt a))^3 with w the normal quantile of
    u (A&S 26.2.23, to 5e-4); for a <= 1, P ~ t (z / z_t)^a below a split t and the
    exponential tail above (Numerical Recipes' gammpinv); where Wilson & Hilferty's cube is
    not positive (far in the lower tail), the lower tail's z^a / Gamma(a + 1) = u."""
    tail = np.minimum(u, 1 - u)
    t = np.sqrt(-2 * np.log(tail))
    w = t - (2.30753 + 0.27061 * t) / (1 + t * (0.99229 + 0.04481 * t))
    w = np.where(u < 0.5, -w, w)
    cube = 1 - 1 / (9 * a) + w / (3 * np.sqrt(a))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_normal_guess = np.log(a) + 3 * np.log(cube)           # nan where cube <= 0
        split = 1 - a * (0.253 + 0.12 * a)
        log_small_guess = np.where(u < split, np.log(u / split) / a,
                                   np.log1p(-np.log((1 - u) / (1 - split))))
        log_lower_tail = (np.log(u) + lgamma_numpy(a + 1)) / a
    return np.where(a > 1, np.where(cube > 0, log_normal_guess, log_lower_tail),
                    log_small_guess)


TINY = np.finfo(np.float64).tiny
LOG_TINY = math.log(TINY)


def gamma_quantile_numpy(a: np.ndarray, u: np.ndarray) -> np.ndarray:
    """z with P(a, z) = u, for a > 0 and 0 <= u < 1 (float64, broadcast): Newton's method on
    ln P(a, z) = ln u in y = ln z when u <= 1/2, on ln Q(a, z) = ln(1 - u) above, so both
    tails keep their digits (d ln P / d ln z = z p / P). Steps are limited to z e^1
    upwards; z stays at least the smallest normal float64 (a quantile below it is that:
    torch's gamma draws do the same). The last step taken is below 1e-9 (relative), after
    which Newton's own error is below 1e-17: z is then as exact as P's rounding allows
    (1e-14 relative at a = 1e5)."""
    shape, a, u = _flat_pair(a, u, "gamma quantile (Gamma.rsample)")
    with np.errstate(all="ignore"):             # (u = 0, a = 0, a = inf: set below)
        y = np.maximum(_initial_quantile(a, u), LOG_TINY)
        lower = u <= 0.5
        target = np.where(lower, np.log(u), np.log1p(-u))
    active = np.flatnonzero((u > 0) & (u < 1) & (a > 0) & np.isfinite(a))
    for _ in range(100):
        if not active.size:
            break
        ya, aa = y[active], a[active]
        z = np.exp(ya)
        log_lower, log_upper, _, log_t = _expansions(aa, z)
        low = lower[active]
        log_cdf = np.where(low, log_lower, log_upper)
        slope = aa * np.exp(log_t - log_cdf) * np.where(low, 1, -1)      # z p = a T
        with np.errstate(divide="ignore", invalid="ignore"):       # a flat tail: step 1
            step = np.clip(np.nan_to_num(-(log_cdf - target[active]) / slope, nan=1.0),
                           -1000.0, 1.0)
        y[active] = new_y = np.maximum(ya + step, LOG_TINY)
        active = active[np.abs(new_y - ya) > 1e-9 * np.maximum(1, np.abs(ya))]
    z = np.maximum(np.exp(y), TINY)
    z[u == 0] = TINY
    z[~((u >= 0) & (u < 1) & (a > 0)) | np.isnan(a)] = np.nan
    return z.reshape(shape)


def _float_result(*arrays: np.ndarray) -> np.dtype:
    return np.result_type(*arrays, np.float32)


class GammaDensity(Function):
    """out = p(a, x) = x^(a-1) e^-x / Gamma(a), computed as a T / x (`log_leading_term`).

    VJP: dL/da = g * out * (ln x - digamma(a)),   dL/dx = g * out * ((a - 1) / x - 1).
    Saves a, x and out.
    """

    @staticmethod
    def forward(ctx, a, x):
        a64, x64 = np.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
        out = np.zeros(a64.shape)
        inside = _interior(a64, x64)
        ai, xi = a64[inside], x64[inside]
        out[inside] = np.exp(log_leading_term(ai, xi) + np.log(ai) - np.log(xi))
        at_zero = (x64 == 0) & (a64 > 0)
        out[at_zero] = np.where(a64[at_zero] < 1, np.inf, np.where(a64[at_zero] == 1, 1, 0))
        # a = 0: P(0, x) = 1 for x > 0, flat (1 / Gamma(0) = 0); undefined at x = 0, as torch
        out[np.isnan(a64) | np.isnan(x64) | (a64 < 0) | ((a64 == 0) & (x64 == 0))] = np.nan
        out = out.astype(_float_result(a, x))
        ctx.save_for_backward(a, x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, x, out = ctx.saved_tensors
        grad_a = g * out * (x.log() - Polygamma.apply(a, n=0)) if ctx.needs_input_grad[0] else None
        grad_x = g * out * ((a - 1) / x - 1) if ctx.needs_input_grad[1] else None
        return grad_a, grad_x


def _shape_gradient(g, a, x, density) -> np.ndarray:
    """g p D as an array (0 where D is: x = 0 or inf, P flat in a there)."""
    shape_derivative = shape_derivative_numpy(a.data, x.data)
    with np.errstate(invalid="ignore"):
        return np.where(shape_derivative == 0, 0.0, g.data * density * shape_derivative)


class GammaInc(Function):
    """out = P(a, x) (torch.special.gammainc), or Q(a, x) = 1 - P(a, x) when `upper`.

    VJP: dL/da = +-g p(a, x) D(a, x),   dL/dx = +-g p(a, x)   (- for Q, as dQ = -dP).
    D comes from the series or the fraction, outside the graph, so a second derivative
    through dL/da raises (torch has not even the first). Saves a and x.
    """

    second_order_note = ("the derivative of gammainc/gammaincc in the shape a is summed "
                         "outside the graph")

    @staticmethod
    def forward(ctx, a, x, upper):
        ctx.save_for_backward(a, x)
        return gammainc_numpy(a, x, upper).astype(_float_result(a, x))

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        sign = -1 if ctx.options["upper"] else 1
        density = GammaDensity.apply(a, x)
        grad_a = sign * _shape_gradient(g, a, x, density.data) if ctx.needs_input_grad[0] else None
        return grad_a, sign * g * density if ctx.needs_input_grad[1] else None


class GammaQuantile(Function):
    """out = z with P(a, z) = u: the Gamma(a, 1) quantile, a draw when u ~ U(0, 1) whose
    gradient in a is the reparameterized one (torch's _standard_gamma and its gradient).

    By implicit differentiation of P(a, z) = u (D outside the graph, as in GammaInc):
    VJP: dL/da = -g D(a, z),     dL/du = g / p(a, z).   Saves a and out.
    """

    second_order_note = ("the derivative of a gamma draw (Gamma, Chi2, Beta, Dirichlet, "
                         "StudentT rsample) in its shape is summed outside the graph")

    @staticmethod
    def forward(ctx, a, u):
        dtype = _float_result(a)                                      # (a draw in a's dtype,
        out = np.maximum(gamma_quantile_numpy(a, u).astype(dtype),   # at least its smallest
                         np.finfo(dtype).tiny)                        # normal, as torch)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, z = ctx.saved_tensors
        grad_a = -_shape_gradient(g, a, z, 1.0) if ctx.needs_input_grad[0] else None
        return grad_a, g / GammaDensity.apply(a, z) if ctx.needs_input_grad[1] else None
