"""All parameters as one flat vector and back, as torch.nn.utils (for a line search, a
second-order method, or a flat-vector optimizer of your own)."""
from __future__ import annotations

from typing import Iterable

from tinygrad_edu import Tensor, cat


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector, in order (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give the parameters, in order, consecutive slices of `vec` as their data (as torch's
    p.data = vec[...].view_as(p)): new memory, so a tensor that shared a parameter's old
    memory (a state_dict taken before) keeps the old values. torch's parameters become
    views of vec; here each has its own copy, so a later write into vec does not reach
    them, and an in-place change of one parameter does not count as a change of the
    others (backward would refuse it)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    vec, params = vec.reshape(-1), list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} elements, the "
                         f"parameters {total}")
    start = 0
    for p in params:
        p.data = vec.data[start:start + p.numel()].reshape(p.shape).copy()
        start += p.numel()
