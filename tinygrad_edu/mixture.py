"""torch.distributions.MixtureSameFamily: K components of one family, mixed by a
Categorical over the last batch axis of the components (a Gaussian mixture model):

    log p(x) = logsumexp_k (log pi_k + log p_k(x))
    mean     = sum_k pi_k mean_k,   variance = sum_k pi_k var_k + sum_k pi_k (mean_k - mean)^2
    cdf(x)   = sum_k pi_k cdf_k(x)
The log-probability is differentiable in the mixing logits and in the components'
parameters (EM's responsibilities are its gradient); draws pick a component, then draw
from it (no rsample: the choice has no gradient, as torch)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .composed import logsumexp
from .distributions import Categorical, Distribution
from .tensor import Tensor


class MixtureSameFamily(Distribution):
    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise TypeError(f"MixtureSameFamily: the mixture must be a Categorical, got "
                            f"{type(mixture_distribution).__name__}")
        components = component_distribution.batch_shape
        if not components or components[-1] != mixture_distribution.logits.shape[-1]:
            raise ValueError(f"MixtureSameFamily: the components' batch shape {components} "
                             f"must end in the mixture's {mixture_distribution.logits.shape[-1]}"
                             " components")
        try:
            batch = np.broadcast_shapes(components[:-1], mixture_distribution.batch_shape)
        except ValueError:
            raise ValueError(f"MixtureSameFamily: the mixture's batch shape "
                             f"{mixture_distribution.batch_shape} does not broadcast with the "
                             f"components' {components[:-1]}") from None
        super().__init__(batch, component_distribution.event_shape, validate_args)
        self.mixture_distribution, self.component_distribution = (mixture_distribution,
                                                                  component_distribution)

    def _weights(self) -> Tensor:
        """pi_k shaped to multiply the components' batch + event axes."""
        probs = self.mixture_distribution.probs
        return probs.reshape(*probs.shape, *(1,) * len(self.event_shape))

    @property
    def mean(self) -> Tensor:
        return (self._weights() * self.component_distribution.mean).sum(-1 - len(self.event_shape))

    @property
    def variance(self) -> Tensor:
        axis = -1 - len(self.event_shape)
        weights, means = self._weights(), self.component_distribution.mean
        spread = (means - self.mean.unsqueeze(axis)) ** 2
        return (weights * (self.component_distribution.variance + spread)).sum(axis)

    def _value(self, value: Any) -> Tensor:
        """A number in the components' dtype; the shape checked against the mixture's."""
        return self._broadcasting(self.component_distribution._converted(value))

    def _per_component(self, value: Any) -> Tensor:
        """value with an axis for the components, before its event axes."""
        return self._value(value).unsqueeze(-1 - len(self.event_shape))

    def log_prob(self, value: Any) -> Tensor:
        log_weights = self.mixture_distribution.logits              # (normalized)
        return logsumexp(self.component_distribution.log_prob(self._per_component(value))
                         + log_weights, -1)

    def cdf(self, value: Any) -> Tensor:
        cdfs = self.component_distribution.cdf(self._per_component(value))
        return (cdfs * self.mixture_distribution.probs).sum(-1)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Pick a component for every draw and batch entry, then take that component's
        draw (no gradient)."""
        logits = self.mixture_distribution.logits
        k = logits.shape[-1]
        choice = Categorical(logits=logits.expand(*self.batch_shape, k),
                             validate_args=False).sample(sample_shape).data
        shape = tuple(sample_shape) + self.batch_shape
        draws = np.broadcast_to(self.component_distribution.sample(sample_shape).data,
                                shape + (k,) + self.event_shape)
        index = choice.reshape(shape + (1,) * (1 + len(self.event_shape)))
        picked = np.take_along_axis(draws, np.broadcast_to(index, shape + (1,)
                                                           + self.event_shape), len(shape))
        return Tensor(np.squeeze(picked, len(shape)))
