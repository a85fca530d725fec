"""torch.nn.utils.parametrize: a module's tensor as a function of other tensors.

    register_parametrization(layer, "weight", P())

moves `layer.weight` into `layer.parametrizations.weight.original` (a Parameter still)
and makes `layer.weight` a property that returns P()(original), computed with Tensor ops
at each read, so the gradient of the loss reaches `original` through P by the chain
rule. Assigning `layer.weight = w` stores P.right_inverse(w) in `original`. Several
parametrizations of one tensor chain in the order they were registered; a `right_inverse`
that returns several tensors stores them as original0, original1, ... and the first
parametrization takes them all (weight norm's g and v). The property lives on a subclass
made for the module (ParametrizedLinear), as in torch; `remove_parametrizations` undoes
it all. Inside `with cached():` each parametrized tensor is computed once.
"""
from __future__ import annotations

import contextlib
import copy
from typing import Iterator

from tinygrad_edu import Tensor, no_grad

from ..containers import ModuleDict, ModuleList
from ..module import Module, Parameter

_cache: dict | None = None
"""(id(module), name) -> the tensor computed inside `cached()`; None outside it."""
_substitutes: dict = {}
"""(id(module), name) -> the tensor `functional_call` gives in place of the parametrized one."""


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, and its original value(s):
    `original`, or original0, original1, ... when right_inverse returns several."""

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        value = original
        if hasattr(first, "right_inverse"):
            try:
                with no_grad():
                    value = first.right_inverse(original)
            except NotImplementedError:     # it cannot be assigned to: the original is kept
                pass                        # as it is (torch's rule)
        self.is_tensor = isinstance(value, Tensor)
        if self.is_tensor:                  # the same object keeps its value (as torch):
            if value.dtype != original.dtype:       # an optimizer made before still trains it
                raise ValueError(f"register_parametrization: right_inverse may not change the "
                                 f"dtype ({original.dtype} to {value.dtype}), even unsafe")
            if value is not original:
                _write(original, value)
            if isinstance(original, Parameter):
                self.register_parameter("original", original)
            else:
                self.register_buffer("original", original)
            self.ntensors = 1
            return
        values = list(value)
        for i, v in enumerate(values):
            if isinstance(original, Parameter):
                self.register_parameter(f"original{i}", Parameter(
                    v.detach().clone(), requires_grad=original.requires_grad))
            else:
                self.register_buffer(f"original{i}", v.detach())
        self.ntensors = len(values)

    def originals(self) -> list[Tensor]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def forward(self) -> Tensor:
        items = list(self)
        x = items[0](*self.originals())
        for parametrization in items[1:]:
            x = parametrization(x)
        return x

    def right_inverse(self, value: Tensor) -> None:
        """Store the value whose parametrization is `value` (each right_inverse in
        reverse order)."""
        with no_grad():
            for parametrization in reversed(list(self)):
                if not hasattr(parametrization, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(parametrization).__name__} "
                                       "does not implement right_inverse")
                value = parametrization.right_inverse(value)
            values = [value] if self.is_tensor else list(value)
            if len(values) != self.ntensors:
                raise ValueError(f"right_inverse must return {self.ntensors} tensors, got "
                                 f"{len(values)}")
            for target, v in zip(self.originals(), values):
                if v.shape != target.shape or v.dtype != target.dtype:
                    raise ValueError(f"right_inverse returned shape {v.shape} and dtype "
                                     f"{v.dtype}; the original is {target.shape}, "
                                     f"{target.dtype}")
                target.data[...] = v.data


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make module.<tensor_name> the result of `parametrization` (see the module
    docstring); a second one on the same tensor is applied after the first. Unless
    `unsafe`, the parametrization must give a tensor of the original shape and dtype."""
    if is_parametrized(module, tensor_name):
        chain = module.parametrizations[tensor_name]
        with no_grad():
            before = chain()
        chain.append(parametrization)
        if not unsafe:
            try:
                _check_same_kind(chain, tensor_name, before)
            except ValueError:
                del chain[-1]                      # refused: the chain stays as it was
                raise
        return module
    original = getattr(module, tensor_name, None)
    if tensor_name not in module._parameters and tensor_name not in module._buffers \
            or not isinstance(original, Tensor):
        pruned = f" (it is pruned: parametrize {tensor_name}_orig)" \
            if hasattr(module, f"{tensor_name}_orig") else ""
        raise ValueError(f"register_parametrization: {type(module).__name__} has no parameter "
                         f"or buffer named {tensor_name!r}{pruned}")
    chain = ParametrizationList([parametrization], original, unsafe=unsafe)
    if not unsafe:
        _check_same_kind(chain, tensor_name, original)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.parametrizations = ModuleDict()
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,),
                                {"_unparametrized": cls, "__getstate__": _refuse_pickling,
                                 "__deepcopy__": _deepcopy})
    module.parametrizations[tensor_name] = chain
    setattr(type(module), tensor_name, property(_getter(tensor_name), _setter(tensor_name)))
    return module


def _check_same_kind(chain: ParametrizationList, name: str, original: Tensor) -> None:
    with no_grad():
        value = chain()
    if not isinstance(value, Tensor) or value.shape != original.shape or \
            value.dtype != original.dtype:
        got = (value.shape, value.dtype) if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(f"register_parametrization: the parametrization of {name!r} must keep "
                         f"its shape {original.shape} and dtype {original.dtype}, got {got} "
                         "(pass unsafe=True to allow it)")


def _getter(name: str):
    def get(self: Module) -> Tensor:
        key = (id(self), name)
        if key in _substitutes:
            return _substitutes[key]
        chain = self.parametrizations[name]
        if _cache is None:
            return chain()
        if key not in _cache:
            _cache[key] = chain()
        return _cache[key]
    return get


def _setter(name: str):
    def set_(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)
    return set_


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether module (or its tensor `tensor_name`) has a parametrization."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return tensor_name is None or tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo register_parametrization for one tensor: it becomes a plain Parameter (or
    buffer) again, holding the parametrized value (leave_parametrized) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: {type(module).__name__} has no "
                         f"parametrization on {tensor_name!r}")
    chain = module.parametrizations[tensor_name]
    if leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
    elif chain.is_tensor:
        value = chain.original
    else:
        raise ValueError("remove_parametrizations: leave_parametrized=False needs a single "
                         "original tensor (this right_inverse made several)")
    originals = chain.originals()
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if not len(module.parametrizations):
        del module.parametrizations
        module.__class__ = module.__class__._unparametrized
    if chain.is_tensor:                     # the original object, holding the value (torch)
        kept = originals[0]
        if value is not kept:
            _write(kept, value)
    else:
        kept = Parameter(value.detach().clone(), requires_grad=any(
            t.requires_grad for t in originals)) if isinstance(originals[0], Parameter) \
            else value.detach()
    if isinstance(kept, Parameter):
        module.register_parameter(tensor_name, kept)
    else:
        module.register_buffer(tensor_name, kept)
    return module


def _write(original: Tensor, value: Tensor) -> None:
    """original's values become a copy of value's (its shape too, for an unsafe
    parametrization), the object itself unchanged: torch's set_ under no_grad."""
    original.data = value.detach().data.copy()


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside the block, each parametrized tensor is computed once and reused."""
    global _cache
    outer = _cache
    _cache = {} if outer is None else outer
    try:
        yield
    finally:
        _cache = outer


@contextlib.contextmanager
def substituted(values: dict) -> Iterator[None]:
    """Inside the block, the parametrized tensor (id(module), name) is values[that key]
    itself, not computed (functional_call's `{"weight": w}` on a parametrized weight)."""
    _substitutes.update(values)
    try:
        yield
    finally:
        for key in values:
            del _substitutes[key]


def _refuse_pickling(module: Module) -> None:
    """pickle cannot find the class made for a parametrized module by its name: say so,
    and what works instead, as torch does."""
    raise RuntimeError(f"pickle: {type(module).__name__} is parametrized; serialization of "
                       "parametrized modules is only supported through state_dict() (as in "
                       "torch): save module.state_dict() and load it into a module "
                       "parametrized the same way")


def _deepcopy(module: Module, memo: dict) -> Module:
    """copy.deepcopy, which the refusal of pickling would otherwise stop: a new object of
    the same (made) class with a deep copy of every attribute."""
    new = object.__new__(type(module))
    memo[id(module)] = new
    new.__dict__.update(copy.deepcopy(module.__dict__, memo))
    return new


def type_before_parametrizations(module: Module) -> type:
    """The module's class without the Parametrized subclass."""
    return getattr(type(module), "_unparametrized", type(module)) if is_parametrized(module) \
        else type(module)
