"""torch.nn.utils.rnn's `pad_sequence`: sequences of different lengths as one batch.

(Packed sequences are not here: the recurrent layers take padded batches, and a mask or
the lengths pick each sequence's real steps.)
"""
from __future__ import annotations

from typing import Sequence

from tinygrad_edu import Tensor, pad, stack


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
