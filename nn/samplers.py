"""Samplers: the order in which `DataLoader` visits a dataset (exported from `nn.data`).

As torch.utils.data: a sampler is any iterable of dataset indices (a list will do), and a
batch sampler any iterable of index lists. `RandomSampler` draws from the numpy Generator it
is given, else from `tinygrad_edu.random.generator()` at the start of every pass, so
`manual_seed` makes it reproducible (torch's `generator=` is a `torch.Generator`; here it
is a `np.random.Generator`).
"""
from __future__ import annotations

import math
from itertools import islice
from numbers import Integral
from typing import Any, Generic, Iterable, Iterator, Sized, TypeVar

import numpy as np

from tinygrad_edu.random import check_generator
from tinygrad_edu.random import generator as shared_generator


def _check_positive_int(name: str, value: Any) -> None:
    """torch's check and message for a count (num_samples, batch_size)."""
    if not (isinstance(value, Integral) and not isinstance(value, bool) and value > 0):
        raise ValueError(f"{name} should be a positive integer value, but got "
                         f"{name}={value!r}")


def _check_bool(name: str, value: Any, error: type = TypeError) -> None:
    """torch's check and message for a flag (replacement: TypeError, drop_last: ValueError)."""
    if not isinstance(value, bool):
        raise error(f"{name} should be a boolean value, but got {name}={value!r}")


def _generator(sampler: Any) -> np.random.Generator:
    """The sampler's own generator, else the shared one that manual_seed fixes."""
    return sampler.generator if sampler.generator is not None else shared_generator()


T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define `__iter__` (indices) and usually `__len__`.
    Generic as torch's (`class MySampler(Sampler[int])`); `data_source` is accepted and
    ignored, as torch 2.x does."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of `data_source`, drawn anew on every pass.

    Without replacement: a permutation of all indices (`num_samples` larger than the dataset
    chains several permutations, smaller takes the start of one). With replacement:
    `num_samples` (default len(data_source)) independent uniform draws.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None,
                 generator: np.random.Generator | None = None) -> None:
        _check_bool("replacement", replacement)
        self.data_source, self.replacement = data_source, replacement
        self._num_samples = num_samples
        self.generator = check_generator(generator, "RandomSampler")
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        rng = _generator(self)
        n, count = len(self.data_source), self.num_samples
        if self.replacement:
            yield from rng.integers(0, n, size=count).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        if count % n:                      # no needless draw: later epochs stay as they were
            yield from rng.permutation(n)[:count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a new random order on every pass (a validation split)."""

    def __init__(self, indices: Iterable[int],
                 generator: np.random.Generator | None = None) -> None:
        self.indices = list(indices)
        self.generator = check_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = _generator(self)
        return iter([self.indices[i] for i in rng.permutation(len(self.indices))])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices 0..len(weights)-1 drawn with probability proportional to
    weights (with replacement by default): the usual cure for imbalanced classes, a
    weight 1 / (its class's count) per sample."""

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        _check_positive_int("num_samples", num_samples)
        _check_bool("replacement", replacement)
        w = np.asarray(getattr(weights, "data", weights), dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights must be a 1-d sequence, one per "
                             f"sample, got shape {w.shape}")
        if not (np.all(w >= 0) and np.isfinite(w).all() and w.sum() > 0):
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative "
                             "and not all zero")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                             f"without replacement from {np.count_nonzero(w)} nonzero weights")
        self.weights, self.num_samples, self.replacement = w, num_samples, replacement
        self.generator = check_generator(generator, "WeightedRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = _generator(self)
        p = self.weights / self.weights.sum()
        return iter(rng.choice(p.size, self.num_samples, replace=self.replacement,
                               p=p).tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of `sampler` into lists of `batch_size`; `drop_last` drops a final
    shorter list."""

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        _check_positive_int("batch_size", batch_size)
        _check_bool("drop_last", drop_last, ValueError)
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list]:
        indices = iter(self.sampler)
        while batch := list(islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
