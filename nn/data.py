"""Datasets and `DataLoader`: feed a model mini-batches of Tensors, with torch.utils.data's API.

Samplers (`Sampler`, `SequentialSampler`, `RandomSampler`, `BatchSampler`) live in
`nn/samplers.py`, `default_collate` and `default_convert` in `nn/collate.py`; all are
exported here too. Every random draw (shuffles, `random_split`)
comes from the numpy Generator passed as `generator=`, else from
`tinygrad_edu.random.generator()`, so `manual_seed` makes it reproducible.
"""
from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Sequence
from typing import Any, Callable, Generic, Iterable, Iterator

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.random import check_generator
from tinygrad_edu.random import generator as shared_generator

from .collate import default_collate, default_convert
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                       SubsetRandomSampler, T_co, WeightedRandomSampler)

__all__ = ["Dataset", "TensorDataset", "Subset", "StackDataset", "ConcatDataset", "random_split",
           "IterableDataset", "ChainDataset", "get_worker_info", "DataLoader", "default_collate",
           "default_convert", "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]


class Dataset(Generic[T_co]):
    """Anything with `__len__` and `__getitem__(i)` returning one sample (a Tensor, an
    array, a number, a string or a tuple/list/dict of them). `a + b` chains two datasets
    (a `ConcatDataset`). Generic as torch's: `class Images(Dataset[tuple])`. As torch's,
    the base class has no `__len__` (len() of a dataset without one is a TypeError), and a
    subclass may add `__getitems__(indices)`, which DataLoader then calls for a whole
    batch's list of samples."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: `__iter__` yields them (no indexing, maybe no length), as
    torch's IterableDataset for data read as it comes (lines of a file, a simulator). A
    DataLoader takes the samples in the order the stream gives them, `batch_size` at a
    time; shuffle, sampler and batch_sampler do not apply. `a + b` chains two streams."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} is a stream without a length (define "
                        "__len__ to give it one)")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The streams of several IterableDatasets, one after the other."""

    def __init__(self, datasets: Iterable[IterableDataset]) -> None:
        self.datasets = list(datasets)
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset: expects IterableDatasets, got "
                                f"{type(d).__name__}")

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def get_worker_info() -> None:
    """None, as torch's in the main process: loading always runs there (see DataLoader),
    so an IterableDataset's `__iter__` that splits its stream among workers gets all of it."""
    return None


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: `dataset[i] == (t0[i], t1[i], ...)`.

    A row of a tensor that requires grad is taken with the recorded op (`t[i]`), so it stays
    in the graph, as torch; other rows are plain views of the data, outside any graph.
    """

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
        return tuple(_rows(t, index) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def _rows(t: Tensor, index: Any) -> Tensor:
    """`t[index]`: recorded when `t` requires grad, else a plain (fast) view of its data."""
    if t.requires_grad:
        return t[index]
    return Tensor._from_node(np.asarray(t.data[index]), None)


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: `subset[i] == dataset[indices[i]]`."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list) -> list:
        return _samples(self.dataset, [self.indices[i] for i in indices])

    def __len__(self) -> int:
        return len(self.indices)


def _samples(dataset: Any, indices: list) -> list:
    """The samples at `indices`: one `__getitems__` call when the dataset has it, as torch."""
    if getattr(dataset, "__getitems__", None):
        return dataset.__getitems__(indices)
    return [dataset[i] for i in indices]


class StackDataset(Dataset):
    """Datasets of one length side by side: sample i is the tuple of their samples i
    (`StackDataset(images, labels)`), or a dict with the keyword names
    (`StackDataset(image=images, label=labels)`), as torch's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if bool(args) == bool(kwargs):
            raise ValueError("StackDataset: give the datasets either as positional or as "
                             "keyword arguments, not both or neither")
        self.datasets = args or kwargs
        lengths = {len(d) for d in (args or kwargs.values())}
        if len(lengths) != 1:
            raise ValueError(f"StackDataset: the datasets differ in length: {sorted(lengths)}")
        self._length = lengths.pop()

    def __getitem__(self, index: int) -> tuple | dict:
        if isinstance(self.datasets, dict):
            return {name: d[index] for name, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        if isinstance(self.datasets, dict):
            columns = {name: _samples(d, indices) for name, d in self.datasets.items()}
            return [{name: column[k] for name, column in columns.items()}
                    for k in range(len(indices))]
        return list(zip(*(_samples(d, indices) for d in self.datasets)))

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """Several datasets one after the other; `cumulative_sizes[k]` is the length of the first
    k + 1 together. Integer indices only (negative ones count from the end)."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset: {type(d).__name__} is an IterableDataset, "
                                "which has no indices (chain streams with ChainDataset)")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("ConcatDataset: absolute value of index should not exceed "
                                 "dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for length "
                             f"{len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split `dataset` at random into non-overlapping `Subset`s of the given lengths.

    As torch: `lengths` are either ints that add up to len(dataset), or fractions that add
    up to 1; then each split gets floor(fraction * len) and the samples left over go one
    each to the splits in turn, from the first (a warning names an empty split). The
    permutation comes from `generator` (a np.random.Generator) or the shared generator.
    """
    rng = check_generator(generator, "random_split") or shared_generator()
    n, lengths = len(dataset), list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
        lengths = sizes
    if not all(isinstance(k, (int, np.integer)) and k >= 0 for k in lengths):
        raise ValueError(f"random_split: lengths must be ints >= 0 that add up to "
                         f"len(dataset) = {n}, or fractions that add up to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input "
                         f"dataset! ({sum(lengths)} != {n})")
    order = rng.permutation(n).tolist()
    ends = np.cumsum(lengths).tolist()
    return [Subset(dataset, order[end - k:end]) for k, end in zip(lengths, ends)]


def _plain(dataset: Any, cls: type) -> bool:
    """Whether `dataset` reads its samples exactly as `cls` does (no override of either)."""
    kind = type(dataset)
    return (kind.__getitem__ is cls.__getitem__
            and getattr(kind, "__getitems__", None) is getattr(cls, "__getitems__", None))


def _gather(dataset: Any, indices: list) -> list | None:
    """The batch `default_collate([dataset[i] for i in indices])` would make, gathered with
    one fancy index per tensor (dozens of times faster); None unless that is provably the
    same: a TensorDataset (or Subsets of one) whose `__getitem__` is not overridden and
    that adds no `__getitems__`, and integer indices."""
    while _plain(dataset, Subset):
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if not _plain(dataset, TensorDataset):
        return None
    index = np.asarray(indices)
    if index.ndim != 1 or index.dtype.kind not in "iu":
        return None
    return [_rows(t, index) for t in dataset.tensors]


class DataLoader:
    """Iterate over a dataset in batches, as torch.utils.data.DataLoader (same arguments in
    the same order, plus `seed`).

    Indices come from `sampler` (default: `SequentialSampler`, or with `shuffle=True` a
    `RandomSampler`: a new permutation every epoch) grouped by `batch_sampler` (default:
    `BatchSampler(sampler, batch_size, drop_last)`); `collate_fn` makes each batch from the
    list of its samples (default: `default_collate`, so `(x, y)` samples give a list
    `[X, Y]` of Tensors). `batch_size=None` yields single samples through `collate_fn` or
    else `default_convert`.

    Shuffles draw from `generator` (a `np.random.Generator` here), else from
    `np.random.default_rng(seed)` made once when `seed` is given (kept as `self.generator`:
    its `bit_generator.state` resumes the sequence of epochs), else from
    `tinygrad_edu.random.generator()` (fixed by `manual_seed`).

    CPU only and in the main process: the worker options (`num_workers`, `timeout`,
    `worker_init_fn`, `multiprocessing_context`, `prefetch_factor`, `persistent_workers`,
    `in_order`) and `pin_memory` are accepted and change nothing: torch's worker processes
    make the same batches in parallel, here the main process makes them (so there is no
    worker for `worker_init_fn` to set up). `pin_memory_device` can only be empty.

    With the default `collate_fn`, a `TensorDataset` (or a `Subset` of one) that does not
    override `__getitem__` is batched with one fancy index per tensor: the same batches as
    sample by sample, dozens of times faster.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable | None = None, batch_sampler: Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable[[list], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                 generator: np.random.Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True,
                 seed: int | None = None) -> None:
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative, got "
                             f"{num_workers!r}")
        if not timeout >= 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
        if pin_memory_device:
            raise ValueError(f"DataLoader: pin_memory_device={pin_memory_device!r}: this "
                             "DataLoader has only the CPU (leave it empty)")
        for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value is not None and not hasattr(value, "__iter__"):
                raise TypeError(f"DataLoader: {name} must be an iterable of "
                                f"{'indices' if name == 'sampler' else 'lists of indices'}, "
                                f"got {type(value).__name__}")
        for name, value in (("persistent_workers", persistent_workers),
                            ("prefetch_factor", prefetch_factor)):
            if value and num_workers == 0:                      # (as torch: they need workers)
                raise ValueError(f"DataLoader: the {name} option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("DataLoader: multiprocessing_context can only be used with "
                             "multi-process loading (num_workers > 0), but got num_workers=0")
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle or None), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value is not None:
                    raise ValueError(f"DataLoader with an IterableDataset: the stream gives "
                                     f"the order, so {name} does not apply (got {name}="
                                     f"{value!r})")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None yields single samples, so there is "
                             "no last batch to drop (drop_last=True)")
        elif batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                         or isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be an int >= 1 or None, got "
                             f"{batch_size!r}")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        self.generator = check_generator(generator, "DataLoader")
        if seed is not None:
            self.generator = np.random.default_rng(seed)
        if isinstance(dataset, IterableDataset):
            sampler = None                          # (the stream is read in __iter__)
        elif sampler is None:
            sampler = (RandomSampler(dataset, generator=self.generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            batches = batch_size is not None or batch_sampler is not None      # (as torch)
            collate_fn = default_collate if batches else default_convert
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.collate_fn = sampler, batch_sampler, collate_fn
        self.shuffle, self.seed, self.pin_memory = bool(shuffle), seed, pin_memory
        self.num_workers, self.timeout, self.worker_init_fn = num_workers, timeout, worker_init_fn
        self.multiprocessing_context, self.in_order = multiprocessing_context, in_order
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device = pin_memory_device

    def __len__(self) -> int:
        if self.sampler is None:                            # an IterableDataset
            n = len(self.dataset)            # (a TypeError when the stream has no length)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.sampler if self.batch_sampler is None else self.batch_sampler)

    def __iter__(self) -> _BatchIterator:
        return _BatchIterator(self)

    def _batches(self) -> Iterator[Any]:
        if self.sampler is None:
            yield from self._stream()
            return
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        fast = self.collate_fn is default_collate
        for indices in self.batch_sampler:
            batch = _gather(self.dataset, indices) if fast else None
            yield batch if batch is not None else self.collate_fn(_samples(self.dataset,
                                                                           indices))

    def _stream(self) -> Iterator[Any]:
        """An IterableDataset's samples, batch_size at a time (or one by one)."""
        if self.batch_size is None:
            yield from map(self.collate_fn, self.dataset)
            return
        collate, batch = self.collate_fn, []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)


class _BatchIterator:
    """What iter(loader) gives: the loader's batches, and len() of them, as torch's."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader, self._batches = loader, loader._batches()

    def __iter__(self) -> _BatchIterator:
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)
