"""torch.nn.utils.stateless.functional_call (torch.func.functional_call): run a module with
other tensors in place of its parameters and buffers, the way MAML runs a network on fast
weights: `functional_call(net, {"0.weight": w - lr * g, ...}, (x,))`."""
from __future__ import annotations

from typing import Any, Iterator

from ..module import Module
from . import parametrize


def _slots(module: Module) -> Iterator[tuple[str, dict, str]]:
    """(full name, the registry holding it, its key) for every parameter and buffer,
    tied ones (one tensor under two names) included under each name."""
    for prefix, sub in module.named_modules(remove_duplicate=False):
        for table in (sub._parameters, sub._buffers):
            for key, value in table.items():
                if value is not None:                      # (Linear(bias=False)'s bias)
                    yield (f"{prefix}.{key}" if prefix else key), table, key


def _parametrized(module: Module) -> Iterator[tuple[str, Module, str]]:
    """(full name, its module, its name there) for every parametrized tensor."""
    for prefix, sub in module.named_modules(remove_duplicate=False):
        if parametrize.is_parametrized(sub):
            for key in sub.parametrizations:
                yield (f"{prefix}.{key}" if prefix else key), sub, key


def functional_call(module: Module, parameters_and_buffers: Any, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """module(*args, **kwargs) with the named tensors (a dict, or a tuple of dicts) in place
    of its own, which come back afterwards, even if the call raises. The gradient flows
    into the given tensors. With tie_weights, a name tied to a given one (the same tensor)
    takes its value too; with strict, every parameter and buffer must be given and every
    name given must be one of them. Without strict, a name the module does not have is
    ignored, as torch (a dict merged for several modules can be passed to each). A
    parametrized tensor's name (`weight` after weight_norm) makes the given tensor stand in
    for the parametrized one, without strict: torch writes it through right_inverse (which
    a parametrization may lack) and back, and a backward then fails."""
    dicts = (parameters_and_buffers if isinstance(parameters_and_buffers, (tuple, list))
             else (parameters_and_buffers,))
    given: dict[str, Any] = {}
    for d in dicts:
        for name, value in d.items():
            if name in given:
                raise ValueError(f"functional_call: {name!r} is given twice")
            given[name] = value
    slots = list(_slots(module))
    unknown = sorted(set(given) - {name for name, _, _ in slots})
    if unknown and strict:
        raise ValueError(f"functional_call: strict=True, but the module has no parameter or "
                         f"buffer named {', '.join(map(repr, unknown))}")
    tied: dict[int, Any] = {}
    for name, table, key in slots:
        if name in given:
            if tie_weights and tied.get(id(table[key]), given[name]) is not given[name]:
                raise ValueError(f"functional_call: {name!r} is tied to another name given a "
                                 "different value (pass tie_weights=False to set them apart)")
            tied[id(table[key])] = given[name]
    if strict:
        missing = [name for name, table, key in slots
                   if name not in given and not (tie_weights and id(table[key]) in tied)]
        if missing:
            raise ValueError(f"functional_call: strict=True, but no value for {missing}")
    saved = []
    try:
        for name, table, key in slots:
            if name in given or (tie_weights and id(table[key]) in tied):
                saved.append((table, key, table[key]))
                table[key] = given[name] if name in given else tied[id(table[key])]
        args = args if isinstance(args, tuple) else (() if args is None else (args,))
        with parametrize.substituted({(id(sub), key): given[name] for name, sub, key
                                      in _parametrized(module) if name in given}):
            return module(*args, **(kwargs or {}))
    finally:
        for table, key, original in reversed(saved):
            table[key] = original


__all__ = ["functional_call"]
