"""`save` / `load`: nested dicts and lists of Tensors, arrays, numbers and strings in one `.npz`.

No pickle: the nesting (with the numbers and strings) is stored as JSON in the
archive entry `__structure__`, and every array under its own entry, so a
checkpoint can be read back with plain `numpy.load(path)` and never runs code.
A Tensor (or array) met twice is stored once and comes back as one object, as in torch
(tied weights stay tied); unlike torch, views of one tensor come back as separate copies.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from .device import check_device
from .tensor import Tensor

_STRUCTURE = "__structure__"
_ZIP_END = b"PK\x05\x06"        # a zip archive's last record: 22 bytes, then a comment

TORCH_HINT = ("a torch tensor or checkpoint? load it with torch and pass a dict of its "
              "tensors' .numpy() arrays: {k: v.numpy() for k, v in state_dict.items()}")


def type_name(obj: Any) -> str:
    """The name of obj's type for an error message, with its package when it is foreign
    (a torch.Tensor is not "a Tensor"), and the torch hint for torch's objects."""
    kind = type(obj)
    package = kind.__module__.split(".")[0]
    if package in ("builtins", "tinygrad_edu", "nn", "numpy"):
        return kind.__name__
    name = f"{package}.{kind.__name__}"
    return f"{name} ({TORCH_HINT})" if package == "torch" else name


_KEY_TYPES = (str, int, float, bool, type(None))


def _encode(obj: Any, arrays: dict, seen: dict) -> Any:
    """obj as JSON, its arrays put into `arrays`; `seen` maps id(tensor or array) to the
    node written for it, so an object met again refers to the same entry."""
    if isinstance(obj, (Tensor, np.ndarray)):
        if id(obj) in seen:
            return seen[id(obj)]
        key = f"a{len(arrays)}"
        arrays[key] = obj.data if isinstance(obj, Tensor) else obj
        if arrays[key].dtype.hasobject:          # numpy would pickle it
            raise TypeError("save: cannot store an array of Python objects (dtype object); "
                            "expected numbers, bools or strings")
        if not isinstance(obj, Tensor):
            node = {"__array__": key}
        else:
            node = {"__tensor__": key, "requires_grad": True} if obj.requires_grad else {
                "__tensor__": key}
        seen[id(obj)] = node
        return node
    if isinstance(obj, dict):
        if all(type(k) is str for k in obj):
            node = {"__dict__": {k: _encode(v, arrays, seen) for k, v in obj.items()}}
        else:
            node = {"__items__": [[_dict_key(k), _encode(v, arrays, seen)]
                                  for k, v in obj.items()]}
        if isinstance(obj, OrderedDict):         # a state_dict: its class, and the module
            node["ordered"] = True               # versions torch keeps in _metadata
            if getattr(obj, "_metadata", None) is not None:
                node["metadata"] = _encode(obj._metadata, arrays, seen)
        return node
    if isinstance(obj, (list, tuple)):
        return {"__list__" if isinstance(obj, list) else "__tuple__":
                [_encode(v, arrays, seen) for v in obj]}
    if isinstance(obj, (np.generic,)):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    hint = (f" (save {type(obj).__name__}.state_dict(), then load_state_dict into a new "
            "one: no pickled objects here)") if hasattr(obj, "state_dict") else ""
    raise TypeError(f"save: cannot store a {type_name(obj)}; expected Tensors, arrays, "
                    f"numbers, strings, None, and dicts/lists of them{hint}")


def _dict_key(key: Any) -> Any:
    """A dict key other than a string (an optimizer's parameter index, a class label)."""
    if isinstance(key, np.generic):
        key = key.item()
    if not isinstance(key, _KEY_TYPES):
        raise TypeError(f"save: dictionary keys must be strings, numbers, bools or None, got "
                        f"a {type(key).__name__}")
    return key


def _decode(node: Any, archive: dict, made: dict) -> Any:
    """The object `node` describes; `made` maps an archive entry to the Tensor or array
    already made from it (an object saved twice comes back as one)."""
    if not isinstance(node, dict):
        return node
    (kind, value), *_ = node.items()
    if kind in ("__tensor__", "__array__"):
        if value not in made:
            made[value] = archive[value] if kind == "__array__" else Tensor._from_node(
                archive[value], None).requires_grad_(node.get("requires_grad", False))
        return made[value]
    if kind in ("__dict__", "__items__"):
        pairs = value.items() if kind == "__dict__" else value
        decoded = {k: _decode(v, archive, made) for k, v in pairs}
        if not node.get("ordered"):
            return decoded
        ordered = OrderedDict(decoded)
        if "metadata" in node:
            ordered._metadata = _decode(node["metadata"], archive, made)
        return ordered
    items = [_decode(v, archive, made) for v in value]
    return items if kind == "__list__" else tuple(items)


def save(obj: Any, f: str | os.PathLike | BinaryIO, pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """Write `obj` to exactly the path `f` (an `.npz` archive whatever the suffix, so
    `save(state, "model.pt")` then `load("model.pt")` works as in torch), or into the
    binary file object `f` (an open file, `io.BytesIO`). torch's pickling options are
    accepted and change nothing (nothing is pickled); a pickle_module is refused."""
    if pickle_module is not None:
        raise ValueError("save: nothing is pickled here, so there is no pickle_module to "
                         "use (leave it out)")
    arrays: dict = {}
    structure = json.dumps(_encode(obj, arrays, {}))
    entries = {**arrays, _STRUCTURE: np.array(structure)}
    if hasattr(f, "write"):
        np.savez(f, **entries, allow_pickle=False)
        return
    with open(f, "wb") as file:                  # a file: numpy adds no '.npz' to the name
        np.savez(file, **entries, allow_pickle=False)


def _first_archive(f: BinaryIO) -> io.BytesIO:
    """The first archive saved into the file object f from where it stands, and f left just
    after it, so that the next load reads the next one (as torch). np.load alone would read
    the last: a zip is read from its end record. (Not an archive: all the bytes.)"""
    data = f.read()
    end = data.find(_ZIP_END)
    while end != -1:                     # array data may hold the same 4 bytes: try each
        stop = end + 22 + int.from_bytes(data[end + 20:end + 22], "little")
        try:
            with zipfile.ZipFile(io.BytesIO(data[:stop])) as archive:
                if f"{_STRUCTURE}.npy" in archive.namelist():
                    f.seek(stop - len(data), os.SEEK_CUR)
                    return io.BytesIO(data[:stop])
        except zipfile.BadZipFile:
            pass
        end = data.find(_ZIP_END, end + 1)
    return io.BytesIO(data)


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None,
         weights_only: bool | None = None, *, mmap: bool | None = None) -> Any:
    """Read back what `save` wrote, from a path or a binary file object. Tensors come back
    as leaves that require grad if the saved ones did (an `nn.Parameter` comes back as
    such a Tensor: this package cannot name nn's class), tuples as tuples.

    torch's keywords are accepted. Everything loads onto the CPU: `map_location` may be
    None, the CPU, a dict whose targets are the CPU ({'cuda:0': 'cpu'}) or a function
    (torch's `lambda storage, loc: storage`, not called: the data is CPU arrays already).
    The file never holds pickled code, so loading is always what torch calls `weights_only`.
    `mmap` is accepted: the arrays are read into memory either way (the result is the same).
    """
    if isinstance(map_location, dict):
        for target in map_location.values():
            check_device(target, "load")
    elif not callable(map_location):
        check_device(map_location, "load")
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"load: weights_only must be a bool or None, got {weights_only!r}")
    try:
        archive = np.load(_first_archive(f) if hasattr(f, "read") else f, allow_pickle=False)
    except ValueError:                           # numpy found pickled data (or text)
        raise ValueError(f"load: {f} was not written by tinygrad_edu.save, which writes an "
                         f".npz archive without pickled objects ({TORCH_HINT})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {f} holds one numpy array (a .npy file), not an archive "
                         "written by tinygrad_edu.save; read it with numpy.load")
    with archive:
        if _STRUCTURE not in archive.files:
            raise ValueError(f"load: {f} was not written by tinygrad_edu.save (no "
                             f"'{_STRUCTURE}' entry; {TORCH_HINT})")
        arrays = {k: archive[k] for k in archive.files}
    return _decode(json.loads(str(arrays[_STRUCTURE])), arrays, {})
