"""The layers: thin Modules that hold parameters and call `nn.functional`.

Initialisation is torch's default: weights kaiming_uniform_(a=sqrt(5)), which is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
drawn weight first, then bias, from the library's seeded generator.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.conv import _check_groups, conv_padding
from tinygrad_edu.device import check_device
from tinygrad_edu.dtypes import get_default_dtype, to_dtype
from tinygrad_edu.shapes import int_tuple, new_shape
from tinygrad_edu.tensor import _tensor

from . import functional as F
from . import init
from .module import Module, Parameter


def _empty(*shape: int, dtype: Any, op: str) -> Parameter:
    """A parameter of zeros, to be filled by an init (`op`: the layer, named in errors)."""
    return Parameter(np.zeros(new_shape(shape, op), dtype=to_dtype(dtype or get_default_dtype())))


def _reset_like_torch(weight: Parameter, bias: Parameter | None, fan_in: int) -> None:
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x @ weight^T + bias; weight (out_features, in_features)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "Linear")
        self.in_features, self.out_features = in_features, out_features
        self.weight = _empty(out_features, in_features, dtype=dtype, op="Linear")
        self.register_parameter("bias", _empty(out_features, dtype=dtype, op="Linear") if bias
                                else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_like_torch(self.weight, self.bias, self.in_features)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y = x1^T A_o x2 + b_o for each output feature o; weight (out_features, in1_features,
    in2_features), both initialised uniform on +-1/sqrt(in1_features), as torch."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device, "Bilinear")
        if in1_features <= 0:                  # (the weights' bound is 1/sqrt(in1_features))
            raise ValueError(f"Bilinear: in1_features must be > 0, got {in1_features}")
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = _empty(out_features, in1_features, in2_features, dtype=dtype,
                             op="Bilinear")
        self.register_parameter("bias", _empty(out_features, dtype=dtype, op="Bilinear")
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        for p in (self.weight, self.bias):
            if p is not None:
                init.uniform_(p, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What convolutions share: options, parameters, init, repr, padding_mode, for
    `spatial` axes (2 here; Conv1d in layers_1d.py sets 1). Bad options fail here, not at
    the first forward."""

    transposed = False
    spatial = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, dtype: Any,
                 output_padding: Any = 0, padding_mode: str = "zeros") -> None:
        super().__init__()
        name, n = type(self).__name__, self.spatial
        groups = _check_groups(name, groups, in_channels, out_channels)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = int_tuple(kernel_size, n, "kernel_size", name, 1)
        self.stride = int_tuple(stride, n, "stride", name, 1)
        self.dilation = int_tuple(dilation, n, "dilation", name, 1)
        if self.transposed:
            if isinstance(padding, str):
                raise ValueError(f"{name}: padding must be an int or ints, got {padding!r} "
                                 "('valid' and 'same' are for convolutions)")
            self.padding = int_tuple(padding, n, "padding", name, 0)
        else:
            pads = conv_padding(name, padding, self.kernel_size, self.stride, self.dilation)
            self.padding = padding if isinstance(padding, str) else tuple(p for p, _ in pads)
        self.output_padding = int_tuple(output_padding, n, "output_padding", name, 0)
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}, got '
                             f"padding_mode={padding_mode!r}")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of "
                             f"{', '.join(map(repr, PADDING_MODES))}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        # conv: (out, in/groups, *kernel); transposed conv: (in, out/groups, *kernel)
        channels = ((in_channels, out_channels // groups) if self.transposed
                    else (out_channels, in_channels // groups))
        layer = type(self).__name__
        self.weight = _empty(*channels, *self.kernel_size, dtype=dtype, op=layer)
        self.register_parameter("bias", _empty(out_channels, dtype=dtype, op=layer) if bias
                                else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        _reset_like_torch(self.weight, self.bias, fan_in)

    def _padded(self, input: Tensor) -> tuple[Tensor, Any]:
        """(input, padding) for the functional convolution. padding_mode 'zeros' leaves
        the padding to it; 'reflect', 'replicate' or 'circular' pads the input with F.pad
        in that mode (padding='same': torch's split, the smaller half first), padding 0."""
        if self.padding_mode == "zeros" or self.padding == "valid":
            return input, self.padding
        pads = conv_padding(type(self).__name__, self.padding, self.kernel_size, self.stride,
                            self.dilation)
        flat = tuple(amount for pair in reversed(pads) for amount in pair)  # last axis first
        try:
            return F.pad(input, flat, mode=self.padding_mode), 0
        except ValueError as error:                  # (named after the layer the user built)
            raise ValueError(f"{type(self).__name__}: padding={self.padding} with padding_mode="
                             f"{self.padding_mode!r} does not fit the input of shape "
                             f"{tuple(input.shape)} ({error})") from None

    def extra_repr(self) -> str:
        n = self.spatial
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"          # unquoted, as torch
        return text


class _Conv(_ConvNd):
    """A convolution layer calling `functional` (F.conv2d, F.conv1d) with its options.

    padding_mode 'zeros' lets the functional pad with zeros; 'reflect', 'replicate' or
    'circular' first pads the input with `F.pad(input, (left, right, top, bottom), mode)`
    (for padding='same' torch's split: d*(k-1) per axis, the smaller half first), then
    convolves it with padding 0.
    """

    functional: Callable

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        check_device(device, type(self).__name__)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, dtype, padding_mode=padding_mode)

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return type(self).functional(input, self.weight, self.bias, self.stride, padding,
                                     self.dilation, self.groups)


class _ConvTranspose(_ConvNd):
    """A transposed convolution layer calling `functional` (F.conv_transpose2d, ...)."""

    transposed = True
    functional: Callable

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        check_device(device, type(self).__name__)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, dtype, output_padding, padding_mode)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        """With `output_size` (the spatial sizes, or with N and C in front) the output
        padding is the one that gives it, as torch; otherwise the layer's own."""
        extra = self.output_padding if output_size is None else self._output_padding(
            input, output_size)
        return type(self).functional(input, self.weight, self.bias, self.stride, self.padding,
                                     extra, self.groups, self.dilation)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple:
        n = self.spatial
        if len(output_size) not in (n, input.ndim):  # (the spatial sizes, or all of them)
            raise ValueError(f"{type(self).__name__}: for a {input.ndim}-D input, output_size "
                             f"must have {n} or {input.ndim} elements, got "
                             f"{len(output_size)}: {list(output_size)}")
        wanted = tuple(int(v) for v in output_size)[-n:]
        sizes = input.shape[-n:]
        smallest = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 for i, s, p, d, k in zip(
            sizes, self.stride, self.padding, self.dilation, self.kernel_size))
        largest = tuple(low + s - 1 for low, s in zip(smallest, self.stride))   # (torch's)
        if len(wanted) != n or any(not low <= w <= high
                                   for w, low, high in zip(wanted, smallest, largest)):
            raise ValueError(f"{type(self).__name__}: requested an output size of "
                             f"{list(output_size)}, but valid sizes range from "
                             f"{list(smallest)} to {list(largest)} (for an input of "
                             f"{tuple(sizes)})")
        return tuple(w - low for w, low in zip(wanted, smallest))


class Conv2d(_Conv):
    """2-D convolution (cross-correlation) over NCHW input; weight (out, in/groups, kh, kw)."""

    functional = staticmethod(F.conv2d)


class ConvTranspose2d(_ConvTranspose):
    """Transposed convolution (the adjoint of Conv2d); weight (in, out/groups, kh, kw)."""

    functional = staticmethod(F.conv_transpose2d)


class _MaxPoolNd(Module):
    """Max over kernel_size windows (stride defaults to kernel_size) with `functional`;
    the options are kept as given, as torch."""

    functional: Callable

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:
        return type(self).functional(input, self.kernel_size, self.stride, self.padding,
                                     self.dilation, ceil_mode=self.ceil_mode,
                                     return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """Max over kernel_size windows (stride defaults to kernel_size)."""

    functional = staticmethod(F.max_pool2d)


class AvgPool2d(Module):
    """Mean over kernel_size windows (stride defaults to kernel_size)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


# ---------------------------------------------------------------------- activations
class ReLU(Module):
    """max(x, 0). `inplace` is accepted for torch compatibility; the result is always new."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


def _softmax_dim(module: Module, input: Tensor) -> int:
    """torch's legacy choice when dim is None: 0 for 0-, 1- and 3-D input, else 1 (warns)."""
    if module.dim is not None:
        return module.dim
    warnings.warn(f"Implicit dimension choice for {type(module).__name__} has been deprecated; "
                  "pass dim explicitly", stacklevel=3)
    return 0 if input.ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, _softmax_dim(self, input))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along `dim`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, _softmax_dim(self, input))


# ---------------------------------------------------------------------- regularisation, shape
class Dropout(Module):
    """Zero each element with probability p while training, scale the rest by 1/(1-p)."""

    functional = staticmethod(F.dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self).functional(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels with probability p while training, scale the rest by 1/(1-p)."""

    functional = staticmethod(F.dropout2d)


class AlphaDropout(Dropout):
    """nn.functional.alpha_dropout while training (SELU networks): dropped elements take
    SELU's lowest value and the rest is rescaled to keep mean 0 and variance 1."""

    functional = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(Dropout):
    """alpha_dropout of whole channels while training."""

    functional = staticmethod(F.feature_alpha_dropout)


class Flatten(Module):
    """Merge axes start_dim..end_dim (by default everything after the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return _tensor(input).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis `dim` into the axes `unflattened_size` (one entry may be -1: inferred),
    the inverse of Flatten: (N, 12) -> (N, 3, 4) with Unflatten(1, (3, 4)). A reshape."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{type(unflattened_size).__name__}")
        for pos, size in enumerate(unflattened_size):
            if not isinstance(size, int):
                raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                                f"{type(size).__name__} at position {pos}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        shape, sizes = input.shape, tuple(self.unflattened_size)
        if not -input.ndim <= self.dim < input.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for input of shape "
                             f"{shape}")
        axis = self.dim % input.ndim
        known, inferred = math.prod(s for s in sizes if s != -1), sizes.count(-1)
        fits = known > 0 and shape[axis] % known == 0 if inferred else known == shape[axis]
        if inferred > 1 or not fits:
            raise ValueError(f"Unflatten: sizes {sizes} don't multiply up to the size "
                             f"{shape[axis]} of dim {self.dim} of input {shape}")
        return input.reshape(*shape[:axis], *sizes, *shape[axis + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Returns its input (a placeholder that keeps a model's structure, e.g. a removed head)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input
