"""torch.nn.modules' submodule paths, as model libraries spell them in isinstance checks
and imports (`torch.nn.modules.batchnorm._BatchNorm`, `from torch.nn.modules.utils import
_pair`): `nn.modules.<name>` serves every public name of nn and the base classes torch
keeps in that file."""
from __future__ import annotations

import collections.abc
import itertools
import sys
import types
from typing import Any, Callable

from . import adaptive_softmax, layers, loss, module, normalization, normalization_more, padding


def _ntuple(n: int, name: str = "parse") -> Callable:
    """torch's helper: a number repeated n times, an iterable as a tuple."""
    def parse(x: Any) -> tuple:
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(itertools.repeat(x, n))
    parse.__name__ = name
    return parse


def consume_prefix_in_state_dict_if_present(state_dict: dict, prefix: str) -> None:
    """torch's helper for a checkpoint saved from a wrapper (DataParallel's 'module.' before
    every key): strip `prefix` from the keys that start with it, in place, and from the
    keys of `state_dict._metadata` (the wrapper's own entry becomes the root's, '')."""
    for key in list(state_dict):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    for key in list(metadata or ()):
        if key and (key == prefix.replace(".", "") or key.startswith(prefix)):
            metadata[key[len(prefix):]] = metadata.pop(key)


BASES = {
    "adaptive": {"_ASMoutput": adaptive_softmax._ASMoutput},
    "batchnorm": {"_BatchNorm": normalization._BatchNorm, "_NormBase": normalization._BatchNorm},
    "instancenorm": {"_InstanceNorm": normalization_more._InstanceNorm},
    "conv": {"_ConvNd": layers._ConvNd, "_ConvTransposeNd": layers._ConvTranspose},
    "pooling": {"_MaxPoolNd": layers._MaxPoolNd},
    "loss": {"_Loss": loss._Loss, "_WeightedLoss": loss._WeightedLoss},
    "dropout": {"_DropoutNd": layers.Dropout},
    "padding": {"_ConstantPadNd": padding._ConstantPadNd,
                "_ReflectionPadNd": padding._ReflectionPadNd},
    "module": {name: getattr(module, name) for name in (
        "register_module_forward_hook", "register_module_forward_pre_hook",
        "register_module_full_backward_hook", "register_module_full_backward_pre_hook",
        "register_module_backward_hook")},
    "utils": {"consume_prefix_in_state_dict_if_present": consume_prefix_in_state_dict_if_present,
              "_ntuple": _ntuple, "_single": _ntuple(1, "_single"), "_pair": _ntuple(2, "_pair"),
              "_triple": _ntuple(3, "_triple"), "_quadruple": _ntuple(4, "_quadruple")},
}
SUBMODULES = ("activation", "adaptive", "batchnorm", "channelshuffle", "container", "conv",
              "distance", "dropout", "flatten", "fold", "instancenorm", "linear", "loss", "module",
              "normalization", "padding", "pixelshuffle", "pooling", "rnn", "sparse",
              "transformer", "upsampling", "utils")


def _submodule(name: str) -> types.ModuleType:
    module = types.ModuleType(f"nn.modules.{name}", f"torch.nn.modules.{name}'s names")
    vars(module).update(BASES.get(name, {}))
    module.__getattr__ = lambda attribute: getattr(sys.modules["nn"], attribute)
    return module


modules = types.ModuleType("nn.modules", "torch.nn.modules: nn's names, by torch's file names")
modules.__getattr__ = lambda attribute: getattr(sys.modules["nn"], attribute)
for _name in SUBMODULES:
    setattr(modules, _name, _submodule(_name))
    sys.modules[f"nn.modules.{_name}"] = getattr(modules, _name)
vars(modules).update(BASES["module"])                  # (nn.modules.register_module_...)
sys.modules["nn.modules"] = modules
sys.modules["nn"].modules = modules

parameter = types.ModuleType("nn.parameter", "torch.nn.parameter: Parameter and Buffer")
parameter.Parameter, parameter.Buffer = module.Parameter, module.Buffer
sys.modules["nn.parameter"] = sys.modules["nn"].parameter = parameter
