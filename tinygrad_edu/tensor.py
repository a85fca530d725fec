"""`Tensor`: a numpy array that remembers how it was computed.

A Tensor holds `data` (an ndarray) and, when it was computed by a recorded op,
`grad_fn`: the graph node that made it. Methods here are thin: each primitive is
one `SomeOp.apply(...)` call (the op, its forward and its VJP live in `ops/`), and
everything else is composed from primitives in `composed.py`, so that one file
shows what is built from what.
"""
from __future__ import annotations

import copy
import decimal
import functools
import math
import numbers
import operator
import os
import sys
import warnings
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from . import autograd, grad_mode, printing, random, recorded_writes, versions
from .device import CPU, check_device, to_arguments
from .dtypes import (LEGACY, bfloat16, can_cast, cast, check_fits, converted,
                     get_default_dtype, promote, to_dtype)
from .indexing import index_put, index_steps
from .ops import elementwise as ew
from .ops import linalg, movement, reduce, scan
from .shapes import Size, broadcast_shapes

Number = (int, float, bool, np.number, np.bool_)

# A float16 tensor times or over a Python number (or a 0-d float tensor) is computed as
# torch computes it: the number is not rounded to float16 first (1e-3 * 1e6 is 1000, not
# 1e-3 * inf); the product or quotient is taken in float32 and rounded once (`+` and `-`
# round the number first in torch too, and so do they here). The graph shows the casts.
_HALF = np.dtype(np.float16)


def _scalar(value: Any, x: Tensor) -> bool:
    """Whether value, beside float16 x, is kept in float32 with a float16 result: a Python
    number, or a 0-d float tensor beside a dimensioned x (two 0-d tensors promote)."""
    return isinstance(value, Number) or (isinstance(value, Tensor) and value._data.ndim == 0
                                         and x._data.ndim > 0 and value._data.dtype.kind == "f")


def _default_array(data: Any) -> np.ndarray:
    """Python numbers and lists: float32 for floats, int64 for ints, bool for bools."""
    plain = isinstance(data, (list, tuple)) and _python_numbers_only(data)
    if isinstance(data, (list, tuple)) and not plain:
        data = _items_as_scalars(data)
    arr = _as_array(data)
    if isinstance(data, (list, tuple, int)) and (arr.dtype.kind in "uO" or (
            arr.dtype == np.float64 and arr.size and np.abs(arr).max() >= 2 ** 63)):
        too_big = _too_big_int(data)          # numpy made uint64, objects or floats of it
        if too_big is not None:
            raise OverflowError(f"{_called_function('Tensor')}: the Python int {too_big} does "
                                "not fit in int64 (torch's integer type); write it as a float "
                                "to keep it")
    if arr.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)) and (
            plain or not _holds_float64(data)):
        arr = arr.astype(get_default_dtype())
    elif arr.dtype.kind not in "fiub":
        raise _not_numbers(data, arr)
    return arr


def _numbers_array(data: Any, dtype: np.dtype) -> np.ndarray:
    """data as an ndarray of `dtype` (float or bool): strings, None and other objects are
    refused (numpy would parse "1" and make None nan)."""
    if isinstance(data, (list, tuple)) and _python_numbers_only(data):
        return _as_array(data, dtype)               # (the usual case: one pass)
    arr = data
    if not isinstance(data, np.ndarray):
        arr = _as_array(_items_as_scalars(data))
    if arr.dtype.kind == "O":                  # Python ints beyond int64, or other objects
        odd = [v for v in arr.flat if not isinstance(v, (numbers.Real, decimal.Decimal)) and
               not (isinstance(v, np.ndarray) and v.dtype.kind in "fiub")]  # (a Tensor item)
        if odd:
            raise TypeError(f"{_called_function('Tensor')}: expected numbers, got {odd[0]!r} "
                            "in the data")
    elif arr.dtype.kind not in "fiub":
        raise _not_numbers(data, arr)
    return arr.astype(dtype)


def _as_array(data: Any, dtype: np.dtype | None = None) -> np.ndarray:
    """np.array(data, dtype), with a clear error for ragged lists."""
    try:
        return np.array(data, dtype=dtype)
    except ValueError as e:
        raise ValueError(f"{_called_function('Tensor')}: cannot make a tensor from this data "
                         f"({e}); nested lists must be rectangular") from None


_LIBRARY = tuple(os.path.join(os.path.dirname(os.path.dirname(__file__)), package, "")
                 for package in ("tinygrad_edu", "nn", "viz"))
_WRAPPERS = ("wrapped", "renamed")             # (the out= and alias wrappers of __init__.py
                                               # and aliases.py: the function inside names it)


def _called_function(default: str) -> str:
    """The library function the user called, to name it in an error about an argument
    found deep inside it (F.relu(None)): the outermost frame of the three packages on the
    stack, leaving out private helpers and generic wrappers; a module by its class;
    `default` when the user called the constructor."""
    frame, name = sys._getframe(1), default
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY):
        code_name, self = frame.f_code.co_name, frame.f_locals.get("self")
        if code_name in ("__call__", "forward") and self is not None:
            name = type(self).__name__
        elif code_name.startswith("__"):                       # x @ None: matmul
            name = default if code_name == "__init__" else code_name.strip("_")
        elif not code_name.startswith(("_", "<")) and code_name not in _WRAPPERS:
            name = code_name
        frame = frame.f_back
    return name


def _not_numbers(data: Any, arr: np.ndarray) -> TypeError:
    return TypeError(f"{_called_function('Tensor')}: cannot make a tensor from "
                     f"{type(data).__name__} (numpy dtype {arr.dtype}); expected numbers, "
                     "nested lists or an ndarray")


def _python_numbers_only(data: list | tuple) -> bool:
    """Whether (nested lists of) data hold only Python floats, ints and bools: the usual
    case, which then needs neither of the scans below (types are collected at C speed)."""
    kinds = set(map(type, data))
    nested = kinds & {list, tuple}
    if nested:
        kinds -= nested
        if not all(_python_numbers_only(item) for item in data if type(item) in nested):
            return False
    return kinds <= {float, int, bool}


def _items_as_scalars(data: Any) -> Any:
    """Tensors inside (nested) lists read as numbers, as torch.tensor reads them:
    [model(x) for x in xs] of one-element outputs is a 1-D tensor, not (n, 1)."""
    if isinstance(data, (list, tuple)):
        return [_items_as_scalars(item) for item in data]
    if isinstance(data, Tensor):
        if data.data.size != 1:
            raise ValueError(f"{_called_function('Tensor')}: a list holds a tensor of shape "
                             f"{data.shape}; only one-element tensors can be read as "
                             "numbers (as torch): use tg.stack(list) to join tensors")
        return data.data.reshape(())
    return data


def _holds_float64(data: Any) -> bool:
    """Whether (nested lists of) data hold a float64 array, numpy scalar or Tensor: then
    the tensor is float64, as torch infers it (only Python floats take the default)."""
    if isinstance(data, (list, tuple)):
        return any(map(_holds_float64, data))
    return getattr(data, "dtype", None) == np.float64     # (a Python float has none)


def _too_big_int(data: Any) -> int | None:
    """The first Python int in (nested lists of) data outside int64, if any."""
    if isinstance(data, (list, tuple)):
        return next((v for v in map(_too_big_int, data) if v is not None), None)
    if isinstance(data, int) and not isinstance(data, bool) and not (
            -2 ** 63 <= data < 2 ** 63):
        return data
    return None


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    `Tensor(data, dtype=None, requires_grad=False, name=None, device=None)`: data is a
    number, a nested list or a numpy array (copied). Python floats become float32
    (torch's default dtype); float64 arrays stay float64. `name` labels the tensor in
    `viz`; `device` can only be the CPU (device.py).
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "_ctx", "name", "_hooks", "_post_hooks",
                 "_untracked_view", "_consumed", "__weakref__", "__dict__")   # _post_hooks,
    # _untracked_view: set on first use only (read with getattr), so that no op output pays
    # for them (recorded_writes.note_untracked_view); _consumed: how many
    # recorded ops read this tensor (function.py), for setitem; __dict__: a user's own
    # attributes (fast.ai's `out.g = ...`), made only when one is set

    def _set_data(self, value: Any) -> None:
        if isinstance(value, Tensor):              # torch's p.data = t: t's memory, shared
            value = value._data
        elif isinstance(value, (int, float, np.generic)):   # (p.data - lr * p.grad.data
            value = self._number_as_data(value)             # on a 0-d tensor: a numpy scalar)
        elif not isinstance(value, np.ndarray):
            raise TypeError(f"Tensor.data: expected a Tensor, an ndarray or a number, got "
                            f"{type(value).__name__} (write x.data = tg.tensor(value))")
        if value.dtype.kind not in "biuf":
            raise TypeError(f"Tensor.data: expected numbers, got an array of dtype "
                            f"{value.dtype}")
        if self._requires_grad and value.dtype.kind != "f":
            raise RuntimeError(f"Tensor.data: a tensor that requires grad must hold floating "
                               f"point values, got {value.dtype} (as torch)")
        self._data = value

    def _number_as_data(self, value: Any) -> np.ndarray:
        """A number as 0-d data in x's dtype, unless a float would be cut to an int (then
        the default float dtype)."""
        value = value.item() if isinstance(value, np.generic) else value
        if not isinstance(value, (int, float)):
            raise TypeError(f"Tensor.data: expected a real number, got {value!r}")
        keep = isinstance(value, int) or self._data.dtype.kind == "f"
        try:
            return np.asarray(value, dtype=self._data.dtype if keep else get_default_dtype())
        except OverflowError:
            raise ValueError(f"Tensor.data: {value} does not fit in {self._data.dtype}") from None

    data = property(operator.attrgetter("_data"), _set_data, doc="""The values, a numpy
        ndarray: reading it is free, and writing into it (x.data[...] = ..., x.data += ...)
        changes x outside the graph, as torch's x.data. x.data = v gives x the array v, or a
        Tensor v's array (shared, as torch), or a number (0-d, in x's dtype); nothing is
        recorded, and a graph already built keeps the arrays it saw (torch's backward
        would read the new values).""")

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False,
                 name: str | None = None, device: Any = None) -> None:
        check_device(device, "Tensor")
        if isinstance(dtype, (int, np.integer)):
            raise TypeError(f"Tensor({data!r}, {dtype!r}): the second argument is the dtype; "
                            "torch's legacy shape form Tensor(5, 3) does not exist here: use "
                            "tg.empty(5, 3) or tg.zeros(5, 3)")
        if isinstance(data, Tensor):
            data = data.data
        if data is None:                                 # (numpy would make it nan)
            raise TypeError(f"{_called_function('Tensor')}: got None where a tensor (or "
                            "numbers, nested lists, an ndarray) was expected")
        if dtype is None:
            arr = _default_array(data)
        elif to_dtype(dtype).kind in "iu" and not isinstance(data, np.ndarray):
            arr = converted("Tensor", data, to_dtype(dtype))    # (-1 into uint8 is 255)
        else:
            arr = _numbers_array(data, to_dtype(dtype))
        self._data = arr
        self._grad = None
        self._ctx = None
        self._hooks = None
        self._consumed = 0
        self.name = name
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _from_node(cls, data: np.ndarray, ctx) -> Tensor:
        """Wrap an op's output array without copying (ctx=None: a constant)."""
        t = cls.__new__(cls)
        t._data = data
        t._grad = None
        t._ctx = ctx
        t._hooks = None
        t._consumed = 0
        t.name = None
        t._requires_grad = ctx is not None
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> str:
        """Always the CPU: device('cpu') (device.py), a str equal to 'cpu' with torch's
        .type and .index."""
        return CPU

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor (set it on leaves, as requires_grad_)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad: bool) -> None:
        if self._ctx is not None:
            raise RuntimeError("requires_grad: only a leaf's flag can be changed (this tensor "
                               "was computed by an op); use .detach() for a tensor outside "
                               "the graph")
        self.requires_grad_(requires_grad)

    @property
    def grad(self) -> Tensor | None:
        """dL/dself summed over backward calls: filled on leaves that require grad and on
        tensors that called retain_grad(); None until then (a warning on other non-leaves,
        as torch: their .grad is never filled)."""
        if self._grad is None and self._ctx is not None and self._ctx._retained is None:
            warnings.warn("The .grad of a non-leaf tensor (one computed by an op) is not "
                          "filled by backward; call .retain_grad() on it before backward "
                          "to keep it, or read the .grad of the leaf tensors.", stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, grad: Tensor | None) -> None:
        if grad is not None:
            if not isinstance(grad, Tensor):
                raise TypeError(f"grad: expected a Tensor or None, got {type(grad).__name__}")
            if grad is self:
                raise RuntimeError("grad: a tensor cannot be its own gradient")
            if (grad.shape, grad.dtype) != (self.shape, self.dtype):
                raise RuntimeError(f"grad: the assigned gradient is {grad.dtype} {grad.shape} "
                                   f"but the tensor is {self.dtype} {self.shape}")
        self._grad = grad

    @property
    def grad_fn(self):
        """The node that computed this tensor (None for leaves)."""
        return self._ctx

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def is_inference(self) -> bool:
        """False: inference_mode() here is no_grad(), and its results are ordinary tensors
        (torch marks them as inference tensors)."""
        return False

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor that called retain_grad() (torch's attribute)."""
        retained = self._ctx._retained if self._ctx is not None else None
        return retained is not None and retained() is self

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has had (shared with its views;
        backward refuses to use a saved value that changed since: see versions.py)."""
        return versions.version(self.data)

    @property
    def T(self) -> Tensor:
        """All axes reversed (as torch's deprecated `.T`; for 2-D the transpose)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (batched matrix transpose)."""
        n = self.ndim
        if n < 2:
            raise ValueError(f"mT: needs at least 2 dimensions, got shape {self.shape}")
        return movement.Permute.apply(self, dims=(*range(n - 2), n - 1, n - 2))

    @property
    def mH(self) -> Tensor:
        """The conjugate transpose of the last two axes: mT (tensors here are real)."""
        return self.mT

    @property
    def H(self) -> Tensor:
        """The conjugate transpose of a matrix (a 0-d tensor is itself), as torch: T here."""
        if self.ndim not in (0, 2):
            raise ValueError(f"H: expected a matrix (2-D) or a 0-d tensor, got shape "
                             f"{self.shape}; use mH for a batch of matrices")
        return self.T

    def adjoint(self) -> Tensor:
        """torch's x.adjoint(): x.mH."""
        return self.mH

    def numel(self) -> int:
        return int(self.data.size)

    def data_ptr(self) -> int:
        """The address of the first element (tensors sharing memory, such as tied weights,
        give the same number; a view of an offset gives another)."""
        return self.data.__array_interface__["data"][0]

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a `Size` (a tuple with numel(), as torch.Size), or its entry `dim`."""
        return Size(self.data.shape) if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        """The sub-tensors along dim 0 (each one x[i], in the graph)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __contains__(self, element: Any) -> bool:
        """`v in x`: some element equals v (torch's (x == v).any()); v a number or Tensor."""
        if not isinstance(element, (Tensor, *Number)):
            raise TypeError(f"in: expected a number or a Tensor, got {type(element).__name__}")
        return bool((self == element).any())

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" formats a 0-d tensor's number, as torch; other tensors take only
        an empty spec (f"{x}", their str)."""
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError(f"format: the spec {spec!r} applies to a 0-d tensor, not to one of "
                            f"shape {self.shape}; format its elements (x.tolist()) instead")
        return str(self)

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be converted to a "
                             f"Python number, but this one has shape {self.shape}")
        return self.data.item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data itself (shared). `force` is torch's flag to allow a tensor that requires
        grad; here every tensor gives its data (see README's differences)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """`np.asarray(t)` gives the data itself, `np.array(t)` a copy, as for an ndarray
        (no gradient flows through numpy functions)."""
        arr = self.data if dtype is None else self.data.astype(dtype, copy=False)
        if copy is False and arr is not self.data:
            raise ValueError(f"array: a {self.dtype} tensor cannot be read as {np.dtype(dtype)} "
                             "without a copy (copy=False)")
        return arr.copy() if copy and arr is self.data else arr

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy meeting a Tensor. `ndarray + tensor` (and -, *, /, **, @, comparisons, ...)
        is the Tensor's reflected operator, a Tensor in the graph. `array += tensor`, as in
        micrograd's update `p.data += -lr * p.grad`, writes into the array. Any other numpy
        function (np.exp(t)) runs on the data and returns arrays (torch's return Tensors);
        for a tensor that requires grad it is refused (use the Tensor method)."""
        out = kwargs.get("out", ())
        if method == "__call__" and len(inputs) == 2 and inputs[1] is self and not kwargs and (
                ufunc in _REFLECTED and not isinstance(inputs[0], Tensor)):
            return getattr(self, _REFLECTED[ufunc])(inputs[0])
        if any(isinstance(o, Tensor) for o in out):
            return NotImplemented                # (numpy's error: an ndarray out only)
        if grad_mode._enabled and not out and any(
                isinstance(x, Tensor) and x._requires_grad for x in inputs):
            raise TypeError(f"np.{ufunc.__name__}: numpy cannot differentiate a tensor that "
                            f"requires grad; use the Tensor function (x.{ufunc.__name__}(), "
                            "tg.exp(x), ...) or pass x.detach() for the values")
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)

    def tolist(self) -> Any:
        return self.data.tolist()

    def __repr__(self) -> str:
        extras = []
        # torch: tensor([], size=(0, 3)); with edgeitems=0 every print gives the size
        if self.shape != (0,) and (self.data.size == 0 or printing.OPTIONS.edgeitems == 0):
            extras.append(f"size={self.shape}")
        default = get_default_dtype()                 # (torch hides the default float dtype)
        if self.dtype not in (default, np.int64, np.bool_) or (
                self.data.size == 0 and self.dtype != default):      # [] alone reads as float
            extras.append(f"dtype={self.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn={self._ctx!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return printing.tensor_repr(self.data, extras)

    def __hash__(self) -> int:
        return id(self)

    def __getstate__(self) -> dict:
        """pickle, copy.copy and copy.deepcopy: the data, requires_grad and name (not .grad,
        hooks or the graph: a tensor made by an op comes back as a leaf, as in torch)."""
        return {**{key: value for key, value in self.__dict__.items() if key != "_views"},
                "data": self.data, "requires_grad": self.requires_grad, "grad": None,
                "name": self.name}          # (a user's attributes too; _views: the graph's)

    deepcopy_keeps_grad = True       # (not so for nn.Parameter, as in torch)

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A leaf's deep copy, its .grad deep-copied too (as torch); a tensor made by an op is
        refused, as torch's deepcopy does: its graph would not come along."""
        if self._ctx is not None:
            raise RuntimeError("deepcopy: only leaf tensors can be deep-copied, not one made "
                               f"by {self._ctx!r}; copy x.detach() instead")
        copied = memo[id(self)] = type(self).__new__(type(self))
        copied.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        if self.deepcopy_keeps_grad:
            copied.grad = copy.deepcopy(self._grad, memo)
        return copied

    def __setstate__(self, state: dict) -> None:
        self._ctx, self._hooks, self._consumed, self._requires_grad = None, None, 0, False
        for key, value in state.items():
            setattr(self, key, value)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor of shape {self.shape} "
                               "is ambiguous; use .any() or .all()")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iub":
            raise TypeError("only integer tensors can be used as an index")
        return int(self.item())

    # ------------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` on a leaf (only floating point tensors can require grad)."""
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad must be a bool, got {type(requires_grad).__name__}")
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError(f"requires_grad: only floating point tensors can require grad, "
                               f"but this tensor has dtype {self.dtype}")
        if self._ctx is not None and not requires_grad:
            raise RuntimeError("requires_grad_: a non-leaf tensor always requires grad; "
                               "use .detach() for a tensor outside the graph")
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same data as a new leaf outside the graph (shares memory, as torch). Its array
        is a view, a numpy object of its own: an op that saves an input's array finds the
        right Tensor by it (`x * x.detach()` would otherwise look like `x * x`)."""
        return Tensor._from_node(self.data.view(), None)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph that made it, in place: it becomes a leaf that
        does not require grad (torch's detach_).

        Differs from torch: refused while that graph can still be backpropagated (its node
        keeps what it saved) through a recorded op that read this tensor. The graph's edges
        here are the Tensors themselves, so cutting this one would silently cut that op's
        path to what made it (torch's nodes keep their own edges). After backward has freed
        the graph (truncated backprop through time: `h.detach_()` between chunks) it is
        allowed, if the op that made this tensor saved something (one that saved nothing,
        as +, is never freed); `y = y.detach()` (a new tensor) always is."""
        node = self._ctx
        if self._consumed and node is not None and node._saved is not None:
            raise RuntimeError("detach_: a recorded op that is still alive read this tensor, "
                               "and detaching it in place would cut that op's gradient path "
                               "(the graph's edges are the tensors here); use "
                               "y = y.detach() for a detached copy, or detach_ after backward")
        self._ctx, self._requires_grad = None, False
        return self

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `gradient` is dL/d(self): optional for a single-element tensor (1 is used).
        The graph's saved values are freed afterwards unless `retain_graph=True`.
        With `create_graph=True` the gradients are themselves graph Tensors, so they
        can be differentiated again. With `inputs` (tensors, leaves or not), only their
        `.grad` is filled, and only the part of the graph leading to them runs (torch).
        """
        autograd.backward(self, None if gradient is None else [gradient], retain_graph,
                          create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self._ctx is not None:
            self._ctx._retained = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")

    def register_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; it may return a new one.

        Returns a handle whose `remove()` unregisters the hook (as torch).
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "does not require grad")
        return add_hook(self if self._ctx is None else self._ctx, "_hooks", hook)

    def register_post_accumulate_grad_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(tensor)` after backward has added this leaf's gradient into `.grad`
        (as torch; to update a parameter as soon as its gradient is ready, say). The hook
        returns None; `grad()` fills no `.grad` and calls none. Returns a handle."""
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on "
                               "a tensor that does not require grad")
        if self._ctx is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only leaf tensors have a "
                               f".grad to accumulate into; this one was made by {self._ctx!r} "
                               "(use register_hook to see its gradient)")
        return add_hook(self, "_post_hooks", hook)

    def _accumulate(self, g: Tensor, copy: bool = True) -> None:
        """Add a gradient into `.grad`: the first time as is, or a row-major copy when the
        array is shared (with another .grad, the caller, a hook) or strided. As in torch,
        .grad has this tensor's dtype (a user's VJP may return another)."""
        if g.dtype != self.dtype:
            g, copy = g.to(self.dtype), False          # (the cast is a new array)
        if self._grad is not None:
            held = self._grad.data
            if grad_mode._enabled and (self._grad.requires_grad or g.requires_grad) or (
                    not held.flags.writeable):
                self._grad = self._grad + g            # a graph of the sum (create_graph)
            else:                                     # in place, as torch: a reference to
                held += g.data                         # .grad taken before sees the sum
                versions.mark_changed(held)
        elif not copy and g.data.flags.c_contiguous:       # an array of its own
            self._grad = g
        elif g.requires_grad:                 # a graph of the gradient (create_graph): a copy
            self._grad = g.contiguous() if not g.data.flags.c_contiguous else g + 0
        else:                                  # in row-major order, as torch's .grad
            self._grad = Tensor._from_node(np.array(g.data, dtype=self.dtype, order="C"), None)

    # ------------------------------------------------------------------ dtype
    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False,
           copy: bool = False, memory_format: Any = None) -> Tensor:
        """This tensor as another dtype (differentiable between float types; self if it
        already is, unless copy=True). torch's forms: to(dtype), to(device), to(device,
        dtype), to(tensor) (its dtype), and the keywords; the device can only be the CPU,
        and non_blocking and memory_format change nothing here."""
        if (len(args) == 1 and device is None and not isinstance(args[0], (str, Tensor))
                and type(args[0]).__name__ != "device"):
            dtype = args[0]                  # to(dtype): the library's own, frequent call
        else:
            dtype = to_arguments(args, dtype, device, "to")
        dtype = self.dtype if dtype is None else to_dtype(dtype)
        if dtype == self.dtype:
            return self.clone() if copy else self
        if self.requires_grad and dtype.kind == "f":
            return ew.Cast.apply(self, dtype=dtype)
        return Tensor._from_node(cast(self.data, dtype), None)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def cpu(self) -> Tensor:
        """self: tensors always live on the CPU here."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """An error: tinygrad_edu computes on the CPU only."""
        check_device("cuda" if device is None else device, "cuda")
        return self

    def float(self) -> Tensor:
        return self.to(np.float32)

    def half(self) -> Tensor:
        """float16 (numpy's half precision; slow on CPUs, as torch's)."""
        return self.to(np.float16)

    def bfloat16(self) -> Tensor:
        """An error: numpy has no bfloat16 (dtypes.bfloat16 says so)."""
        return self.to(bfloat16)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def short(self) -> Tensor:
        return self.to(np.int16)

    def char(self) -> Tensor:
        return self.to(np.int8)

    def byte(self) -> Tensor:
        return self.to(np.uint8)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def type(self, dtype: Any = None) -> Tensor | str:
        """This tensor as `dtype` (also torch's legacy tg.LongTensor or 'torch.LongTensor');
        with no argument, the legacy type's name, e.g. 'tinygrad_edu.FloatTensor'."""
        if dtype is None:
            return "tinygrad_edu." + next(name for name, legacy in LEGACY.items()
                                          if legacy == self.dtype)
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor as `other`'s dtype (self if it already is)."""
        return self.to(_other_tensor(other, "other", "type_as").dtype)

    # ------------------------------------------------------------------ binary ops
    def _operands(self, other: Any, op: str, true_divide: bool = False) -> tuple:
        """Wrap `other`, check broadcasting and promote both to one dtype (torch's rules)."""
        if not isinstance(other, Tensor):
            if isinstance(other, Number):
                other = self._number_operand(other, true_divide)
            elif isinstance(other, (np.ndarray, list, tuple)):
                other = Tensor(other)
            else:
                raise TypeError(f"{op}: expected a Tensor, a number or an array, "
                                f"got {type(other).__name__}")
        a, b = self, other
        a_data, b_data = a._data, b._data
        if a_data.shape != b_data.shape:
            try:
                broadcast_shapes(a_data.shape, b_data.shape)
            except ValueError:
                raise ValueError(
                    f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together "
                    "(numpy rules: trailing axes must match or be 1)") from None
        if a_data.dtype != b_data.dtype or (true_divide and a_data.dtype.kind != "f"):
            dtype = _result_dtype(a, b)
            if true_divide and dtype.kind != "f":       # ints and bools divide as floats
                return a.to(get_default_dtype()), b.to(get_default_dtype())
            a, b = a._cast_for(dtype), b._cast_for(dtype)
        return a, b

    def _number_operand(self, value: Any, true_divide: bool = False) -> Tensor:
        """A Python number beside this tensor, in the dtype torch gives it (_scalar_dtype)."""
        dtype = _scalar_dtype(self.dtype, value, true_divide)
        if dtype is _HALF:                          # 1e5 is inf there, silently as torch
            return Tensor._from_node(cast(np.asarray(value, np.float64), dtype), None)
        try:
            array = np.asarray(value, dtype=dtype)
        except OverflowError:                      # uint8 + 1000: wraps around, as torch
            array = np.asarray(value, dtype=np.int64).astype(dtype)
        return Tensor._from_node(array, None)

    def _cast_for(self, dtype: np.dtype) -> Tensor:
        """Cast an operand; a bool operand of a numeric op is left to numpy (exact)."""
        if self.dtype == np.bool_ and not self.requires_grad:
            return self
        return self.to(dtype)

    def __add__(self, other: Any) -> Tensor:
        return ew.Add.apply(*self._operands(other, "add"))

    __radd__ = __add__          # 2 + x records add(x, 2), as torch (the sum is the same)

    def __sub__(self, other: Any) -> Tensor:
        _no_bool("sub", self, other)
        return ew.Sub.apply(*self._operands(other, "sub"))

    def __rsub__(self, other: Any) -> Tensor:
        _no_bool("sub", self, other)
        b, a = self._operands(other, "sub")
        return ew.Sub.apply(a, b)

    def __mul__(self, other: Any) -> Tensor:
        if self._data.dtype is _HALF and _scalar(other, self):
            return (self.float() * other).half()        # see _HALF
        return ew.Mul.apply(*self._operands(other, "mul"))

    __rmul__ = __mul__          # 2 * x records mul(x, 2), as torch's next_functions show

    def __truediv__(self, other: Any) -> Tensor:
        if self._data.dtype is _HALF and _scalar(other, self):
            return (self.float() / other).half()        # see _HALF
        return ew.Div.apply(*self._operands(other, "div", true_divide=True))

    def __rtruediv__(self, other: Any) -> Tensor:
        if self._data.dtype is _HALF and _scalar(other, self):
            return ew.Div.apply(self._number_operand(1), self) * other  # torch's: (1 / x) * c
        b, a = self._operands(other, "div", true_divide=True)
        return ew.Div.apply(a, b)

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, Number) and not isinstance(exponent, (bool, np.bool_)):
            exponent = exponent.item() if isinstance(exponent, np.generic) else exponent
            dtype = _scalar_dtype(self.dtype, exponent)     # as torch: int ** 0.5 is float32
            if self.dtype.kind != "f" and exponent < 0:       # (torch refuses int ** -1)
                dtype = get_default_dtype()
            return ew.PowScalar.apply(self.to(dtype), exponent=exponent)
        if self.dtype == np.bool_ and getattr(exponent, "dtype", None) == np.bool_:
            raise TypeError("pow: a bool tensor to the power of a bool tensor is not "
                            "supported (as torch)")
        if self.dtype == np.bool_ and isinstance(exponent, (bool, np.bool_)):
            return Tensor._from_node(self.data | (not exponent), None)   # x^1 = x, x^0 = 1
        return ew.Pow.apply(*self._operands(exponent, "pow"))

    def __rpow__(self, base: Any) -> Tensor:
        if self.dtype == np.bool_ and isinstance(base, (bool, np.bool_)):
            raise TypeError("pow: a bool to the power of a bool tensor is not supported "
                            "(as torch)")
        b, a = self._operands(base, "pow")
        return ew.Pow.apply(a, b)

    def __neg__(self) -> Tensor:
        _no_bool("neg", self)
        return ew.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    def __mod__(self, other: Any) -> Tensor:
        return _remainder(*self._operands(other, "remainder"))

    def __rmod__(self, other: Any) -> Tensor:
        b, a = self._operands(other, "remainder")
        return _remainder(a, b)

    def __floordiv__(self, other: Any) -> Tensor:
        """floor(a / b), as torch's `//`: piecewise constant, so it carries no gradient."""
        if self._data.dtype is _HALF and _scalar(other, self):
            return (self.float() // other).half()       # see _HALF
        a, b = self._operands(other, "floor_divide")
        _check_integer_divisor("floor_divide", a, b)
        with np.errstate(divide="ignore", invalid="ignore"):     # x // 0.0 is inf, as torch
            return Tensor._from_node(np.asarray(np.floor_divide(a.data, b.data)), None)

    def __rfloordiv__(self, other: Any) -> Tensor:
        b, a = self._operands(other, "floor_divide")
        return a // b

    def __matmul__(self, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return Tensor(other).matmul(self)

    mul, pow, neg, remainder, floor_divide = __mul__, __pow__, __neg__, __mod__, __floordiv__

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self + alpha * other (torch.add)."""
        return self + self._scaled(other, alpha, "add")

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self - alpha * other (torch.sub)."""
        _no_bool("sub", self, other)
        return self - self._scaled(other, alpha, "sub")

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self / other; rounding_mode "floor" (`//`) or "trunc" (towards 0) rounds the
        quotient, which then has no gradient and keeps an integer dtype, as torch.div."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "floor":
            return self // other
        if rounding_mode != "trunc":
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        if self._data.dtype is _HALF and _scalar(other, self):
            return self.float().div(other, rounding_mode="trunc").half()    # see _HALF
        a, b = self._operands(other, "div")
        if "f" in (a.dtype.kind, b.dtype.kind):      # (a bool operand is left uncast)
            return Tensor._from_node(np.asarray(np.trunc(a.data / b.data)), None)
        _check_integer_divisor("div", a, b)
        floor = np.floor_divide(a.data, b.data)      # exact for ints; one up where it rounded
        inexact = (np.remainder(a.data, b.data) != 0) & ((a.data < 0) != (b.data < 0))
        return Tensor._from_node(np.asarray(floor + inexact.astype(floor.dtype)), None)

    # ------------------------------------------------------------------ in place
    def _update(self, other: Any, op: Callable, symbol: str, method: str | None = None
                ) -> Tensor:
        """`x += y` (and -=, *=, /=; the methods add_, ...) writes into x, as torch, when
        nothing is recorded (in `no_grad`, or neither side requires grad): views of x see
        it. When the op is recorded, a leaf that requires grad is an error (torch's rule:
        its .grad would belong to a value that no longer exists); the methods (`x.add_(y)`)
        are recorded writes, x[...] = x + y (recorded_writes.py), and so is the operator
        on a view made by an op (`row = x[0]; row += 1` writes x, as torch) and on a
        constant x that no op has read (`buf += w`); on other tensors the operator
        `x += y` makes x the recorded result x + y as a new tensor (Python rebinds the
        name x: the same value and gradient as torch, but other names bound to the old x
        do not see it; it is never refused, where a write would be once an op read x)."""
        recorded = grad_mode._enabled and (self._requires_grad or _in_graph(other))
        if recorded:
            self._refuse_leaf_write(method or f"x {symbol} y", f", or write x = x {symbol[:-1]} y")
            recorded_writes.refuse_untracked_view(self, f"{method or f'x {symbol} y'}: x")
            if method is None and (
                    recorded_writes.view_base(self) is None if self._ctx is not None
                    else self._consumed or self.data.base is not None):
                result = self._fitting(op(self, other), method, symbol)
                return result if result.dtype == self.dtype else result.to(self.dtype)
        with grad_mode.set_grad_enabled(recorded):   # (a constant buffer is written, as torch)
            result = self._fitting(op(self, other), method, symbol)
        if recorded:                     # (a result without gradient, x //= 2: a constant)
            self._record_write(..., result, method or f"x {symbol} y", fresh=True)
            return self
        self._check_writeable(f"x {symbol} y: x")
        self.data[...] = result.data
        versions.mark_changed(self.data)
        return self

    def _fitting(self, result: Tensor, method: str | None, symbol: str) -> Tensor:
        """The result of x op= y, which must have x's shape and cast to x's dtype."""
        if result._data.dtype == self._data.dtype and result._data.shape == self._data.shape:
            return result
        if result.shape != self.shape or not can_cast(result.dtype, self.dtype):
            raise RuntimeError(f"{method or f'x {symbol} y'}: the result ({result.dtype}, shape "
                               f"{result.shape}) cannot be written into x ({self.dtype}, shape "
                               f"{self.shape})")
        return result

    def __iadd__(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__add__, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__sub__, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__mul__, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__truediv__, "/=")

    def __ifloordiv__(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__floordiv__, "//=")

    def __imod__(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__mod__, "%=")

    def __ipow__(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__pow__, "**=")

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """x += alpha * other, in place (see `_update`); alpha * other is computed in the
        dtype of x + other, as torch (a uint8 other times 2 does not wrap around)."""
        return self._update(self._scaled(other, alpha, "add_"), Tensor.__add__, "+=", "add_")

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        _no_bool("sub_", self, other)
        return self._update(self._scaled(other, alpha, "sub_"), Tensor.__sub__, "-=", "sub_")

    def _scaled(self, other: Any, alpha: float, op: str) -> Any:
        """alpha * other in the dtype other takes next to self."""
        if alpha == 1:
            return other
        if isinstance(alpha, float) and self.dtype.kind in "iub" and (
                np.result_type(self.dtype, getattr(other, "dtype", type(other))).kind != "f"):
            raise TypeError(f"{op}: alpha {alpha} is a float, but the operands are integers "
                            "(as torch: pass an int alpha, or make them floats)")
        a, b = self._operands(other, op)
        scaled, dtype = b * alpha, _result_dtype(a, b)        # (uint8 + 2 * bool is uint8)
        return scaled if scaled.dtype == dtype else scaled.to(dtype)

    def mul_(self, other: Any) -> Tensor:
        return self._update(other, Tensor.__mul__, "*=", "mul_")

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return self._update(other, Tensor.__truediv__, "/=", "div_")
        return self._update(other, functools.partial(Tensor.div, rounding_mode=rounding_mode),
                            f"= ... div(rounding_mode={rounding_mode!r})", "div_")

    def copy_(self, src: Any) -> Tensor:
        """Write src's values into self (broadcast to self's shape, cast to its dtype), in
        place; in a graph, a recorded write (the gradient reaches src), and a leaf that
        requires grad takes it only under no_grad (the `_overwrite` rules)."""
        shape = np.shape(src.data if isinstance(src, Tensor) else src)
        try:
            fits = np.broadcast_shapes(shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:                               # (numpy would drop leading 1s)
            raise ValueError(f"copy_: cannot write values of shape {shape} into a tensor of "
                             f"shape {self.shape}")
        return self._overwrite(src, "copy_")

    def fill_(self, value: float) -> Tensor:
        """Set every element to `value` (a number or a 0-d tensor), in place
        (`p.grad.zero_()`); recorded in a graph, as copy_."""
        shape = np.shape(value.data if isinstance(value, Tensor) else value)
        if shape != ():
            raise TypeError(f"fill_: the value must be a number or a 0-d tensor, got a "
                            f"{type(value).__name__} of shape {shape}")
        check_fits("fill_", value, self.dtype)
        return self._overwrite(value, "fill_")

    def zero_(self) -> Tensor:
        return self._overwrite(0, "zero_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, *,
                generator: np.random.Generator | None = None) -> Tensor:
        """Fill with draws of N(mean, std**2), in place (from `generator`, a numpy Generator,
        else the shared one that manual_seed fixes); recorded in a graph, as copy_."""
        if not std >= 0:
            raise ValueError(f"normal_: expects std >= 0, got {std}")
        return self._overwrite(self._rng("normal_", generator).normal(mean, std, self.shape),
                               "normal_")

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *,
                 generator: np.random.Generator | None = None) -> Tensor:
        """Fill with draws of U(from_, to), in place (torch's `from`, a Python keyword);
        recorded in a graph, as copy_."""
        if not from_ <= to:
            raise ValueError(f"uniform_: expects from <= to, got from={from_}, to={to}")
        draws = self._rng("uniform_", generator).uniform(from_, to, self.shape)
        if self.dtype.kind == "f" and from_ < to:   # rounding to the dtype can reach `to`
            draws = draws.astype(self.dtype, copy=False)          # (float16: 1 draw in 1,000)
            np.minimum(draws, np.nextafter(self.dtype.type(to), self.dtype.type(from_)),
                       out=draws)
        return self._overwrite(draws, "uniform_")

    def exponential_(self, lambd: float = 1.0, *,
                     generator: np.random.Generator | None = None) -> Tensor:
        """Fill with draws of the exponential distribution of rate `lambd`, in place."""
        if not lambd > 0:
            raise ValueError(f"exponential_: lambd must be positive, got {lambd}")
        return self._overwrite(self._rng("exponential_", generator).exponential(
            1 / lambd, self.shape), "exponential_")

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *,
                generator: np.random.Generator | None = None) -> Tensor:
        """Fill with draws of the Cauchy distribution (median, scale sigma), in place."""
        if not sigma > 0:
            raise ValueError(f"cauchy_: sigma must be positive, got {sigma}")
        return self._overwrite(median + sigma * self._rng("cauchy_", generator)
                               .standard_cauchy(self.shape), "cauchy_")

    def geometric_(self, p: float, *, generator: np.random.Generator | None = None
                   ) -> Tensor:
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
        if not 0 < p <= 1:
            raise ValueError(f"geometric_: p must be in (0, 1], got {p}")
        rng = random.check_generator(generator, "geometric_") or random.generator()
        return self._overwrite(rng.geometric(p, self.shape), "geometric_")

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *,
                    generator: np.random.Generator | None = None) -> Tensor:
        """Fill with exp(N(mean, std**2)) draws, in place (torch's defaults 1 and 2)."""
        if not std > 0:
            raise ValueError(f"log_normal_: std must be positive, got {std}")
        return self._overwrite(self._rng("log_normal_", generator).lognormal(
            mean, std, self.shape), "log_normal_")

    def _rng(self, op: str, generator: np.random.Generator | None) -> np.random.Generator:
        if self.dtype.kind != "f":
            raise TypeError(f"{op}: expected a floating point tensor, got dtype {self.dtype}")
        return random.check_generator(generator, op) or random.generator()

    def _refuse_leaf_write(self, op: str, instead: str = "") -> None:
        """torch's rule for a recorded in-place change: never of a leaf that requires grad
        (its .grad would belong to a value that no longer exists)."""
        if self._ctx is None and self._requires_grad:
            raise RuntimeError(f"{op}: a leaf tensor that requires grad can only be changed in "
                               f"place inside no_grad() (as an optimizer step does){instead}")

    def _overwrite(self, values: Any, op: str, fresh: bool = False) -> Tensor:
        """Write `values` (broadcast) into every element: recorded, as x[...] = values,
        when x or the values are in a graph (not into a leaf that requires grad)."""
        if values is None or isinstance(values, str):  # (numpy would write nan)
            raise TypeError(f"{op}: expected a number or a tensor, got {type(values).__name__}")
        if _recorded_write(self, values):
            self._refuse_leaf_write(op)
            self._record_write(..., values, op, fresh)
            return self
        self._check_writeable(f"{op}: the tensor")
        values = values.data if isinstance(values, Tensor) else np.asarray(values)
        try:
            self.data[...] = values
        except ValueError as error:
            raise ValueError(f"{op}: cannot write values of shape {values.shape} into a "
                             f"tensor of shape {self.shape} ({error})") from None
        versions.mark_changed(self.data)
        return self

    def _check_writeable(self, what: str) -> None:
        if not self.data.flags.writeable:
            raise RuntimeError(f"{what} is read-only (a view made by expand, which shares one "
                               "element between many positions, or a read-only numpy array "
                               "wrapped by from_numpy); clone() it first")
        if grad_mode._enabled:
            recorded_writes.refuse_untracked_view(self, what)

    def matmul(self, other: Any) -> Tensor:
        """Matrix product with torch.matmul's shape rules (1-D, 2-D and batched)."""
        other = other if isinstance(other, Tensor) else Tensor(other)
        a_shape, b_shape = self.data.shape, other.data.shape
        if not a_shape or not b_shape:
            raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes "
                             f"{a_shape} and {b_shape}")
        inner_a, inner_b = a_shape[-1], b_shape[-2] if len(b_shape) > 1 else b_shape[0]
        if inner_a != inner_b:
            raise ValueError(f"matmul: {a_shape} @ {b_shape}: inner dimensions "
                             f"{inner_a} and {inner_b} differ")
        if len(a_shape) > 2 or len(b_shape) > 2:
            try:
                broadcast_shapes(a_shape[:-2], b_shape[:-2])
            except ValueError:
                raise ValueError(f"matmul: {a_shape} @ {b_shape}: batch dimensions "
                                 f"{a_shape[:-2]} and {b_shape[:-2]} cannot be broadcast") from None
        a, b = self, other
        if a.dtype != b.dtype:          # torch does not promote here either
            raise TypeError(f"matmul: both operands must have the same dtype, got "
                            f"{a.dtype} and {b.dtype}; convert one with .to()")
        if a.dtype == bool:
            raise TypeError("matmul: bool operands are not supported (as in torch); "
                            "convert them with .int() or .float()")
        if len(a_shape) > 1 and len(b_shape) > 1:
            return linalg.Matmul.apply(a, b)
        # a vector is a matrix of one row (on the left) or one column (on the right)
        out = linalg.Matmul.apply(a.unsqueeze(0) if len(a_shape) == 1 else a,
                                  b.unsqueeze(-1) if len(b_shape) == 1 else b)
        if len(a_shape) == 1:
            out = out.squeeze(-2)
        return out.squeeze(-1) if len(b_shape) == 1 else out

    # ------------------------------------------------------------------ comparisons (no grad)
    def _compare(self, other: Any, fn: Callable) -> Tensor:
        """A comparison in the dtype torch promotes the two to (float32 [0.1] equals a 0-d
        float64 0.1, as in torch; numpy would compare in float64)."""
        if other is None or isinstance(other, str):
            return NotImplemented           # x == None is False, x < None a TypeError (torch)
        a, b = self.data, other.data if isinstance(other, Tensor) else other
        if isinstance(other, Tensor) and a.dtype != b.dtype:
            dtype = _result_dtype(self, other)
            a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        with np.errstate(over="ignore"):        # float16 < 1e5: inf there, silently as torch
            return Tensor._from_node(np.asarray(fn(a, b)), None)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def _bitwise(self, other: Any, fn: Callable, op: str) -> Tensor:
        """&, |, ^ of bool or integer tensors (masks: (x > 0) & (x < 1)), no gradient."""
        a, b = self._operands(other, op)
        kinds, shift = {a.dtype.kind, b.dtype.kind}, "shift" in op
        if "f" in kinds or shift and kinds == {"b"}:    # (shifting bools: an error, as torch)
            raise TypeError(f"{op}: needs {'integer' if shift else 'bool or integer'} tensors, "
                            f"got {a.dtype} and {b.dtype}")
        return Tensor._from_node(np.asarray(fn(a.data, b.data)), None)

    def __and__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and")

    def __or__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or")

    def __xor__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "bitwise_xor")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    bitwise_and, bitwise_or, bitwise_xor = __and__, __or__, __xor__

    def __lshift__(self, other: Any) -> Tensor:
        """x * 2^other on integers (bits moved left), as torch's <<."""
        return self._bitwise(other, np.left_shift, "bitwise_left_shift")

    def __rshift__(self, other: Any) -> Tensor:
        """x // 2^other on integers (bits moved right, the sign kept), as torch's >>."""
        return self._bitwise(other, np.right_shift, "bitwise_right_shift")

    def __rlshift__(self, other: Any) -> Tensor:
        return self._bitwise(other, lambda a, b: np.left_shift(b, a), "bitwise_left_shift")

    def __rrshift__(self, other: Any) -> Tensor:
        return self._bitwise(other, lambda a, b: np.right_shift(b, a), "bitwise_right_shift")

    bitwise_left_shift, bitwise_right_shift = __lshift__, __rshift__

    def _mapped(self, fn: Callable) -> Tensor:
        """fn of the data, outside the graph (masks and tests: no gradient)."""
        return Tensor._from_node(np.asarray(fn(self.data)), None)

    def __invert__(self) -> Tensor:
        if self.dtype.kind not in "biu":
            raise TypeError(f"bitwise_not: needs bool or integer tensors, got {self.dtype}")
        return self._mapped(np.invert)             # logical not for bools

    bitwise_not = __invert__

    def logical_not(self) -> Tensor:
        return self._mapped(np.logical_not)

    def any(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Whether some element is nonzero, over `dim` (all elements when None); bool (as
        0/1 in uint8 for a uint8 tensor, as torch)."""
        return self._truth_reduced(np.any, _axes(self, dim, "any"), keepdim)

    def all(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Whether every element is nonzero, over `dim` (all elements when None); bool (as
        0/1 in uint8 for a uint8 tensor, as torch)."""
        return self._truth_reduced(np.all, _axes(self, dim, "all"), keepdim)

    def _truth_reduced(self, reduce: Callable, axes: Any, keepdim: bool) -> Tensor:
        truth = reduce(self.data, axis=axes, keepdims=keepdim)
        return Tensor._from_node(np.asarray(truth, self.dtype if self.dtype == np.uint8
                                            else np.bool_), None)

    def isfinite(self) -> Tensor:
        return self._mapped(np.isfinite)

    def isnan(self) -> Tensor:
        return self._mapped(np.isnan)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the (first) largest element, flattened when dim is None. No gradient."""
        return Tensor._from_node(_arg_reduce(np.argmax, self, dim, keepdim), None)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the (first) smallest element, flattened when dim is None. No gradient."""
        return Tensor._from_node(_arg_reduce(np.argmin, self, dim, keepdim), None)

    # ------------------------------------------------------------------ unary primitives
    def exp(self) -> Tensor:
        return ew.Exp.apply(self._as_float())

    def log(self) -> Tensor:
        return ew.Log.apply(self._as_float())

    def sqrt(self) -> Tensor:
        return ew.Sqrt.apply(self._as_float())

    def tanh(self) -> Tensor:
        return ew.Tanh.apply(self._as_float())

    def sigmoid(self) -> Tensor:
        return ew.Sigmoid.apply(self._as_float())

    def relu(self) -> Tensor:
        return ew.Relu.apply(self)

    def abs(self) -> Tensor:
        return ew.Abs.apply(self)

    def sin(self) -> Tensor:
        return ew.Sin.apply(self._as_float())

    def cos(self) -> Tensor:
        return ew.Cos.apply(self._as_float())

    def log1p(self) -> Tensor:
        """ln(1 + x), exact for small x."""
        return ew.Log1p.apply(self._as_float())

    def expm1(self) -> Tensor:
        """e**x - 1, exact for small x."""
        return ew.Expm1.apply(self._as_float())

    def floor(self) -> Tensor:
        """The largest integer <= x, elementwise. No gradient (see `_rounded`)."""
        return self._rounded("floor")

    def ceil(self) -> Tensor:
        """The smallest integer >= x, elementwise. No gradient."""
        return self._rounded("ceil")

    def trunc(self) -> Tensor:
        """x rounded toward 0, elementwise. No gradient."""
        return self._rounded("trunc")

    def _softmax_input(self, op: str, dtype: Any) -> Tensor:
        """Self cast to `dtype` (a float type, as torch) or, without one, self, which must be
        floating point (torch has no integer softmax: softmax(x, dim, dtype=float32))."""
        if dtype is None:
            if self.dtype.kind != "f":
                raise TypeError(f"{op}: expected a floating point input, got dtype {self.dtype} "
                                "(as torch; pass dtype=tg.float32 or call .float() first)")
            return self
        if to_dtype(dtype).kind != "f":
            raise TypeError(f"{op}: dtype must be a floating point type, got "
                            f"{to_dtype(dtype)} (as torch)")
        return self.to(dtype)

    def round(self, decimals: int = 0) -> Tensor:
        """The nearest integer, halves to even (round(2.5) = 2, as torch); with `decimals`,
        to that many decimal places (negative: to tens, hundreds, ...). No gradient."""
        return self._rounded("round", decimals)

    def _rounded(self, mode: str, decimals: int = 0) -> Tensor:
        """floor, ceil, trunc and round: flat almost everywhere, so the result carries no
        gradient (as `sign`). Integers come back as a copy in their dtype, as torch; bools
        and integers with decimals are refused, as torch."""
        if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
            raise TypeError(f"{mode}: decimals must be an int, got "
                            f"{type(decimals).__name__} (as torch)")
        if self.dtype.kind == "b" or (decimals and self.dtype.kind != "f"):
            raise TypeError(f"{mode}: not implemented for {self.dtype} tensors"
                            + (f" with decimals={decimals}" if self.dtype.kind != "b" else ""))
        if self.dtype.kind != "f":
            return Tensor._from_node(self.data.copy(), None)
        return ew.Round.apply(self, mode=mode, decimals=int(decimals))

    def _as_float(self) -> Tensor:
        """Self if floating point, else the default float dtype (exp, log, sqrt... of
        integers, as torch)."""
        return self if self.dtype.kind == "f" else self.to(get_default_dtype())

    def maximum(self, other: Any) -> Tensor:
        """Elementwise max; on ties the gradient is shared evenly (as torch)."""
        return ew.Maximum.apply(*self._operands(other, "maximum"))

    def clamp(self, min: float | Tensor | None = None, max: float | Tensor | None = None
              ) -> Tensor:
        """Limit to [min, max]; the gradient passes where min <= x <= max. Tensor bounds
        (broadcast, as torch) get the gradient where they win: x < min, x > max."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        for name, bound in (("min", min), ("max", max)):
            if not (bound is None or isinstance(bound, (Tensor, numbers.Real, np.ndarray))):
                raise TypeError(f"clamp: {name} must be a number or a tensor, got "
                                f"{type(bound).__name__}")
            if isinstance(bound, Tensor):
                try:
                    broadcast_shapes(self.shape, bound.shape)
                except ValueError:
                    raise ValueError(f"clamp: {name} of shape {bound.shape} does not broadcast "
                                     f"with the input's shape {self.shape}") from None
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            limits = [(b if isinstance(b, Tensor) else Tensor._from_node(
                np.asarray(b, dtype=_scalar_dtype(self.dtype, b)), None), below)
                for b, below in ((min, True), (max, False)) if b is not None]
            dtype = _result_dtype(self, *(bound for bound, _ in limits))
            x = self.to(dtype)
            for bound, below in limits:
                bound = bound.to(dtype)
                crosses = x < bound if below else x > bound
                if dtype.kind == "f":
                    crosses = crosses | bound.isnan()        # a nan bound gives nan, as torch
                x = x.where(~crosses, bound)
            return x
        x = self
        for bound in (min, max):                # an int tensor with a float bound: float32
            if bound is not None:
                x = x.to(_scalar_dtype(x.dtype, bound))
        if x.dtype.kind in "iu":                 # an int bound must fit x's dtype (-3 wraps
            for b in (min, max):                  # into uint8, 300 does not), as torch
                if b is not None:
                    check_fits("clamp", b, x.dtype)
            min, max = (None if b is None else x._number_operand(b).item() for b in (min, max))
        return ew.Clamp.apply(x, low=min, high=max)

    clip = clamp

    def where(self, condition: Any, other: Any) -> Tensor:
        """`self` where condition is True, else `other` (torch's `x.where(cond, y)`)."""
        cond = condition if isinstance(condition, Tensor) else Tensor(np.asarray(condition))
        if cond.dtype == np.uint8:           # (pytorch-crf's masks: torch still takes them)
            warnings.warn("where: a uint8 condition is deprecated (as in torch); pass a bool "
                          "tensor (mask.bool())", DeprecationWarning, stacklevel=2)
            cond = cond.to(np.bool_)
        if cond.dtype != np.bool_:
            raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}")
        a, b = self._operands(other, "where")
        try:
            broadcast_shapes(cond.shape, a.shape, b.shape)
        except ValueError:
            raise ValueError(f"where: condition {cond.shape}, input {a.shape} and other "
                             f"{b.shape} cannot be broadcast together") from None
        return ew.Where.apply(cond, a, b)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
            dtype: Any = None) -> Tensor:
        """Sum over `dim` (all axes when None); `dtype` casts first (and the sum stays in it:
        uint8 wraps around). Without it, ints and bools sum as int64, as torch."""
        return reduce.Sum.apply(self._accumulator(dtype), axes=_axes(self, dim, "sum"),
                                keepdim=keepdim)

    def amax(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        """Largest value over `dim`; tied maxima share the gradient evenly."""
        return reduce.Amax.apply(self, axes=_axes(self, dim, "amax"), keepdim=keepdim)

    def sum_to(self, shape: Sequence[int]) -> Tensor:
        """Sum down to `shape`, undoing a broadcast (the VJP of `expand`)."""
        shape = tuple(shape)
        return self if shape == self.shape else reduce.SumTo.apply(self, shape=shape)

    def softmax(self, dim: int | None = None, dtype: Any = None) -> Tensor:
        """exp(x) / sum exp(x) along `dim`; `dtype` casts first (as torch: a float32 model
        can take its softmax in float64). dim=None is torch's deprecated implicit choice."""
        from .ops.activation import Softmax
        x = self._softmax_input("softmax", dtype)
        return Softmax.apply(x, dim=_axis(x, _dim_or_implicit(dim, x, "softmax"), "softmax"))

    def log_softmax(self, dim: int | None = None, dtype: Any = None) -> Tensor:
        """x - logsumexp(x) along `dim`; `dtype` and dim=None as softmax."""
        from .ops.activation import LogSoftmax
        x = self._softmax_input("log_softmax", dtype)
        return LogSoftmax.apply(x, dim=_axis(x, _dim_or_implicit(dim, x, "log_softmax"),
                                             "log_softmax"))

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Running sums along `dim`: out[i] = x[0] + ... + x[i]."""
        return scan.Cumsum.apply(self._accumulator(dtype), dim=_axis(self, dim, "cumsum"))

    def logcumsumexp(self, dim: int) -> Tensor:
        """Running log-sum-exp along `dim`: out[i] = log(e^x[0] + ... + e^x[i]), without
        overflow (ops/scan.py)."""
        if self.dtype.kind != "f":
            raise TypeError(f"logcumsumexp: expected a floating point input, got {self.dtype} "
                            "(as torch)")
        return scan.LogCumsumExp.apply(self, dim=_axis(self, dim, "logcumsumexp"))

    def prod(self, dim: int | None = None, keepdim: bool = False, *,
             dtype: Any = None) -> Tensor:
        """Product over one `dim` (all elements when None); its gradient is exact where the
        input holds zeros (ops/scan.py)."""
        if dim is not None and isinstance(dim, (tuple, list)):
            raise TypeError(f"prod: dim must be an int or None (one dimension, as torch), "
                            f"got {dim!r}")
        return scan.Prod.apply(self._accumulator(dtype), axes=_axes(self, dim, "prod"),
                               keepdim=keepdim)

    def _accumulator(self, dtype: Any) -> Tensor:
        """Self as `dtype` when given; else integers and bools as int64 (torch's cumsum, prod)."""
        if dtype is not None:
            return self.to(dtype)
        return self if self.dtype.kind == "f" else self.long()

    # ------------------------------------------------------------------ shape
    def reshape(self, *args: Any, shape: Any = None) -> Tensor:
        """The same elements in `shape` (one entry may be -1: inferred)."""
        target = _infer_shape(_shape_arg(args, shape, "reshape", "shape"), self.shape, "reshape")
        return movement.Reshape.apply(self, shape=target)      # a new tensor even if the same

    def view(self, *shape: Any, size: Any = None, dtype: Any = None) -> Tensor:
        """reshape that must not copy, as torch: an error when the elements are not laid
        out so that the new shape can share their memory (after a transpose, say).
        `x.view(dtype)` reads the same bytes as another dtype (no gradient, as torch)."""
        if dtype is not None and (shape or size is not None):
            raise TypeError("view: takes a shape or a dtype, not both")
        if dtype is not None or len(shape) == 1 and isinstance(shape[0], (np.dtype, type)):
            return self._bytes_as(to_dtype(shape[0] if dtype is None else dtype))
        target = _infer_shape(_shape_arg(shape, size, "view", "size"), self.shape, "view")
        out = movement.Reshape.apply(self, shape=target)
        if self.data.size and not np.may_share_memory(out.data, self.data):
            raise RuntimeError(f"view: a tensor of shape {self.shape} with strides "
                               f"{self.data.strides} cannot be viewed as {target} without a "
                               "copy; use reshape (or .contiguous().view)")
        return out

    def _bytes_as(self, dtype: np.dtype) -> Tensor:
        if dtype.itemsize != self.dtype.itemsize and (
                self.ndim == 0 or self.data.strides[-1] != self.dtype.itemsize or
                self.shape[-1] * self.dtype.itemsize % dtype.itemsize):
            raise ValueError(f"view: cannot read a tensor of shape {self.shape} and dtype "
                             f"{self.dtype} as {dtype}: the last dimension must be contiguous "
                             f"and hold a whole number of {dtype} elements")
        return Tensor._from_node(self.data.view(dtype), None)

    def permute(self, *args: Any, dims: Any = None) -> Tensor:
        dims = tuple(_axis(self, d, "permute") for d in _shape_arg(args, dims, "permute", "dims"))
        if sorted(dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} "
                             f"axes of a tensor of shape {self.shape}")
        return movement.Permute.apply(self, dims=dims)

    def expand(self, *sizes: Any, size: Any = None) -> Tensor:
        """Broadcast to `sizes` (-1 keeps a size); no copy. VJP: sum over the copies."""
        sizes = _shape_arg(sizes, size, "expand", "size")
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s
                      for i, s in enumerate(sizes))
        if any(s < 0 for s in shape[:max(lead, 0)]):
            raise ValueError(f"expand: cannot expand shape {self.shape} to {tuple(sizes)}: "
                             "-1 keeps an existing size, so a new leading dimension needs "
                             "its size")
        try:
            if lead < 0 or any(s < 0 for s in shape) or broadcast_shapes(self.shape,
                                                                          shape) != shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"expand: cannot expand shape {self.shape} to "
                             f"{tuple(sizes)}") from None
        return movement.Expand.apply(self, shape=shape)

    def __getitem__(self, index: Any) -> Tensor:
        """torch's indexing (see `indexing.py`: ints among index arrays differ from numpy)."""
        out = self
        for step in index_steps(index, self.shape):
            out = movement.GetItem.apply(out, index=step)
        return out

    def _record_write(self, index: Any, value: Any, op: str, fresh: bool = False) -> None:
        """x[index] = value, recorded (recorded_writes.py); op names the call in errors,
        fresh says value is an in-place method's own result (x may become it)."""
        recorded_writes.refuse_untracked_view(self, f"{op}: the tensor")
        recorded_writes.record(self, index, value, op, fresh)

    def __setitem__(self, index: Any, value: Any) -> None:
        if value is None or isinstance(value, (str, bytes, complex)):
            raise TypeError(f"setitem: cannot write a {type(value).__name__} into a "
                            f"{self.dtype} tensor (expected a number, a Tensor or an array)")
        if isinstance(value, Tensor) and value.dtype != self.dtype and index_put(
                index, value.numel()):
            raise RuntimeError(f"setitem: Index put requires the source and destination dtypes "
                               f"match, got {self.dtype} for the destination and {value.dtype} "
                               f"for the source (as torch; write value.to(x.dtype))")
        if _recorded_write(self, value):
            self._refuse_leaf_write("setitem", ", or build a new tensor with where/masked_fill")
            self._record_write(index, value, "setitem")
            return
        self._check_writeable("setitem: the tensor")
        *first, last = index_steps(index, self.shape, "setitem")
        target = self.data
        for step in first:            # ints, slices, None: a view (`...` keeps an all-int one so)
            target = target[step if any(i is Ellipsis for i in step) else (*step, ...)]
        if isinstance(value, Number):
            check_fits("setitem", value, self.dtype)      # (numpy would wrap 300 into uint8)
        value = np.asarray(value.data if isinstance(value, Tensor) else value)
        written = np.broadcast_to(np.empty((), dtype=np.bool_), target.shape)[last].shape
        while value.ndim > len(written) and value.shape[0] == 1:
            value = value[0]                      # torch drops a value's leading 1s
        try:
            target[last] = value
        except ValueError:
            raise ValueError(f"setitem: cannot write a value of shape {value.shape} into "
                             f"the {written} elements selected") from None
        versions.mark_changed(self.data)


_REFLECTED = {np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__",
              np.true_divide: "__rtruediv__", np.floor_divide: "__rfloordiv__",
              np.remainder: "__rmod__", np.power: "__rpow__", np.matmul: "__rmatmul__",
              np.bitwise_and: "__rand__", np.bitwise_or: "__ror__", np.bitwise_xor: "__rxor__",
              np.equal: "__eq__", np.not_equal: "__ne__", np.less: "__gt__",
              np.less_equal: "__ge__", np.greater: "__lt__", np.greater_equal: "__le__"}
"""`array <op> tensor` -> the tensor's reflected method (comparisons flip)."""


def _comparison(name: str, fn: Callable) -> Callable:
    """The method x.eq(y) and the like: the operator's comparison, but None or a str is a
    TypeError (the operators return NotImplemented for them, which Python turns into
    False for ==)."""
    def compare(self: Tensor, other: Any) -> Tensor:
        if other is None or isinstance(other, str):
            raise TypeError(f"{name}: expected a tensor or a number, got {type(other).__name__}")
        return self._compare(other, fn)
    compare.__name__, compare.__qualname__ = name, f"Tensor.{name}"
    compare.__doc__ = f"Elementwise {fn.__name__} (no gradient; a bool tensor), as torch.{name}."
    return compare


for _name, _fn, _alias in (("eq", np.equal, None), ("ne", np.not_equal, "not_equal"),
                           ("lt", np.less, "less"), ("le", np.less_equal, "less_equal"),
                           ("gt", np.greater, "greater"),
                           ("ge", np.greater_equal, "greater_equal")):
    setattr(Tensor, _name, _comparison(_name, _fn))
    if _alias:
        setattr(Tensor, _alias, getattr(Tensor, _name))        # torch's aliases


def _in_graph(value: Any) -> bool:
    return isinstance(value, Tensor) and value._requires_grad


def _recorded_write(x: Tensor, value: Any) -> bool:
    """Whether writing value into x is recorded: grad mode is on and x is in a graph, or
    the value is and x is floating (an int or bool x takes the values alone, as torch)."""
    return grad_mode._enabled and (x._requires_grad or (
        _in_graph(value) and x._data.dtype.kind == "f"))


def _no_bool(op: str, *operands: Any) -> None:
    """- (binary and unary) refuses a bool operand, tensor or number, as torch does: 1 - mask
    is an int, not the mask's inverse."""
    if any(isinstance(v, (bool, np.bool_)) or getattr(v, "dtype", None) == np.bool_
           for v in operands):
        raise TypeError(f"{op}: the - operator on a bool tensor is not supported (as in torch); "
                        "to invert a mask, use ~mask or mask.logical_not()")


def _remainder(a: Tensor, b: Tensor) -> Tensor:
    _check_integer_divisor("remainder", a, b)
    return ew.Remainder.apply(a, b)


def _check_integer_divisor(op: str, a: Tensor, b: Tensor) -> None:
    """Integers have no inf or nan: x // 0 and x % 0 are errors (torch's too), where numpy
    would warn and return 0. (A bool divisor of a float divides as a float: inf.) Two bools
    have no integer quotient to keep: torch refuses them, where numpy returns int8."""
    if a.dtype.kind == "b" and b.dtype.kind == "b":
        raise TypeError(f"{op}: not defined for two bool operands, as in torch; convert one "
                        "with .long() or .float()")
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and not b.data.all():
        raise ZeroDivisionError(f"{op}: integer division by zero (the {b.dtype} divisor "
                                "holds a 0)")


def _dim_or_implicit(dim: int | None, x: Tensor, op: str, stacklevel: int = 4) -> int:
    """`dim`, or when None torch's legacy choice (0 for 0-, 1- and 3-D input, else 1),
    with torch's deprecation warning (stacklevel 4: the caller of F.softmax)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if x.ndim in (0, 1, 3) else 1


def _result_dtype(*operands: Tensor) -> np.dtype:
    """torch's promotion of the operands: the highest category (bool < integer < float)
    wins, and within it the dimensioned tensors decide before the 0-d ones (a 0-d tensor
    does not widen a dimensioned one of its category: float32 (3,) + float64 () is
    float32; int32 (3,) with 0-d float32 and float64 bounds is float64)."""
    top = max(_RANK[t.dtype.kind] for t in operands)
    leaders = [t for t in operands if _RANK[t.dtype.kind] == top]
    if any(t.ndim for t in leaders):
        leaders = [t for t in leaders if t.ndim]
    return functools.reduce(promote, [t.dtype for t in leaders])


_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def add_hook(owner: Any, attribute: str, hook: Callable, prepend: bool = False
             ) -> RemovableHandle:
    """Append `hook` (first, with `prepend`) to the list `owner.<attribute>` (made on
    first use) as an entry of its own, and return the handle that removes that entry."""
    hooks = getattr(owner, attribute, None)
    if hooks is None:
        hooks = []
        setattr(owner, attribute, hooks)
    entry = (hook,)
    hooks.insert(0, entry) if prepend else hooks.append(entry)
    return RemovableHandle(hooks, entry)


class RemovableHandle:
    """What `register_hook` returns: `handle.remove()` takes out the entry that this
    registration added (a tuple of its own: the same hook registered twice is two entries)."""

    def __init__(self, hooks: list, entry: tuple) -> None:
        self._hooks, self._entry = hooks, entry

    def remove(self) -> None:
        for i, entry in enumerate(self._hooks):
            if entry is self._entry:
                del self._hooks[i]
                return

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:       # `with x.register_hook(h):` removes it
        self.remove()


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    """The dtype of an arithmetic op on two tensors or numbers, as torch.result_type."""
    if not isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor):
        tensor1, tensor2 = tensor2, tensor1
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Number):
        return _scalar_dtype(tensor1.dtype, tensor2)
    return _result_dtype(_tensor(tensor1), _tensor(tensor2))


def _scalar_dtype(tensor_dtype: np.dtype, value: Any, float_result: bool = False) -> np.dtype:
    """dtype of a Python number next to a tensor: the tensor's, unless it must widen (torch);
    float32 next to an integer tensor when the result is a float (division: 5 / -3)."""
    if isinstance(value, (bool, np.bool_)):
        return tensor_dtype
    if tensor_dtype.kind == "f":
        return tensor_dtype
    if isinstance(value, (float, np.floating)) or float_result:
        return get_default_dtype()
    return tensor_dtype if tensor_dtype.kind in "iu" else np.dtype(np.int64)


def _operand(value: Any, partner: Any, true_divide: bool = False) -> Tensor:
    """A function's first argument as a Tensor: a Python number beside a Tensor takes the
    dtype torch gives it there (tg.mul(2, uint8 tensor) is uint8, as 2 * x is; float32 for
    a true division), if it fits that dtype (300 beside int8 stays int64); a bool stays
    bool (tg.sub(True, x) is refused, as True - x is)."""
    if isinstance(value, Tensor):
        return value
    if not isinstance(partner, Tensor) or isinstance(value, (bool, np.bool_)) or not (
            isinstance(value, Number) and _fits(value, _scalar_dtype(partner.dtype, value,
                                                                     true_divide))):
        return Tensor(value)
    return partner._number_operand(value, true_divide)


def _fits(value: Any, dtype: np.dtype) -> bool:
    """Whether check_fits accepts the number for an integer dtype (any for a float one:
    arithmetic overflows to inf, as torch's)."""
    if dtype.kind not in "iu":
        return True
    try:
        check_fits("", value, dtype)
    except ValueError:
        return False
    return True


def _tensor(x: Any) -> Tensor:
    """x itself if it is a Tensor, else x wrapped (a number, list or array argument)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _integer(value: Any, name: str, op: str) -> int:
    """value as an int (numpy ints and 0-d int tensors count; floats do not), else a
    TypeError naming the op and the argument."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} {value!r}"
                        ) from None


def _other_tensor(value: Any, name: str, op: str) -> Tensor:
    """An argument that must be a Tensor (x.expand_as(other)): a clear TypeError if not."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    return value


def _axis(t: Tensor, dim: int, op: str) -> int:
    n = max(t.ndim, 1)
    if type(dim) is not int:
        dim = _integer(dim, "dim", op)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension {dim} is out of range for a tensor of shape "
                         f"{t.shape} (expected -{n} <= dim < {n})")
    return dim % n


def _axes(t: Tensor, dim: Any, op: str) -> tuple:
    """The axes a reduction runs over, sorted: all of them for dim None or () (as torch)."""
    dims = () if dim is None else tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(t.ndim))
    axes = tuple(sorted({_axis(t, d, op) for d in dims}))
    if len(axes) != len(dims):
        raise ValueError(f"{op}: dim {tuple(dims)} names a dimension more than once")
    if t.ndim == 0:
        return ()
    return axes


def _arg_reduce(fn: Callable, t: Tensor, dim: int | None, keepdim: bool) -> np.ndarray:
    if t.data.size == 0 and (dim is None or t.shape[_axis(t, dim, fn.__name__)] == 0):
        raise ValueError(f"{fn.__name__}: cannot reduce an empty tensor of shape {t.shape}")
    if dim is None:
        out = fn(t.data)
        return np.asarray(out).reshape((1,) * t.ndim if keepdim else ())
    return fn(t.data, axis=_axis(t, dim, fn.__name__), keepdims=keepdim)


def _shape_arg(args: tuple, named: Any = None, op: str = "", keyword: str = "") -> tuple:
    """Accept `f(2, 3)`, `f((2, 3))` and, with a keyword, `f(keyword=(2, 3))` as torch."""
    if named is not None:
        if args:
            raise TypeError(f"{op}: got {keyword} both by position and by keyword")
        args = (named,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _infer_shape(shape: tuple, old: tuple, op: str) -> tuple:
    """Resolve one -1 in `shape` so that it holds as many elements as `old`."""
    shape = tuple(_integer(n, "each size", op) for n in shape)
    size = math.prod(old)
    known = math.prod(n for n in shape if n != -1)
    if shape.count(-1) > 1:
        raise ValueError(f"{op}: only one dimension can be inferred (-1), got {shape}")
    if shape.count(-1) == 1 and known != 0 and size % known == 0:
        shape = tuple(size // known if n == -1 else n for n in shape)
    if shape.count(-1) or any(n < 0 for n in shape) or math.prod(shape) != size:
        raise ValueError(f"{op}: cannot view {size} elements of shape {old} as {shape}")
    return tuple(int(n) for n in shape)
