"""Containers that register what they hold: Sequential, ModuleList, ModuleDict (modules),
ParameterList, ParameterDict (parameters)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from tinygrad_edu import Tensor

from .module import Module, Parameter, _indent, _repr_lines


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children at positions 0, 1, ...; `del`,
    `insert` and `pop` renumber them "0", "1", ... again, as torch does."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(list(self._modules)[_position(self, index)], module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _position(self, index)]
        self._renumber(modules)

    def append(self, module: Module) -> _ModuleSequence:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _ModuleSequence:
        for module in modules:
            self.append(module)
        return self

    def __iadd__(self, modules: Iterable[Module]) -> _ModuleSequence:
        return self.extend(modules)

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module

    def _renumber(self, modules: list) -> None:
        self._modules.clear()
        self.extend(modules)


class Sequential(_ModuleSequence):
    """Calls its modules in order: `Sequential(a, b)(x) == b(a(x))`. Children are named
    "0", "1", ... or by the keys of an OrderedDict passed as the only argument."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            self.extend(modules)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return _by_position(self, index)

    def __add__(self, other: Sequential) -> Sequential:
        return Sequential(*self, *other)

    def insert(self, index: int, module: Module) -> Sequential:
        """Put `module` before position `index` (torch: an IndexError past either end)."""
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for "
                             f"{n} modules")
        super().insert(index, module)
        return self


class ModuleList(_ModuleSequence):
    """A list of modules, registered as children "0", "1", ... (use it instead of a plain list)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return _by_position(self, index)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def __repr__(self) -> str:
        """As torch: a run of identical children is one line, `(0-2): 3 x Linear(...)`."""
        runs: list[list] = []                      # [first index, last index, repr]
        for i, module in enumerate(self):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        return _repr_lines(self, [_indent(f"({a}): {text}" if a == b else
                                          f"({a}-{b}): {b - a + 1} x {text}")
                                  for a, b, text in runs])


class ModuleDict(Module):
    """A dict of modules, registered as children under their keys (in insertion order)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple]) -> None:
        """Add or replace modules from a mapping (a ModuleDict too) or (key, module) pairs."""
        for key, module in _pairs(modules):
            self[key] = module

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()


class ParameterList(Module):
    """A list of parameters, registered as "0", "1", ... (a Tensor is made a Parameter)."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return list(self._parameters.values())[_position(self, index)]

    def __setitem__(self, index: int, value: Any) -> None:
        self.register_parameter(str(_position(self, index)), _as_parameter(value))

    def append(self, value: Any) -> ParameterList:
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __repr__(self) -> str:
        return _repr_lines(self, [f"({name}): {_describe(p)}"
                                  for name, p in self._parameters.items()])


class ParameterDict(Module):
    """A dict of parameters, registered under their keys (a Tensor is made a Parameter)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple]) -> None:
        """Add or replace parameters from a mapping (a ParameterDict too) or (key, value) pairs."""
        for key, value in _pairs(parameters):
            self[key] = value

    def pop(self, key: str) -> Parameter:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._parameters.clear()

    def __repr__(self) -> str:
        return _repr_lines(self, [f"({key}): {_describe(p)}"
                                  for key, p in self._parameters.items()])


def _pairs(entries: Any) -> Iterable[tuple]:
    """(key, value) pairs of a mapping, of a ModuleDict/ParameterDict, or the pairs given."""
    if isinstance(entries, (Mapping, ModuleDict, ParameterDict)):
        return list(entries.items())
    return entries


def _as_parameter(value: Any) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.detach())              # as torch: a Parameter, trainable
    raise TypeError(f"expected a Parameter or a Tensor, got {type(value).__name__}")


def _describe(param: Parameter) -> str:
    size = "x".join(str(n) for n in param.shape)
    return f"Parameter containing: [{param.dtype} of size {size}]"


def _position(container: Module, index: int) -> int:
    n = len(container)
    if not -n <= index < n:
        raise IndexError(f"{type(container).__name__}: index {index} is out of range "
                         f"for {n} entries")
    return index % n


def _by_position(container: Module, index: int) -> Module:
    return list(container._modules.values())[_position(container, index)]
