"""torch.nn.utils.rnn: sequences of different lengths as one batch, padded or packed (and
back: unpad_sequence, unpack_sequence).

A PackedSequence stores the steps of all sequences time-major without padding: the
sequences sorted by length (longest first), then for each time t the step t of every
sequence that is longer than t. batch_sizes[t] counts them. The recurrent layers take
it and run each sequence only over its own steps (nn/recurrent.py). Packing and
unpacking are gathers and scatter-adds, so gradients flow through them.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from tinygrad_edu import (Tensor, float16, float32, float64, index_add, int8, int16, int32, int64,
                          pad, stack, uint8, zeros)
from tinygrad_edu.tensor import _tensor


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation q with q[permutation[i]] = i (its argsort), or None for None."""
    if permutation is None:
        return None
    return Tensor(np.argsort(_tensor(permutation).data, kind="stable"))


def _to_dtype(dtype: Any) -> Callable:
    """The PackedSequence method that converts its data to `dtype`."""
    def convert(self: PackedSequence) -> PackedSequence:
        return self.to(dtype=dtype)
    convert.__doc__ = f"data.to({dtype}); the indices stay."
    return convert


class PackedSequence(_PackedFields):
    """data (sum of lengths, *): the steps, time-major; batch_sizes (T,): how many sequences
    are still running at each step; sorted_indices / unsorted_indices: the order by
    length and its inverse (None when the input was already sorted). As torch, built from
    sorted_indices alone it computes unsorted_indices, so that rebuilding a packed batch
    with new data, PackedSequence(f(p.data), p.batch_sizes, p.sorted_indices), keeps the
    batch's order."""

    __slots__ = ()

    def __new__(cls, data: Tensor, batch_sizes: Tensor, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """data.to(...) (a dtype; the device can only be the CPU); the indices stay."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    # torch's dtype shorthands: p.long() is p.to(dtype=int64), and so on (p.long(): token
    # ids packed before an Embedding)
    float, double, half = _to_dtype(float32), _to_dtype(float64), _to_dtype(float16)
    long, int, short = _to_dtype(int64), _to_dtype(int32), _to_dtype(int16)
    char, byte = _to_dtype(int8), _to_dtype(uint8)

    @property
    def is_cuda(self) -> bool:
        return False


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (L, B, *) (batch_first: (B, L, *)), L the
    longest, each padded with `padding_value` after its steps (padding_side='left':
    before them). Differentiable: the padding gets no gradient."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: got an empty list of sequences")
    trailing = {tuple(s.shape[1:]) for s in sequences}
    if len(trailing) > 1 or min(s.ndim for s in sequences) == 0:
        raise ValueError(f"pad_sequence: the sequences must be (L_i, *) with the same trailing "
                         f"shape, got shapes {[tuple(s.shape) for s in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        s = s.to(sequences[0].dtype)                          # torch: the first's dtype
        missing = longest - s.shape[0]
        steps = (0, missing) if padding_side == "right" else (missing, 0)
        padded.append(pad(s, (0, 0) * (s.ndim - 1) + steps, value=padding_value))
    return stack(padded, dim=0 if batch_first else 1)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (batch_first: (B, T, *)) whose sequence b has
    lengths[b] real steps. enforce_sorted=True requires lengths in decreasing order;
    False sorts them and records the order."""
    x = _tensor(input)
    if x.ndim < 2:
        raise ValueError(f"pack_padded_sequence: expected a padded batch (T, B, *), got shape "
                         f"{x.shape}")
    if batch_first:
        x = x.transpose(0, 1)
    lengths = np.asarray(getattr(lengths, "data", lengths), dtype=np.int64)
    if lengths.ndim != 1:
        raise ValueError(f"pack_padded_sequence: lengths must be 1-d, one per sequence, got "
                         f"shape {lengths.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"pack_padded_sequence: cannot pack an empty batch (input of shape "
                         f"{tuple(_tensor(input).shape)}, lengths {lengths.tolist()}), as torch")
    if lengths.size != x.shape[1] or (lengths.min() < 1
                                                       or lengths.max() > x.shape[0]):
        raise ValueError(f"pack_padded_sequence: need one length in [1, {x.shape[0]}] per "
                         f"sequence of the input {tuple(_tensor(input).shape)}"
                         f"{' (batch_first)' if batch_first else ''}, got {lengths.tolist()}")
    order = np.argsort(-lengths, kind="stable")
    if enforce_sorted and not np.array_equal(order, np.arange(lengths.size)):
        raise RuntimeError("pack_padded_sequence: lengths must be sorted in decreasing order "
                           "(or pass enforce_sorted=False)")
    sorted_lengths = lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(sorted_lengths[0])[:, None]).sum(1)
    steps, rows = np.nonzero(np.arange(x.shape[0])[:, None] < sorted_lengths[None, :])
    data = x[steps, order[rows]]                              # time-major, sorted rows
    if enforce_sorted:
        return PackedSequence(data, Tensor(batch_sizes))
    return PackedSequence(data, Tensor(batch_sizes), Tensor(order),
                          Tensor(np.argsort(order)))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """The padded batch (T, B, *) of a PackedSequence, in the original order, and the
    lengths (int64)."""
    data, batch_sizes = sequence.data, sequence.batch_sizes.data
    steps = batch_sizes.size if total_length is None else total_length
    if steps < batch_sizes.size:
        raise ValueError(f"pad_packed_sequence: total_length {total_length} is shorter than "
                         f"the longest sequence, {batch_sizes.size}")
    if batch_sizes.sum() != data.shape[0]:
        raise ValueError(f"pad_packed_sequence: batch_sizes {batch_sizes.tolist()} add up to "
                         f"{batch_sizes.sum()} steps, but data has {data.shape[0]} (shape "
                         f"{tuple(data.shape)})")
    batch = int(batch_sizes[0])
    time = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    row = np.concatenate([np.arange(n) for n in batch_sizes])
    lengths = np.bincount(row, minlength=batch)
    filled = np.zeros(steps * batch, bool)
    filled[time * batch + row] = True
    flat = zeros(steps * batch, *data.shape[1:], dtype=data.dtype)
    flat = index_add(flat, 0, time * batch + row, data)
    if padding_value:                                   # (where, not +: -inf pads too)
        flat = flat.where(filled.reshape((-1,) + (1,) * (data.ndim - 1)), padding_value)
    padded = flat.reshape(steps, batch, *data.shape[1:])
    if sequence.unsorted_indices is not None:
        order = sequence.unsorted_indices.data
        padded, lengths = padded[:, order], lengths[order]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """pack_padded_sequence of pad_sequence(sequences) with their lengths."""
    sequences = list(sequences)
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """The sequences of a padded batch (T, B, *) (or (B, T, *) with batch_first), each cut
    to its length: pad_sequence undone."""
    padded = _tensor(padded_sequences)
    lengths = [int(n) for n in np.asarray(getattr(lengths, "data", lengths)).reshape(-1)]
    batch_axis = 0 if batch_first else 1
    if len(lengths) != padded.shape[batch_axis]:
        raise ValueError(f"unpad_sequence: {len(lengths)} lengths for a batch of "
                         f"{padded.shape[batch_axis]} (padded shape {padded.shape})")
    steps = padded.shape[1 - batch_axis]
    if any(not 0 <= n <= steps for n in lengths):
        raise ValueError(f"unpad_sequence: lengths {lengths} must be between 0 and {steps}")
    rows = padded if batch_first else padded.transpose(0, 1)
    return [rows[i, :n] for i, n in enumerate(lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The sequences of a PackedSequence, in their original order: pack_sequence undone."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
