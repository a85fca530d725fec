"""torch's other keyword spellings, accepted as torch accepts them: numpy's `axis=` and
`keepdims=` wherever a function or Tensor method takes `dim` and `keepdim`
(`x.sum(axis=0)`, `tg.cat(xs, axis=1)`), and `size=` for the factories' shape
(`tg.randn(size=(2, 3))`). d2l.ai's code uses all three.
"""
from __future__ import annotations

import functools
import inspect
import sys
from typing import Any, Callable

NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}
FACTORIES = ("zeros", "ones", "empty", "rand", "randn")


def with_numpy_names(fn: Callable) -> Callable:
    """fn accepting axis= for its dim parameter and keepdims= for keepdim (fn itself when
    it has neither)."""
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    renames = {alias: name for alias, name in NUMPY_NAMES.items()
               if name in parameters and alias not in parameters}
    if not renames:
        return fn

    @functools.wraps(fn)
    def renamed(*args: Any, **kwargs: Any) -> Any:
        for alias, name in renames.items():
            if alias in kwargs:
                if name in kwargs:
                    raise TypeError(f"{fn.__name__}: got both {name}= and its alias {alias}=")
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)
    return renamed


def with_size_keyword(fn: Callable) -> Callable:
    """A factory taking its shape as *size also by the keyword size= (as torch)."""
    @functools.wraps(fn)
    def sized(*args: Any, **kwargs: Any) -> Any:
        if "size" in kwargs:
            if args:
                raise TypeError(f"{fn.__name__}: got the size both by position and as size=")
            args = (kwargs.pop("size"),)
        return fn(*args, **kwargs)
    return sized


def install(namespace: dict, tensor_class: type | None = None) -> None:
    """Wrap the public functions of `namespace` (a module's globals) and, when given, the
    methods of `tensor_class`."""
    for name, value in list(namespace.items()):
        if name.startswith("_") or not inspect.isfunction(value):
            continue
        wrapped = with_numpy_names(value)
        wrapped = with_size_keyword(wrapped) if name in FACTORIES else wrapped
        if wrapped is not value:              # found where it lives (pickle looks it up)
            wrapped.__module__, wrapped.__qualname__ = namespace["__name__"], name
        namespace[name] = wrapped
    for name, value in list(vars(tensor_class).items() if tensor_class else ()):
        if not name.startswith("_") and inspect.isfunction(value):
            wrapped = with_numpy_names(value)
            if wrapped is not value or not _findable(value):   # made by a factory (x.abs_)
                wrapped.__module__ = tensor_class.__module__
                wrapped.__qualname__ = f"{tensor_class.__name__}.{name}"
            setattr(tensor_class, name, wrapped)


def _findable(fn: Callable) -> bool:
    """Whether pickle finds fn by its module and qualified name."""
    found: Any = sys.modules.get(fn.__module__)
    for part in fn.__qualname__.split("."):
        found = getattr(found, part, None)
    return found is fn
