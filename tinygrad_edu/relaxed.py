"""torch.distributions' relaxed (Concrete, Gumbel-softmax) families: continuous stand-ins
for discrete draws, with a reparameterized `rsample`, as in Gumbel-softmax VAEs.

    RelaxedBernoulli(T, logits)           y = sigmoid((logits + log u - log(1 - u)) / T)
    RelaxedOneHotCategorical(T, logits)   y = softmax((logits + G) / T), G Gumbel noise

each y in (0, 1) (on the simplex); as T -> 0 they become one-hot, and at any T the
largest coordinate of y is distributed as the categorical (Maddison et al., 2017). As
torch, each is a TransformedDistribution: a sigmoid of LogitRelaxedBernoulli, and an exp
of ExpRelaxedCategorical (log-probabilities on the simplex), whose densities are

    LogitRelaxedBernoulli: log T + d - 2 softplus(d),   d = logits - T x
    ExpRelaxedCategorical: lgamma(K) + (K - 1) log T + sum_k s_k,
                           s = (logits - T x) - logsumexp(logits - T x)
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import random
from .cnn import log1p_exp
from .composed import logsumexp
from .distributions import (Distribution, _inside_unit_interval, _one_of, _parameters,
                            _validating, probs_to_logits)
from .tensor import Tensor
from .transforms import ExpTransform, SigmoidTransform, TransformedDistribution


def _temperature_and_logits(name: str, temperature: Any, probs: Any, logits: Any,
                            binary: bool, validate_args: bool | None) -> tuple:
    _one_of(name, probs, logits)
    temperature, given = _parameters(temperature, probs if logits is None else logits)
    if not np.all(temperature.data > 0):
        raise ValueError(f"{name}: the temperature must be positive")
    if logits is None and _validating(validate_args) and not (
            np.all(given.data >= 0) and (binary is False or np.all(given.data <= 1))):
        raise ValueError(f"{name}: expected probs " + ("in [0, 1]" if binary else ">= 0"))
    return temperature, given, logits is None


class _Relaxed(Distribution):
    has_rsample = True

    def _uniform(self, sample_shape: Sequence[int]) -> Tensor:
        """u ~ U(0, 1) in the logits' dtype, kept off 0 and 1 (its logs stay finite)."""
        u = random.generator().random(self._extended_shape(sample_shape))
        return _inside_unit_interval(Tensor(u.astype(self.logits.dtype)))


class LogitRelaxedBernoulli(_Relaxed):
    """The logit of a RelaxedBernoulli draw: (logits + log u - log(1 - u)) / T."""

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self.temperature, given, from_probs = _temperature_and_logits(
            "LogitRelaxedBernoulli", temperature, probs, logits, True, validate_args)
        self.logits = probs_to_logits(given, is_binary=True) if from_probs else given
        super().__init__(self.logits.shape, (), validate_args)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        u = self._uniform(sample_shape)
        return (self.logits + u.log() - (-u).log1p()) / self.temperature

    def log_prob(self, value: Any) -> Tensor:
        difference = self.logits - self._value(value) * self.temperature
        return self.temperature.log() + difference - 2 * log1p_exp(difference)


class ExpRelaxedCategorical(_Relaxed):
    """log of a RelaxedOneHotCategorical draw: (logits + G) / T - logsumexp(...)."""

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self.temperature, given, from_probs = _temperature_and_logits(
            "ExpRelaxedCategorical", temperature, probs, logits, False, validate_args)
        if given.ndim == 0:
            raise ValueError("ExpRelaxedCategorical: probs or logits must have at least one "
                             "dimension (the last one holds the classes)")
        raw = probs_to_logits(given / given.sum(-1, keepdim=True)) if from_probs else given
        self.logits = raw - logsumexp(raw, -1, keepdim=True)
        super().__init__(self.logits.shape[:-1], self.logits.shape[-1:], validate_args)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        u = self._uniform(sample_shape)
        scores = (self.logits - (-u.log()).log()) / self.temperature     # + Gumbel noise
        return scores - logsumexp(scores, -1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        k = self.event_shape[0]
        score = self.logits - self._value(value) * self.temperature
        score = (score - logsumexp(score, -1, keepdim=True)).sum(-1)
        return score + math.lgamma(k) + (k - 1) * self.temperature.log()


class _Transformed(TransformedDistribution):
    """A relaxed base pushed through its transform; temperature, logits and probs kept."""

    base_class: type
    transform: type

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = self.base_class(temperature, probs, logits, validate_args)
        super().__init__(base, self.transform(), validate_args)
        self.temperature, self.logits = base.temperature, base.logits


class RelaxedBernoulli(_Transformed):
    """sigmoid of LogitRelaxedBernoulli: values in (0, 1)."""

    base_class, transform = LogitRelaxedBernoulli, SigmoidTransform
    probs = property(lambda self: self.logits.sigmoid())


class RelaxedOneHotCategorical(_Transformed):
    """exp of ExpRelaxedCategorical: points of the simplex (event shape (K,))."""

    base_class, transform = ExpRelaxedCategorical, ExpTransform
    probs = property(lambda self: self.logits.exp())
