"""torch.distributions.transforms and TransformedDistribution: a distribution pushed through
invertible maps y = f(x), with the change of variables

    log p_Y(y) = log p_X(x) - log |df/dx|,    x = f^-1(y).

Each transform is f (`t(x)`), its inverse (`t.inv(y)`, itself a transform) and
log_abs_det_jacobian(x, y), all Tensor ops, so log_prob is differentiable in the base's
parameters and in the transforms' (an affine flow's loc and scale):

    ExpTransform        y = e^x                 log|dy/dx| = x
    AffineTransform     y = loc + scale x       log|scale|  (summed over event_dim axes)
    SigmoidTransform    y = 1 / (1 + e^-x)      -softplus(-x) - softplus(x)
    TanhTransform       y = tanh x              2 (log 2 - x - softplus(-2x))   (SAC's squash)
    SoftplusTransform   y = log(1 + e^x)        -softplus(-x)
    PowerTransform      y = x^p                 log|p y / x|
    ComposeTransform    y = f_n(...f_1(x))      the sum along the chain
The log-Jacobians are written without overflow (softplus, not log(1 - tanh^2)).
With cache_size=1 a transform remembers its last (x, y): the inverse of that very y
Tensor is that x, exactly (SAC's tanh-squashed actions: atanh(tanh(10)) rounds to inf
in float32, the cached x does not).
"""
from __future__ import annotations

import copy
import math
from typing import Any, Sequence

import numpy as np

from .cnn import log1p_exp
from .distributions import Distribution, _inside_unit_interval, _validating
from .tensor import Tensor, _tensor


def _sum_rightmost(x: Tensor, n: int) -> Tensor:
    return x.sum(tuple(range(-n, 0))) if n > 0 else x


# where a transform's inputs (domain) and outputs (codomain) live: (text, test on an array)
REAL = ("the real numbers", lambda y: ~np.isnan(y))
POSITIVE = ("(0, inf)", lambda y: y > 0)
UNIT_INTERVAL = ("[0, 1]", lambda y: (y >= 0) & (y <= 1))
SYMMETRIC_UNIT_INTERVAL = ("[-1, 1]", lambda y: (y >= -1) & (y <= 1))


class Transform:
    """An invertible map, elementwise unless `event_dim` says how many trailing axes form
    one event (its log-Jacobian is then summed over them). `sign` is +1 where the map
    increases, -1 where it decreases (a number, or an array per element; cdf uses it)."""

    event_dim = 0
    sign = 1
    domain = codomain = REAL

    def __init__(self, cache_size: int = 0) -> None:
        if cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, got "
                             f"{cache_size!r}")
        self._cache_size, self._cached = cache_size, (None, None)

    def __call__(self, x: Any) -> Tensor:
        x = _tensor(x)
        if not getattr(self, "_cache_size", 0):
            return self._call(x)
        if x is not self._cached[0]:
            self._cached = (x, self._call(x))
        return self._cached[1]

    def with_cache(self, cache_size: int = 1) -> Transform:
        """A copy of this transform with the given cache (torch's)."""
        if getattr(self, "_cache_size", 0) == cache_size:
            return self
        copied = copy.copy(self)
        Transform.__init__(copied, cache_size)
        return copied

    def _inv_call(self, y: Tensor) -> Tensor:
        """f^-1(y): the cached x when y is the cached output."""
        if not getattr(self, "_cache_size", 0):
            return self._inverse(y)
        if y is not self._cached[1]:
            self._cached = (self._inverse(y), y)
        return self._cached[0]

    @property
    def inv(self) -> Transform:
        return _Inverse(self)

    def _call(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define _call")

    def _inverse(self, y: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define _inverse")

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define "
                                  "log_abs_det_jacobian")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _Inverse(Transform):
    """t.inv: f^-1, with log|d f^-1 / dy| = -log|df/dx| at x = f^-1(y)."""

    def __init__(self, forward: Transform) -> None:
        super().__init__()
        self._forward = forward
        self.event_dim = forward.event_dim
        self.domain, self.codomain = forward.codomain, forward.domain

    @property
    def sign(self) -> int:
        return self._forward.sign

    @property
    def inv(self) -> Transform:
        return self._forward

    def _call(self, y: Tensor) -> Tensor:
        return self._forward._inv_call(y)

    def _inverse(self, x: Tensor) -> Tensor:
        return self._forward(x)

    def log_abs_det_jacobian(self, y: Any, x: Any) -> Tensor:
        return -self._forward.log_abs_det_jacobian(x, y)

    def __repr__(self) -> str:
        return f"{self._forward!r}.inv"


class ExpTransform(Transform):
    codomain = POSITIVE

    def _call(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return _tensor(x)


class AffineTransform(Transform):
    """y = loc + scale x; with event_dim = k, the log-Jacobian log|scale| is summed over the
    k trailing axes of an event."""

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.loc, self.scale, self.event_dim = loc, scale, event_dim

    @property
    def sign(self) -> Any:
        """+1 or -1 for each element (an array where the scale is one)."""
        return np.sign(np.asarray(getattr(self.scale, "data", self.scale)))

    def _call(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = _tensor(x)
        log_scale = _tensor(self.scale).to(x.dtype).abs().log()
        return _sum_rightmost(log_scale.expand(*np.broadcast_shapes(log_scale.shape, x.shape)),
                              self.event_dim)

    def __repr__(self) -> str:
        return f"AffineTransform(loc={self.loc}, scale={self.scale}, event_dim={self.event_dim})"


class SigmoidTransform(Transform):
    """y = 1 / (1 + e^-x), kept inside [tiny, 1 - eps] both ways (as torch)."""

    codomain = UNIT_INTERVAL

    def _call(self, x: Tensor) -> Tensor:
        return _inside_unit_interval(x.sigmoid())

    def _inverse(self, y: Tensor) -> Tensor:
        y = _inside_unit_interval(y)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = _tensor(x)
        return -log1p_exp(-x) - log1p_exp(x)


class TanhTransform(Transform):
    """y = tanh x; the inverse is atanh(y) = (log1p(y) - log1p(-y)) / 2."""

    codomain = SYMMETRIC_UNIT_INTERVAL

    def _call(self, x: Tensor) -> Tensor:
        return x.tanh()

    def _inverse(self, y: Tensor) -> Tensor:
        return (y.log1p() - (-y).log1p()) / 2

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        x = _tensor(x)
        return 2 * (math.log(2) - x - log1p_exp(-2 * x))


class SoftplusTransform(Transform):
    codomain = POSITIVE

    def _call(self, x: Tensor) -> Tensor:
        return log1p_exp(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return y + (-(-y).expm1()).log()               # log(e^y - 1), stable for small y

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return -log1p_exp(-_tensor(x))


class PowerTransform(Transform):
    """y = x^exponent on x > 0."""

    domain = codomain = POSITIVE

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.exponent = exponent

    @property
    def sign(self) -> Any:
        return np.sign(np.asarray(getattr(self.exponent, "data", self.exponent)))

    def _call(self, x: Tensor) -> Tensor:
        return x ** self.exponent

    def _inverse(self, y: Tensor) -> Tensor:
        return y ** (1 / _tensor(self.exponent))

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        return (_tensor(self.exponent) * _tensor(y) / _tensor(x)).abs().log()


class ComposeTransform(Transform):
    """parts[0] first, then parts[1], ...; the log-Jacobians add up along the chain."""

    def __init__(self, parts: Sequence[Transform], cache_size: int = 0) -> None:
        super().__init__(cache_size)                 # (with a cache, each part has one too,
        self.parts = [t.with_cache(cache_size) if cache_size else t for t in parts]  # torch)
        self.event_dim = max((t.event_dim for t in self.parts), default=0)
        if self.parts:
            self.domain, self.codomain = self.parts[0].domain, self.parts[-1].codomain

    @property
    def sign(self) -> Any:
        return math.prod(t.sign for t in self.parts)

    @property
    def inv(self) -> Transform:
        return ComposeTransform([t.inv for t in reversed(self.parts)])

    def _call(self, x: Tensor) -> Tensor:
        for t in self.parts:
            x = t(x)
        return x

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Tensor:
        total, x = 0.0, _tensor(x)
        for t in self.parts:
            y_t = t(x)
            total = total + _sum_rightmost(t.log_abs_det_jacobian(x, y_t),
                                           self.event_dim - t.event_dim)
            x = y_t
        return total

    def __repr__(self) -> str:
        return f"ComposeTransform({self.parts})"


class TransformedDistribution(Distribution):
    """`base_distribution` pushed through `transforms` (applied in order):
        sample / rsample:  y = f(x), x drawn from the base
        log_prob(y)     =  base.log_prob(x) - sum_t log|J_t|, walking the chain back
        cdf(y)          =  base.cdf(f^-1(y)) (1 - that where f decreases)
    A transform with event_dim beyond the base's event makes trailing batch axes event
    axes (their log-probabilities are summed), as torch."""

    def __init__(self, base_distribution: Distribution, transforms: Any,
                 validate_args: bool | None = None) -> None:
        self.base_dist = base_distribution
        self.transforms = [transforms] if isinstance(transforms, Transform) else list(
            transforms)
        if not all(isinstance(t, Transform) for t in self.transforms):
            raise TypeError("TransformedDistribution: transforms must be a Transform or a "
                            "list of Transforms (tinygrad_edu.distributions.transforms)")
        base_event = len(base_distribution.event_shape)
        event_dim = max([base_event] + [t.event_dim for t in self.transforms])
        shape = base_distribution.batch_shape + base_distribution.event_shape
        cut = len(shape) - event_dim
        super().__init__(shape[:cut], shape[cut:], validate_args)
        self.has_rsample = base_distribution.has_rsample

    def _forward(self, x: Tensor) -> Tensor:
        for t in self.transforms:
            x = t(x)
        return x

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self._forward(self.base_dist.sample(sample_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self._forward(self.base_dist.rsample(sample_shape))

    def _value(self, value: Any) -> Tensor:
        return self.base_dist._value(value)           # (numbers in the base's dtype)

    def _in_support(self, value: Any) -> Tensor:
        """The value, checked to lie where the last transform maps (as torch's log_prob,
        unless validation is off): outside it the density is 0, not a clamped number."""
        y = self._value(value)
        if self.transforms and _validating(self.validate_args):
            where, inside = self.transforms[-1].codomain
            bad = ~inside(y.data)
            if bad.any():
                raise ValueError(f"TransformedDistribution: expected values in {where}, where "
                                 f"{self.transforms[-1]!r} maps, got {y.data[bad].flat[0]}")
        return y

    def log_prob(self, value: Any) -> Tensor:
        y, total, event_dim = self._in_support(value), 0.0, len(self.event_shape)
        for t in reversed(self.transforms):
            x = t.inv(y)
            total = total - _sum_rightmost(t.log_abs_det_jacobian(x, y),
                                           event_dim - t.event_dim)
            y = x
        base = _sum_rightmost(self.base_dist.log_prob(y),
                              event_dim - len(self.base_dist.event_shape))
        return base + total

    def _monotonize(self, p: Tensor) -> Tensor:
        """p where the chain increases, 1 - p where it decreases (elementwise)."""
        sign = math.prod(t.sign for t in self.transforms)
        return p if np.all(sign == 1) else (p - 0.5) * Tensor(np.asarray(sign, p.dtype)) + 0.5

    def cdf(self, value: Any) -> Tensor:
        x = self._value(value)             # (outside the support: 0 or 1, as torch)
        for t in reversed(self.transforms):
            x = t.inv(x)
        return self._monotonize(self.base_dist.cdf(x))

    def icdf(self, value: Any) -> Tensor:
        return self._forward(self.base_dist.icdf(self._monotonize(self._value(value))))
