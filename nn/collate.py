"""How DataLoader turns a list of samples into a batch, as torch.utils.data: `default_collate`
(with a batch size) and `default_convert` (without). Exported from `nn.data`."""
from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np

from tinygrad_edu import Tensor, is_grad_enabled, stack
from tinygrad_edu.dtypes import promote


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, as torch.utils.data.default_collate.

    Tensors, arrays and numbers become one Tensor, of torch's dtype: numbers as
    torch.tensor infers a list of them (ints int64, bools bool, ints with a float among
    them the default dtype), except that Python floats first give float64, as torch;
    tensors and arrays of mixed dtypes promote as torch.stack (int64 with float32 is
    float32). Stacked with the recorded op when a sample requires grad.
    Samples that are tuples give a list of fields (a namedtuple stays that namedtuple; a
    list or other sequence keeps its type when it can be rebuilt), dicts are collated key
    by key, and strings stay as the sequence they come in (a tuple for a field of tuple
    samples, a list at the top level or under a dict key).
    """
    first = samples[0]
    if isinstance(first, (str, bytes)):
        return samples
    if isinstance(first, Mapping):
        return _like_mapping(first, {key: default_collate([s[key] for s in samples])
                                     for key in first})
    if isinstance(first, Sequence):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("default_collate: each sample in the batch needs the same "
                               f"number of fields, got {sorted({len(s) for s in samples})}")
        fields = [default_collate(field) for field in zip(*samples)]
        if isinstance(first, tuple):
            return type(first)(*fields) if hasattr(first, "_fields") else fields
        return _like_sequence(first, fields)
    if isinstance(first, Tensor):
        if not all(isinstance(s, Tensor) for s in samples):
            raise TypeError("default_collate: the first sample is a Tensor, so every sample "
                            "must be one, got " + ", ".join(sorted({type(s).__name__
                                                                     for s in samples})))
        if is_grad_enabled() and any(s.requires_grad for s in samples):
            return stack(samples)
    elif isinstance(first, (bool, int, float, np.generic)):
        # numbers as torch.tensor(list) infers them ([1, 2.5] float32, [np.float64(1), 2.5]
        # float64), Python floats first as float64, as torch's collate
        python_float = isinstance(first, float) and not isinstance(first, np.generic)
        return Tensor(list(samples), dtype=np.float64 if python_float else None)
    arrays = [s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
    if any(a.dtype.kind not in "biuf" for a in arrays):
        raise TypeError(f"DataLoader: cannot batch samples of type {type(first).__name__}; "
                        "expected Tensors, arrays, numbers, strings, or tuples/lists/dicts of "
                        "them")
    if any(a.shape != arrays[0].shape for a in arrays):
        raise RuntimeError(f"DataLoader: cannot stack samples of different shapes "
                           f"{sorted({a.shape for a in arrays})}; pad them in a collate_fn")
    dtype = functools.reduce(promote, (a.dtype for a in arrays))      # as torch.stack
    return Tensor._from_node(np.stack([a.astype(dtype, copy=False) for a in arrays]), None)


def default_convert(sample: Any) -> Any:
    """One sample as `DataLoader(batch_size=None)` yields it, as torch: arrays and numpy
    scalars become Tensors, inside sequences and mappings too (which keep their type
    where it can be rebuilt; a plain tuple becomes a list, as torch); Python numbers and
    everything else stay as they are."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biuf":
        return Tensor._from_node(np.asarray(sample), None)
    if isinstance(sample, Mapping):
        return _like_mapping(sample, {key: default_convert(value)
                                      for key, value in sample.items()})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):         # a namedtuple
        return type(sample)(*(default_convert(field) for field in sample))
    if isinstance(sample, tuple):
        return [default_convert(field) for field in sample]
    if isinstance(sample, Sequence) and not isinstance(sample, (str, bytes)):
        return _like_sequence(sample, [default_convert(field) for field in sample])
    return sample


def _like_mapping(original: Mapping, fields: dict) -> Any:
    """`fields` in the mapping type of `original` (a copy updated with them when it is
    mutable: the type may carry more than its items), else a plain dict, as torch."""
    try:
        if isinstance(original, MutableMapping):
            batch = copy.copy(original)
            batch.update(fields)
            return batch
        return type(original)(fields)
    except TypeError:
        return fields


def _like_sequence(original: Sequence, fields: list) -> Any:
    """`fields` in the sequence type of `original` when it can be built from a list (a
    list subclass), else a list (a range, say), as torch."""
    try:
        return type(original)(fields)
    except TypeError:
        return fields
