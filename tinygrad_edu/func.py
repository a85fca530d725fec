"""torch.func (functorch's transforms), written on this library's tape:

    grad(f)(x)              df/dx of a scalar f (argnums: which arguments; has_aux)
    grad_and_value(f)(x)    (df/dx, f(x))
    vjp(f, x)               (f(x), v -> v^T J)
    jacrev(f)(x), jacfwd    J, by backward passes (no forward mode here: jacfwd = jacrev)
    hessian(f)(x)           jacrev(jacrev(f))
    vmap(f, in_dims)(x)     f mapped over an axis of its arguments, results stacked
    functional_call(module, params, args)   the module run on other parameters

An argument may be a Tensor or a dict, tuple or list of Tensors (a model's parameters).
The transforms nest, grad(grad(f)) included: each differentiates with create_graph when
its inputs are themselves being differentiated (an outer transform made them require
grad), so the results of the outermost one are plain tensors, as torch's.
Differs from torch: vmap calls f once per index of the mapped axis and stacks the
results (torch batches the ops), so it costs a Python loop; f sees the same unbatched
slices, and per-sample gradients (vmap(grad(loss), in_dims=(None, 0, 0))) come out the same.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from . import autograd_functional
from .autograd import grad as _tape_grad
from .composed import stack
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]


# ------------------------------------------------------------------- argument trees
def _leaves(tree: Any) -> list[Tensor]:
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in _leaves(value)]
    if isinstance(tree, (tuple, list)):
        return [leaf for value in tree for leaf in _leaves(value)]
    raise TypeError(f"torch.func: expected Tensors, or dicts, tuples and lists of them, got "
                    f"{type(tree).__name__}")


def _rebuilt(tree: Any, leaves: Sequence) -> Any:
    """tree's structure with `leaves` (in _leaves' order) in place of its Tensors."""
    remaining = iter(leaves)

    def build(node: Any) -> Any:
        if isinstance(node, Tensor):
            return next(remaining)
        if isinstance(node, dict):
            return {key: build(value) for key, value in node.items()}
        return type(node)(build(value) for value in node)
    return build(tree)


def _tracked(tree: Any) -> Any:
    """The tree with every Tensor requiring grad: as it is when it already does (an outer
    transform differentiates through it), else a detached leaf that does."""
    return _rebuilt(tree, [x if x.requires_grad else x.detach().requires_grad_()
                           for x in _leaves(tree)])


def _argnums(argnums: int | tuple) -> tuple:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


# ------------------------------------------------------------------- the transforms
def grad_and_value(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """A function returning (gradient of func's scalar output in the arguments `argnums`,
    func's output); with has_aux, func returns (output, aux) and the value is that pair."""
    nums = _argnums(argnums)

    def transformed(*args: Any, **kwargs: Any) -> tuple:
        args = list(args)
        nested = any(x.requires_grad for i in nums for x in _leaves(args[i]))
        with enable_grad():
            for i in nums:
                args[i] = _tracked(args[i])
            out = func(*args, **kwargs)
            value = out[0] if has_aux else out
            if not isinstance(value, Tensor) or value.numel() != 1:
                raise RuntimeError("grad: func must return a Tensor with a single element "
                                   f"(got {getattr(value, 'shape', type(value).__name__)})")
            inputs = [x for i in nums for x in _leaves(args[i])]
            grads = _tape_grad(value, inputs, create_graph=nested, allow_unused=True,
                               materialize_grads=True)
        trees, start = [], 0
        for i in nums:
            count = len(_leaves(args[i]))
            trees.append(_rebuilt(args[i], grads[start:start + count]))
            start += count
        gradient = trees[0] if isinstance(argnums, int) else tuple(trees)
        if not nested:
            out = _rebuilt(out, [x.detach() for x in _leaves(out)]) if has_aux else out.detach()
        return gradient, out
    return transformed


def grad(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of func's scalar output in the arguments `argnums`
    (with has_aux: (gradient, aux))."""
    both = grad_and_value(func, argnums, has_aux)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        gradient, out = both(*args, **kwargs)
        return (gradient, out[1]) if has_aux else gradient
    return transformed


def vjp(func: Callable, *primals: Tensor) -> tuple:
    """(func(*primals), vjp_fn) with vjp_fn(v) = the tuple v^T J, one per primal."""
    with enable_grad():
        xs = [_tracked(x) for x in primals]
        out = func(*xs)

    def vjp_fn(v: Tensor) -> tuple:
        nested = any(x.requires_grad for x in primals)
        with enable_grad():
            return tuple(_tape_grad(out, xs, v, retain_graph=True, create_graph=nested,
                                    allow_unused=True, materialize_grads=True))
    return out.detach(), vjp_fn


def jacrev(func: Callable, argnums: int | tuple = 0) -> Callable:
    """A function returning the Jacobian of func in the arguments `argnums` (Tensors), of
    shape output.shape + input.shape (a tuple over argnums when it is one)."""
    nums = _argnums(argnums)

    def transformed(*args: Any) -> Any:
        def of_chosen(*chosen: Tensor) -> Tensor:
            full = list(args)
            for i, x in zip(nums, chosen):
                full[i] = x
            return func(*full)
        nested = any(args[i].requires_grad for i in nums)
        jac = autograd_functional.jacobian(of_chosen, tuple(args[i] for i in nums),
                                           create_graph=nested)
        return jac[0] if isinstance(argnums, int) else jac
    return transformed


jacfwd = jacrev


def hessian(func: Callable, argnums: int | tuple = 0) -> Callable:
    """The Jacobian of the gradient: jacrev(jacrev(func))."""
    return jacrev(jacrev(func, argnums), argnums)


def vmap(func: Callable, in_dims: Any = 0, out_dims: int | tuple = 0, randomness: str = "error",
         *, chunk_size: int | None = None) -> Callable:
    """func mapped over axis in_dims[k] of argument k (None: the argument is shared), the
    results stacked along out_dims (one per output Tensor, or one for all). A dict, tuple
    or list argument is mapped over that axis of each of its Tensors, and a dict, tuple
    or list result is stacked Tensor by Tensor."""
    def transformed(*args: Any) -> Any:
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims has {len(dims)} entries for {len(args)} arguments")
        sizes = {x.shape[d] for a, d in zip(args, dims) if d is not None for x in _leaves(a)}
        if len(sizes) != 1:
            raise ValueError(f"vmap: the mapped axes must have one size, got sizes "
                             f"{sorted(sizes)}" if sizes else "vmap: no argument is mapped")
        results = [func(*[a if d is None else _rebuilt(a, [x.select(d, i) for x in _leaves(a)])
                          for a, d in zip(args, dims)]) for i in range(sizes.pop())]
        columns = list(zip(*[_leaves(r) for r in results]))     # one per output Tensor
        dims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(columns)
        return _rebuilt(results[0], [stack(list(c), d) for c, d in zip(columns, dims)])
    return transformed


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """nn.utils.stateless.functional_call (the nn package imports this one, so it is
    fetched when called)."""
    from nn.utils.stateless import functional_call as call
    return call(module, parameter_and_buffer_dicts, args, kwargs, tie_weights=tie_weights,
                strict=strict)
