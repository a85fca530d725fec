"""Embedding: a lookup table of learned vectors, one row per index (torch.nn.Embedding),
and EmbeddingBag, which sums, averages or maxes bags of them."""
from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype, to_dtype
from tinygrad_edu.shapes import new_shape

from . import functional as F
from . import init
from .functional_more import _dense_gradient_only, _padding_index
from .module import Module, Parameter


class Embedding(Module):
    """out = weight[input]: weight (num_embeddings, embedding_dim), init N(0, 1) from the
    library's seeded generator, as torch.

    With padding_idx, that row starts at zero and never gets a gradient (so it stays
    what it is: a "no token" vector); a negative padding_idx counts from the end.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "Embedding")
        _dense_gradient_only("Embedding", scale_grad_by_freq, sparse)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.padding_idx = _padding_index("Embedding", padding_idx, num_embeddings)
        shape = (num_embeddings, embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.zeros(new_shape(shape, type(self).__name__),
                                             to_dtype(dtype or get_default_dtype())))
            self.reset_parameters()
        else:                                    # torch's private argument: a given table
            table = _weight if isinstance(_weight, Tensor) else Tensor(_weight)
            if table.shape != shape:
                raise ValueError(f"Embedding: _weight must have shape {shape}, got "
                                 f"{tuple(table.shape)}")
            self.weight = Parameter(table if dtype is None else table.to(dtype))  # (shared)
        self.weight.requires_grad_(not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is the 2-D `embeddings` (sharing a Tensor's memory, as
        torch); frozen (no gradient) by default."""
        table = _pretrained(cls, embeddings)
        return cls(*table.shape, padding_idx=padding_idx, max_norm=max_norm,
                   norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse,
                   _weight=table, _freeze=freeze)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        return text + (f", norm_type={self.norm_type}" if self.norm_type != 2 else "")


class EmbeddingBag(Embedding):
    """An Embedding whose forward reduces each bag of lookups (mode 'sum', 'mean' or
    'max'; see `F.embedding_bag`) without returning the per-index vectors: the text
    classification tutorial's bag of words, `bag(text, offsets)`."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None,
                 _freeze: bool = False) -> None:
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, _freeze, device=device, dtype=dtype)
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        self.mode, self.include_last_offset = mode, include_last_offset

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose weight is the 2-D `embeddings` (frozen by default)."""
        table = _pretrained(cls, embeddings)
        return cls(*table.shape, max_norm, norm_type, scale_grad_by_freq, mode, sparse, table,
                   include_last_offset, padding_idx, _freeze=freeze)

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               mode=self.mode, per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset,
                               padding_idx=self.padding_idx)

    def extra_repr(self) -> str:                       # torch's order: mode before padding_idx
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        text += f", mode={self.mode!r}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")


def _pretrained(cls: type, embeddings: Any) -> Tensor:
    """The table itself when it is a Tensor: the module's weight shares its memory."""
    table = embeddings if isinstance(embeddings, Tensor) else Tensor(embeddings)
    if table.ndim != 2:
        raise ValueError(f"{cls.__name__}.from_pretrained: embeddings must be 2-D, got shape "
                         f"{tuple(table.shape)}")
    return table
