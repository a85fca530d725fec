"""Adaptive softmax (Grave et al. 2016, "Efficient softmax approximation for GPUs"), as
torch.nn.AdaptiveLogSoftmaxWithLoss.

The classes are sorted by frequency and cut into a shortlist [0, c_0) and clusters
[c_0, c_1), ..., [c_(k-1), n_classes). The head scores the shortlist and one entry per cluster;
cluster i has its own small classifier (in_features -> in_features // div_value**(i+1) ->
its size). The log-probability of class y is

    log p(y | x) = log softmax(head(x))[y]                                  (y in shortlist)
    log p(y | x) = log softmax(head(x))[c_0 + i] + log softmax(tail_i(x))[y - c_i]  (cluster i)

so a rare class pays for the cluster's small classifier, and in forward only the samples
whose target lies in cluster i go through tail_i. Everything is composed from Linear,
log_softmax, take_along_dim and index_add: the gradient comes for free.
"""
from __future__ import annotations

import math
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from tinygrad_edu import Tensor, cat, no_grad
from tinygrad_edu.tensor import _tensor

from .containers import ModuleList, Sequential
from .layers import Linear
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax with its negative log-likelihood, as torch's (see the module
    docstring for the math).

    cutoffs: increasing unique ints in [1, n_classes - 1]; `self.cutoffs` has n_classes
    appended. Parameters: head.weight (shortlist_size + n_clusters, in_features) (+ head.bias
    with head_bias=True) and, per cluster i, tail.i.0.weight (hsz_i, in_features) and
    tail.i.1.weight (cluster size, hsz_i), hsz_i = int(in_features // div_value**(i+1)).

    forward(input (N, in_features), target (N,)) -> _ASMoutput(output, loss): output[n] =
    log p(target[n] | input[n]), loss = -mean(output). Unbatched: input (in_features,),
    target () give a 0-d output.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of "
                             "length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of "
                             "unique, positive integers sorted in an increasing order, where "
                             f"each value is between 1 and n_classes-1 = {n_classes - 1}, "
                             f"got {cutoffs}")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        options = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **options)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **options),
                                        Linear(hsz, osz, bias=False, **options)))

    def reset_parameters(self) -> None:
        """Draw every Linear's parameters again, as at construction."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def _checked(self, op: str, input: Any, ndim: int) -> Tensor:
        """input as a Tensor of `ndim` dims whose last is in_features, of the weights' dtype."""
        x = _tensor(input)
        if x.ndim != ndim or x.shape[-1] != self.in_features:
            shape = "(N, in_features)" if ndim == 2 else "(in_features,)"
            raise ValueError(f"{op}: expected input of shape {shape} with in_features = "
                             f"{self.in_features}, got shape {x.shape}")
        if x.dtype != self.head.weight.dtype:
            raise TypeError(f"{op}: input dtype {x.dtype} does not match the parameters' "
                            f"dtype {self.head.weight.dtype}")
        return x

    def forward(self, input: Any, target: Any) -> _ASMoutput:
        """output[n] = log p(target[n] | input[n]); loss = -mean(output). The head term is
        gathered for every sample (its class, or its cluster's entry c_0 + i); the cluster
        term log softmax(tail_i(x))[y - c_i] is computed for cluster i's samples only and
        added at their rows (index_add)."""
        op = "AdaptiveLogSoftmaxWithLoss"
        x, t = _tensor(input), _tensor(target)
        if t.ndim == 1:
            if x.ndim == 0 or x.shape[0] != t.shape[0]:
                raise RuntimeError(f"{op}: Input and target should have the same size in the "
                                   f"batch dimension. Got input shape {x.shape} and target "
                                   f"shape {t.shape}")
            if x.ndim != 2:
                raise RuntimeError(f"{op}: 1D target tensor expects 2D input tensors, but "
                                   f"found inputs with size {x.shape}")
        elif t.ndim == 0:
            if x.ndim != 1:
                raise RuntimeError(f"{op}: 0D target tensor expects 1D input tensors, but "
                                   f"found inputs with size {x.shape}")
        else:
            raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not "
                               f"supported (got target shape {t.shape})")
        if t.dtype.kind not in "iu":
            raise TypeError(f"{op}: target must hold class indices of an integer dtype, got "
                            f"{t.dtype}")
        batched = t.ndim == 1
        x = self._checked(op, x, 2 if batched else 1)
        x = x if batched else x.unsqueeze(0)
        y = t.data.reshape(-1)
        if y.size and (y.min() < 0 or y.max() >= self.n_classes):
            raise RuntimeError(f"{op}: Target values should be in [0, {self.n_classes - 1}], "
                               f"but values in range [{y.min()}, {y.max()}] were found.")
        cluster = np.searchsorted(self.cutoffs, y, side="right")    # 0: shortlist, i+1: tail i
        head_index = np.where(cluster == 0, y, self.shortlist_size + cluster - 1)
        head_logprob = self.head(x).log_softmax(1)
        output = head_logprob.take_along_dim(head_index[:, None], 1).squeeze(1)
        for i, (low, tail) in enumerate(zip(self.cutoffs, self.tail)):
            rows = np.flatnonzero(cluster == i + 1)
            if rows.size:
                cluster_logprob = tail(x[rows]).log_softmax(1)
                local = cluster_logprob.take_along_dim((y[rows] - low)[:, None], 1).squeeze(1)
                output = output.index_add(0, rows, local)
        loss = -output.mean() if y.size else output.sum() + math.nan    # torch: nan if N = 0
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """(N, n_classes): the head's shortlist columns, then for each cluster i its
        log softmax(tail_i(x)) plus the head's column c_0 + i."""
        head_logprob = head_output.log_softmax(1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, tail in enumerate(self.tail):
            cluster_entry = head_logprob[:, self.shortlist_size + i:self.shortlist_size + i + 1]
            parts.append(tail(input).log_softmax(1) + cluster_entry)
        return cat(parts, 1)

    def log_prob(self, input: Any) -> Tensor:
        """log p(c | x) for every class c: (N, in_features) -> (N, n_classes)."""
        x = self._checked("AdaptiveLogSoftmaxWithLoss.log_prob", input, 2)
        return self._full_log_prob(x, self.head(x))

    def predict(self, input: Any) -> Tensor:
        """argmax_c log p(c | x), (N, in_features) -> (N,) int64, as log_prob(input).argmax(1).

        Shortcut (torch's): where the head's argmax is a shortlist class s, s is the answer:
        with h = log softmax(head(x)), log p(s) = h[s] >= h[c_0 + i] >= h[c_0 + i] +
        log softmax(tail_i(x))[j] for every tail class. Only the other rows need the tails."""
        x = self._checked("AdaptiveLogSoftmaxWithLoss.predict", input, 2)
        with no_grad():
            head_output = self.head(x)
            output = head_output.argmax(1)
            in_tail = output.data >= self.shortlist_size
            if not in_tail.any():
                return output
            if in_tail.all():
                return self._full_log_prob(x, head_output).argmax(1)
            output[in_tail] = self._full_log_prob(x[in_tail], head_output[in_tail]).argmax(1)
            return output
