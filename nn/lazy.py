"""Lazy layers, as torch's: LazyLinear(out_features) and the others learn their input
size (in_features, in_channels, num_features) from the first input they see.

Until then their parameters are empty placeholders. At the first call the layer builds
the module it stands for (a Linear of the size seen, initialized by Linear's own rules),
moves those values into the placeholders (the same Parameter objects, so an optimizer
made before the first call trains them) and becomes that class: after the first call a
LazyLinear is a Linear.
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.dtypes import get_default_dtype, to_dtype
from tinygrad_edu.random import fork_rng

from .layers import Conv2d, ConvTranspose2d, Linear
from .layers_1d import Conv1d, ConvTranspose1d
from .layers_3d import Conv3d, ConvTranspose3d
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .normalization_more import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d


class _Lazy(Module):
    """A layer waiting for its first input; see the module docstring."""

    cls_to_become: type
    size_name: str                                   # the constructor argument it infers

    def __init__(self, parameters: tuple, *args: Any, buffers: tuple = (),
                 **kwargs: Any) -> None:
        super().__init__()
        self._args, self._kwargs = args, kwargs
        dtype = to_dtype(kwargs.get("dtype") or get_default_dtype())
        for name in parameters:
            self.register_parameter(name, Parameter(np.zeros(0, dtype)))
        for name in buffers:                 # (placeholders too: .double() converts them)
            self.register_buffer(name, Tensor(np.zeros(0, dtype)))

    def _input_size(self, input: Tensor) -> int:
        """The size the layer infers: channels (axis 1, or 0 unbatched) by default."""
        return input.shape[1 if input.ndim > self.unbatched_ndim else 0]

    unbatched_ndim = 3

    def _size_in_state(self, state_dict: dict, prefix: str) -> int | None:
        """The size a checkpoint's weight implies (None when it holds no weight)."""
        weight = state_dict.get(prefix + "weight")
        return None if _empty(weight) else weight.shape[1]

    def __call__(self, input: Tensor, *args: Any, **kwargs: Any) -> Any:
        if self._lazy():
            self._materialize(self._input_size(input))
        return Module.__call__(self, input, *args, **kwargs)       # (self may be a Linear now)

    def has_uninitialized_params(self) -> bool:
        """Whether the layer still waits for its first input (torch's LazyModuleMixin;
        after it, the layer is the class it stood for, which has no such method)."""
        return self._lazy()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Build the layer for `input`'s size without calling it, as torch's. It becomes
        the class it stood for at once (torch waits for the first call to switch)."""
        if self._lazy():
            self._materialize(self._input_size(input))

    def reset_parameters(self) -> None:
        """Nothing to reset before the first input, as torch's lazy layers (the layer
        initializes its parameters when it is built)."""

    def _lazy(self) -> bool:
        return type(self).__dict__.get("cls_to_become") is not None

    def _prepare_to_load(self, state_dict: dict, prefix: str) -> None:
        """A checkpoint's weight builds the layer; without one (a bias alone), each entry
        it does hold takes its shape, to be loaded into and kept at the first call (as
        torch's lazy parameters materialize to the checkpoint's shape)."""
        if not self._lazy():
            return
        size = self._size_in_state(state_dict, prefix)
        if size is not None:
            return self._materialize(size)
        for name, placeholder in (*self._parameters.items(), *self._buffers.items()):
            value = state_dict.get(prefix + name)
            if placeholder is not None and placeholder.numel() == 0 and not _empty(value):
                placeholder.data = np.zeros(np.shape(value), placeholder.dtype)

    def _materialize(self, size: int) -> None:
        placeholders = [t for t in (*self._parameters.values(), *self._buffers.values())
                        if t is not None]
        kwargs = dict(self._kwargs)
        if placeholders:                               # as converted by .double() & co
            kwargs["dtype"] = placeholders[0].dtype
        built = self.cls_to_become(size, *self._args, **kwargs)
        for name, param in built._parameters.items():
            placeholder = self._parameters.get(name)
            if placeholder is not None and param is not None:
                placeholder.data = self._kept(name, placeholder, param)
            else:
                self._parameters[name] = param
        for name, value in built._buffers.items():
            if self._buffers.get(name) is not None:
                value.data = self._kept(name, self._buffers[name], value)
            self.register_buffer(name, value, persistent=name not in built._non_persistent)
        own = set(vars(Module()))                    # registries and hooks: keep ours
        for name, value in vars(built).items():
            if name not in own:
                self.__dict__[name] = value
        for name in ("_args", "_kwargs"):
            self.__dict__.pop(name)
        self.__class__ = self.cls_to_become

    def _kept(self, name: str, placeholder: Tensor, built: Tensor) -> np.ndarray:
        """The built layer's value for a placeholder, or the one a checkpoint loaded."""
        if placeholder.numel() == 0 or name == "num_batches_tracked":
            return built.data
        if placeholder.shape != built.shape:
            raise ValueError(f"{type(self).__name__}: the {name} loaded from a checkpoint has "
                             f"shape {tuple(placeholder.shape)}, but the "
                             f"{self.cls_to_become.__name__} built for this input needs "
                             f"{tuple(built.shape)}")
        return placeholder.data

    def extra_repr(self) -> str:
        """The built layer's, with the inferred size still 0 (torch's form); made under
        fork_rng, so that printing draws nothing from the shared random stream."""
        with fork_rng():
            return self.cls_to_become(0, *self._args, **self._kwargs).extra_repr()


def _empty(value: Any) -> bool:
    """No checkpoint value, or an unbuilt lazy layer's placeholder (size 0)."""
    return value is None or np.asarray(value).size == 0


class LazyLinear(_Lazy):
    """Linear(in_features, out_features, ...) with in_features = the input's last size."""

    cls_to_become, size_name = Linear, "in_features"

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(("weight", "bias") if bias else ("weight",), out_features,
                         bias=bias, device=device, dtype=dtype)
        if not bias:
            self.register_parameter("bias", None)

    def _input_size(self, input: Tensor) -> int:
        return input.shape[-1]


def _lazy_conv(base: type, unbatched: int) -> type:
    class LazyConv(_Lazy):
        __doc__ = f"{base.__name__} with in_channels = the input's channels."
        cls_to_become, size_name, unbatched_ndim = base, "in_channels", unbatched

        def __init__(self, out_channels: int, kernel_size: Any, *args: Any,
                     bias: bool = True, **kwargs: Any) -> None:
            super().__init__(("weight", "bias") if bias else ("weight",), out_channels,
                             kernel_size, *args, bias=bias, **kwargs)
            if not bias:
                self.register_parameter("bias", None)
            # the other arguments are checked now, as torch does: a small layer of the kind
            # this one becomes, with as few input channels as its groups allow (its random
            # initialisation must not move the shared generator)
            arguments = inspect.signature(base).bind(0, *self._args, **self._kwargs).arguments
            with fork_rng():
                base(**{**arguments, "in_channels": arguments.get("groups", 1)})
        def _size_in_state(self, state_dict: dict, prefix: str) -> int | None:
            weight = state_dict.get(prefix + "weight")
            if _empty(weight):
                return None
            if base.transposed:
                return weight.shape[0]
            groups = (self._args[5] if len(self._args) > 5 else None) or \
                self._kwargs.get("groups", 1)
            return weight.shape[1] * groups
    LazyConv.__name__ = LazyConv.__qualname__ = "Lazy" + base.__name__
    return LazyConv


def _lazy_norm(base: type, unbatched: int) -> type:
    """Lazy BatchNorm / InstanceNorm. As in torch, affine and track_running_stats default to
    True for both (InstanceNorm itself defaults them to False)."""
    class LazyNorm(_Lazy):
        __doc__ = f"{base.__name__} with num_features = the input's channels."
        cls_to_become, size_name, unbatched_ndim = base, "num_features", unbatched
        optional_state, _version = base.optional_state, base._version

        def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1,
                     affine: bool = True, track_running_stats: bool = True,
                     device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
            parameters = (("weight", "bias") if bias else ("weight",)) if affine else ()
            super().__init__(parameters, eps, momentum, affine, track_running_stats, device,
                             dtype=dtype, bias=bias,
                             buffers=("running_mean", "running_var") if track_running_stats
                             else ())
            if affine and not bias:
                self.register_parameter("bias", None)
            if track_running_stats:             # (a real count already, as torch's)
                self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))

        def _size_in_state(self, state_dict: dict, prefix: str) -> int | None:
            for name in ("weight", "bias", "running_mean", "running_var"):
                if not _empty(state_dict.get(prefix + name)):
                    return state_dict[prefix + name].shape[0]
            return None
    LazyNorm.__name__ = LazyNorm.__qualname__ = "Lazy" + base.__name__
    return LazyNorm


LazyConv1d, LazyConvTranspose1d = _lazy_conv(Conv1d, 2), _lazy_conv(ConvTranspose1d, 2)
LazyConv2d, LazyConvTranspose2d = _lazy_conv(Conv2d, 3), _lazy_conv(ConvTranspose2d, 3)
LazyConv3d, LazyConvTranspose3d = _lazy_conv(Conv3d, 4), _lazy_conv(ConvTranspose3d, 4)
LazyBatchNorm1d, LazyBatchNorm2d = _lazy_norm(BatchNorm1d, 1), _lazy_norm(BatchNorm2d, 3)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d, 4)
LazyInstanceNorm1d, LazyInstanceNorm2d = _lazy_norm(InstanceNorm1d, 2), _lazy_norm(
    InstanceNorm2d, 3)
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d, 4)
