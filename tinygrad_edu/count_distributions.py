"""torch.distributions.Poisson and Binomial: counts, with log_prob composed of Tensor ops
(differentiable in the rate, the probs or the logits), draws from numpy (no gradient).

    Poisson(rate):        log_prob(k) = k log(rate) - rate - lgamma(k + 1)
    Binomial(n, probs):   log_prob(k) = lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1)
                                        + k log p + (n - k) log(1 - p),
                          from the logits as k logit - n softplus(logit) (no log 0)
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import random
from .cnn import log1p_exp
from .distributions import (Distribution, _check, _clamped_log, _kl_bernoulli, _one_of,
                            _parameter, _parameters, register_kl)
from .math_more import xlogy
from .special import lgamma
from .tensor import Tensor


def _counts(name: str, value: Tensor, most: Any, validate_args: bool | None) -> None:
    data = value.data
    ok = np.all((data >= 0) & (data == np.round(data)) & (data <= most))
    _check(f"{name}.log_prob", "counts: integers from 0" + ("" if most is np.inf else
                                                            " to total_count"),
           bool(ok), validate_args)


class Poisson(Distribution):
    """Counts k = 0, 1, 2, ... with mean and variance `rate` (mode floor(rate))."""

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self.rate = _parameter(rate)
        _check("Poisson", "rate >= 0", bool(np.all(self.rate.data >= 0)), validate_args)
        super().__init__(self.rate.shape, (), validate_args)

    mean = variance = property(lambda self: self.rate)
    mode = property(lambda self: self.rate.floor())

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        counts = random.generator().poisson(np.broadcast_to(self.rate.data, shape))
        return Tensor(np.asarray(counts, self.rate.dtype))   # (numpy gives an int for 0-d)

    def log_prob(self, value: Any) -> Tensor:
        k = self._value(value)
        _counts("Poisson", k, np.inf, self.validate_args)
        return xlogy(k, self.rate) - self.rate - lgamma(k + 1)


class Binomial(Distribution):
    """The number of successes in total_count trials of probability p (probs, or logits =
    log(p / (1 - p))); mean n p, variance n p (1 - p), mode floor((n + 1) p)."""

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of("Binomial", probs, logits)
        if probs is not None:
            self.total_count, self.probs = _parameters(total_count, probs)
            _check("Binomial", "probs in [0, 1]", bool(np.all((self.probs.data >= 0)
                                                              & (self.probs.data <= 1))),
                   validate_args)
            self.logits = _clamped_log(self.probs) - _clamped_log(1 - self.probs)
        else:
            self.total_count, self.logits = _parameters(total_count, logits)
            self.probs = self.logits.sigmoid()
        n = self.total_count.data
        _check("Binomial", "total_count a non-negative integer", bool(np.all(
            (n >= 0) & (n == np.round(n)))), validate_args)
        super().__init__(np.broadcast_shapes(self.total_count.shape, self.logits.shape), (),
                         validate_args)

    mean = property(lambda self: self.total_count * self.probs)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))
    mode = property(lambda self: ((self.total_count + 1) * self.probs).floor().minimum(
        self.total_count), doc="floor((n + 1) p), at most n (as torch).")

    def entropy(self) -> Tensor:
        """-sum_k p(k) log p(k) over k = 0..total_count (one total_count for the batch, as
        torch sums it)."""
        log_p = self.log_prob(self._support("entropy"))
        return -(log_p.exp() * log_p).sum(0)

    has_enumerate_support = True

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0, 1, ..., total_count (in the parameters' dtype) along a new first axis; one
        total_count for the whole batch, as torch."""
        return self._support("enumerate_support", expand)

    def _support(self, op: str, expand: bool = True) -> Tensor:
        n = self.total_count.data
        if n.size and not np.all(n == n.flat[0]):
            raise NotImplementedError(f"Binomial.{op}: the total_count differs across the "
                                      "batch (one support for all, as torch)")
        count = int(n.flat[0]) if n.size else 0
        return self._enumerated(np.arange(count + 1, dtype=self.logits.dtype), expand)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = np.broadcast_to(self.total_count.data, shape).astype(np.int64)
        draws = random.generator().binomial(n, np.broadcast_to(self.probs.data, shape))
        return Tensor(np.asarray(draws, self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        k, n = self._value(value), self.total_count
        _counts("Binomial", k, n.data, self.validate_args)
        log_choose = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
        return log_choose + k * self.logits - n * log1p_exp(self.logits)


@register_kl(Poisson, Poisson)
def _kl_poisson(p: Poisson, q: Poisson) -> Tensor:
    """rate_p log(rate_p / rate_q) - (rate_p - rate_q)."""
    return xlogy(p.rate, p.rate) - xlogy(p.rate, q.rate) - (p.rate - q.rate)


@register_kl(Binomial, Binomial)
def _kl_binomial(p: Binomial, q: Binomial) -> Tensor:
    """n KL(Bernoulli(p) || Bernoulli(q)) for n independent trials each; inf where p has more
    trials than q (p reaches counts that q cannot), as torch. At the edges (p or q 0 or 1)
    this is n times the Bernoulli KL, 0 or inf, where torch's Binomial formula gives -inf,
    nan or a large finite number."""
    n_p, n_q = p.total_count.data, q.total_count.data
    if np.any(n_p < n_q):
        raise NotImplementedError("kl_divergence(Binomial, Binomial): expected p.total_count "
                                  ">= q.total_count (no closed form when q has more trials)")
    per_trial = _kl_bernoulli(p, q).where(n_p != 0, 0)    # (0 trials: a point mass, KL 0)
    return (p.total_count * per_trial).where(n_p <= n_q, np.inf)
