"""torch.special, and the gamma functions torch also has at the top level: lgamma, digamma,
polygamma, mvlgamma, igamma, igammac (`tg.lgamma(x)`, `x.lgamma()`, `tg.special.gammaln(x)`).

lgamma and polygamma are the primitives of ops/gamma.py (digamma is polygamma 0), gammainc
and gammaincc that of ops/incomplete_gamma.py, i0, i0e, i1, i1e and erfcx those of
bessel.py; mvlgamma, entr, ndtr and xlog1py are composed here; the other names are the
functions of the same name elsewhere in the library. Integer and bool inputs become float32,
as torch.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .bessel import erfcx, i0, i0e, i1, i1e
from .composed import logsumexp
from .math_more import _float, _float_pair, erf, erfc, erfinv, exp2, logit, sinc, xlogy
from .ops import gamma, incomplete_gamma, inverse_erf
from .tensor import Tensor, _tensor

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p",
           "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi",
           "round", "sinc", "softmax", "xlog1py", "xlogy"]


def lgamma(input: Any) -> Tensor:
    """ln |Gamma(x)|: inf at 0 and the negative integers. Derivative digamma(x)."""
    return gamma.Lgamma.apply(_float(input))


def digamma(input: Any) -> Tensor:
    """psi(x) = d/dx ln Gamma(x): -inf at +0, inf at -0, nan at the negative integers (as
    torch). Derivative polygamma(1, x)."""
    return gamma.Polygamma.apply(_float(input), n=0)


def polygamma(n: int, input: Any) -> Tensor:
    """The n-th derivative of digamma (polygamma(0, x) = digamma(x)); at 0 and the negative
    integers (-1)^(n+1) inf. Derivative polygamma(n + 1, x).
    Differs from torch: n > 170 is an error (n! overflows float64 here)."""
    if isinstance(n, Tensor) and n.ndim == 0 and n.dtype.kind in "iu":
        n = n.item()                                    # (a 0-d integer tensor, as torch)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma: n must be an int, got {type(n).__name__}")
    if not 0 <= n <= 170:
        raise ValueError(f"polygamma: n must be in 0 .. 170 (n! in float64), got {n}")
    return gamma.Polygamma.apply(_float(input), n=int(n))


def gammainc(input: Any, other: Any) -> Tensor:
    """The regularized lower incomplete gamma function P(a, x) = 1/Gamma(a) int_0^x
    t^(a-1) e^-t dt, a = input, x = other (the Gamma(a, 1) CDF at x). Derivatives: the
    density in x, and in a too (torch has none in a; here the first derivative only)."""
    a, x = _float_pair("gammainc", input, other)
    return incomplete_gamma.GammaInc.apply(a, x, upper=False)


def gammaincc(input: Any, other: Any) -> Tensor:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), with the
    digits of the upper tail (gammainc's derivatives with the sign turned)."""
    a, x = _float_pair("gammaincc", input, other)
    return incomplete_gamma.GammaInc.apply(a, x, upper=True)


def mvlgamma(input: Any, p: int) -> Tensor:
    """The multivariate log-gamma of dimension p:
    ln Gamma_p(x) = p (p-1)/4 ln(pi) + sum_{i=0}^{p-1} lgamma(x - i/2)."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(f"mvlgamma: p must be a positive int, got {p!r}")
    x = _float(input)
    halves = np.arange(p, dtype=x.dtype) / 2
    return lgamma(x.unsqueeze(-1) - halves).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


def entr(input: Any) -> Tensor:
    """-x ln x elementwise: 0 at x = 0, -inf for x < 0 (as torch). Derivative -(ln x + 1)
    for x > 0; 0 at and below 0 (torch: inf at 0, nan below)."""
    x = _float(input)
    positive = ~(x.data <= 0)                           # (nan stays nan, with its gradient)
    elsewhere = np.where(x.data < 0, -np.inf, np.where(np.isnan(x.data), np.nan, 0.0))
    return (-x * x.where(positive, 1).log()).where(positive, elsewhere.astype(x.dtype))


def ndtr(input: Any) -> Tensor:
    """The standard normal CDF, (1 + erf(x / sqrt 2)) / 2, as erfc(-x / sqrt 2) / 2 so that
    the lower tail keeps its digits."""
    return erfc(_float(input) * -math.sqrt(0.5)) * 0.5


def ndtri(input: Any) -> Tensor:
    """The standard normal quantile, x with ndtr(x) = p: -sqrt(2) erfcinv(2p), so that both
    tails keep their digits (ndtri(1e-300) = -37.04). Derivative sqrt(2 pi) e^(x^2 / 2)."""
    return inverse_erf.ErfcInv.apply(_float(input) * 2) * -math.sqrt(2) + 0.0   # (-0. at 1/2)


LOG_NDTR_ASYMPTOTIC_BELOW = {8: -20.0, 4: -10.0, 2: -4.0}
"""Per float size in bytes: where ndtr nears the dtype's smallest normal number (float32's
ndtr(-14) is subnormal, so its log is off), the series below is used instead; its eight
terms are exact to the dtype's precision from there down."""


def log_ndtr(input: Any) -> Tensor:
    """ln ndtr(x), finite where ndtr underflows: below a point (-20 in float64, -10 in
    float32) the asymptotic series
    ln ndtr(x) = -x^2/2 - ln(-x) - ln(2 pi)/2 + ln(1 - 1/x^2 + 3/x^4 - 15/x^6 + ...);
    up to 0, ln(ndtr(x)); above, log1p(-ndtr(-x)), which keeps the tiny values
    (log_ndtr(10) = -7.6e-24, not 0). Each piece gets its own clamped input, so no
    gradient of an unused piece is inf or nan."""
    x = _float(input)
    below = LOG_NDTR_ASYMPTOTIC_BELOW[x.dtype.itemsize]
    far = x.clamp(max=below)
    inverse_square, term, series = far ** -2, 1.0, 1.0
    for k in range(1, 9):
        term = term * -(2 * k - 1) * inverse_square
        series = series + term
    tail = -far * far / 2 - (-far).log() - 0.5 * math.log(2 * math.pi) + series.log()
    middle = ndtr(x.clamp(below, 0)).log()
    upper = (-ndtr(-x.clamp(min=0))).log1p()
    return tail.where(x.data < below, middle.where(x.data <= 0, upper))


def xlog1py(input: Any, other: Any) -> Tensor:
    """x * log1p(y), 0 where x = 0 (y not nan), as torch."""
    x, y = _float_pair("xlog1py", input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        infinite = ~np.isfinite(np.log1p(y.data)) & ~np.isnan(y.data)
    safe = y.where(~((x.data == 0) & infinite), 0)     # 0 * log1p(y) is 0 there, not nan
    return x * safe.log1p()


def expit(input: Any) -> Tensor:
    """The logistic sigmoid 1 / (1 + e^-x)."""
    return _float(input).sigmoid()


def expm1(input: Any) -> Tensor:
    return _float(input).expm1()


def log1p(input: Any) -> Tensor:
    return _float(input).log1p()


def round(input: Any, decimals: int = 0) -> Tensor:  # noqa: A001  (torch.special.round)
    return _tensor(input).round(decimals=decimals)      # (an integer stays one, as tg.round)


def softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    return _tensor(input).softmax(dim, dtype=dtype)


def log_softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    return _tensor(input).log_softmax(dim, dtype=dtype)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """x.polygamma(n) = polygamma(n, x)."""
    return polygamma(n, self)


gammaln, psi, multigammaln, igamma, igammac = lgamma, digamma, mvlgamma, gammainc, gammaincc
Tensor.lgamma, Tensor.digamma, Tensor.mvlgamma = lgamma, digamma, mvlgamma
Tensor.igamma, Tensor.igammac = gammainc, gammaincc
Tensor.polygamma = _polygamma_method
