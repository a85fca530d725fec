"""`Dataset`, `TensorDataset` and `DataLoader`: feed a model mini-batches of Tensors."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.random import generator


class Dataset:
    """Anything with `__len__` and `__getitem__(i)` returning one sample (a Tensor, an
    array, a number or a tuple of them)."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: `dataset[i] == (t0[i], t1[i], ...)`."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t))
                             for t in tensors)
        sizes = {t.shape[0] if t.ndim else None for t in self.tensors}
        if len(sizes) != 1 or None in sizes:
            raise ValueError(f"TensorDataset: all tensors need the same first dimension, got "
                             f"shapes {[t.shape for t in self.tensors]}")

    def __getitem__(self, index: Any) -> tuple:
        return tuple(Tensor._from_node(t.data[index], None) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def batch(self, indices: np.ndarray) -> tuple:
        """Many samples at once, gathered with one fancy index per tensor."""
        return self[indices]


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch: tuples and lists field by field, dicts key by
    key (as torch), everything else (Tensors, arrays, numbers) into one Tensor."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate(list(field)) for field in zip(*samples))
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    arrays = [s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
    if any(a.dtype.kind not in "biuf" for a in arrays):
        raise TypeError(f"DataLoader: cannot batch samples of type {type(first).__name__}; "
                        "expected Tensors, arrays, numbers, or tuples/lists/dicts of them")
    return Tensor._from_node(np.stack(arrays), None)


def default_convert(sample: Any) -> Any:
    """One sample as `DataLoader(batch_size=None)` yields it, as torch: arrays and numpy
    scalars become Tensors, inside lists, tuples and dicts too (a plain tuple becomes a
    list, as torch); Python numbers and everything else stay as they are."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biuf":
        return Tensor._from_node(np.asarray(sample), None)
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):         # a namedtuple
        return type(sample)(*(default_convert(field) for field in sample))
    if isinstance(sample, (tuple, list)):
        return [default_convert(field) for field in sample]
    return sample


class DataLoader:
    """Iterate over a dataset in batches of Tensors.

    `shuffle=True` draws a new permutation every epoch (every `iter()`): from
    `self.generator = np.random.default_rng(seed)`, created once when `seed` is given, so
    the sequence of epochs is reproducible on its own (save and restore
    `generator.bit_generator.state` to resume it); otherwise from
    `tinygrad_edu.random.generator()` (fixed by `manual_seed`). `drop_last` drops a final
    incomplete batch. Batches are made in the main process: `num_workers` other than 0
    (torch's worker processes) is an error rather than silently ignored.

    As torch: `collate_fn(samples)` makes each batch from the list of its samples
    (default: `default_collate`); `batch_size=None` yields the samples one by one,
    through `collate_fn` or else `default_convert`.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None) -> None:
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be an int >= 1 or None, got "
                             f"{batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None yields single samples, so there is "
                             "no last batch to drop (drop_last=True)")
        if num_workers != 0:
            raise ValueError(f"DataLoader: num_workers={num_workers} is not supported; "
                             "batches are made in the main process (use num_workers=0)")
        self.dataset, self.batch_size, self.collate_fn = dataset, batch_size, collate_fn
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self.generator = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.generator if self.generator is not None else generator()).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            convert = self.collate_fn or default_convert
            for i in order:
                yield convert(self.dataset[int(i)])
            return
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.collate_fn is not None:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
            elif hasattr(self.dataset, "batch"):
                yield self.dataset.batch(indices)
            else:
                yield default_collate([self.dataset[int(i)] for i in indices])
