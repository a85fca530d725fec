"""torch.distributions' heavy-tailed and folded families: Cauchy, HalfCauchy, HalfNormal.

    Cauchy(loc, scale)   density 1 / (pi scale (1 + z^2)), z = (x - loc) / scale; no mean
                         (nan) or variance (inf); draws loc + scale tan(pi (u - 1/2))
    HalfNormal(scale)    |N(0, scale^2)| on x >= 0: twice the normal density there
    HalfCauchy(scale)    |Cauchy(0, scale)| on x >= 0: twice the Cauchy density there

The folded densities are 0 (log_prob -inf) below 0, where torch's support check refuses
a value unless validate_args=False. Each `rsample` is differentiable in the parameters.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .continuous import _Parameterized
from .distributions import Normal, kl_divergence, register_kl
from .tensor import Tensor


class _Constants(_Parameterized):
    def _constant(self, value: float) -> Tensor:
        """A moment that is the same number for every parameter (no gradient, as torch)."""
        return Tensor(np.full(self.batch_shape, value, self.scale.dtype))


class Cauchy(_Constants):
    """log_prob = -log(pi scale) - log(1 + z^2);  cdf = atan(z) / pi + 1/2;
    entropy = log(4 pi scale)."""

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__("Cauchy", {"scale": scale}, validate_args, loc=loc)

    mean = property(lambda self: self._constant(np.nan))
    mode = property(lambda self: self.loc.expand(*self.batch_shape))
    variance = property(lambda self: self._constant(np.inf))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        u = self._uniform(sample_shape)
        return self.loc + self.scale * Tensor(np.tan(math.pi * (u.data - 0.5)))

    def log_prob(self, value: Any) -> Tensor:
        z = (self._real(value) - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - (z * z).log1p()

    def cdf(self, value: Any) -> Tensor:
        return ((self._real(value, "cdf") - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        return self.loc + self.scale * (math.pi * (self._value(value) - 0.5)).tan()

    def entropy(self) -> Tensor:
        return (math.log(4 * math.pi) + self.scale.log()).expand(*self.batch_shape)


class _Folded(_Constants):
    """|X| for X symmetric about 0 (the `base`): density 2 p_X(x) on x >= 0."""

    has_rsample = True

    def _base(self) -> Any:
        raise NotImplementedError

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self._base().rsample(sample_shape).abs()

    def _non_negative(self, value: Any, method: str) -> Tensor:
        return self._support(value, (lambda v: v >= 0, "x >= 0"), method)

    def log_prob(self, value: Any) -> Tensor:
        x = self._non_negative(value, "log_prob")
        log_p = self._base().log_prob(x) + math.log(2)
        return log_p.where(x.data >= 0, -np.inf)

    def cdf(self, value: Any) -> Tensor:
        return 2 * self._base().cdf(self._non_negative(value, "cdf")) - 1

    def icdf(self, value: Any) -> Tensor:
        return self._base().icdf((self._value(value) + 1) / 2)

    mode = property(lambda self: self._constant(0.0))


class HalfNormal(_Folded):
    """mean scale sqrt(2 / pi), variance scale^2 (1 - 2 / pi);
    entropy = log(pi scale^2 / 2) / 2 + 1/2."""

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__("HalfNormal", {"scale": scale}, validate_args)

    def _base(self) -> Normal:
        return Normal(self.scale * 0, self.scale, validate_args=False)

    mean = property(lambda self: (self.scale * math.sqrt(2 / math.pi)).expand(
        *self.batch_shape))
    variance = property(lambda self: (self.scale ** 2 * (1 - 2 / math.pi)).expand(
        *self.batch_shape))

    def entropy(self) -> Tensor:
        return (0.5 * (math.pi * self.scale ** 2 / 2).log() + 0.5).expand(*self.batch_shape)


class HalfCauchy(_Folded):
    """mean and variance inf; entropy = log(2 pi scale)."""

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__("HalfCauchy", {"scale": scale}, validate_args)

    def _base(self) -> Cauchy:
        return Cauchy(self.scale * 0, self.scale, validate_args=False)

    mean = variance = property(lambda self: self._constant(np.inf))

    def entropy(self) -> Tensor:
        return (math.log(2 * math.pi) + self.scale.log()).expand(*self.batch_shape)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy(p: Cauchy, q: Cauchy) -> Tensor:
    """log(((s_p + s_q)^2 + (m_p - m_q)^2) / (4 s_p s_q))."""
    return (((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2) / (4 * p.scale * q.scale)).log()


@register_kl(HalfNormal, HalfNormal)
@register_kl(HalfCauchy, HalfCauchy)
def _kl_folded(p: _Folded, q: _Folded) -> Tensor:
    """Folding at 0 doubles both densities on x >= 0, so their ratio, and the KL, are the
    unfolded ones': for normals log(s_q / s_p) + (s_p^2 / s_q^2 - 1) / 2."""
    return kl_divergence(p._base(), q._base())
