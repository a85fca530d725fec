"""`Function`: the base class of every primitive op, and the registry `OPS`.

A primitive op is one subclass with two static methods, in the style of
`torch.autograd.Function`:

    class Mul(Function):
        '''out = a * b.   VJP: dL/da = g * b,  dL/db = g * a.'''
        @staticmethod
        def forward(ctx, a, b):          # numpy arrays in, numpy array out
            ctx.save_for_backward(a, b)
            return a * b
        @staticmethod
        def backward(ctx, g):            # g = dL/dout as a Tensor
            a, b = ctx.saved_tensors      # Tensors again, still in the graph
            return g * b, g * a           # one gradient per input (None: no gradient)

`Mul.apply(x, y)` runs `forward` on the arrays of `x` and `y` and, when some input
requires grad and grad mode is on, records the call as a node of the graph: the
node *is* the `ctx` object (an instance of the subclass), so `out.grad_fn` is it.

The VJP is written with Tensor operations. Normally backward runs in `no_grad`
mode and those are plain numpy calls; with `backward(create_graph=True)` they are
recorded too, so the gradient can itself be differentiated (Hessians for free).
That is why saved arrays come back as Tensors: an input or the output of the op
that was saved comes back as *that* graph Tensor, everything else as a constant.

Gradients with a broadcast shape are fine: the engine sums each one down to its
input's shape (`autograd.py`), so no op repeats that bookkeeping.

Defining a subclass registers it in `OPS` under its class name (`Mul` -> "mul").
"""
from __future__ import annotations

import functools
import inspect
import numbers
import re
import weakref
from types import MappingProxyType
from typing import Any, Callable

import numpy as np

from . import anomaly, grad_mode, versions

_NO_OPTIONS = MappingProxyType({})  # shared by option-less nodes: one object less per node
# One shared needs_input_grad tuple per pattern ((True, False), ...) of ops with at most
# three inputs (11 patterns; cat of many tensors keeps its own): every object a node
# keeps counts towards the next garbage collection, which then scans the whole graph.
_NEEDS: dict[tuple, tuple] = {}

_REGISTRY: dict[str, type[Function]] = {}
OPS = MappingProxyType(_REGISTRY)
"""Read-only mapping from op name (e.g. ``"mul"``, ``"conv2d"``) to its Function subclass."""


def _built_in(cls: type) -> bool:
    return cls.__module__.startswith("tinygrad_edu.")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


BEFORE_VJP_HOOKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""node -> the entries of its `register_prehook` (run right before its VJP)."""
AFTER_VJP_HOOKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""node -> the entries of its `register_hook` (run after its VJP). Few nodes have either,
so they live in these tables rather than in slots that every recorded op would set."""


def _add_node_hook(table: weakref.WeakKeyDictionary, node: Any, hook: Callable) -> Any:
    hooks = table.setdefault(node, [])
    entry = (hook,)
    hooks.append(entry)
    return tensor.RemovableHandle(hooks, entry)


class Function:
    """Base class of primitive ops; an instance is a node of the backward graph.

    Subclasses define ``forward(ctx, *arrays, **options) -> ndarray`` and
    ``backward(ctx, grad) -> gradient | tuple of gradients`` (one per input, None
    where there is none). Options (ints, tuples, strings) are keyword arguments
    of ``apply`` and are kept in ``ctx.options`` for viz and error messages.
    Set ``differentiable = False`` for an op whose output carries no gradient (say, a
    user's rounding or argmax op): it is never recorded, so it needs no ``backward``.
    ``broadcasts = True`` says the op is elementwise over inputs broadcast to one shape,
    so the engine sums each gradient back to its input's shape (viz says so on the edge).
    A built-in op whose VJP returns a numpy array for some input (a derivative with no
    Tensor form) says why in ``second_order_note``, the error of a second derivative.
    """

    __slots__ = ("inputs", "needs_input_grad", "options", "_saved", "_born", "_reading",
                 "__weakref__")
    # set on the few nodes that need them (an op's own instances have a __dict__), so that
    # apply does not spend time on them: the output when the op saved it, the tensor's
    # hooks (register_hook on a non-leaf) and the weak reference of retain_grad()
    _out: Any = None
    _hooks: list | None = None
    _retained: Any = None

    name: str = "function"
    differentiable: bool = True
    broadcasts: bool = False
    second_order_note: str = ""
    _passed: dict | tuple = ()   # a user's op: {position: argument} for the non-Tensors

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = _snake(cls.__name__)
        if "vjp" in cls.__dict__:                  # torch's other name for backward
            if "backward" in cls.__dict__:
                raise TypeError(f"{cls.__name__}: define backward or vjp (the same method), "
                                "not both")
            cls.backward = cls.__dict__["vjp"]
        cls._fresh_gradients = _built_in(cls)   # a user's VJP may return arrays it keeps
        cls._separate_setup = hasattr(cls, "setup_context")   # torch 2's style, see apply
        if register:
            taken = _REGISTRY.get(cls.name)
            if taken is not None and _built_in(taken) and not _built_in(cls):
                raise ValueError(f"{cls.__name__}: the op name {cls.name!r} is taken by the "
                                 f"built-in {taken.__module__}.{taken.__qualname__}; give yours "
                                 "another class name or a `name = ...` attribute")
            _REGISTRY[cls.name] = cls       # (a user's op defined again replaces itself)

    def __call__(self, *grad_outputs: Any) -> Any:
        """A recorded node (y.grad_fn) called on g = dL/dy gives its VJP, dL/d(inputs), as
        torch's (autograd.call_node); an op class is run with .apply, not called."""
        if getattr(self, "needs_input_grad", None) is None:
            raise TypeError(f"{type(self).__name__}: run an op with {type(self).__name__}"
                            ".apply(...) (its methods are static; torch's old Function()(x) "
                            "style is not supported)")
        from .autograd import call_node            # (autograd imports this module)
        return call_node(self, grad_outputs)

    # --- what forward calls -------------------------------------------------------
    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for backward; inputs and the output come back as graph Tensors."""
        if not self._fresh_gradients:
            for i, a in enumerate(arrays):
                if not (a is None or isinstance(a, (np.ndarray, numbers.Number, tensor.Tensor))):
                    raise TypeError(f"{self.name}: save_for_backward keeps arrays, numbers "
                                    f"or None, but argument {i} is a {type(a).__name__}: keep "
                                    f"other values as attributes of ctx (ctx.k = {a!r:.20})")
        self._saved = arrays

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """torch's ctx.mark_non_differentiable, called in forward with the output array it
        returns: that output carries no gradient (an index or a mask), so it is not
        recorded. Arrays that forward does not return are ignored, as torch."""
        self._marked = outputs

    def set_materialize_grads(self, value: bool) -> None:
        """torch's: whether backward may get None for an output nobody used. An op here has
        one output and backward always gets its gradient as a Tensor: nothing to change."""

    def mark_dirty(self, *arrays: Any) -> None:
        raise NotImplementedError(f"{self.name}: mark_dirty: an op that changes its input in "
                                  "place is not supported (the engine records no in-place "
                                  "op); return a new array")

    # --- what backward calls ------------------------------------------------------
    @property
    def saved_tensors(self) -> tuple:
        """What forward saved, as Tensors (an error once backward has freed it, or when
        one of them was changed in place since: see versions.py)."""
        if self._saved is None:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time, but the "
                "values it saved were freed by the first backward. Pass retain_graph=True to "
                "the first backward (or grad) call if you need to backward twice.")
        if versions.clock != self._born:          # some in-place change since forward
            self._check_unchanged()
        return tuple([self._as_tensor(arr) for arr in self._saved])

    def _check_unchanged(self) -> None:
        for arr in self._saved:
            if type(arr) is np.ndarray and versions.changed_since(arr, self._born):
                which = next((f"its input {i}" for i, t in enumerate(self.inputs)
                              if t.data is arr), "its output" if arr is self._out else "a value")
                raise RuntimeError(
                    f"{self.name}: {which}, saved for backward ({arr.dtype}, shape "
                    f"{arr.shape}), was changed in place after the forward pass (it is now at "
                    f"version {versions.version(arr)}: an optimizer step, x += ..., "
                    "x[...] = ..., x.zero_(), ...), so its gradient would be computed from "
                    "the new values. Call backward before changing it, or change a clone().")

    def _as_tensor(self, arr: Any):
        """A saved array as a Tensor: the graph's own Tensor for an input or the output."""
        if type(arr) is not np.ndarray:
            return arr.unpack(self) if type(arr) is autograd_graph.Packed else arr
        if arr is self._out:
            return tensor.Tensor._from_node(arr, self)
        for t in self.inputs:
            if t._data is arr:
                return t
        return tensor.Tensor._from_node(arr, None)

    @property
    def _freed(self) -> bool:
        """Whether a backward freed what forward saved (viz then replays the op)."""
        return self._saved is None

    def free_saved(self) -> None:
        """Drop what forward saved (backward with retain_graph=False does this)."""
        if self._saved:
            self._saved = None                    # (saved_tensors then says so)
            if self._out is not None:
                self._out = None

    # --- running an op --------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs: Any, **options: Any):
        """Run the op on Tensors and record the node if needed. A built-in op wraps numbers
        and arrays as Tensors; a user's op wraps arrays and passes other arguments (numbers,
        None, strings, tuples) to forward as they are, as torch."""
        if not cls._fresh_gradients:
            return _apply_users_op(cls, inputs, options)
        for x in inputs:
            if not isinstance(x, tensor.Tensor):  # numbers and arrays are wrapped; trailing
                inputs = _as_inputs(cls, inputs)  # Nones (torch's bias=None) are left out
                break
        ctx = cls.__new__(cls)
        ctx.inputs = inputs
        ctx.options = options or _NO_OPTIONS
        ctx._saved = ()
        ctx._reading = False                      # (until recorded: see __del__)
        result = cls.forward(ctx, *[t._data for t in inputs], **options)
        # (numpy returns a scalar, not an array, for a 0-d result)
        out = result if type(result) is np.ndarray else np.asarray(result)
        if grad_mode._enabled and cls.differentiable:
            for t in inputs:
                if t._requires_grad:
                    return _recorded(ctx, result, out)
        return _constant(out, inputs)

    def __del__(self) -> None:
        # a recorded node that is gone no longer reads its inputs: a write into one of them
        # cannot change what a backward through it sees (recorded_writes.py). (apply sets
        # _reading on every ctx: a getattr default here costs 0.4 us per op when missing)
        try:
            reading = self._reading
        except AttributeError:                    # (a ctx made outside apply)
            return
        if reading:
            for t in self.inputs:
                if t._consumed > 0:
                    t._consumed -= 1

    @staticmethod
    def forward(ctx, *arrays, **options):  # pragma: no cover - every op overrides it
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(
            f"{ctx.name}: backward is not defined: give {type(ctx).__name__} a "
            "@staticmethod backward(ctx, grad) that returns one gradient per input (None "
            "where there is none), or set differentiable = False if its output has none")

    vjp = backward

    # --- torch's Node hooks ---------------------------------------------------------
    def register_prehook(self, hook: Callable) -> Any:
        """Call `hook(grad_outputs)` right before this node's VJP, as torch's
        Node.register_prehook: grad_outputs is the 1-tuple (dL/d(output),), after the
        output tensor's own hooks and retain_grad; the hook may return a new 1-tuple.
        (`grad()` asked for the output itself does not run the VJP, nor this hook.)"""
        return _add_node_hook(BEFORE_VJP_HOOKS, self, hook)

    def register_hook(self, hook: Callable) -> Any:
        """Call `hook(grad_inputs, grad_outputs)` after this node's VJP, as torch's
        Node.register_hook: grad_inputs holds the gradient sent to each input (None where
        an input needs none), grad_outputs is (dL/d(output),); the hook may return a new
        grad_inputs tuple."""
        return _add_node_hook(AFTER_VJP_HOOKS, self, hook)

    @property
    def next_functions(self) -> tuple:
        """torch's view of the graph, one `(node, 0)` per input: the node that made the
        input, an `AccumulateGrad` for a leaf that requires grad, or None for a constant.
        (`node.inputs` gives the input Tensors themselves.)"""
        return tuple((t._ctx if t._ctx is not None else
                      AccumulateGrad.of(t) if t._requires_grad else None, 0)
                     for t in self.inputs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


def _constant(out: np.ndarray, inputs: tuple) -> Any:
    """An unrecorded result; a view of a graph tensor's memory is noted (writing it with
    grad mode on is refused: recorded_writes.py)."""
    result = tensor.Tensor._from_node(out, None)
    if out.base is not None:
        recorded_writes.note_untracked_view(result, inputs)
    return result


def _recorded(ctx: Function, result: Any, out: np.ndarray) -> Any:
    """Record ctx as the node that made `out` (some input requires grad)."""
    needs = tuple([t._requires_grad for t in ctx.inputs])
    ctx.needs_input_grad = _NEEDS.setdefault(needs, needs) if len(needs) <= 3 else needs
    for t in ctx.inputs:                      # (how many recorded ops read t: a recorded
        t._consumed += 1                      # write into t must refuse then)
    ctx._reading = True
    for arr in ctx._saved:
        if arr is result:                     # the op saved its own output
            ctx._out = out
            ctx._saved = tuple(out if a is result else a for a in ctx._saved)
            break
    ctx._born = versions.clock
    if anomaly.enabled:                       # (debugging: where the op was made)
        ctx._forward_stack = anomaly.forward_stack()
    made = tensor.Tensor._from_node(out, ctx)
    if out.base is not None:                  # perhaps a view: a write into its memory
        recorded_writes.note_view(made)       # remakes every view of it
    if autograd_graph._hooks and ctx._saved:  # saved_tensors_hooks: pack what it saved
        autograd_graph.pack(ctx, made)
    return made


def _apply_users_op(cls: type, inputs: tuple, options: dict) -> Any:
    """Function.apply for a user's op: arguments bound as forward takes them, numbers and
    other non-arrays passed through to forward, and forward's result checked."""
    if options or cls._separate_setup:
        inputs, options = _bound(cls, inputs, options)
    nones, passed = 0, None
    for x in inputs:
        if not isinstance(x, tensor.Tensor):
            while inputs and inputs[-1] is None:
                inputs, nones = inputs[:-1], nones + 1
            passed = _passed_through(inputs)
            inputs = tuple(tensor.Tensor._from_node(np.zeros(0), None) if i in passed
                           else _as_input(cls, i, x) for i, x in enumerate(inputs))
            break
    ctx = cls.__new__(cls)
    ctx.inputs = inputs
    ctx.options = options or _NO_OPTIONS
    ctx._saved = ()
    ctx._reading = False
    arrays = [t._data for t in inputs]
    if passed:
        ctx._passed = passed
        for i, x in passed.items():
            arrays[i] = x
    ctx.needs_input_grad = tuple([t._requires_grad for t in inputs]) + (
        False,) * nones                     # (read in forward; a None needs none)
    result = _users_forward(cls, ctx, arrays + [None] * nones, options)
    out = result if type(result) is np.ndarray else np.asarray(result)
    if out.ndim and isinstance(result, (tuple, list)):
        raise _several_outputs(cls, result)     # numpy stacked them into one array
    if out.dtype == object:
        raise TypeError(f"{cls.__name__}.forward returned {type(result).__name__}; it "
                        "must return a numpy array (or a number)" + (
                            ": is its return statement missing?" if result is None else ""))
    if (not (grad_mode._enabled and cls.differentiable) or out.dtype.kind != "f"
            or not any([t._requires_grad for t in inputs]) or ctx._non_differentiable):
        return _constant(out, inputs)         # marked outputs carry no gradient (torch)
    made = _recorded(ctx, result, out)
    ctx.needs_input_grad += (False,) * nones
    return made


class AccumulateGrad:
    """Where a path of `next_functions` ends at a leaf that requires grad: backward adds
    the gradient into `variable.grad` (torch's node of the same name)."""

    name = "accumulate_grad"
    next_functions: tuple = ()
    _of_leaf: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    @classmethod
    def of(cls, leaf: Any) -> AccumulateGrad:
        """The leaf's one node while anything holds it, so a walk meets it once per leaf.
        (Keyed by id: the node holds the leaf, so the id cannot be reused meanwhile.)"""
        node = cls._of_leaf.get(id(leaf))
        if node is None:
            node = cls._of_leaf[id(leaf)] = cls(leaf)
        return node

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


FunctionCtx = Function
"""torch.autograd.function.FunctionCtx, the type of `ctx` in type hints: here the ctx of a
call is the Function object itself."""

NUMPY_FORWARD = ("forward receives the inputs as numpy arrays here (torch passes Tensors), so "
                 "write it with numpy: a @ b.T for a.mm(b.t()), a.copy() for a.clone(), "
                 "a[None] for a.unsqueeze(0)")


def _users_forward(cls: type, ctx: Function, arrays: list, options: dict) -> Any:
    """Run a user's forward on read-only views of the input arrays (so numpy's in-place
    methods, `x.sort()`, raise instead of changing the caller's tensor) and map what it
    saved back to the arrays themselves. torch 2's style, forward(*args) followed by
    setup_context(ctx, inputs, output), gets forward's defaults bound, as torch."""
    views = [a.view() if isinstance(a, np.ndarray) else a for a in arrays]
    for view in views:
        if isinstance(view, np.ndarray):
            view.flags.writeable = False
    try:
        result = cls.forward(*views, **options) if cls._separate_setup else cls.forward(
            ctx, *views, **options)
    except AttributeError as error:
        if "'numpy.ndarray' object has no attribute" not in str(error):
            raise
        raise AttributeError(f"{cls.__name__}.forward: {error}: {NUMPY_FORWARD}") from None
    except TypeError as error:               # x.size(0), x.view(-1), x.sum(dim=1) on arrays
        raise TypeError(f"{cls.__name__}.forward: {error} (if a torch method was called on "
                        f"an input: {NUMPY_FORWARD}; x.shape[0] for x.size(0), "
                        "x.reshape(-1) for x.view(-1), axis= for dim=)") from error
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise ValueError(f"{cls.__name__}.forward: {error}: the inputs reach forward "
                         "read-only, since an op that changes its input in place (torch's "
                         "ctx.mark_dirty) is not supported here; compute a new array "
                         "(x + 1, not x += 1) and return it") from None
    if cls._separate_setup:                      # (apply bound forward's defaults: _bound)
        cls.setup_context(ctx, tuple(views), result)
    ctx._non_differentiable = any(marked is result for marked in getattr(ctx, "_marked", ()))
    own = {id(view): array for view, array in zip(views, arrays)}
    ctx._saved = tuple(own.get(id(s), s) for s in ctx._saved)
    tracked = {id(view) for view, t in zip(views, ctx.inputs) if t._requires_grad}
    if tracked:                                  # then the output is in the graph too
        tracked.add(id(result))
    ctx._kept_on_ctx = tuple(name for name, value in vars(ctx).items() if not
                             name.startswith("_") and tracked & _ids_within(value))
    return np.array(result) if any(result is view for view in views) else result


def _ids_within(value: Any) -> set:
    """id of value, and of the items of a tuple, list or dict value (one level down)."""
    items = value.values() if isinstance(value, dict) else value if isinstance(
        value, (tuple, list)) else ()
    return {id(value), *map(id, items)}


def kept_on_ctx_error(node: Function) -> RuntimeError:
    """create_graph through a user's op that kept an input or its output as `ctx.x = x`:
    it is an array there, a constant, so the second derivative would miss its part
    (torch's docs warn of the same)."""
    names = ", ".join(f"ctx.{name}" for name in node._kept_on_ctx)
    return RuntimeError(
        f"{node.name}: forward kept an input that requires grad, or its output, as {names}, "
        "an array outside the graph, so if backward reads it, a second derivative "
        "(create_graph=True) would treat it as a constant and come out wrong. Save it with "
        "ctx.save_for_backward(x) and read it back from ctx.saved_tensors in backward (and "
        "do not keep it on ctx).")


def _as_inputs(cls: type, inputs: tuple) -> tuple:
    """A built-in op's arguments as Tensors: trailing Nones (torch's bias=None) are left
    out, numbers and arrays wrapped."""
    while inputs and inputs[-1] is None:
        inputs = inputs[:-1]
    return tuple([_as_input(cls, i, x) for i, x in enumerate(inputs)])


def _as_input(cls: type, position: int, x: Any) -> Any:
    """An argument of apply as a Tensor (numbers and arrays are wrapped)."""
    if x is None:
        raise TypeError(f"{cls.__name__}.apply: argument {position} is None; only trailing "
                        "arguments may be None (they are left out, so forward's defaults "
                        "apply and backward may return None for them)")
    return x if isinstance(x, tensor.Tensor) else tensor.Tensor(x)


def _bound(cls: type, inputs: tuple, options: dict) -> tuple[tuple, dict]:
    """A user's apply arguments as forward gets them, bound to forward's signature as torch
    binds them. torch 2's style (setup_context): with forward's defaults filled in, so
    apply(x, w) of forward(x, w, bias=None) has needs_input_grad (.., .., False). The older
    style (forward(ctx, ...)): a Tensor given by name takes its parameter's place, so it is
    an input and gets its gradient; a parameter skipped before it gets its default. Other
    keyword arguments (numbers, flags) reach forward as they are."""
    signature = inspect.signature(cls.forward)
    head = () if cls._separate_setup else (None,)            # (ctx's place)
    if not (cls._separate_setup or any(isinstance(value, tensor.Tensor)
                                       for value in options.values())):
        return inputs, options
    try:
        call = signature.bind(*head, *inputs, **options)
    except TypeError as error:
        raise TypeError(f"{cls.__name__}.apply: {error} (the arguments are forward's)"
                        ) from None
    if cls._separate_setup:
        call.apply_defaults()
    else:
        positional = [p for p in signature.parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        last = max((i for i, p in enumerate(positional) if p.name in call.arguments),
                   default=-1)
        for p in positional[:last + 1]:
            call.arguments.setdefault(p.name, p.default)
    inputs, options = call.args[len(head):], call.kwargs
    named = [name for name, value in options.items() if isinstance(value, tensor.Tensor)]
    if named:
        raise TypeError(f"{cls.__name__}.apply: the Tensor {named[0]}= is keyword-only in "
                        f"forward, so it would get no gradient; make it a positional "
                        f"parameter of forward (as torch requires)")
    return inputs, options


def _passed_through(inputs: tuple) -> dict:
    """position -> argument, for a user's op: every argument that is not a Tensor or an
    array (numbers, None, a mode str, a shape tuple, a function), given to forward as it
    is, as torch does; each stands in the graph as a constant placeholder, and its
    gradient is None."""
    return {i: x for i, x in enumerate(inputs) if not isinstance(x, (tensor.Tensor, np.ndarray))}


def once_differentiable(backward: Callable) -> Callable:
    """torch's decorator for a backward that is not itself differentiable: it runs without
    recording and hands back arrays, so a second derivative through the op raises an error
    that says so, instead of silently leaving the op out."""
    @functools.wraps(backward)
    def wrapped(ctx: Function, *grads: Any) -> Any:
        with grad_mode.no_grad():
            result = backward(ctx, *grads)
        if isinstance(result, tuple):
            return tuple(g.data if isinstance(g, tensor.Tensor) else g for g in result)
        return result.data if isinstance(result, tensor.Tensor) else result
    wrapped.once_differentiable = True            # (named in the error a second derivative
    return wrapped                                 # through it raises: autograd.py)


def _several_outputs(cls: type, result: tuple | list) -> TypeError:
    return TypeError(f"{cls.__name__}.forward returned a {type(result).__name__} of "
                     f"{len(result)} values; an op returns ONE array here (torch allows "
                     "several). Write one Function per output, or return them stacked and "
                     "index the result.")


# tensor.py builds on this module (read at call time)
from . import autograd_graph, recorded_writes, tensor  # noqa: E402
