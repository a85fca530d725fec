"""The one device: the CPU, where numpy computes.

torch code names a device everywhere (`torch.zeros(3, device=device)`, `x.to(device)`,
`model.to("cpu")`), so the same calls are accepted here: 'cpu' (or 'cpu:0', or a torch
device whose str() is 'cpu') does nothing, any other device is a clear error.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hip", "meta", "xla", "vulkan", "ipu", "hpu")
"""The device names torch knows: an argument of `.to()` that starts with one is a device."""


class device(str):
    """torch.device: device('cpu') or device('cuda', 0); a str ('cpu', 'cuda:0') with
    torch's .type and .index. Naming another device is fine; computing on it is not."""

    def __new__(cls, type: str, index: int | None = None) -> device:
        name = str(type) if index is None else f"{type}:{index}"
        if not is_device(name):
            raise ValueError(f"device: expected one of {', '.join(DEVICE_TYPES)} (with an "
                             f"optional ':index'), got {name!r}")
        return super().__new__(cls, name)

    @property
    def type(self) -> str:
        return str(self).partition(":")[0]

    @property
    def index(self) -> int | None:
        index = str(self).partition(":")[2]
        return int(index) if index else None

    def __repr__(self) -> str:
        return f"device(type={self.type!r}" + (
            f", index={self.index})" if self.index is not None else ")")


def is_device(value: Any) -> bool:
    """Whether `value` names a device (as opposed to a dtype), as `.to(...)` reads it."""
    return (isinstance(value, str) or type(value).__name__ == "device") and str(
        value).split(":")[0] in DEVICE_TYPES


CPU = device("cpu")
"""Where every tensor lives (`Tensor.device`)."""


def check_device(device: Any, op: str) -> None:
    """Accept None and the CPU; anything else is an error naming the op."""
    if device is None or (is_device(device) and str(device) in ("cpu", "cpu:0")):
        return
    raise RuntimeError(f"{op}: tinygrad_edu computes on the CPU only (with numpy); got "
                       f"device {str(device)!r}. Use 'cpu' or leave device out.")


def set_default_device(device: Any) -> None:
    """torch.set_default_device: the CPU (or None) is accepted, and is where tensors are
    made anyway; any other device is an error, as for `device=` arguments."""
    check_device(device, "set_default_device")


def get_default_device() -> device:
    return CPU


def to_arguments(args: tuple, dtype: Any, device: Any, op: str) -> Any:
    """Read torch's `.to(...)` forms: to(dtype), to(device), to(device, dtype), to(tensor)
    (its dtype), and the keywords. Checks the device; returns the dtype (None: keep)."""
    from .tensor import Tensor                      # (tensor.py imports this module)
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif is_device(arg):
            device = arg
        else:
            dtype = arg
    check_device(device, op)
    return dtype


def _false() -> bool:
    return False


def _zero() -> int:
    return 0


def _no_accelerator() -> None:
    return None


def _seed_nothing(seed: int) -> None:
    """There is no GPU generator to seed (torch, without CUDA, does nothing either)."""


cuda = SimpleNamespace(is_available=_false, device_count=_zero, manual_seed=_seed_nothing,
                       manual_seed_all=_seed_nothing, is_bf16_supported=_false)
"""`tg.cuda.is_available()` is False, as torch says on a machine without a GPU, so torch's
`device = "cuda" if torch.cuda.is_available() else "cpu"` picks the CPU here."""

accelerator = SimpleNamespace(is_available=_false, device_count=_zero,
                              current_accelerator=_no_accelerator)
"""torch.accelerator's answers on a CPU-only machine (its newer tutorials ask it)."""

backends = SimpleNamespace(mps=SimpleNamespace(is_available=_false, is_built=_false),
                           cudnn=SimpleNamespace(is_available=_false, enabled=False,
                                                 benchmark=False, deterministic=False,
                                                 allow_tf32=True),
                           cuda=SimpleNamespace(is_built=_false,
                                                matmul=SimpleNamespace(allow_tf32=False)))
"""`tg.backends.mps.is_available()` is False (the Apple GPU check of torch's tutorials);
`tg.backends.cudnn.benchmark = True`, `tg.backends.cuda.matmul.allow_tf32 = True` and the
like may be set and change nothing."""


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:   # noqa: A001 - torch's name
    """torch.compile: there is no compiler here (numpy runs each op as it comes), so the
    model or function is returned as it is, and without one a decorator that does the
    same. The options are accepted and change nothing."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: expected a Module or a function, got {type(model).__name__}")
    return model


class memory_format:
    """torch.channels_last and the other memory layouts torch may give a tensor. Arrays
    here keep numpy's row-major (NCHW) order whatever is asked, so `model.to(memory_format=
    tg.channels_last)` (timm's --channels-last) is accepted and changes nothing;
    `x.is_contiguous(memory_format=...)` answers for the array's actual layout."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"


contiguous_format, preserve_format = memory_format("contiguous_format"), memory_format(
    "preserve_format")
channels_last, channels_last_3d = memory_format("channels_last"), memory_format(
    "channels_last_3d")


def check_memory_format(value: Any, op: str) -> None:
    if value is not None and not isinstance(value, memory_format):
        raise TypeError(f"{op}: memory_format must be one of torch's formats "
                        f"(tg.contiguous_format, tg.channels_last, ...), got {value!r}")
