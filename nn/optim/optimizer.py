"""`Optimizer`: parameter groups, per-parameter state, zero_grad, state_dict.

A subclass only writes `update(param, grad, state, group)`: the rule for one
parameter as numpy arithmetic on `param.data` (in place, outside the graph).
"""
from __future__ import annotations

import collections
import copy
import functools
from typing import Any, Callable, Iterable

import numpy as np

from tinygrad_edu import Tensor, enable_grad, versions
from tinygrad_edu.tensor import RemovableHandle, add_hook

from ..module import clear_grad


def _hooked_step(step: Callable) -> Callable:
    """step, run between the optimizer's step hooks, and noting that it ran
    (`optimizer._stepped`, torch's _opt_called, which an LRScheduler reads to warn when it
    is stepped before the optimizer). A step that calls its base class's step (a user's
    SGD subclass) runs the hooks once."""
    @functools.wraps(step)
    def hooked(*args: Any, **kwargs: Any) -> Any:
        self = args[0]
        if self.__dict__.get("_in_step"):
            return step(*args, **kwargs)
        for hook in _hooks(self, "_step_pre_hooks"):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{type(self).__name__}.step: a step pre-hook must "
                                       "return None or a tuple (new_args, new_kwargs), got "
                                       f"{result!r}")
                args, kwargs = result
        self._stepped = self._in_step = True
        try:
            loss = step(*args, **kwargs)
        finally:
            self._in_step = False
        for hook in _hooks(self, "_step_post_hooks"):
            hook(self, args, kwargs)
        return loss
    return hooked


class Optimizer:
    """Base class. `params` is an iterable of Tensors, or of dicts (parameter groups), each
    with a "params" list and any options that override the defaults for that group.
    Parameters that do not require grad (frozen layers) may be listed: like any
    parameter without a gradient, `step` leaves them alone. A group with `maximize` (every
    optimizer's keyword, as torch) hands its rule -g: the rule then ascends.
    torch's implementation switches foreach, fused and capturable are accepted by the
    library's optimizers and change nothing (one numpy implementation); differentiable=True
    (a step recorded in the graph) is refused. A user's subclass keeps its own keywords."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__ and cls.__module__.startswith("nn.optim."):
            cls.__init__ = _accepting_switches(cls.__dict__["__init__"], cls.__name__)
        if "step" in cls.__dict__:                # (a user's optimizer's own step too)
            cls.step = _hooked_step(cls.__dict__["step"])

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = {key: _number(value) for key, value in defaults.items()}
        self.state: dict[Tensor, dict] = collections.defaultdict(dict)   # {} until a step
        self.param_groups: list[dict] = []
        if isinstance(params, (Tensor, set)):
            raise TypeError(f"{type(self).__name__}: params must be an ordered iterable of "
                            f"Tensors or of dicts (parameter groups), got a "
                            f"{type(params).__name__}" + ("; wrap it in a list" if isinstance(
                                params, Tensor) else ": its order changes between runs, so a "
                                "saved state_dict would load onto the wrong parameters"))
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own options (missing ones from the defaults).
        Other keys (e.g. a "name" for logging) are kept as they are, as in torch. The
        params may be (name, Tensor) pairs, as `model.named_parameters()` gives: the names
        are kept in the group's "param_names", as torch."""
        name = type(self).__name__
        group = dict(group)
        if "params" not in group:
            raise KeyError(f"{name}: a parameter group needs a 'params' entry")
        params = group["params"]
        if isinstance(params, set):
            raise TypeError(f"{name}: the params of a group must be ordered (a list), not a set")
        params = [params] if isinstance(params, Tensor) else list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                          for p in params):
            group["param_names"] = [param_name for param_name, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, got {type(p).__name__}")
            if not (p.is_leaf or p.retains_grad):          # (torch's rule)
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (one computed by "
                                 "an op); optimize the leaf parameters it was computed from, "
                                 "or call retain_grad() on it")
            if p.dtype.kind != "f":
                raise ValueError(f"{name}: can only optimize floating point tensors, got a "
                                 f"parameter of shape {p.shape} and dtype {p.dtype}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group "
                             "(or twice in one)")
        group = {key: value if key == "params" else _number(value)
                 for key, value in group.items()}
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's `.grad`: None by default, as torch; else zeros, written
        into the gradient in place (a gradient that is part of a graph is replaced)."""
        for group in self.param_groups:
            for p in group["params"]:
                clear_grad(p, set_to_none)

    @_hooked_step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient. `closure` re-evaluates the loss.
        (Every optimizer's step runs the step hooks and notes that it ran: _hooked_step.)"""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.shape != p.shape:
                    raise RuntimeError(f"{type(self).__name__}: gradient of shape {grad.shape} "
                                       f"for a parameter of shape {p.shape}")
                if group.get("maximize", False):   # torch's maximize: ascend instead
                    grad = -grad
                self.update(p.data, grad, self.state[p], group)
                versions.mark_changed(p.data)      # a graph that saved p must not use it
        return loss

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """Apply one step of the rule to `param` in place (subclasses define it)."""
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    # ------------------------------------------------------------------ checkpointing
    def state_dict(self) -> dict:
        """{"state": {0: {...}, ...}, "param_groups": [{options..., "params": [0, 1]}]}.

        Parameters are numbered in group order, as torch. Arrays are copies. The state
        dict hooks run before (`hook(optimizer)`) and after (`hook(optimizer, state_dict)`,
        which may return a new one)."""
        for hook in _hooks(self, "_state_dict_pre_hooks"):
            hook(self)
        state_dict = self._saved_state()
        for hook in _hooks(self, "_state_dict_post_hooks"):
            state_dict = _or_same(hook(self, state_dict), state_dict)
        return state_dict

    def _saved_state(self) -> dict:
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            entry = {k: v for k, v in group.items() if k != "params"}
            entry["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(entry)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):                # (plain SGD keeps no state: none saved)
                    state[index[id(p)]] = {k: v.copy() if isinstance(v, np.ndarray) else v
                                                for k, v in self.state[p].items()}
        return {"state": state, "param_groups": copy.deepcopy(groups)}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state saved by `state_dict` (this optimizer must hold
        parameter groups of the same sizes; state arrays take each parameter's dtype).
        The load hooks run before (`hook(optimizer, state_dict)`, given a shallow copy,
        may return the dict to load) and after (`hook(optimizer)`), as torch's."""
        state_dict = dict(state_dict)
        for hook in _hooks(self, "_load_state_dict_pre_hooks"):
            state_dict = _or_same(hook(self, state_dict), state_dict)
        self._restore(state_dict)
        for hook in _hooks(self, "_load_state_dict_post_hooks"):
            hook(self)

    def _restore(self, state_dict: dict) -> None:
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state has {len(saved_groups)} "
                             f"parameter groups, this optimizer {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {i} has "
                                 f"{len(saved['params'])} parameters in the state but "
                                 f"{len(group['params'])} in this optimizer")
        saved_state = {str(k): v for k, v in state_dict["state"].items()}  # (older files: "0")
        self.state = collections.defaultdict(dict)
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = tuple(value) if isinstance(value, list) else value
            for index, p in zip(saved["params"], group["params"]):
                entry = saved_state.get(str(index))
                if entry is not None:
                    self.state[p] = {key: _state_value(value, p, key, name, index)
                                     for key, value in entry.items()}

    # ------------------------------------------------------------------ hooks (torch's)
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(optimizer, args, kwargs)` before each step (args starts with the
        optimizer, as torch's); it may return `(new_args, new_kwargs)` for the step."""
        return add_hook(self, "_step_pre_hooks", hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(optimizer, args, kwargs)` after each step."""
        return add_hook(self, "_step_post_hooks", hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                     ) -> RemovableHandle:
        """Call `hook(optimizer)` before `state_dict()` builds the dict."""
        return add_hook(self, "_state_dict_pre_hooks", hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                      ) -> RemovableHandle:
        """Call `hook(optimizer, state_dict)` on the dict `state_dict()` built; a dict it
        returns is returned instead."""
        return add_hook(self, "_state_dict_post_hooks", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                          ) -> RemovableHandle:
        """Call `hook(optimizer, state_dict)` before loading; a dict it returns is loaded
        instead."""
        return add_hook(self, "_load_state_dict_pre_hooks", hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                           ) -> RemovableHandle:
        """Call `hook(optimizer)` after `load_state_dict` loaded."""
        return add_hook(self, "_load_state_dict_post_hooks", hook, prepend)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines += [""] * bool(i) + [f"Parameter Group {i}"]       # (a blank line between)
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines + [")"])


def check_non_negative(name: str, **values: float) -> None:
    """Hyper-parameters that must be >= 0 (nan too is refused: `not v >= 0`)."""
    values = {key: _number(value) for key, value in values.items()}
    bad = [f"{key}={value}" for key, value in values.items() if not value >= 0]
    if bad:
        raise ValueError(f"{name}: {', '.join(values)} must be >= 0, got {', '.join(bad)}")


def _hooks(optimizer: Optimizer, attribute: str) -> list:
    """The hooks registered under `attribute` (a copy: a hook may remove itself)."""
    return [hook for (hook,) in optimizer.__dict__.get(attribute, ())]


def _or_same(result: Any, state_dict: dict) -> dict:
    """A state-dict hook's result: the dict it returned, or the one it was given."""
    return state_dict if result is None else result


def _accepting_switches(init: Callable, name: str) -> Callable:
    """init, also taking torch's foreach/fused/capturable/differentiable keywords."""
    @functools.wraps(init)
    def accepting(self: Any, *args: Any, foreach: bool | None = None, fused: bool | None = None,
                  capturable: bool = False, differentiable: bool = False, **kwargs: Any) -> None:
        if differentiable:
            raise NotImplementedError(f"{name}: differentiable=True (an optimizer step "
                                      "recorded in the graph) is not built here")
        init(self, *args, **kwargs)
    return accepting


def _number(option: Any) -> Any:
    """An option given as a 0-d Tensor (torch accepts `lr=torch.tensor(0.01)`) as its
    number, also inside a tuple (betas): the rules compute in numpy. torch keeps the
    Tensor in the group; here `group["lr"]` is a float."""
    if isinstance(option, tuple):
        return tuple(_number(value) for value in option)
    if isinstance(option, Tensor):
        if option.ndim != 0:
            raise ValueError(f"optimizer options must be numbers or 0-d Tensors, got a Tensor "
                             f"of shape {option.shape}")
        return option.item()
    return option


def _state_value(value: Any, param: Tensor, key: str, name: str, index: Any) -> Any:
    """A saved state entry for `param`: an array or Tensor copied in the parameter's dtype
    and shape (a Tensor stays a Tensor, for a rule that keeps Tensors). A 0-d value for a
    parameter that is not 0-d is a number, as torch's `step` converted with .numpy()."""
    array = value.data if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray):
        return value
    if array.ndim == 0 and param.ndim != 0:
        return array.item()
    if array.shape != param.shape:
        raise ValueError(f"{name}.load_state_dict: state {key!r} of parameter {index} has "
                         f"shape {array.shape}, the parameter {param.shape}")
    array = np.array(array, dtype=param.dtype)
    return Tensor(array) if isinstance(value, Tensor) else array
