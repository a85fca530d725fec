"""`Module` and `Parameter`: how a model finds, names, saves and converts its weights.

A Module keeps three ordered dicts, filled by plain attribute assignment:

    self.fc = Linear(4, 2)          # -> _modules["fc"]
    self.scale = Parameter(...)     # -> _parameters["scale"]
    self.register_buffer("running_mean", zeros(4))   # -> _buffers (saved, not trained)

Names follow torch: `fc.weight`, `features.0.bias`, ... A module's own parameters
(and buffers) come first, then its children in the order they were assigned, so
`state_dict()` keys and order are exactly torch's and a torch state dict converted
with `.numpy()` loads directly.
"""
from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import Any, Callable, Iterator

import numpy as np

from tinygrad_edu import Tensor, is_grad_enabled, no_grad
from tinygrad_edu.device import check_device, check_memory_format, to_arguments
from tinygrad_edu.dtypes import bfloat16, get_default_dtype, to_dtype
from tinygrad_edu.serialization import type_name
from tinygrad_edu.tensor import RemovableHandle, _tensor

from .backward_hooks import BackwardHookCall


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable (requires_grad=True by default).
    Made from a Tensor, it shares that tensor's memory, as torch's `Parameter(t)`: an
    optimizer step on the parameter shows in `t`. Other data is copied, and so is a
    read-only tensor (`expand`'s broadcast view), which no step could write to."""

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        shares = isinstance(data, Tensor) and data.data.flags.writeable
        super().__init__(np.empty(0, get_default_dtype()) if data is None or shares else data)
        if shares:
            self._data = data.data
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    deepcopy_keeps_grad = False
    """copy.deepcopy leaves `.grad` behind, as torch's Parameter: a deep copy of a model
    starts with no gradients (`fast = deepcopy(model)` in meta-learning)."""


class _BufferMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:     # a tensor marked as a buffer
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """torch's nn.Buffer: `self.cache = nn.Buffer(t, persistent=False)` in a Module registers
    t as a buffer, as `register_buffer` does (a plain Tensor assigned is an attribute). The
    result is t detached, marked as a buffer (a plain Tensor, as in torch)."""

    def __new__(cls, data: Any = None, *, persistent: bool = True) -> Any:
        source = Tensor(np.empty(0, get_default_dtype())) if data is None else _tensor(data)
        marked = source.detach().requires_grad_(source.requires_grad)
        marked.persistent, marked._is_buffer = persistent, True
        return marked


def clear_grad(param: Tensor, set_to_none: bool = True) -> None:
    """zero_grad for one parameter: `.grad` becomes None, or zeros written into it in place
    (as torch; a gradient that is itself part of a graph is replaced by new zeros)."""
    grad = param.grad
    if set_to_none or grad is None:
        param.grad = None
    elif grad.requires_grad or not grad.data.flags.writeable:
        param.grad = Tensor._from_node(np.zeros_like(param.data), None)
    else:
        grad.zero_()


_REGISTRIES = ("_parameters", "_buffers", "_modules")

class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict` returns, as torch's `_IncompatibleKeys` (and printed as it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


def _holds_unregistered(module: Module, value: Any) -> bool:
    """value is a plain list/tuple/dict holding a Module or Parameter that is not registered
    anywhere under `module` (fast.ai's `self.layers = [...]` followed by add_module for
    each is fine, and so is a list of taps into a child, [self.body[0]])."""
    if not isinstance(value, (list, tuple, dict)):
        return False
    registered, unseen = set(), [module]          # every module and parameter below module
    while unseen:
        below = unseen.pop()
        for v in (*below._modules.values(), *below._parameters.values()):
            if v is not None and id(v) not in registered:
                registered.add(id(v))
                unseen.extend([v] if isinstance(v, Module) else [])
    return any(isinstance(v, (Module, Parameter)) and id(v) not in registered
               for v in (value.values() if isinstance(value, dict) else value))


class PlainContainerWarning(UserWarning):
    """A Module attribute is a plain list/tuple/dict holding Modules or Parameters: as in
    torch they are not registered, which is a classic silent bug (the layers are never
    trained or saved) and occasionally intended (a frozen teacher model kept out of
    `parameters()`). Silence it for the intended case with
    `warnings.filterwarnings("ignore", category=nn.module.PlainContainerWarning)`."""


class Module:
    """Base class of every layer and model: subclass it, assign layers in `__init__`,
    compute in `forward`, and call the module like a function."""

    training: bool
    _version: int = 1       # saved in state_dict()._metadata, as torch (BatchNorm's is 2)

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        for table in ("_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks",
                      "_backward_hooks", "_state_dict_pre_hooks", "_state_dict_hooks",
                      "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks"):
            object.__setattr__(self, table, HookTable())
        object.__setattr__(self, "_hooked", False)     # set by the first hook: one test a call

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define one")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._hooked or any(GLOBAL_HOOKS):
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ forward hooks
    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call `hook(module, args)` before each forward, as torch; it may return new args
        (a tuple, or one value that becomes a 1-tuple) or None. With `with_kwargs`:
        `hook(module, args, kwargs)` returning None or `(args, kwargs)`."""
        return _add_hook(self, self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """Call `hook(module, args, output)` after each forward, as torch (to look at
        activations, say); it may return a replacement output or None. With
        `with_kwargs`: `hook(module, args, kwargs, output)`. With `always_call`, it also
        runs when a pre-hook, forward or another hook raises (output None if forward did not
        finish); an error it raises then is a warning, and the first error propagates."""
        return _add_hook(self, self._forward_hooks, (hook, with_kwargs, always_call), prepend)

    # ------------------------------------------------------------------ backward hooks
    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False
                                        ) -> RemovableHandle:
        """Call `hook(module, grad_output)` when the gradients with respect to the module's
        outputs are computed, before they flow into it; it may return a new grad_output
        (a tuple like it) or None. See nn/backward_hooks.py."""
        return _add_hook(self, self._backward_pre_hooks, (hook,), prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` when the gradients with respect to
        the module's positional inputs are computed (one entry per argument: None where it
        is not a Tensor, zeros where it does not require grad, as torch); it may return a
        new grad_input or None. As
        torch, forward then gets views of the Tensor arguments and the caller views of the
        outputs; an input or output no gradient reaches gets zeros, where torch may pass
        None. See nn/backward_hooks.py."""
        return _add_hook(self, self._backward_hooks, (hook,), prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """torch's deprecated form of register_full_backward_hook, which it is here. The
        two agree for a module made of one op on one input (nn.ReLU in guided backprop);
        for others torch's passes the gradients of the last op's inputs instead."""
        return self.register_full_backward_hook(hook)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        output, called = None, set()           # ids of the always_call entries that ran
        try:
            for hook, with_kwargs in [*GLOBAL_FORWARD_PRE_HOOKS, *self._forward_pre_hooks]:
                if with_kwargs:
                    result = hook(self, args, kwargs)
                    if result is not None:
                        if not (isinstance(result, tuple) and len(result) == 2):
                            raise RuntimeError(f"forward pre-hook {hook!r} with "
                                               "with_kwargs=True must return None or an "
                                               "(args, kwargs) tuple")
                        args, kwargs = result
                else:
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)
            hooks = [*GLOBAL_BACKWARD_HOOKS, *self._backward_hooks]
            pre_hooks = [*GLOBAL_BACKWARD_PRE_HOOKS, *self._backward_pre_hooks]
            backward = (BackwardHookCall(self, args, hooks, pre_hooks)
                        if is_grad_enabled() and (hooks or pre_hooks) else None)
            if backward is not None:
                args = backward.wrap_inputs(args)
            output = self.forward(*args, **kwargs)
            for entry in [*GLOBAL_FORWARD_HOOKS, *self._forward_hooks]:
                called.add(id(entry))
                output = _call_forward_hook(self, entry, args, kwargs, output)
            return output if backward is None else backward.wrap_outputs(output)
        except Exception:
            for entry in [*GLOBAL_FORWARD_HOOKS, *self._forward_hooks]:
                if entry[2] and id(entry) not in called:
                    try:
                        output = _call_forward_hook(self, entry, args, kwargs, output)
                    except Exception as error:
                        warnings.warn(f"forward hook {entry[0]!r} with always_call=True raised "
                                      f"{error!r} while another error was being raised (that "
                                      "error follows)", stacklevel=2)
            raise

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:         # plain values may come first (torch)
            if isinstance(value, (Parameter, Module, Buffer)):
                raise AttributeError(f"cannot assign {name!r} before Module.__init__() call; "
                                     f"call super().__init__() first in {type(self).__name__}")
            return object.__setattr__(self, name, value)
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._register("_parameters", name, value)
        elif isinstance(value, Module) and name not in params:
            self._register("_modules", name, value)
        elif isinstance(value, Buffer):
            self.register_buffer(name, value, value.persistent)
        elif name in params or name in modules:
            if value is not None:
                kind = "parameter" if name in params else "module"
                raise TypeError(f"cannot assign a {type(value).__name__} as {kind} {name!r} "
                                f"of {type(self).__name__} (expected a "
                                f"{'Parameter' if kind == 'parameter' else 'Module'} or None)")
            (params if name in params else modules)[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer {name!r} "
                                f"of {type(self).__name__} (expected a Tensor or None)")
            buffers[name] = value
        else:          # (a plain list of layers is reported by _check_plain_containers)
            object.__setattr__(self, name, value)

    def _register(self, table: str, name: str, value: Any) -> None:
        """Put `value` under `name` in one registry. A name already there keeps its place,
        as in torch: a replaced layer still runs, and is saved, where the old one was."""
        self._forget(name, keep=table)
        self.__dict__[table][name] = value

    def _forget(self, name: str, keep: str | None = None) -> None:
        """Remove `name` from the plain attributes and every registry but `keep`."""
        self.__dict__.pop(name, None)
        for table in _REGISTRIES:
            if table != keep:
                self.__dict__[table].pop(name, None)
        if keep != "_buffers":
            self._non_persistent.discard(name)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: look in the three registries
        for table in _REGISTRIES:
            entries = self.__dict__.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        """The attributes, with the registered parameters, buffers and submodules (as
        torch: tab completion and `"weight" in dir(m)` see them)."""
        names = set(super().__dir__())
        for table in _REGISTRIES:
            names.update(self.__dict__.get(table, ()))
        return sorted(names)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` under `name` (None reserves the name, as a missing bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, "
                            f"got {type(param).__name__}")
        _check_name("register_parameter", self, name, "_parameters")
        self._register("_parameters", name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not trained (BatchNorm's running mean); saved in
        `state_dict` unless `persistent=False`, converted by `.double()` like parameters."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, "
                            f"got {type(tensor).__name__}")
        _check_name("register_buffer", self, name, "_buffers")
        self._register("_buffers", name, tensor)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, "
                            f"got {type(module).__name__}")
        _check_name("add_module", self, name, "_modules")
        self._register("_modules", name, module)

    register_module = add_module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(name, module) for self and every descendant, pre-order; a module held twice
        is listed once, unless `remove_duplicate=False`. `memo`: a set of modules to skip
        (torch's), filled as they are listed."""
        if remove_duplicate:
            memo = set() if memo is None else memo
            if self in memo:
                return
            memo.add(self)
        self._check_plain_containers()
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self, remove_duplicate: bool = True) -> Iterator[Module]:
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, child) for each direct child, a child held under two names once."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, table: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter), torch's names and order; a shared parameter once
        (under its first name) unless `remove_duplicate=False`."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _check_plain_containers(self) -> None:
        """Layers kept in a plain list (or dict) and never registered are invisible to
        parameters(), state_dict() and .to(): say so, when they are asked for."""
        for name, value in self.__dict__.items():
            if name not in _REGISTRIES and _holds_unregistered(self, value):
                _warn_plain_container(self, name, value)

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path `target` ("" is self), e.g. "features.0"."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` "
                                     f"(looking up {target!r})")
            module = child
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put `module` at dotted path `target` (its parent must exist; an attribute there
        must be a module; with `strict`, the name must already hold one), as torch."""
        if not target:
            raise ValueError("set_submodule: cannot set the module itself (empty target)")
        if not isinstance(module, Module):
            raise ValueError(f"set_submodule: `module` is not an nn.Module, found "
                             f"{type(module).__name__}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and name not in parent._modules:
            raise AttributeError(f"{type(parent).__name__} has no submodule `{name}`")
        if name not in parent._modules and hasattr(parent, name):
            raise AttributeError(f"set_submodule: `{name}` of {type(parent).__name__} is not "
                                 "an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path `target`, e.g. "features.0.weight"."""
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path `target`, e.g. "bn.running_mean"."""
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target: str, table: str, kind: str) -> Any:
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        entries = getattr(module, table)
        if name not in entries:
            raise AttributeError(f"{type(module).__name__} has no {kind} `{name}` "
                                 f"(looking up {target!r})")
        return entries[name]

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, BatchNorm uses and updates batch statistics).
        Calls each child's own `train`, so a module that overrides it (to keep a part
        frozen in eval mode, say) is obeyed inside a bigger model, as in torch."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's `.grad` (to None by default, as torch; see clear_grad)."""
        for param in self.parameters():
            clear_grad(param, set_to_none)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn` on every submodule (children first) and on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ dtype
    def to(self, *args: Any, dtype: Any = None, device: Any = None,
           non_blocking: bool = False, memory_format: Any = None) -> Module:
        """Convert floating point parameters and buffers (and their grads) in place.

        torch's forms: to(dtype), to(device), to(device, dtype), to(tensor) (its dtype)
        and the keywords; the device can only be the CPU (moving there is a no-op), and
        memory_format (tg.channels_last) changes nothing (one layout here).
        The Parameter objects stay the same, so an optimizer built before still updates
        them. Integer buffers (num_batches_tracked) are left alone, as torch.
        """
        check_memory_format(memory_format, "Module.to")
        dtype = to_arguments(args, dtype, device, "Module.to")
        if dtype is None:
            return self
        dtype = to_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: only floating point dtypes are accepted, got {dtype}")
        return self._apply(lambda t: t.to(dtype) if t.dtype.kind == "f" else t)

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        """Replace the data of every parameter and buffer (and their grads) by fn of them,
        children first, as torch's method that to()/double()/float() call: a module that
        keeps other tensors (a cache) overrides it, converts them and calls super()."""
        if recurse:
            for child in self.children():
                child._apply(fn)
        with no_grad():
            for tensor in (*self._parameters.values(), *self._buffers.values()):
                if tensor is not None:
                    tensor.data = fn(tensor).data
                    if tensor.grad is not None:
                        tensor.grad = Tensor._from_node(fn(tensor.grad).data, None)
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def type(self, dst_type: Any) -> Module:
        """Cast every parameter and buffer to `dst_type` (a dtype, or a legacy tensor type
        such as tg.DoubleTensor or 'torch.DoubleTensor'), in place; returns self. Unlike
        to(), integer buffers are cast too (num_batches_tracked), as torch."""
        dtype = to_dtype(dst_type)
        for name, param in self.named_parameters():
            if param.requires_grad and dtype.kind != "f":
                raise TypeError(f"Module.type: parameter {name!r} requires grad, so it must "
                                f"stay floating point; got {dtype} (as torch)")
        return self._apply(lambda t: t.to(dtype))

    def to_empty(self, *, device: Any, recurse: bool = True) -> Module:
        """Give every parameter and buffer new, uninitialized memory of its shape and
        dtype (the Parameter objects stay), as torch's to_empty; returns self. For a module
        whose values are about to be loaded or reset_parameters()-ed. Only the CPU."""
        check_device(device, "Module.to_empty")
        return self._apply(lambda t: Tensor(np.empty(t.shape, t.dtype)), recurse)

    def cpu(self) -> Module:
        """self: modules always live on the CPU here."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """An error: tinygrad_edu computes on the CPU only (as Tensor.cuda)."""
        return self.to("cuda" if device is None else device)

    def _get_name(self) -> str:
        """The class name, as torch's repr helper."""
        return type(self).__name__

    def float(self) -> Module:
        return self.to(np.float32)

    def half(self) -> Module:
        return self.to(np.float16)

    def bfloat16(self) -> Module:
        """An error: numpy has no bfloat16 (tinygrad_edu.bfloat16 says so)."""
        return self.to(bfloat16)

    # ------------------------------------------------------------------ state dict
    def state_dict(self, *args: Any, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """Name -> detached Tensor (sharing memory) for every parameter and persistent buffer,
        and `_extra_state` where a module defines get_extra_state: own entries first (from
        `_save_to_state_dict`), then each child's under `child_name.` (torch's keys and
        order). `destination` is a dict to fill; as torch, positional arguments are the
        deprecated order (destination, prefix, keep_vars)."""
        if args:
            warnings.warn("state_dict: positional arguments are deprecated, as in torch; "
                          "pass destination=, prefix=, keep_vars= by name", FutureWarning,
                          stacklevel=2)
            destination, prefix, keep_vars = (*args, *(destination, prefix, keep_vars)[len(args):])
        self._check_plain_containers()
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()      # each module's version, as torch
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook, in self._state_dict_pre_hooks:
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=f"{prefix}{name}.",
                                 keep_vars=keep_vars)
        for hook, public in self._state_dict_hooks:
            result = hook(self, destination, prefix, local_metadata)
            if result is not None and public:
                raise RuntimeError(f"state_dict: the post-hook {hook!r} returned a value; a "
                                   "hook of register_state_dict_post_hook changes state_dict "
                                   "in place and returns None, as torch")
            destination = destination if result is None else result
        return destination

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, prefix, keep_vars)` at the start of this module's state_dict
        (here and when a parent collects it), as torch."""
        return _append(self._state_dict_pre_hooks, (hook,))

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, state_dict, prefix, local_metadata)` once this module's entries
        and its children's are in state_dict; the hook changes state_dict in place (it
        must return None), as torch. local_metadata is {"version": the module's _version}."""
        return _append(self._state_dict_hooks, (hook, True))

    def _register_state_dict_hook(self, hook: Callable) -> RemovableHandle:
        """torch's older private form of register_state_dict_post_hook, which libraries
        still use: the hook may also return a new state_dict (a child's replacement is
        lost, as in torch: only the module that state_dict was called on returns it)."""
        return _append(self._state_dict_hooks, (hook, False))

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)` before this module loads its entries, as torch: the
        hook may rename old keys in state_dict or add to the three lists."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook: Callable,
                                           with_module: bool = False) -> RemovableHandle:
        """torch's private form: without `with_module`, the hook is not given the module."""
        return _append(self._load_state_dict_pre_hooks, (hook, with_module))

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, incompatible_keys)` once this module and its children have
        loaded, as torch; the hook may change incompatible_keys.missing_keys and
        .unexpected_keys in place (strict=True then judges what is left), and must
        return None."""
        return _append(self._load_state_dict_post_hooks, (hook,))

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """This module's own entries (torch's method of the same name, for subclasses)."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        if self._has_extra_state():
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def get_extra_state(self) -> Any:
        """Override (with set_extra_state) to keep state that is no Tensor, a step count or
        a vocabulary, under the key `_extra_state` of state_dict, as torch."""
        raise RuntimeError(f"{type(self).__name__}.get_extra_state is not defined: override "
                           "it to return the extra state to save")

    def set_extra_state(self, state: Any) -> None:
        """Override to take back what get_extra_state returned (load_state_dict calls it)."""
        raise RuntimeError(f"{type(self).__name__}.set_extra_state is not defined: override "
                           "it with get_extra_state")

    def _has_extra_state(self) -> bool:
        return type(self).get_extra_state is not Module.get_extra_state

    def load_state_dict(self, state_dict: Any, strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy values (Tensors or numpy arrays) into the parameters and buffers.

        Shapes must match exactly; with `strict=True` (default) the keys must match too,
        except a module's `optional_state` (BatchNorm's num_batches_tracked, which torch's
        checkpoints before 0.4.1 lack: it keeps its value) when the checkpoint's _metadata
        gives an older version of the module, or none, as torch. All problems are
        reported in one error naming the keys (what matched is loaded, as torch).
        Values are converted to each target's dtype. With `assign=True` (torch's) the
        module takes the given values themselves instead, with their dtype: a new Parameter
        (requires_grad as before) or buffer (an optimizer built earlier still holds the old).
        Each module loads its own entries in `_load_from_state_dict` (torch's method, which
        a subclass overrides to rename old checkpoint keys), from a copy of state_dict.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict-like state_dict, got "
                            f"{type(state_dict).__name__}")
        metadata = getattr(state_dict, "_metadata", {})
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(module: Module, local: OrderedDict, prefix: str) -> None:
            local_metadata = dict(metadata.get(prefix[:-1], {}))   # (its version when saved)
            if assign:
                local_metadata["assign_to_params_buffers"] = True
            module._prepare_to_load(local, prefix)     # (a lazy layer takes its shapes)
            module._load_from_state_dict(local, prefix, local_metadata, True, missing,
                                         unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:                 # a child sees its own keys only
                    below = f"{prefix}{name}."
                    load(child, OrderedDict((k, v) for k, v in local.items()
                                            if k.startswith(below)), below)
            for hook, in module._load_state_dict_post_hooks:
                if hook(module, IncompatibleKeys(missing, unexpected)) is not None:
                    raise RuntimeError(f"load_state_dict: the post-hook {hook!r} returned a "
                                       "value; it must change incompatible_keys in place and "
                                       "return None, as torch")

        with no_grad():               # in place: earlier state_dict() and detach() results see it
            load(self, OrderedDict(state_dict), "")
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        """Load this module's own entries from `state_dict` (keys under `prefix`), adding
        to the lists what is missing, unexpected or wrong, as torch's method of the same
        name: a subclass may override it, rename keys in state_dict, then call super().
        It starts with the hooks of register_load_state_dict_pre_hook, as torch's.
        local_metadata holds the module's "version" when saved (if the checkpoint says)
        and "assign_to_params_buffers" for load_state_dict(assign=True)."""
        for hook, with_module in self._load_state_dict_pre_hooks:
            arguments = (state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs)
            hook(self, *arguments) if with_module else hook(*arguments)
        assign = local_metadata.get("assign_to_params_buffers", False)
        own = {**{k: v for k, v in self._parameters.items() if v is not None},
               **{k: v for k, v in self._buffers.items()
                  if v is not None and k not in self._non_persistent}}
        for name, target in own.items():
            key = prefix + name
            if key not in state_dict:
                older = local_metadata.get("version", 0) < self._version   # (or no version)
                if strict and not (older and name in getattr(self, "optional_state", ())):
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, (Tensor, np.ndarray)):
                error_msgs.append(f"While copying the parameter named \"{key}\", expected a "
                                  f"Tensor or an ndarray from checkpoint but received "
                                  f"{type_name(value)}")
                continue
            array = _as_array(value)
            if target.shape == () and array.shape == (1,):   # an old checkpoint's scalar
                array = array.reshape(())                     # (torch takes its element)
                value = Tensor._from_node(array, None) if isinstance(value, Tensor) else array
            if array.shape != target.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                                  f"{array.shape} from checkpoint, the shape in current model "
                                  f"is {tuple(target.shape)}.")
            elif not assign:
                target.copy_(array)
            elif name in self._parameters and target.requires_grad and array.dtype.kind != "f":
                error_msgs.append(f"While copying the parameter named \"{key}\" with assign=True, "
                                  f"the checkpoint's {array.dtype} values cannot become a "
                                  f"parameter that requires grad (floating point only)")
            elif name in self._parameters:                # assign: the checkpoint's own
                self._parameters[name] = _assigned(value, target.requires_grad)    # tensor
            else:
                self._buffers[name] = value if isinstance(value, Tensor) else Tensor._from_node(
                    array, None)
        extra = prefix + "_extra_state"
        if self._has_extra_state():
            if extra in state_dict:
                self.set_extra_state(state_dict[extra])
            elif strict:
                missing_keys.append(extra)
        if strict:                  # as torch: "a.b" must name a child a, "a" an entry
            for key in state_dict:
                if key.startswith(prefix) and key != extra:
                    name = key[len(prefix):].split(".", 1)
                    if name[0] not in (self._modules if len(name) > 1 else own):
                        unexpected_keys.append(key)

    def _prepare_to_load(self, state_dict: dict, prefix: str) -> None:
        """Called on every submodule before load_state_dict copies values (nn/lazy.py)."""

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr line (override it)."""
        return ""

    def __repr__(self) -> str:
        return _repr_lines(self, [f"({name}): " + _indent(repr(child))
                                  for name, child in self._modules.items()])


def _check_name(op: str, module: Module, name: str, table: str) -> None:
    """A name for registry `table`: non-empty, without '.', and not already something
    else (a method, a plain attribute, an entry of another registry), as torch."""
    if not isinstance(name, str) or name == "" or "." in name:
        raise KeyError(f"{op}: name {name!r} must be a non-empty string without '.'")
    if name not in module.__dict__[table] and hasattr(module, name):
        raise KeyError(f"{op}: attribute {name!r} already exists on {type(module).__name__}")


def _assigned(value: Tensor | np.ndarray, requires_grad: bool) -> Parameter:
    """load_state_dict(assign=True)'s parameter: the checkpoint's Parameter itself, or one
    sharing its Tensor's (or array's) memory, as torch's nn.Parameter(t) shares t's; it
    keeps the module's requires_grad flag."""
    param = value if isinstance(value, Parameter) else Parameter._from_node(
        _as_array(value), None)
    return param.requires_grad_(requires_grad)


def _as_array(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _repr_lines(module: Module, child_lines: list[str]) -> str:
    """torch's layout: `Name(extra)` on one line when the extra text is one line and there
    are no children; else one line per extra line and per child, indented."""
    extra = module.extra_repr()
    extra_lines = extra.split("\n") if extra else []
    if len(extra_lines) == 1 and not child_lines:
        return f"{type(module).__name__}({extra_lines[0]})"
    if not extra_lines and not child_lines:
        return f"{type(module).__name__}()"
    return f"{type(module).__name__}(\n  " + "\n  ".join(extra_lines + child_lines) + "\n)"


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """A forward pre-hook of every module, run before each module's own (torch's global
    hook, as attribution and profiling tools use it)."""
    return _append(GLOBAL_FORWARD_PRE_HOOKS, (hook, False))


def register_module_forward_hook(hook: Callable, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """A forward hook of every module, run before each module's own."""
    return _append(GLOBAL_FORWARD_HOOKS, (hook, with_kwargs, always_call))


def register_module_full_backward_pre_hook(hook: Callable) -> RemovableHandle:
    """A backward pre-hook of every module, run before each module's own."""
    return _append(GLOBAL_BACKWARD_PRE_HOOKS, (hook,))


def register_module_full_backward_hook(hook: Callable) -> RemovableHandle:
    """A full backward hook of every module, run before each module's own."""
    return _append(GLOBAL_BACKWARD_HOOKS, (hook,))


def register_module_backward_hook(hook: Callable) -> RemovableHandle:
    """torch's deprecated form of register_module_full_backward_hook, which it is here (see
    Module.register_backward_hook)."""
    return register_module_full_backward_hook(hook)


class HookTable(list):
    """A module's hooks in call order, one entry (hook, options...) per registration. torch
    keeps them in an OrderedDict; `values()` gives the hooks as torch's does (the pruning
    tutorial walks `module._forward_pre_hooks.values()`), `items()` (position, hook)."""

    def values(self) -> list:
        return [entry[0] for entry in self]

    def keys(self) -> list:
        return list(range(len(self)))

    def items(self) -> list:
        return list(enumerate(self.values()))


GLOBAL_HOOKS = (HookTable(), HookTable(), HookTable(), HookTable())      # every module's
(GLOBAL_FORWARD_PRE_HOOKS, GLOBAL_FORWARD_HOOKS,
 GLOBAL_BACKWARD_PRE_HOOKS, GLOBAL_BACKWARD_HOOKS) = GLOBAL_HOOKS


def _append(hooks: list, entry: tuple) -> RemovableHandle:
    hooks.append(entry)
    return RemovableHandle(hooks, entry)


def _add_hook(module: Module, hooks: list, entry: tuple, prepend: bool) -> RemovableHandle:
    hooks.insert(0, entry) if prepend else hooks.append(entry)
    object.__setattr__(module, "_hooked", True)
    return RemovableHandle(hooks, entry)


def _call_forward_hook(module: Module, entry: tuple, args: tuple, kwargs: dict,
                       output: Any) -> Any:
    """One forward hook: its replacement of the output, or the output as it was."""
    hook, with_kwargs, _ = entry
    result = hook(module, args, kwargs, output) if with_kwargs else hook(module, args, output)
    return output if result is None else result


def _warn_plain_container(module: Module, name: str, value: Any) -> None:
    holds_modules = any(isinstance(v, Module)
                        for v in (value.values() if isinstance(value, dict) else value))
    kind = "dict" if isinstance(value, dict) else type(value).__name__
    fix = ("nn.ModuleDict({...})" if isinstance(value, dict) else "nn.ModuleList([...])"
           ) if holds_modules else (
           "nn.ParameterDict({...})" if isinstance(value, dict) else "nn.ParameterList([...])")
    warnings.warn(f"{type(module).__name__}.{name} is a plain {kind} holding Modules or "
                  "Parameters: they are not registered (not in parameters(), so not trained, "
                  f"saved or converted). Use {fix} or one attribute each, unless you mean to "
                  "keep them out (see nn.module.PlainContainerWarning).",
                  PlainContainerWarning, stacklevel=3)
