"""The in-place forms of elementwise methods, torch's `x.exp_()`, `x.clamp_(0, 1)`, ...
(and of the other methods whose result has x's shape: `addmm_`, `renorm_`, ...)

Each computes `x.exp()` and writes the values into x, so views of x see them; the result
must fit x's dtype. Outside any graph that is a plain write. For a tensor in a graph it
is recorded as torch records it: x takes the value and node of exp(x) (see
recorded_writes.py). A leaf that requires grad takes a write only inside no_grad() (the
tutorials' `with no_grad(): image.clamp_(0, 1)`).
The shape methods (`unsqueeze_`, `squeeze_`, `t_`, `transpose_`) give x a new shape over
the same memory.
"""
from __future__ import annotations

from typing import Any, Callable

from . import grad_mode, versions
from .dtypes import can_cast
from .tensor import Tensor

ELEMENTWISE = ("abs", "acos", "acosh", "addcdiv", "addcmul", "addmm", "addmv", "addr", "asin",
               "asinh", "atan", "atan2", "atanh", "ceil", "clamp", "clamp_max", "clamp_min", "cos",
               "cosh", "digamma", "erf", "erfc", "erfinv", "exp", "exp2", "expm1", "floor", "frac",
               "hypot", "i0", "igamma", "igammac", "lerp", "lgamma", "log", "log10", "log1p",
               "log2", "logit", "nan_to_num", "neg", "pow", "reciprocal", "relu", "round", "rsqrt",
               "sigmoid", "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc", "xlogy",
               "eq", "ne", "gt", "ge", "lt", "le", "renorm", "bitwise_and", "bitwise_or",
               "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
               "masked_scatter", "triu", "tril", "logical_not", "logical_and", "logical_or",
               "logical_xor", "baddbmm", "fmod", "remainder", "copysign", "deg2rad", "rad2deg",
               "sinc", "heaviside", "true_divide", "floor_divide", "cumsum", "cumprod",
               "ldexp", "nextafter", "gcd", "lcm", "addbmm")
ALIASES = {"clip_": "clamp_", "arccos_": "acos_", "arcsin_": "asin_", "arctan_": "atan_",
           "arccosh_": "acosh_", "arcsinh_": "asinh_", "arctanh_": "atanh_", "negative_": "neg_",
           "absolute_": "abs_", "fix_": "trunc_", "not_equal_": "ne_", "less_": "lt_",
           "less_equal_": "le_", "greater_": "gt_", "greater_equal_": "ge_",
           "multiply_": "mul_", "divide_": "div_", "subtract_": "sub_", "arctan2_": "atan2_",
           "sgn_": "sign_"}


def written_in_place(op: str, x: Tensor, values: tuple, compute: Callable[[], Tensor]
                     ) -> Tensor:
    """torch's x.op_(...): the out-of-place result `compute()` written into x. When x or a
    value is in a graph, the result is recorded and x takes it (recorded_writes.py: views
    of x follow); a leaf that requires grad takes it only inside no_grad()."""
    recorded = grad_mode.is_grad_enabled() and (x.requires_grad or any(
        isinstance(v, Tensor) and v.requires_grad for v in values))
    if recorded:
        x._refuse_leaf_write(op)
    with grad_mode.set_grad_enabled(recorded):
        result = compute()
    # as torch: a float64 result goes into a float32 tensor, a float one not into ints
    if not can_cast(result.dtype, x.dtype):
        raise TypeError(f"{op}: a {x.dtype} tensor cannot hold the result, {result.dtype}, in "
                        f"place; use {op[:-1]}")
    return x._overwrite(result, op, fresh=True)


def in_place(name: str) -> Callable:
    """The method `name_`: `name`'s values written into the tensor."""
    return in_place_of(lambda self, *args, **kwargs: getattr(self, name)(*args, **kwargs),
                       name, f"`x.{name}(...)`")


def in_place_of(fn: Callable, name: str, call: str) -> Callable:
    """`name_(x, ...)`: the values of fn(x, ...) written into x (`call` shows fn in the
    docstring)."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return written_in_place(f"{name}_", self, (*args, *kwargs.values()),
                                lambda: fn(self, *args, **kwargs))
    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"{call} written into x, in place (see tinygrad_edu.in_place)."
    return method


for _name in ELEMENTWISE + ("polygamma", "mvlgamma"):   # (torch has no torch.polygamma_)
    setattr(Tensor, f"{_name}_", in_place(_name))
for _alias, _name in ALIASES.items():
    setattr(Tensor, _alias, getattr(Tensor, _name))


def reshaped_in_place(name: str) -> Callable:
    """The method `name_` of a shape op (unsqueeze_, t_, ...): x takes the new shape, a view
    of the same memory. Refused for any tensor that requires grad (torch refuses a leaf
    and records the others as views; here x's node would have to change under the ops
    that read it: write `x = x.unsqueeze(0)`)."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if self.requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError(f"{name}_: a tensor that requires grad cannot change its shape "
                               f"in place; use {name}")
        with grad_mode.no_grad():
            self.data = getattr(self, name)(*args, **kwargs).data
        versions.mark_changed(self.data)             # (one more x._version, as torch)
        return self
    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"x becomes `x.{name}(...)`, in place (a view of the same memory)."
    return method


for _name in ("unsqueeze", "squeeze", "t", "transpose", "swapdims", "swapaxes"):
    setattr(Tensor, f"{_name}_", reshaped_in_place(_name))

# x &= y (and |=, ^=, <<=, >>=) write into x, as torch: its aliases see the change
Tensor.__iand__, Tensor.__ior__, Tensor.__ixor__ = (Tensor.bitwise_and_, Tensor.bitwise_or_,
                                                    Tensor.bitwise_xor_)
Tensor.__ilshift__, Tensor.__irshift__ = Tensor.bitwise_left_shift_, Tensor.bitwise_right_shift_
