"""More of torch.distributions: Uniform, Exponential, Laplace, LogNormal, Gamma, Chi2, Beta,
Dirichlet and StudentT, each with log_prob, entropy, mean, mode and variance composed of
Tensor ops (differentiable in the parameters, to any order; the gamma family's through
lgamma and digamma, ops/gamma.py), and their closed-form KL divergences.

Every family has `rsample`, a differentiable transform of a draw that does not depend on
the parameters (the reparameterization trick):
    Uniform:     low + (high - low) u                       u ~ U[0, 1)
    Exponential: -log(1 - u) / rate
    Laplace:     loc - scale sign(v) log(1 - |v|)             v ~ U(-1, 1)
    LogNormal:   exp(loc + scale eps)                         eps ~ N(0, 1)
    Gamma:       P^-1(a, u) / rate, the quantile of the standard gamma at u
                 (ops/incomplete_gamma.py: dz/da by implicit differentiation, exact)
    Beta, Dirichlet: normalized Gamma draws, G_k / sum_j G_j, kept in [tiny, 1 - eps]
    StudentT:    loc + scale eps / sqrt(V / df)              V ~ Chi2(df)
The gamma quantile costs Newton steps on series (benchmarks/bench_gamma_draws.py: 50-200x
torch's rsample), so `sample()` (no gradient) of Gamma, Beta and Dirichlet draws with
numpy's sampler instead.
Differs from torch: Dirichlet's rsample differentiates the normalized gamma draws (torch
differentiates each coordinate's Beta marginal): another unbiased pathwise gradient.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import random
from .distributions import (LOG_SQRT_2PI, Distribution, Normal, _check,
                            _inside_unit_interval, _parameters, kl_divergence, register_kl)
from .composed import stack
from .grad_mode import no_grad
from .math_more import xlogy
from .shapes import broadcast_shapes
from .ops.incomplete_gamma import GammaQuantile
from .special import digamma, gammainc, lgamma, xlog1py
from .tensor import Tensor, _tensor


class _Parameterized(Distribution):
    """Parameters broadcast to the batch shape, checked to be in their domain."""

    def __init__(self, name: str, positive: dict, validate_args: bool | None, **real: Any
                 ) -> None:
        params = {**real, **positive}
        for key, value in zip(params, _parameters(*params.values())):
            setattr(self, key, value)
        shapes = [getattr(self, key).shape for key in params]
        super().__init__(broadcast_shapes(*shapes), validate_args=validate_args)
        for key in positive:
            _check(name, f"{key} > 0", bool(np.all(getattr(self, key).data > 0)),
                   validate_args)
        for key in real:
            _check(name, f"{key} without nan", not np.isnan(getattr(self, key).data).any(),
                   validate_args)
        self._name = name

    def _uniform(self, sample_shape: Sequence[int], low: float = 0.0) -> Tensor:
        """u ~ U[low, 1) of shape sample_shape + batch_shape, in the parameters' dtype."""
        dtype = np.result_type(*(value.dtype for value in vars(self).values()
                                 if isinstance(value, Tensor)))
        u = random.generator().uniform(low, 1.0, self._extended_shape(sample_shape))
        return Tensor(u.astype(dtype))

    def _real(self, value: Any, method: str = "log_prob") -> Tensor:
        """value, checked not to be nan (torch's support of the real line)."""
        return self._support(value, (lambda v: ~np.isnan(v), "x not nan"), method)

    def _support(self, value: Any, inside: Any, method: str = "log_prob") -> Tensor:
        x = self._value(value)
        _check(f"{self._name}.{method}", f"values in the support, {inside[1]}",
               bool(np.all(inside[0](x.data))), self.validate_args)
        return x


class Uniform(_Parameterized):
    """U[low, high).   log_prob = -log(high - low) inside, -inf outside;
    entropy = log(high - low)."""

    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        super().__init__("Uniform", {}, validate_args, low=low, high=high)
        _check("Uniform", "low < high", bool(np.all(self.low.data < self.high.data)),
               validate_args)

    mean = property(lambda self: ((self.low + self.high) / 2).expand(*self.batch_shape))
    mode = property(lambda self: (self.high * np.nan).expand(*self.batch_shape))  # (torch's)
    variance = property(lambda self: ((self.high - self.low) ** 2 / 12).expand(
        *self.batch_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self.low + (self.high - self.low) * self._uniform(sample_shape)

    def _between(self, value: Any, method: str) -> Tensor:
        """value, checked to be in [low, high] (torch's support for validation; log_prob
        is -inf at high itself)."""
        return self._support(value, (lambda v: (self.low.data <= v) & (v <= self.high.data),
                                     "low <= x <= high"), method)

    def log_prob(self, value: Any) -> Tensor:
        x = self._between(value, "log_prob")
        inside = (self.low.data <= x.data) & (x.data < self.high.data)
        return (-(self.high - self.low).log()).expand(*inside.shape).where(inside, -np.inf)

    def cdf(self, value: Any) -> Tensor:
        x = self._between(value, "cdf")
        return ((x - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value: Any) -> Tensor:
        return self.low + self._value(value) * (self.high - self.low)

    def entropy(self) -> Tensor:
        return (self.high - self.low).log().expand(*self.batch_shape)


class Exponential(_Parameterized):
    """rate e^(-rate x) on x >= 0.   log_prob = log(rate) - rate x;  entropy = 1 - log(rate)."""

    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        super().__init__("Exponential", {"rate": rate}, validate_args)

    mean = property(lambda self: (1 / self.rate).expand(*self.batch_shape))
    mode = property(lambda self: (self.rate * 0).expand(*self.batch_shape))
    variance = property(lambda self: (self.rate ** -2).expand(*self.batch_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return -(-self._uniform(sample_shape)).log1p() / self.rate

    def log_prob(self, value: Any) -> Tensor:
        x = self._support(value, (lambda v: v >= 0, "x >= 0"))
        return self.rate.log() - self.rate * x

    def cdf(self, value: Any) -> Tensor:
        x = self._support(value, (lambda v: v >= 0, "x >= 0"), "cdf")
        return -(-self.rate * x).expm1()

    def icdf(self, value: Any) -> Tensor:
        return -(-self._value(value)).log1p() / self.rate

    def entropy(self) -> Tensor:
        return (1 - self.rate.log()).expand(*self.batch_shape)


class Laplace(_Parameterized):
    """e^(-|x - loc| / scale) / (2 scale).   log_prob = -log(2 scale) - |x - loc| / scale;
    entropy = 1 + log(2 scale)."""

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__("Laplace", {"scale": scale}, validate_args, loc=loc)

    mean = mode = property(lambda self: self.loc.expand(*self.batch_shape))
    variance = property(lambda self: (2 * self.scale ** 2).expand(*self.batch_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        v = self._uniform(sample_shape, low=-1.0)
        v = v.where(v.data != -1, float(np.nextafter(v.dtype.type(-1), 0)))  # open at -1
        return self.loc - self.scale * v.sign() * (-v.abs()).log1p()

    def log_prob(self, value: Any) -> Tensor:
        return -(2 * self.scale).log() - (self._real(value) - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Tensor:
        z = (self._real(value, "cdf") - self.loc) / self.scale
        return 0.5 - 0.5 * z.sign() * (-z.abs()).expm1()

    def icdf(self, value: Any) -> Tensor:
        shifted = self._value(value) - 0.5
        return self.loc - self.scale * shifted.sign() * (-2 * shifted.abs()).log1p()

    def entropy(self) -> Tensor:
        return (1 + (2 * self.scale).log()).expand(*self.batch_shape)


class LogNormal(_Parameterized):
    """exp(N(loc, scale^2)).   log_prob(x) = Normal(loc, scale).log_prob(log x) - log x;
    entropy = Normal's + loc."""

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__("LogNormal", {"scale": scale}, validate_args, loc=loc)

    mean = property(lambda self: (self.loc + self.scale ** 2 / 2).exp().expand(
        *self.batch_shape))
    mode = property(lambda self: (self.loc - self.scale ** 2).exp().expand(*self.batch_shape))
    variance = property(lambda self: ((self.scale ** 2).expm1() * (
        2 * self.loc + self.scale ** 2).exp()).expand(*self.batch_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        eps = random.generator().standard_normal(self._extended_shape(sample_shape))
        return (self.loc + self.scale * Tensor(eps.astype(self.loc.dtype))).exp()

    def log_prob(self, value: Any) -> Tensor:
        log_x = self._support(value, (lambda v: v > 0, "x > 0")).log()
        return (-((log_x - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log()
                - LOG_SQRT_2PI - log_x)

    def cdf(self, value: Any) -> Tensor:
        x = self._support(value, (lambda v: v >= 0, "x >= 0"), "cdf")
        return Normal(self.loc, self.scale, validate_args=False).cdf(x.log())

    def icdf(self, value: Any) -> Tensor:
        return Normal(self.loc, self.scale, validate_args=False).icdf(value).exp()

    def entropy(self) -> Tensor:
        return (0.5 + LOG_SQRT_2PI + self.scale.log() + self.loc).expand(*self.batch_shape)


def _gamma_draws(concentration: np.ndarray, shape: tuple) -> np.ndarray:
    """Gamma(concentration, 1) draws without a gradient (numpy's sampler), at least the
    smallest normal number (as torch: a draw that underflows to 0 would make log_prob -inf)."""
    draws = random.generator().standard_gamma(np.broadcast_to(concentration, shape))
    return np.maximum(draws, np.finfo(concentration.dtype).tiny).astype(concentration.dtype)


def _standard_gamma(concentration: Tensor, shape: tuple) -> Tensor:
    """Gamma(concentration, 1) draws of `shape` with their reparameterized gradient: the
    quantile z = P^-1(a, u) at uniform u, dz/da = -(dP/da) / p (ops/incomplete_gamma.py)."""
    u = Tensor(random.generator().random(shape))
    return GammaQuantile.apply(concentration.expand(*shape), u)


class Gamma(_Parameterized):
    """rate^a x^(a-1) e^(-rate x) / Gamma(a) on x >= 0 (a = concentration).
    log_prob = a log(rate) + (a - 1) log x - rate x - lgamma(a);
    entropy = a - log(rate) + lgamma(a) + (1 - a) digamma(a);  cdf = P(a, rate x)."""

    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None
                 ) -> None:
        super().__init__(type(self).__name__, {"concentration": concentration, "rate": rate},
                         validate_args)

    mean = property(lambda self: (self.concentration / self.rate).expand(*self.batch_shape))
    mode = property(lambda self: ((self.concentration - 1) / self.rate).clamp(min=0).expand(
        *self.batch_shape))
    variance = property(lambda self: (self.concentration / self.rate ** 2).expand(
        *self.batch_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return _standard_gamma(self.concentration, self._extended_shape(sample_shape)) / self.rate

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return Tensor(_gamma_draws(self.concentration.data, shape)) / self.rate

    def log_prob(self, value: Any) -> Tensor:
        a, rate = self.concentration, self.rate
        x = self._support(value, (lambda v: v >= 0, "x >= 0"))
        return xlogy(a, rate) + xlogy(a - 1, x) - rate * x - lgamma(a)

    def cdf(self, value: Any) -> Tensor:
        x = self._support(value, (lambda v: v >= 0, "x >= 0"), "cdf")
        return gammainc(self.concentration, self.rate * x)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - self.rate.log() + lgamma(a) + (1 - a) * digamma(a)


class Chi2(Gamma):
    """The chi-squared distribution with df degrees of freedom: Gamma(df / 2, 1 / 2)."""

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df,) = _parameters(df)
        super().__init__(df / 2, 0.5, validate_args)

    df = property(lambda self: self.concentration * 2)


def _log_beta(concentrations: Tensor) -> Tensor:
    """log B(a) = sum_k lgamma(a_k) - lgamma(sum_k a_k) over the last axis."""
    return lgamma(concentrations).sum(-1) - lgamma(concentrations.sum(-1))


class Dirichlet(_Parameterized):
    """Probability vectors x (x_k > 0, sum x_k = 1) with density prod_k x_k^(a_k - 1) / B(a);
    event_shape (K,).
    log_prob = sum_k (a_k - 1) log x_k - log B(a);
    entropy  = log B(a) + (a_0 - K) digamma(a_0) - sum_k (a_k - 1) digamma(a_k),  a_0 = sum a;
    mode     = (a - 1)+ / sum (a - 1)+, and when every a_k < 1 (the density is unbounded at
               every vertex) the first vertex (1, 0, ..., 0), as torch."""

    has_rsample = True

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        if _tensor(concentration).ndim < 1:
            raise ValueError("Dirichlet: concentration needs at least one axis (K,)")
        super().__init__("Dirichlet", {"concentration": concentration}, validate_args)
        *self.batch_shape, k = self.batch_shape
        self.batch_shape, self.event_shape = tuple(self.batch_shape), (k,)

    mean = property(lambda self: self.concentration / self.concentration.sum(-1, keepdim=True))
    variance = property(lambda self: self._variance())
    mode = property(lambda self: self._mode())

    def _variance(self) -> Tensor:
        total = self.concentration.sum(-1, keepdim=True)
        return self.mean * (1 - self.mean) / (total + 1)

    def _mode(self) -> Tensor:
        a = self.concentration
        excess = (a - 1).clamp(min=0)
        with np.errstate(invalid="ignore"):
            mode = excess / excess.sum(-1, keepdim=True)
        all_below_one = np.all(a.data < 1, axis=-1, keepdims=True)
        first_vertex = (np.arange(a.shape[-1]) == 0).astype(a.dtype)
        return mode.where(~all_below_one, Tensor(first_vertex))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        draws = _standard_gamma(self.concentration, self._extended_shape(sample_shape))
        return _inside_unit_interval(draws / draws.sum(-1, keepdim=True))

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        draws = _gamma_draws(self.concentration.data, self._extended_shape(sample_shape))
        with no_grad():
            return _inside_unit_interval(Tensor(draws / draws.sum(-1, keepdims=True)))

    def log_prob(self, value: Any) -> Tensor:
        x = self._value(value)
        simplex = bool(np.all(x.data >= 0) and np.allclose(x.data.sum(-1), 1, atol=1e-6))
        _check("Dirichlet.log_prob", "values on the simplex (x_k >= 0, sum 1)", simplex,
               self.validate_args)
        return xlogy(self.concentration - 1, x).sum(-1) - _log_beta(self.concentration)

    def entropy(self) -> Tensor:
        a = self.concentration
        total, k = a.sum(-1), a.shape[-1]
        return (_log_beta(a) + (total - k) * digamma(total)
                - ((a - 1) * digamma(a)).sum(-1))


class Beta(_Parameterized):
    """x^(a-1) (1-x)^(b-1) / B(a, b) on [0, 1], a = concentration1, b = concentration0.
    log_prob = (a - 1) log x + (b - 1) log(1 - x) - log B(a, b);
    entropy  = log B(a, b) - (a-1) digamma(a) - (b-1) digamma(b) + (a+b-2) digamma(a+b).
    Drawn as X / (X + Y), X ~ Gamma(a, 1), Y ~ Gamma(b, 1); mode as Dirichlet's."""

    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        super().__init__("Beta", {"concentration1": concentration1,
                                  "concentration0": concentration0}, validate_args)

    def _pair(self) -> Tensor:
        shape = self.batch_shape
        return stack([self.concentration1.expand(*shape), self.concentration0.expand(*shape)],
                     -1)

    mean = property(lambda self: (self.concentration1 / (
        self.concentration1 + self.concentration0)).expand(*self.batch_shape))
    mode = property(lambda self: Dirichlet(self._pair(), validate_args=False).mode[..., 0])
    variance = property(lambda self: self.mean * (1 - self.mean) / (
        self.concentration1 + self.concentration0 + 1))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        draws = _standard_gamma(self._pair(), self._extended_shape(sample_shape) + (2,))
        return _inside_unit_interval(draws[..., 0] / draws.sum(-1))

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        draws = _gamma_draws(self._pair().data, self._extended_shape(sample_shape) + (2,))
        with no_grad():
            return _inside_unit_interval(Tensor(draws[..., 0] / draws.sum(-1)))

    def log_prob(self, value: Any) -> Tensor:
        a, b = self.concentration1, self.concentration0
        x = self._support(value, (lambda v: (v >= 0) & (v <= 1), "0 <= x <= 1"))
        return xlogy(a - 1, x) + xlog1py(b - 1, -x) - _log_beta(self._pair())

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        return (_log_beta(self._pair()) - (a - 1) * digamma(a) - (b - 1) * digamma(b)
                + (a + b - 2) * digamma(a + b))


class StudentT(_Parameterized):
    """Student's t with df degrees of freedom, location loc and scale; with y = (x - loc) /
    scale,
    log_prob = -(df + 1)/2 log(1 + y^2 / df) - log(scale) - log(df)/2 - log(pi)/2
               - lgamma(df/2) + lgamma((df + 1)/2);
    entropy  = log(scale) + (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2))
               + log(df)/2 + log B(df/2, 1/2).
    mean loc (nan for df <= 1), variance scale^2 df / (df - 2) (inf for 1 < df <= 2, nan
    below), as torch."""

    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        super().__init__("StudentT", {"df": df, "scale": scale}, validate_args, loc=loc)

    mean = property(lambda self: self.loc.expand(*self.batch_shape).where(
        np.broadcast_to(self.df.data > 1, self.batch_shape), np.nan))
    mode = property(lambda self: self.loc.expand(*self.batch_shape))
    variance = property(lambda self: self._variance())

    def _variance(self) -> Tensor:
        df = self.df.expand(*self.batch_shape)
        finite = (self.scale ** 2 * df / (df - 2)).where(df.data > 2, np.inf)
        return finite.where(df.data > 1, np.nan)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = Tensor(random.generator().standard_normal(shape).astype(self.loc.dtype))
        chi2 = 2 * _standard_gamma(self.df / 2, shape)
        return self.loc + self.scale * eps * (chi2 / self.df).rsqrt()

    def log_prob(self, value: Any) -> Tensor:
        df, y = self.df, (self._real(value) - self.loc) / self.scale
        return (-(df + 1) / 2 * (y ** 2 / df).log1p() - self.scale.log() - df.log() / 2
                - 0.5 * math.log(math.pi) - lgamma(df / 2) + lgamma((df + 1) / 2))

    def entropy(self) -> Tensor:
        df = self.df
        log_beta = lgamma(df / 2) + 0.5 * math.log(math.pi) - lgamma((df + 1) / 2)
        return (self.scale.log() + (df + 1) / 2 * (digamma((df + 1) / 2) - digamma(df / 2))
                + df.log() / 2 + log_beta).expand(*self.batch_shape)


# ---------------------------------------------------------------- KL(p || q), two of a kind
@register_kl(Uniform, Uniform)
def _kl_uniform(p: Uniform, q: Uniform) -> Tensor:
    """log((high_q - low_q) / (high_p - low_p)) when q covers p's interval, else inf."""
    covered = (q.low.data <= p.low.data) & (p.high.data <= q.high.data)
    return ((q.high - q.low) / (p.high - p.low)).log().where(covered, np.inf)


@register_kl(Exponential, Exponential)
def _kl_exponential(p: Exponential, q: Exponential) -> Tensor:
    """r - log r - 1 with r = rate_q / rate_p."""
    ratio = q.rate / p.rate
    return ratio - ratio.log() - 1


@register_kl(Laplace, Laplace)
def _kl_laplace(p: Laplace, q: Laplace) -> Tensor:
    """log(b_q / b_p) + |m_p - m_q| / b_q + (b_p / b_q) e^(-|m_p - m_q| / b_p) - 1."""
    distance = (p.loc - q.loc).abs()
    return ((q.scale / p.scale).log() + distance / q.scale
            + p.scale / q.scale * (-distance / p.scale).exp() - 1)


@register_kl(LogNormal, LogNormal)
def _kl_log_normal(p: LogNormal, q: LogNormal) -> Tensor:
    """That of the Normals of log x (KL does not change under x -> exp x)."""
    return kl_divergence(Normal(p.loc, p.scale, validate_args=False),
                         Normal(q.loc, q.scale, validate_args=False))


@register_kl(Gamma, Gamma)
def _kl_gamma(p: Gamma, q: Gamma) -> Tensor:
    """(a_p - a_q) digamma(a_p) - lgamma(a_p) + lgamma(a_q) + a_q log(r_p / r_q)
    + a_p (r_q - r_p) / r_p   (a: concentration, r: rate)."""
    a_p, a_q, r_p, r_q = p.concentration, q.concentration, p.rate, q.rate
    return ((a_p - a_q) * digamma(a_p) - lgamma(a_p) + lgamma(a_q)
            + a_q * (r_p / r_q).log() + a_p * (r_q / r_p - 1))


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    """log B(a_q) - log B(a_p) + sum_k (a_p,k - a_q,k) (digamma(a_p,k) - digamma(sum a_p))."""
    a_p, a_q = p.concentration, q.concentration
    return (_log_beta(a_q) - _log_beta(a_p) + ((a_p - a_q) * (
        digamma(a_p) - digamma(a_p.sum(-1, keepdim=True)))).sum(-1))


@register_kl(Beta, Beta)
def _kl_beta(p: Beta, q: Beta) -> Tensor:
    """Dirichlet's over the pairs (a, b)."""
    return _kl_dirichlet(Dirichlet(p._pair(), validate_args=False),
                         Dirichlet(q._pair(), validate_args=False))
