"""torch.nn.utils.prune: weights zeroed by a mask that is kept beside the original.

    prune.l1_unstructured(layer, "weight", amount=0.3)

moves the Parameter `layer.weight` to `layer.weight_orig` (the same object, so an optimizer
made before still trains it), adds the buffer `layer.weight_mask` (1 keeps an entry, 0
prunes it) and makes `layer.weight` a plain tensor, weight_orig * weight_mask, which a
forward pre-hook (the pruning method itself) recomputes before every call. By the chain
rule d weight / d weight_orig = mask: pruned entries get a zero gradient and stay zero.
Pruning the same tensor again ranks only the entries still kept and multiplies its mask
in (a PruningContainer); `remove` makes it permanent: `weight` is the original Parameter
again, holding weight_orig * mask.

`amount` is a count (an int) or a fraction in [0, 1] of the entries (or channels) still
kept, rounded half to even (Python's round), as torch. Differs from torch: in a ranking,
ties go to the lower flat index (torch's topk leaves them unspecified), and the random
methods draw from this library's generator.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.linear_algebra import norm
from tinygrad_edu.random import generator

from ..module import Module


class BasePruningMethod:
    """A rule for the mask of one tensor: subclasses define `compute_mask(t, default_mask)`
    (t: the importance scores, default_mask: the mask so far) and PRUNING_TYPE."""

    PRUNING_TYPE = "unstructured"
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs: Any) -> None:
        """The forward pre-hook: recompute the pruned tensor from the original."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define compute_mask")

    def apply_mask(self, module: Module) -> Tensor:
        """original * mask, in the graph of the original (the forward's weight)."""
        name = self._tensor_name
        return getattr(module, name + "_orig") * getattr(module, name + "_mask")

    @classmethod
    def apply(cls, module: Module, name: str, *args: Any, importance_scores: Any = None,
              **kwargs: Any) -> BasePruningMethod:
        """Prune module.<name> by a new `cls(*args, **kwargs)`, after any pruning before."""
        method = _combined(module, name, cls(*args, **kwargs))
        current = getattr(module, name, None)
        if not isinstance(current, Tensor):
            raise ValueError(f"prune: {type(module).__name__} has no parameter {name!r}")
        scores = current if importance_scores is None else _tensor_like(importance_scores)
        if scores.shape != current.shape:
            raise ValueError(f"prune: importance_scores of shape {scores.shape} do not match "
                             f"{name!r} of shape {current.shape}")
        first = not isinstance(method, PruningContainer)
        if first:
            module.register_parameter(name + "_orig", current)
            delattr(module, name)
            default_mask = Tensor(np.ones(current.shape, current.dtype))
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            with no_grad():
                mask = method.compute_mask(scores.detach(), default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first:                                     # leave the module as it was
                original = getattr(module, name + "_orig")
                delattr(module, name + "_orig")
                module.register_parameter(name, original)
            raise
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None,
              importance_scores: Tensor | None = None) -> Tensor:
        """t with this method's mask applied (a module is not involved)."""
        scores = t if importance_scores is None else importance_scores
        mask = Tensor(np.ones(t.shape, t.dtype)) if default_mask is None else default_mask
        return t * self.compute_mask(scores.detach(), default_mask=mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: module.<name> is the original Parameter again,
        holding original * mask; the _orig parameter and _mask buffer go."""
        name = self._tensor_name
        with no_grad():
            weight = self.apply_mask(module)
        if name in vars(module):
            delattr(module, name)
        original = getattr(module, name + "_orig")
        original.data = weight.data
        delattr(module, name + "_orig")
        delattr(module, name + "_mask")
        setattr(module, name, original)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied to one tensor, in order. Each new one ranks only what
    the mask so far keeps: the kept entries (unstructured), the channels not entirely
    pruned along its dim (structured) or everything (global: custom masks)."""

    def __init__(self, *methods: Any) -> None:
        self._pruning_methods: tuple = ()
        if len(methods) == 1 and not isinstance(methods[0], BasePruningMethod):
            methods = tuple(methods[0])                   # one iterable of methods
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if not isinstance(method, BasePruningMethod):
            raise TypeError(f"PruningContainer: {method!r} is not a pruning method")
        if self._tensor_name is None:
            self._tensor_name = method._tensor_name
        elif method._tensor_name != self._tensor_name:
            raise ValueError(f"PruningContainer: can only add methods pruning "
                             f"{self._tensor_name!r}, got one for {method._tensor_name!r}")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, index: int) -> BasePruningMethod:
        return self._pruning_methods[index]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        method = self._pruning_methods[-1]
        mask = default_mask.data
        if method.PRUNING_TYPE == "unstructured":
            where = mask == 1
        elif method.PRUNING_TYPE == "structured":
            dim = method.dim % t.ndim
            others = tuple(i for i in range(t.ndim) if i != dim)
            kept = np.nonzero(mask.sum(axis=others) != 0)[0]
            where = (slice(None),) * dim + (kept,)
        elif method.PRUNING_TYPE == "global":
            where = (slice(None),) * t.ndim
        else:
            raise ValueError(f"PruningContainer: unknown PRUNING_TYPE "
                             f"{method.PRUNING_TYPE!r} of {type(method).__name__}")
        partial = method.compute_mask(Tensor(t.data[where]), default_mask=Tensor(mask[where]))
        combined = mask.copy()
        combined[where] = _array(partial)
        return Tensor(combined)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask stays as it is (all ones at first)."""

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:
        return super().apply(module, name)


class _Unstructured(BasePruningMethod):
    """Prunes the first `amount` entries of a ranking of all of them (flat positions)."""

    op = ""

    def __init__(self, amount: float | int) -> None:
        self.amount = _checked_amount(amount)

    def _ranking(self, t: Tensor) -> np.ndarray:
        raise NotImplementedError

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        count = _count(self.op, self.amount, t.numel())
        mask = default_mask.clone()
        if count:
            mask.data.reshape(-1)[self._ranking(t)[:count]] = 0
        return mask


class RandomUnstructured(_Unstructured):
    """Prunes `amount` entries chosen at random."""

    op = "random_unstructured"

    def _ranking(self, t: Tensor) -> np.ndarray:
        return np.argsort(-generator().random(t.numel()), kind="stable")

    @classmethod
    def apply(cls, module: Module, name: str, amount: float | int) -> BasePruningMethod:
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prunes the `amount` entries of smallest magnitude |t|."""

    op = "l1_unstructured"

    def _ranking(self, t: Tensor) -> np.ndarray:
        return np.argsort(np.abs(t.data).reshape(-1), kind="stable")

    @classmethod
    def apply(cls, module: Module, name: str, amount: float | int,
              importance_scores: Any = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes `amount` whole channels along `dim` (rows of a Linear's weight for dim=0,
    output channels of a conv), chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: float | int, dim: int = -1) -> None:
        self.amount, self.dim = _checked_amount(amount), dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        size = _channels("random_structured", t, self.dim)
        count = _count("random_structured", self.amount, size)
        if not count:
            return default_mask
        draws = generator().random(size)
        kept = np.sort(np.argsort(-draws, kind="stable")[count:])
        return _channel_mask(t, self.dim, kept, default_mask)

    @classmethod
    def apply(cls, module: Module, name: str, amount: float | int,
              dim: int = -1) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the `amount` channels along `dim` with the smallest Ln norm (over all their
    entries; n = 1, 2, inf, -inf, 'fro', ...)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: float | int, n: Any, dim: int = -1) -> None:
        self.amount, self.n, self.dim = _checked_amount(amount), n, dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        size = _channels("ln_structured", t, self.dim)
        count = _count("ln_structured", self.amount, size)
        if not count:
            return default_mask
        dim = self.dim % t.ndim
        norms = norm(t, self.n, tuple(i for i in range(t.ndim) if i != dim)).data
        kept = np.sort(np.argsort(-norms, kind="stable")[:size - count])
        return _channel_mask(t, self.dim, kept, default_mask)

    @classmethod
    def apply(cls, module: Module, name: str, amount: float | int, n: Any, dim: int,
              importance_scores: Any = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given mask is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Any) -> None:
        self.mask = _tensor_like(mask)

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if default_mask.shape != self.mask.shape:
            raise ValueError(f"custom_from_mask: a mask of shape {self.mask.shape} for a "
                             f"tensor of shape {default_mask.shape}")
        return Tensor(default_mask.data * self.mask.data.astype(default_mask.dtype))

    @classmethod
    def apply(cls, module: Module, name: str, mask: Any) -> BasePruningMethod:
        return super().apply(module, name, mask=mask)


# ----------------------------------------------------------------- the functions
def identity(module: Module, name: str) -> Module:
    """Prune nothing, but set up weight_orig, weight_mask (ones) and the hook."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: float | int) -> Module:
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: float | int,
                    importance_scores: Any = None) -> Module:
    """Prune the `amount` entries of smallest |importance| (the tensor's own by default)."""
    L1Unstructured.apply(module, name, amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: float | int, dim: int) -> Module:
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: float | int, n: Any, dim: int,
                  importance_scores: Any = None) -> Module:
    """Prune the `amount` channels along `dim` of smallest Ln norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters: Iterable, pruning_method: type,
                        importance_scores: dict | None = None, **kwargs: Any) -> None:
    """Rank the entries of several tensors together ((module, name) pairs) and prune
    `amount` of them all: a layer of small weights loses more than one of large weights."""
    parameters = list(parameters)
    if not parameters:
        raise ValueError("global_unstructured: no parameters to prune")
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f"global_unstructured: {pruning_method.__name__} is not an "
                        "unstructured pruning method")
    importance_scores = importance_scores or {}
    scores, masks = [], []
    for module, name in parameters:
        current = getattr(module, name)
        score = importance_scores.get((module, name), current)
        scores.append(_array(score).reshape(-1))
        mask = getattr(module, name + "_mask", None)
        masks.append(np.ones(current.numel(), current.dtype) if mask is None
                     else mask.data.reshape(-1))
    container = PruningContainer()
    container.add_pruning_method(method)
    final = container.compute_mask(Tensor(np.concatenate(scores)),
                                   default_mask=Tensor(np.concatenate(masks)))
    start = 0
    for (module, name), score in zip(parameters, scores):
        shape = getattr(module, name).shape
        custom_from_mask(module, name, final.data[start:start + score.size].reshape(shape))
        start += score.size


def remove(module: Module, name: str) -> Module:
    """Make the pruning of module.<name> permanent (see BasePruningMethod.remove)."""
    for i, (hook, _) in enumerate(module._forward_pre_hooks):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[i]
            return module
    raise ValueError(f"prune.remove: parameter {name!r} of {type(module).__name__} has to be "
                     "pruned before pruning can be removed")


def is_pruned(module: Module) -> bool:
    """Whether the module or one of its submodules has a pruned tensor."""
    return any(isinstance(hook, BasePruningMethod)
               for m in module.modules() for hook, _ in m._forward_pre_hooks)


# ----------------------------------------------------------------- helpers
def _combined(module: Module, name: str, method: BasePruningMethod) -> BasePruningMethod:
    """`method`, or with an earlier pruning of the same tensor, the container of both (the
    earlier hook is taken off: the result is registered in its place)."""
    method._tensor_name = name
    for i, (hook, _) in enumerate(module._forward_pre_hooks):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            del module._forward_pre_hooks[i]
            container = hook if isinstance(hook, PruningContainer) else PruningContainer(hook)
            container.add_pruning_method(method)
            return container
    return method


def _checked_amount(amount: Any) -> float | int:
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"prune: invalid type for amount: {type(amount).__name__}; must be "
                        "an int or a float")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and not 0.0 <= amount <= 1.0):
        raise ValueError(f"prune: amount={amount} should be a float in [0, 1] (a fraction) "
                         "or a non-negative int (a count)")
    return amount


def _count(op: str, amount: float | int, size: int) -> int:
    """How many of `size` units to prune (Python's round of a fraction, as torch)."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(f"{op}: amount={amount} is more than the {size} units to prune")
        return int(amount)
    return round(amount * size)


def _channels(op: str, t: Tensor, dim: int) -> int:
    if t.ndim < 2:
        raise ValueError(f"{op}: structured pruning needs a tensor of 2 or more dimensions, "
                         f"got shape {t.shape}")
    if not -t.ndim <= dim < t.ndim:
        raise ValueError(f"{op}: dim {dim} is out of range for shape {t.shape}")
    return t.shape[dim]


def _channel_mask(t: Tensor, dim: int, kept: np.ndarray, default_mask: Tensor) -> Tensor:
    """Ones on the kept channels along dim, zeros elsewhere, times the mask so far."""
    mask = np.zeros(t.shape, default_mask.dtype)
    mask[(slice(None),) * (dim % t.ndim) + (kept,)] = 1
    return Tensor(mask * default_mask.data)


def _tensor_like(value: Any) -> Tensor:
    return value.detach() if isinstance(value, Tensor) else Tensor(np.asarray(value))


def _array(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)
