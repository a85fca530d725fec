"""A layer's weight as a function of other parameters, recomputed before each forward
(torch.nn.utils.weight_norm and spectral_norm, the forms that keep the new parameters on
the module):

    weight_norm:    w = g v / ||v||      ||v|| over every dim of v but `dim`
                    (parameters weight_g, shaped like ||v||, and weight_v)
    spectral_norm:  w = w_orig / sigma   sigma = u^T W v, the largest singular value of
                    W = w_orig as a (size of dim, rest) matrix, estimated by power
                    iteration: in training mode each forward first sets
                    v = W^T u / ||W^T u||, u = W v / ||W v||  (buffers weight_u, weight_v)

A forward pre-hook computes w from the parameters with Tensor ops, so the gradient of
the loss reaches g and v (or w_orig, through sigma too) by the chain rule; u and v of
the power iteration are constants, as in torch.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor, no_grad, randn
from tinygrad_edu.linear_algebra import norm

from ..module import Module, Parameter


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Replace module.<name> by g v / ||v|| with new parameters <name>_g and <name>_v
    (dim=None: one norm over the whole tensor). Returns the module. (torch 2 deprecates
    this form for nn.utils.parametrizations.weight_norm, built too.)"""
    weight = _parameter(module, name, "weight_norm")
    axes = norm_axes(weight.ndim, dim)
    g = Parameter(length(weight.detach(), axes, keepdim=dim not in (None, -1)))
    v = Parameter(weight.detach().clone())
    del module._parameters[name]
    module.register_parameter(name + "_g", g)
    module.register_parameter(name + "_v", v)
    _install(module, name, "weight_norm", WeightNorm(name, axes))
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo weight_norm: <name> becomes a Parameter again, holding g v / ||v||."""
    return _remove(module, name, "weight_norm", (name + "_g", name + "_v"))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide module.<name> by its largest singular value, re-estimated in each training
    forward by `n_power_iterations` steps of power iteration (dim: the axis read as the
    matrix's rows; None: 1 for transposed convolutions, else 0). Returns the module."""
    if n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n_power_iterations}")
    weight = _parameter(module, name, "spectral_norm")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    check_axis(weight, dim)
    rows = _as_matrix(weight.detach(), dim)
    u = _normalized(randn(rows.shape[0], dtype=weight.dtype), eps)
    v = _normalized(randn(rows.shape[1], dtype=weight.dtype), eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    _install(module, name, "spectral_norm", SpectralNorm(name, dim, n_power_iterations, eps),
             initial=weight.detach())
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo spectral_norm: <name> becomes a Parameter holding w_orig / sigma (no power
    iteration)."""
    return _remove(module, name, "spectral_norm", (name + "_orig", name + "_u", name + "_v"))


class WeightNorm:
    """w = g v / ||v|| from the module's <name>_g and <name>_v. A class, not a closure,
    so that a module holding it pickles (as torch's)."""

    def __init__(self, name: str, axes: tuple) -> None:
        self.name, self.axes = name, axes

    def __call__(self, m: Module) -> Tensor:
        v, g = getattr(m, self.name + "_v"), getattr(m, self.name + "_g")
        return v * (g / length(v, self.axes))


class SpectralNorm:
    """w = w_orig / sigma from the module's <name>_orig, <name>_u and <name>_v; in training
    mode first `n_power_iterations` steps of power iteration update u and v in place."""

    def __init__(self, name: str, dim: int, n_power_iterations: int, eps: float) -> None:
        self.name, self.dim, self.n_power_iterations, self.eps = (name, dim,
                                                                   n_power_iterations, eps)

    def __call__(self, m: Module) -> Tensor:
        w = getattr(m, self.name + "_orig")
        matrix = _as_matrix(w, self.dim)
        u, v = getattr(m, self.name + "_u"), getattr(m, self.name + "_v")
        if m.training:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.data[...] = _normalized(matrix.detach().mT @ u, self.eps).data
                    u.data[...] = _normalized(matrix.detach() @ v, self.eps).data
            u, v = u.clone(), v.clone()
        sigma = (u * (matrix @ v)).sum()
        return w / sigma


class Recompute:
    """The forward pre-hook that sets module.<name> = compute(module) before each forward."""

    def __init__(self, name: str, compute: WeightNorm | SpectralNorm) -> None:
        self.name, self.compute = name, compute

    def __call__(self, m: Module, args: tuple) -> None:
        object.__setattr__(m, self.name, self.compute(m))


def _parameter(module: Module, name: str, op: str) -> Parameter:
    if name in _installed(module):
        raise RuntimeError(f"{op}: {name!r} of {type(module).__name__} is already "
                           f"reparametrized by {_installed(module)[name][0]}")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"{op}: {type(module).__name__} has no parameter {name!r}")
    return weight


def _installed(module: Module) -> dict:
    """name -> (kind, compute, hook handle) of the reparametrizations on module."""
    return module.__dict__.setdefault("_reparametrized", {})


def _install(module: Module, name: str, kind: str, compute: WeightNorm | SpectralNorm,
             initial: Tensor | None = None) -> None:
    """Recompute module.<name> before each forward; until the first, it is `initial` (torch:
    the computed weight, in the graph, for weight norm; the unnormalized one for spectral
    norm)."""
    handle = module.register_forward_pre_hook(Recompute(name, compute))
    _installed(module)[name] = (kind, compute, handle)
    object.__setattr__(module, name, compute(module) if initial is None else initial)


def _remove(module: Module, name: str, kind: str, owned: tuple) -> Module:
    entry = _installed(module).get(name)
    if entry is None or entry[0] != kind:
        raise ValueError(f"{kind} of {name!r} not found in {type(module).__name__}")
    _, compute, handle = entry
    training, module.training = module.training, False      # no power iteration
    with no_grad():
        weight = compute(module).detach()
    module.training = training
    handle.remove()
    del _installed(module)[name]
    for attribute in owned:
        delattr(module, attribute)
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(weight.data.copy()))
    return module


def norm_axes(ndim: int, dim: int | None) -> tuple:
    """The axes ||v|| runs over: every axis but `dim`; all of them for None or -1 (torch
    reads dim=-1 as "no dim kept", not as the last axis)."""
    if dim is not None and not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight of {ndim} "
                         f"dimensions (expected -{ndim} <= dim < {ndim}, or None)")
    keep = None if dim is None or dim == -1 else dim % ndim
    return tuple(a for a in range(ndim) if a != keep)


def length(v: Tensor, axes: tuple, keepdim: bool = True) -> Tensor:
    """||v|| over `axes`; over no axis (a 1-D v with dim 0) each element's |v|."""
    return norm(v, 2, axes, keepdim=keepdim) if axes else v.abs()


def check_axis(weight: Tensor, dim: int) -> None:
    """spectral_norm's dim must be an axis of the weight."""
    if not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of shape "
                         f"{weight.shape}")


def _as_matrix(w: Tensor, dim: int) -> Tensor:
    """w with axis `dim` first, flattened to (size of dim, the rest)."""
    d = dim % w.ndim
    return w.movedim(d, 0).reshape(w.shape[d], -1)


def _normalized(x: Tensor, eps: float) -> Tensor:
    """x / max(||x||, eps)."""
    return x / float(np.maximum(np.linalg.norm(x.data), eps))
