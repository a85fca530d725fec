"""torch.func (functorch's transforms), written on this library's tape:

    grad(f)(x)              df/dx of a scalar f (argnums: which arguments; has_aux)
    grad_and_value(f)(x)    (df/dx, f(x))
    vjp(f, x)               (f(x), v -> v^T J)
    jvp(f, (x,), (v,))      (f(x), J v), by two reverse passes (the double-VJP trick)
    linearize(f, x)         (f(x), v -> J v)
    jacrev(f)(x), jacfwd    J, one backward pass per output (no forward mode: jacfwd is jacrev)
    hessian(f)(x)           jacrev(jacrev(f))
    vmap(f, in_dims)(x)     f mapped over an axis of its arguments, results stacked
    functional_call(module, params, args)   the module run on other parameters
    stack_module_state(models)   their parameters and buffers stacked (model ensembles)

An argument may be a Tensor or a dict, tuple or list of Tensors (a model's parameters).
Each transform runs f on leaves of its own that require grad, and keeps its results in
the graph when f's graph also reaches other tensors that require grad (an outer
transform's inputs: grad(grad(f)); a critic's parameters closed over in a gradient
penalty), so that those get their gradients; otherwise the results are plain tensors,
as torch's.
Differs from torch: jvp runs no forward mode (two reverse passes give J v). vmap calls
f once per index of the mapped axis and stacks the results (torch batches the ops), so
it costs a Python loop; f sees the same unbatched slices, and per-sample gradients
(vmap(grad(loss), in_dims=(None, 0, 0))) come out the same.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Sequence

import numpy as np

from . import random
from .autograd import grad as _tape_grad
from .composed import stack
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian",
           "vmap", "functional_call", "stack_module_state"]


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
        values = [build(value) for value in node]
        return type(node)(*values) if hasattr(node, "_fields") else type(node)(values)
    return build(tree)


def _tracked(tree: Any) -> tuple[Any, set]:
    """(the tree with a variable of this transform for every Tensor, the ids of its fresh
    leaves). A Tensor that already requires grad (an outer transform's input, a model's
    parameter) gets an alias in the graph, so the derivative is taken through the argument
    only, not through the same tensor used elsewhere by the function; the others become
    detached leaves that require grad."""
    fresh = [x.view_as(x) if x.requires_grad else x.detach().requires_grad_()
             for x in _leaves(tree)]
    own = {id(new) for old, new in zip(_leaves(tree), fresh) if not old.requires_grad}
    return _rebuilt(tree, fresh), own


_RETIRED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
"""The fresh leaves of transforms that have finished (id -> leaf): an inner grad's
variable, left in the graph of its result, is not one the outer transform differentiates."""


def _retire(leaves: set, tracked: Sequence) -> None:
    for x in (x for tree in tracked for x in _leaves(tree)):
        if id(x) in leaves:
            _RETIRED[id(x)] = x


def _reaches_other_leaves(outputs: list, own: set) -> bool:
    """Whether the graph of `outputs` reaches a tensor that requires grad besides the
    transform's own fresh leaves and those of finished transforms (a parameter the
    function closes over, an outer transform's input): then the results stay in the
    graph, as torch's do."""
    stack, seen = [o for o in outputs if o.requires_grad], set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.grad_fn is None:
            if id(t) not in own and id(t) not in _RETIRED:
                return True
            continue
        stack.extend(x for x in t.grad_fn.inputs if getattr(x, "requires_grad", False))
    return False


def _detached(tree: Any) -> Any:
    return _rebuilt(tree, [x.detach() for x in _leaves(tree)])


def _argnums(argnums: int | tuple, count: int, op: str) -> tuple:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not all(-count <= i < count for i in nums):
        raise ValueError(f"{op}: argnums {argnums} is out of range for {count} arguments")
    nums = tuple(i % count for i in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"{op}: argnums {argnums} names an argument twice")
    return nums


def _of_chosen(func: Callable, args: Sequence, nums: tuple, kwargs: dict) -> Callable:
    """func as a function of the arguments at positions `nums` only, the others fixed."""
    def partial(*chosen: Any) -> Any:
        full = list(args)
        for i, x in zip(nums, chosen):
            full[i] = x
        return func(*full, **kwargs)
    return partial


def _split(flat: Sequence, trees: Sequence) -> list:
    """flat values cut into the trees' shapes, one tree each."""
    out, start = [], 0
    for tree in trees:
        count = len(_leaves(tree))
        out.append(_rebuilt(tree, flat[start:start + count]))
        start += count
    return out


# ------------------------------------------------------------------- the transforms
def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """(func(*primals), vjp_fn[, aux]) with vjp_fn(v) = v^T J as a tuple, one entry per
    primal (shaped like it); v is shaped like func's output (a Tensor or a tree)."""
    out, vjp_fn, aux, retire = _vjp(func, primals, has_aux)
    retire()                           # (an enclosing transform does not differentiate them)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _vjp(func: Callable, primals: Sequence, has_aux: bool) -> tuple:
    """vjp's work, and a function that retires its fresh leaves (when the caller is done)."""
    with enable_grad():
        tracked, own = zip(*[_tracked(p) for p in primals]) if primals else ((), ())
        result = func(*tracked)
    if has_aux and not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError("vjp/grad/jacrev: with has_aux=True, func must return a pair "
                        "(output, aux)")
    out, aux = result if has_aux else (result, None)
    own = set().union(*own)
    outs, inputs = _leaves(out), [x for t in tracked for x in _leaves(t)]
    keep = _reaches_other_leaves(outs, own)
    if has_aux and not _reaches_other_leaves(_leaves(aux), own):
        aux = _detached(aux)

    def vjp_fn(cotangents: Any) -> tuple:
        vs = _leaves(cotangents)
        if [v.shape for v in vs] != [o.shape for o in outs]:
            raise ValueError(f"vjp: the cotangents have shapes {[v.shape for v in vs]}, the "
                             f"outputs {[o.shape for o in outs]}")
        if not inputs:                             # primals without a Tensor: {} or ()
            return tuple(_split([], tracked))
        with enable_grad():
            grads = _tape_grad(outs, inputs, vs, retain_graph=True,
                               create_graph=keep or any(v.requires_grad for v in vs),
                               allow_unused=True, materialize_grads=True)
        return tuple(_split(grads, tracked))
    return out if keep else _detached(out), vjp_fn, aux, lambda: _retire(own, tracked)


def jvp(func: Callable, primals: tuple, tangents: tuple, *, strict: bool = False,
        has_aux: bool = False) -> tuple:
    """(func(*primals), J v[, aux]) for tangents v shaped like the primals (trees of the
    same structure); J v is shaped like func's output.

    Differs from torch: no forward mode runs. u -> u^T J (one VJP, recorded) is linear
    in u, and its own VJP with v is (J^T)^T v = J v: two reverse passes, the same numbers.
    A tangent is cast to its primal's dtype. (`strict` is accepted, as torch's, which
    does not use it either.)"""
    out, push_forward, aux = _linearized(func, primals, "jvp", has_aux)
    result = push_forward(*_checked_tangents(tangents, primals, "jvp"))
    return (out, result, aux) if has_aux else (out, result)


def linearize(func: Callable, *primals: Any) -> tuple:
    """(func(*primals), jvp_fn) with jvp_fn(*tangents) = J v, the Jacobian at the primals
    times tangents shaped like them; func runs once, jvp_fn any number of times (each a
    reverse pass through the recorded u^T J, see `jvp`)."""
    out, push_forward, _ = _linearized(func, primals, "linearize", False)

    def jvp_fn(*tangents: Any) -> Any:
        return push_forward(*_checked_tangents(tangents, primals, "linearize"))
    return out, jvp_fn


def _linearized(func: Callable, primals: Any, op: str, has_aux: bool) -> tuple:
    """(func's output, v -> J v, aux): u^T J recorded once, as a function of a dummy
    cotangent u that requires grad; J v is its VJP with v."""
    if not isinstance(primals, tuple):
        raise TypeError(f"{op}: primals must be a tuple of the arguments, so that "
                        f"func(*primals) is the call (got {type(primals).__name__})")
    out, pull_back, aux, retire = _vjp(func, primals, has_aux)
    outs = _leaves(out)
    dummies = [Tensor(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outs]
    transposed = [x for tree in pull_back(dummies) for x in _leaves(tree)]     # J^T u
    retire()
    _retire({id(u) for u in dummies}, [dummies])
    keep = any(o.requires_grad for o in outs)        # an outer transform differentiates

    def push_forward(*tangents: Tensor) -> Any:
        with enable_grad():
            result = _tape_grad(transposed, dummies, list(tangents), retain_graph=True,
                                create_graph=keep or any(v.requires_grad for v in tangents),
                                allow_unused=True, materialize_grads=True)
        return _rebuilt(out, result)
    return out, push_forward, aux


def _checked_tangents(tangents: Any, primals: tuple, op: str) -> list[Tensor]:
    """The tangents' leaves, one per primal leaf, of its shape (cast to its dtype)."""
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise TypeError(f"{op}: tangents must be a tuple with one entry per primal "
                        f"({len(primals)}), got {type(tangents).__name__}"
                        + (f" of {len(tangents)}" if isinstance(tangents, tuple) else ""))
    flat, like = _leaves(tangents), _leaves(primals)
    if len(flat) != len(like):
        raise ValueError(f"{op}: tangents must have the structure of the primals: "
                         f"{len(like)} tensors, got {len(flat)}")
    for i, (v, x) in enumerate(zip(flat, like)):
        if v.shape != x.shape:
            raise ValueError(f"{op}: tangent {i} has shape {v.shape}, its primal {x.shape}")
    return [v if v.dtype == x.dtype else v.to(x.dtype) for v, x in zip(flat, like)]


def grad_and_value(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """A function returning (gradient of func's 0-d output in the arguments `argnums`,
    func's output); with has_aux, func returns (output, aux) and the value is that pair."""
    def transformed(*args: Any, **kwargs: Any) -> tuple:
        nums = _argnums(argnums, len(args), "grad")
        out, pull_back, aux, retire = _vjp(_of_chosen(func, args, nums, kwargs),
                                           [args[i] for i in nums], has_aux)
        if not isinstance(out, Tensor) or out.ndim != 0:
            raise RuntimeError("grad: func must return a 0-d Tensor (a scalar), got "
                               f"{getattr(out, 'shape', type(out).__name__)}")
        gradients = pull_back(Tensor._from_node(np.ones((), out.dtype), None))
        retire()
        gradient = gradients[0] if isinstance(argnums, int) else gradients
        return gradient, ((out, aux) if has_aux else out)
    return transformed


def grad(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of func's 0-d output in the arguments `argnums`
    (with has_aux: (gradient, aux))."""
    both = grad_and_value(func, argnums, has_aux)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        gradient, out = both(*args, **kwargs)
        return (gradient, out[1]) if has_aux else gradient
    return transformed


def _check_chunk_size(chunk_size: Any, op: str) -> None:
    """torch's check of `chunk_size` (how many rows it computes at once; here one)."""
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(
            chunk_size, int) or chunk_size < 1):
        raise ValueError(f"{op}: chunk_size must be a positive int or None, got "
                         f"{chunk_size!r}")


def jacrev(func: Callable, argnums: int | tuple = 0, *, has_aux: bool = False,
           chunk_size: int | None = None) -> Callable:
    """A function returning the Jacobian of func's output in the arguments `argnums`, of
    shape output.shape + input.shape: one backward pass per output element. Inputs may be
    trees, argnums a tuple (then a tuple over them), and a tuple output gives a tuple over
    the outputs. (`chunk_size`, how many rows torch computes at once, is accepted: here
    they come one at a time.)"""
    _check_chunk_size(chunk_size, "jacrev")

    def transformed(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacrev")
        out, pull_back, aux, retire = _vjp(_of_chosen(func, args, nums, {}),
                                           [args[i] for i in nums], has_aux)
        chosen, outs = [args[i] for i in nums], _leaves(out)
        per_output = [_jacobians(j, outs, pull_back, chosen) for j in range(len(outs))]
        retire()
        per_output = [trees[0] if isinstance(argnums, int) else tuple(trees)
                      for trees in per_output]
        result = _rebuilt(out, per_output)                # out's structure, J in each place
        return (result, aux) if has_aux else result
    return transformed


def _jacobians(j: int, outs: list, pull_back: Callable, chosen: list) -> list:
    """d outs[j] / d chosen, one tree per chosen argument: a backward pass per element."""
    out = outs[j]
    zeros = [Tensor._from_node(np.zeros(o.shape, o.dtype), None) for o in outs]
    rows = []
    for e in np.eye(out.numel(), dtype=out.dtype).reshape(out.numel(), *out.shape):
        cotangents = list(zeros)
        cotangents[j] = Tensor._from_node(e, None)
        rows.append(pull_back(cotangents if len(outs) > 1 else cotangents[0]))
    flat = []
    for i, tree in enumerate(chosen):
        for k, leaf in enumerate(_leaves(tree)):
            shape = (*out.shape, *leaf.shape)
            flat.append(stack([_leaves(row[i])[k] for row in rows]).reshape(*shape) if rows
                        else Tensor._from_node(np.zeros(shape, out.dtype), None))
    return _split(flat, chosen)


def jacfwd(func: Callable, argnums: int | tuple = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """torch's forward-mode Jacobian; here jacrev's (the same matrix, from backward passes).
    `randomness` is vmap's switch, accepted."""
    _randomness(randomness, "jacfwd")
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func: Callable, argnums: int | tuple = 0) -> Callable:
    """The Jacobian of the gradient: jacrev(jacrev(func))."""
    return jacrev(jacrev(func, argnums), argnums)


def _mapped(tree: Any, dims: Any) -> list[tuple[Tensor, int]]:
    """(tensor, axis) for every Tensor of an argument mapped by `dims` (an int for all, or
    a tree of ints and None shaped like the argument)."""
    if dims is None:
        return []
    if isinstance(dims, int) and not isinstance(dims, bool):
        pairs = [(x, dims) for x in _leaves(tree)]
    elif isinstance(dims, dict) and isinstance(tree, dict) and set(dims) == set(tree):
        pairs = [p for key, value in tree.items() for p in _mapped(value, dims[key])]
    elif (isinstance(dims, tuple) and isinstance(tree, (tuple, list))
          and len(dims) == len(tree)):
        pairs = [p for value, d in zip(tree, dims) for p in _mapped(value, d)]
    else:
        raise ValueError(f"vmap: in_dims entry {dims!r} does not match the structure of its "
                         f"argument (a {type(tree).__name__}): give an int or None, or a "
                         "tuple/dict of them shaped like the argument")
    for x, d in pairs:
        if not -x.ndim <= d < x.ndim:
            raise ValueError(f"vmap: in_dim {d} is out of range for an argument with "
                             f"{x.ndim} dims (shape {x.shape})")
    return pairs


def _selected(tree: Any, dims: Any, i: int) -> Any:
    if dims is None:
        return tree
    if isinstance(dims, int):
        return _rebuilt(tree, [x.select(dims, i) for x in _leaves(tree)])
    if isinstance(dims, dict):
        return {key: _selected(value, dims[key], i) for key, value in tree.items()}
    return type(tree)(_selected(value, d, i) for value, d in zip(tree, dims))


def _randomness(randomness: str, op: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"{op}: randomness must be 'error', 'different' or 'same', got "
                         f"{randomness!r}")


def vmap(func: Callable, in_dims: Any = 0, out_dims: int | tuple = 0, randomness: str = "error",
         *, chunk_size: int | None = None) -> Callable:
    """func mapped over axis in_dims[k] of argument k (None: the argument is shared; for a
    dict, tuple or list argument, an int for all its Tensors or a tree of them), the
    results stacked along out_dims (one per output Tensor, or one for all); keyword
    arguments are passed unmapped; out_dims None takes an output that is the same for every
    index once. `randomness`, as torch: "error" refuses random draws inside func,
    "different" lets each index draw its own, "same" gives every index the same draws
    (the random state is rewound before each call). Differs from torch: a mapped axis of
    size 0 is an error (the loop cannot see the results' shapes)."""
    _randomness(randomness, "vmap")
    _check_chunk_size(chunk_size, "vmap")

    def call(args: Sequence, dims: Sequence, i: int, kwargs: dict, start: dict) -> Any:
        if randomness == "same":
            random.set_rng_state(start)
        selected = [_selected(a, d, i) for a, d in zip(args, dims)]
        if randomness != "error":
            return func(*selected, **kwargs)
        with random.refusing_draws(
                "vmap: func drew random numbers, which randomness='error' (the default, as "
                "torch) refuses; pass randomness='different' (each index its own draws) or "
                "'same' (one draw shared by every index)"):
            return func(*selected, **kwargs)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims has {len(dims)} entries for {len(args)} arguments")
        sizes = {x.shape[d] for a, d in zip(args, dims) for x, d in _mapped(a, d)}
        if len(sizes) != 1:
            raise ValueError(f"vmap: the mapped axes must have one size, got sizes "
                             f"{sorted(sizes)}" if sizes else "vmap: no argument is mapped")
        size = sizes.pop()
        if size == 0:
            raise ValueError("vmap: the mapped axis has size 0 (this vmap loops over it and "
                             "cannot see the shape of results it never computes)")
        start = random.get_rng_state()
        results = [call(args, dims, i, kwargs, start) for i in range(size)]
        columns = list(zip(*[_leaves(r) for r in results]))     # one per output Tensor
        outs = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(columns)
        if len(outs) != len(columns):
            raise ValueError(f"vmap: out_dims has {len(outs)} entries for {len(columns)} "
                             "outputs")
        return _rebuilt(results[0], [_shared(c) if d is None else stack(list(c), d)
                                     for c, d in zip(columns, outs)])
    return transformed


def _shared(column: Sequence[Tensor]) -> Tensor:
    """The output for out_dims None: the same at every index (else torch's error)."""
    first = column[0]
    for other in column[1:]:
        if other.shape != first.shape or not np.array_equal(
                other.data, first.data, equal_nan=first.dtype.kind == "f"):
            raise ValueError("vmap: an output with out_dims None differs between indices (it "
                             "depends on a mapped input); give it an int out_dims")
    return first


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """nn.utils.stateless.functional_call (the nn package imports this one, so it is
    fetched when called)."""
    from nn.utils.stateless import functional_call as call
    return call(module, parameter_and_buffer_dicts, args, kwargs, tie_weights=tie_weights,
                strict=strict)


def stack_module_state(models: Sequence[Any]) -> tuple[dict, dict]:
    """(parameters, buffers) of models of one class, each name's tensors stacked along a
    new first axis: the parameters as new leaves that require grad, for an ensemble run as
    vmap(functional_call(base, ...)) over that axis."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: expected at least one model, got none")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("stack_module_state: expected all models to be of the same class")
    if len({m.training for m in models}) != 1:
        raise RuntimeError("stack_module_state: expected all models to have the same "
                           "training/eval mode")
    named = [(dict(m.named_parameters()), dict(m.named_buffers())) for m in models]
    params = {}
    for name in named[0][0]:
        tensors = [p[name] for p, _ in named]
        wanted = {t.requires_grad for t in tensors}
        if len(wanted) != 1:
            raise RuntimeError(f"stack_module_state: parameter {name!r} requires grad in some "
                               "models and not in others")
        params[name] = stack([t.detach() for t in tensors]).requires_grad_(wanted.pop())
    buffers = {name: stack([b[name] for _, b in named]) for name in named[0][1]}
    return params, buffers

