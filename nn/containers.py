"""Containers that register what they hold: Sequential, ModuleList, ModuleDict (modules),
ParameterList, ParameterDict (parameters). Each is a list or dict view of one of the
module's registries (`_modules` or `_parameters`), so what they hold is found by
`parameters()`, saved by `state_dict()` and converted by `.to()`."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from tinygrad_edu import Tensor

from .module import Module, Parameter, _indent, _repr_lines


class _Registry(Module):
    """A container over one registry: `_table`; `_put(name, value)` registers a value."""

    _table = "_modules"

    def _entries(self) -> OrderedDict:
        return self.__dict__[self._table]

    def _put(self, name: str, value: Any) -> None:
        self.add_module(name, value)

    def __len__(self) -> int:
        return len(self._entries())


class _RegistrySequence(_Registry):
    """What the lists share: entries at positions 0, 1, ...; `del`, `insert` and `pop`
    renumber them "0", "1", ... again, as torch does."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._entries().values())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self)[index])
        return list(self._entries().values())[_position(self, index)]

    def __setitem__(self, index: int, value: Any) -> None:
        self._put(list(self._entries())[_position(self, index)], value)

    def __delitem__(self, index: int | slice) -> None:
        values = list(self._entries().values())
        del values[index if isinstance(index, slice) else _position(self, index)]
        self._renumber(values)

    def append(self, value: Any) -> _RegistrySequence:
        self._put(str(len(self)), value)
        return self

    def extend(self, values: Iterable[Any]) -> _RegistrySequence:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(f"{type(self).__name__}.extend: expected an iterable of entries "
                            f"(a list, another container), got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def __iadd__(self, values: Iterable[Any]) -> _RegistrySequence:
        return self.extend(values)

    def insert(self, index: int, value: Any) -> None:
        values = list(self._entries().values())
        values.insert(index, value)
        self._renumber(values)

    def pop(self, index: int = -1) -> Any:
        value = self[index]
        del self[index]
        return value

    def _renumber(self, values: list) -> None:
        self._entries().clear()
        self.extend(values)


class _RegistryDict(_Registry):
    """What the dicts share: entries under their keys, in insertion order."""

    def __init__(self, entries: Mapping[str, Any] | Iterable[tuple] | None = None) -> None:
        super().__init__()
        if entries is not None:
            self.update(entries)

    def __getitem__(self, key: str) -> Any:
        return self._entries()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._put(key, value)

    def __delitem__(self, key: str) -> None:
        del self._entries()[key]

    def __contains__(self, key: str) -> bool:
        return key in self._entries()

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def keys(self) -> Iterable[str]:
        return self._entries().keys()

    def values(self) -> Iterable[Any]:
        return self._entries().values()

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._entries().items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._entries().get(key, default)

    def update(self, entries: Mapping[str, Any] | Iterable[tuple]) -> None:
        """Add or replace entries from a mapping (a ModuleDict/ParameterDict too) or from
        (key, value) pairs."""
        if isinstance(entries, (Mapping, _RegistryDict)):
            entries = list(entries.items())
        elif not isinstance(entries, Iterable) or isinstance(entries, Tensor):
            raise TypeError(f"{type(self).__name__}.update: expected a mapping or (key, value) "
                            f"pairs, got {type(entries).__name__}")
        for i, pair in enumerate(entries):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"{type(self).__name__}.update: entry #{i} must be a (key, "
                                 f"value) pair, got a {type(pair).__name__}"
                                 + (f" of length {len(pair)}" if isinstance(pair, (tuple, list))
                                    else ""))
            self[pair[0]] = pair[1]

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._entries().clear()

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._entries()))


# ---------------------------------------------------------------------------- modules
class Sequential(_RegistrySequence):
    """Calls its modules in order: `Sequential(a, b)(x) == b(a(x))`. Children are named
    "0", "1", ... or by the keys of an OrderedDict passed as the only argument."""

    def __init__(self, *modules: Module) -> None:
        named = len(modules) == 1 and isinstance(modules[0], OrderedDict)
        super().__init__(None if named else modules)
        for name, module in (modules[0].items() if named else ()):
            self.add_module(name, module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):                 # keeps the children's names
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return super().__getitem__(index)

    def __add__(self, other: Sequential) -> Sequential:
        return Sequential(*self, *other)

    def __mul__(self, times: int) -> Sequential:
        """The same modules `times` over (shared, not copied), as torch."""
        if not isinstance(times, int) or times <= 0:
            raise ValueError(f"Sequential * {times!r}: expected a positive int")
        return Sequential(*(list(self) * times))

    __rmul__ = __mul__

    def __imul__(self, times: int) -> Sequential:
        repeated = self * times
        self._modules.clear()
        for i, module in enumerate(repeated):
            self.add_module(str(i), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Put `module` before position `index` (torch: an IndexError past either end)."""
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for "
                             f"{n} modules")
        index += n if index < 0 else 0
        items = list(self._modules.items())     # as torch: the names before index are kept,
        self._modules.clear()                   # the module and those after are numbered
        for name, child in items[:index]:
            self.add_module(name, child)
        for position, child in enumerate([module] + [m for _, m in items[index:]], index):
            self.add_module(str(position), child)
        return self


class ModuleList(_RegistrySequence):
    """A list of modules, registered as children "0", "1", ... (use it instead of a plain list)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:   # (torch's name)
        super().__init__(modules)

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


class ModuleDict(_RegistryDict):
    """A dict of modules, registered as children under their keys (in insertion order)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple] | None = None) -> None:
        super().__init__(modules)


# ---------------------------------------------------------------------------- parameters
class _ParameterRegistry(_Registry):
    """Entries are parameters (a Tensor given is made a trainable Parameter, as torch)."""

    _table = "_parameters"

    def _put(self, name: str, value: Any) -> None:
        self.register_parameter(name, _as_parameter(value))

    def __repr__(self) -> str:           # torch indents these entries by four spaces
        return _repr_lines(self, [f"  ({name}): {_describe(p)}"
                                  for name, p in self._parameters.items()])


class ParameterList(_ParameterRegistry, _RegistrySequence):
    """A list of parameters, registered as "0", "1", ... (use it instead of a plain list)."""


class ParameterDict(_ParameterRegistry, _RegistryDict):
    """A dict of parameters, registered under their keys: in insertion order, except that
    a plain dict given to the constructor or `update` is added in sorted key order (torch's
    rule; an OrderedDict or a ParameterDict keeps its own order)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple] | None = None) -> None:
        super().__init__(parameters)

    def update(self, entries: Mapping[str, Any] | Iterable[tuple]) -> None:
        if isinstance(entries, Mapping) and not isinstance(entries, OrderedDict):
            entries = sorted(entries.items())
        super().update(entries)

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameter objects."""
        return ParameterDict(OrderedDict(self.items()))

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last entry added."""
        if not len(self):
            raise KeyError("ParameterDict.popitem: the dict is empty")
        key = next(reversed(self))
        return key, self.pop(key)

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ParameterDict with each key holding `default` (a Parameter of it)."""
        return ParameterDict(OrderedDict((key, default) for key in keys))

    def __or__(self, other: Mapping[str, Any]) -> ParameterDict:
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other: Mapping[str, Any]) -> Any:
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other: Mapping[str, Any]) -> ParameterDict:
        self.update(other)
        return self


def _as_parameter(value: Any) -> Parameter | None:
    if value is None or isinstance(value, Parameter):        # (None: a slot, as torch)
        return value
    if isinstance(value, Tensor):
        return Parameter(value.detach())
    raise TypeError(f"expected a Parameter or a Tensor, got {type(value).__name__}")


def _describe(param: Parameter | None) -> str:
    if param is None:
        return "Object of type: NoneType"
    size = "x".join(str(n) for n in param.shape)
    return f"Parameter containing: [{param.dtype} of size {size}]"


def _position(container: Module, index: int) -> int:
    n = len(container)
    if not -n <= index < n:
        raise IndexError(f"{type(container).__name__}: index {index} is out of range "
                         f"for {n} entries")
    return index % n
