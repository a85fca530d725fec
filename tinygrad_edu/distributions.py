"""torch.distributions' workhorses: Normal, Categorical, OneHotCategorical, Bernoulli,
Multinomial, MultivariateNormal (multivariate_normal.py), Independent, the continuous
families of continuous.py (Uniform, Exponential, Laplace, LogNormal, Gamma, Chi2, Beta,
Dirichlet, StudentT) and continuous_more.py (Cauchy, HalfNormal, HalfCauchy), Poisson and
Binomial (count_distributions.py), the relaxed (Gumbel-softmax) ones (relaxed.py),
MixtureSameFamily (mixture.py),
TransformedDistribution and the transforms (transforms.py), and kl_divergence between two
of a kind (the VAE's KL term), extended with `register_kl` as in torch.

Every density is composed of Tensor ops, so log_prob, entropy and kl_divergence are
differentiable in the parameters (to any order). `sample()` draws outside the graph;
`Normal.rsample()` is the reparameterization trick, loc + scale * eps with eps ~ N(0, 1),
so its gradient flows into loc and scale. Draws come from the library's generator
(`manual_seed` fixes them), so their values differ from torch's.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable, Sequence

import numpy as np

from . import random
from .cnn import binary_cross_entropy_with_logits, log1p_exp
from .composed import logsumexp
from .grad_mode import no_grad
from .shapes import broadcast_shapes
from .special import lgamma, ndtri
from .dtypes import get_default_dtype
from .tensor import Tensor, _tensor

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _parameter(value: Any) -> Tensor:
    """A parameter as a float Tensor (numbers in the default dtype, as torch)."""
    t = _tensor(value)
    return t if t.dtype.kind == "f" else t.to(get_default_dtype())


def _parameters(*values: Any) -> list[Tensor]:
    """Several parameters as float Tensors, as torch's broadcast_all: a Python number takes
    the dtype of the first float tensor among them (0.1 beside a float64 scale is float64),
    else the default dtype."""
    given = [v for v in values if isinstance(v, (Tensor, np.ndarray))]
    dtypes = [_tensor(v).dtype for v in given if _tensor(v).dtype.kind == "f"]
    dtype = dtypes[0] if dtypes else get_default_dtype()
    return [_parameter(v) if isinstance(v, (Tensor, np.ndarray)) else Tensor(v, dtype=dtype)
            for v in values]


def _inside_unit_interval(p: Tensor) -> Tensor:
    """p clamped to [tiny, 1 - eps] of its dtype, as torch keeps its draws in (0, 1): a
    float32 sigmoid rounds to exactly 0 or 1 from |x| = 17 on, and X / (X + Y) to 1 when
    Y < eps X (Beta(0.5, 0.5) in float32, 1.5e-4 of draws); log_prob there is infinite."""
    info = np.finfo(p.dtype)
    return p.clamp(float(info.tiny), float(1 - info.eps))


def _clamped_log(p: Tensor) -> Tensor:
    """log p with p clamped to [eps, 1 - eps], as torch's probs_to_logits: a probability of
    0 gives log(eps) (about -36 in float64), not -inf."""
    return clamp_probs(p).log()


# ---------------------------------------------------- torch.distributions.utils
def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped to [eps, 1 - eps] of their dtype (so that their logs are finite)."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(eps, 1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log p (clamped, see clamp_probs); with is_binary, log(p / (1 - p))."""
    p = clamp_probs(_parameter(probs))
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """softmax over the last axis; with is_binary, the sigmoid."""
    logits = _parameter(logits)
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def broadcast_all(*values: Any) -> tuple:
    """The values as float Tensors broadcast to one shape; a Python number takes the dtype
    of the first float tensor among them, as torch's."""
    for v in values:
        if not isinstance(v, (Tensor, np.ndarray, int, float)):
            raise ValueError(f"broadcast_all: expected numbers or Tensors, got "
                             f"{type(v).__name__}")
    tensors = _parameters(*values)
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t.expand(*shape) for t in tensors)


def _one_of(name: str, probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: give either probs or logits, not both or neither")


def _validating(validate_args: bool | None) -> bool:
    """Whether to validate: validate_args when given, else the class-wide default (True
    unless Distribution.set_default_validate_args(False), as torch)."""
    return Distribution._validate_args if validate_args is None else bool(validate_args)


def _check(name: str, what: str, ok: bool, validate_args: bool | None) -> None:
    """torch's argument validation (see `_validating`): a bad parameter is an error here,
    not nan in every log_prob later."""
    if _validating(validate_args) and not ok:
        raise ValueError(f"{name}: expected {what}")


class Distribution:
    """What every distribution here shares, as torch's base class: `batch_shape` (independent
    distributions side by side), `event_shape` (the shape of one draw: () for scalars, (K,)
    for Dirichlet), `validate_args`, `stddev` from the variance and `sample()` as
    `rsample()` without the graph where there is one."""

    has_rsample = False
    event_shape: tuple = ()
    _validate_args = True          # validate_args=None means this (torch's default)

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Switch argument validation on or off for every distribution whose validate_args
        is None (torch's class-wide default)."""
        if value not in (True, False):
            raise ValueError(f"Distribution.set_default_validate_args: expected True or "
                             f"False, got {value!r}")
        Distribution._validate_args = bool(value)

    def __init__(self, batch_shape: tuple = (), event_shape: tuple = (),
                 validate_args: bool | None = None) -> None:
        self.batch_shape, self.event_shape = tuple(batch_shape), tuple(event_shape)
        self.validate_args = validate_args

    def _extended_shape(self, sample_shape: Sequence[int] = ()) -> tuple:
        return tuple(sample_shape) + self.batch_shape + self.event_shape

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no closed-form mean here")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no closed-form variance here")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no closed-form entropy here")

    def cdf(self, value: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no cdf here")

    def icdf(self, value: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no icdf here")

    def perplexity(self) -> Tensor:
        """exp(entropy)."""
        return self.entropy().exp()

    has_enumerate_support = False

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}: no finite support to enumerate")

    def _enumerated(self, values: np.ndarray, expand: bool) -> Tensor:
        """Every value of a discrete distribution along a new first axis, then the batch
        axes (size 1 unless expand), as torch's enumerate_support."""
        values = Tensor(values.reshape((-1,) + (1,) * len(self.batch_shape)))
        return values.expand(len(values), *self.batch_shape) if expand else values

    def _value(self, value: Any) -> Tensor:
        """A value for log_prob, cdf, icdf (see `_converted`), checked to broadcast with
        batch_shape + event_shape."""
        return self._broadcasting(self._converted(value))

    def _converted(self, value: Any) -> Tensor:
        """A Tensor or array as it is, a number or list in the parameters' dtype (0.7
        beside float64 parameters is float64)."""
        if isinstance(value, (Tensor, np.ndarray)):
            return _tensor(value)
        dtypes = [v.dtype for v in vars(self).values()
                  if isinstance(v, Tensor) and v.dtype.kind == "f"]
        return Tensor(value, dtype=np.result_type(*dtypes)) if dtypes else _tensor(value)

    def _broadcasting(self, value: Tensor) -> Tensor:
        shape, event = self.batch_shape + self.event_shape, self.event_shape
        if event and value.shape[value.ndim - len(event):] != event:
            raise ValueError(f"{type(self).__name__}: the rightmost sizes of a value must be "
                             f"the event_shape {event}, got a value of shape {value.shape}")
        try:
            np.broadcast_shapes(value.shape, shape)
        except ValueError:
            raise ValueError(f"{type(self).__name__}: a value of shape {value.shape} does not "
                             f"broadcast with batch_shape + event_shape {shape}") from None
        return value

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.rsample: no reparameterized draw "
                                  "here; sample() draws without a gradient")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_shape={self.batch_shape}, event_shape=" \
               f"{self.event_shape})"


class Normal(Distribution):
    """N(loc, scale^2); loc and scale broadcast to the batch shape.

    log_prob(x) = -(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))
    entropy     = 1/2 + log(sqrt(2 pi)) + log(scale)
    cdf         = (1 + erf((x - loc) / (scale sqrt 2))) / 2, as erfc(-z) / 2 (keeps the
                  lower tail's digits)
    icdf        = loc + scale ndtri(p)    (torch: erfinv(2p - 1), 1e-9 off at p = 1e-10)
    """

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = _parameters(loc, scale)
        self.batch_shape = broadcast_shapes(self.loc.shape, self.scale.shape)
        self.validate_args = validate_args
        _check("Normal", "scale > 0 and a finite loc", bool(np.all(self.scale.data > 0))
               and bool(np.isfinite(self.loc.data).all()), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc.expand(*self.batch_shape)

    mode = mean

    @property
    def stddev(self) -> Tensor:
        return self.scale.expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        return self.stddev ** 2

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """loc + scale * eps, eps ~ N(0, 1) of shape sample_shape + batch_shape."""
        eps = random.generator().standard_normal(tuple(sample_shape) + self.batch_shape)
        return self.loc + self.scale * Tensor(eps.astype(self.loc.dtype))

    def log_prob(self, value: Any) -> Tensor:
        _check("Normal.log_prob", "a real number as the value, got nan",
               not np.isnan(self._value(value).data).any(), self.validate_args)
        return (-((self._value(value) - self.loc) ** 2) / (2 * self.scale ** 2)
                - self.scale.log() - LOG_SQRT_2PI)

    def cdf(self, value: Any) -> Tensor:
        x = self._value(value)
        _check("Normal.cdf", "a real number as the value, got nan",
               not np.isnan(x.data).any(), self.validate_args)
        return ((self.loc - x) / (self.scale * math.sqrt(2))).erfc() * 0.5

    def icdf(self, value: Any) -> Tensor:
        """loc + scale ndtri(p), the quantile (both tails keep their digits)."""
        return self.loc + self.scale * ndtri(self._value(value))

    def entropy(self) -> Tensor:
        return (0.5 + LOG_SQRT_2PI + self.scale.log()).expand(*self.batch_shape)


class Categorical(Distribution):
    """The distribution over 0..K-1 given by probs (normalized along the last axis) or
    logits (log-probabilities up to a constant); the other axes are the batch.

    log_prob(k) = logits_k - logsumexp(logits),   entropy = -sum_k p_k log p_k
    """

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of("Categorical", probs, logits)
        given = probs if probs is not None else logits
        if np.ndim(getattr(given, "data", given)) == 0:
            raise ValueError(f"Categorical: {'probs' if probs is not None else 'logits'} must "
                             "have at least one dimension (the last one holds the classes)")
        if probs is not None:
            p = _parameter(probs)
            _check("Categorical", "probs >= 0, finite, with a positive sum along the last "
                   "axis", bool(np.all(p.data >= 0) and np.isfinite(p.data).all()
                                and np.all(p.data.sum(-1) > 0)), validate_args)
            self.probs = p / p.sum(-1, keepdim=True)
            self.logits = _clamped_log(self.probs)
        else:
            raw = _parameter(logits)
            _check("Categorical", "logits that are not nan or +inf (-inf: probability 0)",
                   not (np.isnan(raw.data) | (raw.data == np.inf)).any(), validate_args)
            self.logits = raw - logsumexp(raw, -1, keepdim=True)
            self.probs = self.logits.exp()
        self.batch_shape = self.logits.shape[:-1]

    mean = variance = property(lambda self: Tensor(np.full(self.batch_shape, np.nan,
                                                         self.probs.dtype)))   # (torch's)
    param_shape = property(lambda self: self.logits.shape)
    has_enumerate_support = True

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0, 1, ..., K-1 (int64) along a new first axis."""
        return self._enumerated(np.arange(self.logits.shape[-1]), expand)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """int64 indices of shape sample_shape + batch_shape (no gradient)."""
        p = np.exp(self.logits.data.astype(np.float64))
        cdf = np.cumsum(p / p.sum(-1, keepdims=True), axis=-1)
        u = random.generator().random(tuple(sample_shape) + self.batch_shape + (1,))
        index = (u >= cdf).sum(-1)
        return Tensor(np.minimum(index, p.shape[-1] - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        k, classes = _tensor(value), self.logits.shape[-1]
        if not np.all((k.data == np.round(k.data)) & (k.data >= 0) & (k.data < classes)):
            raise ValueError(f"Categorical.log_prob: values must be integers in [0, {classes})")
        k = k.to(np.int64)                         # actions kept as floats work, as torch
        logits = self.logits.expand(*broadcast_shapes(k.shape, self.batch_shape),
                                    self.logits.shape[-1])
        return logits.gather(-1, k.expand(*logits.shape[:-1]).unsqueeze(-1)).squeeze(-1)

    @property
    def mode(self) -> Tensor:
        """The most probable class (the first of ties)."""
        return self.probs.argmax(-1)

    def entropy(self) -> Tensor:
        finite = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))   # 0 log 0 = 0
        return -(self.probs * finite).sum(-1)


class OneHotCategorical(Distribution):
    """Categorical with each outcome k written as the one-hot vector e_k (event shape
    (K,)): log_prob(e_k) = Categorical's log_prob(k); mean p, variance p (1 - p)."""

    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        super().__init__(self._categorical.batch_shape, self.probs.shape[-1:], validate_args)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))
    param_shape = property(lambda self: self.logits.shape)

    @property
    def mode(self) -> Tensor:
        return self._one_hot(self._categorical.mode.data)

    def _one_hot(self, k: np.ndarray) -> Tensor:
        return Tensor(np.eye(self.event_shape[0], dtype=self.probs.dtype)[k])

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self._one_hot(self._categorical.sample(sample_shape).data)

    def log_prob(self, value: Any) -> Tensor:
        x = self._value(value)
        _check("OneHotCategorical.log_prob", "one-hot vectors (a single 1 along the last "
               "axis)", bool(np.all(((x.data == 0) | (x.data == 1)) & (x.data.sum(-1,
               keepdims=True) == 1))), self.validate_args)
        return self._categorical.log_prob(Tensor(x.data.argmax(-1)))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """e_0, ..., e_(K-1) along a new first axis."""
        k = self.event_shape[0]
        values = Tensor(np.eye(k, dtype=self.probs.dtype).reshape(
            (k,) + (1,) * len(self.batch_shape) + (k,)))
        return values.expand(k, *self.batch_shape, k) if expand else values


class Bernoulli(Distribution):
    """1 with probability p (probs, or logits = log(p / (1 - p))), else 0.

    log_prob(x) = x log p + (1 - x) log(1 - p),   entropy = -p log p - (1 - p) log(1 - p),
    both computed from the logits without overflow (binary_cross_entropy_with_logits).
    """

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of("Bernoulli", probs, logits)
        self.validate_args = validate_args
        if probs is not None:
            p = _parameter(probs)
            _check("Bernoulli", "probs in [0, 1]", bool(np.all((p.data >= 0) & (p.data <= 1))),
                   validate_args)
            self.probs, self.logits = p, _clamped_log(p) - _clamped_log(1 - p)
        else:
            self.logits = _parameter(logits)
            _check("Bernoulli", "logits that are not nan", not np.isnan(self.logits.data).any(),
                   validate_args)
            self.probs = self.logits.sigmoid()
        self.batch_shape = self.logits.shape

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))
    has_enumerate_support = True

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0. and 1. (in the parameters' dtype) along a new first axis."""
        return self._enumerated(np.array([0, 1], self.logits.dtype), expand)

    @property
    def mode(self) -> Tensor:
        """1 where p > 1/2, 0 where p < 1/2, nan at a tie (as torch)."""
        p = self.probs.data
        return Tensor(np.where(p == 0.5, np.nan, p > 0.5).astype(p.dtype))

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        u = random.generator().random(tuple(sample_shape) + self.batch_shape)
        return Tensor((u < self.probs.data).astype(self.logits.dtype))

    def log_prob(self, value: Any) -> Tensor:
        x = self._broadcasting(_tensor(value).to(self.logits.dtype))
        _check("Bernoulli.log_prob", "values 0 or 1 (validate_args=False takes any: the "
               "cross-entropy with soft targets)", bool(np.all((x.data == 0) | (x.data == 1))),
               self.validate_args)
        shape = broadcast_shapes(x.shape, self.batch_shape)
        return -binary_cross_entropy_with_logits(self.logits.expand(*shape), x.expand(*shape),
                                                 reduction="none")

    def entropy(self) -> Tensor:
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Multinomial(Distribution):
    """Counts of total_count draws from a Categorical (probs or logits): sample() gives,
    per batch entry, how often each of the K outcomes came up (floats, as torch).

    log_prob(x) = log n! - sum_k log x_k! + sum_k x_k log p_k,  n = sum_k x_k (as torch)
    """

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, (int, np.integer)) or total_count < 0:
            raise ValueError(f"Multinomial: total_count must be a non-negative int, got "
                             f"{total_count!r}")
        self.total_count, self.validate_args = int(total_count), validate_args
        self._categorical = Categorical(probs, logits, validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = self.probs.shape[-1:]

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs) * self.total_count

    def entropy(self) -> Tensor:
        """-E[log_prob(x)] = n H(probs) - log n! + sum_k E[log x_k!], and each count x_k is
        Binomial(n, p_k): a sum over n + 1 values per outcome, not over every count vector
        (as torch)."""
        n = self.total_count
        counts = Binomial(n, self.probs, validate_args=False)
        support = counts.enumerate_support(expand=False)
        log_factorials = (counts.log_prob(support).exp() * lgamma(support + 1)).sum((0, -1))
        return n * self._categorical.entropy() - math.lgamma(n + 1) + log_factorials

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Counts of shape sample_shape + batch_shape + (K,) (no gradient)."""
        p = np.exp(self.logits.data.astype(np.float64))
        p = p / p.sum(-1, keepdims=True)
        size = tuple(sample_shape) + self.batch_shape
        counts = random.generator().multinomial(self.total_count, p, size=size or None)
        return Tensor(np.asarray(counts, dtype=self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        x = _tensor(value)
        counts = x.data
        _check("Multinomial.log_prob", f"values to be counts >= 0 adding up to at most "
               f"total_count={self.total_count} along the last axis",
               bool(np.all(counts >= 0) and np.all(counts == np.round(counts))
                    and np.all(counts.sum(-1) <= self.total_count)), self.validate_args)
        drawn = x.to(self.logits.dtype)
        logits = self.logits.where(counts > 0, 0)     # 0 log 0 = 0, also where p = 0
        log_factorials = lgamma(drawn.sum(-1) + 1) - lgamma(drawn + 1).sum(-1)
        return (drawn * logits).sum(-1) + log_factorials


_KL: dict[tuple[type, type], Callable] = {}


def register_kl(type_p: type, type_q: type) -> Callable:
    """torch's decorator: `@register_kl(P, Q)` over `def kl(p, q)` makes kl_divergence(p, q)
    use it for p a P and q a Q (subclasses included)."""
    if not (isinstance(type_p, type) and isinstance(type_q, type)):
        raise TypeError(f"register_kl: expected two distribution classes, got "
                        f"{type_p!r} and {type_q!r}")

    def register(formula: Callable) -> Callable:
        _KL[type_p, type_q] = formula
        return formula
    return register


def kl_divergence(p: Any, q: Any) -> Tensor:
    """KL(p || q) = E_p[log p - log q] in closed form, for the pairs registered with
    `register_kl` (below, continuous.py, multivariate_normal.py). An outcome q cannot
    produce but p can gives inf; one p cannot produce adds 0."""
    if isinstance(p, Distribution) and isinstance(q, Distribution):
        try:
            np.broadcast_shapes(p.batch_shape, q.batch_shape)
        except ValueError:
            raise ValueError(f"kl_divergence: the batch shapes {p.batch_shape} and "
                             f"{q.batch_shape} do not broadcast ({type(p).__name__}, "
                             f"{type(q).__name__})") from None
    for type_p in type(p).__mro__:
        for type_q in type(q).__mro__:
            if (type_p, type_q) in _KL:
                return _KL[type_p, type_q](p, q)
    pairs = ", ".join(sorted(a.__name__ for a, b in _KL if a is b))
    raise NotImplementedError(f"kl_divergence: no closed form for {type(p).__name__} and "
                              f"{type(q).__name__} here (two of one kind: {pairs})")


@register_kl(Normal, Normal)
def _kl_normal(p: Normal, q: Normal) -> Tensor:
    """log(s_q / s_p) + (s_p^2 + (m_p - m_q)^2) / (2 s_q^2) - 1/2."""
    ratio = (p.scale / q.scale) ** 2
    return 0.5 * (ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical(p: Categorical, q: Categorical) -> Tensor:
    """sum_k p_k (log p_k - log q_k)."""
    return _kl_terms(p.probs, p.logits - q.logits, q.probs).sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_one_hot(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    """The categorical KL of the classes."""
    return kl_divergence(p._categorical, q._categorical)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    """The Categorical form over {0, 1}: log p(1) = -softplus(-logit), log p(0) =
    -softplus(logit)."""
    one = _kl_terms(p.probs, log1p_exp(-q.logits) - log1p_exp(-p.logits), q.probs)
    zero = _kl_terms(1 - p.probs, log1p_exp(q.logits) - log1p_exp(p.logits), 1 - q.probs)
    return one + zero


class Independent(Distribution):
    """`base_distribution` with its last `reinterpreted_batch_ndims` batch axes read as
    event axes: log_prob and entropy sum over them, so Independent(Normal(mu, sigma), 1) is
    a diagonal Gaussian whose log_prob is one number per batch entry."""

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool | None = None) -> None:
        shape, n = base_distribution.batch_shape, reinterpreted_batch_ndims
        if not isinstance(n, (int, np.integer)) or not 0 <= n <= len(shape):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be in 0 .. "
                             f"{len(shape)} (the base's batch shape is {shape}), got {n!r}")
        super().__init__(shape[:len(shape) - n], shape[len(shape) - n:]
                         + base_distribution.event_shape, validate_args)
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, int(n)
        self.has_rsample = base_distribution.has_rsample

    mean = property(lambda self: self.base_dist.mean)
    mode = property(lambda self: self.base_dist.mode)
    variance = property(lambda self: self.base_dist.variance)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def _summed(self, x: Tensor) -> Tensor:
        n = self.reinterpreted_batch_ndims
        return x.sum(tuple(range(-n, 0))) if n else x

    def log_prob(self, value: Any) -> Tensor:
        return self._summed(self.base_dist.log_prob(value))

    def entropy(self) -> Tensor:
        return self._summed(self.base_dist.entropy())


@register_kl(Independent, Independent)
def _kl_independent(p: Independent, q: Independent) -> Tensor:
    """The base distributions' KL, summed over the reinterpreted axes."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("kl_divergence: two Independent with different "
                                  "reinterpreted_batch_ndims")
    return p._summed(kl_divergence(p.base_dist, q.base_dist))


def _kl_terms(p: Tensor, log_ratio: Tensor, q: Tensor) -> Tensor:
    """p log(p / q) per outcome, as torch: inf where q = 0 < p, and 0 where p = 0 (the
    clamped logits would give a large finite number there)."""
    return (p * log_ratio).where(q.data != 0, np.inf).where(p.data != 0, 0)


def _submodules() -> None:
    """torch's module paths: distributions.normal.Normal, distributions.multinomial...
    (`from torch.distributions import multinomial`, as d2l.ai writes it)."""
    import sys
    import types
    for cls in (Normal, Categorical, Bernoulli, Multinomial, MultivariateNormal, Independent,
                Uniform, Exponential, Laplace, LogNormal, Gamma, Chi2, Beta, Dirichlet, StudentT,
                Poisson, Binomial, MixtureSameFamily, TransformedDistribution,
                OneHotCategorical, Cauchy, HalfCauchy, HalfNormal, LogitRelaxedBernoulli,
                RelaxedBernoulli, ExpRelaxedCategorical, RelaxedOneHotCategorical):
        name = f"{__name__}.{re.sub('(?<!^)(?=[A-Z])', '_', cls.__name__).lower()}"
        module = types.ModuleType(name, f"{cls.__name__}, as torch's {name.split('.', 1)[1]}")
        setattr(module, cls.__name__, cls)
        sys.modules[name] = module
        globals()[name.rsplit(".", 1)[1]] = module
    sys.modules[f"{__name__}.transforms"] = transforms
    for name, functions in (("kl", (kl_divergence, register_kl)), ("utils", (
            broadcast_all, clamp_probs, logits_to_probs, probs_to_logits))):
        module = types.ModuleType(f"{__name__}.{name}", f"torch.distributions.{name}")
        for function in functions:
            setattr(module, function.__name__, function)
        sys.modules[module.__name__] = module
        globals()[name] = module


from .multivariate_normal import MultivariateNormal  # noqa: E402
from .continuous import (Beta, Chi2, Dirichlet, Exponential, Gamma, Laplace,  # noqa: E402,F401
                         LogNormal, StudentT, Uniform)
from .count_distributions import Binomial, Poisson  # noqa: E402,F401
from .continuous_more import Cauchy, HalfCauchy, HalfNormal  # noqa: E402,F401
from .mixture import MixtureSameFamily  # noqa: E402,F401
from . import transforms  # noqa: E402,F401  (torch.distributions.transforms)
from .transforms import TransformedDistribution  # noqa: E402,F401
from .relaxed import (ExpRelaxedCategorical, LogitRelaxedBernoulli,  # noqa: E402,F401
                      RelaxedBernoulli, RelaxedOneHotCategorical)

_submodules()
