"""More of torch.distributions: Uniform, Exponential, Laplace, LogNormal, Gamma, Beta and
Dirichlet, each with log_prob, entropy, mean, mode and variance composed of Tensor ops
(differentiable in the parameters, to any order; the gamma family's through lgamma and
digamma, ops/gamma.py).

Uniform, Exponential, Laplace and LogNormal have `rsample`, a differentiable transform of
a draw that does not depend on the parameters (the reparameterization trick):
    Uniform:     low + (high - low) u                       u ~ U[0, 1)
    Exponential: -log(1 - u) / rate
    Laplace:     loc - scale sign(v) log(1 - |v|)             v ~ U(-1, 1)
    LogNormal:   exp(loc + scale eps)                         eps ~ N(0, 1)
Gamma, Beta and Dirichlet draw with `sample()` only (no gradient): their reparameterized
draws need the derivative of a sample in its shape parameter, which is not built here
(torch has it); their log_prob, the score-function (REINFORCE) estimator, is exact.
Beta and Dirichlet are drawn as normalized Gamma draws, as torch.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import random
from .distributions import LOG_SQRT_2PI, Distribution, _check, _parameter
from .composed import stack
from .grad_mode import no_grad
from .math_more import xlogy
from .shapes import broadcast_shapes
from .special import digamma, lgamma, xlog1py
from .tensor import Tensor, _tensor


class _Parameterized(Distribution):
    """Parameters broadcast to the batch shape, checked to be in their domain."""

    def __init__(self, name: str, positive: dict, validate_args: bool | None, **others: Any
                 ) -> None:
        params = {**others, **positive}
        for key, value in params.items():
            setattr(self, key, _parameter(value))
        shapes = [getattr(self, key).shape for key in params]
        super().__init__(broadcast_shapes(*shapes), validate_args=validate_args)
        for key in positive:
            _check(name, f"{key} > 0", bool(np.all(getattr(self, key).data > 0)),
                   validate_args)
        self._name = name

    def _uniform(self, sample_shape: Sequence[int], low: float = 0.0) -> Tensor:
        """u ~ U[low, 1) of shape sample_shape + batch_shape, in the parameters' dtype."""
        dtype = getattr(self, self._dtype_from).dtype
        u = random.generator().uniform(low, 1.0, self._extended_shape(sample_shape))
        return Tensor(u.astype(dtype))

    def _support(self, value: Any, inside: Any) -> Tensor:
        x = _tensor(value)
        _check(f"{self._name}.log_prob", f"values in the support, {inside[1]}",
               bool(np.all(inside[0](x.data))), self.validate_args)
        return x


class Uniform(_Parameterized):
    """U[low, high).   log_prob = -log(high - low) inside, -inf outside;
    entropy = log(high - low)."""

    has_rsample, _dtype_from = True, "low"

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        super().__init__("Uniform", {}, validate_args, low=low, high=high)
        _check("Uniform", "low < high", bool(np.all(self.low.data < self.high.data)),
               validate_args)

    mean = property(lambda self: ((self.low + self.high) / 2).expand(*self.batch_shape))
    variance = property(lambda self: ((self.high - self.low) ** 2 / 12).expand(
        *self.batch_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self.low + (self.high - self.low) * self._uniform(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        x = _tensor(value)
        inside = (self.low.data <= x.data) & (x.data < self.high.data)
        _check("Uniform.log_prob", "values in [low, high)", bool(np.all(inside)),
               self.validate_args)
        return (-(self.high - self.low).log()).expand(*inside.shape).where(inside, -np.inf)

    def cdf(self, value: Any) -> Tensor:
        return ((_tensor(value) - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value: Any) -> Tensor:
        return self.low + _tensor(value) * (self.high - self.low)

    def entropy(self) -> Tensor:
        return (self.high - self.low).log().expand(*self.batch_shape)


class Exponential(_Parameterized):
    """rate e^(-rate x) on x >= 0.   log_prob = log(rate) - rate x;  entropy = 1 - log(rate)."""

    has_rsample, _dtype_from = True, "rate"

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
        return -(-self.rate * _tensor(value)).expm1()

    def icdf(self, value: Any) -> Tensor:
        return -(-_tensor(value)).log1p() / self.rate

    def entropy(self) -> Tensor:
        return (1 - self.rate.log()).expand(*self.batch_shape)


class Laplace(_Parameterized):
    """e^(-|x - loc| / scale) / (2 scale).   log_prob = -log(2 scale) - |x - loc| / scale;
    entropy = 1 + log(2 scale)."""

    has_rsample, _dtype_from = True, "loc"

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__("Laplace", {"scale": scale}, validate_args, loc=loc)

    mean = mode = property(lambda self: self.loc.expand(*self.batch_shape))
    variance = property(lambda self: (2 * self.scale ** 2).expand(*self.batch_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        v = self._uniform(sample_shape, low=-1.0)
        v = v.where(v.data != -1, float(np.nextafter(v.dtype.type(-1), 0)))  # open at -1
        return self.loc - self.scale * v.sign() * (-v.abs()).log1p()

    def log_prob(self, value: Any) -> Tensor:
        return -(2 * self.scale).log() - (_tensor(value) - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Tensor:
        z = (_tensor(value) - self.loc) / self.scale
        return 0.5 - 0.5 * z.sign() * (-z.abs()).expm1()

    def icdf(self, value: Any) -> Tensor:
        shifted = _tensor(value) - 0.5
        return self.loc - self.scale * shifted.sign() * (-2 * shifted.abs()).log1p()

    def entropy(self) -> Tensor:
        return (1 + (2 * self.scale).log()).expand(*self.batch_shape)


class LogNormal(_Parameterized):
    """exp(N(loc, scale^2)).   log_prob(x) = Normal(loc, scale).log_prob(log x) - log x;
    entropy = Normal's + loc."""

    has_rsample, _dtype_from = True, "loc"

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

    def entropy(self) -> Tensor:
        return (0.5 + LOG_SQRT_2PI + self.scale.log() + self.loc).expand(*self.batch_shape)


def _gamma_draws(concentration: np.ndarray, shape: tuple) -> np.ndarray:
    """Gamma(concentration, 1) draws, at least the smallest normal number (as torch: a
    draw that underflows to 0 would make log_prob -inf)."""
    draws = random.generator().standard_gamma(np.broadcast_to(concentration, shape))
    return np.maximum(draws, np.finfo(concentration.dtype).tiny).astype(concentration.dtype)


class Gamma(_Parameterized):
    """rate^a x^(a-1) e^(-rate x) / Gamma(a) on x > 0 (a = concentration).
    log_prob = a log(rate) + (a - 1) log x - rate x - lgamma(a);
    entropy = a - log(rate) + lgamma(a) + (1 - a) digamma(a)."""

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None
                 ) -> None:
        super().__init__("Gamma", {"concentration": concentration, "rate": rate},
                         validate_args)

    mean = property(lambda self: (self.concentration / self.rate).expand(*self.batch_shape))
    mode = property(lambda self: ((self.concentration - 1) / self.rate).clamp(min=0).expand(
        *self.batch_shape))
    variance = property(lambda self: (self.concentration / self.rate ** 2).expand(
        *self.batch_shape))

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return Tensor(_gamma_draws(self.concentration.data, shape)) / self.rate

    def log_prob(self, value: Any) -> Tensor:
        a, rate = self.concentration, self.rate
        x = self._support(value, (lambda v: v > 0, "x > 0"))
        return xlogy(a, rate) + xlogy(a - 1, x) - rate * x - lgamma(a)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - self.rate.log() + lgamma(a) + (1 - a) * digamma(a)


def _log_beta(concentrations: Tensor) -> Tensor:
    """log B(a) = sum_k lgamma(a_k) - lgamma(sum_k a_k) over the last axis."""
    return lgamma(concentrations).sum(-1) - lgamma(concentrations.sum(-1))


class Dirichlet(_Parameterized):
    """Probability vectors x (x_k > 0, sum x_k = 1) with density prod_k x_k^(a_k - 1) / B(a);
    event_shape (K,).
    log_prob = sum_k (a_k - 1) log x_k - log B(a);
    entropy  = log B(a) + (a_0 - K) digamma(a_0) - sum_k (a_k - 1) digamma(a_k),  a_0 = sum a."""

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        if _tensor(concentration).ndim < 1:
            raise ValueError("Dirichlet: concentration needs at least one axis (K,)")
        super().__init__("Dirichlet", {"concentration": concentration}, validate_args)
        *self.batch_shape, k = self.batch_shape
        self.batch_shape, self.event_shape = tuple(self.batch_shape), (k,)

    mean = property(lambda self: self.concentration / self.concentration.sum(-1, keepdim=True))
    variance = property(lambda self: self._variance())

    def _variance(self) -> Tensor:
        total = self.concentration.sum(-1, keepdim=True)
        return self.mean * (1 - self.mean) / (total + 1)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        draws = _gamma_draws(self.concentration.data, self._extended_shape(sample_shape))
        return Tensor(draws / draws.sum(-1, keepdims=True))

    def log_prob(self, value: Any) -> Tensor:
        x = _tensor(value)
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
    Drawn as X / (X + Y), X ~ Gamma(a, 1), Y ~ Gamma(b, 1)."""

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
    variance = property(lambda self: self.mean * (1 - self.mean) / (
        self.concentration1 + self.concentration0 + 1))

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        draws = _gamma_draws(self._pair().data, self._extended_shape(sample_shape) + (2,))
        return Tensor(draws[..., 0] / draws.sum(-1))

    def log_prob(self, value: Any) -> Tensor:
        a, b = self.concentration1, self.concentration0
        x = self._support(value, (lambda v: (v >= 0) & (v <= 1), "0 <= x <= 1"))
        return xlogy(a - 1, x) + xlog1py(b - 1, -x) - _log_beta(self._pair())

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        return (_log_beta(self._pair()) - (a - 1) * digamma(a) - (b - 1) * digamma(b)
                + (a + b - 2) * digamma(a + b))
